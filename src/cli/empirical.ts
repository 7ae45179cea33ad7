/**
 * `ntk empirical`: the empirical NTK of a finite network at initialization, written as .npy; optionally the
 * network's parameters (--params-out) so another framework can rebuild it, and Monte-Carlo means over seeds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { empiricalTiling } from '../empirical/ntk.js';
import { DIST_OPTIONS, distMode, jobData, runDistributed } from './distributed.js';
import {
  empiricalNtk,
  monteCarloNtk,
  type NtkImplementation,
  readParams,
  type NtkOutputs,
  writeParams,
} from '../empirical/index.js';
import { requireFlatOutput } from '../arch/compile.js';
import { ConfigError, FormatError, NtkError } from '../errors.js';
import { checkOutputs, writeMatrixNpy } from '../io/index.js';
import type { Matrix } from '../linalg/index.js';
import { buildNetwork, init, type Network, type Parameterization, parseArch } from '../nn/index.js';
import { Rng } from '../util/random.js';
import type { Command } from './command.js';
import { INPUT_OPTIONS, loadAdjacency, loadInputs, namingOptions } from './inputs.js';
import { ARCH_EXAMPLES } from '../arch/registry.js';
import { progress } from './progress.js';
import { checkJsonStdout, emitSummary, JSON_FLAG, type OutputFile, where } from './summary.js';

const USAGE = `ntk empirical --arch SPEC (--data SPEC | --x X.npy) --out K.npy [options]

The empirical NTK Θ(x1, x2) of a finite network at a seeded initialization.

options:
  --arch SPEC              architecture, e.g. '${ARCH_EXAMPLES.mlp}' or '${ARCH_EXAMPLES.cnn}'  (required)
  --data SPEC              dataset spec (e.g. mnist:train:n=500); image sets keep their h,w,c shape
  --x PATH                 inputs .npy: (n, d), or (n, h, w, c) NHWC images
  --x2 PATH                second inputs .npy (cross kernel Θ(x, x2)); default Θ(x, x)
  --input-shape H,W,C      per-example shape for (n, d) inputs that are images (h·w·c = d); T,D for sequences
                           of T tokens × D features (the image T×1×D; or a 4-D (n, T, 1, D) .npy)
  --adjacency A.npy        (V, V) graph of the \`aggregate\` layers, shared by all examples (inputs (n, V, 1, F))
  --param ntk|standard     parameterization (default ntk)
  --seed S                 initialization seed (default 0)
  --implementation structured|jacobian   (default structured; jacobian is the slow reference)
  --outputs trace|full     trace: n×n mean over logits (default); full: nO×nO, row i·O + o
  --per-position           a network whose output still has positions (image, sequence) has O = P·C outputs,
                           one per position and channel, position-major (implied by \`aggregate\`); else refused
  --samples K              Monte-Carlo: mean over K seeds S, S+1… (sample k uses Rng(S).split(k)); default 1 = one network
  --tile-size T            examples per tile (default: automatic, ~96 MiB of factors per tile)
  --out PATH               kernel .npy (float64, written atomically; - : standard output, not a terminal) (required)
  --stderr-out PATH        with --samples > 1: elementwise standard error of the mean (.npy)
  --params DIR             load the network's parameters from DIR (manifest.json + .npy, the --params-out format;
                           e.g. a PyTorch model exported by examples/torch_export.py) instead of a seeded init;
                           --arch and --param default to the manifest's
  --params-out DIR         write each parametrized layer's W (PyTorch's layout) and b (out,)
                           as .npy plus manifest.json (with --samples, the first sample's network)
  --shard i/N              compute only tile group i of N (0 ≤ i < N) into the folder --out DIR;
                           \`ntk assemble DIR --out K.npy\` writes the kernel (docs/distributed.md)
  --queue URL              redis://HOST:PORT[/DB]: coordinate the tiles on a Redis job queue that
                           \`ntk worker --queue URL\` processes compute (resumable: rerun after a crash)
  --tiles-per-job G        with --queue: tiles per queue job (default auto: docs/distributed.md)
  --workers N              with --shard: tiles computed at once, one worker thread each (default min(cores, 8);
                           0 = in-process)
  --json                   print the summary as JSON on stdout (docs/json.md)

examples:
  ntk empirical --arch 'flatten,dense(512),relu,dense(1)' --data mnist:train:n=100 --out E.npy
  ntk empirical --arch 'dense(256),relu,dense(1)' --data sphere:n=50:d=8:seed=1 --samples 4 --out Emc.npy --stderr-out Ese.npy

Progress (tiles or samples, with an ETA) goes to stderr when it is a terminal; at the end one summary line
(shape, what the file holds, time) goes to stdout (stderr with --out -).

Exit codes: 0 ok, 2 bad input (message names the problem).`;

/** The architecture and parameterization a --params folder's manifest records (the defaults of --arch, --param). */
export function manifestOf(dir: string): { arch: string; param: string } {
  const path = join(dir, 'manifest.json');
  let m: { arch?: unknown; param?: unknown };
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as { arch?: unknown; param?: unknown };
  } catch (e) {
    throw new FormatError(path, `cannot read the parameters manifest: ${(e as Error).message}`);
  }
  if (typeof m.arch !== 'string') throw new FormatError(path, `has no 'arch' string; pass --arch`);
  if (m.param !== 'ntk' && m.param !== 'standard')
    throw new FormatError(path, `'param' must be ntk or standard; got ${JSON.stringify(m.param)}`);
  return { arch: m.arch, param: m.param };
}

