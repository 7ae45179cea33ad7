/**
 * `ntk predict`: NNGP posterior and NTK-GP predictions (mean, covariance, at training times) of an architecture's
 * infinite-width limit on a test set, with leave-one-out ridge selection and test metrics (docs/predict.md).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { kernelFn, type KernelFn, maxWorkers } from '../analytic/kernelFn.js';
import type { Dataset } from '../data/types.js';
import { ConfigError, InvalidArgumentError, NtkError, ResourceError } from '../errors.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { npyToFloat64, readNpy, writeMatrixNpy, writeNpy } from '../io/npy.js';
import { checkOutputPath } from '../io/output.js';
import { Matrix } from '../linalg/matrix.js';
import { readParams } from '../empirical/export.js';
import type { TrainingTime } from '../analysis/predictions.js';
import {
  linearizedNetwork,
  type LooCurve,
  predictDense,
  type PredictGet,
  type PredictKernels,
  predictionMetrics,
  RIDGE_GRID,
} from '../predict/index.js';
import { float64Need, requireMemory } from '../util/memory.js';
import {
  checkEnsembleConfig,
  type Ensemble,
  type EnsembleConfig,
  type EnsembleGap,
  ensembleGap,
  trainEnsemble,
} from '../predict/ensemble.js';
import { lossDivisor } from '../analysis/common.js';
import { eigh } from '../linalg/index.js';
import { VERSION } from '../version.js';
import type { Command } from './command.js';
import { oocNumbers, predictOocRun } from './predictDist.js';
import { DIST_OPTIONS } from './distributed.js';
import { emitSummary, JSON_FLAG } from './summary.js';
import { bothPath } from './kernel.js';
import { assertFiniteFile, loadTrainTest } from './inputs.js';

const USAGE = `ntk predict --arch SPEC --train SPEC --test SPEC --out DIR [--get nngp|ntk|both] [--time T,…|inf]
            [--ridge R|auto] [--lr η] [--normalization sum|mean] [--cov full|none] [--param ntk|standard]
            [--kernels DIR | --ktrain K.npy --ktest K.npy [--ktest-test K.npy]] [--solver dense|ooc|auto]
            [--params DIR] [--ensemble K [--seed S] [--decompose]] [--workers N] [--quiet] [--json]
            --solver ooc: [--tile B] [--shard i/N | --queue redis://HOST:PORT[/DB] [--tiles-per-job G]]

Infinite-width predictions on a test set (neural-tangents' predict.gradient_descent_mse_ensemble; docs/predict.md):
  nngp   the NNGP posterior (exact Bayesian inference): mean K_*(K + ρI)⁻¹Y, cov K_** − K_*(K + ρI)⁻¹K_*ᵀ
  ntk    the NTK-GP: infinitely wide networks trained by gradient flow on the squared loss from random
         initialization, at each --time t: mean Θ_*(Θ + ρI)⁻¹(I − e^{−a(Θ+ρI)t})Y (t = inf: kernel regression
         with Θ), covariance Lee et al. 2019 eq. (16)
  --arch SPEC           architecture (as ntk kernel); not needed when every kernel is given as a file
  --train SPEC          training set (dataset spec; its targets Y in the spec's labels= encoding)
  --test SPEC           test set: same feature count, task and encoding; its classes among the training classes
  --get                 nngp, ntk or both (default)
  --time T,…|inf        NTK-GP gradient-flow times, ≥ 0 (default inf); a = η/N multiplies t:
                        loss ‖f − Y‖²/(2N), N = 1 for --normalization sum (½‖f − y‖², default) or n for mean;
                        neural-tangents' (learning_rate η_nt, t) is --normalization mean --lr η_nt/O at the same t
  --lr η                learning rate η (default 1)
  --ridge R|auto        absolute ridge ρ added to the inverted train–train kernel (default 0); auto: per kernel,
                        the ρ of least leave-one-out MSE over ρ = s·mean(diag K), s ∈ {0, 1e-8, 10^-7.5, …, 1},
                        all from one eigendecomposition; the curve is printed and in summary.json
  --cov full|none       posterior covariances (m×m per prediction; default full when m ≤ 2000 and the kernels
                        they need are computed or given, --ktest-test included)
  --param               ntk (default) or standard
  --kernels DIR         kernel cache: read DIR's kernels when its kernels.json matches --arch/--param/--train/
                        --test, else compute them and write them there (ktrain.*.npy, ktest.*.npy, ktt.nngp.npy)
  --ktrain K.npy        precomputed train–train kernel (--get both: K.nngp.npy and K.ntk.npy, as ntk kernel
  --ktest K.npy         --get nngp,ntk --out K.npy writes them); --ktest: test–train (m×n, rows = test points);
  --ktest-test K.npy    --ktest-test: NNGP test–test (for covariances)
  --solver              dense (in memory), ooc (out of core: kernel and Cholesky tiles on disk in --kernels DIR,
                        resumable; t = ∞, one kernel, --ridge absolute; docs/predict-scale.md) or auto (default:
                        dense when it fits)
  --tile B              ooc: rows per tile side (default min(n, 5000))
  --shard i/N           ooc: compute only shard i of N of the kernel tiles into --kernels DIR/shards (a Slurm
                        array task each), no solve; then the same command without --shard checks that every
                        shard and tile is there (one job hash) and solves (docs/predict-scale.md)
  --queue URL           ooc: the kernel tiles are jobs on a Redis queue that \`ntk worker --queue URL\` processes
                        compute (docs/distributed.md); then the solve. --tiles-per-job G: tiles per queue job
  --json                the summary as JSON on stdout (docs/json.md)
  --params DIR          also the linearized predictions of a given finite network (DIR from ntk empirical
                        --params-out): f₀ + Θ̂_*Θ̂⁻¹(I − e^{−aΘ̂t})(Y − f₀) with its empirical NTK Θ̂ over all
                        outputs, trained by gradient flow at each --time (same --lr, --normalization) → lin.mean.npy
                        (T, m, O); Θ̂'s null modes do not move (t = inf needs no ridge)
  --ensemble K          also train K ≥ 2 finite networks of --arch (its widths), seeds S … S+K−1, by full-batch GD
                        on the same loss ‖f − Y‖²/(2N), --normalization and --lr, for k = t steps at each --time
                        (integers; one step is flow time 1 in a·t), and compare them with the NTK-GP:
                        RMS(ensemble mean − GP mean)/GP σ with its noise 1/√K, χ² over the GP covariance's
                        eigen-directions, variance ratio tr S/tr Σ with its spread, and the mean gap split over
                        the same inits into finite width (f − f_pair, f_pair = the NTK-GP's map of the member's
                        own f₀), init (f₀ sampling) and time discretization, each with its standard error
                        → ensemble.mean.npy (T, m, O), ensemble.cov.npy (T, m, m), summary.json "ensemble"
                        (needs --get ntk|both, --ridge 0, covariances)
  --seed S              the ensemble's first seed (default 0)
  --decompose           with --ensemble: also train each member's linearization alongside and split the finite-
                        width part into nonlinear (f − f_lin) and kernel (Θ̂₀ vs Θ) → ensemble.lin.{mean,cov}.npy
  --workers N           kernel worker threads (as ntk kernel)
  --quiet               no progress lines (they are written to stderr only when it is a terminal)
  --out DIR             nngp.mean.npy (m, O), nngp.cov.npy (m, m), ntk.mean.npy (T, m, O), ntk.cov.npy (T, m, m),
                        summary.json (metrics: test MSE = mean over points and outputs; classification: accuracy
                        overall and per class by argmax, or sign for ±1 targets)`;

type Get = 'nngp' | 'ntk';

function parseTimes(text: string | undefined): number[] {
  if (text === undefined) return [Number.POSITIVE_INFINITY];
  const parts = text.split(',').map((s) => s.trim());
  return parts.map((s) => {
    const v = s === 'inf' || s === 'Infinity' ? Number.POSITIVE_INFINITY : Number(s);
    if (s === '' || Number.isNaN(v) || v < 0)
      throw new ConfigError('--time', `must be times t ≥ 0 (or inf), comma-separated; got '${s}' in '${text}'`);
    return v;
  });
}

function parseRidge(text: string | undefined): number | 'auto' {
  if (text === undefined) return 0;
  if (text === 'auto') return 'auto';
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < 0)
    throw new ConfigError('--ridge', `must be a number ≥ 0 or auto; got '${text}'`);
  return v;
}

function positive(flag: string, text: string | undefined, dflt: number): number {
  if (text === undefined) return dflt;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v <= 0)
    throw new ConfigError(flag, `must be a number > 0; got '${text}'`);
  return v;
}

function readKernelFile(flag: string, path: string, rows: number, cols: number, what: string): Matrix {
  if (!existsSync(path)) throw new ConfigError(flag, `${path} does not exist`);
  const a = readNpy(path);
  if (a.shape.length !== 2 || a.shape[0] !== rows || a.shape[1] !== cols)
    throw new ConfigError(
      flag,
      `must be the ${what}, shape (${rows}, ${cols}); ${path} has shape (${a.shape.join(', ')})`,
    );
  const data = npyToFloat64(a);
  assertFiniteFile(flag, path, data, cols);
  return new Matrix(rows, cols, data);
}

/** Whether a kernel cache's kernels.json names the same kernels (an unreadable one does not). */
function sameManifest(path: string, manifest: object): boolean {
  try {
    return JSON.stringify(JSON.parse(readFileSync(path, 'utf8'))) === JSON.stringify(manifest);
  } catch {
    return false;
  }
}

