/**
 * `spectrum-demo`: a self-contained experiment on synthetic data that exercises the whole machinery (sweep units
 * cached on disk, ensembles over seeds, log-log spectra with fitted lines, heatmaps, tables, report text).
 *
 * Data: n points uniform on the unit sphere S^{d−1}, binary labels y = sign(x₁ + √d·x₂x₃) ("true" labels, a
 * low-degree function of x) and independent random ±1 labels. Kernel: the infinite-width NTK of a two-layer ReLU
 * network on unit-norm inputs, Θ(c) = c·κ₀(c) + κ₁(c) with c = xᵀx′, κ₀(c) = (π − arccos c)/π and
 * κ₁(c) = (c(π − arccos c) + √(1 − c²))/π (Cho & Saul 2009 arc-cosine kernels; Jacot et al. 2018; up to a constant
 * factor set by the parameterization). `arora-h` is Arora et al.'s H∞ (first layer trained only),
 * H∞(c) = c(π − arccos c)/(2π); `arccos1` is the ReLU NNGP κ₁.
 *
 * It reproduces, qualitatively, Arora, Du, Hu, Li & Wang (ICML 2019), "Fine-Grained Analysis of Optimization and
 * Generalization for Overparameterized Two-Layer Neural Networks": true labels put most of their mass on the top
 * eigenvectors of H∞ (projections (vᵢᵀy)² large where λᵢ is large), random labels spread evenly, and the
 * generalization quantity √(2yᵀH⁻¹y/n) is smaller for true labels than for random labels at every n.
 */
import { projectToSphereInPlace } from '../../data/preprocess.js';
import { ConfigError } from '../../errors.js';
import { eighAsync, gram, Matrix, matmul } from '../../linalg/index.js';
import type { Rng } from '../../util/random.js';
import type { JsonValue } from '../config.js';
import { definePreset, type RunContext } from '../preset.js';
import { loadDataset } from '../../data/registry.js';
import { specWith, unitRows } from './userData.js';
import { type Infer, integer, number, object, oneOf, withDefault } from '../schema.js';
import { decayFit, num, nums } from './presetUtils.js';
import { report } from './spectrumDemoReport.js';
import { arcCos1, fastAcos } from '../../arch/layers/activations.js';
import { float64Need, requireMemory } from '../../util/memory.js';

export const KERNELS = ['relu-ntk', 'arora-h', 'arccos1'] as const;
export type DemoKernel = (typeof KERNELS)[number];

const paramsSchema = object({
  /** Input dimension d (points on S^{d−1}). */
  dim: integer({ min: 2, max: 10_000 }),
  kernel: withDefault(oneOf(KERNELS), 'relu-ntk'),
  /** Eigenvalue-decay fit over indices fitFrom..fitTo (1-based, descending order). */
  fitFrom: withDefault(integer({ min: 1 }), 2),
  fitTo: integer({ min: 2 }),
  /** "Top-k" for the share of ‖y‖² in the top eigenvectors. */
  topK: integer({ min: 1 }),
  /** Points shown in the kernel heatmap. */
  heatmapPoints: withDefault(integer({ min: 2, max: 400 }), 60),
  /** Fraction of the true labels flipped at random before analysis (label noise). */
  labelNoise: withDefault(number({ min: 0, max: 1 }), 0),
});
export type SpectrumDemoParams = Infer<typeof paramsSchema>;

/** Kernel value at cosine c ∈ [−1, 1]. */
export function demoKernel(kind: DemoKernel, c: number): number {
  const cc = Math.min(1, Math.max(-1, c));
  // Cho & Saul's κ₀ = (π − θ)/π and κ₁ = J(ρ)/π, from the one arc-cosine formula (src/arch/layers/activations.ts)
  const pt = Math.PI - fastAcos(cc);
  const k0 = pt / Math.PI;
  const k1 = arcCos1(cc, pt) / Math.PI;
  switch (kind) {
    case 'relu-ntk':
      return cc * k0 + k1;
    case 'arora-h':
      return (cc * pt) / (2 * Math.PI);
    case 'arccos1':
      return k1;
  }
}

/** n points uniform on S^{d−1} (rows): normalized Gaussians, as the `sphere` data set draws them. */
export function spherePoints(n: number, d: number, rng: Rng): Matrix {
  const X = new Matrix(n, d, rng.normals(n * d));
  projectToSphereInPlace(X, 1);
  return X;
}

/** What one (n, seed) unit computes; stored in the cache as JSON. */
export interface UnitResult {
  readonly n: number;
  readonly seed: number;
  /** Eigenvalues, descending. */
  readonly eigenvalues: number[];
  /** (vᵢᵀy)²/‖y‖², same order, true and random labels. */
  readonly projTrue: number[];
  readonly projRandom: number[];
  /** √(2 yᵀK⁻¹y / n). */
  readonly complexityTrue: number;
  readonly complexityRandom: number;
  /** Kernel on the first `heatmapPoints` points, ordered by (true label, x₁): row-major. */
  readonly heat: number[];
  readonly heatSize: number;
}

