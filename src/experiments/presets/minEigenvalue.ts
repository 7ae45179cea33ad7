/**
 * `min-eigenvalue`: the smallest eigenvalue of H∞ and of the deep ReLU NTK on sphere data, against three lower bounds.
 *
 * Reproduces (qualitatively) the λ_min lower bounds behind the over-parameterization results: Du, Zhai, Póczos &
 * Singh (ICLR 2019), "Gradient descent provably optimizes over-parameterized neural networks" (λ₀ = λ_min(H∞) > 0 for
 * non-parallel inputs); Oymak & Soltanolkotabi (2020) and Nguyen, Mondelli & Montúfar (ICML 2021), "Tight bounds on
 * the smallest eigenvalue of the neural tangent kernel for deep ReLU networks": via the power series
 * K = Σ_r c_r (XXᵀ)^{∘r}, λ_min(K) ≥ Σ_r c_r·max(0, 1 − (n − 1)ρ^r) with ρ = max_{i≠j}|xᵢᵀxⱼ|, a bound that stays
 * positive where Gershgorin-type bounds fail. Points uniform on S^{d−1}; a sweep over n, d and seeds. For each unit:
 * the exact λ_min (eigvalsh), Gershgorin minᵢ(Kᵢᵢ − Σ_{j≠i}|Kᵢⱼ|), the ρ-bound κ(1) − (n − 1)κ(ρ) and the power-series
 * bound (src/analysis/lambdaMin.ts).
 *
 * Command: `ntk run min-eigenvalue [--quick]`.
 */
import { lambdaMinBounds, type DotProductKernelSpec, type LambdaMinBounds } from '../../analysis/index.js';
import { loadDataset } from '../../data/index.js';
import type { Mark, PlotSpec } from '../../report/figure.js';
import type { ReportTable } from '../../report/html.js';
import { definePreset, type RunContext } from '../preset.js';
import { array, type Infer, integer, object, oneOf, withDefault } from '../schema.js';
import { formatPercent } from '../../report/scale.js';
import { claim, settingLine, verdict } from './claims.js';
import { asRecord, fmt, type JsonRecord, num, pm } from './presetUtils.js';
import { specWith, unitRows } from './userData.js';

const KERNELS = ['hinf', 'relu-ntk'] as const;
type KernelKey = (typeof KERNELS)[number];

const paramsSchema = object({
  ns: array(integer({ min: 2, max: 5000 }), { minLength: 1, unique: true }),
  ds: array(integer({ min: 2, max: 100_000 }), { minLength: 1, unique: true }),
  seeds: array(integer({ min: 0 }), { minLength: 1, unique: true }),
  kernels: withDefault(array(oneOf(KERNELS), { minLength: 1, unique: true }), [...KERNELS]),
  /** Hidden layers of the deep ReLU NTK (σ_w² = 2, σ_b² = 0, unit-norm inputs). */
  depth: withDefault(integer({ min: 1, max: 50 }), 3),
});
export type MinEigenvalueParams = Infer<typeof paramsSchema>;

/** The numbers of lambdaMinBounds a unit keeps (its cached record, in this order). */
const UNIT_FIELDS = [
  'rho',
  'lambdaMin',
  'gershgorin',
  'rhoBound',
  'powerSeries',
  'powerSeriesMax',
  'powerSeriesArgmax',
] as const;

interface Unit extends Pick<LambdaMinBounds, (typeof UNIT_FIELDS)[number]> {
  readonly kernel: KernelKey;
  readonly n: number;
  readonly d: number;
  readonly seed: number;
}

const BOUNDS = ['gershgorin', 'rhoBound', 'powerSeries'] as const;
const BOUND_LABEL: Record<(typeof BOUNDS)[number], string> = {
  gershgorin: 'Gershgorin',
  rhoBound: 'ρ-bound κ(1) − (n−1)κ(ρ)',
  powerSeries: 'power series Σ c_r(1 − (n−1)ρ^r)₊',
};

