/** convergence-bounds in quick mode (see presets.test.ts; its own file for the runner's 5-minute limit under load). */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { closeBrowser } from '../report/browserCheck.js';
import { quickRun, readJson } from './presetRun.js';

after(closeBrowser);

describe('convergence-bounds (quick)', () => {
  it('keeps the classical bound above the real loss and the linearized model on the exact linearized curve', async () => {
    const out = await quickRun('convergence-bounds');
    const s = readJson(join(out, 'results', 'summary.json')) as {
      models: {
        name: string;
        initialLoss: number;
        finalLoss: number;
        finalExactLinearized: number;
        finalClassicalBound: number;
        finalLinearizedModelLoss: number;
        classicalBoundAboveLossEverywhere: boolean;
        residualAlignmentStart: number;
        residualAlignmentEnd: number;
      }[];
    };
    assert.deepEqual(
      s.models.map((m) => m.name),
      ['MLP', 'CNN'],
    );
    for (const m of s.models) {
      assert.equal(m.classicalBoundAboveLossEverywhere, true, `${m.name}: classical bound ≥ real loss`);
      assert.ok(m.finalLoss < 0.2 * m.initialLoss, `${m.name}: training reduces the loss`);
      // The trainer's linearized model and the eigenbasis formula are independent computations of the same curve.
      assert.ok(
        Math.abs(m.finalLinearizedModelLoss - m.finalExactLinearized) <= 1e-6 * m.finalExactLinearized,
        `${m.name}: linearized model ${m.finalLinearizedModelLoss} vs exact ${m.finalExactLinearized}`,
      );
      assert.ok(m.finalClassicalBound > m.finalExactLinearized);
      assert.ok(m.residualAlignmentEnd < m.residualAlignmentStart, `${m.name}: residual alignment falls`);
    }
    // Issue #20: tightness ratios of every bound along the trajectory, γ_t with intervals.
    const t = readJson(join(out, 'results', 'tightness.json')) as {
      models: {
        name: string;
        gamma0Lo: number;
        bounds: { key: string; minRatio: number; maxRatio: number; stepsBelowReal: number; steps: number }[];
      }[];
    };
    for (const m of t.models) {
      const b = (k: string) => m.bounds.find((x) => x.key === k) as (typeof m.bounds)[number];
      assert.ok(m.gamma0Lo > 0, `${m.name}: γ₀'s interval above 0`);
      assert.ok(b('banded').maxRatio < b('alignment').maxRatio, `${m.name}: banded tighter than one envelope`);
      assert.ok(b('piecewise').maxRatio <= b('alignment').maxRatio * (1 + 1e-9));
      assert.equal(b('classical').stepsBelowReal, 0);
      assert.equal(b('driftCorrected').stepsBelowReal, 0, `${m.name}: the drift-corrected bound holds`);
    }
    const mlp = t.models.find((m) => m.name === 'MLP');
    assert.ok(mlp);
    const banded = mlp.bounds.find((x) => x.key === 'banded');
    assert.ok(banded && banded.maxRatio < 3 && banded.stepsBelowReal === 0, 'MLP: banded bound within 3× everywhere');
  });
});
