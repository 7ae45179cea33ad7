/**
 * Fuzz: the `.npy` reader (src/io/npy.ts). Mutated files (byte flips, boundary words, insert/delete, splices,
 * truncation) and grammar-generated headers (descr, fortran_order, shapes with boundary and huge dimensions, extra
 * keys, Python literal syntax) must end in a FormatError or a correct array.
 *
 * Correct = (1) the array re-encodes and decodes to the same dtype, shape and bytes, (2) its data bytes are the
 * file's trailing bytes (byte-swapped for a big-endian descr), and (3) numpy (the independent reference, one python
 * process for the whole batch) loads the same file to the same dtype, shape and values: a file numpy refuses must
 * not be accepted here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeNpy, encodeNpy, type NpyArray, readNpy } from '../../src/io/npy.js';
import type { Rng } from '../../src/util/random.js';
import { assertClean, fuzzCount, fuzzParser, fuzzSeed, listFiles } from './harness.js';
import { BOUNDARY_NUMBERS, chance, concat, mutateBytes, mutateText, pick } from './mutate.js';

const PYTHON = '/usr/bin/python3';
const dir = mkdtempSync(join(tmpdir(), 'ntk-fuzz-npy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A .npy file from a header dict text (padded to 64 bytes as numpy writes it unless `raw`) and data bytes. */
function npyFile(dict: string, data: Uint8Array, version = 1, raw = false): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const text = raw ? dict : dict + ' '.repeat((64 - ((prefix + dict.length + 1) % 64)) % 64) + '\n';
  const body = Buffer.from(text, version === 3 ? 'utf8' : 'latin1');
  const head = new Uint8Array(prefix);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(head.buffer);
  if (version === 1) dv.setUint16(8, body.length & 0xffff, true);
  else dv.setUint32(8, body.length, true);
  return concat(head, body, data);
}

const DESCRS = ['<f8', '<f4', '<i4', '<i8', '|u1', '>f8', '>i4', '>f4', '>i8', '=f8', 'f8', '<u1', '|i1', '<f2'];
const SIZES: Record<string, number> = { f8: 8, f4: 4, i4: 4, i8: 8, u1: 1, i1: 1, f2: 2 };

function seeds(): Uint8Array[] {
  const out: Uint8Array[] = [];
  out.push(encodeNpy(Float64Array.from([1, -2.5, 3e-300, Number.NaN, 0, -0]), [2, 3]));
  out.push(encodeNpy(Float32Array.from([1.5, -2, 7]), [3], 'float32'));
  out.push(encodeNpy(Int32Array.from([1, -2, 2147483647, -2147483648]), [2, 1, 2]));
  out.push(encodeNpy(BigInt64Array.from([1n, -(2n ** 63n), 2n ** 62n]), [3]));
  out.push(encodeNpy(Uint8Array.from([0, 1, 255, 7]), [4, 1]));
  out.push(encodeNpy(Float64Array.from([42]), []));
  out.push(encodeNpy(new Float64Array(0), [0, 5]));
  const be = new Uint8Array(16);
  new DataView(be.buffer).setFloat64(0, 1.25, false);
  new DataView(be.buffer).setFloat64(8, -3, false);
  out.push(npyFile("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", be));
  out.push(npyFile('{"descr": "<i4", "fortran_order": False, "shape": (1, 1)}', new Uint8Array(4), 2));
  out.push(npyFile("{'descr': '<u1', 'fortran_order': False, 'shape': (3L,), }", Uint8Array.of(1, 2, 3), 3));
  out.push(npyFile("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", new Uint8Array(16)));
  return out;
}

