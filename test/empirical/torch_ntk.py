"""Independent reference: rebuild an ntk-lab network from `ntk empirical --params-out DIR` in PyTorch (float64) and
compute its empirical NTK with functorch vmap(jacrev) + einsum.

usage: /usr/bin/python3 torch_ntk.py DIR X.npy OUT.npy [--x2 X2.npy] [--outputs trace|full]
       /usr/bin/python3 torch_ntk.py --batch JOBS.txt   (one tab-separated argument list per line)
X is (n, d) or (n, h, w, c) NHWC. Writes Θ (trace: n1×n2; full: n1·O × n2·O, row i·O + o) as float64 .npy.
Also usable as a module: build(manifest_dir) -> (f(params, x), params list of trainable tensors).
"""
import json
import os
import re
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def parse_arch(s):
    """Parse the canonical arch string (formatArch output) into nested [(name, args, kwargs, block)]."""
    i = 0

    def ws():
        nonlocal i
        while i < len(s) and s[i].isspace():
            i += 1

    def layer_list(close):
        nonlocal i
        out = []
        while True:
            ws()
            m = re.match(r"[A-Za-z_][A-Za-z0-9_]*", s[i:])
            name = m.group(0).lower()
            i += len(name)
            ws()
            args, kw, block = [], {}, None
            if i < len(s) and s[i] == "(":
                i += 1
                if name == "residual":
                    block = layer_list(")")
                else:
                    m = re.match(r"[^()]*", s[i:])
                    for tok in filter(None, [t.strip() for t in m.group(0).split(",")]):
                        if "=" in tok:
                            k, v = tok.split("=")
                            kw[k.strip()] = v.strip()
                        elif tok == "frozen":
                            kw["frozen"] = "true"
                        else:
                            args.append(tok)
                    i += len(m.group(0))
                assert s[i] == ")"
                i += 1
            out.append((name, args, kw, block))
            ws()
            if i < len(s) and s[i] == ",":
                i += 1
                continue
            if close is None and i == len(s):
                return out
            if close is not None and s[i] == close:
                return out
            raise ValueError("bad arch at %d" % i)

    return layer_list(None)


def build(d):
    man = json.load(open(os.path.join(d, "manifest.json")))
    layers = {l["path"]: l for l in man["layers"]}
    arch = parse_arch(man["arch"])
    trainable, frozen = [], {}
    for l in man["layers"]:
        W = torch.tensor(np.load(os.path.join(d, l["W"]["file"])))
        b = torch.tensor(np.load(os.path.join(d, l["b"]["file"]))) if l["b"] else None
        if l["frozen"]:
            frozen[l["path"]] = (W, b)
        else:
            trainable.append(W)
            if b is not None:
                trainable.append(b)
    order = [l["path"] for l in man["layers"] if not l["frozen"]]

    def run(specs, x, prefix, get):
        # x is NCHW for images, (n, d) for flat
        for j, (name, args, kw, block) in enumerate(specs):
            path = str(j) if prefix == "" else "%s.%d" % (prefix, j)
            if name in ("dense", "conv"):
                l = layers[path]
                W, b = get(path)
                if name == "dense":
                    y = l["wScale"] * x @ W.T
                    if b is not None:
                        y = y + l["bScale"] * b
                else:
                    k, st = l["kernel"], l["stride"]
                    h, w = x.shape[2], x.shape[3]
                    if l["padding"] == "same":
                        oh, ow = -(-h // st), -(-w // st)
                        ph, pw = max((oh - 1) * st + k - h, 0), max((ow - 1) * st + k - w, 0)
                        x = F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))
                    y = l["wScale"] * F.conv2d(x, W, stride=st)
                    if b is not None:
                        y = y + l["bScale"] * b.view(1, -1, 1, 1)
                x = y
            elif name == "relu":
                x = F.relu(x)
            elif name == "abrelu":
                a, bb = float(args[0]), float(args[1])
                x = torch.where(x > 0, bb * x, a * x)
            elif name == "erf":
                x = torch.erf(x)
            elif name == "tanh":
                x = torch.tanh(x)
            elif name == "gelu":
                x = F.gelu(x)
            elif name == "avgpool":
                k = int(args[0])
                x = F.avg_pool2d(x, k, stride=k)
            elif name == "gap":
                x = x.mean(dim=(2, 3))
            elif name == "flatten":
                x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)
            elif name == "residual":
                x = x + run(block, x, path, get)
            else:
                raise ValueError(name)
        return x

    def f(params, x):
        it = {}
        k = 0
        for p in order:
            l = layers[p]
            W = params[k]
            k += 1
            b = None
            if l["b"]:
                b = params[k]
                k += 1
            it[p] = (W, b)

        def get(path):
            return it[path] if path in it else frozen[path]

        if x.dim() == 4:
            x = x.permute(0, 3, 1, 2)
        out = run(arch, x, "", get)
        if out.dim() == 4:
            out = out.permute(0, 2, 3, 1).reshape(out.shape[0], -1)
        return out

    return f, trainable, man


def ntk(f, params, x1, x2, outputs="trace", tile=64):
    from functorch import jacrev, vmap

    def jac(x):
        J = vmap(jacrev(lambda p, xi: f(p, xi.unsqueeze(0))[0]), in_dims=(None, 0))(params, x)
        return [j.reshape(j.shape[0], j.shape[1], -1) for j in J]  # per param: (n, O, P)

    rows = []
    for a in range(0, x1.shape[0], tile):
        J1 = jac(x1[a:a + tile])
        cols = []
        for b in range(0, x2.shape[0], tile):
            J2 = jac(x2[b:b + tile])
            if outputs == "trace":
                K = sum(torch.einsum("iop,jop->ij", u, v) for u, v in zip(J1, J2)) / J1[0].shape[1]
            else:
                K = sum(torch.einsum("iop,jqp->iojq", u, v) for u, v in zip(J1, J2))
                K = K.reshape(K.shape[0] * K.shape[1], K.shape[2] * K.shape[3])
            cols.append(K)
        rows.append(torch.cat(cols, dim=1))
    return torch.cat(rows, dim=0)


def load_x(path, man):
    x = np.load(path).astype(np.float64)
    shape = man["inputShape"]
    return torch.tensor(x.reshape([x.shape[0]] + list(shape)))


def main(argv):
    d, xp, outp = argv[0:3]
    rest = argv[3:]
    x2p = rest[rest.index("--x2") + 1] if "--x2" in rest else None
    outputs = rest[rest.index("--outputs") + 1] if "--outputs" in rest else "trace"
    f, params, man = build(d)
    x1 = load_x(xp, man)
    x2 = load_x(x2p, man) if x2p else x1
    np.save(outp, ntk(f, params, x1, x2, outputs).detach().numpy())


if __name__ == "__main__":
    if sys.argv[1] == "--batch":
        # one job per line: the arguments of a single run, tab-separated (saves the torch import per job)
        for line in open(sys.argv[2]).read().splitlines():
            if line.strip():
                main(line.split("\t"))
    else:
        main(sys.argv[1:])
