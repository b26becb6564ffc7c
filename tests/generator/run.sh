#!/bin/sh
# The generator's tests, in the style of cmark's spec tests: each case is a chapter in
# tests/generator/cases/ with its expectation written beside it:
#   NAME.md + NAME.html   the body HTML `mlmbook --fragment` must print, byte for byte
#   NAME.md + NAME.err    the errors it must report, one "LINE: message" per line (each must appear
#                         as "FILE:LINE: message..." on stderr, no other error may), and exit 1
#   NAME.warn (optional, with NAME.html) the exact warnings on stderr (cases/planned.txt lists the
#                         planned chapters the cases may reference)
# plus a whole book (book/ -> book-expected/), a broken book that must write nothing, and the
# atomic-build check of scripts/assemble.sh (test_atomic.sh).
#
# The cases run on a generator linked with tests/generator/engine/fixture*.c instead of the book's
# modules, built here with ASan and UBSan. Given the book's own generator (the Makefile passes
# build/native/mlmbook), the cases that use no module also run on it.
# Usage: tests/generator/run.sh [path/to/mlmbook]     UPDATE=1 rewrites the .html expectations
# (read the diff before committing them). The last line is "generator: N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
real=${1:-}
here=tests/generator
bin=build/test/mlmbook-fixture
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass() { passed=$((passed + 1)); }
fail() {
  failed=$((failed + 1))
  echo "FAIL $1"
  [ -f "$tmp/why" ] && sed 's/^/  /' "$tmp/why" | head -20
  rm -f "$tmp/why"
}

