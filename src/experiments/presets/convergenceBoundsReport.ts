/**
 * `convergence-bounds`' report: per-model summaries, the loss-vs-bounds, residual-alignment and projection figures
 * and their section, then the tightness of every bound of boundsUtils with γ_t and the paper-vs-here verdicts. The
 * preset itself (schema, units, training): convergenceBounds.ts.
 */
import type { Mark, PlotSpec } from '../../report/figure.js';
import { meanStd } from '../../report/figure.js';
import type { ReportClaim, ReportTable, Verdict } from '../../report/html.js';
import type { RunContext } from '../preset.js';
import { BOUND_KEYS, BOUND_LABELS, type BoundKey, ratio, ratioRange } from './boundsUtils.js';
import type { ConvergenceBoundsParams, Record_, Unit } from './convergenceBounds.js';
import { fmt, type JsonRecord, pm } from './presetUtils.js';
import { claim, settingLine, verdict } from './claims.js';

type Ctx = RunContext<ConvergenceBoundsParams>;

export function report(ctx: Ctx, allUnits: Unit[]): void {
  const p = ctx.config.params;
  const units = allUnits.filter((u) => u.labels === 'true');
  const randomUnits = allUnits.filter((u) => u.labels === 'random');
  const names = p.models.map((m) => m.name);
  const summary = summarize(units, names);
  addResults(ctx, summary, allUnits);
  lossFigures(ctx, units, names);
  projectionFigures(ctx, units, names);
  lossSection(ctx, summary, names);
  tightnessReport(ctx, units, randomUnits, names);
}

type Summary = ReturnType<typeof summarize>;

/** Per model, over its true-label seeds: final losses and bounds, whether the bounds held, residual alignment. */
function summarize(units: Unit[], names: string[]) {
  return names.map((name) => {
    const us = units.filter((u) => u.model === name);
    const lastOf = (u: Unit): Record_ => u.records[u.records.length - 1];
    const classicalAbove = us.every((u) => u.records.every((r) => r.classical >= r.loss * (1 - 1e-9)));
    const alignmentAbove = us.every((u) => u.records.every((r) => r.alignment >= r.loss * (1 - 1e-9)));
    const relGap = us.map((u) => {
      const l = lastOf(u);
      return Math.abs(l.loss - l.exact) / Math.max(l.exact, 1e-300);
    });
    const align0 = us.map((u) => u.records[0].residualAlignment);
    const alignEnd = us.map((u) => lastOf(u).residualAlignment);
    return {
      name,
      eta: pm(us.map((u) => u.eta)),
      lambdaMax: pm(us.map((u) => u.lambdaMax)),
      lambdaMin: pm(us.map((u) => u.lambdaMin)),
      gamma: pm(us.map((u) => u.gamma)),
      loss0: pm(us.map((u) => u.records[0].loss)),
      lossEnd: pm(us.map((u) => lastOf(u).loss)),
      exactEnd: pm(us.map((u) => lastOf(u).exact)),
      classicalEnd: pm(us.map((u) => lastOf(u).classical)),
      alignmentEnd: pm(us.map((u) => lastOf(u).alignment)),
      linEnd: pm(us.map((u) => lastOf(u).linLoss)),
      relGap: pm(relGap),
      align0: pm(align0),
      alignEnd: pm(alignEnd),
      classicalAbove,
      alignmentAbove,
      classicalValid: us.every((u) => u.classicalValid),
    };
  });
}

function addResults(ctx: Ctx, summary: Summary, allUnits: Unit[]): void {
  const p = ctx.config.params;
  ctx.addResult('summary', {
    data: p.data,
    steps: p.steps,
    lrFraction: p.lrFraction,
    models: summary.map((s) => ({
      name: s.name,
      eta: s.eta.mu,
      lambdaMax: s.lambdaMax.mu,
      lambdaMin: s.lambdaMin.mu,
      gamma: s.gamma.mu,
      initialLoss: s.loss0.mu,
      finalLoss: s.lossEnd.mu,
      finalExactLinearized: s.exactEnd.mu,
      finalClassicalBound: s.classicalEnd.mu,
      finalAlignmentBound: s.alignmentEnd.mu,
      finalLinearizedModelLoss: s.linEnd.mu,
      relativeGapToLinearized: s.relGap.mu,
      classicalBoundAboveLossEverywhere: s.classicalAbove,
      alignmentBoundAboveLossEverywhere: s.alignmentAbove,
      residualAlignmentStart: s.align0.mu,
      residualAlignmentEnd: s.alignEnd.mu,
    })),
  });
  ctx.addResult('curves', {
    units: allUnits.map((u) => ({ model: u.model, seed: u.seed, labels: u.labels, eta: u.eta, records: u.records })),
  });
}