function kernelSpec(k: KernelKey, depth: number): DotProductKernelSpec {
  return k === 'hinf' ? { kind: 'hinf' } : { kind: 'relu-ntk', depth };
}
const kernelLabel = (k: KernelKey, depth: number): string =>
  k === 'hinf' ? 'H∞ (two-layer, first layer trained)' : `ReLU NTK, ${depth} hidden layers`;

type Ctx = RunContext<MinEigenvalueParams>;

/** The sizes n a sweep runs on user data of `rows` rows: those it has rows for, else all the rows. */
const nsFor = (ns: readonly number[], rows: number): number[] =>
  ns.some((n) => n <= rows) ? ns.filter((n) => n <= rows) : [rows];
/** The full run's sweep (the defaults; --quick runs a smaller one). */
/** What the points are: the sphere's, or the user's data (`--set data=SPEC`). */
const dataLabel = (ctx: Ctx): string =>
  ctx.userData ? `${ctx.userData.spec} (the user's data, a subsample of n rows per seed)` : 'points uniform on S^{d−1}';
const FULL = { ns: [50, 100, 200, 400, 800], ds: [5, 20, 100, 1000], seeds: [0, 1, 2] } as const;

export const minEigenvaluePreset = definePreset({
  name: 'min-eigenvalue',
  title: 'λ_min of H∞ and the deep ReLU NTK on the sphere vs Gershgorin, ρ-based and power-series lower bounds',
  reproduces:
    'Du et al. 2019 (ICLR) λ₀ = λ_min(H∞) > 0; Nguyen, Mondelli & Montúfar 2021 (ICML), Oymak & Soltanolkotabi 2020: power-series (Hermite) lower bounds on λ_min of the NTK stay positive and within a constant factor where Gershgorin-type bounds fail',
  description:
    'Points uniform on S^{d−1}; for H∞ and the deep ReLU NTK, the exact λ_min against three lower bounds, over a sweep of n, d and seeds.',
  header: {
    command: 'ntk run min-eigenvalue [--quick]',
    expectedTime: { quick: '4–22 s', full: '~1 min 40 s' },
  },
  uses: [],
  data: {
    what: 'inputs on the unit sphere (any labels; they are not used)',
    task: 'any',
    paper: 'points uniform on the sphere S^{d−1}',
    defaults: { normalize: ['sphere'] },
    check: unitRows,
    cap: (c) => Math.max(...c.params.ns),
  },
  params: paramsSchema,
  defaults: {
    seed: 0,
    params: { ns: [...FULL.ns], ds: [...FULL.ds], seeds: [...FULL.seeds], depth: 3 },
  },
  quick: { params: { ns: [25, 50, 100, 200], ds: [5, 50, 500], seeds: [0, 1] } },
  async run(ctxIn) {
    // user data: d is the data's, the sweep over n keeps the sizes the data have (subsamples seeded by each seed)
    const ud = ctxIn.userData;
    const rows = ud ? ud.ds.X.rows : 0;
    const ctx: Ctx = ud
      ? {
          ...ctxIn,
          config: {
            ...ctxIn.config,
            params: {
              ...ctxIn.config.params,
              ds: [ud.ds.X.cols],
              ns: nsFor(ctxIn.config.params.ns, rows),
            },
          },
        }
      : ctxIn;
    const p = ctx.config.params;
    const total = p.kernels.length * p.ns.length * p.ds.length * p.seeds.length;
    const units: Unit[] = [];
    let done = 0;
    ctx.progress(0, total, 'starting');
    for (const k of p.kernels) {
      for (const d of p.ds) {
        for (const n of p.ns) {
          for (const s of p.seeds) {
            const spec = ud ? specWith(ud.spec, { n, seed: s }) : `sphere:n=${n}:d=${d}:seed=${s}`;
            const ks = kernelSpec(k, p.depth);
            const raw = await ctx.cache.getOrCompute(['min-eigenvalue', 'unit-v1', spec, ks], () => {
              const X = loadDataset(spec).X;
              const b = lambdaMinBounds(X, ks);
              const out: JsonRecord = Object.fromEntries(UNIT_FIELDS.map((f) => [f, b[f]]));
              return out;
            });
            const r = asRecord(raw, 'min-eigenvalue');
            const u: Unit = {
              kernel: k,
              n,
              d,
              seed: s,
              ...(Object.fromEntries(UNIT_FIELDS.map((f) => [f, num(r[f])])) as Record<
                (typeof UNIT_FIELDS)[number],
                number
              >),
            };
            units.push(u);
            ctx.log.metric({
              kernel: k,
              n,
              d,
              seed: s,
              lambdaMin: u.lambdaMin,
              gershgorin: u.gershgorin,
              rhoBound: u.rhoBound,
              powerSeries: u.powerSeries,
            });
            ctx.progress(++done, total, `${k} n=${n} d=${d} seed=${s}`);
          }
        }
      }
    }
    report(ctx, units);
  },
});

