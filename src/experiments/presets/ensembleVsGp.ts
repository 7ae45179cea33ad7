/**
 * `ensemble-vs-gp`: the mean and variance of an ensemble of independently initialized, GD-trained finite networks
 * against the NTK-GP prediction (and the NNGP posterior).
 *
 * Reproduces (qualitatively) Lee et al. (NeurIPS 2019), "Wide neural networks of any depth evolve as linear models
 * under gradient descent", §2.3–2.4 / Fig. 3 (and Novak et al. 2020, neural-tangents): the outputs of an ensemble of
 * wide networks trained by GD on MSE are Gaussian with mean Θ_*Θ⁻¹(I − e^{−ηΘt})y and covariance given by the
 * NTK-GP formula (`ntkGpPosterior`); the NNGP posterior is the Bayesian answer, which the NTK-GP does not equal. Data:
 * a 1-D regression on the unit circle, x = (cos φ, sin φ), y = sin(2φ) + cos(3φ)/2 at n random angles; test points on a
 * grid of φ. Several widths; the ensemble-vs-GP discrepancy should shrink as width grows.
 *
 * Command: `ntk run ensemble-vs-gp [--quick]`.
 */
import { ntkGpPosterior, nngpPosterior } from '../../analysis/index.js';
import { kernelFn } from '../../analytic/index.js';
import { eigh, eigvalsh, Matrix } from '../../linalg/index.js';
import type { Mark, PlotSpec } from '../../report/figure.js';
import type { ReportTable } from '../../report/html.js';
import { train } from '../../train/trainer.js';
import { definePreset, type RunContext } from '../preset.js';
import { array, type Infer, integer, number, object, withDefault } from '../schema.js';
import { claim, settingLine, verdict } from './claims.js';
import { asRecord, fmt, type JsonRecord, num, nums, splitRows } from './presetUtils.js';
import type { Dataset } from '../../data/types.js';

const paramsSchema = object({
  n: integer({ min: 2, max: 1000 }),
  nTest: integer({ min: 2, max: 2000 }),
  widths: array(integer({ min: 1, max: 100_000 }), { minLength: 1, unique: true }),
  /** Ensemble size (initialization seeds 0..members−1). */
  members: integer({ min: 2, max: 1000 }),
  steps: integer({ min: 1 }),
  /** η = lrFraction · 2/λ_max(Θ∞) (the same η for every member and for the NTK-GP). */
  lrFraction: withDefault(number({ min: 0, max: 1, exclusiveMin: true }), 0.5),
  depth: withDefault(integer({ min: 1, max: 10 }), 2),
  dataSeed: withDefault(integer({ min: 0 }), 1),
});
export type EnsembleVsGpParams = Infer<typeof paramsSchema>;

const archOf = (width: number, depth: number): string =>
  [...Array.from({ length: depth }, () => `dense(${width}),relu`), 'dense(1)'].join(',');

interface Data {
  readonly X: Matrix;
  readonly y: Matrix;
  readonly Xt: Matrix;
  readonly yt: Float64Array;
  /** The figures' x of the test points (the circle: the angle; user data: the test point's index). */
  readonly phiTrain: number[];
  readonly phiTest: number[];
  readonly xLabel: string;
  readonly fLabel: string;
}

/** User data: the first n rows train, the next nTest rows test (x of the figures: the test point's index). */
function userSplit(ds: Dataset, n: number, m: number): Data {
  const [X, Xt] = splitRows(ds.X, n);
  const [y, yt] = splitRows(ds.targets, n);
  return {
    X,
    y,
    Xt: new Matrix(m, Xt.cols, Xt.data.slice(0, m * Xt.cols)),
    yt: yt.data.slice(0, m),
    phiTrain: [],
    phiTest: Array.from({ length: m }, (_, i) => i),
    xLabel: 'test point (index)',
    fLabel: 'f(x)',
  };
}

