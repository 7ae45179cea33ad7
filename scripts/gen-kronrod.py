"""The 41-point Gauss–Kronrod rule on [-1, 1] (the 20-point Gauss–Legendre rule and its Kronrod extension), computed
in 80-digit arithmetic with mpmath, printed as the float64 constants src/arch/layers/pairQuadrature.ts embeds.

Kronrod (1965): the 21 added nodes are the zeros of the Stieltjes polynomial E₂₁, the monic polynomial orthogonal to
P₂₀(x)·x^k (k = 0..20) on [-1, 1]; the 41 weights make the rule exact for polynomials of degree ≤ 61 (solved here as
moment equations, exact to the working precision). Run: /usr/bin/python3 scripts/gen-kronrod.py
"""
import mpmath as mp

mp.mp.dps = 80
N = 20


def legendre(m):
    p0, p1 = [mp.mpf(1)], [mp.mpf(0), mp.mpf(1)]
    for k in range(1, m):
        p2 = [mp.mpf(0)] * (k + 2)
        for i, c in enumerate(p1):
            p2[i + 1] += mp.mpf(2 * k + 1) / (k + 1) * c
        for i, c in enumerate(p0):
            p2[i] -= mp.mpf(k) / (k + 1) * c
        p0, p1 = p1, p2
    return p1


def mul(a, b):
    r = [mp.mpf(0)] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            r[i + j] += x * y
    return r


def integral(p):
    return sum(c * 2 / mp.mpf(i + 1) for i, c in enumerate(p) if i % 2 == 0)


def mono(k):
    return [mp.mpf(0)] * k + [mp.mpf(1)]


def roots(p):
    return sorted(mp.re(r) for r in mp.polyroots(list(reversed(p)), maxsteps=800, extraprec=600))


def weights(xs):
    a = mp.matrix([[x**k for x in xs] for k in range(len(xs))])
    b = mp.matrix([2 / mp.mpf(k + 1) if k % 2 == 0 else 0 for k in range(len(xs))])
    return mp.lu_solve(a, b)


P = legendre(N)
M = N + 1
free = [j for j in range(M) if (M - j) % 2 == 0]  # E has the parity of its degree
rows, rhs = [], []
for k in range(M):
    if (N + k + M) % 2 == 1:
        continue  # odd integrands vanish
    base = mul(P, mono(k))
    rows.append([integral(mul(base, mono(j))) for j in free])
    rhs.append(-integral(mul(base, mono(M))))
sol = mp.lu_solve(mp.matrix(rows[: len(free)]), mp.matrix(rhs[: len(free)]))
E = mono(M)
for j, v in zip(free, sol):
    E[j] = v
xk = roots(mul(P, E))
wk = weights(xk)
xg = roots(P)
wg = weights(xg)
pos = lambda xs, ws: [(x, w) for x, w in zip(xs, ws) if x > -mp.mpf(10) ** -60]
k = pos(xk, wk)
g = pos(xg, wg)
# the Gauss nodes are every other Kronrod node
assert all(abs(x - k[2 * i + 1][0]) < mp.mpf(10) ** -60 for i, (x, _) in enumerate(g))
print('XK', [float(x) if abs(x) > mp.mpf(10) ** -60 else 0.0 for x, _ in k])
print('WK', [float(w) for _, w in k])
print('WG', [float(w) for _, w in g])
