/**
 * `ntk empirical`: the empirical NTK of a finite network at initialization, written as .npy; optionally the
 * network's parameters (--params-out) so another framework can rebuild it, and Monte-Carlo means over seeds.
 */
import { parseArgs } from 'node:util';
import { empiricalTiling } from '../empirical/ntk.js';
import { DIST_OPTIONS, distMode, jobData, runDistributed } from './distributed.js';
import {
  empiricalNtk,
  monteCarloNtk,
  type NtkImplementation,
  type NtkOutputs,
  writeParams,
} from '../empirical/index.js';
import { requireFlatOutput } from '../arch/compile.js';
import { ConfigError, NtkError } from '../errors.js';
import { checkOutputs, writeMatrixNpy } from '../io/index.js';
import type { Matrix } from '../linalg/index.js';
import { buildNetwork, init, type Network, type Parameterization, parseArch } from '../nn/index.js';
import { Rng } from '../util/random.js';
import type { Command } from './command.js';
import { INPUT_OPTIONS, loadAdjacency, loadInputs, namingOptions } from './inputs.js';
import { ARCH_EXAMPLES } from '../arch/registry.js';

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
  --params-out DIR         write each parametrized layer's W (PyTorch's layout) and b (out,)
                           as .npy plus manifest.json (with --samples, the first sample's network)
  --shard i/N              compute only tile group i of N (0 ≤ i < N) into the folder --out DIR;
                           \`ntk assemble DIR --out K.npy\` writes the kernel (docs/distributed.md)
  --queue URL              redis://HOST:PORT[/DB]: coordinate the tiles on a Redis job queue that
                           \`ntk worker --queue URL\` processes compute (resumable: rerun after a crash)

Exit codes: 0 ok, 2 bad input (message names the problem).`;

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
        out: { type: 'string' },
        'stderr-out': { type: 'string' },
        'params-out': { type: 'string' },
        ...DIST_OPTIONS,
      },
      strict: true,
    });
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
    if (o['stderr-out'] !== undefined && samples < 2) throw new ConfigError('--stderr-out', 'needs --samples ≥ 2');
    const dist = distMode(o);
    if (dist && samples > 1)
      throw new ConfigError(
        '--samples',
        `must be 1 with ${dist} (one network's kernel is cut into tiles); got ${samples}`,
      );
    checkOutputs([
      { flag: '--out', path: o.out, kind: dist === '--shard' ? 'dir' : 'file', binary: true },
      { flag: '--stderr-out', path: o['stderr-out'], kind: 'file', binary: true },
      { flag: '--params-out', path: o['params-out'], kind: 'dir' },
    ]);
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
    const params = await namingOptions(o, () => init(net, samples === 1 ? new Rng(seed) : new Rng(seed).split(0)));
    if (dist) {
      const tiling = empiricalTiling(params, X, X2, opts);
      const fields = { kind: 'empirical', arch: o.arch, inputShape: net.inputShape, param, get: 'ntk' } as const;
      const data = jobData({ ...fields, outputs, perPosition, seed, implementation }, tiling.tile, X, X2, adjacency);
      const code = await runDistributed(o, data, o.out);
      if (o['params-out']) writeParams(params, o['params-out'], seed);
      return code;
    }
    let K: Matrix;
    let se: Matrix | null = null;
    if (samples === 1) K = await namingOptions(o, () => empiricalNtk(params, X, X2, opts));
    else {
      const est = await namingOptions(o, () => monteCarloNtk(net, X, X2, { ...opts, samples, seed }));
      K = est.mean;
      se = est.stderr;
    }
    // written once the kernel is computed and finite (a refused job writes nothing; with --samples: the first sample)
    if (o['params-out']) writeParams(params, o['params-out'], seed);
    writeMatrixNpy(o.out, K);
    if (o['stderr-out'] && se) writeMatrixNpy(o['stderr-out'], se);
    return 0;
  },
};
