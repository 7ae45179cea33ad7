/**
 * Fuzz: numeric CSV (src/io/csv.ts parseCsv/readCsv) and CSV datasets (src/data/tabular.ts loadCsvRaw). Mutated
 * CSV texts (quotes, delimiters, blank lines, CR/LF, BOM, boundary numbers, Unicode) with random read options must
 * end in a typed error or a correct table.
 *
 * Correct (parseCsv) = rows × columns = the data length, the header has one name per column, the table written by
 * formatCsv reads back to the same header and values, and, for lines without quotes, every value equals an
 * independent reading of the cell (split on the delimiter, trim, JavaScript's decimal grammar / nan / inf).
 * Correct (loadCsvRaw) = the features are the table without the label column, in order, all finite, and the labels
 * are the label column: regression values as they are, or classification indices into the sorted distinct values.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type CsvReadOptions, formatCsv, parseCsv, readCsv } from '../../src/io/csv.js';
import { loadCsvRaw } from '../../src/data/tabular.js';
import type { Rng } from '../../src/util/random.js';
import { assertClean, fuzzCount, fuzzParser, fuzzSeed, listFiles } from './harness.js';
import { BOUNDARY_NUMBERS, chance, mutateText, pick } from './mutate.js';

const dir = mkdtempSync(join(tmpdir(), 'ntk-fuzz-csv-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SEEDS = [
  'a,b,label\n1,2,0\n3.5,-4e-3,1\n0,0,1\n',
  '1,2,3\n4,5,6\n',
  '"x, 1","y ""q""",z\n1,2,3\n\n7,8,9\r\n',
  'sepal;petal;class\n5.1;3.5;0\n4.9;3.0;1\n6.2;2.9;2\n',
  '# comment\nskip me\nf1,f2,y\n1,NaN,0\n2,inf,1\n3,-Infinity,0\n',
  '\ufeffh1,h2\n1,2\n',
  '1\n2\n3\n',
  '   \n\n',
  '',
  'a,b\n',
  '1,2\n3\n',
  '1.5,2,3,4,5,6,7,8,9,10\n-1,-2,-3,-4,-5,-6,-7,-8,-9,-10\n',
  'x,y\n"1","2"\n"3",4\n',
];
const TOKENS = [
  ',',
  ';',
  '\t',
  '"',
  '""',
  '\n',
  '\r\n',
  '\r',
  ' ',
  'nan',
  'inf',
  '-inf',
  'e',
  'E+',
  '.',
  '-',
  '+',
  'x',
];

interface CsvInput {
  readonly text: string;
  readonly opts: CsvReadOptions;
}

function generate(rng: Rng): CsvInput {
  let text: string;
  if (chance(rng, 0.3)) {
    // a generated table: boundary numbers, sometimes quoted, sometimes a header
    const cols = 1 + rng.int(5);
    const rows = rng.int(6);
    const lines: string[] = [];
    if (chance(rng, 0.5)) lines.push(Array.from({ length: cols }, (_, j) => `c${j}`).join(','));
    for (let i = 0; i < rows; i++) {
      lines.push(
        Array.from({ length: cols }, () => {
          const v = chance(rng, 0.7) ? String(rng.int(5) - 2) : pick(rng, BOUNDARY_NUMBERS);
          return chance(rng, 0.1) ? `"${v}"` : v;
        }).join(','),
      );
    }
    text = lines.join(pick(rng, ['\n', '\r\n'])) + (chance(rng, 0.5) ? '\n' : '');
    if (chance(rng, 0.3)) text = mutateText(rng, text, TOKENS, SEEDS, 2);
  } else text = mutateText(rng, pick(rng, SEEDS), TOKENS, SEEDS);
  const opts: { header?: boolean | 'auto'; delimiter?: string; skipRows?: number } = {};
  if (chance(rng, 0.5)) opts.header = pick(rng, [true, false, 'auto'] as const);
  if (chance(rng, 0.3)) opts.delimiter = pick(rng, [',', ';', '\t', ' ', '"', '.', '-', 'e', '1', '\n', ',,', '']);
  if (chance(rng, 0.2)) opts.skipRows = pick(rng, [0, 1, 2, 5, -1, 1.5]);
  return { text, opts };
}

const SPECIAL: Record<string, number> = {
  nan: Number.NaN,
  inf: Infinity,
  '+inf': Infinity,
  '-inf': -Infinity,
  infinity: Infinity,
  '+infinity': Infinity,
  '-infinity': -Infinity,
};

/** The reference reading of one unquoted cell. */
function refNumber(cell: string): number | undefined {
  const t = cell.trim();
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number(t);
  return SPECIAL[t.toLowerCase()];
}

const same = (a: number, b: number): boolean => a === b || (Number.isNaN(a) && Number.isNaN(b));

