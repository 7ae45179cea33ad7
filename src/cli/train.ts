/**
 * `ntk train`: train a finite network (and its linearization) by gradient descent on a dataset, writing
 * config.json, metrics.jsonl (one record per tracked step), summary.json and checkpoint.bin into --out.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { alignClasses, loadDataset } from '../data/index.js';
import type { Dataset } from '../data/types.js';
import { ConfigError, InvalidArgumentError } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { checkOutputPath } from '../io/output.js';
import { lockRunFolder, runFolderKind } from '../io/runFolder.js';
import { backend, Matrix } from '../linalg/index.js';
import { buildNetwork, type Parameterization, parseArch } from '../nn/index.js';
import { readParams, writeParams } from '../empirical/export.js';
import { type LearningRate, resolveConfig, stderrProgress, type TrainConfig, type TrainData } from '../train/config.js';
import { type LossKind, type LossNormalization, smoothLabels } from '../train/losses.js';
import { ntk0Reference } from '../train/reference.js';
import { parseSchedule } from '../train/schedule.js';
import { type Tracker, TRACKERS, type TrainRecord } from '../train/trackers.js';
import { loadCheckpointHeader, train, type TrainResult } from '../train/trainer.js';
import { VERSION } from '../version.js';
import type { Command } from './command.js';
import { manifestOf } from './empirical.js';
import { emitSummary, JSON_FLAG } from './summary.js';

const USAGE = `ntk train --arch SPEC --data SPEC --loss mse|ce|soft-ce --lr LR --steps T --out DIR [options]

Trains the network by gradient descent and, side by side, its linearization f(θ₀) + J₀(θ − θ₀) under the same loss,
steps and batches; records metrics at log-spaced steps. See docs/training.md for every formula.

options:
  --arch SPEC            architecture, e.g. 'dense(512),relu,dense(10)'                                (required)
  --data SPEC            training set (loadDataset spec, e.g. mnist:train:n=500)                        (required)
  --test-data SPEC       test set (test loss/accuracy and the network–linearization distance on test)
  --loss mse|ce|soft-ce  mse: ½‖f − y‖² on the dataset's targets (its labels= encoding); ce: softmax
                         cross-entropy with hard labels; soft-ce: cross-entropy with label smoothing
                         (1 − ε)·onehot + ε/C, needs --smoothing ε > 0                                (required)
  --smoothing ε          label smoothing for soft-ce (0 < ε < 1)
  --normalization sum|mean   loss divisor N: 1 (sum over examples, default) or n (mean)
  --reg λ[,to-init|,to-zero] add (λ/2)‖θ − θ₀‖² (default to-init) or (λ/2)‖θ‖²
  --lr LR                absolute step η (e.g. 0.01), or frac:C for η = C·2/(λ_max(Θ₀)/N + λ)          (required)
  --steps T              number of updates                                                               (required)
  --batch B              minibatch size (default n: full batch)
  --momentum μ           heavy-ball momentum in [0, 1) (default 0)
  --seed S               initialization seed (default 0)
  --params DIR           start from the parameters in DIR (manifest.json + .npy: the --params-out format of
                         ntk train and ntk empirical, e.g. a PyTorch model from examples/torch_export.py) instead of
                         the seeded init; the linearization and --reg to-init are centred on them; --arch and
                         --param default to the manifest's (--seed still orders the minibatches)
  --params-out DIR       write the trained network's parameters there at the end (same format)
  --param ntk|standard   parameterization (default ntk)
  --no-linearized        do not train the linearized model
  --per-position         a network whose output still has positions trains on its P·C outputs (one per position
                         and channel; the targets must have as many columns); else refused
  --track SCHEDULE       log:P (default log:40), every:K, or a list 0,10,100
  --trackers LIST        comma-separated subset of: ${TRACKERS.join(', ')}
                         (default: all that apply; the NTK trackers only when n·O ≤ 2048)
  --checkpoint-every K   also checkpoint every K steps (default: every 60 s)
  --resume               continue from DIR/checkpoint.bin (same options required)
  --quiet                no progress lines on stderr
  --json                 print summary.json's content as JSON on stdout at the end (docs/json.md)
  --out DIR              run folder                                                                      (required)

examples:
  ntk train --arch 'dense(64),relu,dense(1)' --data sphere:n=50:d=5:seed=1 --loss mse --lr 0.1 --steps 50 --out runs/train-mse
  ntk train --arch 'dense(64),relu,dense(2)' --data gaussian:n=60:d=4:k=2:seed=2 --loss ce --lr frac:0.5 --steps 50 --out runs/train-ce
  ntk train --arch 'dense(64),relu,dense(1)' --data sphere:n=50:d=5:seed=1 --loss mse --lr 0.1 --steps 50 --params-out runs/p50 --out runs/train-a
  ntk train --params runs/p50 --data sphere:n=50:d=5:seed=1 --loss mse --lr 0.1 --steps 50 --out runs/train-b

Ctrl-C or SIGTERM stops after the current step with a checkpoint (resume with --resume). The run folder is
locked while training (a second run on it is refused); a folder written by \`ntk run\` is refused.
Exit codes: 0 completed, 2 bad input, 3 diverged (metrics so far are kept), 130 stopped.`;

function num(flag: string, s: string | undefined, check: (v: number) => boolean, what: string): number | undefined {
  if (s === undefined) return undefined;
  const v = Number(s);
  if (s.trim() === '' || !Number.isFinite(v) || !check(v)) throw new ConfigError(flag, `must be ${what}; got '${s}'`);
  return v;
}

function targetsFor(ds: Dataset, loss: LossKind, eps: number | undefined, flag: string): Matrix {
  if (loss === 'mse') return ds.targets;
  if (ds.task !== 'classification')
    throw new ConfigError(
      flag,
      `must be a classification dataset for --loss ${loss}; ${ds.spec} is a regression set. Cross-entropy cannot be trained on regression targets; use --loss mse.`,
    );
  return smoothLabels(ds.y, ds.classes.length, loss === 'ce' ? 0 : (eps as number));
}

function parseFlags(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      arch: { type: 'string' },
      data: { type: 'string' },
      'test-data': { type: 'string' },
      loss: { type: 'string' },
      smoothing: { type: 'string' },
      normalization: { type: 'string' },
      reg: { type: 'string' },
      lr: { type: 'string' },
      steps: { type: 'string' },
      batch: { type: 'string' },
      momentum: { type: 'string' },
      seed: { type: 'string' },
      params: { type: 'string' },
      'params-out': { type: 'string' },
      param: { type: 'string' },
      'no-linearized': { type: 'boolean', default: false },
      'per-position': { type: 'boolean', default: false },
      track: { type: 'string' },
      trackers: { type: 'string' },
      'checkpoint-every': { type: 'string' },
      resume: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      ...JSON_FLAG,
      out: { type: 'string' },
    },
    strict: true,
  }).values;
}

/** The options' values, checked in the order of the usage text (ConfigError naming the flag otherwise). */
function optionsOf(o: ReturnType<typeof parseFlags>) {
  const recorded = o.params !== undefined ? manifestOf(o.params) : null;
  if (o.arch === undefined && recorded) o.arch = recorded.arch;
  if (o.param === undefined && recorded) o.param = recorded.param;
  for (const f of ['arch', 'data', 'loss', 'lr', 'steps', 'out'] as const)
    if (o[f] === undefined) throw new ConfigError(`--${f}`, 'is required (see ntk train --help)');
  const loss = o.loss as LossKind;
  if (loss !== 'mse' && loss !== 'ce' && loss !== 'soft-ce')
    throw new ConfigError('--loss', `must be mse, ce or soft-ce; got '${o.loss}'`);
  const eps = num('--smoothing', o.smoothing, (v) => v >= 0 && v < 1, 'in [0, 1)');
  if (loss === 'soft-ce' && !(eps !== undefined && eps > 0))
    throw new ConfigError(
      '--smoothing',
      `soft-ce needs soft, non-degenerate targets: give --smoothing ε with 0 < ε < 1 (got ${o.smoothing ?? 'none'}); with ε = 0 use --loss ce`,
    );
  if (loss !== 'soft-ce' && eps !== undefined)
    throw new ConfigError('--smoothing', `applies to --loss soft-ce only (got --loss ${loss})`);
  const normalization = (o.normalization ?? 'sum') as LossNormalization;
  if (normalization !== 'sum' && normalization !== 'mean')
    throw new ConfigError('--normalization', `must be sum or mean; got '${o.normalization}'`);
  let reg: TrainConfig['reg'];
  if (o.reg !== undefined) {
    const m = /^([^,]+)(?:,(to-init|to-zero))?$/.exec(o.reg.trim());
    const lambda = m ? Number(m[1]) : Number.NaN;
    if (!m || !Number.isFinite(lambda) || lambda < 0)
      throw new ConfigError('--reg', `must be λ or λ,to-init or λ,to-zero with λ ≥ 0; got '${o.reg}'`);
    reg = { lambda, center: m[2] === 'to-zero' ? 'zero' : 'init' };
  }
  let lr: LearningRate;
  const lrText = (o.lr as string).trim();
  if (lrText.startsWith('frac:')) {
    lr = { fraction: num('--lr', lrText.slice(5), (v) => v > 0, 'frac:C with C > 0') as number };
  } else lr = { absolute: num('--lr', lrText, (v) => v > 0, 'a positive number or frac:C') as number };
  const int = (flag: string, s: string | undefined, min: number): number | undefined =>
    num(flag, s, (v) => Number.isSafeInteger(v) && v >= min, `an integer ≥ ${min}`);
  const steps = int('--steps', o.steps, 0) as number;
  const batchSize = int('--batch', o.batch, 1);
  const momentum = num('--momentum', o.momentum, (v) => v >= 0 && v < 1, 'in [0, 1)');
  const seed = int('--seed', o.seed, 0) ?? 0;
  const ckEvery = int('--checkpoint-every', o['checkpoint-every'], 1);
  const param = (o.param ?? 'ntk') as Parameterization;
  if (param !== 'ntk' && param !== 'standard')
    throw new ConfigError('--param', `must be ntk or standard; got '${o.param}'`);
  let trackers: Tracker[] | undefined;
  if (o.trackers !== undefined) {
    trackers = o.trackers.split(',').map((s) => s.trim()) as Tracker[];
    for (const t of trackers)
      if (!TRACKERS.includes(t))
        throw new ConfigError('--trackers', `unknown tracker '${t}'; valid: ${TRACKERS.join(', ')}`);
  }
  const schedule = o.track !== undefined ? parseSchedule(o.track) : undefined;
  const arch = parseArch(o.arch as string);
  return {
    loss,
    eps,
    normalization,
    reg,
    lr,
    steps,
    batchSize,
    momentum,
    seed,
    ckEvery,
    param,
    trackers,
    schedule,
    arch,
  };
}

