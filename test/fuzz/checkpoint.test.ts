/**
 * Fuzz: the training-checkpoint reader (src/io/checkpoint.ts) and resume (src/train/trainer.ts). Seeded mutations of
 * format-2 (checksummed) and format-1 files: raw byte mutations, and header mutations (text and structure)
 * reassembled with a correct length and, for format 2, a correct checksum (so the checks behind the checksum are
 * reached too). Every input must end in a FormatError naming the file, or a result equal to what an independent
 * decoder of the documented layout (written here from docs/io.md, not from the reader) finds in the same bytes; the
 * reader must refuse exactly the files that decoder refuses. Nothing may be left in the folder but the input.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FormatError, NtkError } from '../../src/errors.js';
import { readCheckpoint } from '../../src/io/checkpoint.js';
import { Matrix } from '../../src/linalg/index.js';
import { parseArch } from '../../src/nn/index.js';
import { train } from '../../src/train/trainer.js';
import { Rng } from '../../src/util/random.js';
import { assertClean, fuzzCount, fuzzParser, fuzzSeed, listFiles } from './harness.js';
import { chance, concat, mutateBytes, mutateText, mutateValue, pick } from './mutate.js';

const dir = mkdtempSync(join(tmpdir(), 'ntk-fuzz-ckpt-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const INPUT = join(dir, 'checkpoint.bin');

const enc = new TextEncoder();

/** A checkpoint file from its parts, laid out as docs/io.md describes (independent of writeCheckpoint). */
function assemble(headerJson: Uint8Array, payload: Uint8Array, format: 1 | 2): Uint8Array {
  const head = new Uint8Array(12);
  head.set(enc.encode(format === 2 ? 'NTKCKPT2' : 'NTKCKPT1'));
  new DataView(head.buffer).setUint32(8, headerJson.length, true);
  const pad = new Uint8Array((8 - ((12 + headerJson.length) % 8)) % 8);
  const body = concat(head, headerJson, pad, payload);
  return format === 2 ? concat(body, createHash('sha256').update(body).digest()) : body;
}

function f64(values: number[]): Uint8Array {
  const b = new Uint8Array(8 * values.length);
  const dv = new DataView(b.buffer);
  values.forEach((v, i) => dv.setFloat64(8 * i, v, true));
  return b;
}

interface Seed {
  header: Record<string, unknown>;
  payload: Uint8Array;
}

const SEEDS: Seed[] = [
  {
    header: {
      version: 1,
      hash: 'ab12',
      step: 17,
      status: 'stopped',
      message: 'checkpoint at step 17 of 40 — θ₀',
      eta: 0.1,
      history: [{ step: 0, loss: 1.5, accuracy: null }],
      arrays: [
        { name: 'theta', length: 3 },
        { name: 'vel', length: 2 },
      ],
    },
    payload: f64([1, -2.5, Math.PI, 1e-300, -0]),
  },
  { header: { arrays: [] }, payload: new Uint8Array(0) },
  {
    header: {
      note: 'ε',
      arrays: [
        { name: 'a', length: 0 },
        { name: 'b', length: 1 },
      ],
    },
    payload: f64([Number.NaN]),
  },
];

/** What the file holds by the documented layout, or null if it is not a valid checkpoint. */
function decodeReference(
  b: Uint8Array,
): { header: unknown; arrays: Map<string, Uint8Array>; verified: boolean } | null {
  if (b.length < 12) return null;
  const magic = String.fromCharCode(...b.subarray(0, 8));
  if (magic !== 'NTKCKPT1' && magic !== 'NTKCKPT2') return null;
  const v2 = magic === 'NTKCKPT2';
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const hl = dv.getUint32(8, true);
  if (12 + hl > b.length) return null;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(12, 12 + hl)));
  } catch {
    return null;
  }
  if (typeof header !== 'object' || header === null) return null;
  const list = (header as { arrays?: unknown }).arrays;
  if (!Array.isArray(list)) return null;
  const seen: string[] = [];
  let total = 0;
  for (const e of list) {
    if (typeof e !== 'object' || e === null) return null;
    const { name, length } = e as { name: unknown; length: unknown };
    if (typeof name !== 'string' || typeof length !== 'number') return null;
    if (!Number.isInteger(length) || length < 0 || length > Number.MAX_SAFE_INTEGER) return null;
    if (seen.includes(name)) return null;
    seen.push(name);
    total += length;
  }
  let p = 12 + hl;
  while (p % 8 !== 0) {
    if (p >= b.length || b[p] !== 0) return null;
    p++;
  }
  const end = p + 8 * total;
  if (end + (v2 ? 32 : 0) !== b.length) return null;
  if (v2) {
    const want = createHash('sha256').update(b.subarray(0, end)).digest();
    if (!want.equals(b.subarray(end))) return null;
  }
  const arrays = new Map<string, Uint8Array>();
  for (const e of list as { name: string; length: number }[]) {
    arrays.set(e.name, b.slice(p, p + 8 * e.length));
    p += 8 * e.length;
  }
  return { header, arrays, verified: v2 };
}