export function circleData(n: number, m: number, seed: number): Data {
  const target = (p: number): number => Math.sin(2 * p) + 0.5 * Math.cos(3 * p);
  // Deterministic angles: a low-discrepancy sequence shifted by the seed (no dependence on Rng internals).
  const phiTrain = Array.from(
    { length: n },
    (_, i) => 2 * Math.PI * ((0.5 + i * 0.6180339887498949 + seed * 0.1234) % 1),
  );
  const phiTest = Array.from({ length: m }, (_, i) => (2 * Math.PI * i) / m);
  const X = new Matrix(n, 2);
  const y = new Matrix(n, 1);
  phiTrain.forEach((p, i) => {
    X.data[2 * i] = Math.cos(p);
    X.data[2 * i + 1] = Math.sin(p);
    y.data[i] = target(p);
  });
  const Xt = new Matrix(m, 2);
  const yt = new Float64Array(m);
  phiTest.forEach((p, i) => {
    Xt.data[2 * i] = Math.cos(p);
    Xt.data[2 * i + 1] = Math.sin(p);
    yt[i] = target(p);
  });
  return { X, y, Xt, yt, phiTrain, phiTest, xLabel: 'angle φ (radians)', fLabel: 'f(cos φ, sin φ)' };
}

interface Unit {
  readonly width: number;
  readonly eta: number;
  readonly ensMean: number[];
  readonly ensVar: number[];
  readonly gpMean: number[];
  readonly gpVar: number[];
  readonly nngpMean: number[];
  readonly nngpVar: number[];
  readonly meanErr: number;
  readonly varRatio: number;
  readonly trainLoss: number;
}

type Ctx = RunContext<EnsembleVsGpParams>;