/** Seconds as 1m05s / 12s. */
function fmt(s: number): string {
  if (!Number.isFinite(s)) return '?';
  return s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(1)}s`;
}

function fmtTime(t: number): string {
  return t === Number.POSITIVE_INFINITY ? 'inf' : String(t);
}

function looTable(name: string, c: LooCurve): string {
  const rows = c.points.map(
    (p) =>
      `    ρ = ${p.ridge.toExponential(2).padEnd(10)} LOO MSE ${p.looMse === null ? 'singular'.padEnd(11) : p.looMse.toExponential(4).padEnd(11)}` +
      `${p.looAccuracy === null ? '' : ` LOO acc ${(100 * p.looAccuracy).toFixed(2)} %`}${p.ridge === c.best ? '  ← chosen' : ''}`,
  );
  return [`  leave-one-out curve (${name}):`, ...rows].join('\n');
}

/** --params DIR (from \`ntk empirical --params-out DIR\`): the network and θ, checked against the data. */
function loadParams(dir: string, train: Dataset, O: number) {
  let r: ReturnType<typeof readParams>;
  try {
    r = readParams(dir);
  } catch (e) {
    if (e instanceof NtkError) throw new ConfigError('--params', e.message);
    throw e;
  }
  const d = r.params.net.inputShape.reduce((a, b) => a * b, 1);
  if (d !== train.X.cols)
    throw new ConfigError('--params', `${dir}'s network takes ${d} input features; --train has ${train.X.cols}`);
  if (r.params.net.outDim !== O)
    throw new ConfigError(
      '--params',
      `${dir}'s network has ${r.params.net.outDim} outputs; the --train targets have ${O} columns`,
    );
  return { params: r.params, seed: r.manifest.seed };
}

