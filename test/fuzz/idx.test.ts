/**
 * Fuzz: IDX files (src/data/idx.ts: decodeIdx, decodeIdxImageLabels, readIdx with gzip) and CIFAR binary batches
 * (src/data/images.ts: loadCifarRaw). Mutated files must end in a FormatError or a correct array.
 *
 * Correct (IDX) = the dimensions multiply to the data length and an independent big-endian encoder (written here)
 * turns the decoded values back into the file's bytes (NaN payloads compared as NaN). Correct (CIFAR) = every
 * record's label is below the number of class names and the pixels are the record's CHW bytes in HWC order
 * (recomputed here from the file).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import { decodeIdx, decodeIdxImageLabels, encodeIdxU8, type IdxArray, readIdx } from '../../src/data/idx.js';
import { loadCifarRaw, loadMnistRaw } from '../../src/data/images.js';
import { Rng } from '../../src/util/random.js';
import { assertClean, fuzzCount, fuzzParser, fuzzSeed, listFiles } from './harness.js';
import { chance, mutateBytes, mutateText, pick } from './mutate.js';

const dir = mkdtempSync(join(tmpdir(), 'ntk-fuzz-idx-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const CODES: Record<string, [number, number]> = {
  uint8: [0x08, 1],
  int8: [0x09, 1],
  int16: [0x0b, 2],
  int32: [0x0c, 4],
  float32: [0x0d, 4],
  float64: [0x0e, 8],
};

/** The reference encoder: magic, big-endian uint32 dims, big-endian values. */
function encodeIdx(a: IdxArray): Uint8Array {
  const [code, size] = CODES[a.type];
  const head = 4 + 4 * a.dims.length;
  const out = new Uint8Array(head + a.data.length * size);
  const dv = new DataView(out.buffer);
  out[2] = code;
  out[3] = a.dims.length;
  a.dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < a.data.length; i++) {
    const v = a.data[i];
    const o = head + i * size;
    if (a.type === 'uint8') dv.setUint8(o, v);
    else if (a.type === 'int8') dv.setInt8(o, v);
    else if (a.type === 'int16') dv.setInt16(o, v, false);
    else if (a.type === 'int32') dv.setInt32(o, v, false);
    else if (a.type === 'float32') dv.setFloat32(o, v, false);
    else dv.setFloat64(o, v, false);
  }
  return out;
}

function idxOf(type: keyof typeof CODES, dims: number[], rng: Rng): Uint8Array {
  const [code, size] = CODES[type];
  const n = dims.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(4 + 4 * dims.length + n * size);
  out[2] = code;
  out[3] = dims.length;
  const dv = new DataView(out.buffer);
  dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  for (let k = 4 + 4 * dims.length; k < out.length; k++) out[k] = rng.int(256);
  return out;
}

function seeds(rng: Rng): Uint8Array[] {
  return [
    encodeIdxU8(
      [3, 4, 4],
      Uint8Array.from({ length: 48 }, (_, i) => i * 5),
    ),
    encodeIdxU8([3], Uint8Array.of(0, 9, 3)),
    idxOf('int8', [5], rng),
    idxOf('int16', [2, 3], rng),
    idxOf('int32', [4], rng),
    idxOf('float32', [2, 2], rng),
    idxOf('float64', [3, 1], rng),
    idxOf('uint8', [0, 28, 28], rng),
    idxOf('uint8', [1, 1, 1, 1, 1], rng),
  ];
}

const BASE = seeds(new Rng(7));