/** Mean line (and ± std band with several seeds) of one recorded quantity over seeds. */
function band(us: Unit[], f: (r: Record_) => number, color: number, label: string, dash = false): Mark[] {
  const st = meanStd(us.map((u) => u.records.map(f)));
  const x = us[0].records.map((r) => r.step);
  const out: Mark[] = [];
  if (us.length > 1) out.push({ type: 'band', x, y1: st.lo.map((v) => Math.max(v, 1e-300)), y2: st.hi, color });
  out.push({ type: 'line', x, y: st.mean, color, dash, label });
  return out;
}

/** The loss-vs-bounds and residual-alignment facets (one panel per model). */
function lossFigures(ctx: Ctx, units: Unit[], names: string[]): void {
  const p = ctx.config.params;
  const panels: PlotSpec[] = names.map((name) => {
    const us = units.filter((u) => u.model === name);
    return {
      title: name,
      x: { label: 'GD step k' },
      y: { label: 'training loss ½‖f_k − y‖²', type: 'log' },
      marks: [
        ...band(us, (r) => r.classical, 3, 'classical (1 − ηλ_min)²ᵏ·L₀', true),
        ...band(us, (r) => r.alignment, 2, 'alignment bound (γ, C from r₀)', true),
        ...band(us, (r) => r.b.piecewise, 4, `piecewise envelope (${p.bands} bands)`, true),
        ...band(us, (r) => r.b.banded, 5, 'banded bound', true),
        ...band(us, (r) => r.b.restart, 7, 'residual alignment (re-fit on r_k)', true),
        ...band(us, (r) => r.exact, 1, 'exact linearized Σ(1 − ηλᵢ)²ᵏ(vᵢᵀr₀)²/2'),
        ...band(us, (r) => r.loss, 0, 'real network'),
      ],
    };
  });
  ctx.addFigure(
    'loss-vs-bounds',
    {
      type: 'facets',
      title: 'Real training loss against NTK-based bounds',
      subtitle: `${p.data}; full-batch GD, η = ${p.lrFraction}·2/λ_max(Θ₀); mean ± std over ${p.seeds.length} seeds`,
      columns: Math.min(2, panels.length),
      panels,
    },
    'Curves from the empirical NTK at initialization Θ₀; the real network is trained with the same η.',
  );
  const apanels: PlotSpec[] = names.map((name) => {
    const us = units.filter((u) => u.model === name);
    return {
      title: name,
      x: { label: 'GD step k' },
      y: { label: 'rᵀΘ₀r / (λ_max‖r‖²)', domain: [0, 1] },
      marks: band(us, (r) => r.residualAlignment, 0, 'residual–NTK alignment'),
    };
  });
  ctx.addFigure(
    'residual-alignment',
    {
      type: 'facets',
      title: 'Alignment of the residual r = f − y with Θ₀ during training',
      subtitle: '1: r in the top eigenvector; it falls as the top directions are fitted first',
      columns: Math.min(2, apanels.length),
      panels: apanels,
    },
    'The residual leaves the large-eigenvalue directions first, so its alignment with Θ₀ decreases.',
  );
}

