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
import { type FigureSpec, type Mark, meanStd } from '../../report/figure.js';
import type { ReportTable } from '../../report/html.js';
import type { Rng } from '../../util/random.js';
import type { JsonValue } from '../config.js';
import { definePreset, type RunContext } from '../preset.js';
import { type Infer, integer, number, object, oneOf, withDefault } from '../schema.js';
import { cumulative, fmt, lineFit, num, nums, pm as meanPm } from './presetUtils.js';
import { arcCos1, fastAcos } from '../../arch/layers/activations.js';

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
interface UnitResult {
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

async function computeUnit(n: number, seed: number, p: SpectrumDemoParams, rng: Rng): Promise<UnitResult> {
  const d = p.dim;
  const X = spherePoints(n, d, rng.split('x'));
  const lr = rng.split('labels');
  const yTrue = new Float64Array(n);
  const yRand = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = X.data.subarray(i * d, i * d + d);
    const f = x[0] + Math.sqrt(d) * x[1] * (d > 2 ? x[2] : x[0]);
    yTrue[i] = f >= 0 ? 1 : -1;
    if (p.labelNoise > 0 && lr.uniform() < p.labelNoise) yTrue[i] = lr.uniform() < 0.5 ? 1 : -1;
  }
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

/** Least-squares slope of log λᵢ against log i over i ∈ [from, to] (1-based), positive λ only. */
export function decayFit(
  values: readonly number[],
  from: number,
  to: number,
): { alpha: number; logC: number; r2: number; count: number } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = from; i <= Math.min(to, values.length); i++) {
    const v = values[i - 1];
    if (v > 0 && Number.isFinite(v)) {
      xs.push(Math.log(i));
      ys.push(Math.log(v));
    }
  }
  const f = lineFit(xs, ys);
  return { alpha: -f.slope, logC: f.intercept, r2: f.r2, count: f.count };
}

/** presetUtils' mean ± std, written with the std to as many digits as the mean, ± 0 included (this report's style). */
const pm = (xs: readonly number[], d = 3) => {
  const { mu, sd } = meanPm(xs, d);
  return { mu, sd, text: `${fmt(mu, d)} ± ${fmt(sd, d)}` };
};

