import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.js';
import { writeMatrixNpy } from '../io/npy.js';
import { checkOutputPath } from '../io/output.js';
import { checkPd } from '../analytic/pd.js';
import { kernelFn, maxWorkers } from '../analytic/kernelFn.js';
import type { Command } from './command.js';
import { INPUT_OPTIONS, loadAdjacency, loadInputs, namingOptions } from './inputs.js';
import { ARCH_EXAMPLES } from '../arch/registry.js';
import { progress } from './progress.js';
import { checkJsonStdout, emitSummary, JSON_FLAG, type OutputFile } from './summary.js';

const USAGE = `ntk kernel --arch SPEC (--data SPEC | --x X.npy) [--x2 X2.npy] [--param ntk|standard] [--get ntk|nngp]
           [--input-shape H,W,C] [--adjacency A.npy] [--outputs trace|full] [--workers N] [--check-pd] --out K.npy

The analytic infinite-width kernel (NTK or NNGP) of an architecture, neural-tangents' conventions (docs/kernels.md).
  --arch SPEC           e.g. '${ARCH_EXAMPLES.mlp}' or '${ARCH_EXAMPLES.bigCnn}'
  --data SPEC           a dataset spec (ntk data --help), or --x X.npy: (n, d) or (n, h, w, c) float array
  --x2 X2.npy           second set (default: K(x, x))
  --input-shape H,W,C   per-example image shape for (n, d) inputs (NHWC, h·w·c = d)
  --adjacency A.npy     (V, V) graph of the \`aggregate\` layers, shared by all examples (inputs (n, V, 1, F))
  --outputs             trace (default): n1×n2, mean over output logits; full: (n1·O)×(n2·O), row i·O + o
                        (node-level kernels of a graph network that ends on its nodes)
  --param               ntk (default) or standard
  --get                 ntk (default) or nngp
  --workers N           worker threads (default: all cores when the job is large; 0 = in-process; at most
                        4 × the cores, more are refused)
  --check-pd            print λ_min, λ_max, the condition number and whether K is strictly PD (symmetric K only)
  --out K.npy           float64 (n1, n2), written atomically (- : standard output, not a terminal;
                        the summary lines then go to stderr)
  --json                print the summary (and the --check-pd numbers) as JSON on stdout (docs/json.md)

examples:
  ntk kernel --arch 'flatten,dense(512),relu,dense(1)' --data mnist:train:n=100 --out K.npy --check-pd
  ntk kernel --arch 'conv(16,3),relu,gap,dense(1)' --data mnist:train:n=20 --get nngp --out nngp.npy --json

Progress (tiles, with an ETA) goes to stderr when it is a terminal; the summary (shape, what the file holds,
time) to stdout.
Exit codes: 0 ok, 2 bad input (message names the problem).`;

export const kernel: Command = {
  usage: USAGE,
  async run(argv) {
    const { values: o } = parseArgs({
      args: argv,
      options: {
        arch: { type: 'string' },
        ...INPUT_OPTIONS,
        param: { type: 'string' },
        get: { type: 'string' },
        outputs: { type: 'string' },
        workers: { type: 'string' },
        'check-pd': { type: 'boolean', default: false },
        out: { type: 'string' },
        ...JSON_FLAG,
      },
    });
    if (o.arch === undefined) throw new ConfigError('--arch', 'is required (e.g. --arch "dense(512),relu,dense(1)")');
    if (o.out === undefined && !o['check-pd'])
      throw new ConfigError('--out', 'is required (a .npy path), unless only --check-pd is wanted');
    const param = o.param ?? 'ntk';
    if (param !== 'ntk' && param !== 'standard')
      throw new ConfigError('--param', `must be ntk or standard; got '${param}'`);
    const get = o.get ?? 'ntk';
    if (get !== 'ntk' && get !== 'nngp') throw new ConfigError('--get', `must be ntk or nngp; got '${get}'`);
    const outputs = o.outputs ?? 'trace';
    if (outputs !== 'trace' && outputs !== 'full')
      throw new ConfigError('--outputs', `must be trace or full; got '${outputs}'`);
    let workers: number | undefined;
    if (o.workers !== undefined) {
      workers = Number(o.workers);
      if (!Number.isSafeInteger(workers) || workers < 0)
        throw new ConfigError('--workers', `must be an integer ≥ 0; got '${o.workers}'`);
      if (workers > maxWorkers())
        throw new ConfigError(
          '--workers',
          `must be at most ${maxWorkers()} (4 × this machine's cores); got ${workers}`,
        );
    }
    checkOutputPath('--out', o.out, { kind: 'file', binary: true });
    checkJsonStdout(o.json, [o.out]);
    const { X, X2, image } = loadInputs(o);
    const adjacency = loadAdjacency(o.adjacency);
    const bar = progress('ntk kernel', 'tiles');
    const kfn = kernelFn(o.arch, {
      inputShape: image ?? [X.cols],
      param,
      outputs,
      ...(adjacency ? { adjacency } : {}),
      ...(workers !== undefined ? { workers } : {}),
      onProgress: bar.update,
    });
    const t0 = performance.now();
    let K;
    try {
      K = await namingOptions(o, () => kfn(X, X2, get));
    } finally {
      bar.end();
    }
    const secs = (performance.now() - t0) / 1000;
    if (o.out !== undefined) writeMatrixNpy(o.out, K);
    const pair = X2 === null ? 'K(x, x)' : 'K(x, x2)';
    const holds = `${K.rows}×${K.cols} ${outputs} ${get === 'ntk' ? 'NTK' : 'NNGP'} ${pair} (analytic, infinite width, ${param})`;
    const files: OutputFile[] =
      o.out !== undefined ? [{ flag: '--out', path: o.out, shape: [K.rows, K.cols], holds }] : [];
    // the first line is the one earlier versions printed (scripts parse it)
    const human = [
      `${get} ${K.rows}×${K.cols} in ${secs.toFixed(2)} s${o.out !== undefined ? ` → ${o.out}` : ''}`,
      holds,
    ];
    let pd: Record<string, unknown> | null = null;
    if (o['check-pd']) {
      if (X2 !== null) throw new ConfigError('--check-pd', 'needs a symmetric kernel K(x, x): drop --x2');
      const r = checkPd(K);
      pd = { ...r };
      human.push(
        `λ_min = ${r.lambdaMin.toExponential(6)}  λ_max = ${r.lambdaMax.toExponential(6)}  condition = ${r.condition.toExponential(4)}`,
        `${r.strictlyPd ? 'strictly positive definite' : `NOT strictly positive definite (λ_min ≤ tolerance ${r.tolerance.toExponential(2)})`} on these ${r.n} points`,
      );
    }
    emitSummary(
      o.json,
      {
        command: 'kernel',
        ok: true,
        seconds: secs,
        outputs: files,
        kernel: { kind: get, rows: K.rows, cols: K.cols, outputs, symmetric: X2 === null },
        network: { arch: o.arch, param },
        inputs: { n1: X.rows, n2: X2 === null ? X.rows : X2.rows, d: X.cols, image },
        checkPd: pd,
      },
      human,
    );
    return 0;
  },
};