/** Heatmap of the residual projections on Θ₀'s top eigenvectors over training, first seed of each model. */
function projectionFigures(ctx: Ctx, units: Unit[], names: string[]): void {
  const p = ctx.config.params;
  names.forEach((name) => {
    const u = units.find((v) => v.model === name);
    if (!u) return;
    const kp = Math.min(...u.records.map((r) => r.projections.length));
    if (kp < 1) return;
    const values: number[] = [];
    for (const r of u.records) for (let i = 0; i < kp; i++) values.push(Math.log10(Math.max(r.projections[i], 1e-16)));
    ctx.addFigure(
      `projections-${name}`,
      {
        title: `${name}: residual projections on the top ${kp} eigenvectors of Θ₀`,
        subtitle: `seed ${u.seed}; row = recorded step k (top: k = 0, ${p.steps} steps), column = eigenvector i (descending λᵢ)`,
        width: 560,
        height: 440,
        x: { label: 'eigenvector index i' },
        y: { label: `training step k (${u.records.length} log-spaced records)` },
        marks: [
          {
            type: 'heatmap',
            rows: u.records.length,
            cols: kp,
            values,
            rowValues: u.records.map((r) => r.step),
            colValues: Array.from({ length: kp }, (_, i) => i + 1),
            scheme: 'viridis',
            label: 'log₁₀ (vᵢᵀr)²/‖r‖²',
          },
        ],
      },
      'Large-eigenvalue directions (left) are fitted first: their share of the residual drops.',
    );
  });
}

function lossSection(ctx: Ctx, summary: Summary, names: string[]): void {
  const p = ctx.config.params;

  const table: ReportTable = {
    title: 'Final losses and bounds',
    columns: [
      'model',
      'η',
      'λ_max(Θ₀)',
      'λ_min(Θ₀)',
      'γ (r₀)',
      'L₀',
      `real L(${p.steps})`,
      'exact linearized',
      'linearized model',
      'alignment bound',
      'classical bound',
      'classical ≥ real at every step',
    ],
    rows: summary.map((s) => [
      s.name,
      fmt(s.eta.mu, 3),
      s.lambdaMax.text,
      s.lambdaMin.text,
      s.gamma.text,
      s.loss0.text,
      s.lossEnd.text,
      s.exactEnd.text,
      s.linEnd.text,
      s.alignmentEnd.text,
      s.classicalEnd.text,
      s.classicalAbove ? 'yes' : 'NO',
    ]),
    note: `Loss ½‖f − y‖² (sum normalization); mean ± std over seeds ${p.seeds.join(', ')}.`,
  };
  const texts = summary.map(
    (s) =>
      `${s.name}: after ${p.steps} steps the real loss is ${s.lossEnd.text} (from ${s.loss0.text}); the exact linearized prediction is ${s.exactEnd.text} ` +
      `(relative gap ${fmt(100 * s.relGap.mu, 3)}%), the alignment bound ${s.alignmentEnd.text} and the classical bound ${s.classicalEnd.text}. ` +
      (s.classicalAbove
        ? `The classical bound stays above the real loss at every recorded step, but it is loose: λ_min(Θ₀) = ${s.lambdaMin.text} is tiny next to λ_max = ${s.lambdaMax.text}, so (1 − ηλ_min)^{2k} barely moves. `
        : 'The classical bound falls BELOW the real loss at some recorded step: the network is not in the regime the bound assumes (finite width, Θ changing). ') +
      (s.alignmentAbove
        ? 'The alignment bound is above the real loss throughout and much closer to it. '
        : 'The alignment bound (an upper bound for the linearized model by construction) is crossed by the real loss at some step: the real network deviates from its linearization. ') +
      `The residual–NTK alignment falls from ${s.align0.text} to ${s.alignEnd.text}: the residual moves from the top eigen-directions into the slow ones.`,
  );
  ctx.addSection({
    title: 'Real loss against the bounds',
    text:
      'All three curves are computed from the empirical NTK Θ₀ at initialization and the initial residual r₀ = f₀ − y; the real network is trained by full-batch GD with the same step size. ' +
      'The exact linearized curve is what an infinitely wide network would do; the gap between it and the real loss measures how far the finite network is from the kernel regime.\n\n' +
      texts.join('\n\n'),
    figures: ['loss-vs-bounds', 'residual-alignment', ...names.map((n) => `projections-${n}`)],
    tables: [table],
  });
}

const ALL_KEYS: readonly (BoundKey | 'exact')[] = ['exact', ...BOUND_KEYS];

