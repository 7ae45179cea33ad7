"""Vectorized numpy implementation of the same analytic kernel recursions as src/kernels (the benchmark peer; not
shipped). Conventions as docs/kernels.md: NTK parameterization, input kernel x.x'/d, ReLU arc-cosine kernels.

  mlp  X.npy depth wstd bstd   -> depth-L ReLU MLP NTK (dense,relu)*L,dense(1); K(X, X)
  cnn  X.npy h w c chans k     -> conv(chans,k,same),relu,gap,dense(1) NTK on NHWC images; K(X, X), upper pairs only

Prints JSON {"seconds": ..., "checksum": ...} and writes the kernel to OUT.npy when given.
"""
import json
import sys
import time

import numpy as np


def relu_k(c, q1, q2):
    s = np.sqrt(q1 * q2)
    rho = np.clip(c / np.where(s > 0, s, 1.0), -1.0, 1.0)
    th = np.arccos(rho)
    k = s * (np.sqrt((1 - rho) * (1 + rho)) + (np.pi - th) * rho) / (2 * np.pi)
    kd = (np.pi - th) / (2 * np.pi)
    zero = s <= 0
    return np.where(zero, 0.0, k), np.where(zero, 0.0, kd)


def mlp(X, depth, wstd, bstd):
    n, d = X.shape
    g = X @ X.T / d
    sw2, sb2 = wstd * wstd, bstd * bstd
    nngp = sw2 * g + sb2
    ntk = nngp.copy()
    for _ in range(depth):
        q = np.diag(nngp).copy()
        k, kd = relu_k(nngp, q[:, None], q[None, :])
        nngp = sw2 * k + sb2
        ntk = sw2 * ntk * kd + nngp
    return ntk


def patches(x, h, w, c, k):
    """im2col with 'same' padding (TF/JAX split), stride 1: (h*w, k*k*c)."""
    pt = (k - 1) // 2
    pad = np.zeros((h + k - 1, w + k - 1, c))
    pad[pt:pt + h, pt:pt + w, :] = x.reshape(h, w, c)
    cols = [pad[dy:dy + h, dx:dx + w, :] for dy in range(k) for dx in range(k)]
    return np.stack(cols, axis=2).reshape(h * w, k * k * c)


def cnn(X, h, w, c, chans, k):
    n = X.shape[0]
    P = [patches(X[i], h, w, c, k) for i in range(n)]
    K = k * k * c
    # per-example diagonal variances of the conv pre-activation
    qs = [np.einsum('pk,pk->p', p, p) / K for p in P]
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(i, n):
            s1 = P[i] @ P[j].T / K  # (P, P) pre-activation covariance = NTK of the conv layer
            kk, kd = relu_k(s1, qs[i][:, None], qs[j][None, :])
            # gap then dense(1): Θ = mean(K̃) + mean(Θ_conv ⊙ Σ̇)
            out[i, j] = out[j, i] = kk.mean() + (s1 * kd).mean()
    return out


def main():
    mode = sys.argv[1]
    X = np.load(sys.argv[2])
    out_path = None
    t = time.perf_counter()
    if mode == 'mlp':
        depth, wstd, bstd = int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
        K = mlp(X, depth, wstd, bstd)
        out_path = sys.argv[6] if len(sys.argv) > 6 else None
    else:
        h, w, c, chans, k = map(int, sys.argv[3:8])
        K = cnn(X.reshape(X.shape[0], -1), h, w, c, chans, k)
        out_path = sys.argv[8] if len(sys.argv) > 8 else None
    secs = time.perf_counter() - t
    if out_path:
        np.save(out_path, K)
    print(json.dumps({'seconds': secs, 'checksum': float(K.sum())}))


if __name__ == '__main__':
    main()