function isUnitResult(v: JsonValue): v is JsonValue & { [k: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Array.isArray(v.eigenvalues);
}

async function computeUnit(
  n: number,
  seed: number,
  p: SpectrumDemoParams,
  rng: Rng,
  user?: string,
): Promise<UnitResult> {
  const d = p.dim;
  let X: Matrix;
  let yTrue = new Float64Array(n);
  if (user !== undefined) {
    // the user's data: a seeded subsample of n rows, their ±1 labels as the "true" labels
    const ds = loadDataset(specWith(user, { n, seed }));
    X = ds.X;
    yTrue = ds.targets.data.slice();
  } else {
    X = spherePoints(n, d, rng.split('x'));
    const lr = rng.split('labels');
    for (let i = 0; i < n; i++) {
      const x = X.data.subarray(i * d, i * d + d);
      const f = x[0] + Math.sqrt(d) * x[1] * (d > 2 ? x[2] : x[0]);
      yTrue[i] = f >= 0 ? 1 : -1;
      if (p.labelNoise > 0 && lr.uniform() < p.labelNoise) yTrue[i] = lr.uniform() < 0.5 ? 1 : -1;
    }
  }
  const yRand = new Float64Array(n);
  const rr = rng.split('random-labels');
  for (let i = 0; i < n; i++) yRand[i] = rr.uniform() < 0.5 ? 1 : -1;
  const G = gram(X);
  const K = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = demoKernel(p.kernel, G.data[i * n + j]);
      K.data[i * n + j] = v;
      K.data[j * n + i] = v;
    }
  }
  const e = await eighAsync(K);
  const Y = new Matrix(n, 2);
  for (let i = 0; i < n; i++) {
    Y.data[2 * i] = yTrue[i];
    Y.data[2 * i + 1] = yRand[i];
  }
  const P = matmul(e.vectors, Y, { transA: true }); // n×2: row j = v_jᵀ[y, y_rand]
  const eigenvalues: number[] = [];
  const projTrue: number[] = [];
  const projRandom: number[] = [];
  let qT = 0;
  let qR = 0;
  for (let j = n - 1; j >= 0; j--) {
    const lam = e.values[j];
    const a = P.data[2 * j] ** 2;
    const b = P.data[2 * j + 1] ** 2;
    eigenvalues.push(lam);
    projTrue.push(a / n);
    projRandom.push(b / n);
    qT += lam > 0 ? a / lam : Infinity;
    qR += lam > 0 ? b / lam : Infinity;
  }
  const m = Math.min(p.heatmapPoints, n);
  const order = Array.from({ length: m }, (_, i) => i).sort(
    (i, j) => yTrue[i] - yTrue[j] || X.data[i * d] - X.data[j * d] || i - j,
  );
  const heat: number[] = [];
  for (const i of order) for (const j of order) heat.push(K.data[i * n + j]);
  return {
    n,
    seed,
    eigenvalues,
    projTrue,
    projRandom,
    complexityTrue: Math.sqrt((2 * qT) / n),
    complexityRandom: Math.sqrt((2 * qR) / n),
    heat,
    heatSize: m,
  };
}

/**
 * With user data: d is the data's, the sweep keeps the sizes the data have (else their row count), and the fit
 * range and top-k shrink to the smallest n.
 */
function withUserData<C extends RunContext<SpectrumDemoParams>>(ctx: C): C {
  const ud = ctx.userData;
  if (!ud) return ctx;
  const rows = ud.ds.X.rows;
  const all = ctx.config.sweep?.n ?? [];
  const ns = all.some((n) => n <= rows) ? all.filter((n) => n <= rows) : [rows];
  const nMin = Math.min(...ns);
  const p = ctx.config.params;
  const fitTo = Math.min(p.fitTo, nMin);
  const params = {
    ...p,
    dim: ud.ds.X.cols,
    fitTo,
    fitFrom: Math.min(p.fitFrom, fitTo - 1),
    topK: Math.min(p.topK, nMin),
  };
  return { ...ctx, config: { ...ctx.config, params, sweep: { ...ctx.config.sweep, n: ns } } };
}

/** The eigenvalue-decay fit (presetUtils), exported with the preset as before. */
export { decayFit } from './presetUtils.js';

