import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FormatError, InvalidArgumentError } from '../../src/errors.js';
import {
  decodeNpy,
  encodeNpy,
  NPY_DTYPES,
  type NpyDtype,
  readMatrixNpy,
  readNpy,
  readNpz,
  writeMatrixNpy,
  writeNpy,
} from '../../src/io/npy.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { python, tempDir } from './helpers.js';

const dir = tempDir('ntk-npy-');

/** Deterministic sample values that fit every dtype (0..255 for uint8, signed elsewhere). */
function sample(dtype: NpyDtype, n: number): number[] {
  return Array.from({ length: n }, (_, i) =>
    dtype === 'uint8' ? (i * 37) % 256 : dtype.startsWith('float') ? (i - 3) * 0.25 : i * 1000 - 7,
  );
}

const NUMPY_NAME: Record<NpyDtype, string> = {
  float64: 'float64',
  float32: 'float32',
  int32: 'int32',
  int64: 'int64',
  uint8: 'uint8',
};

describe('npy round trips', () => {
  for (const dtype of NPY_DTYPES) {
    for (const shape of [[], [0], [7], [2, 3], [2, 3, 4], [1, 2, 1, 3, 1]]) {
      it(`writes and reads back ${dtype} of shape (${shape.join(',')})`, () => {
        const n = shape.reduce((a, b) => a * b, 1);
        const vals = sample(dtype, n);
        const p = join(dir, `rt-${dtype}-${shape.join('x')}.npy`);
        writeNpy(p, vals, shape, dtype);
        const a = readNpy(p);
        assert.equal(a.dtype, dtype);
        assert.deepEqual([...a.shape], shape);
        assert.deepEqual(
          Array.from(a.data as ArrayLike<number | bigint>, (v) => Number(v)),
          vals,
        );
      });
    }
  }

  it('keeps int64 values beyond 2^53 exactly', () => {
    const big = BigInt64Array.from([2n ** 62n + 1n, -(2n ** 63n), 3n]);
    const a = decodeNpy(encodeNpy(big, [3]));
    assert.equal(a.dtype, 'int64');
    assert.deepEqual([...(a.data as BigInt64Array)], [...big]);
  });

  it('writes header version 1.0 for ordinary shapes and 2.0 when the header exceeds 65535 bytes', () => {
    const v1 = encodeNpy(new Float64Array(6), [2, 3]);
    assert.equal(v1[6], 1);
    assert.equal((10 + v1[8] + 256 * v1[9]) % 64, 0, 'header (preamble + dict) is padded to a multiple of 64 bytes');
    const shape = new Array<number>(25000).fill(1);
    const v2 = encodeNpy(Float64Array.from([42]), shape);
    assert.equal(v2[6], 2);
    const back = decodeNpy(v2);
    assert.equal(back.shape.length, 25000);
    assert.deepEqual([...back.data], [42]);
  });

  it('round-trips a Matrix, and reads a 1-D array as a column', () => {
    const m = Matrix.from([
      [1, 2, 3],
      [4, 5, 6.5],
    ]);
    const p = join(dir, 'm.npy');
    writeMatrixNpy(p, m);
    const back = readMatrixNpy(p);
    assert.deepEqual(back.shape, [2, 3]);
    assert.deepEqual([...back.data], [...m.data]);
    const p1 = join(dir, 'v.npy');
    writeNpy(p1, Int32Array.from([4, 5, 6]), [3]);
    const col = readMatrixNpy(p1);
    assert.deepEqual(col.shape, [3, 1]);
    assert.deepEqual([...col.data], [4, 5, 6]);
  });
});

