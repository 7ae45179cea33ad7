import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.js';
import { writeMatrixNpy } from '../io/npy.js';
import { Matrix } from '../linalg/matrix.js';
import { checkOutputPath, writesToStdout } from '../io/output.js';
import { checkPd } from '../analytic/pd.js';
import { analyticTiling, type Get, kernelFn, maxWorkers } from '../analytic/kernelFn.js';
import { DIST_OPTIONS, distMode, jobData, runDistributed } from './distributed.js';
import type { Command } from './command.js';
import { INPUT_OPTIONS, loadAdjacency, loadInputs, namingOptions } from './inputs.js';
import { ARCH_EXAMPLES } from '../arch/registry.js';
import { progress } from './progress.js';
import { checkJsonStdout, emitSummary, JSON_FLAG, type OutputFile } from './summary.js';

const USAGE = `ntk kernel --arch SPEC (--data SPEC | --x X.npy) [--data2 SPEC | --x2 X2.npy] [--param ntk|standard]
           [--get ntk|nngp|nngp,ntk] [--input-shape H,W,C|T,D] [--adjacency A.npy] [--outputs trace|full]
           [--per-position] [--workers N] [--check-pd] --out K.npy
           [--shard i/N --out DIR | --queue redis://HOST:PORT[/DB] [--tiles-per-job G]]

The analytic infinite-width kernel (NTK or NNGP) of an architecture, neural-tangents' conventions (docs/kernels.md).
  --arch SPEC           e.g. '${ARCH_EXAMPLES.mlp}' or '${ARCH_EXAMPLES.bigCnn}'
  --data SPEC           a dataset spec (ntk data --help), or --x X.npy: (n, d) or (n, h, w, c) float array
  --data2 SPEC          second set as a dataset spec, or --x2 X2.npy (default: K(x, x)); the test–train
                        kernel K(test, train) is --data TEST --data2 TRAIN (rows: test points)
  --input-shape H,W,C   per-example image shape for (n, d) inputs (NHWC, h·w·c = d); T,D: a sequence of T tokens
                        × D features, the image T×1×D (or a 4-D (n, T, 1, D) .npy)
  --adjacency A.npy     (V, V) graph of the \`aggregate\` layers, shared by all examples (inputs (n, V, 1, F))
  --outputs             trace (default): n1×n2, mean over output logits; full: (n1·O)×(n2·O), row i·O + o
                        (node-level kernels of a graph network that ends on its nodes)
  --per-position        a network whose output still has positions (image, sequence) has O = P·C outputs, one
                        per position and channel, position-major (implied by \`aggregate\`); else refused
  --param               ntk (default) or standard
  --get                 ntk (default), nngp, or both in one pass: nngp,ntk (= ntk,nngp = both; neural-tangents'
                        get=('nngp','ntk')); then --out K.npy writes K.nngp.npy and K.ntk.npy
  --workers N           worker threads (default: all cores when the job is large; 0 = in-process; at most
                        4 × the cores, more are refused); with --shard: tiles computed at once, one a thread
                        (default min(cores, 8))
  --check-pd            print λ_min, λ_max, the condition number and whether K is strictly PD (symmetric K only)
  --out K.npy           float64 (n1, n2), written atomically (- : standard output, not a terminal;
                        the summary lines then go to stderr; one array only)
  --shard i/N           compute only tile group i of N (0 ≤ i < N) into the folder --out DIR (a Slurm array
                        task each); \`ntk assemble DIR --out K.npy\` then writes the kernel (docs/distributed.md)
  --queue URL           coordinate the tiles on a Redis job queue (BullMQ) that \`ntk worker --queue URL\`
                        processes compute; resumable: rerun the same command after a crash
  --tiles-per-job G     with --queue: tiles per queue job (default auto: 1 up to 4 000 tiles, then ⌊tiles/2000⌋
                        up to 64; group small tiles: docs/distributed.md)
  --json                print the summary (and the --check-pd numbers) as JSON on stdout (docs/json.md)

examples:
  ntk kernel --arch 'flatten,dense(512),relu,dense(1)' --data mnist:train:n=100 --out K.npy --check-pd
  ntk kernel --arch 'conv(16,3),relu,gap,dense(1)' --data mnist:train:n=20 --get nngp --out nngp.npy --json

Progress (tiles, with an ETA) goes to stderr when it is a terminal; the summary (shape, what the file holds,
time) to stdout.
Exit codes: 0 ok, 2 bad input (message names the problem).`;