export const spectrumDemo = definePreset({
  name: 'spectrum-demo',
  title: 'NTK spectrum and label alignment on the sphere (synthetic demo)',
  reproduces:
    'Arora et al. 2019 (ICML), Fine-Grained Analysis…: true labels align with the top eigenvectors of the two-layer ReLU NTK and give a small √(2yᵀH⁻¹y/n); random labels do not',
  description:
    'Points uniform on S^{d−1}, binary labels from a low-degree function vs random labels; analytic two-layer ReLU NTK; eigenvalue decay fit, label projections, cumulative power, generalization quantity, over a sweep of n and seeds.',
  header: {
    command: 'ntk run spectrum-demo [--quick]',
    expectedTime: { quick: '~2 s CPU', full: '~20 s CPU' },
  },
  uses: ['sweep'],
  data: {
    what: 'binary classification data (2 classes, ±1 labels) on the unit sphere',
    task: 'classification',
    minClasses: 2,
    maxClasses: 2,
    paper: 'Arora et al. 2019: MNIST and CIFAR-10; this demo: points uniform on S^{d−1} with y = sign(x₁ + √d·x₂x₃)',
    defaults: { labels: 'pm1', normalize: ['sphere'] },
    check: (ds) => (ds.targets.cols === 1 ? unitRows(ds) : `one ±1 target column (labels=pm1), not ${ds.targets.cols}`),
    cap: (c) => Math.max(...(c.sweep?.n ?? [1])),
  },
  params: paramsSchema,
  defaults: {
    seed: 0,
    sweep: { n: [250, 500, 1000, 2000], seeds: [0, 1, 2, 3, 4] },
    params: { dim: 10, kernel: 'relu-ntk', fitFrom: 2, fitTo: 200, topK: 20, heatmapPoints: 60 },
  },
  quick: {
    sweep: { n: [100, 200, 400], seeds: [0, 1, 2] },
    params: { fitTo: 80, heatmapPoints: 40 },
  },
  check(c) {
    const ns = c.sweep?.n;
    if (!ns) throw new ConfigError('sweep.n', 'is required by spectrum-demo: the list of sample sizes n');
    if (!c.sweep?.seeds) throw new ConfigError('sweep.seeds', 'is required by spectrum-demo: the list of data seeds');
    const nMin = Math.min(...ns);
    const p = c.params;
    if (p.fitTo > nMin)
      throw new ConfigError('params.fitTo', `must be ≤ the smallest n in sweep.n (${nMin}); got ${p.fitTo}`);
    if (p.fitFrom >= p.fitTo)
      throw new ConfigError('params.fitFrom', `must be < params.fitTo (${p.fitTo}); got ${p.fitFrom}`);
    if (p.topK > nMin)
      throw new ConfigError('params.topK', `must be ≤ the smallest n in sweep.n (${nMin}); got ${p.topK}`);
    // a unit holds X, the Gram matrix, K and K's eigendecomposition (a copy and LAPACK's 2n² workspace)
    const nMax = Math.max(...ns);
    const nn = nMax * nMax;
    requireMemory(
      'sweep.n',
      `n = ${nMax}`,
      float64Need(`a ${nMax}×${nMax} float64 kernel, its Gram matrix and its eigendecomposition`, [
        nMax * p.dim,
        nn,
        nn,
        nn,
        2 * nn,
      ]),
    );
  },
  async run(ctxIn) {
    const ctx = withUserData(ctxIn);
    const user = ctx.userData?.spec;
    const p = ctx.config.params;
    const ns = [...(ctx.config.sweep?.n ?? [])].sort((a, b) => a - b);
    const seeds = ctx.config.sweep?.seeds ?? [];
    const total = ns.length * seeds.length;
    const units = new Map<string, UnitResult>();
    let done = 0;
    ctx.progress(0, total, 'starting');
    for (const n of ns) {
      for (const s of seeds) {
        const key = [
          'spectrum-demo',
          'unit-v1',
          { dim: p.dim, kernel: p.kernel, labelNoise: p.labelNoise, heat: p.heatmapPoints },
          ctx.config.seed,
          s,
          n,
          ...(user !== undefined ? [user] : []),
        ];
        const raw = await ctx.cache.getOrCompute(key, async () => {
          const u = await computeUnit(n, s, p, ctx.rng.split(`seed-${s}`).split(`n-${n}`), user);
          const j: JsonValue = { ...u };
          return j;
        });
        if (!isUnitResult(raw))
          throw new Error(`spectrum-demo: cache entry for n=${n} seed=${s} has an unexpected shape`);
        const u = unitFromJson(raw);
        units.set(`${n}/${s}`, u);
        const fit = decayFit(u.eigenvalues, p.fitFrom, p.fitTo);
        ctx.log.metric({
          unit: `n=${n},seed=${s}`,
          n,
          seed: s,
          lambdaMax: u.eigenvalues[0],
          lambdaMin: u.eigenvalues[n - 1],
          decayExponent: fit.alpha,
          complexityTrue: u.complexityTrue,
          complexityRandom: u.complexityRandom,
        });
        done++;
        ctx.progress(done, total, `n=${n} seed=${s}`);
      }
    }
    report(ctx, ns, seeds, units, p);
  },
});

function unitFromJson(v: { [k: string]: JsonValue }): UnitResult {
  return {
    n: num(v.n),
    seed: num(v.seed),
    eigenvalues: nums(v.eigenvalues),
    projTrue: nums(v.projTrue),
    projRandom: nums(v.projRandom),
    complexityTrue: num(v.complexityTrue),
    complexityRandom: num(v.complexityRandom),
    heat: nums(v.heat),
    heatSize: num(v.heatSize),
  };
}
