/**
 * `ntk analyze`: spectrum, label alignment, convergence bounds and the generalization quantity of a kernel matrix
 * stored as .npy, from one eigendecomposition. Writes one JSON file atomically; warnings go to stderr.
 */
import { parseArgs } from 'node:util';
import {
  decomposeKernelAsync,
  generalizationBoundFromEigh,
  type KernelDecomposition,
  kernelTargetAlignment,
  labelAlignment,
  linearizedConvergence,
  type LossNormalization,
  type Spectrum,
  spectrum,
} from '../analysis/index.js';
import { alignedConvergence, generalizationAlignmentBounds } from '../analysis/bounds.js';
import { loadDataset, readLabelTargets } from '../data/index.js';
import { ConfigError, NtkError } from '../errors.js';
import { checkOutputPath, readMatrixNpy, writeJsonAtomic } from '../io/index.js';
import { Matrix } from '../linalg/index.js';
import type { Command } from './command.js';
import { assertFiniteFile } from './inputs.js';
import { checkJsonStdout, emitSummary, JSON_FLAG } from './summary.js';

const USAGE = `ntk analyze --kernel K.npy [--labels y.npy | --data SPEC] --out results.json [options]

Analyses an n×n kernel matrix (.npy, any numeric dtype) with one float64 eigendecomposition:
spectrum (λ_max, λ_min, condition number, PSD diagnostics, effective ranks, spectral entropy, decay exponent),
and with labels y (n or n×O .npy): label–NTK alignment (projections, γ fit, envelope C, cumulative power),
kernel–target alignment (raw, centered), linearized GD convergence curves (exact, classical, alignment bound;
discrete and gradient flow) from f₀ = 0, and the generalization quantity √(2yᵀ(K+ρI)⁻¹y/n).

options:
  --kernel PATH          n×n kernel matrix (.npy)                                      (required)
  --labels PATH          labels (.npy, n or n×O); integer/bool labels are classes, encoded as --data npy:…:y=PATH
                         encodes them (±1 for 2 classes, one-hot otherwise); float labels are the targets as given
  --data SPEC            labels from a dataset spec (loadDataset, e.g. 'gaussian:n=300:d=8:seed=3'): its targets
  --out PATH             results JSON (written atomically; - : standard output)        (required)
  --eta X                GD step η (default N/λ_max, half the largest stable step)
  --steps K              curve length: k = 0..K (default 1000)
  --normalization sum|mean   loss ½‖f−y‖² (sum, default) or ‖f−y‖²/(2n) (mean)
  --target-loss L        also report the steps each curve needs to reach loss L
  --ridge R              ridge ρ for the generalization quantity (default 0)
  --top-k K              only the K largest eigenpairs (spectrum and alignment only)
  --top-k-method M       syevr (LAPACK, default) or lanczos (K·v products; for k ≪ n)
  --sym-tol X            largest accepted relative asymmetry of K (default 1e-6)
  --bounds B             also write \`bounds\`: the classical, alignment, piecewise-envelope, band-mass and banded
                         bounds of √(2yᵀ(K+ρI)⁻¹y/n) and the γ-only estimate, and the same bounds of the convergence
                         curves, with B log-spaced spectral bands (src/analysis/bounds.ts)

  --json                 print the summary below as JSON on stdout (docs/json.md); the results stay in --out

examples (K.npy from the \`ntk kernel --help\` example):
  ntk analyze --kernel K.npy --data mnist:train:n=100 --out analysis.json
  ntk analyze --kernel K.npy --data mnist:train:n=100 --out analysis.json --ridge 1e-6 --bounds 8 --json

At the end a summary goes to stdout (stderr with --out -): n, λ_max, λ_min, condition number, and with labels
the fitted γ, the kernel–target alignment and the generalization quantity, and the time.
Non-finite numbers are written as the strings "Infinity", "-Infinity", "NaN".
Exit codes: 0 ok (warnings on stderr), 2 bad input (message names the problem).`;

/** JSON-ready copy: typed arrays → arrays, non-finite numbers → strings. */
export function toJson(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView))
    return Array.from(v as unknown as ArrayLike<number>, (x) => toJson(x));
  if (Array.isArray(v)) return v.map(toJson);
  if (v instanceof Matrix) return { rows: v.rows, cols: v.cols };
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toJson(x);
    return out;
  }
  return v;
}

function num(
  name: string,
  s: string | undefined,
  check: (x: number) => boolean,
  constraint: string,
): number | undefined {
  if (s === undefined) return undefined;
  const x = Number(s);
  if (s.trim() === '' || !Number.isFinite(x) || !check(x))
    throw new ConfigError(`--${name}`, `must be ${constraint}; got '${s}'`);
  return x;
}

interface AnalyzeOptions {
  readonly kernel: string;
  readonly labels?: string;
  readonly data?: string;
  readonly out: string;
  readonly eta?: number;
  readonly steps: number;
  readonly targetLoss?: number;
  readonly ridge: number;
  readonly topK?: number;
  readonly topKMethod?: string;
  readonly symTol: number;
  readonly bands?: number;
  readonly normalization: LossNormalization;
  readonly json: boolean;
}

