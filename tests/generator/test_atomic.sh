#!/bin/sh
# Checks that scripts/assemble.sh leaves the previous site/ whole when the generator fails: it
# runs assemble.sh in a scratch copy of the tree whose only chapter has an unknown widget key,
# over a site/ that holds a marker page, and expects a failure, the marker intact and no stage
# left behind. Usage: test_atomic.sh path/to/mlmbook (any build of the generator).
set -u
gen=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/scripts" "$tmp/chapters" "$tmp/engine" "$tmp/site"
cp "$root/scripts/assemble.sh" "$tmp/scripts/"
cat > "$tmp/chapters/01-broken.md" <<'MD'
---
part: I. Broken
---
# Broken

```widget nosuch
lr = 1
```
MD
echo "previous site" > "$tmp/site/index.html"
cd "$tmp"
if sh scripts/assemble.sh "$gen" > out.txt 2>&1; then
  echo "assemble.sh succeeded on a broken chapter"; cat out.txt; exit 1
fi
grep -q "chapters/01-broken.md:6: unknown module 'nosuch'" out.txt || { echo "no file:line error"; cat out.txt; exit 1; }
[ "$(cat site/index.html)" = "previous site" ] || { echo "site/ was changed"; exit 1; }
[ "$(ls site)" = "index.html" ] || { echo "site/ gained files: $(ls site)"; exit 1; }
[ ! -e build/stage ] || { echo "build/stage was left behind"; exit 1; }
echo "test_atomic: ok"
