import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Matrix } from '../../src/linalg/index.js';
import { trainCommand } from '../../src/cli/train.js';
import { smoothLabels } from '../../src/train/losses.js';
import { NTK_TRACKERS, RECORD_FIELDS, TRACKER_REGISTRY, TRACKERS } from '../../src/train/trackers.js';
import { train } from '../../src/train/trainer.js';
import { Rng } from '../../src/util/random.js';

const X = new Matrix(6, 3, new Rng(1).normals(18));
const Y = smoothLabels(Int32Array.from([0, 1, 2, 0, 1, 2]), 3, 0);
const base = { arch: 'dense(8),relu,dense(3)', seed: 0, loss: 'ce', lr: { absolute: 0.1 }, steps: 3 } as const;

describe('tracker registry', () => {
  it('one entry per tracker; every record field belongs to exactly one tracker', () => {
    assert.deepEqual(
      TRACKER_REGISTRY.map((e) => e.name),
      TRACKERS,
    );
    const fields = TRACKER_REGISTRY.flatMap((e) => e.fields);
    assert.equal(new Set(fields).size, fields.length, 'no field filled by two trackers');
    assert.deepEqual([...fields].sort(), [...RECORD_FIELDS].sort());
    assert.deepEqual(NTK_TRACKERS, ['alignment', 'drift', 'kernel-distance', 'lambda-min']);
    assert.ok(trainCommand.usage.includes(`subset of: ${TRACKERS.join(', ')}`), 'the CLI help lists the registry');
  });

  it('records hold `step` then RECORD_FIELDS in order; unselected trackers are null, `loss` always present', async () => {
    const all = await train(base, { X, Y, Xtest: X, Ytest: Y });
    for (const r of all.history) {
      assert.deepEqual(Object.keys(r), ['step', ...RECORD_FIELDS]);
      for (const k of RECORD_FIELDS) assert.notEqual(r[k], null, k);
    }
    const few = await train({ ...base, trackers: ['params'] }, { X, Y });
    const r = few.history[1];
    assert.deepEqual(Object.keys(r), ['step', ...RECORD_FIELDS]);
    for (const e of TRACKER_REGISTRY)
      for (const k of e.fields)
        if (e.name === 'params' || e.name === 'loss') assert.equal(typeof r[k], 'number', k);
        else assert.equal(r[k], null, k);
  });

  it('defaults: the trackers that apply; asked-for trackers must apply', async () => {
    const noTest = await train({ ...base, linearized: false }, { X, Y });
    const r = noTest.history[0];
    assert.equal(r.testLoss, null);
    assert.equal(r.linLoss, null);
    assert.equal(typeof r.ntkDrift, 'number');
    await assert.rejects(train({ ...base, trackers: ['test'] }, { X, Y }), /without `test` when no test set/);
    await assert.rejects(
      train({ ...base, linearized: false, trackers: ['linearized'] }, { X, Y }),
      /without `linearized` when linearized training is off/,
    );
  });
});