describe('npy agrees with numpy', () => {
  it('reads what numpy writes: every dtype, header versions 1.0, 2.0 and 3.0, and big-endian data', () => {
    const out = python(`
import numpy as np, json
from numpy.lib import format as F
d = ${JSON.stringify(dir)}
a = np.arange(24).reshape(2, 3, 4)
res = []
for dt in ['<f8', '<f4', '<i4', '<i8', '|u1', '>f8', '>i4']:
    for ver in [(1, 0), (2, 0), (3, 0)]:
        x = (a * 1.5 if dt[1] == 'f' else a * 3).astype(dt)
        p = f"{d}/np-{dt[1:]}-{'be' if dt[0] == '>' else 'le'}-v{ver[0]}.npy"
        with open(p, 'wb') as f:
            F.write_array(f, x, version=ver)
        res.append([p, x.astype('f8').ravel().tolist()])
print(json.dumps(res))
`);
    const files = JSON.parse(out) as [string, number[]][];
    assert.equal(files.length, 21);
    for (const [p, values] of files) {
      const a = readNpy(p);
      assert.deepEqual([...a.shape], [2, 3, 4], p);
      assert.deepEqual(
        Array.from(a.data as ArrayLike<number | bigint>, (v) => Number(v)),
        values,
        p,
      );
    }
    assert.equal(readNpy(join(dir, 'np-u1-le-v1.npy')).dtype, 'uint8');
    assert.equal(readNpy(join(dir, 'np-f8-be-v2.npy')).dtype, 'float64');
  });

  it('writes files numpy reads with the same dtype, shape and values', () => {
    const cases: [NpyDtype, number[]][] = [
      ['float64', [3, 4]],
      ['float32', [5]],
      ['int32', [2, 2, 2]],
      ['int64', [4, 1]],
      ['uint8', [1, 9]],
    ];
    for (const [dtype, shape] of cases) {
      const n = shape.reduce((a, b) => a * b, 1);
      writeNpy(join(dir, `ours-${dtype}.npy`), sample(dtype, n), shape, dtype);
    }
    writeNpy(join(dir, 'ours-scalar.npy'), [Math.PI], []);
    const out = python(`
import numpy as np, json
d = ${JSON.stringify(dir)}
res = {}
for dt in ['float64', 'float32', 'int32', 'int64', 'uint8', 'scalar']:
    x = np.load(f"{d}/ours-{dt}.npy", allow_pickle=False)
    res[dt] = [str(x.dtype), list(x.shape), x.astype('f8').ravel().tolist(), bool(x.flags['C_CONTIGUOUS'])]
print(json.dumps(res))
`);
    const res = JSON.parse(out) as Record<string, [string, number[], number[], boolean]>;
    for (const [dtype, shape] of cases) {
      const [npDtype, npShape, values, contiguous] = res[dtype];
      assert.equal(npDtype, NUMPY_NAME[dtype]);
      assert.deepEqual(npShape, shape);
      assert.deepEqual(values, sample(dtype, values.length));
      assert.equal(contiguous, true);
    }
    assert.deepEqual(res.scalar.slice(0, 3), ['float64', [], [Math.PI]]);
  });
});

describe('npy rejects bad input with a FormatError naming the file', () => {
  const good = encodeNpy(Float64Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
  const put = (name: string, bytes: Uint8Array): string => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };
  const expectFormat = (p: string, re: RegExp) =>
    assert.throws(
      () => readNpy(p),
      (e: unknown) => e instanceof FormatError && e.path === p && e.message.includes(p) && re.test(e.message),
    );

  it('truncated data', () => expectFormat(put('trunc-data.npy', good.subarray(0, good.byteLength - 5)), /truncated/));
  it('truncated header', () => expectFormat(put('trunc-head.npy', good.subarray(0, 40)), /truncated .npy header/));
  it('a file shorter than the preamble', () => expectFormat(put('tiny.npy', good.subarray(0, 7)), /truncated/));
  it('bad magic', () => {
    const b = good.slice();
    b[1] = 0x58;
    expectFormat(put('magic.npy', b), /bad magic/);
  });
  it('unknown version', () => {
    const b = good.slice();
    b[6] = 9;
    expectFormat(put('version.npy', b), /version 9\.0/);
  });
  const withHeader = (dict: string, data = new Uint8Array(48)): Uint8Array => {
    const text = `${dict}`.padEnd(118, ' ') + '\n';
    const out = new Uint8Array(10 + text.length + data.byteLength);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, text.length & 0xff, text.length >> 8]);
    out.set(Buffer.from(text, 'latin1'), 10);
    out.set(data, 10 + text.length);
    return out;
  };
  it('a header that is not a dict literal', () =>
    expectFormat(put('dict.npy', withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)")), /malformed/));
  it('a header missing shape', () =>
    expectFormat(put('noshape.npy', withHeader("{'descr': '<f8', 'fortran_order': False}")), /'shape'/));
  it('a bool byte other than 0 or 1', () =>
    expectFormat(
      put('bool7.npy', withHeader("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", Uint8Array.of(1, 7, 0))),
      /bool \.npy element 1 is the byte 7/,
    ));
  it('an unsupported dtype', () =>
    expectFormat(
      put('c16.npy', withHeader("{'descr': '<c16', 'fortran_order': False, 'shape': (3,), }")),
      /unsupported .npy dtype '<c16'/,
    ));
  it('data longer than the shape says', () =>
    expectFormat(
      put('long.npy', withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }")),
      /expected 40 bytes/,
    ));
  // Headers numpy refuses (found by test/fuzz/npy.test.ts): each was read as a valid array before.
  for (const [name, shape, re] of [
    ['list', '[2, 3]', /'shape' tuple/],
    ['paren', '(6)', /'shape' tuple/],
    ['zeros', '(02, 3)', /malformed/],
    ['nbsp', '(2,\u00a03)', /malformed/],
    ['huge', '(9007199254740993, 0)', /beyond 2\^53/],
  ] as const) {
    it(`a shape numpy refuses: ${shape}`, () =>
      expectFormat(
        put(`shape-${name}.npy`, withHeader(`{'descr': '<f8', 'fortran_order': False, 'shape': ${shape}, }`)),
        re,
      ));
  }
  it('a header with a __proto__ key (not a way to smuggle in the other keys)', () =>
    expectFormat(
      put('proto.npy', withHeader("{'__proto__': {'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}}")),
      /no string 'descr'|unexpected keys/,
    ));
  it('a missing file', () => expectFormat(join(dir, 'does-not-exist.npy'), /cannot read/));
  it('a 3-D array where a matrix is expected', () => {
    const p = join(dir, 'cube.npy');
    writeNpy(p, new Float64Array(8), [2, 2, 2]);
    assert.throws(() => readMatrixNpy(p), /1-D or 2-D/);
  });
  it('writing data whose length is not the shape product', () => {
    assert.throws(() => writeNpy(join(dir, 'bad.npy'), [1, 2, 3], [2, 2]), InvalidArgumentError);
    assert.throws(() => readFileSync(join(dir, 'bad.npy')), /ENOENT/);
  });
  it('writing a non-integer as int64', () => assert.throws(() => encodeNpy([1.5], [1], 'int64'), /safe integer/));
});