# ---- build the fixture generator ----
mkdir -p build/test
scripts/registry.sh fixture fixture_counter > build/test/registry-fixture.c
core=$(ls engine/core/*.c | grep -v '/wasm\.c$')
if ! ${CC:-cc} -std=c11 -Wall -Wextra -Werror -ffp-contract=off -O1 -g \
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
    -Iengine/core -Iscripts/generator scripts/generator/*.c $here/engine/*.c $core \
    build/test/registry-fixture.c $(pkg-config --cflags --libs libcmark 2>/dev/null || echo -lcmark) \
    -lm -o $bin; then
  echo "FAIL building $bin"
  echo "generator: 0 passed, 1 failed"
  exit 1
fi

# run_case BINARY CASE.md: compare with CASE.html or CASE.err.
run_case() {
  gen=$1
  md=$2
  base=${md%.md}
  "$gen" --fragment "$md" --engine $here/engine > "$tmp/out" 2> "$tmp/err"
  st=$?
  if [ -f "$base.err" ]; then
    ok=1
    if [ $st -ne 1 ]; then echo "exit status $st, expected 1" >> "$tmp/why"; ok=0; fi
    if [ -s "$tmp/out" ]; then echo "printed HTML although it failed" >> "$tmp/why"; ok=0; fi
    while IFS= read -r want; do
      [ -n "$want" ] || continue
      if ! grep -qF -- "$md:$want" "$tmp/err"; then
        echo "missing error: $md:$want" >> "$tmp/why"
        ok=0
      fi
    done < "$base.err"
    got=$(grep -c "^$md:" "$tmp/err")
    want=$(grep -c . "$base.err")
    if [ "$got" -ne "$want" ]; then echo "$got errors reported, expected $want" >> "$tmp/why"; ok=0; fi
    [ $ok -eq 1 ] || cat "$tmp/err" >> "$tmp/why"
    return $((1 - ok))
  fi
  if [ -f "$base.warn" ]; then
    # warnings (references to chapters still to be written): exactly these on stderr
    if ! cmp -s "$tmp/err" "$base.warn"; then
      { echo "warnings differ from $base.warn:"; diff "$base.warn" "$tmp/err"; } >> "$tmp/why"
      return 1
    fi
    : > "$tmp/err"
  fi
  if [ $st -ne 0 ] || [ -s "$tmp/err" ]; then
    { echo "exit status $st"; cat "$tmp/err"; } >> "$tmp/why"
    return 1
  fi
  if [ "${UPDATE:-}" = 1 ]; then cp "$tmp/out" "$base.html"; fi
  if ! cmp -s "$tmp/out" "$base.html"; then
    diff "$base.html" "$tmp/out" >> "$tmp/why" 2>&1
    return 1
  fi
  return 0
}

for md in $here/cases/*.md; do
  if run_case $bin "$md"; then pass; else fail "$md"; fi
done

# The book's own generator, on the cases that need no module.
if [ -n "$real" ]; then
  if [ -x "$real" ]; then
    for md in $here/cases/*.md; do
      grep -q fixture "$md" && continue
      if run_case "$real" "$md"; then pass; else fail "$md (with $real)"; fi
    done
  else
    echo "no generator at $real" > "$tmp/why"
    fail "$real"
  fi
fi

# ---- the run cache: a second build reads the numbers back; a changed entry shows, a broken one
# is recomputed ----
md=$here/cases/run-quotes.md
if $bin --fragment $md --engine $here/engine --run-cache "$tmp/cache" > "$tmp/c1" 2> "$tmp/why" &&
   $bin --fragment $md --engine $here/engine --run-cache "$tmp/cache" > "$tmp/c2" 2>> "$tmp/why" &&
   cmp -s "$tmp/c1" ${md%.md}.html && cmp -s "$tmp/c2" ${md%.md}.html &&
   [ "$(ls "$tmp/cache" | wc -l)" -eq 5 ]; then
  # run c (2,500 steps, no until, one seed) is the entry whose first number is 2500
  entry=$(grep -l -x 2500 "$tmp/cache"/* | head -1)
  sed -i '2s/.*/2600/' "$entry"
  $bin --fragment $md --engine $here/engine --run-cache "$tmp/cache" > "$tmp/c3" 2>> "$tmp/why"
  printf 'not a cache entry\n' > "$entry"
  $bin --fragment $md --engine $here/engine --run-cache "$tmp/cache" > "$tmp/c4" 2>> "$tmp/why"
  if grep -q '2,600 steps give' "$tmp/c3" && cmp -s "$tmp/c4" ${md%.md}.html && grep -q -x 2500 "$entry"; then
    pass
  else
    echo "a changed cache entry was not read, or a broken one not recomputed" >> "$tmp/why"
    fail "run cache"
  fi
else
  echo "cached builds differ from ${md%.md}.html, or not 5 entries: $(ls "$tmp/cache" 2>&1)" >> "$tmp/why"
  fail "run cache"
fi

# ---- many identical headings: unique ids, a, a-2, ..., a-N (the time is printed, not judged) ----
n=3000
{ printf -- '---\npart: I. Tests\n---\n# Many\n\n## a-3\n\n'; i=0
  while [ $i -lt $n ]; do printf '## a\n\n'; i=$((i + 1)); done; } > "$tmp/many.md"
t0=$(date +%s.%N)
if $bin --fragment "$tmp/many.md" --engine $here/engine > "$tmp/out" 2> "$tmp/why"; then
  t1=$(date +%s.%N)
  grep -o '<h2 id="[^"]*"' "$tmp/out" | sed 's/<h2 id="//; s/"$//' > "$tmp/ids"
  # a-3 is taken first by its own heading, so the identical ones skip it: a, a-2, a-4, ..., a-(n+1)
  { echo a-3; echo a; echo a-2; i=4; while [ $i -le $((n + 1)) ]; do echo a-$i; i=$((i + 1)); done; } > "$tmp/want"
  if cmp -s "$tmp/ids" "$tmp/want"; then
    echo "headings: $n identical headings got unique ids in $(echo "$t1 - $t0" | bc) s"
    pass
  else
    diff "$tmp/want" "$tmp/ids" | head > "$tmp/why"
    fail "headings: ids of $n identical headings"
  fi
else
  fail "headings: $n identical headings"
fi

# ---- no page shows raw TeX: the checker on pages made to leak and made clean, then on the book ----
node $here/check_tex.mjs $here/tex/leaks.html > "$tmp/tex" 2>&1
if [ $? -eq 1 ] && [ "$(grep -c 'outside math' "$tmp/tex")" -eq 6 ]; then pass; else
  cp "$tmp/tex" "$tmp/why"; fail "check_tex.mjs: expected 6 findings in $here/tex/leaks.html"; fi
if node $here/check_tex.mjs $here/tex/clean.html > "$tmp/why" 2>&1; then pass; else
  fail "check_tex.mjs: findings in $here/tex/clean.html"; fi
if [ -n "$real" ] && [ -x "$real" ]; then
  # The book as built (make test builds site/ first), or built here when site/ is missing or
  # older than the generator or a chapter.
  pages=site
  if [ ! -f site/index.html ] || [ -n "$(find chapters "$real" -newer site/index.html | head -1)" ]; then
    mkdir "$tmp/real"
    if "$real" --chapters chapters --engine engine --out "$tmp/real" 2> "$tmp/why"; then pages="$tmp/real"
    else pages=; fail "the book does not build with $real"; fi
  fi
  if [ -n "$pages" ]; then
    if node $here/check_tex.mjs "$pages"/*.html > "$tmp/why" 2>&1; then pass; else
      fail "raw TeX on the book's pages ($pages)"; fi
  fi
fi

# ---- a whole book: every page and the index, byte for byte ----
mkdir "$tmp/site"
if $bin --chapters $here/book --engine $here/engine --out "$tmp/site" 2> "$tmp/err"; then
  if [ "${UPDATE:-}" = 1 ]; then rm -rf $here/book-expected && cp -r "$tmp/site" $here/book-expected; fi
  if ! cmp -s "$tmp/err" $here/book.warn; then
    { echo "the warnings differ from $here/book.warn:"; diff $here/book.warn "$tmp/err"; } > "$tmp/why"
    fail "book: warnings"
  elif diff -r $here/book-expected "$tmp/site" > "$tmp/why" 2>&1; then
    rm -f "$tmp/why"
    pass
  else
    fail "book: pages differ from $here/book-expected"
  fi
else
  cp "$tmp/err" "$tmp/why"
  fail "book: the build failed"
fi

# ---- a book with errors in two chapters: all reported, in order, and nothing written ----
mkdir "$tmp/bad"
$bin --chapters $here/bad-book --engine $here/engine --out "$tmp/bad" 2> "$tmp/err"
st=$?
sed -E 's/^([^:]*(:[0-9]+)?):.*/\1/' "$tmp/err" > "$tmp/got"
if [ $st -eq 1 ] && [ -z "$(ls -A "$tmp/bad")" ] && cmp -s "$tmp/got" $here/bad-book.lines; then
  pass
else
  { echo "exit status $st; files written: $(ls "$tmp/bad" | tr '\n' ' ')"; cat "$tmp/err"; } > "$tmp/why"
  fail "bad-book: errors differ from $here/bad-book.lines or something was written"
fi

# ---- scripts/assemble.sh keeps the previous site/ when the generator fails ----
if sh $here/test_atomic.sh $bin > "$tmp/why" 2>&1; then
  rm -f "$tmp/why"
  pass
else
  fail "test_atomic.sh"
fi

echo "generator: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
