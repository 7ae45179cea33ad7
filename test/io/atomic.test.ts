import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeFileAtomic, writeJsonAtomic } from '../../src/io/atomic.js';
import { tempDir } from './helpers.js';

const dir = tempDir('ntk-atomic-');

describe('writeFileAtomic', () => {
  it('writes text, bytes and typed arrays, replacing an existing file', () => {
    const p = join(dir, 'a.txt');
    writeFileAtomic(p, 'hello');
    assert.equal(readFileSync(p, 'utf8'), 'hello');
    writeFileAtomic(p, Uint8Array.from([104, 105]));
    assert.equal(readFileSync(p, 'utf8'), 'hi');
    writeFileAtomic(p, Float64Array.from([1.5]));
    assert.equal(readFileSync(p).readDoubleLE(0), 1.5);
  });

  it('streams chunks from a writer callback', () => {
    const p = join(dir, 'stream.txt');
    writeFileAtomic(p, (write) => {
      for (let i = 0; i < 5; i++) write(`${i}\n`);
    });
    assert.equal(readFileSync(p, 'utf8'), '0\n1\n2\n3\n4\n');
  });

  it('leaves no partial file when the write fails midway, and keeps the previous content', () => {
    const fresh = join(dir, 'never.bin');
    assert.throws(
      () =>
        writeFileAtomic(fresh, (write) => {
          write(new Uint8Array(1 << 20));
          throw new Error('disk on fire');
        }),
      /disk on fire/,
    );
    assert.equal(existsSync(fresh), false);
    const old = join(dir, 'old.txt');
    writeFileSync(old, 'previous');
    assert.throws(() =>
      writeFileAtomic(old, (write) => {
        write('half of the new');
        throw new Error('interrupted');
      }),
    );
    assert.equal(readFileSync(old, 'utf8'), 'previous');
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
      'no temporary files are left behind',
    );
  });

  it('fails cleanly when the directory does not exist, unless mkdir is asked for', () => {
    const p = join(dir, 'sub', 'deeper', 'x.json');
    assert.throws(() => writeFileAtomic(p, 'x'), /ENOENT/);
    writeJsonAtomic(p, { a: [1, 2] }, { mkdir: true });
    assert.deepEqual(JSON.parse(readFileSync(p, 'utf8')), { a: [1, 2] });
    assert.ok(readFileSync(p, 'utf8').endsWith('\n'));
  });

  it('rejects values JSON cannot represent', () => {
    assert.throws(() => writeJsonAtomic(join(dir, 'u.json'), undefined), /JSON-serializable/);
    assert.equal(existsSync(join(dir, 'u.json')), false);
  });
});