export const ensembleVsGpPreset = definePreset({
  name: 'ensemble-vs-gp',
  title: 'Trained ensembles against the NTK-GP (and NNGP) predictive mean and variance',
  reproduces:
    'Lee et al. 2019 (NeurIPS), Wide neural networks … evolve as linear models, §2.3–2.4/Fig. 3: the mean and variance of an ensemble of wide networks trained by GD on MSE match the NTK-GP formula, increasingly so with width',
  description:
    '1-D regression on the unit circle; ensembles of ReLU MLPs (NTK parameterization) trained by full-batch GD on ½‖f − y‖² for several widths; ensemble mean and variance on a test grid against ntkGpPosterior at the same training time and the NNGP posterior.',
  header: {
    command: 'ntk run ensemble-vs-gp [--quick]',
    expectedTime: { quick: '~13 s', full: '6 min 54 s (measured on a quiet 2-core machine)' },
  },
  uses: [],
  data: {
    what: 'regression data with one target column and flat inputs (split into params.n training and params.nTest test rows)',
    task: 'regression',
    paper: 'a 1-D regression on the unit circle (Lee et al. 2019 Fig. 3: sin-like targets on the circle)',
    check: (ds) =>
      ds.imageShape
        ? `flat inputs (the preset's MLP), not images ${ds.imageShape.join('×')}`
        : ds.X.rows >= 4
          ? null
          : `at least 4 rows (2 to train, 2 to test), not ${ds.X.rows}`,
    cap: (c) => c.params.n + c.params.nTest,
  },
  params: paramsSchema,
  defaults: { seed: 0, params: { n: 24, nTest: 120, widths: [64, 256, 1024], members: 32, steps: 1000 } },
  quick: { params: { n: 12, nTest: 60, widths: [32, 512], members: 10, steps: 300 } },
  async run(ctxIn) {
    // user data: n training rows (the preset's share when there are fewer than n + nTest), the rest test
    const ud = ctxIn.userData;
    const p0 = ctxIn.config.params;
    const rows = ud ? ud.ds.X.rows : 0;
    const nUser = rows >= p0.n + p0.nTest ? p0.n : Math.max(2, Math.round((rows * p0.n) / (p0.n + p0.nTest)));
    const ctx: Ctx = ud
      ? { ...ctxIn, config: { ...ctxIn.config, params: { ...p0, n: nUser, nTest: rows - nUser } } }
      : ctxIn;
    const p = ctx.config.params;
    const data = ud ? userSplit(ud.ds, p.n, p.nTest) : circleData(p.n, p.nTest, p.dataSeed);
    const userKey = ud ? [ud.spec] : [];
    const total = p.widths.length * (p.members + 1);
    let done = 0;
    ctx.progress(0, total, 'starting');
    const units: Unit[] = [];
    for (const w of p.widths) {
      const arch = archOf(w, p.depth);
      // The analytic kernels do not depend on the width (NTK parameterization), so the key has no width.
      const gpRaw = await ctx.cache.getOrCompute(
        ['ensemble-vs-gp', 'gp-v1', p.n, p.nTest, p.dataSeed, p.depth, p.steps, p.lrFraction, ...userKey],
        async () => {
          const kf = kernelFn(arch, { inputShape: [data.X.cols] });
          const tt = await kf(data.X, null, 'both');
          const st = await kf(data.Xt, data.X, 'both');
          const ss = await kf(data.Xt, null, 'both');
          const lmax = eigvalsh(tt.ntk)[p.n - 1];
          const eta = (p.lrFraction * 2) / lmax;
          const gp = ntkGpPosterior({
            ntk: eigh(tt.ntk),
            ntkTestTrain: st.ntk,
            nngpTrainTrain: tt.nngp,
            nngpTestTrain: st.nngp,
            nngpTestTest: ss.nngp,
            yTrain: data.y,
            time: p.steps,
            eta,
            normalization: 'sum',
          });
          const nn = nngpPosterior({
            kTrainTrain: tt.nngp,
            kTestTrain: st.nngp,
            kTestTest: ss.nngp,
            yTrain: data.y,
            ridge: 1e-10,
          });
          const diag = (M: Matrix | null): number[] =>
            Array.from({ length: p.nTest }, (_, i) => (M ? M.data[i * p.nTest + i] : Number.NaN));
          const out: JsonRecord = {
            eta,
            gpMean: Array.from(gp.mean.data),
            gpVar: diag(gp.covariance),
            nngpMean: Array.from(nn.mean.data),
            nngpVar: diag(nn.covariance),
          };
          return out;
        },
      );
      ctx.progress(++done, total, `width ${w}: NTK-GP`);
      const g = asRecord(gpRaw, 'ensemble-vs-gp');
      const eta = num(g.eta);
      const preds: number[][] = [];
      let trainLoss = 0;
      for (let s = 0; s < p.members; s++) {
        const raw = await ctx.cache.getOrCompute(
          ['ensemble-vs-gp', 'member-v1', arch, p.n, p.nTest, p.dataSeed, p.steps, eta, s, ...userKey],
          async () => {
            const r = await train(
              {
                arch,
                seed: s,
                loss: 'mse',
                normalization: 'sum',
                lr: { absolute: eta },
                steps: p.steps,
                linearized: false,
                trackers: ['loss'],
                schedule: { kind: 'list', steps: [0] },
              },
              { X: data.X, Y: data.y, Xtest: data.Xt, Ytest: new Matrix(p.nTest, 1, data.yt) },
            );
            const out: JsonRecord = {
              fTest: r.fTest ? Array.from(r.fTest) : [],
              loss: r.history[r.history.length - 1].loss,
              status: r.status,
            };
            return out;
          },
        );
        const m = asRecord(raw, 'ensemble-vs-gp');
        preds.push(nums(m.fTest));
        trainLoss += num(m.loss) / p.members;
        ctx.progress(++done, total, `width ${w}: member ${s + 1}/${p.members}`);
      }
      const ensMean = data.phiTest.map((_, i) => preds.reduce((a, r) => a + r[i], 0) / p.members);
      const ensVar = data.phiTest.map(
        (_, i) => preds.reduce((a, r) => a + (r[i] - ensMean[i]) ** 2, 0) / (p.members - 1),
      );
      const gpMean = nums(g.gpMean);
      const gpVar = nums(g.gpVar);
      const rms = (a: number[], b: number[]): number =>
        Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length);
      const meanErr = rms(ensMean, gpMean) / Math.sqrt(gpVar.reduce((a, b) => a + b, 0) / gpVar.length);
      const varRatio = ensVar.reduce((a, b) => a + b, 0) / gpVar.reduce((a, b) => a + b, 0);
      units.push({
        width: w,
        eta,
        ensMean,
        ensVar,
        gpMean,
        gpVar,
        nngpMean: nums(g.nngpMean),
        nngpVar: nums(g.nngpVar),
        meanErr,
        varRatio,
        trainLoss,
      });
      ctx.log.metric({ width: w, meanErr, varRatio, trainLoss });
    }
    report(ctx, units, data);
  },
});

