#!/bin/sh
# Runs the test suites and ends with one line, "N passed, M failed", summed over all of them.
# Usage: tests/run.sh [engine|generator|web|browser ...]  (default: all, in that order)
# The Makefile builds what each suite needs first (`make test`).
set -u
cd "$(dirname "$0")/.."
suites=${*:-engine generator web browser}
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

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
  case $s in
  engine)
    echo "== engine tests (ASan + UBSan)"
    : > "$log"
    st=0
    for t in build/test/test_*; do
      [ -x "$t" ] || continue
      "$t" >> "$log" 2>&1 || st=1
    done
    grep -v '^$' "$log" | grep -E 'passed|failed|check failed|ERROR|runtime error' | head -50
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
    node --test --test-reporter=tap tests/web/*.test.mjs > "$log" 2>&1
    st=$?
    grep -E '^not ok|^# (pass|fail)' "$log"
    add web $st
    ;;
  browser)
    echo "== browser tests (playwright-core, Chromium)"
    node --test --test-concurrency=1 --test-reporter=tap tests/browser/*.test.mjs > "$log" 2>&1
    st=$?
    grep -E '^not ok|^# (pass|fail)' "$log"
    [ $st -eq 0 ] || grep -B2 -A25 '^not ok' "$log" | head -120
    add browser $st
    ;;
  *)
    echo "unknown suite '$s'" >&2
    exit 2
    ;;
  esac
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
