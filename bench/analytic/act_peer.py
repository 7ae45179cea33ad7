"""numpy peer of bench/analytic/act.ts (not shipped): the analytic NTK of dense(512,wstd,bstd),ACT,dense(512,wstd,bstd),
ACT,dense(1,wstd,bstd) on X (NTK parameterization, input kernel x.x'/d), with the closed forms of
src/arch/layers/activations.ts vectorized over the n x n arrays (np.arcsin, np.arctan2, np.sqrt; tanh as the same
27-term erf mixture, its weights a and b given as JSON).

  act_peer.py ACT X.npy wstd bstd [OUT.npy] [MIXTURE_JSON]   ACT: relu | erf | gelu | tanh

Prints JSON {"seconds": ...} (the recursion, excluding start-up and the .npy load).
"""
import json
import sys
import time

import numpy as np


def relu(c, q1, q2):
    s = np.sqrt(q1 * q2)
    rho = np.clip(c / np.where(s > 0, s, 1.0), -1.0, 1.0)
    pt = np.pi - np.arccos(rho)
    zero = s <= 0
    k = s * (np.sqrt((1 - rho) * (1 + rho)) + pt * rho) / (2 * np.pi)
    return np.where(zero, 0.0, k), np.where(zero, 0.0, pt / (2 * np.pi))


def erf(c, q1, q2):
    d = (1 + 2 * q1) * (1 + 2 * q2)
    k = (2 / np.pi) * np.arcsin(np.clip(2 * c / np.sqrt(d), -1.0, 1.0))
    return k, (4 / np.pi) / np.sqrt(np.maximum(d - 4 * c * c, 0))


def gelu(c, q1, q2):
    P = q1 * q2
    P1 = (1 + q1) * (1 + q2)
    d2 = np.maximum(P1 - c * c, 0)
    d = np.sqrt(d2)
    alpha = np.arctan2(c, d)
    k = 0.25 * c + ((c * c + P * d2) / (P1 * d) + c * alpha) / (2 * np.pi)
    kd = 0.25 + alpha / (2 * np.pi) + (c / d) * (1 / d2 + (1 - P) / P1 + 1) / (2 * np.pi)
    return k, kd


def tanh(a, b):
    def f(c, q1, q2):
        k = np.zeros_like(c)
        kd = np.zeros_like(c)
        s1 = [1 / np.sqrt(1 + 2 * bi * bi * q1) for bi in b]
        s2 = [1 / np.sqrt(1 + 2 * bj * bj * q2) for bj in b]
        for i in range(len(a)):
            for j in range(len(a)):
                t = np.clip(2 * c * b[i] * s1[i] * (b[j] * s2[j]), -1.0, 1.0)
                k += a[i] * a[j] * np.arcsin(t)
                kd += (a[i] * b[i] * s1[i]) * (a[j] * b[j] * s2[j]) / np.sqrt((1 - t) * (1 + t))
        return (2 / np.pi) * k, (4 / np.pi) * kd
    return f


def main():
    act, X = sys.argv[1], np.load(sys.argv[2])
    sw2, sb2 = float(sys.argv[3]) ** 2, float(sys.argv[4]) ** 2
    out = sys.argv[5] if len(sys.argv) > 5 and sys.argv[5] != '-' else None
    mix = json.loads(sys.argv[6]) if len(sys.argv) > 6 else None
    fn = {'relu': relu, 'erf': erf, 'gelu': gelu}.get(act) or tanh(mix['a'], mix['b'])
    t = time.perf_counter()
    nngp = sw2 * (X @ X.T / X.shape[1]) + sb2
    ntk = nngp.copy()
    for _ in range(2):
        q = np.diag(nngp).copy()
        k, kd = fn(nngp, q[:, None], q[None, :])
        nngp = sw2 * k + sb2
        ntk = sw2 * ntk * kd + nngp
    secs = time.perf_counter() - t
    if out:
        np.save(out, ntk)
    print(json.dumps({'seconds': secs}))


if __name__ == '__main__':
    main()
