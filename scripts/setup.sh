#!/bin/sh
# Installs whatever the book needs and is missing, and nothing else: Debian packages
# (Emscripten, cmark, Chromium, clang with libFuzzer) and the npm lock file. Safe to run any number of times;
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
# Fuzzing (make fuzz, make test): clang and its libFuzzer runtime, which Debian ships apart
# (libclang-rt-dev; only recommended by clang, so not pulled in by --no-install-recommends).
if ! command -v clang >/dev/null 2>&1; then
  missing="$missing clang libclang-rt-dev"
elif [ ! -f "$(clang -print-resource-dir)/lib/linux/libclang_rt.fuzzer-$(uname -m).a" ]; then
  missing="$missing libclang-rt-dev"
fi

if [ -n "$missing" ]; then
  echo "setup: installing Debian packages:$missing"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# npm packages (KaTeX for build-time math, playwright-core for browser tests), exactly as locked.
# Installed when a package the lock file names is missing or at another version (compared by
# content, not by file dates: a fresh checkout's lock file is always newer than an install).
lock_ok() {
  node -e '
    const fs = require("fs");
    const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
    for (const [dir, p] of Object.entries(lock.packages || {})) {
      if (!dir.startsWith("node_modules/") || p.optional) continue;
      let v = null;
      try { v = JSON.parse(fs.readFileSync(dir + "/package.json", "utf8")).version; } catch {}
      if (v !== p.version) { console.error("setup: " + dir + " is " + (v || "missing") + ", the lock file says " + p.version); process.exit(1); }
    }' 2>&1
}
if ! why=$(lock_ok); then
  echo "$why"
  if [ -L node_modules ]; then
    # npm ci would empty the folder the link points to, which other checkouts share.
    echo "setup: node_modules is a link to $(readlink node_modules): run npm ci there, or remove the link" >&2
    exit 1
  fi
  echo "setup: installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error 2>&1 | grep -v 'Unknown user config' || true
  lock_ok >/dev/null || { echo "setup: npm ci failed" >&2; exit 1; }
fi