/** summary.json's `reference`: the network's and the linearized model's distance to ntk0Reference (when Θ₀ is known). */
function summaryReference(
  result: TrainResult,
  X: Matrix,
  Y: Matrix,
  o: Pick<TrainConfig, 'loss' | 'normalization' | 'reg' | 'momentum' | 'batchSize'>,
): Record<string, unknown> | null {
  const distance = (a: Float64Array | null, b: Float64Array): number | null => {
    if (!a) return null;
    let s = 0;
    for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
    return Math.sqrt(s);
  };
  const ref =
    result.ntk0 && result.ntk0Eig && result.status === 'completed'
      ? ntk0Reference({
          params0: result.params0,
          X,
          Y,
          loss: o.loss,
          normalization: o.normalization,
          reg: o.reg,
          gd: { eta: result.eta, steps: result.step, momentum: o.momentum, batchSize: o.batchSize },
          ntk0: result.ntk0,
          ntk0Eig: result.ntk0Eig,
        })
      : null;
  return (
    ref && {
      kind: ref.description,
      ...(ref.kind === 'fixed-point'
        ? {
            newtonIterations: ref.fixedPoint.iterations,
            stationarity: ref.fixedPoint.stationarity,
            objective: ref.fixedPoint.objective,
          }
        : {}),
      networkGap: distance(result.fTrain, ref.train),
      linearizedGap: distance(result.fLinTrain, ref.train),
    }
  );
}