const BOUND_COLOR: Record<BoundKey | 'exact', number> = {
  exact: 1,
  classical: 3,
  alignment: 2,
  piecewise: 4,
  bandMass: 6,
  banded: 5,
  restart: 7,
  driftCorrected: 8,
};

/** Tightness ratios of every bound, γ_t (true vs random labels), their figures, table and the paper-vs-here verdict. */
function tightnessReport(ctx: Ctx, units: Unit[], randomUnits: Unit[], names: string[]): void {
  const perModel = tightnessOf(units, randomUnits, names);
  tightnessFigures(ctx, perModel, names);
  const table = tightnessTable(ctx, perModel, units);
  tightnessSection(ctx, perModel, table, verdicts(ctx, perModel));
  tightnessResult(ctx, perModel);
}

type ModelTightness = ReturnType<typeof tightnessOf>[number];

/** Per model: range, final value and failures of every bound's ratio bound/real loss; γ₀, γ_t; the envelope's worst direction. */
function tightnessOf(units: Unit[], randomUnits: Unit[], names: string[]) {
  return names.map((name) => {
    const us = units.filter((u) => u.model === name);
    const bounds = ALL_KEYS.map((key) => {
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      const finals: number[] = [];
      let below = 0;
      let count = 0;
      for (const u of us) {
        const pts = u.records.map((r) => r.b);
        const rr = ratioRange(pts, key);
        min = Math.min(min, rr.min);
        max = Math.max(max, rr.max);
        finals.push(ratio(pts[pts.length - 1], key));
        for (const pt of pts) {
          const v = ratio(pt, key);
          if (!Number.isFinite(v)) continue;
          count++;
          if (v < 1 - 1e-9) below++;
        }
      }
      return { key, min, max, final: pm(finals), below, count };
    });
    const rnd = randomUnits.find((u) => u.model === name) ?? null;
    const g0 = us.map((u) => u.records[0].b);
    const drift = us.map((u) => u.records[u.records.length - 1].b);
    return {
      name,
      us,
      bounds,
      rnd,
      gamma0: pm(g0.map((b) => b.gamma)),
      gamma0Lo: Math.min(...g0.map((b) => b.gammaLo)),
      gamma0Hi: Math.max(...g0.map((b) => b.gammaHi)),
      gammaEnd: pm(drift.map((b) => b.gamma)),
      worst: us.map(
        (u) => `i = ${u.worstIndex} (λ = ${fmt(u.worstLambda, 3)}, ${fmt(u.envelopeExcess, 3)}× the fitted law)`,
      ),
      excess: pm(us.map((u) => u.envelopeExcess)),
      driftMonotone: us.every((u) => u.driftMonotone),
    };
  });
}

