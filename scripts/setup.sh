#!/usr/bin/env bash
# Sets up everything the build and the tests need on Debian 12, idempotently.
#   apt:  emscripten (emcc 3.1.6), chromium, clang + libFuzzer runtime, dpkg-dev (apt-get source),
#         nodejs/npm if missing, python3 reference packages for benchmarks (optional)
#   src:  cJSON 1.7.15 and KissFFT 131.1.0 from Debian's source packages into build/deps/
#   npm:  `npm ci` from the committed package-lock.json (no browser download)
# Re-running it does nothing that is already done. Needs root for apt (skipped when all is there).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEPS=$ROOT/build/deps
log() { printf '[setup] %s\n' "$*"; }

need_pkgs=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
# python3-sklearn: the reference the classifiers are tested against (Debian's /usr/bin/python3)
for p in emscripten chromium clang libclang-rt-14-dev dpkg-dev ca-certificates xz-utils python3 python3-sklearn; do
  have_pkg "$p" || need_pkgs+=("$p")
done
command -v node >/dev/null 2>&1 || need_pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || need_pkgs+=(npm)

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi

apt_updated=0
apt_update() { if [ $apt_updated = 0 ]; then log "apt-get update"; $SUDO apt-get update -qq; apt_updated=1; fi; }

# deb-src entry for bookworm, so `apt-get source` can fetch cJSON and KissFFT from Debian's archive.
has_debsrc() { grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null; }
if ! has_debsrc; then
  log "adding a deb-src entry for bookworm"
  $SUDO tee /etc/apt/sources.list.d/anomaly-workbench-src.sources >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt_updated=0
  apt_update
fi

if [ ${#need_pkgs[@]} -gt 0 ]; then
  apt_update
  log "apt-get install ${need_pkgs[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}"
fi

emcc_ver=$(NODE_PATH=/usr/share/nodejs emcc --version 2>/dev/null | head -1 | sed -E 's/.* ([0-9]+\.[0-9]+\.[0-9]+).*/\1/')
[ "$emcc_ver" = "3.1.6" ] || log "warning: expected emcc 3.1.6, found '$emcc_ver'"

# Third-party sources: Debian's patched trees (dpkg-source applies the security patches).
fetch_src() { # name upstream_version dir check_file check_regex
  local name=$1 ver=$2 dir=$3 file=$4 re=$5
  if [ -f "$DEPS/$dir/.aw-ok" ]; then return 0; fi
  mkdir -p "$DEPS"
  local tmp; tmp=$(mktemp -d "$DEPS/.fetch-XXXXXX")
  log "apt-get source $name (Debian's patched $ver sources)"
  if ! (cd "$tmp" && apt-get source -qq "$name" >/dev/null 2>"$tmp/err.txt"); then
    if [ $apt_updated = 0 ]; then apt_update; (cd "$tmp" && apt-get source -qq "$name" >/dev/null); else cat "$tmp/err.txt" >&2; exit 1; fi
  fi
  if [ ! -d "$tmp/$dir" ]; then
    log "error: apt-get source $name did not give $dir (found: $(ls "$tmp"))"; exit 1
  fi
  if ! grep -Eq "$re" "$tmp/$dir/$file"; then
    log "error: $name sources are not version $ver ($file lacks /$re/)"; exit 1
  fi
  rm -rf "${DEPS:?}/$dir"
  mv "$tmp/$dir" "$DEPS/$dir"
  rm -rf "$tmp"
  touch "$DEPS/$dir/.aw-ok"
}
fetch_src cjson 1.7.15 cjson-1.7.15 cJSON.h 'CJSON_VERSION_PATCH 15'
fetch_src kissfft 131.1.0 kissfft-131.1.0 Makefile 'KFVER_MAJOR = 131'
grep -q 'KFVER_MINOR = 1$' "$DEPS/kissfft-131.1.0/Makefile" || { log "error: KissFFT is not 131.1.x"; exit 1; }

# npm packages from the committed lock file; never a browser download.
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f node_modules/.aw-lock ] || [ "$(cat node_modules/.aw-lock)" != "$lock_sum" ]; then
  log "npm ci"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.aw-lock
fi
log "ok"
