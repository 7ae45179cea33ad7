#!/usr/bin/env bash
# Builds relu_mean_{simd,scalar}.wasm into $1 (default: this folder): the same kernel source with and without
# WebAssembly SIMD (bench/analytic/simd.ts runs it).
set -euo pipefail
out=$(realpath "${1:-$(dirname "$0")}")
cd "$(dirname "$0")"
CXX=${CXX:-$(command -v clang++-14 || command -v clang++)}
LD=$(command -v wasm-ld-14 || command -v wasm-ld)
for v in simd scalar; do
  flags=$([ $v = simd ] && echo -msimd128 || echo -mno-simd128)
  "$CXX" --target=wasm32 -O3 $flags -ffp-contract=off -fno-exceptions -nostdlib -fuse-ld="$LD" \
    -Wl,--no-entry -Wl,--import-memory -Wl,--initial-memory=268435456 -Wl,--max-memory=268435456 \
    -o "$out/relu_mean_$v.wasm" relu_mean.cc
done
ls -la "$out"/relu_mean_*.wasm