function tightnessFigures(ctx: Ctx, perModel: ModelTightness[], names: string[]): void {
  const p = ctx.config.params;
  const meanOf = (us: Unit[], f: (r: Record_) => number): number[] =>
    us[0].records.map((_, j) => us.reduce((a, u) => a + f(u.records[j]), 0) / us.length);
  ctx.addFigure(
    'tightness',
    {
      type: 'facets',
      title: 'Tightness of every bound along the trajectory: bound / real loss',
      subtitle: `${p.data}; mean over ${p.seeds.length} seeds; 1 = the real loss, dashed: 3×; below 1 the bound fails for the real network`,
      columns: Math.min(2, names.length),
      panels: perModel.map((m): PlotSpec => ({
        title: m.name,
        x: { label: 'GD step k (0 left out)', type: 'log' },
        y: { label: 'bound / real loss', type: 'log' },
        marks: [
          { type: 'rule', y: 1, color: 0 },
          { type: 'rule', y: 3, color: 0, dash: true },
          ...ALL_KEYS.filter((k) => k !== 'classical').map((k): Mark => ({
            type: 'line',
            x: m.us[0].records.slice(1).map((r) => r.step),
            y: meanOf(m.us, (r) => ratio(r.b, k)).slice(1),
            color: BOUND_COLOR[k],
            dash: k === 'exact',
            label: BOUND_LABELS[k],
          })),
        ],
      })),
    },
    'Ratios above 1 are valid bounds of the real loss at that step; the classical bound is left out (its ratio reaches the table’s values).',
  );
  ctx.addFigure(
    'gamma-t',
    {
      type: 'facets',
      title: 'Residual–NTK alignment exponent γ_t: (vᵢᵀr_k)²/‖r_k‖² ≈ C·λᵢ^γ_t on Θ₀’s eigenvectors',
      subtitle: `least-squares slope with its 95% interval (seed ${p.seeds[0]}); true labels against randomly permuted labels`,
      columns: Math.min(2, names.length),
      panels: perModel.map((m): PlotSpec => {
        const u = m.us[0];
        const x = u.records.map((r) => Math.max(r.step, 0.5));
        const marks: Mark[] = [
          { type: 'rule', y: 0, color: 0, dash: true },
          { type: 'band', x, y1: u.records.map((r) => r.b.gammaLo), y2: u.records.map((r) => r.b.gammaHi), color: 0 },
          { type: 'line', x, y: u.records.map((r) => r.b.gamma), color: 0, label: 'true labels' },
        ];
        if (m.rnd) {
          const xr = m.rnd.records.map((r) => Math.max(r.step, 0.5));
          marks.push(
            {
              type: 'band',
              x: xr,
              y1: m.rnd.records.map((r) => r.b.gammaLo),
              y2: m.rnd.records.map((r) => r.b.gammaHi),
              color: 1,
            },
            { type: 'line', x: xr, y: m.rnd.records.map((r) => r.b.gamma), color: 1, label: 'random labels' },
          );
        }
        return { title: m.name, x: { label: 'GD step k (0 drawn at ½)', type: 'log' }, y: { label: 'γ_t' }, marks };
      }),
    },
    'γ_t > 0: the residual still sits in the large-eigenvalue directions; it falls as those are fitted first.',
  );
}

function tightnessTable(ctx: Ctx, perModel: ModelTightness[], units: Unit[]): ReportTable {
  const p = ctx.config.params;
  return {
    title: 'Tightness ratio bound / real loss over the recorded trajectory',
    columns: ['model', 'bound', 'min', 'max', `at k = ${p.steps}`, 'steps below the real loss'],
    rows: perModel.flatMap((m) =>
      m.bounds.map((b) => [
        m.name,
        BOUND_LABELS[b.key],
        fmt(b.min, 3),
        fmt(b.max, 3),
        b.final.text,
        `${b.below} of ${b.count}`,
      ]),
    ),
    note:
      `Over ${p.seeds.length} seeds × ${units[0]?.records.length ?? 0} recorded steps; bands = ${p.bands} log-spaced bands of λ(Θ₀). ` +
      'The restart bound starts from the measured residual of the previous record; the drift correction adds a·Σ‖Θ_t − Θ₀‖_F‖r_t‖.',
  };
}

