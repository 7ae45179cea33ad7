"""PyTorch peer: empirical NTK (trace outputs) by functorch vmap(jacrev) + einsum, float64, same network kind.
usage: /usr/bin/python3 torch_worker.py mlp|cnn X.npy N REPEATS TILE
Prints one JSON line (seconds per repeat, RSS before, peak RSS from getrusage)."""
import json
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from functorch import jacrev, vmap

torch.set_default_dtype(torch.float64)
torch.set_num_threads(len(os.sched_getaffinity(0)))  # as many threads as ntk-lab's OpenBLAS (torch picks 1 here)
kind, xp, n, reps, tile = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
g = torch.Generator().manual_seed(0)

if kind == "mlp":
    sizes = [784, 512, 512, 10]
    params = [torch.randn(o, i, generator=g) for i, o in zip(sizes[:-1], sizes[1:])]
    X = torch.tensor(np.load(xp)[:n].reshape(n, 784))

    def f(ps, x):
        h = x
        for k, W in enumerate(ps):
            h = h @ W.T / W.shape[1] ** 0.5
            if k < len(ps) - 1:
                h = F.relu(h)
        return h
else:
    # conv(16,3),relu,conv(16,3,stride=2),relu,gap,dense(10) on 28x28x1, NCHW here
    params = [torch.randn(16, 1, 3, 3, generator=g), torch.randn(16, 16, 3, 3, generator=g), torch.randn(10, 16, generator=g)]
    X = torch.tensor(np.load(xp)[:n].reshape(n, 28, 28, 1)).permute(0, 3, 1, 2).contiguous()

    def f(ps, x):
        h = F.relu(F.conv2d(x, ps[0], padding=1) / 3.0)
        h = F.pad(h, (0, 1, 0, 1))
        h = F.relu(F.conv2d(h, ps[1], stride=2) / 12.0)
        h = h.mean(dim=(2, 3))
        return h @ ps[2].T / 4.0


def jac(x):
    J = vmap(jacrev(lambda p, xi: f(p, xi.unsqueeze(0))[0]), in_dims=(None, 0))(params, x)
    return [j.reshape(j.shape[0], j.shape[1], -1) for j in J]


def ntk(X):
    m = X.shape[0]
    K = torch.empty(m, m)
    for a in range(0, m, tile):
        J1 = jac(X[a:a + tile])
        for b in range(a, m, tile):
            J2 = J1 if b == a else jac(X[b:b + tile])
            blk = sum(torch.einsum("iop,jop->ij", u, v) for u, v in zip(J1, J2)) / J1[0].shape[1]
            K[a:a + tile, b:b + tile] = blk
            K[b:b + tile, a:a + tile] = blk.T
        print(f"torch {kind} n={m}: row tile {a // tile + 1}/{(m + tile - 1) // tile} done", file=sys.stderr, flush=True)
    return K


rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
times = []
with torch.no_grad():
    pass
for _ in range(reps):
    t0 = time.perf_counter()
    K = ntk(X)
    times.append(time.perf_counter() - t0)
print(json.dumps({"impl": "torch", "n": n, "times": times, "rssBeforeMB": rss0, "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "trace": float(torch.trace(K)), "threads": torch.get_num_threads()}))
