"""Independent numpy references for the forward maps of the pooling / conv-variant / normalization layers, written
from neural-tangents' and JAX's documented definitions (np.pad wrap / zeros, lhs dilation for conv_transpose).
Reads a JSON list of jobs on stdin, prints their outputs as a JSON list. Used by test/arch/pooling.test.ts."""
import json
import sys

import numpy as np


def same_pads(n, k, s):
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def pad2(x, k, s, padding, value_mode):
    """Pad NHWC x for a k-window with stride s: valid (none), same (zeros), circular (wrap)."""
    if padding == "valid":
        return x
    (t, b), (l, r) = same_pads(x.shape[1], k, s), same_pads(x.shape[2], k, s)
    mode = "wrap" if padding == "circular" else "constant"
    return np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)), mode=mode if value_mode is None else value_mode)


def windows(xp, k, s):
    """(n, oh, ow, k, k, c) windows of a padded NHWC array, valid placement, stride s."""
    n, H, W, c = xp.shape
    oh, ow = (H - k) // s + 1, (W - k) // s + 1
    out = np.empty((n, oh, ow, k, k, c))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = xp[:, i * s : i * s + k, j * s : j * s + k, :]
    return out


def conv(x, W, b, k, s, padding, ws, bs):
    # W: (out, kh, kw, in)
    win = windows(pad2(x, k, s, padding, None), k, s)
    y = ws * np.einsum("nijabc,oabc->nijo", win, W)
    return y if b is None else y + bs * b


def convlocal(x, W, b, k, s, padding, ws, bs):
    # W: (out, oh·ow, kh, kw, in), b: (oh·ow, out)
    win = windows(pad2(x, k, s, padding, None), k, s)
    n, oh, ow = win.shape[:3]
    Wq = W.reshape(W.shape[0], oh, ow, k, k, -1)
    y = ws * np.einsum("nijabc,oijabc->nijo", win, Wq)
    return y if b is None else y + bs * b.reshape(oh, ow, -1)


def conv_transpose_pads(k, s, padding):
    if padding == "same":
        pad_len = k + s - 2
        a = k - 1 if s > k - 1 else int(np.ceil(pad_len / 2))
    else:
        pad_len = k + s - 2 + max(k - s, 0)
        a = k - 1
    return a, pad_len - a


def convtranspose(x, W, b, k, s, padding, ws, bs):
    # lax.conv_transpose(transpose_kernel=False): dilate the input by s, pad (a, b), correlate with W (stride 1)
    n, h, w, c = x.shape
    xd = np.zeros((n, (h - 1) * s + 1, (w - 1) * s + 1, c))
    xd[:, ::s, ::s, :] = x
    a, bb = conv_transpose_pads(k, s, padding)
    xp = np.pad(xd, ((0, 0), (a, bb), (a, bb), (0, 0)))
    win = windows(xp, k, 1)
    y = ws * np.einsum("nijabc,oabc->nijo", win, W)
    return y if b is None else y + bs * b


def pool(x, k, s, padding, kind, normalize_edges):
    win = windows(pad2(x, k, s, padding, None), k, s)
    tot = win.sum(axis=(3, 4))
    if kind == "sum":
        return tot
    if normalize_edges and padding == "same":
        ones = np.ones(x.shape[:3] + (1,))
        cnt = windows(pad2(ones, k, s, padding, "constant"), k, s).sum(axis=(3, 4))
        return tot / cnt
    return tot / (k * k)


def layernorm(x, axis, eps):
    axes = (-1,) if axis == "channel" else tuple(range(1, x.ndim))
    mu = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return (x - mu) / np.sqrt(eps + var)


def run(job):
    x = np.array(job["x"], dtype=np.float64).reshape(job["shape"])
    op = job["op"]
    if op in ("conv", "convlocal", "convtranspose"):
        W = np.array(job["W"], dtype=np.float64).reshape(job["wshape"])
        b = None if job["b"] is None else np.array(job["b"], dtype=np.float64)
        f = {"conv": conv, "convlocal": convlocal, "convtranspose": convtranspose}[op]
        y = f(x, W, b, job["k"], job["stride"], job["padding"], job["ws"], job["bs"])
    elif op == "pool":
        y = pool(x, job["k"], job["stride"], job["padding"], job["kind"], job["normalize_edges"])
    elif op == "gsp":
        y = x.sum(axis=(1, 2))
    elif op == "layernorm":
        y = layernorm(x, job["axis"], job["eps"])
    else:
        raise ValueError(op)
    return {"shape": list(y.shape), "y": y.reshape(-1).tolist()}


print(json.dumps([run(job) for job in json.load(sys.stdin)]))