/** The test set with its labels mapped to the training classes by name; a ConfigError naming --test-data otherwise. */
function testSet(test: Dataset, train: Dataset): Dataset {
  try {
    return alignClasses(test, train);
  } catch (e) {
    if (e instanceof InvalidArgumentError) throw new ConfigError('--test-data', e.message);
    throw e;
  }
}

/** The data sets (with targets for the loss) and the TrainConfig; image inputs keep their shape when the net takes it. */
function loadRun(
  o: ReturnType<typeof parseFlags>,
  p: ReturnType<typeof optionsOf>,
): { ds: Dataset; tds: Dataset | null; cfg: TrainConfig; data: TrainData } {
  const ds = loadDataset(o.data as string);
  const Y = targetsFor(ds, p.loss, p.eps, '--data');
  // test labels by class name, not index: --test-data …:classes=1,0 against --data …:classes=0,1 (issue #13)
  const tds = o['test-data'] !== undefined ? testSet(loadDataset(o['test-data']), ds) : null;
  const Ytest = tds ? targetsFor(tds, p.loss, p.eps, '--test-data') : undefined;
  // the data's own shape, as \`ntk empirical\` and \`ntk kernel\` (dense on an image acts per position: flatten first)
  const inputShape: number[] = ds.imageShape ? [...ds.imageShape] : [ds.X.cols];
  // --params: θ₀ from the folder, checked against this network (arch, input shape, parameterization, layer shapes)
  const initialTheta =
    o.params !== undefined
      ? readParams(o.params, buildNetwork(p.arch, inputShape, p.param), p.seed).params.theta
      : undefined;
  const cfg: TrainConfig = {
    arch: p.arch,
    inputShape,
    param: p.param,
    seed: p.seed,
    ...(initialTheta ? { initialTheta } : {}),
    loss: p.loss,
    normalization: p.normalization,
    reg: p.reg,
    lr: p.lr,
    steps: p.steps,
    batchSize: p.batchSize,
    momentum: p.momentum,
    linearized: !o['no-linearized'],
    schedule: p.schedule,
    trackers: p.trackers,
    ...(o['per-position'] ? { perPosition: true } : {}),
  };
  const data: TrainData = { X: ds.X, Y, ...(tds && Ytest ? { Xtest: tds.X, Ytest } : {}) };
  return { ds, tds, cfg, data };
}