/** The command line, checked (everything that needs no file). */
function parseOptions(argv: string[]): AnalyzeOptions {
  const { values: o } = parseArgs({
    args: argv,
    options: {
      kernel: { type: 'string' },
      labels: { type: 'string' },
      data: { type: 'string' },
      out: { type: 'string' },
      eta: { type: 'string' },
      steps: { type: 'string' },
      normalization: { type: 'string' },
      'target-loss': { type: 'string' },
      ridge: { type: 'string' },
      'top-k': { type: 'string' },
      'top-k-method': { type: 'string' },
      'sym-tol': { type: 'string' },
      bounds: { type: 'string' },
      ...JSON_FLAG,
    },
    strict: true,
  });
  if (!o.kernel) throw new ConfigError('--kernel', 'is required (an n×n kernel matrix in .npy format)');
  if (!o.out) throw new ConfigError('--out', 'is required (the results JSON path)');
  const eta = num('eta', o.eta, (x) => x > 0, 'a positive number');
  const steps =
    num('steps', o.steps, (x) => Number.isInteger(x) && x >= 0 && x <= 1e6, 'an integer in [0, 1e6]') ?? 1000;
  const targetLoss = num('target-loss', o['target-loss'], (x) => x >= 0, 'a non-negative number');
  const ridge = num('ridge', o.ridge, (x) => x >= 0, 'a non-negative number') ?? 0;
  const topK = num('top-k', o['top-k'], (x) => Number.isInteger(x) && x >= 1, 'a positive integer');
  const symTol = num('sym-tol', o['sym-tol'], (x) => x >= 0, 'a non-negative number') ?? 1e-6;
  const bands = num(
    'bounds',
    o.bounds,
    (x) => Number.isInteger(x) && x >= 1 && x <= 10_000,
    'an integer in [1, 10000]',
  );
  const normalization = (o.normalization ?? 'sum') as LossNormalization;
  if (normalization !== 'sum' && normalization !== 'mean') {
    throw new ConfigError(
      '--normalization',
      `must be 'sum' (½‖f−y‖²) or 'mean' (‖f−y‖²/(2n)); got '${o.normalization}'`,
    );
  }
  return {
    kernel: o.kernel,
    labels: o.labels,
    data: o.data,
    out: o.out,
    eta,
    steps,
    targetLoss,
    ridge,
    topK,
    topKMethod: o['top-k-method'],
    symTol,
    bands,
    normalization,
    json: o.json === true,
  };
}

/** The kernel (square) and the targets (--labels or --data; one finite row per kernel point), or null. */
function readInputs(o: AnalyzeOptions): { K: Matrix; Y: Matrix | null } {
  const K = readMatrixNpy(o.kernel);
  if (K.rows !== K.cols)
    throw new ConfigError('--kernel', `must be a square n×n matrix; ${o.kernel} is ${K.rows}×${K.cols}`);
  if (o.labels && o.data) throw new ConfigError('--labels', 'give either --labels or --data, not both');
  const Y = o.labels ? readLabelTargets(o.labels) : o.data ? loadDataset(o.data).targets : null;
  const labelFlag = o.labels ? '--labels' : '--data';
  if (Y && Y.rows !== K.rows) {
    throw new ConfigError(
      labelFlag,
      `must have one row per kernel point: the kernel is ${K.rows}×${K.cols} but ${o.labels ?? o.data} has ${Y.rows} rows`,
    );
  }
  if (Y) assertFiniteFile(labelFlag, o.labels ?? (o.data as string), Y.data, Y.cols);
  return { K, Y };
}

/**
 * What the targets add to `result`: alignments, and with a complete decomposition the convergence curves from
 * f₀ = 0, the generalization quantity and (--bounds) the alignment bounds.
 */
function analyzeTargets(
  result: Record<string, unknown>,
  o: AnalyzeOptions,
  K: Matrix,
  Y: Matrix,
  dec: KernelDecomposition,
  spec: Spectrum,
  warnings: string[],
): void {
  const { steps, normalization, targetLoss, ridge, bands } = o;
  result.outputs = Y.cols;
  result.alignment = labelAlignment(dec, Y);
  result.kernelTargetAlignment = kernelTargetAlignment(K, Y);
  if (!spec.complete) {
    warnings.push('--top-k: convergence curves and the generalization quantity need all eigenpairs and were skipped');
    return;
  }
  const N = normalization === 'mean' ? K.rows : 1;
  const step = o.eta ?? N / spec.lambdaMax;
  if (o.eta === undefined && !(Number.isFinite(step) && step > 0))
    throw new ConfigError(
      '--kernel',
      `has λ_max = ${spec.lambdaMax}, so the default step η = N/λ_max = ${step} is unusable (the kernel is zero or numerically zero); pass --eta, or rescale the kernel`,
    );
  const r0 = new Matrix(
    Y.rows,
    Y.cols,
    Y.data.map((v) => -v),
  );
  const convergence = linearizedConvergence(dec, r0, { eta: step, steps, normalization, targetLoss });
  warnings.push(...convergence.warnings);
  result.convergence = convergence;
  try {
    result.generalization = generalizationBoundFromEigh(dec, Y, { ridge });
  } catch (e) {
    if (!(e instanceof NtkError)) throw e;
    warnings.push(e.message);
    result.generalization = { error: e.message };
  }
  if (bands !== undefined) {
    const bounds: Record<string, unknown> = {};
    try {
      bounds.generalization = generalizationAlignmentBounds(dec, Y, { ridge, bands });
    } catch (e) {
      if (!(e instanceof NtkError)) throw e;
      bounds.generalization = { error: e.message };
    }
    const c = alignedConvergence(dec, r0, { eta: step, steps, normalization, bands });
    bounds.convergence = { gamma: c.gamma, envelope: c.envelope, bands: c.bands, rate: c.rate, ...c.curves };
    result.bounds = bounds;
  }
}