function checkTable(input: CsvInput): string | undefined {
  const t = parseCsv(input.text, 'fuzz.csv', input.opts);
  const m = t.matrix;
  if (m.data.length !== m.rows * m.cols) return 'matrix size';
  if (t.header && t.header.length !== m.cols) return `header has ${t.header.length} names for ${m.cols} columns`;
  if (m.rows > 0 && m.cols === 0) return 'rows without columns';
  // formatCsv → parseCsv reproduces the table
  if (m.cols > 0) {
    const back = parseCsv(
      formatCsv(m, { ...(t.header ? { header: t.header } : {}), delimiter: input.opts.delimiter }),
      'back.csv',
      {
        header: t.header !== null,
        delimiter: input.opts.delimiter,
      },
    );
    if (JSON.stringify(back.header) !== JSON.stringify(t.header))
      return `header ${JSON.stringify(t.header)} reads back as ${JSON.stringify(back.header)}`;
    if (back.matrix.rows !== m.rows || back.matrix.cols !== m.cols) return 'round trip changed the shape';
    for (let k = 0; k < m.data.length; k++)
      if (!same(back.matrix.data[k], m.data[k])) return `value ${k} ${m.data[k]} reads back as ${back.matrix.data[k]}`;
  }
  // independent reading of quote-free files
  if (!input.text.includes('"')) {
    const delim = input.opts.delimiter ?? ',';
    const lines = input.text.split(/\r?\n/).slice(input.opts.skipRows ?? 0);
    const data = lines.filter((l) => l.trim() !== '');
    const rows = (t.header ? data.slice(1) : data).map((l) => l.split(delim).map(refNumber));
    if (rows.length !== m.rows) return `${m.rows} rows, the reference reads ${rows.length}`;
    for (let i = 0; i < rows.length; i++)
      for (let j = 0; j < m.cols; j++) {
        const r = rows[i][j];
        if (r === undefined || !same(r, m.data[i * m.cols + j]))
          return `cell (${i}, ${j}) is ${m.data[i * m.cols + j]}, the reference reads ${r}`;
      }
  }
  return undefined;
}

describe('fuzz: CSV', () => {
  it(`parseCsv: ${fuzzCount()} mutated texts and options end in a typed error or a correct table`, () => {
    const report = fuzzParser({ name: 'csv', seed: fuzzSeed(21), count: fuzzCount(), generate, run: checkTable });
    assertClean(report, { minOk: 200, minTyped: 200 });
  });

  it(`loadCsvRaw/readCsv: ${fuzzCount()} mutated files end in a typed error or a correct dataset; no file left`, () => {
    const report = fuzzParser({
      name: 'csv-dataset',
      seed: fuzzSeed(22),
      count: fuzzCount(),
      generate: (rng) => ({
        ...generate(rng),
        label: pick(rng, [undefined, '-1', '0', '1', '-2', '7', 'label', 'y', 'c0', 'nope', '-0', '00', '']),
        header: pick(rng, [undefined, 'auto', 'yes', 'no'] as const),
        task: pick(rng, [undefined, 'classification', 'regression'] as const),
      }),
      run(input, i) {
        const p = join(dir, `f${i}.csv`);
        writeFileSync(p, input.text);
        try {
          const header = input.header === 'yes' ? true : input.header === 'no' ? false : 'auto';
          const t = readCsv(p, { header });
          const raw = loadCsvRaw(p, { label: input.label, header: input.header, task: input.task });
          const M = t.matrix;
          const spec = input.label ?? '-1';
          let col = /^-?\d+$/.test(spec) ? Number(spec) : (t.header?.indexOf(spec) ?? -1);
          if (col < 0 && /^-?\d+$/.test(spec)) col += M.cols;
          if (raw.features.kind !== 'matrix') return 'features are not a matrix';
          const X = raw.features.X;
          if (X.rows !== M.rows || X.cols !== M.cols - 1)
            return `X is ${X.rows}×${X.cols} for a ${M.rows}×${M.cols} file`;
          for (let r = 0; r < M.rows; r++) {
            const row = Array.from(M.data.subarray(r * M.cols, (r + 1) * M.cols));
            const label = row.splice(col, 1)[0];
            for (let j = 0; j < row.length; j++) {
              const v = X.data[r * X.cols + j];
              if (!Number.isFinite(v)) return `non-finite feature ${v} accepted (row ${r}, column ${j})`;
              if (v !== row[j]) return `feature (${r}, ${j}) is ${v}, the file has ${row[j]}`;
            }
            if (!Number.isFinite(label)) return `non-finite label ${label} accepted (row ${r})`;
            if (raw.task === 'regression' && raw.y[r] !== label) return `target ${r} is ${raw.y[r]}, not ${label}`;
            if (raw.task === 'classification' && Number(raw.classes[raw.y[r]]) !== label)
              return `label ${r} is class ${raw.y[r]} (${raw.classes[raw.y[r]]}), the file has ${label}`;
          }
          if (raw.task === 'classification') {
            const sorted = [...raw.classes].map(Number);
            if (!sorted.every((v, k) => k === 0 || sorted[k - 1] < v)) return `classes not sorted and distinct`;
          }
        } finally {
          rmSync(p);
        }
      },
    });
    assertClean(report, { minOk: 100, minTyped: 200 });
    assert.deepEqual(listFiles(dir), []);
  });
});