function report(ctx: Ctx, units: Unit[], data: Data): void {
  const p = ctx.config.params;
  ctx.addResult('summary', {
    n: p.n,
    members: p.members,
    steps: p.steps,
    widths: units.map((u) => ({
      width: u.width,
      eta: u.eta,
      meanErrorOverGpStd: u.meanErr,
      varianceRatioEnsembleOverGp: u.varRatio,
      meanTrainLoss: u.trainLoss,
    })),
  });
  ctx.addResult('predictions', { phiTest: data.phiTest, units });
  const sd = (v: number[]): number[] => v.map((x) => Math.sqrt(Math.max(x, 0)));
  const panels: PlotSpec[] = units.map((u) => {
    const gs = sd(u.gpVar);
    const es = sd(u.ensVar);
    const marks: Mark[] = [
      {
        type: 'band',
        x: data.phiTest,
        y1: u.gpMean.map((m, i) => m - 2 * gs[i]),
        y2: u.gpMean.map((m, i) => m + 2 * gs[i]),
        color: 1,
        opacity: 0.2,
      },
      { type: 'line', x: data.phiTest, y: u.gpMean, color: 1, label: 'NTK-GP mean ± 2σ' },
      {
        type: 'band',
        x: data.phiTest,
        y1: u.ensMean.map((m, i) => m - 2 * es[i]),
        y2: u.ensMean.map((m, i) => m + 2 * es[i]),
        color: 0,
        opacity: 0.25,
      },
      { type: 'line', x: data.phiTest, y: u.ensMean, color: 0, label: `ensemble (${p.members}) mean ± 2σ` },
      { type: 'line', x: data.phiTest, y: u.nngpMean, color: 2, dash: true, label: 'NNGP posterior mean' },
      ...(data.phiTrain.length
        ? [
            {
              type: 'dot',
              x: data.phiTrain,
              y: Array.from(data.y.data),
              color: 6,
              r: 3,
              label: 'training points',
            } as const,
          ]
        : []),
    ];
    return { title: `width ${u.width}`, x: { label: data.xLabel }, y: { label: data.fLabel }, marks };
  });
  ctx.addFigure(
    'predictions',
    {
      type: 'facets',
      title: 'Ensemble of trained networks vs NTK-GP',
      subtitle: `${p.depth}-hidden-layer ReLU MLP, n = ${p.n}, ${p.steps} GD steps; bands: ± 2 standard deviations`,
      columns: Math.min(2, panels.length),
      panels,
    },
    'Blue: the empirical ensemble; orange: the NTK-GP at the same training time; green dashed: the NNGP posterior mean.',
  );
  const vpanels: PlotSpec[] = units.map((u) => ({
    title: `width ${u.width}`,
    x: { label: data.xLabel },
    y: { label: 'predictive variance', type: 'log' },
    marks: [
      { type: 'line', x: data.phiTest, y: u.gpVar.map((v) => (v > 0 ? v : null)), color: 1, label: 'NTK-GP' },
      { type: 'line', x: data.phiTest, y: u.ensVar.map((v) => (v > 0 ? v : null)), color: 0, label: 'ensemble' },
      {
        type: 'line',
        x: data.phiTest,
        y: u.nngpVar.map((v) => (v > 0 ? v : null)),
        color: 2,
        dash: true,
        label: 'NNGP',
      },
    ],
  }));
  ctx.addFigure(
    'variance',
    {
      type: 'facets',
      title: 'Predictive variance on the test grid',
      subtitle: 'variance over the ensemble vs the GP formulas',
      columns: Math.min(2, vpanels.length),
      panels: vpanels,
    },
    'Variance vanishes at the training points (the networks interpolate) and grows between them.',
  );
  const table: ReportTable = {
    title: 'Ensemble vs NTK-GP',
    columns: [
      'width',
      'η',
      'mean train loss',
      'RMS(ensemble mean − GP mean) / GP σ',
      'ensemble variance / GP variance',
    ],
    rows: units.map((u) => [u.width, fmt(u.eta, 3), fmt(u.trainLoss, 3), fmt(u.meanErr, 3), fmt(u.varRatio, 3)]),
    note: `Ensemble of ${p.members} initializations; with M members the sample mean has standard error σ/√M ≈ ${fmt(1 / Math.sqrt(p.members), 2)}σ and the variance ratio a relative error ≈ √(2/(M−1)) = ${fmt(Math.sqrt(2 / (p.members - 1)), 2)}.`,
  };
  const first = units[0];
  const last = units[units.length - 1];
  ctx.addSection({
    title: 'Do trained ensembles follow the NTK-GP?',
    text:
      `At width ${last.width} the ensemble mean differs from the NTK-GP mean by ${fmt(last.meanErr, 3)} GP standard deviations (RMS over the test grid) and the ensemble variance is ${fmt(last.varRatio, 3)}× the GP variance; ` +
      `at width ${first.width}: ${fmt(first.meanErr, 3)} and ${fmt(first.varRatio, 3)}×. ` +
      (units.length > 1 &&
      last.meanErr < first.meanErr &&
      Math.abs(Math.log(last.varRatio)) <= Math.abs(Math.log(first.varRatio)) + 0.1
        ? 'The agreement improves with width, as the infinite-width theory predicts. '
        : 'The agreement does not clearly improve with width in this run (finite-ensemble noise or too-narrow networks). ') +
      `With ${p.members} members, sampling noise alone gives about ${fmt(1 / Math.sqrt(p.members), 2)} in the first number and ±${fmt(Math.sqrt(2 / (p.members - 1)), 2)} in the ratio. ` +
      'The NNGP posterior mean (the Bayesian answer with the NNGP kernel) is a different function: GD-trained ensembles are not Bayesian posteriors.',
    figures: ['predictions', 'variance'],
    tables: [table],
  });
  const noiseMean = 1 / Math.sqrt(p.members);
  const noiseVar = Math.sqrt(2 / (p.members - 1));
  const improves = units.length > 1 && last.meanErr < first.meanErr;
  const varOk = Math.abs(last.varRatio - 1) <= 2 * noiseVar;
  ctx.setPaperVsHere({
    reference:
      'Lee, Xiao, Schoenholz, Bahri, Novak, Sohl-Dickstein & Pennington, “Wide Neural Networks of Any Depth Evolve as Linear Models Under Gradient Descent”, NeurIPS 2019, §2.3–2.4 and Fig. 3.',
    setting: settingLine(
      ctx.quick,
      `1-D regression on the circle, n = ${p.n}, widths ${p.widths.join(', ')}, ${p.members} members, ${p.steps} steps`,
      'Fig. 3: ensembles of wide networks on small regression tasks (the predictive mean and ±2σ band lie on the NTK-GP’s); widths in the thousands',
      ctx.quick
        ? [
            `${p.members} members vs 32 in this preset’s full run`,
            `${p.steps} steps vs 1000`,
            `widths up to ${Math.max(...p.widths)}`,
          ]
        : [],
    ),
    lookFor:
      'the ensemble’s mean and ±2σ band on top of the NTK-GP’s at large width, not at small width; the NNGP mean is a different function.',
    claims: [
      claim({
        claim: 'The ensemble mean matches the NTK-GP mean at large width',
        paper: 'Fig. 3: mean on top of the NTK-GP’s (qualitative)',
        here: `RMS(mean − GP mean) = ${fmt(last.meanErr, 3)} GP σ at width ${last.width}; sampling noise alone ≈ ${fmt(noiseMean, 2)}σ`,
        verdict: verdict(last.meanErr <= 2 * noiseMean, last.meanErr > 10 * noiseMean),
        why: 'within 2× sampling noise → reproduced; more than 10× → not reproduced; between: inconclusive at this width',
      }),
      claim({
        claim: 'The ensemble variance matches the NTK-GP variance',
        paper: 'Fig. 3: the ±2σ bands coincide',
        here: `variance ratio ${fmt(last.varRatio, 3)} at width ${last.width} (± ${fmt(noiseVar, 2)} from sampling)`,
        verdict: verdict(varOk, Math.abs(last.varRatio - 1) > 5 * noiseVar),
        why: 'within 2 sampling errors of 1 → reproduced; beyond 5 → not reproduced',
      }),
      claim({
        claim: 'Agreement improves with width',
        paper: 'Lee et al. 2019 §2.4: finite-width corrections shrink as width grows',
        here: `mean error ${fmt(first.meanErr, 3)}σ (width ${first.width}) → ${fmt(last.meanErr, 3)}σ (width ${last.width})`,
        verdict: units.length < 2 ? 'inconclusive' : improves ? 'reproduced' : 'not reproduced',
        why: units.length < 2 ? 'one width only' : 'smaller error at the largest width → reproduced',
      }),
    ],
  });
}