/** A header dict from the grammar: right or wrong keys, values, literal syntax and shapes. */
function generatedHeader(rng: Rng): Uint8Array {
  const q = chance(rng, 0.8) ? "'" : '"';
  const descr = chance(rng, 0.9) ? pick(rng, DESCRS) : pick(rng, ['', 'f', '<f16', '<c16', 'O', '<U3', '|b1', '<f08']);
  const dims: string[] = [];
  const nd = rng.int(5);
  for (let k = 0; k < nd; k++)
    dims.push(chance(rng, 0.75) ? String(rng.int(5)) : pick(rng, [...BOUNDARY_NUMBERS, '0', '00', '3L', '-1', 'True']));
  let shape = nd === 1 && chance(rng, 0.8) ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  if (chance(rng, 0.1)) shape = shape.replace('(', '[').replace(/\)$/, ']');
  if (chance(rng, 0.05)) shape = pick(rng, ['()', '(,)', '(1,,)', '3', "'3'", '{}', '((1,),)']);
  const fortran = chance(rng, 0.85) ? 'False' : pick(rng, ['True', '0', 'false', 'None']);
  const entries = [`${q}descr${q}: ${q}${descr}${q}`, `${q}fortran_order${q}: ${fortran}`, `${q}shape${q}: ${shape}`];
  if (chance(rng, 0.05)) entries.push(`${q}extra${q}: 1`);
  if (chance(rng, 0.05)) entries.splice(rng.int(3), 1);
  if (chance(rng, 0.03)) entries.push(`${q}__proto__${q}: {}`);
  rng.shuffle(entries);
  let dict = `{${entries.join(', ')}${chance(rng, 0.5) ? ', ' : ''}}`;
  if (chance(rng, 0.2))
    dict = mutateText(rng, dict, ['(', ')', ',', "'", ':', ' ', 'True', '0', '\u00a0', '\t'], [], 2);
  // data: usually exactly what the shape declares, sometimes off by a little
  const size = SIZES[descr.replace(/^[<>|=]/, '')] ?? 8;
  let count = 1;
  for (const d of dims) count *= /^\d+$/.test(d) ? Number(d) : 1;
  let nbytes = Number.isSafeInteger(count * size) && count * size < 4096 ? count * size : rng.int(64);
  if (chance(rng, 0.1)) nbytes += pick(rng, [-1, 1, size, -size]);
  const data = Uint8Array.from({ length: Math.max(0, nbytes) }, () => rng.int(256));
  const version = pick(rng, [1, 1, 1, 2, 3]);
  const file = npyFile(dict, data, version, chance(rng, 0.1));
  return chance(rng, 0.1) ? mutateBytes(rng, file, [], 2) : file;
}

const BASE = seeds();

function generate(rng: Rng): Uint8Array {
  const u = rng.uniform();
  if (u < 0.45) return generatedHeader(rng);
  const seed = pick(rng, BASE);
  if (u < 0.55) {
    // values only: any bytes are a valid array of the declared dtype
    const out = seed.slice();
    const start = 10 + new DataView(seed.buffer).getUint16(8, true);
    for (let k = start; k < out.length; k++) if (chance(rng, 0.3)) out[k] = rng.int(256);
    return out;
  }
  return mutateBytes(rng, seed, BASE);
}