/** --get: one kernel, or both (`nngp,ntk`, `ntk,nngp`, `both`) computed in one pass. */
export function parseGet(text: string | undefined): Get | 'both' {
  const t = text ?? 'ntk';
  if (t === 'ntk' || t === 'nngp' || t === 'both') return t;
  const parts = t.split(',').map((x) => x.trim());
  if (parts.length === 2 && parts.includes('ntk') && parts.includes('nngp')) return 'both';
  throw new ConfigError('--get', `must be ntk, nngp or nngp,ntk (both in one pass); got '${t}'`);
}

/** Where `--out K.npy` writes kernel `get` when both are computed: K.nngp.npy / K.ntk.npy (stem + '.' + get). */
export function bothPath(out: string, get: Get): string {
  return `${out.endsWith('.npy') ? out.slice(0, -4) : out}.${get}.npy`;
}

export const kernel: Command = {
  usage: USAGE,
  async run(argv) {
    const { values: o } = parseArgs({
      args: argv,
      options: {
        arch: { type: 'string' },
        ...INPUT_OPTIONS,
        data2: { type: 'string' },
        param: { type: 'string' },
        get: { type: 'string' },
        outputs: { type: 'string' },
        'per-position': { type: 'boolean', default: false },
        workers: { type: 'string' },
        'check-pd': { type: 'boolean', default: false },
        out: { type: 'string' },
        ...DIST_OPTIONS,
        ...JSON_FLAG,
      },
    });
    if (o.arch === undefined) throw new ConfigError('--arch', 'is required (e.g. --arch "dense(512),relu,dense(1)")');
    if (o.out === undefined && !o['check-pd'])
      throw new ConfigError('--out', 'is required (a .npy path), unless only --check-pd is wanted');
    const param = o.param ?? 'ntk';
    if (param !== 'ntk' && param !== 'standard')
      throw new ConfigError('--param', `must be ntk or standard; got '${param}'`);
    const get = parseGet(o.get);
    const gets: Get[] = get === 'both' ? ['nngp', 'ntk'] : [get];
    if (get === 'both' && writesToStdout(o.out))
      throw new ConfigError('--out', 'must be a file path with --get nngp,ntk (two arrays: K.nngp.npy, K.ntk.npy)');
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
    const dist = distMode(o);
    if (dist && o['check-pd'])
      throw new ConfigError('--check-pd', `is not available with ${dist}: run ntk analyze on the kernel`);
    if (dist && get === 'both')
      throw new ConfigError(
        '--get',
        `nngp,ntk is not available with ${dist} (one kernel per job): run --get nngp and --get ntk`,
      );
    if (dist) checkOutputPath('--out', o.out, { kind: dist === '--shard' ? 'dir' : 'file', binary: true });
    const outs =
      o.out === undefined || dist ? [] : get === 'both' ? gets.map((g) => bothPath(o.out as string, g)) : [o.out];
    for (const path of outs) checkOutputPath('--out', path, { kind: 'file', binary: true });
    checkJsonStdout(o.json, outs.length > 0 ? outs : [o.out]);
    const { X, X2, image } = loadInputs(o);
    if (o['check-pd'] && X2 !== null)
      throw new ConfigError('--check-pd', 'needs a symmetric kernel K(x, x): drop --x2/--data2');
    const adjacency = loadAdjacency(o.adjacency);
    const pair = X2 === null ? 'K(x, x)' : 'K(x, x2)';
    const what = (rows: number, cols: number, g: Get) =>
      `${rows}×${cols} ${outputs} ${g === 'ntk' ? 'NTK' : 'NNGP'} ${pair} (analytic, infinite width, ${param})`;
    if (dist) {
      const inputShape = image ?? [X.cols];
      const tiling = analyticTiling(
        o.arch,
        { inputShape, param, outputs, perPosition: o['per-position'], ...(adjacency ? { adjacency } : {}) },
        X,
        X2,
        get as Get, // both: refused above
      );
      const data = jobData(
        {
          kind: 'kernel',
          arch: o.arch,
          inputShape,
          param,
          get: get as Get,
          outputs,
          perPosition: o['per-position'],
          seed: null,
          implementation: null,
        },
        tiling.tile,
        X,
        X2,
        adjacency,
      );
      return runDistributed(o, data, o.out as string, {
        command: 'kernel',
        holds: what(tiling.rows, tiling.cols, get as Get),
        kernel: { kind: get, rows: tiling.rows, cols: tiling.cols, outputs, symmetric: X2 === null },
        network: { arch: o.arch, param },
        inputs: { n1: X.rows, n2: X2 === null ? X.rows : X2.rows, d: X.cols, image },
        checkPd: null,
      });
    }
    const bar = progress('ntk kernel', 'tiles');
    const kfn = kernelFn(o.arch, {
      inputShape: image ?? [X.cols],
      param,
      outputs,
      perPosition: o['per-position'],
      ...(adjacency ? { adjacency } : {}),
      ...(workers !== undefined ? { workers } : {}),
      onProgress: bar.update,
    });
    const t0 = performance.now();
    let Ks: Matrix[];
    try {
      Ks = await namingOptions(o, async () => {
        if (get !== 'both') return [await kfn(X, X2, get)];
        const both = await kfn(X, X2, 'both');
        return [both.nngp, both.ntk];
      });
    } finally {
      bar.end();
    }
    const secs = (performance.now() - t0) / 1000;
    outs.forEach((path, i) => writeMatrixNpy(path, Ks[i]));
    const K = Ks[0];
    const files: OutputFile[] = outs.map((path, i) => ({
      flag: '--out',
      path,
      shape: [K.rows, K.cols],
      holds: what(K.rows, K.cols, gets[i]),
    }));
    // first the lines earlier versions printed (one per kernel: scripts parse them), then what each file holds
    const human: string[] = [];
    gets.forEach((g, i) => {
      const time = i === 0 ? ` in ${secs.toFixed(2)} s${gets.length > 1 ? ' (both, one pass)' : ''}` : '';
      human.push(`${g} ${K.rows}×${K.cols}${time}${outs[i] !== undefined ? ` → ${outs[i]}` : ''}`);
    });
    human.push(...gets.map((g) => what(K.rows, K.cols, g)));
    let pd: Record<string, unknown> | null = null;
    if (o['check-pd']) {
      // the kernels are written above and not needed after: factor in their storage (no n×n copy)
      const rs = Ks.map((Ki) => checkPd(Ki, { inPlace: true }));
      pd = gets.length > 1 ? Object.fromEntries(gets.map((g, i) => [g, { ...rs[i] }])) : { ...rs[0] };
      rs.forEach((r, i) => {
        const tag = gets.length > 1 ? `${gets[i]}: ` : '';
        human.push(
          `${tag}λ_min = ${r.lambdaMin.toExponential(6)}  λ_max = ${r.lambdaMax.toExponential(6)}  condition = ${r.condition.toExponential(4)}`,
          `${r.strictlyPd ? 'strictly positive definite' : `NOT strictly positive definite (λ_min ≤ tolerance ${r.tolerance.toExponential(2)})`} on these ${r.n} points`,
        );
      });
    }
    emitSummary(
      o.json,
      {
        command: 'kernel',
        ok: true,
        seconds: secs,
        outputs: files,
        kernel: {
          kind: get === 'both' ? 'nngp,ntk' : get,
          rows: K.rows,
          cols: K.cols,
          outputs,
          symmetric: X2 === null,
        },
        network: { arch: o.arch, param },
        inputs: { n1: X.rows, n2: X2 === null ? X.rows : X2.rows, d: X.cols, image },
        checkPd: pd,
      },
      human,
    );
    return 0;
  },
};
