/**
 * Fuzz: architecture strings (src/arch/parse.ts parseArch/formatArch) and their compilation (buildNetwork). Inputs
 * are generated from the grammar (every registered layer name, plain arguments with boundary numbers and options,
 * combinator blocks and branches, deep nesting, whitespace) and mutated as text.
 *
 * Correct (parse) = formatArch of the parsed spec parses back to a deep-equal spec, and formatting that again gives
 * the same string. Correct (buildNetwork) = the shapes are positive integers, inDim is the input size, the parameter
 * layers tile θ exactly (offsets contiguous, sizes fanIn·out + bias), and a small network's forward pass on two
 * inputs has the output shape and finite values when its numbers are moderate.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatArch, parseArch } from '../../src/arch/parse.js';
import { LAYER_NAMES, layerModule } from '../../src/arch/registry.js';
import type { Arch } from '../../src/arch/types.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { apply, buildNetwork, init } from '../../src/nn/index.js';
import { Rng } from '../../src/util/random.js';
import { assertClean, fuzzCount, fuzzParser, fuzzSeed } from './harness.js';
import { BOUNDARY_NUMBERS, chance, mutateText, pick } from './mutate.js';

const KEYS = ['wstd', 'bstd', 'frozen', 'stride', 'padding', 'k', 'a', 'b', 'c', 'x'];
const VALUES = ['same', 'valid', 'true', 'false', '1', '2', '0.5', '1.4', '0', '3'];
const JUNK_NAMES = ['Dense', 'RELU', 'dense2', 'foo', '_', 'relu.', 'x-y', 'dense.+-', 'Residual'];
const SMALL = ['1', '2', '3', '4', '8', '16'];

const num = (rng: Rng): string =>
  chance(rng, 0.9) ? pick(rng, ['0.5', '1', '1.4', '2', '-1', '0', '-0']) : pick(rng, BOUNDARY_NUMBERS);
const size = (rng: Rng): string => (chance(rng, 0.9) ? pick(rng, SMALL) : pick(rng, BOUNDARY_NUMBERS));
const opts = (rng: Rng, keys: string[]): string =>
  keys
    .filter(() => chance(rng, 0.3))
    .map((k) =>
      k === 'frozen' ? ',frozen' : k === 'padding' ? `,padding=${pick(rng, ['same', 'valid'])}` : `,${k}=${num(rng)}`,
    )
    .join('');
/** Arguments as the layers of today's registry take them (other names get random arguments only). */
const PLAUSIBLE: Record<string, (rng: Rng) => string> = {
  dense: (rng) => `dense(${size(rng)}${opts(rng, ['wstd', 'bstd', 'frozen'])})`,
  conv: (rng) =>
    `conv(${size(rng)},${pick(rng, ['1', '2', '3'])}${opts(rng, ['stride', 'padding', 'wstd', 'bstd', 'frozen'])})`,
  avgpool: (rng) => `avgpool(${pick(rng, ['1', '2', '3'])})`,
  abrelu: (rng) => `abrelu(${num(rng)},${num(rng)})`,
  sin: (rng) => (chance(rng, 0.5) ? 'sin' : `sin(${num(rng)},${num(rng)},${num(rng)})`),
  leaky_relu: (rng) => `leaky_relu(${num(rng)})`,
  monomial: (rng) => `monomial(${pick(rng, ['0', '1', '2', '3'])})`,
  hermite: (rng) => `hermite(${pick(rng, ['0', '1', '2', '3'])})`,
  polynomial: (rng) => `polynomial(${num(rng)},${num(rng)})`,
  dropout: (rng) => `dropout(${pick(rng, ['0.5', '0.9', '1'])})`,
  sumpool: (rng) => `sumpool(${pick(rng, ['1', '2', '3'])})`,
  convtranspose: (rng) =>
    `convtranspose(${size(rng)},${pick(rng, ['1', '2', '3'])}${opts(rng, ['stride', 'wstd', 'bstd'])})`,
};

function layer(rng: Rng, depth: number): string {
  const name = chance(rng, 0.95) ? pick(rng, LAYER_NAMES) : pick(rng, JUNK_NAMES);
  const kind = layerModule(name.toLowerCase())?.args ?? 'plain';
  const sp = (): string => (chance(rng, 0.1) ? pick(rng, [' ', '  ', '\t', '\n']) : '');
  if (kind !== 'plain') {
    const branches = kind === 'branches' ? 1 + rng.int(3) : 1;
    const inner = Array.from({ length: branches }, () => list(rng, depth + 1)).join(`${sp()}|${sp()}`);
    // repeat(n, X): a count, then one layer list
    const count = kind === 'countBlock' && chance(rng, 0.9) ? `${1 + rng.int(3)},${sp()}` : '';
    return `${name}${sp()}(${sp()}${count}${inner}${sp()})`;
  }
  const plausible = PLAUSIBLE[name];
  if (plausible && chance(rng, 0.6)) return plausible(rng);
  if (chance(rng, 0.4)) return name;
  const n = rng.int(4);
  const args: string[] = [];
  for (let k = 0; k < n; k++) {
    const u = rng.uniform();
    if (u < 0.5) args.push(chance(rng, 0.8) ? pick(rng, SMALL) : pick(rng, BOUNDARY_NUMBERS));
    else if (u < 0.9)
      args.push(
        `${pick(rng, KEYS)}${sp()}=${sp()}${chance(rng, 0.7) ? pick(rng, VALUES) : pick(rng, BOUNDARY_NUMBERS)}`,
      );
    else args.push('frozen');
  }
  return `${name}${sp()}(${args.join(`${sp()},${sp()}`)})`;
}