function report(ctx: Ctx, units: Unit[]): void {
  const p = ctx.config.params;
  const violations = units.filter((u) => BOUNDS.some((b) => u[b] > u.lambdaMin * (1 + 1e-9) + 1e-12));
  ctx.addResult('units', { depth: p.depth, units });
  const groups = groupsOf(p, units);
  addSummary(ctx, groups, violations);
  boundsFigures(ctx, groups);
  ratioFigure(ctx, groups);
  boundsSection(ctx, units, groups, violations);
}

type Group = ReturnType<typeof groupsOf>[number];

/** Mean ± std over seeds per (kernel, d, n). */
function groupsOf(p: MinEigenvalueParams, units: Unit[]) {
  return p.kernels.flatMap((k) =>
    p.ds.flatMap((d) =>
      p.ns.map((n) => {
        const us = units.filter((u) => u.kernel === k && u.d === d && u.n === n);
        return {
          kernel: k,
          d,
          n,
          rho: pm(us.map((u) => u.rho)),
          lambdaMin: pm(us.map((u) => u.lambdaMin)),
          gershgorin: pm(us.map((u) => u.gershgorin)),
          rhoBound: pm(us.map((u) => u.rhoBound)),
          powerSeries: pm(us.map((u) => u.powerSeries)),
          ratio: pm(us.map((u) => u.powerSeries / u.lambdaMin)),
          positive: BOUNDS.map((b) => us.filter((u) => u[b] > 0).length),
          count: us.length,
        };
      }),
    ),
  );
}

function addSummary(ctx: Ctx, groups: Group[], violations: Unit[]): void {
  const p = ctx.config.params;
  ctx.addResult('summary', {
    depth: p.depth,
    violations: violations.length,
    groups: groups.map((g) => ({
      kernel: g.kernel,
      n: g.n,
      d: g.d,
      rho: g.rho.mu,
      lambdaMin: g.lambdaMin.mu,
      gershgorin: g.gershgorin.mu,
      rhoBound: g.rhoBound.mu,
      powerSeries: g.powerSeries.mu,
      powerSeriesOverLambdaMin: g.ratio.mu,
    })),
  });
}

/** λ_min and its lower bounds against n, one figure per kernel with a panel per d. */
function boundsFigures(ctx: Ctx, groups: Group[]): void {
  const p = ctx.config.params;
  for (const k of p.kernels) {
    const panels: PlotSpec[] = p.ds.map((d) => {
      const gs = groups.filter((g) => g.kernel === k && g.d === d);
      const x = gs.map((g) => g.n);
      const pos = (v: number): number | null => (v > 0 ? v : null);
      const marks: Mark[] = [
        { type: 'line', x, y: gs.map((g) => g.lambdaMin.mu), color: 6, width: 2.5, label: 'true λ_min' },
        { type: 'dot', x, y: gs.map((g) => g.lambdaMin.mu), color: 6, r: 3 },
        ...BOUNDS.map((b, j): Mark => ({
          type: 'line',
          x,
          y: gs.map((g) => pos(g[b].mu)),
          color: j,
          dash: true,
          label: BOUND_LABEL[b],
        })),
        ...BOUNDS.map((b, j): Mark => ({ type: 'dot', x, y: gs.map((g) => pos(g[b].mu)), color: j, r: 2.5 })),
      ];
      return {
        title: `d = ${d}`,
        x: { label: 'number of points n', type: 'log' },
        y: { label: 'λ_min and lower bounds', type: 'log' },
        marks,
      };
    });
    ctx.addFigure(
      `bounds-${k}`,
      {
        type: 'facets',
        title: `λ_min of the ${kernelLabel(k, p.depth)} Gram matrix and its lower bounds`,
        subtitle: `${dataLabel(ctx)}; mean over ${p.seeds.length} seeds; bounds ≤ 0 are trivial and not drawn (log scale)`,
        columns: Math.min(3, panels.length),
        panels,
      },
      'Solid: the exact smallest eigenvalue. Dashed: lower bounds; a missing dashed line means the bound is ≤ 0 (vacuous).',
    );
  }
}