/** Claims with verdicts computed from the numbers: four per model. */
function verdicts(ctx: Ctx, perModel: ModelTightness[]): ReportClaim[] {
  const p = ctx.config.params;
  const get = (m: ModelTightness, k: BoundKey | 'exact') =>
    m.bounds.find((b) => b.key === k) as (typeof m.bounds)[number];
  const out: ReportClaim[] = [];
  for (const m of perModel) {
    const ex = get(m, 'exact');
    const gap = Math.max(Math.abs(ex.max - 1), Math.abs(ex.min - 1));
    out.push(
      claim({
        claim: `${m.name}: the real loss follows the linearized dynamics`,
        paper:
          'Thm 4.1 (Arora et al. 2019; Du et al. 2019): for wide nets $\\|y - u(k)\\| \\approx \\sqrt{\\sum_i (1-\\eta\\lambda_i)^{2k} (v_i^\\top y)^2}$',
        here: `exact linearized / real loss within [${fmt(ex.min, 3)}, ${fmt(ex.max, 3)}] over the trajectory`,
        verdict: verdict(gap <= 0.25, gap > 1),
        why:
          gap <= 0.25
            ? 'within 25% at every recorded step'
            : gap <= 1
              ? 'within 2× but not 25%: the network drifts from Θ₀'
              : 'off by more than 2×: the finite network leaves the kernel regime',
      }),
    );
    const cl = get(m, 'classical');
    const bd = get(m, 'banded');
    out.push(
      claim({
        claim: `${m.name}: the full-spectrum bound is far below the classical λ_min bound`,
        paper:
          'Du et al. 2019: $(1-\\eta\\lambda_{\\min})^{2k} L_0$; Arora et al. 2019 §4: the spectrum-wide bound explains fast training',
        here: `at k = ${p.steps}: classical/real ${cl.final.text}, banded/real ${bd.final.text} (${fmt(cl.final.mu / bd.final.mu, 3)}× lower)`,
        verdict: verdict(cl.final.mu > 10 * bd.final.mu, cl.final.mu <= bd.final.mu),
        why: '> 10× lower → reproduced; lower by less than 10× → inconclusive; not lower → not reproduced',
      }),
    );
    const within = (['alignment', 'piecewise', 'bandMass', 'banded', 'restart'] as const).filter((k) => {
      const b = get(m, k);
      return b.max <= 3 && b.below === 0;
    });
    const valid = (['alignment', 'piecewise', 'bandMass', 'banded', 'restart', 'driftCorrected'] as const).filter(
      (k) => get(m, k).below === 0,
    );
    out.push(
      claim({
        claim: `${m.name}: a bound within 3× of the real loss over the whole trajectory`,
        paper:
          'Arora et al. 2019 §4 / Fig. 1: the alignment-based quantity closely tracks the training loss (issue #20’s target: 3×)',
        here:
          `single envelope max ${fmt(get(m, 'alignment').max, 3)}× (C set by direction ${m.worst[0]}), piecewise ${fmt(get(m, 'piecewise').max, 3)}×, banded ${fmt(bd.max, 3)}×, restart ${fmt(get(m, 'restart').max, 3)}×; ` +
          `valid at every step: ${valid.length ? valid.map((k) => BOUND_LABELS[k]).join(', ') : 'none'}`,
        verdict: within.length ? 'reproduced' : 'not reproduced',
        why: within.length
          ? `within 3× and never below the real loss: ${within.map((k) => BOUND_LABELS[k]).join(', ')}`
          : valid.length
            ? 'the valid bounds are looser than 3×'
            : 'no linearized bound holds at every step: the real loss rises above the exact linearized curve (the kernel drifts)',
      }),
    );
    const rg = m.rnd ? m.rnd.records[0].b : null;
    const g = gammaVerdict(m.gamma0Lo, rg);
    out.push(
      claim({
        claim: `${m.name}: true labels give γ > 0, random labels γ ≈ 0`,
        paper: 'Arora et al. 2019 Fig. 1: the labels’ projections grow with λᵢ for true labels, not for random ones',
        here:
          `γ₀ = ${m.gamma0.text} (95% interval within [${fmt(m.gamma0Lo, 3)}, ${fmt(m.gamma0Hi, 3)}])` +
          (rg ? `, random labels ${fmt(rg.gamma, 3)} [${fmt(rg.gammaLo, 3)}, ${fmt(rg.gammaHi, 3)}]` : '') +
          `; γ_t at k = ${p.steps}: ${m.gammaEnd.text}`,
        verdict: g.verdict,
        why:
          g.why +
          (m.gammaEnd.mu < 0
            ? '; along training γ_t falls below 0: the remaining residual lives in the small-eigenvalue directions'
            : ''),
      }),
    );
  }
  return out;
}

/**
 * The exponent claim at k = 0: true labels γ > 0 (interval above 0) and random labels γ ≈ 0 (interval containing 0);
 * true labels aligned but random labels' interval excluding 0 is inconclusive, not reproduced.
 */
function gammaVerdict(
  trueLo: number,
  rg: { gammaLo: number; gammaHi: number } | null,
): { verdict: Verdict; why: string } {
  if (!(trueLo > 0)) return { verdict: 'not reproduced', why: 'the true labels’ γ interval is not above 0' };
  if (!rg || (rg.gammaLo <= 0 && rg.gammaHi >= 0))
    return { verdict: 'reproduced', why: 'at k = 0: true interval above 0, random interval contains 0' };
  return {
    verdict: 'inconclusive',
    why: 'true labels aligned, but the random labels’ γ interval excludes 0 at this size',
  };
}

