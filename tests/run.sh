#!/bin/sh
# Runs the test suites and ends with one line, "N passed, M failed", summed over all of them.
# Usage: tests/run.sh [engine|generator|web|browser|fuzz ...]  (default: all; the web and browser
#        suites run beside the others, see below)
#        tests/run.sh modules SLUG   the engine modules chapters/NN-SLUG.md uses, one a line
# The Makefile builds what each suite needs first (`make test`, `make check`, `make fuzz`).
#
# MLM_ONLY=slug[,slug...] narrows the suites to those chapters (what `make check NAME=slug` runs):
# the engine tests of the modules the chapters use (test_M and test_quotes_M), the wasm/native parity of those modules (the
# rest of the web suite is skipped) and the browser tests of those pages.
set -u
cd "$(dirname "$0")/.."
t_start=$(date +%s)

# The modules a chapter uses: its widget blocks (```widget MODULE) and its run blocks
# (```run NAME ... module = MODULE).
chapter_modules() {
  slug=$1
  set -- chapters/[0-9]*-"$slug".md
  [ -f "$1" ] || { echo "tests/run.sh: no chapter chapters/NN-$slug.md" >&2; return 1; }
  for f in "$@"; do
    awk '/^```widget[ \t]/ { print $2 }
         /^```run([ \t]|$)/ { inrun = 1; next }
         inrun && /^```/ { inrun = 0 }
         inrun && /^module[ \t]*=/ { sub(/^module[ \t]*=[ \t]*/, ""); sub(/[ \t#].*/, ""); print }' "$f"
  done | sort -u
}

if [ "${1:-}" = modules ]; then
  chapter_modules "${2:?usage: tests/run.sh modules SLUG}"
  exit $?
fi

only=${MLM_ONLY:-}
only_modules=""
if [ -n "$only" ]; then
  for slug in $(echo "$only" | tr ',' ' '); do
    m=$(chapter_modules "$slug") || exit 2
    only_modules="$only_modules $m"
  done
  echo "== only chapter(s) $only: modules$only_modules"
fi

suites=${*:-engine generator web browser fuzz}

# The browser suite spends most of its time waiting (for frames, for runs to reach a step, for
# pages to load) and uses about half a core; the engine suite runs two binaries at once and the
# web suite's parity runs one process at a time. Measured from a clean clone, one after another
# they took 1,118 s; side by side 724 s. So when more than one suite runs, the browser and web
# suites each run beside the rest (MLM_SERIAL=1 runs them one after another): a run.sh of their
# own each, their output kept and printed after the rest's, in the usual order, and the closing
# line sums all. A run that ends without its closing line counts as one failure.
beside=""
for s in web browser; do
  case " $suites " in *" $s "*) beside="$beside $s" ;; esac
done
rest=$(for s in $suites; do case " $beside " in *" $s "*) ;; *) echo "$s" ;; esac; done | tr '\n' ' ' | sed 's/ *$//')
if [ -z "${MLM_SERIAL:-}" ] && [ -n "$beside" ] && [ "$(echo $suites | wc -w)" -gt 1 ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "== side by side:${rest:+ $rest,}$beside (the output of$beside follows)"
  pids=""
  # Beside the browser suite (whose waits give up after seconds), the engine binaries run one at a
  # time unless MLM_ENGINE_JOBS says otherwise: the machine is shared three ways already.
  case " $beside " in *" browser "*) MLM_ENGINE_JOBS=${MLM_ENGINE_JOBS:-1}; export MLM_ENGINE_JOBS ;; esac
  for s in $beside; do
    MLM_SERIAL=1 "$0" "$s" > "$tmp/$s" 2>&1 &
    pids="$pids $!"
  done
  : > "$tmp/rest"
  [ -n "$rest" ] && MLM_SERIAL=1 "$0" $rest 2>&1 | tee "$tmp/rest"
  for p in $pids; do wait "$p"; done
  for s in $beside; do cat "$tmp/$s"; done
  total() { # the closing line's two counts, or "0 1" when there is none
    tail -n 1 "$1" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1 \2/p' | grep . || echo "0 1"
  }
  p=0 f=0
  for s in ${rest:+rest} $beside; do
    set -- $(total "$tmp/$s")
    p=$((p + $1)) f=$((f + $2))
  done
  echo "== took $(( $(date +%s) - t_start )) s (side by side)"
  echo "$p passed, $f failed"
  [ "$f" -eq 0 ]
  exit
fi

passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log" "$log".*' EXIT

