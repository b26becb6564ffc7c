#!/bin/sh
# Installs whatever the book needs and is missing, and nothing else: Debian packages
# (Emscripten, cmark, Chromium) and the npm lock file. Safe to run any number of times;
# when everything is present it returns in a fraction of a second.
set -eu
cd "$(dirname "$0")/.."

missing=""
command -v emcc >/dev/null 2>&1 || missing="$missing emscripten"
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
[ -f /usr/include/cmark.h ] || missing="$missing cmark libcmark-dev"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
command -v node >/dev/null 2>&1 || missing="$missing nodejs npm"

if [ -n "$missing" ]; then
  echo "setup: installing Debian packages:$missing"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# npm packages (KaTeX for build-time math, playwright-core for browser tests), exactly as locked.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error 2>&1 | grep -v 'Unknown user config' || true
  [ -f node_modules/katex/package.json ] || { echo "setup: npm ci failed" >&2; exit 1; }
fi
