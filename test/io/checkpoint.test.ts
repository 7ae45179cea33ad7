import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FormatError } from '../../src/errors.js';
import { CHECKPOINT_MAGIC, CHECKPOINT_MAGIC_V1, readCheckpoint, writeCheckpoint } from '../../src/io/checkpoint.js';
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
  it('has pinned bytes (SHA-256): format 2 is format 1 (pinned before it moved to src/io) plus a SHA-256 trailer', () => {
    const p = join(dir, 'fixed.bin');
    writeCheckpoint(p, header, arrays);
    const b = readFileSync(p);
    // Issue #13 changed the format on purpose (magic NTKCKPT2, checksum trailer): a new pin. The body with the old
    // magic is byte for byte the format-1 file whose SHA-256 was recorded from the writer in src/train/trainer.ts.
    assert.equal(b.length, 360);
    assert.equal(
      createHash('sha256').update(b).digest('hex'),
      '1ee4bed7cf5abd773e7e12fe4b38e4e2bedf08cff14d8ef77f3c60bbf82a61f3',
    );
    const v1 = Buffer.concat([Buffer.from(CHECKPOINT_MAGIC_V1), b.subarray(8, b.length - 32)]);
    assert.equal(v1.length, 328);
    assert.equal(
      createHash('sha256').update(v1).digest('hex'),
      'e29cd8cda8de90068f6589096ef6cc3da8ac3cd9581a693ceac1f1949f504925',
    );
    assert.deepEqual(
      b.subarray(b.length - 32),
      createHash('sha256')
        .update(b.subarray(0, b.length - 32))
        .digest(),
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
    assert.equal(b.length, off + 8 * 6 + 32);
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
    // (format 2: the last 8 payload bytes and the 32-byte checksum after them)
    writeFileSync(bad, bytes.subarray(0, bytes.length - 32 - 8));
    assert.throws(
      () => readCheckpoint(bad),
      (e: unknown) => e instanceof FormatError && /truncated checkpoint payload \(linTheta\)/.test(e.message),
    );
    writeFileSync(bad, bytes.subarray(0, bytes.length - 8));
    assert.throws(
      () => readCheckpoint(bad),
      (e: unknown) => e instanceof FormatError && /truncated checkpoint \(its checksum is missing\)/.test(e.message),
    );
  });

  it('verifies the checksum: one changed bit of θ (or of the header) is a FormatError naming the file', () => {
    const p = join(dir, 'sum.bin');
    writeCheckpoint(p, header, arrays);
    const bytes = readFileSync(p);
    assert.equal(readCheckpoint(p)?.verified, true);
    const bad = join(dir, 'sum-bad.bin');
    const len = bytes.readUInt32LE(8);
    const payload = 12 + len + ((8 - ((12 + len) % 8)) % 8);
    for (const at of [payload + 8 + 3, 12 + len - 5, bytes.length - 1]) {
      const b = Buffer.from(bytes);
      b[at] ^= 0x10;
      writeFileSync(bad, b);
      assert.throws(
        () => readCheckpoint(bad),
        (e: unknown) =>
          e instanceof FormatError &&
          e.path === bad &&
          e.message.startsWith(bad) &&
          /checksum mismatch|header/.test(e.message),
      );
    }
    // a bit of θ: the header still parses, so it is the checksum that refuses it
    const b = Buffer.from(bytes);
    b[payload + 8 + 3] ^= 0x10;
    writeFileSync(bad, b);
    assert.throws(() => readCheckpoint(bad), /checksum mismatch: the checkpoint was changed or damaged/);
  });

  it('reads a format-1 file (no checksum) with verified: false; refuses trailing bytes, bad padding, bad headers', () => {
    const p = join(dir, 'v2.bin');
    writeCheckpoint(p, header, arrays);
    const v2 = readFileSync(p);
    const v1 = Buffer.concat([Buffer.from(CHECKPOINT_MAGIC_V1), v2.subarray(8, v2.length - 32)]);
    const f1 = join(dir, 'v1.bin');
    writeFileSync(f1, v1);
    const ck = readCheckpoint<typeof header>(f1);
    assert.ok(ck);
    assert.equal(ck.verified, false);
    assert.deepEqual(ck.header.history, header.history);
    assert.deepEqual(ck.arrays.get('theta'), arrays.theta);
    const refuse = (bytes: Uint8Array, re: RegExp): void => {
      writeFileSync(f1, bytes);
      assert.throws(
        () => readCheckpoint(f1),
        (e: unknown) => e instanceof FormatError && e.path === f1 && re.test(e.message),
      );
    };
    // a format-2 file relabelled as format 1 keeps its 32 checksum bytes: not a valid format-1 file
    refuse(Buffer.concat([Buffer.from(CHECKPOINT_MAGIC_V1), v2.subarray(8)]), /32 unexpected byte\(s\)/);
    const len = v1.readUInt32LE(8);
    const padded = Buffer.from(v1);
    assert.ok((12 + len) % 8 !== 0, 'the fixture has padding');
    padded[12 + len] = 1;
    refuse(padded, /padding is not zero/);
    const withHeader = (h: string | Buffer): Buffer => {
      const j = typeof h === 'string' ? Buffer.from(h, 'utf8') : h;
      const head = Buffer.alloc(12);
      head.write(CHECKPOINT_MAGIC_V1, 0, 'latin1');
      head.writeUInt32LE(j.length, 8);
      return Buffer.concat([head, j, Buffer.alloc((8 - ((12 + j.length) % 8)) % 8)]);
    };
    refuse(withHeader('{"arrays": [{"name": "x", "length": -1}]}'), /malformed `arrays` entry/);
    refuse(withHeader('{"arrays": [{"name": "x", "length": 1e300}]}'), /malformed `arrays` entry/);
    refuse(withHeader('{"arrays": [{"name": "x", "length": 1}, {"name": "x", "length": 0}]}'), /twice/);
    refuse(withHeader('{"arrays": {}}'), /no `arrays` list/);
    refuse(withHeader('[1]'), /no `arrays` list/);
    refuse(withHeader('{"arrays": [], '), /not valid UTF-8 JSON/);
    refuse(withHeader(Buffer.from([0x7b, 0xff, 0x7d])), /not valid UTF-8/);
    refuse(withHeader('{"arrays": [{"name": "x", "length": 4294967296}]}'), /truncated checkpoint payload \(x\)/);
    writeFileSync(f1, withHeader('{"a": 1, "arrays": []}'));
    assert.deepEqual(readCheckpoint(f1)?.header, { a: 1, arrays: [] });
  });

  it('an unreadable path (a folder) is a FormatError naming it', () => {
    assert.throws(
      () => readCheckpoint(dir),
      (e: unknown) => e instanceof FormatError && e.path === dir && /cannot read checkpoint \(EISDIR\)/.test(e.message),
    );
  });
});