const pct = (x: { mu: number; sd: number }) => `${fmt(100 * x.mu, 1)}% ± ${fmt(100 * x.sd, 1)}%`;

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
  },
  async run(ctx) {
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
        ];
        const raw = await ctx.cache.getOrCompute(key, async () => {
          const u = await computeUnit(n, s, p, ctx.rng.split(`seed-${s}`).split(`n-${n}`));
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

type Ctx = RunContext<SpectrumDemoParams>;

function report(
  ctx: Ctx,
  ns: number[],
  seeds: readonly number[],
  units: Map<string, UnitResult>,
  p: SpectrumDemoParams,
): void {
  const get = (n: number, s: number): UnitResult => {
    const u = units.get(`${n}/${s}`);
    if (!u) throw new Error(`spectrum-demo: missing unit n=${n} seed=${s}`);
    return u;
  };
  const nMax = ns[ns.length - 1];
  const s0 = seeds[0];

  // Per-n summaries.
  const summary = ns.map((n) => {
    const us = seeds.map((s) => get(n, s));
    const fits = us.map((u) => decayFit(u.eigenvalues, p.fitFrom, p.fitTo));
    const topT = us.map((u) => u.projTrue.slice(0, p.topK).reduce((a, b) => a + b, 0));
    const topR = us.map((u) => u.projRandom.slice(0, p.topK).reduce((a, b) => a + b, 0));
    return {
      n,
      lambdaMax: pm(us.map((u) => u.eigenvalues[0])),
      lambdaMin: pm(us.map((u) => u.eigenvalues[n - 1])),
      alpha: pm(fits.map((f) => f.alpha)),
      r2: pm(fits.map((f) => f.r2)),
      topTrue: pm(topT),
      topRandom: pm(topR),
      complexityTrue: pm(us.map((u) => u.complexityTrue)),
      complexityRandom: pm(us.map((u) => u.complexityRandom)),
    };
  });
  ctx.addResult('summary', {
    kernel: p.kernel,
    dim: p.dim,
    fitRange: [p.fitFrom, p.fitTo],
    topK: p.topK,
    seeds,
    byN: summary.map((s) => ({
      n: s.n,
      lambdaMax: { mean: s.lambdaMax.mu, std: s.lambdaMax.sd },
      lambdaMin: { mean: s.lambdaMin.mu, std: s.lambdaMin.sd },
      decayExponent: { mean: s.alpha.mu, std: s.alpha.sd },
      decayR2: { mean: s.r2.mu, std: s.r2.sd },
      topKPowerTrue: { mean: s.topTrue.mu, std: s.topTrue.sd },
      topKPowerRandom: { mean: s.topRandom.mu, std: s.topRandom.sd },
      complexityTrue: { mean: s.complexityTrue.mu, std: s.complexityTrue.sd },
      complexityRandom: { mean: s.complexityRandom.mu, std: s.complexityRandom.sd },
    })),
  });
  ctx.addResult('units', {
    units: ns.flatMap((n) =>
      seeds.map((s) => {
        const u = get(n, s);
        const f = decayFit(u.eigenvalues, p.fitFrom, p.fitTo);
        return {
          n,
          seed: s,
          lambdaMax: u.eigenvalues[0],
          lambdaMin: u.eigenvalues[n - 1],
          trace: u.eigenvalues.reduce((a, b) => a + b, 0),
          decay: f,
          complexityTrue: u.complexityTrue,
          complexityRandom: u.complexityRandom,
        };
      }),
    ),
  });
  const big = get(nMax, s0);
  ctx.addResult('spectrum', {
    n: nMax,
    seed: s0,
    eigenvalues: big.eigenvalues,
    projectionsTrue: big.projTrue,
    projectionsRandom: big.projRandom,
  });

  // Figure 1: spectra, mean over seeds per n; band and fit for the largest n.
  const marks: Mark[] = [];
  ns.forEach((n, k) => {
    const st = meanStd(seeds.map((s) => get(n, s).eigenvalues));
    const idx = st.mean.map((_, i) => i + 1);
    if (n === nMax) marks.push({ type: 'band', x: idx, y1: st.lo, y2: st.hi, color: k, opacity: 0.25 });
    marks.push({ type: 'line', x: idx, y: st.mean, color: k, label: `n = ${n}` });
  });
  const bigFit = decayFit(meanStd(seeds.map((s) => get(nMax, s).eigenvalues)).mean, p.fitFrom, p.fitTo);
  marks.push({
    type: 'line',
    x: [p.fitFrom, p.fitTo],
    y: [Math.exp(bigFit.logC) * p.fitFrom ** -bigFit.alpha, Math.exp(bigFit.logC) * p.fitTo ** -bigFit.alpha],
    dash: true,
    color: 6,
    width: 1.5,
    label: `fit: λᵢ ∝ i^−${fmt(bigFit.alpha, 2)} (n = ${nMax})`,
  });
  const spectrumFig: FigureSpec = {
    title: 'Eigenvalue spectrum of the NTK Gram matrix',
    subtitle: `${p.kernel} kernel, d = ${p.dim}; mean over ${seeds.length} seeds (band: ± 1 std, n = ${nMax})`,
    x: { label: 'index i (descending order)', type: 'log' },
    y: { label: 'eigenvalue λᵢ', type: 'log' },
    marks,
  };
  ctx.addFigure(
    'spectrum',
    spectrumFig,
    'Log–log eigenvalue spectrum; the dashed line is the least-squares power-law fit.',
  );

  // Figure 2: projections vs eigenvalues, largest n, first seed.
  ctx.addFigure(
    'projections',
    {
      title: 'Label projections onto NTK eigenvectors',
      subtitle: `n = ${nMax}, seed ${s0}; (vᵢᵀy)²/n against λᵢ`,
      x: { label: 'eigenvalue λᵢ', type: 'log' },
      y: { label: '(vᵢᵀy)² / n', type: 'log' },
      marks: [
        { type: 'dot', x: big.eigenvalues, y: big.projRandom, color: 1, r: 2, label: 'random labels' },
        { type: 'dot', x: big.eigenvalues, y: big.projTrue, color: 0, r: 2, label: 'true labels' },
        { type: 'rule', y: 1 / nMax, color: 6, label: 'uniform spread 1/n' },
      ],
    },
    'Each dot is one eigenvector: true labels concentrate on large-λ eigenvectors, random labels spread evenly.',
  );

  // Figure 3: cumulative power, band over seeds, largest n.
  const cT = meanStd(seeds.map((s) => cumulative(get(nMax, s).projTrue)));
  const cR = meanStd(seeds.map((s) => cumulative(get(nMax, s).projRandom)));
  const ks = cT.mean.map((_, i) => i + 1);
  ctx.addFigure(
    'cumulative',
    {
      title: 'Share of ‖y‖² in the top-k eigenvectors',
      subtitle: `n = ${nMax}; mean ± std over ${seeds.length} seeds`,
      x: { label: 'k (number of top eigenvectors)', type: 'log' },
      y: { label: 'Σᵢ≤ₖ (vᵢᵀy)² / ‖y‖²', percent: true, domain: [0, 1] },
      marks: [
        { type: 'band', x: ks, y1: cT.lo, y2: cT.hi, color: 0 },
        { type: 'line', x: ks, y: cT.mean, color: 0, label: 'true labels' },
        { type: 'band', x: ks, y1: cR.lo, y2: cR.hi, color: 1 },
        { type: 'line', x: ks, y: cR.mean, color: 1, label: 'random labels' },
        { type: 'rule', x: p.topK, color: 6, label: `k = ${p.topK}` },
      ],
    },
    'Cumulative label power: how many eigen-directions are needed to explain the labels.',
  );

  // Figure 4: generalization quantity vs n.
  const nsF = ns.map((n) => n);
  ctx.addFigure(
    'complexity',
    {
      title: 'Generalization quantity √(2yᵀH⁻¹y/n)',
      subtitle: `mean ± std over ${seeds.length} seeds`,
      x: { label: 'training-set size n', type: 'log' },
      y: { label: '√(2yᵀH⁻¹y / n)', type: 'log' },
      marks: [
        {
          type: 'band',
          x: nsF,
          y1: summary.map((s) => s.complexityTrue.mu - s.complexityTrue.sd),
          y2: summary.map((s) => s.complexityTrue.mu + s.complexityTrue.sd),
          color: 0,
        },
        { type: 'line', x: nsF, y: summary.map((s) => s.complexityTrue.mu), color: 0, label: 'true labels' },
        { type: 'dot', x: nsF, y: summary.map((s) => s.complexityTrue.mu), color: 0, r: 3 },
        {
          type: 'band',
          x: nsF,
          y1: summary.map((s) => s.complexityRandom.mu - s.complexityRandom.sd),
          y2: summary.map((s) => s.complexityRandom.mu + s.complexityRandom.sd),
          color: 1,
        },
        { type: 'line', x: nsF, y: summary.map((s) => s.complexityRandom.mu), color: 1, label: 'random labels' },
        { type: 'dot', x: nsF, y: summary.map((s) => s.complexityRandom.mu), color: 1, r: 3 },
      ],
    },
    'Arora et al.’s data-dependent complexity; smaller means a better generalization bound.',
  );

  // Figure 5: kernel heatmap.
  ctx.addFigure(
    'kernel',
    {
      title: 'Kernel matrix Θ(xᵢ, xⱼ)',
      subtitle: `first ${big.heatSize} points of n = ${nMax}, sorted by label then x₁`,
      width: 520,
      height: 460,
      x: { label: 'point j' },
      y: { label: 'point i' },
      marks: [
        { type: 'heatmap', rows: big.heatSize, cols: big.heatSize, values: big.heat, scheme: 'viridis', label: 'Θ' },
      ],
    },
    'Points with the same label are sorted together; the block structure is weak because Θ mostly measures angles.',
  );

  // Sections with tables and plain-language readings.
  const last = summary[summary.length - 1];
  const first = summary[0];
  const specTable: ReportTable = {
    title: 'Eigenvalue decay',
    columns: ['n', 'λ₁', 'λₙ', `decay exponent α (i ∈ [${p.fitFrom}, ${p.fitTo}])`, 'fit R²'],
    rows: summary.map((s) => [s.n, s.lambdaMax.text, s.lambdaMin.text, s.alpha.text, fmt(s.r2.mu, 4)]),
    note: `mean ± std over ${seeds.length} seeds; α from least squares of log λᵢ on log i.`,
  };
  ctx.addSection({
    title: 'Eigenvalue decay',
    text:
      `The eigenvalues of the ${p.kernel} Gram matrix on n = ${nMax} points in d = ${p.dim} fall off like a power law, ` +
      `λᵢ ∝ i^−α with α = ${last.alpha.text} over i ∈ [${p.fitFrom}, ${p.fitTo}] (R² = ${fmt(last.r2.mu, 3)}). ` +
      `The top eigenvalue grows in proportion to n (λ₁ = ${last.lambdaMax.text} at n = ${nMax} vs ${first.lambdaMax.text} at n = ${first.n}), ` +
      `while the smallest ones stay near ${last.lambdaMin.text}: the condition number grows with n, so gradient descent on this kernel converges slowly along the bottom eigen-directions.`,
    figures: ['spectrum', 'kernel'],
    tables: [specTable],
  });
  ctx.addSection({
    title: 'Labels and eigenvectors',
    text:
      `With n = ${nMax}, the top ${p.topK} eigenvectors (of ${nMax}) carry ${fmt(100 * last.topTrue.mu, 1)}% ± ${fmt(100 * last.topTrue.sd, 1)}% of ‖y‖² for the true labels ` +
      `but only ${fmt(100 * last.topRandom.mu, 1)}% ± ${fmt(100 * last.topRandom.sd, 1)}% for random labels (uniform spread would give ${fmt((100 * p.topK) / nMax, 1)}%). ` +
      'True labels, a low-degree function of x, live in the span of the large-eigenvalue directions, which gradient descent fits first; random labels need every direction, including the slow ones.',
    figures: ['projections', 'cumulative'],
    tables: [
      {
        title: `Share of ‖y‖² in the top ${p.topK} eigenvectors`,
        columns: ['n', 'true labels', 'random labels', 'uniform spread k/n'],
        rows: summary.map((s) => [s.n, pct(s.topTrue), pct(s.topRandom), `${fmt((100 * p.topK) / s.n, 1)}%`]),
      },
    ],
  });
  ctx.addSection({
    title: 'Generalization quantity',
    text:
      `Arora et al.'s quantity √(2yᵀH⁻¹y/n) is ${last.complexityTrue.text} for true labels and ${last.complexityRandom.text} for random labels at n = ${nMax} ` +
      `(${fmt(last.complexityRandom.mu / last.complexityTrue.mu, 2)}× larger). From n = ${first.n} to ${nMax} it changes by a factor ${fmt(last.complexityTrue.mu / first.complexityTrue.mu, 2)} for true labels ` +
      `and ${fmt(last.complexityRandom.mu / first.complexityRandom.mu, 2)} for random labels; ` +
      `at every n in the sweep the random-label value is at least ${fmt(Math.min(...summary.map((s) => s.complexityRandom.mu / s.complexityTrue.mu)), 2)}× the true-label value. ` +
      'The bound is tighter exactly when the labels are aligned with the kernel’s top eigenvectors.',
    figures: ['complexity'],
    tables: [
      {
        title: '√(2yᵀH⁻¹y/n)',
        columns: ['n', 'true labels', 'random labels', 'ratio random/true'],
        rows: summary.map((s) => [
          s.n,
          s.complexityTrue.text,
          s.complexityRandom.text,
          fmt(s.complexityRandom.mu / s.complexityTrue.mu, 3),
        ]),
      },
    ],
  });
}