# add SUITE STATUS: read "N passed, M failed" (our C and shell tests) or node's "# pass N" /
# "# fail N" from the log. A suite that exits non-zero without reporting a failure counts as one,
# so a crash is never mistaken for success.
add() {
  p=$(sed -n 's/.*[^0-9]\([0-9][0-9]*\) passed, [0-9][0-9]* failed$/\1/p; s/^\([0-9][0-9]*\) passed, [0-9][0-9]* failed$/\1/p; s/^# pass \([0-9][0-9]*\)$/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
  f=$(sed -n 's/.* \([0-9][0-9]*\) failed$/\1/p; s/^# fail \([0-9][0-9]*\)$/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
  if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "$1: exited with status $2 without reporting a failed test" >&2
    f=1
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  echo "== $1: $p passed, $f failed"
}

for s in $suites; do
  t_suite=$(date +%s)
  case $s in
  engine)
    echo "== engine tests (ASan + UBSan)"
    : > "$log"
    st=0
    if [ -n "$only" ]; then
      tests=""
      for m in $only_modules; do
        for t in test_$m test_quotes_$m; do # a module's test and its chapter's pinned numbers
          [ -f "tests/engine/$t.c" ] && tests="$tests build/test/$t"
        done
      done
    else
      tests=$(ls build/test/test_* 2>/dev/null)
    fi
    # MLM_ENGINE_JOBS binaries at once (default 2: each is single-threaded), the slowest of the
    # last run first (build/test/.seconds) so that no long one starts last. Each writes its own
    # log, gathered in the usual order afterwards; the slowest are listed with their seconds.
    ejobs=${MLM_ENGINE_JOBS:-2}
    times=build/test/.seconds
    : > "$log.times"
    order=$(for t in $tests; do
      s=$(awk -v n="$(basename "$t")" '$1 == n { print $2 }' "$times" 2>/dev/null)
      echo "${s:-999} $t"
    done | sort -rn | awk '{ print $2 }')
    for t in $order; do echo "$t"; done | xargs -P "$ejobs" -n 1 sh -c '
      t=$1; n=$(basename "$t"); out=$0.$n
      if [ -x "$t" ]; then
        t0=$(date +%s%N); "$t" > "$out" 2>&1; rc=$?; t1=$(date +%s%N)
      else
        echo "$t is not built" > "$out"; rc=1; t0=0; t1=0
      fi
      echo "$n $(( (t1 - t0) / 1000000 )) $rc" >> "$0.times"' "$log"
    for t in $tests; do
      n=$(basename "$t")
      cat "$log.$n" >> "$log" 2>/dev/null || echo "$t did not run" >> "$log"
      rm -f "$log.$n"
      awk -v n="$n" '$1 == n && $3 != 0 { bad = 1 } $1 == n { seen = 1 } END { exit !(bad || !seen) }' "$log.times" && st=1
    done
    grep -v '^$' "$log" | grep -E 'passed|failed|check failed|ERROR|runtime error' | head -50
    sort -k2,2nr "$log.times" | head -5 | awk '{ printf "  slowest: %s %.1f s\n", $1, $2 / 1000 }'
    # remember every binary's seconds for the next run's order (kept for ones not run this time)
    if [ -d build/test ]; then
      { awk '{ printf "%s %.1f\n", $1, $2 / 1000 }' "$log.times"
        [ -f "$times" ] && awk 'NR == FNR { ran[$1] = 1; next } !($1 in ran)' "$log.times" "$times"; } > "$times.new"
      mv "$times.new" "$times"
    fi
    add engine $st
    ;;
  generator)
    echo "== generator tests"
    tests/generator/run.sh build/native/mlmbook > "$log" 2>&1
    st=$?
    grep -E 'FAIL|passed' "$log" | head -50
    add generator $st
    ;;
  web)
    echo "== runtime logic and wasm/native parity (node --test)"
    if [ -n "$only" ]; then files=tests/web/parity.test.mjs; else files=$(ls tests/web/*.test.mjs); fi
    MLM_ONLY_MODULES=$(echo $only_modules | tr ' ' ',') node --test --test-reporter=tap $files > "$log" 2>&1
    st=$?
    grep -E '^not ok|^# (pass|fail)' "$log"
    add web $st
    ;;
  browser)
    # MLM_BROWSER_JOBS shards (default 2) run at once, each with its own server and browser.
    # A file that takes its pages from listPages() (tests/browser/harness.mjs) runs in every
    # shard and visits that shard's share of the pages (MLM_SHARD=k/n); a file that names its own
    # pages runs whole in one shard, the largest files first, each to the shard with the least.
    # With MLM_ONLY (make check), only the files that take their pages from listPages() run.
    jobs=${MLM_BROWSER_JOBS:-2}
    [ -n "$only" ] && [ -z "${MLM_BROWSER_JOBS:-}" ] && jobs=1 # one chapter: one shard
    echo "== browser tests (playwright-core, Chromium; $jobs shard(s) at once)"
    : > "$log"
    paged=$(grep -l 'listPages(' tests/browser/*.test.mjs)
    fixed=""
    [ -z "$only" ] && fixed=$(grep -L 'listPages(' tests/browser/*.test.mjs)
    # shard k's files: the paged ones and its deal of the fixed ones (by size, greedy).
    deal=$(for f in $fixed; do echo "$(wc -c < "$f") $f"; done | sort -rn | awk -v n="$jobs" '
      { k = 0; for (j = 1; j < n; j++) if (load[j] < load[k]) k = j; load[k] += $1; print k, $2 }')
    pids=""
    k=0
    while [ $k -lt "$jobs" ]; do
      files="$paged $(echo "$deal" | awk -v k=$k '$1 == k { print $2 }')"
      # one node process per file, one after the other, so that each file's seconds are known
      ( rc=0
        : > "$log.$k"
        for f in $files; do
          t0=$(date +%s%N)
          MLM_SHARD="$k/$jobs" node --test --test-reporter=tap "$f" >> "$log.$k" 2>&1 || rc=1
          echo "$k $(( ($(date +%s%N) - t0) / 1000000 )) $f" >> "$log.ftimes"
        done
        exit $rc ) &
      pids="$pids $!"
      k=$((k + 1))
    done
    st=0
    for p in $pids; do wait "$p" || st=1; done
    # seconds per file and shard, and the slowest tests (a page's checks are one test)
    sort -k3,3 -k1,1n "$log.ftimes" | awk '{ printf "  shard %s: %6.1f s %s\n", $1, $2 / 1000, $3 }'
    awk '{ s[$1] += $2 } END { for (k in s) printf "  shard %s: %.0f s in all\n", k, s[k] / 1000 }' "$log.ftimes" | sort
    rm -f "$log.ftimes"
    k=0
    while [ $k -lt "$jobs" ]; do
      cat "$log.$k" >> "$log"
      rm -f "$log.$k"
      k=$((k + 1))
    done
    grep -E '^not ok' "$log"
    # each failed test at any depth with what it said (not the suites that only contain it)
    [ $st -eq 0 ] || grep -A22 -E '^ *not ok' "$log" | grep -v -E "^ *(duration_ms|type|location|failureType|code|\.\.\.|---)" | head -150
    awk '/^    (not )?ok [0-9]+ - / { sub(/^    (not )?ok [0-9]+ - /, ""); name = $0; next }
         name != "" && /^      duration_ms: / { printf "%.1f\t%s\n", $2 / 1000, name; name = "" }' "$log" |
      sort -rn | head -8 | awk -F '\t' '{ printf "  slowest: %6.1f s  %s\n", $1, $2 }'
    add browser $st
    ;;
  fuzz)
    # Each built libFuzzer target for FUZZ_SECONDS (default 5) over its saved corpus
    # (tests/fuzz/corpus/<target>/, read only) and what earlier runs found (build/fuzz/corpus/,
    # where new inputs go). One target is one test: a crash, sanitizer report, leak or timeout
    # fails it, and the input that did it is kept in build/fuzz/crashes/.
    secs=${FUZZ_SECONDS:-5}
    echo "== fuzzing (libFuzzer, ASan + UBSan), ${secs} s a target"
    : > "$log"
    st=0
    fp=0
    ff=0
    for t in build/fuzz/fuzz_*; do
      [ -x "$t" ] || continue
      name=$(basename "$t")
      mkdir -p "build/fuzz/corpus/$name" build/fuzz/crashes
      seeds=""
      [ -d "tests/fuzz/corpus/$name" ] && seeds="tests/fuzz/corpus/$name"
      if "$t" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2560 -print_final_stats=1 \
          -artifact_prefix="build/fuzz/crashes/$name-" "build/fuzz/corpus/$name" $seeds \
          > "build/fuzz/$name.log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build/fuzz/$name.log")
        echo "  $name: ${runs:-?} inputs, no crash"
        fp=$((fp + 1))
      else
        echo "  $name: FAILED (build/fuzz/$name.log; the input is in build/fuzz/crashes/):"
        grep -E 'ERROR|runtime error|fuzz_engine:|SUMMARY|Test unit written' "build/fuzz/$name.log" | head -12 | sed 's/^/    /'
        ff=$((ff + 1))
        st=1
      fi
    done
    if [ $((fp + ff)) -eq 0 ]; then
      echo "  no fuzzer is built (make build/fuzz/fuzz_engine)"
      ff=1
      st=1
    fi
    echo "fuzz: $fp passed, $ff failed" >> "$log"
    add fuzz $st
    ;;
  *)
    echo "unknown suite '$s'" >&2
    exit 2
    ;;
  esac
  echo "== $s took $(( $(date +%s) - t_suite )) s"
done
echo "== took $(( $(date +%s) - t_start )) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