/** Power-series bound / λ_min against n, every (kernel, d). */
function ratioFigure(ctx: Ctx, groups: Group[]): void {
  const p = ctx.config.params;
  const rmarks: Mark[] = [];
  p.kernels.forEach((k, ki) =>
    p.ds.forEach((d, di) => {
      const gs = groups.filter((g) => g.kernel === k && g.d === d);
      rmarks.push({
        type: 'line',
        x: gs.map((g) => g.n),
        y: gs.map((g) => g.ratio.mu),
        color: di,
        dash: ki === 1,
        label: `${k === 'hinf' ? 'H∞' : 'ReLU NTK'}, d = ${d}`,
      });
    }),
  );
  ctx.addFigure(
    'series-ratio',
    {
      title: 'Tightness of the power-series bound',
      subtitle: 'power-series bound / true λ_min (1 = tight, 0 = vacuous); solid H∞, dashed deep ReLU NTK',
      x: { label: 'number of points n', type: 'log' },
      y: { label: 'bound / λ_min', domain: [0, 1], percent: true },
      marks: rmarks,
    },
    'The fraction of λ_min that the power-series bound certifies.',
  );
}

/** How often λ_min fell with n (fixed kernel, d) and rose with d (fixed kernel, n) between consecutive sweep values. */
function lambdaTrends(p: MinEigenvalueParams, groups: Group[]) {
  let decN = 0;
  let pairsN = 0;
  let incD = 0;
  let pairsD = 0;
  for (const k of p.kernels) {
    const at = (d: number, n: number): number =>
      groups.find((g) => g.kernel === k && g.d === d && g.n === n)?.lambdaMin.mu ?? Number.NaN;
    const ns = [...p.ns].sort((a, b) => a - b);
    const ds = [...p.ds].sort((a, b) => a - b);
    for (const d of ds)
      for (let i = 1; i < ns.length; i++) {
        pairsN++;
        if (at(d, ns[i]) < at(d, ns[i - 1])) decN++;
      }
    for (const n of ns)
      for (let i = 1; i < ds.length; i++) {
        pairsD++;
        if (at(ds[i], n) > at(ds[i - 1], n)) incD++;
      }
  }
  return { decN, pairsN, incD, pairsD };
}

