import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FormatError } from '../../src/errors.js';
import { CHECKPOINT_MAGIC, readCheckpoint, writeCheckpoint } from '../../src/io/checkpoint.js';
import { tempDir } from './helpers.js';

const dir = tempDir('ntk-ckpt-');

const header = {
  version: 1,
  hash: 'c0ffee',
  step: 17,
  status: 'stopped',
  message: 'stopped at step 17 — ε, θ₀',
  eta: 0.1,
  history: [{ step: 0, loss: 1.5, accuracy: null }],
};
const arrays = {
  theta: Float64Array.from([1, -2.5, Math.PI]),
  vel: null,
  linTheta: Float64Array.from([0.1, 1e-300, -0]),
  linVel: new Float64Array(0),
};

describe('training checkpoint file', () => {
  it('has the same bytes as the format written before it moved to src/io (SHA-256 recorded from that code)', () => {
    const p = join(dir, 'fixed.bin');
    writeCheckpoint(p, header, arrays);
    const b = readFileSync(p);
    assert.equal(b.length, 328);
    assert.equal(
      createHash('sha256').update(b).digest('hex'),
      'e29cd8cda8de90068f6589096ef6cc3da8ac3cd9581a693ceac1f1949f504925',
    );
    // layout: magic, u32 header length (UTF-8 bytes), JSON with `arrays` last, zero padding to 8, float64 payload
    assert.equal(b.subarray(0, 8).toString('latin1'), CHECKPOINT_MAGIC);
    const len = b.readUInt32LE(8);
    const json = JSON.parse(b.subarray(12, 12 + len).toString('utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json), [...Object.keys(header), 'arrays']);
    assert.deepEqual(json.arrays, [
      { name: 'theta', length: 3 },
      { name: 'linTheta', length: 3 },
      { name: 'linVel', length: 0 },
    ]);
    const off = 12 + len + ((8 - ((12 + len) % 8)) % 8);
    assert.ok(b.subarray(12 + len, off).every((v) => v === 0));
    assert.equal(b.length, off + 8 * 6);
    assert.equal(b.readDoubleLE(off + 16), Math.PI);
  });

  it('reads back what it wrote; null for a missing file; FormatError for a bad or truncated one', () => {
    const p = join(dir, 'rt.bin');
    writeCheckpoint(p, header, arrays);
    const ck = readCheckpoint<typeof header>(p);
    assert.ok(ck);
    assert.equal(ck.header.message, header.message);
    assert.deepEqual(ck.header.history, header.history);
    assert.deepEqual([...ck.arrays.keys()], ['theta', 'linTheta', 'linVel']);
    assert.deepEqual(ck.arrays.get('theta'), arrays.theta);
    assert.ok(Object.is(ck.arrays.get('linTheta')?.[2], -0));
    assert.equal(readCheckpoint(join(dir, 'none.bin')), null);
    const bytes = readFileSync(p);
    const bad = join(dir, 'bad.bin');
    writeFileSync(bad, Buffer.concat([Buffer.from('NTKCKPT0'), bytes.subarray(8)]));
    assert.throws(
      () => readCheckpoint(bad),
      (e: unknown) => e instanceof FormatError && /bad magic/.test(e.message),
    );
    writeFileSync(bad, bytes.subarray(0, 40));
    assert.throws(
      () => readCheckpoint(bad),
      (e: unknown) => e instanceof FormatError && /truncated.*header/.test(e.message),
    );
    writeFileSync(bad, bytes.subarray(0, bytes.length - 8));
    assert.throws(
      () => readCheckpoint(bad),
      (e: unknown) => e instanceof FormatError && /truncated checkpoint payload \(linTheta\)/.test(e.message),
    );
  });
});
