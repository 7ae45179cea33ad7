"""Independent numpy/scipy reference for test/predict: reads kernels and targets from .npy files in a folder,
writes the NNGP posterior (scipy cho_solve), the NTK-GP at times t (numpy eigh; neural-tangents' einsum formulas,
predict.gradient_descent_mse_ensemble) and brute-force leave-one-out MSEs (n solves of n−1 systems).
Usage: python3 reference.py DIR RIDGE_NNGP RIDGE_NTK A T1,T2,... LOO_RIDGES"""
import sys
import numpy as np
from scipy.linalg import cho_factor, cho_solve

d, rk, rt, a = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
times = [float(t) for t in sys.argv[5].split(",")]
loo_ridges = [float(r) for r in sys.argv[6].split(",")] if len(sys.argv) > 6 and sys.argv[6] else []
L = lambda name: np.load(f"{d}/{name}.npy")
K, Ks, Kss, T, Ts, Y = L("K"), L("Ks"), L("Kss"), L("T"), L("Ts"), L("Y")
n = K.shape[0]

c = cho_factor(K + rk * np.eye(n), lower=True)
np.save(f"{d}/ref.nngp.mean.npy", Ks @ cho_solve(c, Y))
np.save(f"{d}/ref.nngp.cov.npy", Kss - Ks @ cho_solve(c, Ks.T))

lam, V = np.linalg.eigh(T + rt * np.eye(n))
means, covs = [], []
for t in times:
    if np.isinf(t):
        g = 1 / lam
    else:
        g = -np.expm1(-a * lam * t) / lam
    term1 = np.einsum("mi,i,ki,lk->ml", V, g, V, Ts)  # (Θ+ρ)⁻¹(I − e^{−aΘt}) Θ_*ᵀ, n×m
    means.append(np.einsum("ml,mc->lc", term1, Y))
    M = term1.T  # m×n
    cov = Kss + M @ K @ M.T - (M @ Ks.T + Ks @ M.T)
    covs.append(cov)
np.save(f"{d}/ref.ntk.mean.npy", np.array(means))
np.save(f"{d}/ref.ntk.cov.npy", np.array(covs))
# kernel regression with Θ (t = ∞) by a direct solve, for the t = ∞ check
np.save(f"{d}/ref.ntk.krr.npy", Ts @ np.linalg.solve(T + rt * np.eye(n), Y))

loo = []
for r in loo_ridges:
    s = 0.0
    for i in range(n):
        keep = np.arange(n) != i
        A = K[np.ix_(keep, keep)] + r * np.eye(n - 1)
        f = K[i, keep] @ np.linalg.solve(A, Y[keep])
        s += np.sum((Y[i] - f) ** 2)
    loo.append(s / Y.size)
np.save(f"{d}/ref.loo.npy", np.array(loo))
