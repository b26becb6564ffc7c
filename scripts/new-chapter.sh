#!/bin/sh
# Scaffolds a chapter: chapters/NN-slug.md, engine/slug.c and tests/engine/test_slug.c, a small
# but working module (gradient descent on a parabola) with a real test, to be replaced by the
# chapter's own algorithm. Nothing else in the tree needs to change.
# Usage: scripts/new-chapter.sh slug [NN] [Title]   (or: make chapter NAME=slug NUM=NN TITLE="…")
set -eu
cd "$(dirname "$0")/.."
slug=${1:-}
case $slug in
  "" | *[!a-z0-9-]* | -* | *-)
    echo "usage: make chapter NAME=slug [NUM=NN] [TITLE=\"Title\"]  (slug: lowercase letters, digits, hyphens)" >&2
    exit 2 ;;
esac
stem=$(echo "$slug" | tr - _)
stemu=$(echo "$stem" | tr a-z A-Z)
# A chapter of the curriculum takes its number and title from chapters/planned.txt.
planned=$(sed -n "s/^\([0-9][0-9]*\) $slug \(.*\)$/\1 \2/p" chapters/planned.txt 2>/dev/null | head -1)
num=${2:-${planned%% *}}
if [ -z "$num" ]; then
  last=$(ls chapters/ 2>/dev/null | sed -n 's/^\([0-9][0-9]*\)-.*\.md$/\1/p' | sort -n | tail -1)
  num=$(printf '%02d' $(( ${last:-0} + 1 )))
fi
case $num in *[!0-9]* | "") echo "NUM must be a number" >&2; exit 2 ;; esac
num=$(printf "%02d" "$(echo "$num" | sed "s/^0*//; s/^$/0/")")
ptitle=${planned#* }
[ -n "$planned" ] || ptitle=""
title=${3:-${ptitle:-$(echo "$slug" | tr - ' ' | sed 's/^./\U&/')}}
md=chapters/$num-$slug.md
c=engine/$stem.c
t=tests/engine/test_$stem.c
for f in "$md" "$c" "$t"; do
  [ ! -e "$f" ] || { echo "$f exists already: nothing written" >&2; exit 1; }
done
ls chapters/*-"$slug".md >/dev/null 2>&1 && { echo "a chapter named $slug exists already" >&2; exit 1; }

sed -e "s/@STEM@/$stem/g" -e "s/@STEMU@/$stemu/g" -e "s/@TITLE@/$title/g" scripts/scaffold/module.c > "$c"
sed -e "s/@STEM@/$stem/g" scripts/scaffold/test.c > "$t"
sed -e "s/@STEM@/$stem/g" -e "s/@TITLE@/$title/g" scripts/scaffold/chapter.md > "$md"
echo "created $md, $c and $t"
echo "next: make test-engine && make serve, then open http://127.0.0.1:8000/$slug.html"
