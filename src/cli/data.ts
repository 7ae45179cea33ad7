import { parseArgs } from 'node:util';
import { type DatasetSummary, describeDataset } from '../data/describe.js';
import { DATASETS } from '../data/registry.js';
import { loadDataset } from '../data/registry.js';
import { DATASET_NAMES } from '../data/types.js';
import { ConfigError } from '../errors.js';
import { writeMatrixNpy, writeNpy } from '../io/npy.js';
import { checkOutputs, writesToStdout } from '../io/output.js';
import type { Command } from './command.js';

const USAGE = `ntk data describe <spec> [options]
ntk data list [--json]

Loads a dataset from a spec string and prints n, d, classes and their balance, row norms, and the coherence
ρ = max_{i≠j} |x̂ᵢᵀx̂ⱼ| of the rows projected to the unit sphere (after the spec's own normalization).

Spec strings: name[:split][:key=value]…  e.g.
  mnist:train:n=2000:classes=0,1:seed=3      fashion-mnist:test:n=500
  cifar10:path=/data/cifar-10-batches-bin:n=1000   iris   digits   diabetes
  sphere:n=500:d=20:seed=1    teacher:n=1000:d=10:arch=dense(256),relu,dense(1)
  npy:x=X.npy:y=y.npy         mnist:n=1000:normalize=standardize,sphere:labels=centered:corrupt=0.2
(see docs/data.md for every key)

examples:
  ntk data describe mnist:train:n=100:classes=0,1:seed=3 --export-x X.npy --export-targets T.npy
  ntk data list --json

Options (describe):
  --json               print the summary as JSON
  --rho-rows <m>       compute ρ on at most m rows (a seeded random subset; default 10000; 0 = all rows)
  --export-x <file>    write X (n×d float64) as .npy
  --export-y <file>    write y as .npy (int32 class indices, or float64 regression targets)
  --export-targets <file>  write the encoded targets (n×k float64) as .npy
                       (an --export-* file may be -: standard output, not a terminal; the summary then goes to stderr)
  --cache-dir <dir>    dataset cache (default $NTK_CACHE/datasets, else ~/.cache/ntk-lab/datasets: docs/data.md)`;

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(6);
}

function render(s: DatasetSummary): string {
  const lines = [
    `dataset   ${s.spec}`,
    `task      ${s.task}`,
    `n         ${s.n}`,
    `d         ${s.d}${s.imageShape ? `  (image ${s.imageShape.join('×')}, HWC)` : ''}`,
  ];
  if (s.classBalance) {
    lines.push(`classes   ${s.classBalance.length}`);
    const w = Math.max(...s.classBalance.map((c) => c.name.length));
    for (const [i, c] of s.classBalance.entries()) {
      lines.push(
        `  ${String(i).padStart(3)} ${c.name.padEnd(w)}  ${String(c.count).padStart(7)}  ${((100 * c.count) / s.n).toFixed(2)}%`,
      );
    }
  }
  if (s.corrupted !== undefined) lines.push(`corrupted ${s.corrupted} labels`);
  if (s.targetRange)
    lines.push(
      `targets   min ${fmt(s.targetRange.min)}  mean ${fmt(s.targetRange.mean)}  max ${fmt(s.targetRange.max)}`,
    );
  lines.push(`‖x‖       min ${fmt(s.norms.min)}  mean ${fmt(s.norms.mean)}  max ${fmt(s.norms.max)}`);
  const c = s.coherence;
  const on = c && c.rowsUsed < s.n ? ` (on a seeded random ${c.rowsUsed} of ${s.n} rows; --rho-rows 0 for all)` : '';
  lines.push(
    c
      ? `ρ         ${c.rho.toPrecision(6)} = |x̂ᵢᵀx̂ⱼ| at rows ${c.i}, ${c.j}${on}`
      : 'ρ         none (one row: no pair i ≠ j)',
  );
  return `${lines.join('\n')}\n`;
}

export const data: Command = {
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'list') {
      const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean', default: false } } });
      if (values.json) {
        const rows = DATASET_NAMES.map((name) => ({ name, description: DATASETS[name].description }));
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      } else
        for (const name of DATASET_NAMES) process.stdout.write(`${name.padEnd(14)} ${DATASETS[name].description}\n`);
      return 0;
    }
    if (sub !== 'describe')
      throw new ConfigError('ntk data <subcommand>', `unknown subcommand '${sub ?? ''}'. Valid: describe, list`);
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        'rho-rows': { type: 'string', default: '10000' },
        'export-x': { type: 'string' },
        'export-y': { type: 'string' },
        'export-targets': { type: 'string' },
        'cache-dir': { type: 'string' },
      },
    });
    if (positionals.length !== 1)
      throw new ConfigError('data describe', `expected one dataset spec, got ${positionals.length}`);
    const rhoRows = Number(values['rho-rows']);
    if (!Number.isInteger(rhoRows) || rhoRows < 0 || rhoRows === 1) {
      throw new ConfigError('--rho-rows', `must be 0 (all rows) or an integer ≥ 2. Value: \`${values['rho-rows']}\``);
    }
    const exports = (['export-x', 'export-y', 'export-targets'] as const).map((k) => ({
      flag: `--${k}`,
      path: values[k],
      kind: 'file' as const,
      binary: true,
    }));
    checkOutputs(exports);
    const ds = loadDataset(positionals[0], values['cache-dir'] !== undefined ? { cacheDir: values['cache-dir'] } : {});
    const summary = describeDataset(ds, rhoRows > 0 ? { maxRows: rhoRows } : {});
    if (values['export-x']) writeMatrixNpy(values['export-x'], ds.X);
    if (values['export-y']) writeNpy(values['export-y'], ds.y, [ds.y.length]);
    if (values['export-targets']) writeMatrixNpy(values['export-targets'], ds.targets);
    const say = exports.some((e) => writesToStdout(e.path)) ? process.stderr : process.stdout; // the .npy owns stdout
    say.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : render(summary));
    return 0;
  },
};