function tightnessSection(ctx: Ctx, perModel: ModelTightness[], table: ReportTable, claims: ReportClaim[]): void {
  const p = ctx.config.params;
  ctx.addSection({
    title: 'Tighter full-spectrum bounds and residual alignment',
    text:
      'Every bound is ‖r_k‖²/‖r₀‖² ≤ Σ (weights)·φᵢ(k) with $\\varphi_i(k) = (1-\\eta\\lambda_i)^{2k}$ and $p_i = (v_i^\\top r_0)^2/\\|r_0\\|^2$ on Θ₀’s eigenvectors (src/analysis/bounds.ts, docs/analysis.md): ' +
      'the single envelope replaces every $p_i$ by $C\\lambda_i^{\\gamma}$ with $C = \\max_i p_i/\\lambda_i^{\\gamma}$, so one direction far above the fitted law inflates the whole bound; ' +
      `the piecewise envelope takes the maximum per band (${p.bands} log-spaced bands of λ); the band mass keeps Σ_B pᵢ and the slowest φ of the band; banded takes the smaller of the two per band; ` +
      'the residual-alignment (restart) bound re-fits the projections of the measured residual r_k at each record and bounds the loss at the next; the drift correction adds the measured kernel movement a·Σ‖Θ_t − Θ₀‖‖r_t‖ and is the only one that covers the real (not linearized) network. ' +
      `Why the single envelope is loose: at k = 0 it equals $C\\sum_i \\lambda_i^{\\gamma} \\ge 1$, and its C is set by ${perModel.map((m) => `${m.name}: ${m.worst.join('; ')}`).join(' — ')}. ` +
      'Projections fluctuate like χ² variables around the fitted law, so the largest of many is several times the typical one; bands limit how far one outlier reaches. The verdicts are in “Paper versus here” at the top.',
    figures: ['tightness', 'gamma-t'],
    tables: [table],
  });
  ctx.setPaperVsHere({
    reference:
      'Du, Zhai, Póczos & Singh, “Gradient Descent Provably Optimizes Over-parameterized Neural Networks”, ICLR 2019; Arora, Du, Hu, Li & Wang, “Fine-Grained Analysis…”, ICML 2019 (Thm 4.1, §4, Fig. 1).',
    setting: settingLine(
      ctx.quick,
      `${p.data}, ${p.steps} steps, ${p.seeds.length} seeds, the MLP and CNN as configured`,
      'two-layer ReLU nets of width up to 10⁴ on two-class MNIST/CIFAR-10, trained for thousands of steps',
      ctx.quick ? [`${p.steps} steps vs 1000 in this preset's full run`, 'widths far below the theorem’s'] : [],
    ),
    lookFor:
      'the classical bound above the real loss but nearly flat (λ_min ≪ λ_max); the real loss close to the exact linearized curve for the wide MLP; residual alignment falling; the banded and restart ratios near 1 in the tightness figure.',
    claims,
  });
}

function tightnessResult(ctx: Ctx, perModel: ModelTightness[]): void {
  const p = ctx.config.params;
  const out: JsonRecord = {
    bands: p.bands,
    models: perModel.map((m) => ({
      name: m.name,
      envelopeExcess: m.excess.mu,
      driftMonotone: m.driftMonotone,
      gamma0: m.gamma0.mu,
      gamma0Lo: m.gamma0Lo,
      gamma0Hi: m.gamma0Hi,
      gammaEnd: m.gammaEnd.mu,
      randomGamma0: m.rnd ? m.rnd.records[0].b.gamma : null,
      randomGamma0Lo: m.rnd ? m.rnd.records[0].b.gammaLo : null,
      randomGamma0Hi: m.rnd ? m.rnd.records[0].b.gammaHi : null,
      bounds: m.bounds.map((b) => ({
        key: b.key,
        minRatio: b.min,
        maxRatio: b.max,
        finalRatio: b.final.mu,
        stepsBelowReal: b.below,
        steps: b.count,
      })),
    })),
  };
  ctx.addResult('tightness', out);
}