export const empirical: Command = {
  usage: USAGE,
  async run(argv) {
    const { values: o } = parseArgs({
      args: argv,
      options: {
        arch: { type: 'string' },
        ...INPUT_OPTIONS,
        param: { type: 'string' },
        seed: { type: 'string' },
        implementation: { type: 'string' },
        outputs: { type: 'string' },
        'per-position': { type: 'boolean', default: false },
        samples: { type: 'string' },
        'tile-size': { type: 'string' },
        workers: { type: 'string' },
        out: { type: 'string' },
        'stderr-out': { type: 'string' },
        'params-out': { type: 'string' },
        ...DIST_OPTIONS,
        params: { type: 'string' },
        ...JSON_FLAG,
      },
      strict: true,
    });
    const recorded = o.params !== undefined ? manifestOf(o.params) : null;
    if (!o.arch && recorded) o.arch = recorded.arch;
    if (!o.param && recorded) o.param = recorded.param;
    if (!o.arch) throw new ConfigError('--arch', "is required, e.g. 'dense(512),relu,dense(10)'");
    if (!o.out) throw new ConfigError('--out', 'is required (the kernel .npy path)');
    const param = (o.param ?? 'ntk') as Parameterization;
    if (param !== 'ntk' && param !== 'standard')
      throw new ConfigError('--param', `must be ntk or standard; got '${o.param}'`);
    const implementation = (o.implementation ?? 'structured') as NtkImplementation;
    if (implementation !== 'structured' && implementation !== 'jacobian') {
      throw new ConfigError('--implementation', `must be structured or jacobian; got '${o.implementation}'`);
    }
    const outputs = (o.outputs ?? 'trace') as NtkOutputs;
    if (outputs !== 'trace' && outputs !== 'full')
      throw new ConfigError('--outputs', `must be trace or full; got '${o.outputs}'`);
    const int = (flag: string, s: string | undefined, min: number, dflt: number | undefined): number | undefined => {
      if (s === undefined) return dflt;
      const v = Number(s);
      if (s.trim() === '' || !Number.isSafeInteger(v) || v < min)
        throw new ConfigError(flag, `must be an integer ≥ ${min}; got '${s}'`);
      return v;
    };
    const seed = int('--seed', o.seed, 0, 0) as number;
    const samples = int('--samples', o.samples, 1, 1) as number;
    const tileSize = int('--tile-size', o['tile-size'], 1, undefined);
    const workers = int('--workers', o.workers, 0, undefined);
    if (workers !== undefined && o.shard === undefined)
      throw new ConfigError('--workers', 'applies to --shard runs (ntk empirical computes in-process otherwise)');
    if (o['stderr-out'] !== undefined && samples < 2) throw new ConfigError('--stderr-out', 'needs --samples ≥ 2');
    const dist = distMode(o);
    if (dist && samples > 1)
      throw new ConfigError(
        '--samples',
        `must be 1 with ${dist} (one network's kernel is cut into tiles); got ${samples}`,
      );
    if (o.params !== undefined && samples > 1)
      throw new ConfigError('--params', 'loads one network; it cannot be combined with --samples > 1');
    checkOutputs([
      { flag: '--out', path: o.out, kind: dist === '--shard' ? 'dir' : 'file', binary: true },
      { flag: '--stderr-out', path: o['stderr-out'], kind: 'file', binary: true },
      { flag: '--params-out', path: o['params-out'], kind: 'dir' },
    ]);
    checkJsonStdout(o.json, [o.out, o['stderr-out']]);
    const t0 = performance.now();
    const { X, X2, image } = loadInputs(o);
    const arch = parseArch(o.arch);
    const adjacency = loadAdjacency(o.adjacency);
    let net: Network;
    try {
      // the data's own shape (an image set, a 4-D .npy or --input-shape); dense on an image acts per position
      net = buildNetwork(arch, image ?? [X.cols], param, adjacency ? { adjacency } : {});
    } catch (e) {
      if (e instanceof NtkError && image === null && X.cols > 1) {
        throw new ConfigError(
          '--arch',
          `${e.message} (inputs are flat rows of ${X.cols}; for images pass --input-shape H,W,C or a 4-D .npy, for sequences T,D)`,
        );
      }
      throw e;
    }
    const perPosition = o['per-position'];
    requireFlatOutput(net, 'empiricalNtk', perPosition);
    const opts = { implementation, outputs, tileSize, perPosition };
    const params = await namingOptions(o, () =>
      o.params !== undefined
        ? readParams(o.params, net, seed).params
        : init(net, samples === 1 ? new Rng(seed) : new Rng(seed).split(0)),
    );
    if (dist) {
      const tiling = empiricalTiling(params, X, X2, opts);
      const fields = { kind: 'empirical', arch: o.arch, inputShape: net.inputShape, param, get: 'ntk' } as const;
      const data = jobData({ ...fields, outputs, perPosition, seed, implementation }, tiling.tile, X, X2, adjacency);
      const pair = X2 === null ? 'Θ(x, x)' : 'Θ(x, x2)';
      const code = await runDistributed(o, data, o.out, {
        command: 'empirical',
        holds: `${tiling.rows}×${tiling.cols} ${outputs} empirical NTK ${pair} (${o.params !== undefined ? `parameters from ${o.params}` : `seed ${seed}`})`,
        kernel: { kind: 'ntk', rows: tiling.rows, cols: tiling.cols, outputs, symmetric: X2 === null },
        network: { arch: o.arch, param, seed, samples, parameters: net.numParams, implementation },
        inputs: { n1: X.rows, n2: X2 === null ? X.rows : X2.rows, d: X.cols, image },
      });
      if (o['params-out']) writeParams(params, o['params-out'], seed);
      return code;
    }
    let K: Matrix;
    let se: Matrix | null = null;
    const bar = progress('ntk empirical', samples === 1 ? 'tiles' : 'samples');
    try {
      if (samples === 1)
        K = await namingOptions(o, () => empiricalNtk(params, X, X2, { ...opts, onProgress: bar.update }));
      else {
        const onSample = (e: { samples: number }) => bar.update(e.samples, samples);
        const est = await namingOptions(o, () => monteCarloNtk(net, X, X2, { ...opts, samples, seed, onSample }));
        K = est.mean;
        se = est.stderr;
      }
    } finally {
      bar.end();
    }
    // written once the kernel is computed and finite (a refused job writes nothing; with --samples: the first sample)
    if (o['params-out']) writeParams(params, o['params-out'], seed);
    writeMatrixNpy(o.out, K);
    if (o['stderr-out'] && se) writeMatrixNpy(o['stderr-out'], se);
    const seconds = (performance.now() - t0) / 1000;
    const pair = X2 === null ? 'Θ(x, x)' : 'Θ(x, x2)';
    const of =
      o.params !== undefined
        ? `parameters from ${o.params}`
        : samples === 1
          ? `seed ${seed}`
          : `mean over ${samples} seeds from ${seed}`;
    const holds = `${K.rows}×${K.cols} ${outputs} empirical NTK ${pair} (${of})`;
    const files: OutputFile[] = [{ flag: '--out', path: o.out, shape: [K.rows, K.cols], holds }];
    if (o['stderr-out'] && se)
      files.push({
        flag: '--stderr-out',
        path: o['stderr-out'],
        shape: [se.rows, se.cols],
        holds: `standard error of ${holds}`,
      });
    if (o['params-out'])
      files.push({
        flag: '--params-out',
        path: o['params-out'],
        holds: `manifest.json + W/b .npy of ${net.paramLayers.length} layers`,
      });
    emitSummary(
      o.json,
      {
        command: 'empirical',
        ok: true,
        seconds,
        outputs: files,
        kernel: { kind: 'ntk', rows: K.rows, cols: K.cols, outputs, symmetric: X2 === null },
        network: { arch: o.arch, param, seed, samples, parameters: net.numParams, implementation },
        inputs: { n1: X.rows, n2: X2 === null ? X.rows : X2.rows, d: X.cols, image },
      },
      files
        .map((f) => `${f.holds} → ${where(f.path)}`)
        .concat([
          `network ${o.arch} (${param}, ${net.numParams} parameters), ${implementation}, ${seconds.toFixed(2)} s`,
        ]),
    );
    return 0;
  },
};