export const predict: Command = {
  usage: USAGE,
  async run(argv) {
    const { values: o } = parseArgs({
      args: argv,
      options: {
        arch: { type: 'string' },
        train: { type: 'string' },
        test: { type: 'string' },
        get: { type: 'string' },
        time: { type: 'string' },
        ridge: { type: 'string' },
        lr: { type: 'string' },
        normalization: { type: 'string' },
        cov: { type: 'string' },
        param: { type: 'string' },
        kernels: { type: 'string' },
        ktrain: { type: 'string' },
        ktest: { type: 'string' },
        'ktest-test': { type: 'string' },
        solver: { type: 'string' },
        params: { type: 'string' },
        workers: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        ensemble: { type: 'string' },
        seed: { type: 'string' },
        decompose: { type: 'boolean', default: false },
        out: { type: 'string' },
        tile: { type: 'string' },
        ...DIST_OPTIONS,
        ...JSON_FLAG,
      },
    });
    // ---- every check before any work ----
    if (o.train === undefined)
      throw new ConfigError('--train', 'is required (a dataset spec, e.g. mnist:train:n=1000)');
    if (o.test === undefined) throw new ConfigError('--test', 'is required (a dataset spec, e.g. mnist:test:n=500)');
    if (o.out === undefined) throw new ConfigError('--out', 'is required (a folder for predictions and summary.json)');
    const get = (o.get ?? 'both') as PredictGet;
    if (get !== 'nngp' && get !== 'ntk' && get !== 'both')
      throw new ConfigError('--get', `must be nngp, ntk or both; got '${o.get}'`);
    const times = parseTimes(o.time);
    if (o.time !== undefined && get === 'nngp')
      throw new ConfigError(
        '--time',
        'applies to the NTK-GP (gradient-flow time); the NNGP posterior has none: use --get ntk or both',
      );
    const ridge = parseRidge(o.ridge);
    const eta = positive('--lr', o.lr, 1);
    const normalization = o.normalization ?? 'sum';
    if (normalization !== 'sum' && normalization !== 'mean')
      throw new ConfigError('--normalization', `must be sum or mean; got '${normalization}'`);
    const param = o.param ?? 'ntk';
    if (param !== 'ntk' && param !== 'standard')
      throw new ConfigError('--param', `must be ntk or standard; got '${param}'`);
    if (o.cov !== undefined && o.cov !== 'full' && o.cov !== 'none')
      throw new ConfigError('--cov', `must be full or none; got '${o.cov}'`);
    const solver = o.solver ?? 'auto';
    if (solver !== 'dense' && solver !== 'ooc' && solver !== 'auto')
      throw new ConfigError('--solver', `must be dense, ooc or auto; got '${solver}'`);
    // --ensemble: finite networks beside the NTK-GP (every check that needs no data here, the rest after loading)
    let ensembleK: number | null = null;
    let ensembleSeed = 0;
    if (o.ensemble !== undefined) {
      ensembleK = Number(o.ensemble);
      if (!/^\d+$/.test(o.ensemble.trim()) || !Number.isSafeInteger(ensembleK) || ensembleK < 2)
        throw new ConfigError('--ensemble', `must be an integer K ≥ 2 (the ensemble size); got '${o.ensemble}'`);
      if (o.seed !== undefined) {
        ensembleSeed = Number(o.seed);
        if (!/^\d+$/.test(o.seed.trim()) || !Number.isSafeInteger(ensembleSeed))
          throw new ConfigError('--seed', `must be an integer ≥ 0; got '${o.seed}'`);
      }
      if (o.arch === undefined)
        throw new ConfigError(
          '--arch',
          'is required with --ensemble (the finite networks to train, with their widths)',
        );
      if (solver === 'ooc') throw new ConfigError('--ensemble', 'is not available with --solver ooc');
      if (get === 'nngp')
        throw new ConfigError(
          '--get',
          'must be ntk or both with --ensemble (the ensemble is compared with the NTK-GP)',
        );
      if (o.time === undefined)
        throw new ConfigError(
          '--time',
          'is required with --ensemble: the GD step counts k (flow times t = k) to train',
        );
      times.forEach((t) => {
        if (!Number.isSafeInteger(t))
          throw new ConfigError(
            '--time',
            `must be integers with --ensemble (k GD steps = flow time t = k; a network cannot train to inf); got '${o.time}'`,
          );
      });
      if (ridge !== 0)
        throw new ConfigError(
          '--ridge',
          'must be 0 with --ensemble: the networks train on the unregularized loss, as the NTK-GP without a ridge',
        );
      if (o.cov === 'none')
        throw new ConfigError('--cov', 'must be full with --ensemble (the gap metrics need the NTK-GP covariance)');
    } else if (o.seed !== undefined || o.decompose) {
      throw new ConfigError(o.seed !== undefined ? '--seed' : '--decompose', 'applies to --ensemble K only');
    }
    if (solver === 'ooc') {
      // the out-of-core solver (src/predict/outOfCore.ts): kernel regression at t = ∞ with one kernel, tiles kept in
      // the --kernels folder (a rerun resumes from it)
      if (o.arch === undefined) throw new ConfigError('--arch', 'is required with --solver ooc');
      if (o.kernels === undefined)
        throw new ConfigError(
          '--kernels',
          'is required with --solver ooc (the folder for the kernel and factor tiles)',
        );
      if (get === 'both') throw new ConfigError('--get', 'must be nngp or ntk with --solver ooc (one kernel)');
      if (o.time !== undefined && o.time !== 'inf')
        throw new ConfigError('--time', 'must be inf with --solver ooc (kernel regression)');
      if (ridge === 'auto') throw new ConfigError('--ridge', 'must be a number with --solver ooc (auto needs eigh)');
      for (const flag of ['ktrain', 'ktest', 'ktest-test', 'params'] as const)
        if (o[flag] !== undefined) throw new ConfigError(`--${flag}`, 'is not available with --solver ooc');
      const param = o.param ?? 'ntk';
      if (param !== 'ntk' && param !== 'standard')
        throw new ConfigError('--param', `must be ntk or standard; got '${param}'`);
      checkOutputPath('--out', o.out, { kind: 'dir' });
      checkOutputPath('--kernels', o.kernels, { kind: 'dir' });
      // --shard/--queue/--tiles-per-job: the kernels phase on other machines (src/cli/predictDist.ts)
      return predictOocRun({
        arch: o.arch,
        train: o.train,
        test: o.test,
        get,
        param,
        ridge,
        ridgeRelative: false, // --ridge is absolute, as in the dense path (neural-tangents' diag_reg)
        kernels: o.kernels,
        out: o.out,
        ...oocNumbers(o),
        ...(o.shard !== undefined ? { shard: o.shard } : {}),
        ...(o.queue !== undefined ? { queue: o.queue } : {}),
        ...(o['tiles-per-job'] !== undefined ? { tilesPerJob: o['tiles-per-job'] } : {}),
        json: o.json,
      });
    }
    for (const flag of ['shard', 'queue', 'tiles-per-job', 'tile'] as const)
      if (o[flag] !== undefined)
        throw new ConfigError(`--${flag}`, 'is available with --solver ooc only (docs/predict-scale.md)');
    const files = o.ktrain !== undefined || o.ktest !== undefined || o['ktest-test'] !== undefined;
    if (files && o.kernels !== undefined)
      throw new ConfigError('--kernels', 'give either --kernels DIR or --ktrain/--ktest files, not both');
    if (files && (o.ktrain === undefined || o.ktest === undefined))
      throw new ConfigError(o.ktrain === undefined ? '--ktrain' : '--ktest', 'is required with the other kernel file');
    let workers: number | undefined;
    if (o.workers !== undefined) {
      workers = Number(o.workers);
      if (!Number.isSafeInteger(workers) || workers < 0 || workers > maxWorkers())
        throw new ConfigError('--workers', `must be an integer in [0, ${maxWorkers()}]; got '${o.workers}'`);
    }
    checkOutputPath('--out', o.out, { kind: 'dir' });
    if (o.kernels !== undefined) checkOutputPath('--kernels', o.kernels, { kind: 'dir' });
    const { train, test } = loadTrainTest(o.train, o.test);
    const n = train.X.rows;
    const m = test.X.rows;
    const O = train.targets.cols;
    // default: covariances when m ≤ 2000 and the kernels they need are at hand (computed, or all given as files)
    const cov =
      o.cov === undefined
        ? m <= 2000 && (!files || (o['ktest-test'] !== undefined && get !== 'ntk'))
        : o.cov === 'full';
    const wanted: Get[] = get === 'both' ? ['nngp', 'ntk'] : [get];
    // the NTK-GP's covariance needs the NNGP kernels too
    const needs: Get[] = cov && get === 'ntk' ? ['nngp', 'ntk'] : wanted;
    const kernelsFromFiles = files;
    if (!kernelsFromFiles && o.arch === undefined)
      throw new ConfigError('--arch', 'is required unless the kernels are given as files (--ktrain/--ktest)');
    if (kernelsFromFiles && cov && o['ktest-test'] === undefined)
      throw new ConfigError('--ktest-test', 'is required for covariances with kernel files (or give --cov none)');
    if (kernelsFromFiles && get === 'ntk' && cov)
      throw new ConfigError(
        '--cov',
        'the NTK-GP covariance needs the NNGP kernels as well: use --get both with kernel files, or --cov none',
      );
    // each train–train kernel, its factor or eigenvectors (and their copy), the test–train kernels, covariances
    try {
      requireMemory(
        '--train',
        `n = ${n}, m = ${m} (--solver dense)`,
        float64Need('the kernels and their factors in memory', [
          ...needs.flatMap(() => [n * n, n * n, n * n, m * n]),
          ...(cov ? [m * m, m * m * times.length] : []),
        ]),
      );
    } catch (e) {
      // a problem beyond memory is the out-of-core solver's
      if (!(e instanceof ResourceError)) throw e;
      throw new ResourceError(
        e.argument,
        `${e.detail}; use the out-of-core solver for problems beyond memory (--solver ooc --kernels DIR)`,
        e.bytesNeeded,
        e.bytesAvailable,
      );
    }
    const trainClasses =
      train.task === 'classification' && ['onehot', 'centered', 'soft', 'pm1'].includes(train.encoding)
        ? train.y
        : null;
    const classification =
      trainClasses && test.task === 'classification' ? { y: test.y, names: train.classes } : undefined;
    const finite = o.params === undefined ? null : loadParams(o.params, train, O);
    if (ensembleK !== null && !cov)
      throw new ConfigError(
        kernelsFromFiles ? '--ktest-test' : '--cov',
        kernelsFromFiles
          ? 'is required with --ensemble and kernel files (the gap metrics need the NTK-GP covariance)'
          : `must be full with --ensemble (the gap metrics need the NTK-GP covariance; the default is none for m = ${m} > 2000)`,
      );
    const ensembleCfg: EnsembleConfig | null =
      ensembleK === null
        ? null
        : {
            arch: o.arch as string,
            inputShape: train.imageShape ? [...train.imageShape] : [train.X.cols],
            param,
            members: ensembleK,
            seed: ensembleSeed,
            steps: times,
            eta,
            normalization,
            linearized: o.decompose === true,
          };
    if (ensembleCfg) {
      try {
        checkEnsembleConfig(ensembleCfg, { X: train.X, Y: train.targets, Xtest: test.X });
      } catch (e) {
        if (e instanceof InvalidArgumentError)
          throw new ConfigError(e.argument === 'arch' ? '--arch' : '--ensemble', e.message);
        throw e;
      }
    }
    const say = !o.quiet && process.stderr.isTTY ? (s: string) => process.stderr.write(`${s}\n`) : () => {};
    const t0 = performance.now();
    const elapsed = () => (performance.now() - t0) / 1000;

    // ---- kernels ----
    const seconds: Record<string, number> = {};
    const K: { [g in Get]?: { train: Matrix; testTrain: Matrix } } = {};
    let testTest: Matrix | undefined;
    const manifest = {
      ntkLab: VERSION,
      arch: o.arch ?? null,
      param,
      train: train.spec,
      test: test.spec,
    };
    const cacheFile = (name: string) => join(o.kernels as string, name);
    const cached =
      o.kernels !== undefined &&
      existsSync(cacheFile('kernels.json')) &&
      sameManifest(cacheFile('kernels.json'), manifest);
    if (kernelsFromFiles || cached) {
      const ts = performance.now();
      for (const g of needs) {
        const path = (p: string) => (get === 'both' ? bothPath(p, g) : p);
        const tr = kernelsFromFiles ? path(o.ktrain as string) : cacheFile(`ktrain.${g}.npy`);
        const te = kernelsFromFiles ? path(o.ktest as string) : cacheFile(`ktest.${g}.npy`);
        if (!kernelsFromFiles && !existsSync(tr)) continue;
        K[g] = {
          train: readKernelFile('--ktrain', tr, n, n, `${g} train–train kernel (n × n)`),
          testTrain: readKernelFile('--ktest', te, m, n, `${g} test–train kernel (m × n, rows = test points)`),
        };
      }
      if (cov) {
        const tt = kernelsFromFiles ? (o['ktest-test'] as string) : cacheFile('ktt.nngp.npy');
        if (kernelsFromFiles || existsSync(tt))
          testTest = readKernelFile('--ktest-test', tt, m, m, 'NNGP test–test kernel (m × m)');
      }
      seconds['kernels (read)'] = (performance.now() - ts) / 1000;
    }
    const missing = needs.filter((g) => !K[g]);
    if (missing.length > 0 || (cov && !testTest)) {
      if (o.arch === undefined) throw new ConfigError('--arch', 'is required to compute the kernels');
      if (o.kernels !== undefined) mkdirSync(o.kernels, { recursive: true });
      const image = train.imageShape ? [...train.imageShape] : null;
      const kfn: KernelFn = kernelFn(o.arch, {
        inputShape: image ?? [train.X.cols],
        param,
        ...(workers !== undefined ? { workers } : {}),
      });
      const which = missing.length === 2 ? 'both' : missing[0];
      if (missing.length > 0) {
        let ts = performance.now();
        say(`kernels: train–train ${n}×${n} (${which}) …`);
        const tr = which === 'both' ? await kfn(train.X, null, 'both') : { [which]: await kfn(train.X, null, which) };
        seconds['kernels train–train'] = (performance.now() - ts) / 1000;
        say(`kernels: train–train done in ${fmt(seconds['kernels train–train'])}`);
        ts = performance.now();
        // test–train in row chunks, for progress with an ETA
        const chunk = Math.min(m, Math.max(1000, Math.ceil(m / 20))); // each call starts its workers
        const parts: { [g in Get]?: Matrix } = {};
        for (const g of missing) parts[g] = new Matrix(m, n);
        for (let r0 = 0; r0 < m; r0 += chunk) {
          const r1 = Math.min(m, r0 + chunk);
          const Xc = new Matrix(r1 - r0, test.X.cols, test.X.data.subarray(r0 * test.X.cols, r1 * test.X.cols));
          const part = which === 'both' ? await kfn(Xc, train.X, 'both') : { [which]: await kfn(Xc, train.X, which) };
          for (const g of missing) (parts[g] as Matrix).data.set((part as Record<Get, Matrix>)[g].data, r0 * n);
          const el = (performance.now() - ts) / 1000;
          say(`kernels: test–train rows ${r1}/${m}  elapsed ${fmt(el)}  ETA ${fmt((el * (m - r1)) / r1)}`);
        }
        seconds['kernels test–train'] = (performance.now() - ts) / 1000;
        for (const g of missing) {
          K[g] = { train: (tr as Record<Get, Matrix>)[g], testTrain: parts[g] as Matrix };
          if (o.kernels !== undefined) {
            writeMatrixNpy(cacheFile(`ktrain.${g}.npy`), K[g].train);
            writeMatrixNpy(cacheFile(`ktest.${g}.npy`), K[g].testTrain);
          }
        }
      }
      if (cov && !testTest) {
        const ts = performance.now();
        say(`kernels: test–test ${m}×${m} (nngp) …`);
        testTest = await kfn(test.X, null, 'nngp');
        seconds['kernels test–test'] = (performance.now() - ts) / 1000;
        if (o.kernels !== undefined) writeMatrixNpy(cacheFile('ktt.nngp.npy'), testTest);
      }
      if (o.kernels !== undefined) writeJsonAtomic(cacheFile('kernels.json'), manifest);
    }

    // ---- solve ----
    const kernels: PredictKernels = {
      ...(K.nngp ? { nngp: { ...K.nngp, ...(testTest ? { testTest } : {}) } } : {}),
      ...(K.ntk ? { ntk: K.ntk } : {}),
    };
    const Y = train.targets;
    const result = predictDense(
      kernels,
      Y,
      {
        get,
        times,
        ridge,
        eta,
        normalization,
        covariance: cov,
        onPhase: (p) => say(`${p} (n = ${n}) …  elapsed ${fmt(elapsed())}`),
      },
      trainClasses ?? undefined,
    );
    Object.assign(seconds, result.seconds);
    let lin: { predictions: { at: TrainingTime; mean: Matrix }[] } | null = null;
    if (finite) {
      say(
        `linearized network (${finite.params.net.numParams} parameters, n·O = ${n * O}) …  elapsed ${fmt(elapsed())}`,
      );
      const ts = performance.now();
      const net = linearizedNetwork(finite.params, train.X, test.X);
      const flow = net.predict(
        Y,
        times.map((time) => ({ time })),
        { eta, normalization },
      );
      lin = { predictions: [...flow.predictions] };
      seconds['linearized network'] = (performance.now() - ts) / 1000;
    }

    let ensemble: { ens: Ensemble; gaps: EnsembleGap[] } | null = null;
    if (ensembleCfg && result.ntk && K.ntk) {
      // the largest stable step of GD on the NTK-GP's kernel: members beyond it would diverge
      const e = eigh(K.ntk.train);
      const limit = (2 * lossDivisor(normalization, n)) / e.values[n - 1];
      if (!(eta < limit))
        throw new ConfigError(
          '--lr',
          `must be below 2N/λ_max(Θ) = ${limit.toPrecision(4)} with --ensemble (GD on the squared loss diverges beyond it); got ${eta}`,
        );
      say(`ensemble: ${ensembleCfg.members} members of ${o.arch} …  elapsed ${fmt(elapsed())}`);
      const ts = performance.now();
      const ens = await trainEnsemble(
        ensembleCfg,
        { X: train.X, Y: train.targets, Xtest: test.X },
        {
          onMember: (d, total) => {
            const el = (performance.now() - ts) / 1000;
            say(`ensemble: member ${d}/${total}  elapsed ${fmt(el)}  ETA ${fmt((el * (total - d)) / d)}`);
          },
        },
      );
      seconds.ensemble = (performance.now() - ts) / 1000;
      const preds = result.ntk.predictions;
      const gaps = times.map((t) => {
        const at = ens.atSteps.find((a) => a.step === t) as (typeof ens.atSteps)[number];
        const gp = preds.find((p) => p.time === t) as (typeof preds)[number];
        return ensembleGap(
          ens,
          at,
          { mean: gp.mean, covariance: gp.covariance as Matrix },
          { ntk: e, ntkTestTrain: K.ntk?.testTrain as Matrix, yTrain: Y },
        );
      });
      ensemble = { ens, gaps };
    }

    // ---- outputs ----
    const out = o.out;
    mkdirSync(out, { recursive: true });
    const written: string[] = [];
    const metrics: Record<string, unknown> = {};
    const lines: string[] = [];
    const line = (name: string, r: number, mt: ReturnType<typeof predictionMetrics>) =>
      `  ${name.padEnd(16)} ridge ${r.toExponential(2).padEnd(10)} test MSE ${mt.mse.toExponential(4)}` +
      (mt.accuracy === null ? '' : `  accuracy ${(100 * mt.accuracy).toFixed(2)} %`);
    if (result.nngp) {
      const p = result.nngp.prediction;
      writeMatrixNpy(join(out, 'nngp.mean.npy'), p.mean);
      written.push('nngp.mean.npy');
      if (p.covariance) {
        writeMatrixNpy(join(out, 'nngp.cov.npy'), p.covariance);
        written.push('nngp.cov.npy');
      }
      const mt = predictionMetrics(p.mean, test.targets, classification);
      metrics.nngp = mt;
      lines.push(line('nngp', result.nngp.ridge, mt));
    }
    if (result.ntk) {
      const ps = result.ntk.predictions;
      const mean = new Float64Array(ps.length * m * O);
      ps.forEach((p, i) => mean.set(p.mean.data, i * m * O));
      writeNpy(join(out, 'ntk.mean.npy'), mean, [ps.length, m, O]);
      written.push('ntk.mean.npy');
      if (ps[0].covariance) {
        const c = new Float64Array(ps.length * m * m);
        ps.forEach((p, i) => c.set((p.covariance as Matrix).data, i * m * m));
        writeNpy(join(out, 'ntk.cov.npy'), c, [ps.length, m, m]);
        written.push('ntk.cov.npy');
      }
      metrics.ntk = ps.map((p) => {
        const mt = predictionMetrics(p.mean, test.targets, classification);
        lines.push(line(`ntk t = ${fmtTime(p.time)}`, (result.ntk as { ridge: number }).ridge, mt));
        return { time: fmtTime(p.time), ...mt };
      });
    }
    if (lin) {
      const ps = lin.predictions;
      const mean = new Float64Array(ps.length * m * O);
      ps.forEach((p, i) => mean.set(p.mean.data, i * m * O));
      writeNpy(join(out, 'lin.mean.npy'), mean, [ps.length, m, O]);
      written.push('lin.mean.npy');
      metrics.lin = ps.map((p) => {
        const mt = predictionMetrics(p.mean, test.targets, classification);
        const time = 'time' in p.at ? p.at.time : Number.NaN;
        lines.push(line(`lin t = ${fmtTime(time)}`, 0, mt));
        return { time: fmtTime(time), ...mt };
      });
    }
    if (ensemble) {
      const { ens } = ensemble;
      const T = times.length;
      const stack = (get: (a: (typeof ens.atSteps)[number]) => Matrix | null, size: number) => {
        const out = new Float64Array(T * size);
        times.forEach((t, i) =>
          out.set(
            (get(ens.atSteps.find((a) => a.step === t) as (typeof ens.atSteps)[number]) as Matrix).data,
            i * size,
          ),
        );
        return out;
      };
      writeNpy(
        join(out, 'ensemble.mean.npy'),
        stack((a) => a.mean, m * O),
        [T, m, O],
      );
      writeNpy(
        join(out, 'ensemble.cov.npy'),
        stack((a) => a.covariance, m * m),
        [T, m, m],
      );
      written.push('ensemble.mean.npy', 'ensemble.cov.npy');
      if (ensembleCfg?.linearized) {
        writeNpy(
          join(out, 'ensemble.lin.mean.npy'),
          stack((a) => a.linMean, m * O),
          [T, m, O],
        );
        writeNpy(
          join(out, 'ensemble.lin.cov.npy'),
          stack((a) => a.linCovariance, m * m),
          [T, m, m],
        );
        written.push('ensemble.lin.mean.npy', 'ensemble.lin.cov.npy');
      }
      const f3 = (x: number) => x.toFixed(3);
      lines.push(
        `  ensemble         K = ${ens.members} (seeds ${ens.seeds[0]}–${ens.seeds.at(-1)}), mean train loss ${ens.trainLoss.toExponential(3)}`,
      );
      ensemble.gaps.forEach((g, i) => {
        const mt = predictionMetrics(ens.atSteps.find((a) => a.step === g.step)!.mean, test.targets, classification);
        lines.push(
          `  ensemble t = ${String(times[i]).padEnd(5)}                  test MSE ${mt.mse.toExponential(4)}` +
            (mt.accuracy === null ? '' : `  accuracy ${(100 * mt.accuracy).toFixed(2)} %`),
          `    vs NTK-GP: mean gap ${f3(g.meanGap)} GP σ (noise 1/√K = ${f3(g.meanNoise)}), χ² ${g.chi2.statistic.toFixed(1)} / ${g.chi2.dof} dof (z ${g.chi2.z.toFixed(2)}), variance ratio ${f3(g.varianceRatio)} ± ${f3(g.varianceRatioSpread)}`,
        );
        const d = g.decomposition;
        if (d)
          lines.push(
            `    split: finite width ${f3(d.finite.rms)} ± ${f3(d.finite.noise)}, init ${f3(d.init.rms)} ± ${f3(d.init.noise)}, discretization ${d.discretization.toExponential(2)} GP σ` +
              (d.nonlinear && d.kernel
                ? `; finite = nonlinear ${f3(d.nonlinear.rms)} ± ${f3(d.nonlinear.noise)} + kernel ${f3(d.kernel.rms)} ± ${f3(d.kernel.noise)}; linearized ensemble: gap ${f3(d.linMeanGap as number)}, variance ratio ${f3(d.linVarianceRatio as number)}`
                : ''),
          );
      });
      metrics.ensemble = ensemble.gaps.map((g) => ({
        time: g.step,
        ...predictionMetrics(ens.atSteps.find((a) => a.step === g.step)!.mean, test.targets, classification),
      }));
    }
    seconds.total = elapsed();
    const summary = {
      ntkLab: VERSION,
      command: 'predict',
      arch: o.arch ?? null,
      param,
      train: train.spec,
      test: test.spec,
      n,
      m,
      outputs: O,
      task: train.task,
      ...(train.task === 'classification' ? { classes: train.classes, encoding: train.encoding } : {}),
      get,
      solver: 'dense',
      times: get === 'nngp' ? null : times.map(fmtTime),
      lr: eta,
      normalization,
      covariance: cov,
      ...(finite
        ? {
            params: {
              dir: o.params,
              seed: finite.seed,
              numParams: finite.params.net.numParams,
            },
          }
        : {}),
      ...(ensemble
        ? {
            ensemble: {
              members: ensemble.ens.members,
              seeds: [ensemble.ens.seeds[0], ensemble.ens.seeds.at(-1)],
              arch: o.arch,
              loss: 'mse',
              lr: eta,
              normalization,
              steps: times,
              meanTrainLoss: ensemble.ens.trainLoss,
              gaps: ensemble.gaps.map((g) => ({ time: g.step, ...g })),
              definitions: {
                meanGap: 'RMS over test points and outputs of (ensemble mean − NTK-GP mean) / √(tr Σ/m)',
                meanNoise: '1/√K: the mean gap of K draws from the NTK-GP (its RMS)',
                chi2: 'K·Σ (u_rᵀ(mean − μ))²/λ_r over Σ’s eigenpairs with λ_r > 1e-3·λ_max; χ²(dof) for GP draws',
                varianceRatio:
                  'tr S / tr Σ (S: ensemble covariance pooled over outputs); spread √(2 tr Σ²/(O(K−1)))/tr Σ',
              },
            },
          }
        : {}),
      kernels: kernelsFromFiles ? 'files' : cached ? `cache ${o.kernels}` : 'computed',
      ridge: {
        ...(result.nngp ? { nngp: result.nngp.ridge } : {}),
        ...(result.ntk ? { ntk: result.ntk.ridge } : {}),
        mode: ridge === 'auto' ? 'auto (leave-one-out, one eigendecomposition per kernel)' : 'fixed',
        ...(ridge === 'auto' ? { grid: RIDGE_GRID.map((s) => `${s}·mean(diag K)`) } : {}),
      },
      // the relative residual ‖(K + ρI)α − Y‖_F/‖Y‖_F of each kernel's solve (the ooc summary's `residuals`); ntk: at
      // t = ∞, null without it
      residual: {
        ...(result.nngp ? { nngp: result.nngp.residual } : {}),
        ...(result.ntk ? { ntk: result.ntk.residual } : {}),
      },
      leaveOneOut: {
        ...(result.nngp?.loo ? { nngp: result.nngp.loo } : {}),
        ...(result.ntk?.loo ? { ntk: result.ntk.loo } : {}),
      },
      metrics,
      seconds,
      files: [...written, 'summary.json'],
    };
    writeJsonAtomic(join(out, 'summary.json'), summary);
    const head =
      `ntk predict: n = ${n} train, m = ${m} test, ${O} output${O > 1 ? 's' : ''}` +
      (train.task === 'classification' ? `, ${train.classes.length} classes (${train.encoding})` : ', regression');
    const loo = [
      ...(result.nngp?.loo ? [looTable('nngp', result.nngp.loo)] : []),
      ...(result.ntk?.loo ? [looTable('ntk', result.ntk.loo)] : []),
    ];
    const perClass = (metrics.nngp ?? (metrics.ntk as unknown[] | undefined)?.[0]) as
      ReturnType<typeof predictionMetrics> | undefined;
    const pc = perClass?.perClass
      ? [
          `  per-class accuracy (${metrics.nngp ? 'nngp' : 'ntk, first time'}): ` +
            perClass.perClass
              .map((c) => `${c.class} ${c.accuracy === null ? '–' : (100 * c.accuracy).toFixed(1)}`)
              .join('  '),
        ]
      : [];
    const timing = Object.entries(seconds)
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(', ');
    const holds: Record<string, string> = {
      'nngp.mean.npy': `NNGP posterior mean (${m} × ${O})`,
      'nngp.cov.npy': `NNGP posterior covariance (${m} × ${m})`,
      'ntk.mean.npy': `NTK-GP means at the ${times.length} times (${times.length}, ${m}, ${O})`,
      'ntk.cov.npy': `NTK-GP covariances at the ${times.length} times (${times.length}, ${m}, ${m})`,
      'lin.mean.npy': `the --params network's linearized predictions at the ${times.length} times`,
      'ensemble.mean.npy': `the ensemble's means at the ${times.length} times`,
      'ensemble.cov.npy': `the ensemble's covariances at the ${times.length} times`,
      'ensemble.lin.mean.npy': "the members' linearizations: means",
      'ensemble.lin.cov.npy': "the members' linearizations: covariances",
      'summary.json': 'metrics, ridges, leave-one-out curves, seconds per phase',
    };
    emitSummary(
      o.json,
      {
        command: 'predict',
        ok: true,
        seconds: seconds.total,
        outputs: [...written, 'summary.json'].map((f) => ({ flag: '--out', path: join(out, f), holds: holds[f] ?? f })),
        solver: 'dense',
        n,
        m,
        get,
        times: summary.times,
        ridges: summary.ridge,
        residual: summary.residual,
        metrics,
        ...(summary.ensemble ? { ensemble: summary.ensemble } : {}),
      },
      [
        head,
        ...lines,
        ...pc,
        ...loo,
        `  time: ${timing}`,
        `  wrote ${written
          .concat('summary.json')
          .map((f) => join(out, f))
          .join(', ')}`,
      ],
    );
    return 0;
  },
};