export const trainCommand: Command = {
  usage: USAGE,
  async run(argv) {
    const o = parseFlags(argv);
    const p = optionsOf(o);
    checkOutputPath('--out', o.out, { kind: 'dir' });
    if (o['params-out'] !== undefined) checkOutputPath('--params-out', o['params-out'], { kind: 'dir' });
    const out = o.out as string;
    checkTrainFolder(out);
    const { ds, tds, cfg, data } = loadRun(o, p);
    // the library's checks of the configuration against the data (e.g. Y's columns vs the outputs) before the folder
    resolveConfig(cfg, data);
    mkdirSync(out, { recursive: true });
    // The folder is this process's until the end (a second run on it is refused, naming this one; checked again
    // under the lock); Ctrl-C or SIGTERM stops after the current step with a checkpoint.
    const lock = lockRunFolder(out, { command: commandLine(argv) });
    let interrupted = false;
    const onSig = (): void => {
      interrupted = true;
    };
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
    for (const s of signals) process.on(s, onSig);
    try {
      checkTrainFolder(out);
      return await trainLocked(o, p, argv, { ds, tds, cfg, data }, () => interrupted);
    } finally {
      // the lock goes before the handlers: a signal from here on ends the process with nothing left behind
      lock.release();
      for (const s of signals) process.off(s, onSig);
    }
  },
};

/** `ntk train --out` never writes into a run folder of `ntk run`. */
function checkTrainFolder(out: string): void {
  const kind = runFolderKind(out);
  if (kind?.kind === 'run')
    throw new ConfigError(
      '--out',
      `${out} is a run folder of \`ntk run\` (preset ${kind.preset}); \`ntk train\` needs a folder of its own: choose another --out`,
    );
}

function commandLine(argv: readonly string[]): string {
  return `ntk train ${argv.map((a) => (/^[\w.:=,/+-]+$/.test(a) ? a : `'${a}'`)).join(' ')}`;
}