/** The typed array's bytes (little-endian host). */
function bytesOf(a: NpyArray): Uint8Array {
  return new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

describe('fuzz: .npy reader', () => {
  const count = fuzzCount();
  const accepted: { i: number; a: NpyArray }[] = [];
  const inputs: Uint8Array[] = [];

  it(`${count} mutated and generated files end in a FormatError or a correct array`, () => {
    const report = fuzzParser({
      name: 'npy',
      seed: fuzzSeed(13),
      count,
      generate,
      run(buf, i) {
        inputs[i] = buf;
        const a = decodeNpy(buf, `fuzz-${i}.npy`);
        const n = a.data.length;
        const count = a.shape.reduce((x, y) => x * y, 1);
        if (count !== n) return `shape (${a.shape.join(', ')}) holds ${count} elements, data has ${n}`;
        if (!a.shape.every((s) => Number.isSafeInteger(s) && s >= 0 && !Object.is(s, -0)))
          return `shape entries must be non-negative safe integers: ${a.shape.join(', ')}`;
        // (1) round trip through the writer
        const b = decodeNpy(encodeNpy(a.data, a.shape, a.dtype));
        if (b.dtype !== a.dtype || b.shape.join() !== a.shape.join() || !sameBytes(bytesOf(a), bytesOf(b)))
          return 're-encoding changed the array';
        // (2) the data are the file's trailing bytes (each element byte-swapped for a big-endian descr; for
        // fortran_order: True, element (i₀…i_k) at Fortran offset Σ iⱼ·Π_{l<j} shape_l, found here by division)
        const tail = buf.subarray(buf.length - a.data.byteLength);
        const size = a.data.BYTES_PER_ELEMENT;
        const header = Buffer.from(buf.subarray(0, buf.length - a.data.byteLength)).toString('latin1');
        const big = size > 1 && /descr['"]\s*:\s*['"]>/.test(header);
        let expect = big ? tail.slice() : tail;
        if (big) for (let k = 0; k < expect.length; k += size) expect.subarray(k, k + size).reverse();
        if (/fortran_order['"]\s*:\s*True/.test(header)) {
          const c = new Uint8Array(expect.length);
          for (let e = 0; e < n; e++) {
            let rest = e;
            let f = 0;
            const idx = a.shape.map(() => 0);
            for (let j = a.shape.length - 1; j >= 0; j--) {
              idx[j] = rest % a.shape[j];
              rest = Math.floor(rest / a.shape[j]);
            }
            for (let j = a.shape.length - 1; j >= 0; j--) f = f * a.shape[j] + idx[j];
            c.set(expect.subarray(f * size, (f + 1) * size), e * size);
          }
          expect = c;
        }
        if (!sameBytes(bytesOf(a), expect)) return 'data bytes differ from the file';
        accepted.push({ i, a });
      },
    });
    assertClean(report, { minOk: 100, minTyped: 300 });
  });

  it('every accepted file loads to the same dtype, shape and values in numpy', () => {
    const check = accepted.slice(0, 600);
    for (const { i } of check) writeFileSync(join(dir, `${i}.npy`), inputs[i]);
    const py = `
import json, sys, hashlib, warnings
import numpy as np
warnings.simplefilter('ignore')
for i in json.loads(sys.argv[1]):
    try:
        a = np.load('${dir}/%d.npy' % i, allow_pickle=False)
        b = np.ascontiguousarray(a).astype(a.dtype.newbyteorder('<'))
        print(json.dumps({'i': i, 'dtype': a.dtype.name, 'shape': list(a.shape), 'sha': hashlib.sha256(b.tobytes()).hexdigest()}))
    except Exception as e:
        print(json.dumps({'i': i, 'error': type(e).__name__ + ': ' + str(e)[:200]}))
`;
    const r = spawnSync(PYTHON, ['-c', py, JSON.stringify(check.map((c) => c.i))], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const byIndex = new Map(check.map((c) => [c.i, c.a]));
    const wrong: string[] = [];
    for (const line of r.stdout.trim().split('\n').filter(Boolean)) {
      const np = JSON.parse(line) as { i: number; dtype?: string; shape?: number[]; sha?: string; error?: string };
      const a = byIndex.get(np.i) as NpyArray;
      if (np.error !== undefined) {
        wrong.push(`#${np.i}: accepted as ${a.dtype} (${a.shape.join(', ')}), numpy refuses: ${np.error}`);
        continue;
      }
      // numpy's bool reads as uint8 0/1 here
      const ours = { dtype: a.dtype === 'uint8' && np.dtype === 'bool' ? 'bool' : a.dtype, shape: [...a.shape] };
      if (np.dtype !== ours.dtype || JSON.stringify(np.shape) !== JSON.stringify(ours.shape)) {
        wrong.push(
          `#${np.i}: ${ours.dtype} (${ours.shape.join(', ')}) here, numpy ${np.dtype} (${np.shape?.join(', ')})`,
        );
      } else if (np.sha !== sha256(bytesOf(a))) wrong.push(`#${np.i}: values differ from numpy's`);
    }
    for (const { i } of check) rmSync(join(dir, `${i}.npy`));
    assert.deepEqual(wrong, [], `${wrong.length} of ${check.length} accepted files disagree with numpy`);
  });

  it('readNpy on 200 mutated files: a FormatError naming the file, or the same array as decodeNpy; no file left', () => {
    const report = fuzzParser({
      name: 'npy-file',
      seed: fuzzSeed(14),
      count: 200,
      generate,
      run(buf, i) {
        const p = join(dir, `r${i}.npy`);
        writeFileSync(p, buf);
        try {
          const a = readNpy(p);
          const b = decodeNpy(buf);
          if (a.dtype !== b.dtype || !sameBytes(bytesOf(a), bytesOf(b))) return 'readNpy differs from decodeNpy';
        } catch (e) {
          if (e instanceof Error && 'path' in e && e.path !== p) return `the error names ${String(e.path)}, not ${p}`;
          throw e;
        } finally {
          rmSync(p);
        }
      },
    });
    assertClean(report);
    assert.deepEqual(listFiles(dir), []);
  });
});

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}