function boundsSection(ctx: Ctx, units: Unit[], groups: Group[], violations: Unit[]): void {
  const p = ctx.config.params;
  const table: ReportTable = {
    title: 'λ_min and lower bounds (mean over seeds)',
    columns: ['kernel', 'd', 'n', 'ρ = max|xᵢᵀxⱼ|', 'λ_min', 'Gershgorin', 'ρ-bound', 'power series', 'series / λ_min'],
    rows: groups.map((g) => [
      g.kernel,
      g.d,
      g.n,
      fmt(g.rho.mu, 3),
      fmt(g.lambdaMin.mu, 4),
      fmt(g.gershgorin.mu, 3),
      fmt(g.rhoBound.mu, 3),
      fmt(g.powerSeries.mu, 3),
      formatPercent(g.ratio.mu),
    ]),
    note: `Deep ReLU NTK: ${p.depth} hidden layers, σ_w² = 2, σ_b² = 0 (Bietti & Mairal's κ_NTK for depth 1). Negative bounds are vacuous.`,
  };
  const count = (b: (typeof BOUNDS)[number]): number => units.filter((u) => u[b] > 0).length;
  const { decN, pairsN, incD, pairsD } = lambdaTrends(p, groups);
  const texts = p.kernels.map((k) => {
    const gs = groups.filter((g) => g.kernel === k);
    const best = gs.reduce((a, g) => (g.ratio.mu > a.ratio.mu ? g : a));
    const worst = gs.reduce((a, g) => (g.ratio.mu < a.ratio.mu ? g : a));
    const lm = gs.map((g) => g.lambdaMin.mu);
    return (
      `${kernelLabel(k, p.depth)}: λ_min ranges from ${fmt(Math.min(...lm), 3)} to ${fmt(Math.max(...lm), 3)} over the sweep. ` +
      `The power-series bound certifies between ${formatPercent(worst.ratio.mu)} (n = ${worst.n}, d = ${worst.d}, ρ = ${fmt(worst.rho.mu, 3)}) ` +
      `and ${formatPercent(best.ratio.mu)} (n = ${best.n}, d = ${best.d}) of it.`
    );
  });
  ctx.addSection({
    title: 'Smallest eigenvalue and its lower bounds',
    text:
      `Over ${units.length} Gram matrices (${p.kernels.length} kernels × ${p.ns.length} values of n × ${p.ds.length} of d × ${p.seeds.length} seeds), ` +
      (violations.length === 0
        ? 'every bound was below the exact λ_min, as it must be. '
        : `${violations.length} bound values EXCEEDED the exact λ_min — a bug or a numerical problem that needs investigating. `) +
      `The bound is positive (non-vacuous) in ${count('gershgorin')} units for Gershgorin, ${count('rhoBound')} for the ρ-bound and ${count('powerSeries')} for the power series. ` +
      'Gershgorin and the ρ-bound need the off-diagonal mass to be smaller than the diagonal, which fails as soon as n is large relative to d (ρ grows towards 1); the power series only needs high Hadamard powers ρ^r to become small, so it stays positive.\n\n' +
      texts.join('\n\n') +
      `\n\nλ_min decreased with n (at fixed kernel, d) in ${decN} of ${pairsN} consecutive pairs and increased with d (at fixed kernel, n) in ${incD} of ${pairsD}` +
      (decN >= 0.8 * pairsN
        ? ': points crowd together when n grows in a fixed dimension, which is why convergence rates that depend on λ₀ = λ_min(H∞) degrade with n.'
        : '; the decrease with n is not systematic at these sizes (seed noise is comparable to the trend).'),
    figures: [...p.kernels.map((k) => `bounds-${k}`), 'series-ratio'],
    tables: [table],
  });
  paperVsHere(ctx, units, groups, violations, decN, pairsN);
}