function sameFloat(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

function checkIdx(buf: Uint8Array, a: IdxArray): string | undefined {
  const n = a.dims.reduce((x, y) => x * y, 1);
  if (n !== a.data.length) return `dims ${a.dims.join('×')} for ${a.data.length} values`;
  const back = encodeIdx(a);
  if (back.length !== buf.length) return `re-encodes to ${back.length} bytes, the file has ${buf.length}`;
  const [, size] = CODES[a.type];
  const head = 4 + 4 * a.dims.length;
  for (let k = 0; k < head; k++) if (back[k] !== buf[k]) return `header byte ${k} differs`;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let i = 0; i < a.data.length; i++) {
    const o = head + i * size;
    const v =
      a.type === 'float32'
        ? dv.getFloat32(o, false)
        : a.type === 'float64'
          ? dv.getFloat64(o, false)
          : a.type === 'int16'
            ? dv.getInt16(o, false)
            : a.type === 'int32'
              ? dv.getInt32(o, false)
              : a.type === 'int8'
                ? dv.getInt8(o)
                : dv.getUint8(o);
    if (!sameFloat(v, a.data[i])) return `value ${i} is ${a.data[i]}, the file has ${v}`;
  }
  return undefined;
}

describe('fuzz: IDX', () => {
  it(`decodeIdx: ${fuzzCount()} mutated files end in a FormatError or a correct array`, () => {
    const report = fuzzParser({
      name: 'idx',
      seed: fuzzSeed(31),
      count: fuzzCount(),
      generate: (rng) => {
        if (chance(rng, 0.15)) {
          // generated: any type and 1–4 dims (some huge), data sized to match or not
          const type = pick(rng, Object.keys(CODES)) as keyof typeof CODES;
          const dims = Array.from({ length: 1 + rng.int(4) }, () =>
            chance(rng, 0.8) ? rng.int(4) : pick(rng, [0xffffffff, 0x80000000, 65536, 1 << 20]),
          );
          const n = dims.reduce((a, b) => a * b, 1);
          const ok = Number.isSafeInteger(n) && n * CODES[type][1] < 1 << 16;
          const f = idxOf(type, ok ? dims : dims.map(() => 1), rng);
          if (!ok) new DataView(f.buffer).setUint32(4, dims[0], false);
          return f;
        }
        const seed = pick(rng, BASE);
        if (chance(rng, 0.15)) {
          // values only: any bytes after the header are valid values
          const out = seed.slice();
          for (let k = 4 + 4 * seed[3]; k < out.length; k++) if (chance(rng, 0.3)) out[k] = rng.int(256);
          return out;
        }
        return mutateBytes(rng, seed, BASE);
      },
      run(buf) {
        const expect = [undefined, { type: 'uint8' as const }, { ndims: 3 }][buf.length % 3];
        return checkIdx(buf, decodeIdx(buf, 'fuzz.idx', expect));
      },
    });
    assertClean(report, { minOk: 100, minTyped: 300 });
  });

  it(`decodeIdxImageLabels and readIdx (plain and gzip): ${fuzzCount()} mutated pairs; no file left`, () => {
    const report = fuzzParser({
      name: 'idx-pair',
      seed: fuzzSeed(32),
      count: fuzzCount(),
      generate: (rng) => {
        const n = 1 + rng.int(3);
        const img = encodeIdxU8(
          [n, 3, 2],
          Uint8Array.from({ length: n * 6 }, () => rng.int(256)),
        );
        const lbl = encodeIdxU8(
          [n],
          Uint8Array.from({ length: n }, () => rng.int(10)),
        );
        const which = rng.int(4); // 3: neither is mutated
        const gz = chance(rng, 0.3);
        let a = which === 0 || which === 2 ? mutateBytes(rng, img, [lbl], 2) : img;
        const b = which === 1 || which === 2 ? mutateBytes(rng, lbl, [img], 2) : lbl;
        if (gz) a = chance(rng, 0.5) ? Uint8Array.from(gzipSync(a)) : mutateBytes(rng, Uint8Array.from(gzipSync(a)));
        return { a, b, gz };
      },
      show: ({ a, b, gz }) =>
        `gz=${gz} images ${Buffer.from(a).toString('hex')} labels ${Buffer.from(b).toString('hex')}`,
      run({ a, b }, i) {
        const pa = join(dir, `i${i}`);
        const pb = join(dir, `l${i}`);
        writeFileSync(pa, a);
        writeFileSync(pb, b);
        try {
          const img = readIdx(pa);
          const pair = decodeIdxImageLabels(encodeIdx(img), pa, b, pb);
          if (pair.pixels.length !== pair.n * pair.rows * pair.cols) return 'pixel count';
          if (pair.labels.length !== pair.n) return 'label count';
          if (img.dims[0] !== pair.n) return 'n differs from the images file';
        } finally {
          rmSync(pa);
          rmSync(pb);
        }
      },
    });
    assertClean(report, { minOk: 50, minTyped: 200 });
    assert.deepEqual(listFiles(dir), []);
  });
});

