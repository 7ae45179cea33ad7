#!/usr/bin/env bash
# Behaviour-preservation check for refactors: runs a fixed list of commands (every `ntk kernel` / `ntk empirical`
# example in README and docs/, extra ones that cover every layer kind in both paths, `ntk analyze`, a 200-step
# `ntk train` and every preset's quick run) and prints the SHA-256 of each output file, one `hash  name` line each.
#
#   bash scripts/golden-hashes.sh > /tmp/after.txt && diff scripts/golden-hashes.txt /tmp/after.txt
#
# scripts/golden-hashes.txt holds the hashes recorded before the "one layer, one module" refactor (issue #12).
# Timing fields (elapsed seconds, wall clock) are the only non-deterministic outputs: they are hashed without
# them; preset results/*.json hold none. Takes about 70 s on the 2-core machine.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
w="$(mktemp -d)"
trap 'rm -rf "$w"' EXIT
cd "$w"
ntk() { node "$root/dist/cli/main.js" "$@" >/dev/null 2>"$w/log" || { echo "FAILED: ntk $*" >&2; cat "$w/log" >&2; exit 1; }; }
# a command that must fail: its exit code and message are the output (error texts are behaviour too)
ntk_err() { local name=$1; shift; if node "$root/dist/cli/main.js" "$@" >/dev/null 2>"$name.err"; then echo "UNEXPECTED SUCCESS: ntk $*" >&2; exit 1; else echo "exit $?" >>"$name.err"; fi; }
h() { (cd "$w" && sha256sum "$@"); }

# README and docs/kernels.md examples, verbatim (conv+gap on 12 images: the docs' X.npy is the user's)
ntk empirical --arch 'flatten,dense(512),relu,dense(512),relu,dense(10)' --data mnist:train:n=1000 --out readme-emp.npy
ntk kernel --arch 'flatten,dense(512),relu,dense(512),relu,dense(10)' --data mnist:train:n=1000 --out readme-kinf.npy --check-pd
# (`dense` first on image data acts per pixel (neural-tangents' Dense), so this network's output is an image, which
# the kernels refuse: its error is recorded, and the same kernel written with `flatten` is computed)
ntk_err docs-k1 kernel --arch 'dense(512),relu,dense(1)' --data mnist:train:n=2000 --get ntk --out docs-k1.npy --check-pd
ntk kernel --arch 'flatten,dense(512),relu,dense(1)' --data mnist:train:n=2000 --get ntk --out docs-k1.npy --check-pd
ntk data describe mnist:train:n=12:seed=5 --export-x X.npy --export-y y.npy
ntk kernel --arch 'conv(64,3),relu,gap,dense(10)' --x X.npy --input-shape 28,28,1 --out docs-k2.npy

# every layer kind in the analytic path: full / diag / flat representations, quadrature activations, residual,
# frozen, standard parameterization, NNGP, cross kernels
ntk data describe sphere:n=40:d=12:seed=2 --export-x S.npy --export-y Sy.npy
ntk data describe sphere:n=25:d=12:seed=3 --export-x S2.npy
ntk data describe mnist:train:n=6:seed=7 --export-x X6.npy
ntk kernel --arch 'conv(8,3),relu,avgpool(2),conv(8,3,stride=2,padding=valid,bstd=0.2),erf,gap,dense(1)' --x X6.npy --input-shape 28,28,1 --out an-cnn-pool.npy
ntk kernel --arch 'conv(8,3),relu,avgpool(2),conv(8,3,stride=2,padding=valid,bstd=0.2),erf,gap,dense(1)' --x X6.npy --input-shape 28,28,1 --get nngp --out an-cnn-pool-nngp.npy
ntk kernel --arch 'conv(4,3,bstd=0.1),tanh,conv(4,5,stride=2),gelu,flatten,dense(16),abrelu(-0.3,1.2),dense(1)' --x X6.npy --input-shape 28,28,1 --out an-cnn-flat.npy
ntk kernel --arch 'conv(4,3),residual(relu,conv(4,3),relu,conv(4,3,bstd=0.3)),relu,avgpool(2),gap,dense(2,frozen)' --x X6.npy --input-shape 28,28,1 --out an-cnn-res.npy
ntk kernel --arch 'dense(64,wstd=1.4,bstd=0.1),residual(relu,dense(64),abrelu(0.2,1),dense(64,bstd=0.5)),relu,dense(1,frozen)' --x S.npy --out an-mlp-res.npy
ntk kernel --arch 'dense(64,wstd=1.4,bstd=0.1),residual(relu,dense(64),abrelu(0.2,1),dense(64,bstd=0.5)),relu,dense(1,frozen)' --x S.npy --param standard --out an-mlp-res-std.npy
ntk kernel --arch 'dense(32),erf,dense(32,bstd=0.3),tanh,dense(32),gelu,dense(1)' --x S.npy --x2 S2.npy --out an-mlp-cross.npy
ntk kernel --arch 'dense(32),erf,dense(32,bstd=0.3),tanh,dense(32),gelu,dense(1)' --x S.npy --x2 S2.npy --get nngp --out an-mlp-cross-nngp.npy
ntk kernel --arch 'flatten,dense(512),relu,dense(1)' --data mnist:train:n=600 --workers 2 --out an-workers.npy