/** Train in the locked run folder: config.json, training (checkpoints), metrics.jsonl, summary.json; the exit code. */
async function trainLocked(
  o: ReturnType<typeof parseFlags>,
  p: ReturnType<typeof optionsOf>,
  argv: readonly string[],
  run: ReturnType<typeof loadRun>,
  interrupted: () => boolean,
): Promise<number> {
  const { ds, tds, cfg, data } = run;
  const { loss, eps, normalization, reg, lr, steps, batchSize, momentum, seed, param, trackers } = p;
  const out = o.out as string;
  if (o.resume) {
    // Say where training continues (a corrupt checkpoint is refused here, naming the file, before anything is written).
    const ck = loadCheckpointHeader(out);
    if (!ck) process.stderr.write(`ntk train: --resume: ${out} has no checkpoint.bin; starting at step 0\n`);
    else if (!o.quiet) process.stderr.write(`ntk train: resuming from step ${ck.step} of ${steps} (${ck.status})\n`);
  }
  const info = backend().info();
  writeJsonAtomic(join(out, 'config.json'), {
    command: commandLine(argv),
    arch: o.arch,
    data: ds.spec,
    testData: tds?.spec ?? null,
    loss,
    smoothing: eps ?? null,
    normalization,
    reg: reg ?? null,
    lr,
    steps,
    batchSize: batchSize ?? ds.X.rows,
    momentum: momentum ?? 0,
    seed,
    ...(o.params !== undefined ? { params: o.params } : {}),
    ...(o['params-out'] !== undefined ? { paramsOut: o['params-out'] } : {}),
    param,
    linearized: !o['no-linearized'],
    track: o.track ?? 'log:40',
    trackers: trackers ?? 'default',
    backend: { name: info.name, corename: info.corename, threads: info.threads },
    ntkLab: VERSION,
  });
  const metricsPath = join(out, 'metrics.jsonl');
  const writeMetrics = (history: readonly TrainRecord[]): void =>
    writeFileAtomic(metricsPath, history.map((r) => `${JSON.stringify(r)}\n`).join(''));
  let lastMetricsWrite = Number.NEGATIVE_INFINITY;
  const t0 = performance.now();
  const result = await train(cfg, data, {
    checkpointDir: out,
    resume: o.resume,
    ...(p.ckEvery !== undefined ? { checkpointEverySteps: p.ckEvery } : {}),
    shouldStop: interrupted,
    // Atomic rewrites, at most every 2 s (the checkpoint also holds the history); a final one follows.
    onRecord: (_r, history) => {
      const now = performance.now();
      if (now - lastMetricsWrite >= 2000) {
        writeMetrics(history);
        lastMetricsWrite = now;
      }
    },
    ...(o.quiet ? {} : { onProgress: stderrProgress }),
  });
  writeMetrics(result.history);
  if (o['params-out'] !== undefined && result.status !== 'diverged') writeParams(result.params, o['params-out'], seed);
  const seconds = (performance.now() - t0) / 1000;
  const reference = summaryReference(result, data.X, data.Y, { loss, normalization, reg, momentum, batchSize });
  const summary = {
    status: result.status,
    message: result.message,
    step: result.step,
    steps,
    eta: result.eta,
    lambdaMax: result.lambdaMax,
    seconds,
    final: result.history.at(-1) ?? null,
    reference,
    backend: { name: info.name, corename: info.corename, threads: info.threads },
  };
  writeJsonAtomic(join(out, 'summary.json'), summary);
  if (o.json) {
    const files = ['config.json', 'metrics.jsonl', 'summary.json', 'checkpoint.bin'];
    const outputs = files.map((f) => ({ flag: '--out', path: join(out, f), holds: f }));
    if (o['params-out'] !== undefined && result.status !== 'diverged')
      outputs.push({ flag: '--params-out', path: o['params-out'], holds: 'manifest.json + W/b .npy' });
    emitSummary(true, { command: 'train', ok: result.status === 'completed', outputs, ...summary }, []);
  }
  if (result.status === 'diverged') {
    process.stderr.write(`ntk train: ${result.message}\n`);
    return 3;
  }
  if (result.status === 'stopped') {
    process.stderr.write(`ntk train: ${result.message} (ntk train … --resume)\n`);
    return 130;
  }
  if (!o.quiet) process.stderr.write(`ntk train: ${result.message} in ${seconds.toFixed(1)} s; wrote ${out}\n`);
  return 0;
}