describe('fuzz: MNIST-format folders', () => {
  it(`loadMnistRaw (train, test, all): ${fuzzCount()} mutated folders end in a FormatError or a correct set`, () => {
    const NAMES = [
      'train-images-idx3-ubyte',
      'train-labels-idx1-ubyte',
      't10k-images-idx3-ubyte',
      't10k-labels-idx1-ubyte',
    ];
    const report = fuzzParser({
      name: 'mnist-folder',
      seed: fuzzSeed(33),
      count: fuzzCount(),
      generate: (rng) => {
        const files = [0, 1].flatMap(() => {
          const n = 1 + rng.int(3);
          const h = chance(rng, 0.8) ? 2 : 1 + rng.int(3);
          const w = chance(rng, 0.8) ? 3 : 1 + rng.int(3);
          return [
            encodeIdxU8(
              [n, h, w],
              Uint8Array.from({ length: n * h * w }, () => rng.int(256)),
            ),
            encodeIdxU8(
              [n],
              Uint8Array.from({ length: n }, () => (chance(rng, 0.95) ? rng.int(10) : 10 + rng.int(246))),
            ),
          ];
        });
        if (chance(rng, 0.3)) {
          const k = rng.int(4);
          files[k] = mutateBytes(rng, files[k], files, 2);
        }
        return { files, split: pick(rng, ['train', 'test', 'all'] as const) };
      },
      show: (x) => `${x.split} ${x.files.map((f) => Buffer.from(f).toString('hex')).join(' ')}`,
      run(x, i) {
        const d = join(dir, `m${i}`);
        mkdirSync(d);
        try {
          NAMES.forEach((f, k) => writeFileSync(join(d, f), x.files[k]));
          const raw = loadMnistRaw(x.split, { mnistDir: d, skipChecksums: true });
          const parts = (x.split === 'all' ? [0, 2] : x.split === 'train' ? [0] : [2]).map((k) => ({
            img: decodeIdx(x.files[k]),
            lbl: decodeIdx(x.files[k + 1]),
          }));
          if (raw.features.kind !== 'bytes') return 'features are not bytes';
          const px = Buffer.concat(parts.map((p) => p.img.data as Uint8Array));
          const labels = Buffer.concat(parts.map((p) => p.lbl.data as Uint8Array));
          const [h, w] = raw.imageShape ?? [0, 0];
          for (const p of parts)
            if (p.img.dims[1] !== h || p.img.dims[2] !== w)
              return `images of ${p.img.dims[1]}×${p.img.dims[2]} loaded as ${h}×${w}`;
          if (raw.features.n !== labels.length || raw.features.d !== h * w) return 'n or d';
          if (!px.equals(Buffer.from(raw.features.data))) return 'pixels differ from the files';
          if (!labels.equals(Buffer.from(Uint8Array.from(raw.y)))) return 'labels differ from the files';
        } finally {
          rmSync(d, { recursive: true, force: true });
        }
      },
    });
    assertClean(report, { minOk: 100, minTyped: 50 });
    assert.deepEqual(listFiles(dir), []);
  });
});