# every layer kind in the finite network and the empirical NTK: both implementations, trace / full outputs
ntk empirical --arch 'conv(6,3,bstd=0.1),relu,avgpool(2),conv(5,3,stride=2,padding=valid),tanh,residual(conv(5,3),erf,conv(5,3)),gap,dense(3)' --x X6.npy --input-shape 28,28,1 --out emp-cnn.npy --params-out params-cnn
ntk empirical --arch 'conv(6,3,bstd=0.1),relu,avgpool(2),conv(5,3,stride=2,padding=valid),tanh,residual(conv(5,3),erf,conv(5,3)),gap,dense(3)' --x X6.npy --input-shape 28,28,1 --implementation jacobian --out emp-cnn-jac.npy
ntk empirical --arch 'conv(4,3),gelu,flatten,dense(16,frozen),abrelu(0.1,1),dense(2)' --x X6.npy --input-shape 28,28,1 --outputs full --seed 3 --out emp-cnn-flat-full.npy
ntk empirical --arch 'dense(64,bstd=0.2),relu,residual(dense(64),relu,dense(64)),erf,dense(4)' --x S.npy --x2 S2.npy --param standard --out emp-mlp-cross.npy
ntk empirical --arch 'dense(64),relu,dense(2)' --x S.npy --samples 4 --stderr-out emp-mc-se.npy --out emp-mc.npy
# error texts of the architecture language and the shape rules (both paths)
ntk_err err-parse kernel --arch 'dense(512),relu,,dense(1)' --x S.npy --out e.npy
ntk_err err-arg kernel --arch 'conv(8,3,padding=full),relu,gap,dense(1)' --x X6.npy --input-shape 28,28,1 --out e.npy
ntk_err err-name empirical --arch 'dense(8),softplus,dense(1)' --x S.npy --out e.npy
ntk_err err-shape empirical --arch 'conv(8,3),relu,dense(1)' --x X6.npy --input-shape 28,28,1 --out e.npy
ntk_err err-res kernel --arch 'dense(8),residual(dense(8),relu),dense(1)' --x S.npy --out e.npy
ntk_err err-gauss kernel --arch 'relu,dense(8),dense(1)' --x S.npy --out e.npy
ntk_err err-valid kernel --arch 'conv(8,30,padding=valid),relu,gap,dense(1)' --x X6.npy --input-shape 28,28,1 --out e.npy
ntk analyze --kernel an-mlp-res.npy --labels Sy.npy --out analyze.json

# 200 steps of training (network, linearization, every tracker); metrics without their timing fields
ntk train --arch 'flatten,dense(128),relu,dense(10)' --data mnist:train:n=200:seed=1 --test-data mnist:test:n=100 --loss ce --lr frac:0.5 --steps 200 --quiet --out train-ce
ntk train --arch 'conv(4,3),relu,gap,dense(2)' --data mnist:train:n=40:classes=0,1:labels=onehot --loss mse --lr 0.5 --steps 200 --momentum 0.5 --reg 1e-3 --quiet --out train-cnn
# outputs with timing fields (elapsed seconds, wall clock): hashed without them
strip() {
  node -e '
    const fs = require("fs");
    const t = /^(timings|elapsed|wall|time|seconds|ms|duration|startedAt|finishedAt|date|timestamp)/i;
    const strip = (o) => { if (o && typeof o === "object") for (const k of Object.keys(o)) { if (t.test(k)) delete o[k]; else strip(o[k]); } return o; };
    const [src, dst] = process.argv.slice(1);
    const text = fs.readFileSync(src, "utf8");
    const out = src.endsWith(".jsonl") ? text.trim().split("\n").map((l) => JSON.stringify(strip(JSON.parse(l)))).join("\n") : JSON.stringify(strip(JSON.parse(text)), null, 1);
    fs.writeFileSync(dst, out + "\n");
  ' "$1" "$2"
}
strip analyze.json analyze.stripped.json
for d in train-ce train-cnn; do strip "$d/metrics.jsonl" "$d/metrics.stripped.jsonl"; done

# every preset's quick run: results/*.json
presets=$(node "$root/dist/cli/main.js" list 2>/dev/null | awk -F: '/^[a-z-]+:/{print $1}')
for p in $presets; do ntk run "$p" --quick --out "run-$p"; done

h *.npy *.err params-cnn/*.npy params-cnn/manifest.json analyze.stripped.json train-*/metrics.stripped.jsonl run-*/results/*.json