function paperVsHere(ctx: Ctx, units: Unit[], groups: Group[], violations: Unit[], decN: number, pairsN: number): void {
  const p = ctx.config.params;
  const pos = units.filter((u) => u.lambdaMin > 0).length;
  const minL = Math.min(...units.map((u) => u.lambdaMin));
  const psOnly = units.filter((u) => u.powerSeries > 0 && u.gershgorin <= 0 && u.rhoBound <= 0).length;
  const psPos = units.filter((u) => u.powerSeries > 0).length;
  const gPos = units.filter((u) => u.gershgorin > 0 || u.rhoBound > 0).length;
  const best = groups.reduce((a, g) => (g.ratio.mu > a.ratio.mu ? g : a));
  // what this run is, and how far a quick run is from the full one (on user data: the sizes its rows allow)
  const ud = ctx.userData;
  const nMax = Math.max(...p.ns);
  const fullMax = Math.max(...(ud ? nsFor(FULL.ns, ud.ds.X.rows) : FULL.ns));
  const gaps =
    nMax < fullMax
      ? [`n up to ${nMax} vs ${fullMax} in this preset’s full run`]
      : p.seeds.length < FULL.seeds.length
        ? [`${p.seeds.length} seeds vs ${FULL.seeds.length} in this preset’s full run (the same n)`]
        : [];
  ctx.setPaperVsHere({
    reference:
      'Du, Zhai, Póczos & Singh, ICLR 2019 (Thm 3.1: λ₀ = λ_min(H∞) > 0 when no two inputs are parallel); Nguyen, Mondelli & Montúfar, “Tight Bounds on the Smallest Eigenvalue of the Neural Tangent Kernel for Deep ReLU Networks”, ICML 2021; Oymak & Soltanolkotabi, IEEE JSAIT 2020 (Hermite/power-series bounds).',
    setting: settingLine(
      ctx.quick,
      `${dataLabel(ctx)}, n ∈ {${p.ns.join(', ')}}, d ∈ {${p.ds.join(', ')}}, ${p.seeds.length} seeds, ${units.length} Gram matrices`,
      'asymptotic, high-probability statements as n and d grow (Nguyen et al.: λ_min of order d under polynomial conditions relating n and d); no table of values to compare with',
      ctx.quick ? gaps : [],
    ),
    lookFor:
      'no bound above λ_min; Gershgorin and the ρ-bound vacuous except for tiny n in high d; the power-series bound positive and within a factor ~2–5 when ρ is small, tending to 0 as ρ → 1 (d = 5).',
    claims: [
      claim({
        claim: 'λ_min of the NTK Gram matrix is positive',
        paper: 'Du et al. 2019, Thm 3.1: λ₀ > 0 for inputs with no two parallel',
        here: `λ_min > 0 in ${pos} of ${units.length} Gram matrices (smallest ${fmt(minL, 3)})`,
        verdict: verdict(pos === units.length, pos < units.length),
        why: 'every Gram matrix positive definite → reproduced',
      }),
      claim({
        claim: 'The lower bounds hold',
        paper: 'Gershgorin, the ρ-bound and the power-series bound are theorems (lower bounds on λ_min)',
        here: `${violations.length} bound values above the exact λ_min`,
        verdict: violations.length === 0 ? 'reproduced' : 'not reproduced',
        why: 'no violation → reproduced; any violation is a bug or a numerical problem',
      }),
      claim({
        claim: 'The power-series bound stays positive where diagonal-dominance bounds fail',
        paper: 'Nguyen et al. 2021; Oymak & Soltanolkotabi 2020: Hermite expansion gives non-vacuous bounds for n ≫ d',
        here: `power series positive in ${psPos} of ${units.length} units, Gershgorin or ρ-bound in ${gPos}; only the power series in ${psOnly}`,
        verdict: verdict(psPos > gPos && psOnly > 0, psPos <= gPos),
        why: 'positive in more units than the others → reproduced; not more → not reproduced',
      }),
      claim({
        claim: 'Tight up to a constant factor when ρ is small',
        paper: 'Nguyen et al. 2021: λ_min matches the bound up to constants (Θ(d) scaling)',
        here: `best certified share ${formatPercent(best.ratio.mu)} of λ_min (${best.kernel}, n = ${best.n}, d = ${best.d}, ρ = ${fmt(best.rho.mu, 3)})`,
        verdict: verdict(best.ratio.mu >= 0.2, best.ratio.mu < 0.05),
        why: '≥ 20% (within 5×) → reproduced; < 5% → not reproduced; between: inconclusive',
      }),
      claim({
        claim: 'λ_min falls as n grows at fixed d',
        paper: 'Du et al. 2019; Nguyen et al. 2021: λ₀ shrinks as points crowd on the sphere',
        here: `decreased in ${decN} of ${pairsN} consecutive (n, n′) pairs`,
        verdict: verdict(decN >= 0.8 * pairsN, decN <= 0.5 * pairsN),
        why: '≥ 80% of pairs → reproduced; ≤ 50% → not reproduced',
      }),
    ],
  });
}