function list(rng: Rng, depth: number): string {
  const n = depth > 3 ? 1 : 1 + rng.int(4);
  return Array.from({ length: n }, () => layer(rng, depth)).join(chance(rng, 0.1) ? ' , ' : ',');
}

const SEEDS = [
  'dense(512),relu,dense(10)',
  'conv(16,3),relu,gap,dense(10)',
  'dense(256),residual(relu,dense(256),relu,dense(256)),relu,dense(1)',
  'dense(4096),relu,dense(1,frozen)',
  'conv(8,3,stride=2,padding=valid,wstd=1.4,bstd=0.1),erf,avgpool(2),flatten,dense(3)',
  'dense(4),abrelu(0.5,1),tanh,gelu,sin(1,2,0.5),dense(1)',
];
const TOKENS = ['(', ')', ',', '|', '=', 'relu', 'dense(', 'residual(', ' ', 'frozen', 'wstd=', ')', '))', '(('];

function generate(rng: Rng): string {
  const u = rng.uniform();
  if (u < 0.02) {
    // deep nesting: a combinator inside itself thousands of times
    const comb = LAYER_NAMES.filter((n) => layerModule(n)?.args !== undefined && layerModule(n)?.args !== 'plain');
    const c = comb.length ? pick(rng, comb) : 'residual';
    const k = pick(rng, [50, 500, 5000, 20000]);
    return `dense(4),${`${c}(`.repeat(k)}relu,dense(4)${')'.repeat(chance(rng, 0.8) ? k : k - 1)}`;
  }
  if (u < 0.6) return list(rng, 0);
  if (u < 0.8) return mutateText(rng, list(rng, 0), TOKENS, SEEDS, 2);
  return mutateText(rng, pick(rng, SEEDS), TOKENS, SEEDS);
}

/** Every number in the spec tree, to decide whether a forward pass must stay finite. */
function numbers(v: unknown, out: number[] = []): number[] {
  if (typeof v === 'number') out.push(v);
  else if (Array.isArray(v)) for (const x of v) numbers(x, out);
  else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) numbers(x, out);
  return out;
}

const SHAPES: number[][] = [[3], [6, 6, 2], [5, 4, 1]];

function checkNetwork(arch: Arch, shape: number[], i: number): string | undefined {
  const net = buildNetwork(arch, shape);
  const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
  if (!net.outputShape.every((v) => Number.isSafeInteger(v) && v >= 1)) return `output shape ${net.outputShape}`;
  if (net.inDim !== size(shape) || net.outDim !== size(net.outputShape)) return 'inDim/outDim';
  let offset = 0;
  for (const p of net.paramLayers) {
    if (p.wOffset !== offset) return `layer ${p.path}: weights at ${p.wOffset}, expected ${offset}`;
    if (p.wSize !== p.fanIn * p.out) return `layer ${p.path}: wSize ${p.wSize} ≠ fanIn·out`;
    offset += p.wSize + p.bSize;
    if (p.bSize > 0 && p.bOffset !== p.wOffset + p.wSize) return `layer ${p.path}: bias offset`;
  }
  if (offset !== net.numParams || !Number.isSafeInteger(net.numParams)) return `θ length ${net.numParams} ≠ ${offset}`;
  if (net.numParams > 20000 || net.outDim > 1000) return undefined;
  const rng = new Rng(i);
  const params = init(net, rng.split('init'));
  const X = new Matrix(
    2,
    net.inDim,
    Float64Array.from({ length: 2 * net.inDim }, () => rng.uniform() * 2 - 1),
  );
  const Y = apply(params, X);
  if (Y.rows !== 2 || Y.cols !== net.outDim) return `output ${Y.rows}×${Y.cols}, expected 2×${net.outDim}`;
  const moderate = numbers(arch).every((v) => Math.abs(v) <= 100) && net.paramLayers.length <= 12;
  if (moderate && !Y.data.every(Number.isFinite)) return `non-finite output ${Y.data.find((v) => !Number.isFinite(v))}`;
  return undefined;
}

describe('fuzz: architecture strings', () => {
  it(`parseArch/formatArch: ${fuzzCount()} generated and mutated strings end in a typed error or a round trip`, () => {
    const report = fuzzParser({
      name: 'arch',
      seed: fuzzSeed(51),
      count: fuzzCount(),
      generate,
      run(s) {
        const a = parseArch(s);
        const f = formatArch(a);
        const b = parseArch(f);
        try {
          assert.deepStrictEqual(b, a);
        } catch {
          return `formatArch gives ${JSON.stringify(f)}, which parses to a different spec`;
        }
        if (formatArch(b) !== f) return `formatting is not stable: ${f} → ${formatArch(b)}`;
      },
    });
    assertClean(report, { minOk: 150, minTyped: 200 });
  });

  it(`buildNetwork: ${fuzzCount()} parsed architectures on flat and image inputs compile correctly or are refused`, () => {
    const report = fuzzParser({
      name: 'arch-build',
      seed: fuzzSeed(52),
      count: fuzzCount(),
      generate: (rng) => ({ s: generate(rng), shape: pick(rng, SHAPES) }),
      run({ s, shape }, i) {
        return checkNetwork(parseArch(s), shape, i);
      },
    });
    assertClean(report, { minOk: 100 });
  });
});