// issue #16: what numpy writes that ntk-lab used to refuse — Fortran order, bools, .npz archives (numpy's own files)
describe('numpy interop: Fortran order, bool, .npz', () => {
  const d = tempDir('ntk-npz-');
  python(`
import numpy as np
a = np.arange(24, dtype='<f8').reshape(2, 3, 4) * 1.5 - 7
np.save('${d}/f3.npy', np.asfortranarray(a))
np.save('${d}/f2i.npy', np.asfortranarray(np.arange(6, dtype='>i4').reshape(2, 3)))
np.save('${d}/c3.npy', a)
np.save('${d}/b.npy', np.array([[True, False, True], [False, False, True]]))
np.savez('${d}/s.npz', x=a, y=np.array([1, 2, 3], dtype='<i8'))
np.savez_compressed('${d}/z.npz', x=np.asfortranarray(a), mask=np.array([True, False]))
np.savez('${d}/one.npz', np.eye(3))
`);
  it('a Fortran-order file reads as the same C-order array numpy gives', () => {
    const f = readNpy(join(d, 'f3.npy'));
    const c = readNpy(join(d, 'c3.npy'));
    assert.deepEqual([...f.shape], [2, 3, 4]);
    assert.deepEqual([...(f.data as Float64Array)], [...(c.data as Float64Array)]);
    const i = readNpy(join(d, 'f2i.npy'));
    assert.equal(i.dtype, 'int32');
    assert.deepEqual([...(i.data as Int32Array)], [0, 1, 2, 3, 4, 5]);
  });
  it('bool arrays read as uint8 0/1', () => {
    const b = readNpy(join(d, 'b.npy'));
    assert.equal(b.dtype, 'uint8');
    assert.deepEqual([...b.shape], [2, 3]);
    assert.deepEqual([...(b.data as Uint8Array)], [1, 0, 1, 0, 0, 1]);
  });
  it('.npz: savez and savez_compressed, by name, and the only array of a one-array archive', () => {
    const s = readNpz(join(d, 's.npz'));
    assert.deepEqual([...s.keys()], ['x', 'y']);
    const c = readNpy(join(d, 'c3.npy'));
    assert.deepEqual([...(s.get('x')?.data as Float64Array)], [...(c.data as Float64Array)]);
    assert.deepEqual([...(readNpy(join(d, 's.npz:y')).data as BigInt64Array)], [1n, 2n, 3n]);
    const z = readNpz(join(d, 'z.npz'));
    assert.deepEqual([...(z.get('x')?.data as Float64Array)], [...(c.data as Float64Array)], 'deflated + Fortran');
    assert.deepEqual([...(z.get('mask')?.data as Uint8Array)], [1, 0]);
    const eye = readMatrixNpy(join(d, 'one.npz'));
    assert.deepEqual([eye.rows, eye.cols, eye.get(1, 1), eye.get(0, 1)], [3, 3, 1, 0]);
    assert.throws(() => readNpy(join(d, 's.npz')), /holds 2 arrays \(x, y\): name one as .*s\.npz:NAME/);
    assert.throws(() => readNpy(join(d, 's.npz:w')), /has no array 'w' \(it holds x, y\)/);
    writeFileSync(join(d, 'bad.npz'), readFileSync(join(d, 's.npz')).subarray(0, 100));
    assert.throws(
      () => readNpz(join(d, 'bad.npz')),
      (e) => e instanceof FormatError && /\.npz \(ZIP\)/.test(e.message),
    );
  });
});