/** One CIFAR folder: records of label byte(s) + 3072 CHW pixels, and optionally a class-names file. */
describe('fuzz: CIFAR binary', () => {
  const REC10 = 1 + 3072;
  const REC100 = 2 + 3072;
  function batch(rng: Rng, rec: number, n: number, classes: number): Uint8Array {
    const out = new Uint8Array(n * rec);
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < rec; k++) out[r * rec + k] = rng.int(256);
      out[r * rec + rec - 3073] = rng.int(classes);
      if (rec === REC100) out[r * rec] = rng.int(20);
    }
    return out;
  }

  it(`loadCifarRaw: ${fuzzCount()} mutated folders end in a FormatError or a correct dataset; no file left`, () => {
    const report = fuzzParser({
      name: 'cifar',
      seed: fuzzSeed(41),
      count: fuzzCount(),
      generate: (rng) => {
        const kind = chance(rng, 0.7) ? ('cifar10' as const) : ('cifar100' as const);
        const rec = kind === 'cifar10' ? REC10 : REC100;
        let data = batch(rng, rec, 1 + rng.int(2), kind === 'cifar10' ? 10 : 100);
        const u = rng.uniform();
        if (u < 0.5) {
          // the label bytes (the mutations that keep the size), or anything
          if (chance(rng, 0.5)) data[rng.int(2) * rec] = pick(rng, [9, 10, 99, 100, 255]);
          else data = mutateBytes(rng, data, [], 2);
        }
        let names: string | null | 'dir' = null;
        if (chance(rng, 0.4)) {
          const base =
            kind === 'cifar10' ? 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n' : '';
          names = chance(rng, 0.1) ? 'dir' : mutateText(rng, base, ['\n', '\r\n', ' ', 'x'], [], 2);
        }
        const split = pick(rng, ['test', 'test', 'test', 'test', 'train', 'all'] as const);
        const asDir = chance(rng, 0.05);
        return { kind, data, names, split, asDir };
      },
      show: (x) => `${x.kind} ${x.split} names=${JSON.stringify(x.names)} dir=${x.asDir} bytes=${x.data.length}`,
      run(x, i) {
        const d = join(dir, `c${i}`);
        mkdirSync(d);
        try {
          const files =
            x.kind === 'cifar10'
              ? {
                  test: ['test_batch.bin'],
                  train: [
                    'data_batch_1.bin',
                    'data_batch_2.bin',
                    'data_batch_3.bin',
                    'data_batch_4.bin',
                    'data_batch_5.bin',
                  ],
                }
              : { test: ['test.bin'], train: ['train.bin'] };
          const wanted = x.split === 'all' ? [...files.train, ...files.test] : files[x.split];
          for (const f of wanted) {
            if (x.asDir && f === wanted[wanted.length - 1]) mkdirSync(join(d, f));
            else writeFileSync(join(d, f), x.data);
          }
          const namesFile = x.kind === 'cifar10' ? 'batches.meta.txt' : 'fine_label_names.txt';
          if (x.names === 'dir') mkdirSync(join(d, namesFile));
          else if (x.names !== null) writeFileSync(join(d, namesFile), x.names);
          const raw = loadCifarRaw(x.kind, d, x.split);
          const rec = x.kind === 'cifar10' ? REC10 : REC100;
          const perFile = x.data.length / rec;
          if (raw.features.kind !== 'bytes') return 'features are not bytes';
          if (raw.features.n !== perFile * wanted.length || raw.y.length !== raw.features.n) return 'row count';
          const px = raw.features.data;
          for (let r = 0; r < raw.features.n; r++) {
            const base = (r % perFile) * rec;
            const label = x.data[base + rec - 3073];
            if (raw.y[r] !== label) return `row ${r}: label ${raw.y[r]}, the file has ${label}`;
            if (!(label < raw.classes.length)) return `row ${r}: label ${label} ≥ ${raw.classes.length} classes`;
            for (let k = 0; k < 3072; k += 97) {
              const c = k % 3;
              const p = (k - c) / 3;
              if (px[r * 3072 + k] !== x.data[base + rec - 3072 + c * 1024 + p]) return `row ${r}: pixel ${k} differs`;
            }
          }
        } finally {
          rmSync(d, { recursive: true, force: true });
        }
      },
    });
    assertClean(report, { minOk: 100, minTyped: 200 });
    assert.deepEqual(listFiles(dir), []);
  });
});
