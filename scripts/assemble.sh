#!/bin/sh
# Builds the book into build/stage and swaps it in for site/ only if every step succeeded:
# a failed build (bad Markdown, bad TeX, an unknown widget key) leaves the previous site/ whole.
# Usage: assemble.sh path/to/mlmbook  (the Makefile calls it; run `make site` instead).
set -eu
gen=$1
stage=build/stage
rm -rf "$stage"
mkdir -p "$stage/assets/katex/fonts" "$stage/engine"
# build/run-cache: the numbers of the chapters' ```run blocks, kept until the generator changes.
if ! "$gen" --chapters chapters --engine engine --out "$stage" --run-cache build/run-cache; then
  rm -rf "$stage"
  echo "build failed: site/ is unchanged" >&2
  exit 1
fi
cp web/*.js web/*.css web/*.svg web/*.png "$stage/assets/"
cp web/manifest.json "$stage/"
# Search: MiniSearch (the library web/search.js loads on first use) and the index built from the
# pages just written.
sed '/^\/\/# sourceMappingURL=/d' node_modules/minisearch/dist/es/index.js > "$stage/assets/minisearch.js"
node scripts/search-index.mjs "$stage" || { rm -rf "$stage"; echo "build failed: site/ is unchanged" >&2; exit 1; }
# The GIF encoder that web/export.js fetches when a reader saves an animation (gifenc, MIT),
# without its source-map comment (the map is not shipped), and its licence beside it.
mkdir -p "$stage/assets/vendor"
sed '/^\/\/# sourceMappingURL=/d' node_modules/gifenc/dist/gifenc.esm.js > "$stage/assets/vendor/gifenc.js"
cp node_modules/gifenc/LICENSE.md "$stage/assets/vendor/gifenc-LICENSE.md"
cp build/wasm/*.mjs build/wasm/*.wasm "$stage/engine/"
cp node_modules/katex/dist/katex.min.css "$stage/assets/katex/"
# Browsers that run wasm all read woff2, the first source KaTeX's CSS lists: ship only those.
cp node_modules/katex/dist/fonts/*.woff2 "$stage/assets/katex/fonts/"
# Last, when every file is in place: the service worker with the list of them and the build's id.
node scripts/offline.mjs "$stage" || { rm -rf "$stage"; echo "build failed: site/ is unchanged" >&2; exit 1; }
if [ -d site ]; then
  rm -rf build/site.old
  mv site build/site.old
  mv "$stage" site
  rm -rf build/site.old
else
  mv "$stage" site
fi
echo "built site/ ($(ls site/*.html | wc -l) pages)"
