# Makefile: builds the book (site/), serves it, tests it and benchmarks it.
# Chapters, engine modules and tests are found by name: adding chapters/NN-x.md, engine/x.c and
# tests/engine/test_x.c needs no change here. Safe with -j.

# emcc 3.1.6 as Debian ships it needs Debian's node modules (acorn) with the NodeSource node.
export NODE_PATH := /usr/share/nodejs

CC      ?= cc
EMCC    ?= emcc
NODE    ?= node
PORT    ?= 8000

CHAPTERS := $(sort $(wildcard chapters/*.md))
MODULES  := $(patsubst engine/%.c,%,$(wildcard engine/*.c))
CORE_H   := $(wildcard engine/core/*.h)
# Shared engine code linked into every module (wasm.c is the wasm export layer, manifest.c native only).
CORE_LIB := $(filter-out engine/core/wasm.c engine/core/manifest.c,$(wildcard engine/core/*.c))
WEB      := $(wildcard web/*)
GEN_SRC  := $(wildcard scripts/generator/*.c)
GEN_H    := $(wildcard scripts/generator/*.h)
ENGINE_TESTS := $(patsubst tests/engine/%.c,build/test/%,$(wildcard tests/engine/test_*.c))

WARN     := -std=c11 -Wall -Wextra -Werror
# Same arithmetic natively and in wasm: no fused multiply-add contraction on either side.
FPFLAGS  := -ffp-contract=off
CFLAGS_NATIVE := $(WARN) $(FPFLAGS) -O2 -g -Iengine/core
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
CMARK    := $(shell pkg-config --cflags --libs libcmark 2>/dev/null || echo -lcmark)

# wasm: every source is compiled once to an object (EMCC_C), and each module is linked from its
# own object, its export layer and the shared core objects (EMFLAGS); unused core code is dropped
# at link time.
# LLVM optimises each object at -O3; the link runs binaryen at -O2, which measured 1.5 s a module
# against 2.2 s at -O3 for a wasm file within 1 % of the size.
EMCC_C  := $(WARN) $(FPFLAGS) -O3 -msimd128 -Iengine/core
EMFLAGS := $(WARN) $(FPFLAGS) -O2 -msimd128 \
	-sMODULARIZE=1 -sEXPORT_ES6=1 -sENVIRONMENT=web,worker \
	-sALLOW_MEMORY_GROWTH=1 -sEXPORTED_RUNTIME_METHODS=UTF8ToString \
	-sINCOMING_MODULE_JS_API=wasmBinary,locateFile,print,printErr

WASM := $(foreach m,$(MODULES),build/wasm/$(m).mjs)
WASM_CORE := $(patsubst engine/core/%.c,build/wasm/obj/core_%.o,$(CORE_LIB))

.PHONY: all setup site serve test check fuzz test-engine test-generator test-web test-browser bench chapter clean

# Build the whole book into site/ (the default).
all: site

# Install whatever is missing (Debian packages, npm lock file); fast when nothing is.
setup:
	@scripts/setup.sh

# The book: HTML pages, engine wasm, runtime, KaTeX assets. Built in build/stage and swapped in
# only when everything succeeded, so a failed build leaves the previous site/ whole.
site: site/index.html

site/index.html: build/native/mlmbook $(CHAPTERS) $(wildcard engine/*.c) $(wildcard engine/core/*.c) \
		$(CORE_H) $(WASM) $(WEB) scripts/katex-render.mjs scripts/assemble.sh \
		scripts/search-index.mjs scripts/offline.mjs | node_modules/katex node_modules/minisearch \
		node_modules/gifenc
	@scripts/assemble.sh build/native/mlmbook

node_modules/katex node_modules/minisearch node_modules/gifenc:
	@scripts/setup.sh

# Build and serve the book at http://127.0.0.1:$(PORT) (Ctrl-C stops it). While it runs, saving a
# chapter, a module, the runtime or the generator rebuilds the book and reloads the open page.
WATCH := chapters engine web scripts/generator
serve: setup
	@$(MAKE) --no-print-directory site
	@python3 scripts/serve.py --port $(PORT) --dir site --watch $(WATCH) --build "$(MAKE) --no-print-directory site"

# Every test: engine (ASan+UBSan), generator, runtime logic and wasm/native parity, browser, and
# a few seconds of each fuzzer over its saved corpus.
# The build runs one job per core unless make was given -j already.
JOBS = $(if $(filter -j%,$(MAKEFLAGS)),,-j$(shell nproc 2>/dev/null || echo 2))
test: setup
	@$(MAKE) --no-print-directory $(JOBS) site $(ENGINE_TESTS) build/native/mlmbook build/native/mlmrun $(FUZZERS)
	@tests/run.sh

# One chapter only: make check NAME=slug runs the engine tests of the modules chapters/NN-slug.md
# uses, their wasm/native parity and the browser tests of slug.html, and says how long it took.
check: setup
	@[ -n "$(NAME)" ] || { echo "usage: make check NAME=slug (chapters/NN-slug.md)" >&2; exit 2; }
	@mods=$$(tests/run.sh modules "$(NAME)") || exit 2; \
	  tests=$$(for m in $$mods; do for t in test_$$m test_quotes_$$m; do \
	    [ -f tests/engine/$$t.c ] && echo build/test/$$t; done; done); \
	  $(MAKE) --no-print-directory $(JOBS) site build/native/mlmrun $$tests
	@MLM_ONLY="$(NAME)" tests/run.sh engine web browser

test-engine: $(ENGINE_TESTS)
	@tests/run.sh engine
test-generator: build/native/mlmbook
	@tests/run.sh generator
test-web: site build/native/mlmrun
	@tests/run.sh web
test-browser: site
	@tests/run.sh browser

# Fuzzing: libFuzzer targets built with clang's ASan and UBSan (tests/fuzz/). `make fuzz` runs
# each for FUZZ_SECONDS (make fuzz FUZZ_SECONDS=3600 for a long run); `make test` runs each for
# a few seconds. New inputs go to build/fuzz/corpus/<target>/, crashes to build/fuzz/crashes/.
# The generator's target is built when the generator has its fuzzing entry point.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   := -std=c11 -Wall -Wextra $(FPFLAGS) -O1 -g -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Iengine/core
FUZZ_GEN_ENTRY := $(wildcard scripts/generator/fuzz_entry.c)
FUZZERS := build/fuzz/fuzz_engine build/fuzz/fuzz_expr $(if $(FUZZ_GEN_ENTRY),build/fuzz/fuzz_generator)

fuzz: setup
	@$(MAKE) --no-print-directory $(FUZZERS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/run.sh fuzz

build/fuzz/fuzz_engine: tests/fuzz/fuzz_engine.c $(wildcard engine/*.c) $(CORE_LIB) $(CORE_H) build/registry.c | build/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) $< $(wildcard engine/*.c) $(CORE_LIB) build/registry.c -lm -o $@
build/fuzz/fuzz_expr: tests/fuzz/fuzz_expr.c $(CORE_LIB) $(CORE_H) | build/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) $< $(CORE_LIB) -lm -o $@
build/fuzz/fuzz_generator: tests/fuzz/fuzz_generator.c $(GEN_SRC) $(GEN_H) $(wildcard engine/*.c) \
		$(CORE_LIB) $(CORE_H) engine/core/manifest.c build/registry.c | build/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) -Iscripts/generator $< $(filter-out scripts/generator/main.c,$(GEN_SRC)) \
		$(wildcard engine/*.c) $(CORE_LIB) engine/core/manifest.c build/registry.c $(CMARK) -lm -o $@

# Measure build time, frame times, page weights, module speeds, a soak of every widget (100,000
# native steps each) and the MLP workload against TensorFlow.js and ConvNetJS (numbers for the README, never a pass/fail of the test suite).
# The CNN workload (chapter 22's network, tests/bench/cnn_digits.c) runs against the same peers.
# The peers are installed here only, from their own lock file (tests/bench/peers/).
bench: setup
	@$(MAKE) --no-print-directory site build/native/mlmrun build/bench/mlp_spiral build/bench/mlp_spiral.mjs build/bench/soak \
		build/bench/expr_parse $(BENCH_GPT)
	@$(MAKE) --no-print-directory build/bench/cnn_digits build/bench/cnn_digits.mjs
	@[ -d tests/bench/peers/node_modules ] || (cd tests/bench/peers && npm ci --no-audit --no-fund --loglevel=error 2>&1 | grep -v 'Unknown user config' || true)
	@$(NODE) tests/bench/bench.mjs

# The soak: one widget's long native run with its views checked every 1,000 steps (tests/bench/soak.c).
build/bench/soak: tests/bench/soak.c $(ENGINE_OBJ) | build/bench
	$(CC) $(CFLAGS_NATIVE) $< $(ENGINE_OBJ) -lm -o $@

# The shared expression parser on a 256-character text (tests/bench/expr_parse.c).
build/bench/expr_parse: tests/bench/expr_parse.c $(CORE_LIB) $(CORE_H) | build/bench
	$(CC) $(CFLAGS_NATIVE) $< $(CORE_LIB) -lm -o $@

# The bench's MLP workload on the book's engine, natively and in wasm (tests/bench/mlp_spiral.c).
build/bench/mlp_spiral: tests/bench/mlp_spiral.c tests/bench/workload.h $(CORE_LIB) $(CORE_H) | build/bench
	$(CC) $(CFLAGS_NATIVE) $< $(CORE_LIB) -lm -o $@
build/bench/mlp_spiral.mjs: tests/bench/mlp_spiral.c tests/bench/workload.h $(WASM_CORE) $(CORE_H) | build/bench
	$(EMCC) $(EMCC_C) -c $< -o build/bench/mlp_spiral.o
	$(EMCC) $(EMFLAGS) build/bench/mlp_spiral.o $(WASM_CORE) -o $@

# The bench's transformer workload (chapter 26's model on engine/core/gpt.c), natively and in
# wasm (tests/bench/gpt_austen.c); `make bench` builds it through BENCH_GPT.
BENCH_GPT := build/bench/gpt_austen build/bench/gpt_austen.mjs
build/bench/gpt_austen: tests/bench/gpt_austen.c tests/bench/workload.h $(CORE_LIB) $(CORE_H) | build/bench
	$(CC) $(CFLAGS_NATIVE) $< $(CORE_LIB) -lm -o $@
build/bench/gpt_austen.mjs: tests/bench/gpt_austen.c tests/bench/workload.h $(WASM_CORE) $(CORE_H) | build/bench
	$(EMCC) $(EMCC_C) -c $< -o build/bench/gpt_austen.o
	$(EMCC) $(EMFLAGS) build/bench/gpt_austen.o $(WASM_CORE) -o $@

# The bench's CNN workload: chapter 22's network (engine/cnn.c) on the digits, natively and in
# wasm (tests/bench/cnn_digits.c includes engine/cnn.c, so the module's own object is not linked).
build/bench/cnn_digits: tests/bench/cnn_digits.c tests/bench/workload.h engine/cnn.c $(CORE_LIB) $(CORE_H) | build/bench
	$(CC) $(CFLAGS_NATIVE) $< $(CORE_LIB) -lm -o $@
build/bench/cnn_digits.mjs: tests/bench/cnn_digits.c tests/bench/workload.h engine/cnn.c $(WASM_CORE) $(CORE_H) | build/bench
	$(EMCC) $(EMCC_C) -c $< -o build/bench/cnn_digits.o
	$(EMCC) $(EMFLAGS) build/bench/cnn_digits.o $(WASM_CORE) -o $@

# Scaffold a chapter: make chapter NAME=slug [NUM=NN] [TITLE="Title"].
chapter:
	@scripts/new-chapter.sh "$(NAME)" "$(NUM)" "$(TITLE)"

# Remove everything built.
clean:
	rm -rf build site

# ---- native builds ----

# The list of modules, made from the file names in engine/ (never written by hand).
build/registry.c: $(wildcard engine/*.c) scripts/registry.sh | build/native
	@scripts/registry.sh $(MODULES) > $@.tmp && (cmp -s $@.tmp $@ || mv $@.tmp $@); rm -f $@.tmp

build/native/%.o: engine/%.c $(CORE_H) | build/native
	$(CC) $(CFLAGS_NATIVE) -c $< -o $@
build/native/core_%.o: engine/core/%.c $(CORE_H) | build/native
	$(CC) $(CFLAGS_NATIVE) -c $< -o $@
build/native/registry.o: build/registry.c $(CORE_H) | build/native
	$(CC) $(CFLAGS_NATIVE) -c $< -o $@

ENGINE_OBJ := $(foreach m,$(MODULES),build/native/$(m).o) \
	$(patsubst engine/core/%.c,build/native/core_%.o,$(CORE_LIB)) \
	build/native/core_manifest.o build/native/registry.o

# The generator: Markdown + engine declarations + KaTeX -> HTML.
build/native/mlmbook: $(GEN_SRC) $(GEN_H) $(ENGINE_OBJ) | build/native
	$(CC) $(CFLAGS_NATIVE) -Iscripts/generator $(GEN_SRC) $(ENGINE_OBJ) $(CMARK) -lm -o $@

# Runs any module natively from the command line (parity tests and benchmarks).
build/native/mlmrun: tests/tools/mlmrun.c $(ENGINE_OBJ) | build/native
	$(CC) $(CFLAGS_NATIVE) $< $(ENGINE_OBJ) -lm -o $@

# Engine tests: each includes its module's source and is built with ASan and UBSan. The shared
# core is compiled with the same flags once, into build/test/obj/, and linked into every test
# (compiling it again for each test took five times as long as the test's own source).
# Pinned numbers (tests/engine/test_quotes_x.c) include module x's source, like its own test.
TEST_CFLAGS := $(WARN) $(FPFLAGS) -O1 -g $(SANITIZE) -Iengine/core
TEST_CORE := $(patsubst engine/core/%.c,build/test/obj/core_%.o,$(CORE_LIB) engine/core/manifest.c)
.SECONDARY: $(TEST_CORE)

build/test/obj/core_%.o: engine/core/%.c $(CORE_H) | build/test/obj
	$(CC) $(TEST_CFLAGS) -c $< -o $@

build/test/test_quotes_%: tests/engine/test_quotes_%.c engine/%.c tests/engine/check.h $(TEST_CORE) $(CORE_H) | build/test
	$(CC) $(TEST_CFLAGS) -Itests/engine $< $(TEST_CORE) -lm -o $@

build/test/test_%: tests/engine/test_%.c engine/%.c tests/engine/check.h $(TEST_CORE) $(CORE_H) | build/test
	$(CC) $(TEST_CFLAGS) -Itests/engine $< $(TEST_CORE) -lm -o $@

# Tests of shared core code (engine/core/x.c) include that file instead of a module, and link
# the rest of the core.
build/test/test_%: tests/engine/test_%.c engine/core/%.c tests/engine/check.h $(TEST_CORE) $(CORE_H) | build/test
	$(CC) $(TEST_CFLAGS) -Itests/engine $< $(filter-out build/test/obj/core_$*.o,$(TEST_CORE)) -lm -o $@

# The SVM's shared checks (run by test_svm) are a header of their own.
build/test/test_svm build/test/test_support_vectors: tests/engine/svm_checks.h
# The convolution checks are shared the same way.
build/test/test_cnn build/test/test_conv build/test/test_convolution: tests/engine/conv_checks.h

# The checkpoint test runs every module of the registry, so it links them all.
build/test/test_checkpoint: tests/engine/test_checkpoint.c tests/engine/check.h build/registry.c \
		$(wildcard engine/*.c) $(TEST_CORE) $(CORE_H) | build/test
	$(CC) $(TEST_CFLAGS) -Itests/engine $< build/registry.c $(wildcard engine/*.c) $(TEST_CORE) -lm -o $@

# ---- wasm ----

# Keep the objects: make would otherwise delete them as intermediates and rebuild them all.
.SECONDARY: $(WASM_CORE) $(foreach m,$(MODULES),build/wasm/obj/$(m).o build/wasm/obj/$(m).export.o)

build/wasm/obj/core_%.o: engine/core/%.c $(CORE_H) | build/wasm/obj
	$(EMCC) $(EMCC_C) -c $< -o $@
build/wasm/obj/%.o: engine/%.c $(CORE_H) | build/wasm/obj
	$(EMCC) $(EMCC_C) -c $< -o $@
build/wasm/obj/%.export.o: engine/core/wasm.c $(CORE_H) | build/wasm/obj
	$(EMCC) $(EMCC_C) -DMLM_MODULE=$* -c $< -o $@
build/wasm/%.mjs: build/wasm/obj/%.o build/wasm/obj/%.export.o $(WASM_CORE) | build/wasm
	$(EMCC) $(EMFLAGS) $^ -o $@

build/native build/test build/test/obj build/wasm build/wasm/obj build/bench build/fuzz:
	@mkdir -p $@
