import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FormatError, InvalidArgumentError } from '../../src/errors.js';
import { formatCsv, parseCsv, readCsv, splitCsvLine, writeCsv } from '../../src/io/csv.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { python, tempDir } from './helpers.js';

const dir = tempDir('ntk-csv-');

describe('CSV matrices', () => {
  it('detects a header row automatically and parses numbers', () => {
    const t = parseCsv('a,b,"c,d"\n1,2.5,-3e2\n\n4,5,6\n');
    assert.deepEqual(t.header, ['a', 'b', 'c,d']);
    assert.deepEqual(t.matrix.shape, [2, 3]);
    assert.deepEqual([...t.matrix.data], [1, 2.5, -300, 4, 5, 6]);
  });

  it('reads without a header, with another delimiter and skipped lines', () => {
    const t = parseCsv('# comment\n1;2\n3;4\n', 'x', { header: false, delimiter: ';', skipRows: 1 });
    assert.equal(t.header, null);
    assert.deepEqual([...t.matrix.data], [1, 2, 3, 4]);
  });

  it('treats an all-numeric first row as a header when told to', () => {
    const t = parseCsv('150,4\n1,2\n', 'x', { header: true });
    assert.deepEqual(t.header, ['150', '4']);
    assert.deepEqual(t.matrix.shape, [1, 2]);
  });

  it('accepts nan and infinities, and splits quoted cells with escaped quotes', () => {
    const t = parseCsv('nan,inf,-Infinity\n', 'x', { header: false });
    assert.ok(Number.isNaN(t.matrix.data[0]));
    assert.equal(t.matrix.data[1], Number.POSITIVE_INFINITY);
    assert.equal(t.matrix.data[2], Number.NEGATIVE_INFINITY);
    assert.deepEqual(splitCsvLine('"a ""q""",b'), ['a "q"', 'b']);
  });

  it('names the line, column and header of a bad cell', () => {
    assert.throws(
      () => parseCsv('x,y\n1,2\n3,oops\n', 'f.csv'),
      (e: unknown) =>
        e instanceof FormatError &&
        /f\.csv: line 3 \(data row 2\), column 2 \('y'\): not a number: "oops"/.test(e.message),
    );
    assert.throws(() => parseCsv('1,2\n3\n', 'g.csv'), /line 2: expected 2 columns, found 1/);
    assert.throws(() => parseCsv('1,0x10\n', 'h.csv', { header: false }), /column 2/);
    assert.throws(() => parseCsv('1,\n', 'h.csv', { header: false }), /column 2/);
  });

  it('refuses a quoted cell that does not close on its line, and a quote or line break as delimiter', () => {
    // (test/fuzz/csv.test.ts) the open quote swallowed the rest of the line into a header of one empty name
    assert.throws(
      () => parseCsv('x,"y\n1,2\n', 'q.csv'),
      (e: unknown) => e instanceof FormatError && /q\.csv: line 1: a quoted cell is not closed/.test(e.message),
    );
    assert.throws(() => splitCsvLine('a,"b'), InvalidArgumentError);
    for (const d of ['"', '\n', '\r'])
      assert.throws(() => parseCsv('1,2\n', 'd.csv', { delimiter: d }), InvalidArgumentError);
  });

  it('writes an empty header name quoted, so that it reads back', () => {
    const m = new Matrix(1, 1, Float64Array.from([2]));
    const back = parseCsv(formatCsv(m, { header: [''] }), 'e.csv', { header: true });
    assert.deepEqual(back.header, ['']);
    assert.deepEqual([...back.matrix.data], [2]);
  });

  it('round-trips through a file exactly, and numpy reads what we write', () => {
    const m = new Matrix(3, 2, Float64Array.from([0.1, 1 / 3, -2e-300, 1e21, 42, Math.PI]));
    const p = join(dir, 'm.csv');
    writeCsv(p, m, { header: ['u', 'v'] });
    const back = readCsv(p);
    assert.deepEqual(back.header, ['u', 'v']);
    assert.deepEqual([...back.matrix.data], [...m.data]);
    const out = python(
      `import numpy as np, json; print(json.dumps(np.loadtxt(${JSON.stringify(p)}, delimiter=',', skiprows=1).ravel().tolist()))`,
    );
    assert.deepEqual(JSON.parse(out), [...m.data]);
  });

  it('reads what numpy writes', () => {
    const p = join(dir, 'np.csv');
    const out = python(
      `import numpy as np, json; x = np.arange(12.0).reshape(4, 3) / 7; np.savetxt(${JSON.stringify(p)}, x, delimiter=',', fmt='%.17g', header='a,b,c', comments=''); print(json.dumps(x.ravel().tolist()))`,
    );
    const t = readCsv(p);
    assert.deepEqual(t.header, ['a', 'b', 'c']);
    assert.deepEqual([...t.matrix.data], JSON.parse(out));
  });

  it('formats with a fixed precision', () => {
    assert.equal(formatCsv(Matrix.from([[1 / 3, 2]]), { precision: 3 }), '0.333,2\n');
  });

  it('reports a missing file as a FormatError naming it', () => {
    const p = join(dir, 'missing.csv');
    assert.throws(
      () => readCsv(p),
      (e: unknown) => e instanceof FormatError && e.message.includes(p),
    );
    writeFileSync(join(dir, 'empty.csv'), '');
    assert.deepEqual(readCsv(join(dir, 'empty.csv')).matrix.shape, [0, 0]);
  });
});