function generate(rng: Rng, i: number): Uint8Array {
  const seed = pick(rng, SEEDS);
  const format: 1 | 2 = chance(rng, 0.6) ? 2 : 1;
  const json = JSON.stringify(seed.header);
  const valid = assemble(enc.encode(json), seed.payload, format);
  switch (i % 4) {
    case 0:
    case 1: {
      // raw bytes: flips, boundary words, insert/delete, truncation, splices with the other seeds
      const others = SEEDS.map((s) => assemble(enc.encode(JSON.stringify(s.header)), s.payload, format));
      return mutateBytes(rng, valid, others);
    }
    case 2: {
      // header text, reassembled (and resealed): reaches the checks behind a valid checksum
      const tokens = ['"arrays"', '"name"', '"length"', '[', ']', '{', '}', ',', ':', '-1', '1e300', '0', '"x"'];
      return assemble(enc.encode(mutateText(rng, json, tokens)), seed.payload, format);
    }
    default: {
      // header structure: fields removed, retyped, added (`__proto__` too), arrays entries changed
      let payload = seed.payload;
      if (chance(rng, 0.2)) payload = payload.subarray(0, rng.int(payload.length + 1));
      if (chance(rng, 0.1)) payload = concat(payload, f64([rng.normal()]));
      return assemble(enc.encode(JSON.stringify(mutateValue(rng, seed.header))), payload, format);
    }
  }
}

describe('fuzz: checkpoint reader', () => {
  it('every mutated checkpoint is a FormatError naming the file or exactly what the reference decoder reads', () => {
    const report = fuzzParser({
      name: 'checkpoint',
      seed: fuzzSeed(1301),
      count: fuzzCount(1200),
      generate,
      run: (input) => {
        writeFileSync(INPUT, input);
        const ref = decodeReference(input);
        let got: ReturnType<typeof readCheckpoint>;
        try {
          got = readCheckpoint(INPUT);
        } catch (e) {
          if (e instanceof NtkError && !(e instanceof FormatError && e.path === INPUT))
            return `a typed error that does not name the file: ${e.message}`;
          if (e instanceof NtkError && ref !== null) return `refused a valid checkpoint: ${e.message}`;
          throw e;
        }
        if (got === null) return 'null for an existing file';
        if (ref === null) return 'accepted a file the reference decoder refuses';
        if (got.verified !== ref.verified) return `verified ${got.verified}, expected ${ref.verified}`;
        try {
          assert.deepStrictEqual(got.header, ref.header);
        } catch {
          return 'header differs from the reference decode';
        }
        if ([...got.arrays.keys()].join('\u0000') !== [...ref.arrays.keys()].join('\u0000'))
          return 'array names differ';
        for (const [name, a] of got.arrays) {
          const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
          if (!Buffer.from(bytes).equals(Buffer.from(ref.arrays.get(name) as Uint8Array)))
            return `array ${name} differs`;
        }
        return undefined;
      },
    });
    assertClean(report, { minOk: 50, minTyped: 500 });
    assert.ok((report.refusals.FormatError ?? 0) === report.typed, JSON.stringify(report.refusals));
    assert.deepEqual(listFiles(dir), ['checkpoint.bin']);
  });
});

describe('fuzz: resume from a mutated checkpoint', () => {
  it('train(…, { resume }) ends in a typed error or a finished result; it writes only checkpoint.bin', async () => {
    const X = new Matrix(4, 2, Float64Array.from([1, 0, 0, 1, -1, 0.5, 0.3, -0.7]));
    const Y = new Matrix(4, 1, Float64Array.from([1, -1, 0.5, 0]));
    const cfg = {
      arch: parseArch('dense(4),relu,dense(1)'),
      inputShape: [2],
      seed: 0,
      loss: 'mse' as const,
      lr: { absolute: 0.05 },
      steps: 12,
      trackers: ['loss' as const],
    };
    const rdir = mkdtempSync(join(tmpdir(), 'ntk-fuzz-resume-'));
    after(() => rmSync(rdir, { recursive: true, force: true }));
    await train(cfg, { X, Y }, { checkpointDir: rdir, stopAtStep: 5 });
    const genuine = readFileSync(join(rdir, 'checkpoint.bin'));
    const ck = readCheckpoint<Record<string, unknown>>(join(rdir, 'checkpoint.bin'));
    assert.ok(ck);
    const { arrays: list, ...header } = ck.header;
    const payload = genuine.subarray(
      genuine.length - 32 - 8 * list.reduce((s, a) => s + a.length, 0),
      genuine.length - 32,
    );
    const reference = await train(cfg, { X, Y });
    const count = fuzzCount(1000) / 5;
    const root = new Rng(fuzzSeed(1302));
    let typed = 0;
    let finished = 0;
    for (let i = 0; i < count; i++) {
      const rng = root.split(i);
      const h = i % 2 === 0 ? mutateValue(rng, header) : header;
      const bytes =
        i % 2 === 0
          ? assemble(enc.encode(JSON.stringify({ ...(h as object), arrays: list })), payload, 2)
          : mutateBytes(rng, genuine);
      writeFileSync(join(rdir, 'checkpoint.bin'), bytes);
      try {
        const r = await train(cfg, { X, Y }, { checkpointDir: rdir, resume: true });
        finished++;
        assert.ok(['completed', 'diverged', 'stopped'].includes(r.status), r.status);
        if (Buffer.from(bytes).equals(genuine)) assert.deepEqual(r.history, reference.history);
      } catch (e) {
        if (!(e instanceof NtkError)) throw new Error(`input ${i}: untyped ${String(e)}`, { cause: e });
        typed++;
      }
      assert.deepEqual(listFiles(rdir), ['checkpoint.bin'], `input ${i} left a file`);
    }
    assert.ok(typed > 0 && finished > 0, `${typed} typed, ${finished} finished`);
  });
});
