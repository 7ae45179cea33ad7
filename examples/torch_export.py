"""Export a PyTorch MLP or CNN so that ntk-lab can load it: `ntk empirical --params DIR` (docs/empirical.md).

    from torch_export import export
    model = torch.nn.Sequential(torch.nn.Linear(10, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
    export(model, input_shape=(10,), out_dir="params")          # after training it anywhere
    # then: ntk empirical --params params --x X.npy --out K.npy      (X: (n, 10) .npy)

    python3 examples/torch_export.py OUT_DIR     # a demo: exports a small seeded CNN for 8×8×1 inputs

Writes OUT_DIR/manifest.json (format ntk-lab-params/1, the architecture in ntk-lab's language, parameterization
`standard`: y = W·a + b exactly as torch computes it) and one float64 .npy per weight and bias, W in PyTorch's layout
(Linear (out, in), Conv2d (out, in, kh, kw)) — the format `ntk empirical --params-out` writes.

Supported layers of an nn.Sequential: Linear, Conv2d (square kernel, stride s, padding 0 = `valid` or (k−1)/2 with
stride 1 = `same`, dilation 1, groups 1), ReLU, Tanh, GELU (exact), Identity, Flatten, AdaptiveAvgPool2d(1)
followed by Flatten (= `gap`), AvgPool2d(k) (stride k, no padding). Anything else raises ValueError naming it.
Inputs: ntk-lab's images are NHWC; for a CNN give input_shape=(C, H, W) as torch sees it and pass ntk-lab the same
images transposed to (n, H, W, C). A Linear after Flatten gets its columns reordered from torch's C·H·W order to
ntk-lab's H·W·C order, so the exported network computes exactly the same function.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn


def _num(x):
    return repr(float(x)) if float(x) != int(x) else str(int(x))


def export(model, input_shape, out_dir):
    """Write `model` (an nn.Sequential) into out_dir; returns the manifest (a dict)."""
    if not isinstance(model, nn.Sequential):
        raise ValueError("export needs an nn.Sequential")
    os.makedirs(out_dir, exist_ok=True)
    mods = list(model)
    x = torch.zeros((1, *input_shape), dtype=next(model.parameters()).dtype)
    arch, layers = [], []
    flat_from = None  # (C, H, W) of the tensor a pending Flatten flattened
    i = 0
    with torch.no_grad():
        while i < len(mods):
            m = mods[i]
            path = str(len(arch))
            if isinstance(m, nn.Linear):
                W = m.weight.detach().double().numpy()
                if flat_from is not None:
                    C, H, Wd = flat_from
                    # torch column c·H·W + h·W + w  →  ntk-lab column h·W·C + w·C + c
                    W = W.reshape(W.shape[0], C, H, Wd).transpose(0, 2, 3, 1).reshape(W.shape[0], -1)
                    flat_from = None
                spec, b = f"dense({m.out_features}" + (",bstd=1" if m.bias is not None else "") + ")", m.bias
            elif isinstance(m, nn.Conv2d):
                k, s = m.kernel_size, m.stride
                if k[0] != k[1] or s[0] != s[1] or m.dilation != (1, 1) or m.groups != 1:
                    raise ValueError(f"layer {i}: only square kernels, equal strides, dilation 1, groups 1: {m}")
                pad = m.padding if isinstance(m.padding, tuple) else None
                if pad == (0, 0) or m.padding == "valid":
                    padding = "valid"
                elif (pad == ((k[0] - 1) // 2,) * 2 and k[0] % 2 == 1 and s[0] == 1) or m.padding == "same":
                    padding = "same"
                else:
                    raise ValueError(f"layer {i}: padding must be 0 (valid) or (k-1)/2 with stride 1 (same): {m}")
                W = m.weight.detach().double().numpy()
                b = m.bias
                spec = f"conv({m.out_channels},{k[0]},stride={s[0]},padding={padding}" + (
                    ",bstd=1)" if b is not None else ")"
                )
            elif isinstance(m, (nn.ReLU, nn.Tanh, nn.GELU, nn.Identity)):
                if isinstance(m, nn.GELU) and m.approximate != "none":
                    raise ValueError(f"layer {i}: only the exact GELU (approximate='none')")
                spec, W = {nn.ReLU: "relu", nn.Tanh: "tanh", nn.GELU: "gelu", nn.Identity: "identity"}[type(m)], None
            elif isinstance(m, nn.AdaptiveAvgPool2d) and m.output_size in (1, (1, 1)):
                if i + 1 >= len(mods) or not isinstance(mods[i + 1], nn.Flatten):
                    raise ValueError(f"layer {i}: AdaptiveAvgPool2d(1) must be followed by Flatten (= gap)")
                x = mods[i + 1](m(x))
                arch.append("gap")
                i += 2
                continue
            elif isinstance(m, nn.AvgPool2d):
                k = m.kernel_size if isinstance(m.kernel_size, int) else m.kernel_size[0]
                if m.stride not in (k, (k, k)) or m.padding not in (0, (0, 0)):
                    raise ValueError(f"layer {i}: AvgPool2d with stride = kernel and no padding only: {m}")
                spec, W = f"avgpool({k},padding=valid)", None
            elif isinstance(m, nn.Flatten):
                flat_from = tuple(x.shape[1:]) if x.dim() == 4 else None
                spec, W = "flatten", None
            else:
                raise ValueError(f"layer {i}: {type(m).__name__} has no ntk-lab export")
            if W is not None:
                idx = len(layers)
                entry = {"index": idx, "path": path, "kind": spec.split("(")[0], "W": {"file": f"layer{idx}_W.npy", "shape": list(W.shape)}, "b": None}
                np.save(os.path.join(out_dir, f"layer{idx}_W.npy"), np.ascontiguousarray(W, dtype=np.float64))
                if b is not None:
                    bv = b.detach().double().numpy()
                    np.save(os.path.join(out_dir, f"layer{idx}_b.npy"), bv)
                    entry["b"] = {"file": f"layer{idx}_b.npy", "shape": list(bv.shape)}
                layers.append(entry)
            x = m(x)
            arch.append(spec)
            i += 1
    in_shape = list(input_shape) if len(input_shape) == 1 else [input_shape[1], input_shape[2], input_shape[0]]
    manifest = {
        "format": "ntk-lab-params/1",
        "arch": ",".join(arch),
        "inputShape": in_shape,
        "outputShape": list(x.shape[1:]),
        "param": "standard",
        "seed": None,
        "layout": "exported from PyTorch by examples/torch_export.py; inputs NHWC; y = W·a + b",
        "layers": layers,
    }
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    return manifest


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 examples/torch_export.py OUT_DIR")
    torch.manual_seed(0)
    demo = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, stride=2), nn.Tanh(),
        nn.Flatten(), nn.Linear(4 * 3 * 3, 8), nn.ReLU(), nn.Linear(8, 1),
    ).double()
    print(json.dumps(export(demo, (1, 8, 8), sys.argv[1])["arch"]))
