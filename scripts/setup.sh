#!/usr/bin/env bash
# Set-up for a fresh Debian 12 machine with Node 20 (run as root, or with the packages already installed):
# Debian packages (OpenBLAS, LAPACKE; with --test also the Python oracles, Chromium, Redis and clang/lld, which check
# that the committed WebAssembly module is what its source builds to; with --bench clang/lld), npm ci (builds the addon),
# the TypeScript build, and the data caches. Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(libopenblas-dev liblapacke-dev g++ make python3 dataset-fashion-mnist)
if [[ "${1:-}" == "--test" ]]; then
  pkgs+=(python3-numpy python3-scipy python3-torch chromium redis-server clang-14 lld-14)
fi
# --bench: clang and lld for bench/analytic/simd.ts's WebAssembly rows (the kernel built for wasm32)
if [[ "${1:-}" == "--bench" || "${2:-}" == "--bench" ]]; then
  pkgs+=(clang-14 lld-14)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-fund --no-audit
fi
[[ -f build/Release/ntk_native.node ]] || npm run install --silent
npm run build --silent
bash scripts/setup-data.sh
