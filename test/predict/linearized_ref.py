"""Independent reference for `ntk predict --params`: rebuild the network from its --params-out folder in PyTorch
(test/empirical/torch_ntk.py), its empirical NTK over all outputs by functorch jacrev, and the linearized network's
gradient-flow test outputs f₀(x_*) + Θ̂_*V diag((1 − e^{−aλt})/λ)Vᵀ(Y − f₀) by numpy eigh.
Usage: python3 linearized_ref.py PARAMS X.npy XS.npy LABELS.npy A T1,T2,... OUT.npy"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "empirical"))
import torch_ntk as T  # noqa: E402

d, xp, xsp, lp, a, times, outp = sys.argv[1:8]
a = float(a)
f, params, man = T.build(d)
x, xs = T.load_x(xp, man), T.load_x(xsp, man)
f0 = f(params, x).detach().numpy()
fs0 = f(params, xs).detach().numpy()
O = f0.shape[1]
Y = np.eye(O)[np.load(lp).astype(int)]
Th = T.ntk(f, params, x, x, "full").detach().numpy()
Ts = T.ntk(f, params, xs, x, "full").detach().numpy()
lam, V = np.linalg.eigh(Th)
r = (Y - f0).reshape(-1)
c = V.T @ r
out = []
for t in [float(s) for s in times.split(",")]:
    if np.isinf(t):
        floor = 100 * len(lam) * np.finfo(float).eps * max(lam[-1], 0)
        g = np.where(lam > floor, 1 / np.where(lam > floor, lam, 1), 0)
    else:
        g = -np.expm1(-a * lam * t) / lam
    out.append((fs0.reshape(-1) + Ts @ (V @ (g * c))).reshape(fs0.shape))
np.save(outp, np.array(out))