export const analyze: Command = {
  usage: USAGE,
  async run(argv) {
    const o = parseOptions(argv);
    checkOutputPath('--out', o.out, { kind: 'file' });
    checkJsonStdout(o.json, [o.out]);
    const t0 = performance.now();
    const { K, Y } = readInputs(o);
    const topKMethod = o.topKMethod ?? 'syevr';
    if (topKMethod !== 'syevr' && topKMethod !== 'lanczos') {
      throw new ConfigError('--top-k-method', `must be 'syevr' or 'lanczos'; got '${topKMethod}'`);
    }
    const { topK, symTol } = o;
    if (topK !== undefined && topK > K.rows) throw new ConfigError('--top-k', `must be ≤ n = ${K.rows}; got ${topK}`);
    const tRead = performance.now();
    const dec = await decomposeKernelAsync(K, { topK, symTol, topKMethod });
    const tEig = performance.now();
    const warnings: string[] = [];
    const spec = spectrum(dec);
    if (spec.psd.significantNegativeCount > 0) {
      warnings.push(
        `the kernel is not positive semi-definite: ${spec.psd.significantNegativeCount} eigenvalue(s) below −${spec.psd.tolerance.toExponential(2)} ` +
          `(most negative ${spec.psd.mostNegative.toExponential(3)}, ${(100 * spec.psd.negativeMassFraction).toPrecision(3)}% of Σ|λ|)`,
      );
    }
    const result: Record<string, unknown> = {
      command: ['ntk', 'analyze', ...argv].join(' '),
      kernel: o.kernel,
      labels: o.labels ?? null,
      data: o.data ?? null,
      n: K.rows,
      spectrum: spec,
    };
    if (Y) analyzeTargets(result, o, K, Y, dec, spec, warnings);
    const tEnd = performance.now();
    result.warnings = warnings;
    const cpu = process.cpuUsage();
    result.timings = {
      readSeconds: (tRead - t0) / 1000,
      eighSeconds: (tEig - tRead) / 1000,
      analysisSeconds: (tEnd - tEig) / 1000,
      // Since process start (node start-up and module loading included), before the JSON write.
      processWallSeconds: tEnd / 1000,
      processCpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
    writeJsonAtomic(o.out, toJson(result));
    for (const w of warnings) process.stderr.write(`ntk analyze: warning: ${w}\n`);
    const al = result.alignment as { gamma: number | null } | undefined;
    const kta = result.kernelTargetAlignment as { raw: number; centered: number } | undefined;
    const gen = result.generalization as { value?: number; ridge?: number; error?: string } | undefined;
    const seconds = (performance.now() - t0) / 1000;
    const g = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : x.toPrecision(4));
    const human = [
      `${K.rows}×${K.cols} kernel ${o.kernel}: λ_max ${g(spec.lambdaMax)}, λ_min ${g(spec.lambdaMin)}, condition ${g(spec.conditionNumber)}${spec.complete ? '' : ` (top ${spec.computed})`}`,
    ];
    if (Y) {
      human.push(
        `labels ${o.labels ?? o.data} (${Y.cols} output${Y.cols === 1 ? '' : 's'}): γ ${g(al?.gamma)}, KTA ${g(kta?.raw)} (centered ${g(kta?.centered)})` +
          (gen === undefined
            ? ''
            : gen.value !== undefined
              ? `, √(2yᵀ(K+ρI)⁻¹y/n) ${g(gen.value)} (ρ = ${gen.ridge})`
              : ', generalization quantity: n/a (see the warning)'),
      );
    }
    human.push(`results → ${o.out === '-' ? 'standard output' : o.out}; ${seconds.toFixed(2)} s`);
    emitSummary(
      o.json,
      {
        command: 'analyze',
        ok: true,
        seconds,
        outputs: [{ flag: '--out', path: o.out, holds: 'analysis results JSON' }],
        n: K.rows,
        lambdaMax: spec.lambdaMax,
        lambdaMin: spec.lambdaMin,
        conditionNumber: spec.conditionNumber,
        gamma: al?.gamma ?? null,
        kernelTargetAlignment: kta ?? null,
        generalization: gen?.value ?? null,
        ridge: o.ridge,
        warnings,
      },
      human,
    );
    return 0;
  },
};
