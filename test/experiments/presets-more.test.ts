/**
 * The rest of the issue-#8 presets in quick mode (see presets.test.ts): generalization-bound, ce-lazy-regime,
 * ensemble-vs-gp, with their reports checked in headless Chromium.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { closeBrowser } from '../report/browserCheck.js';
import { quickRun, readJson } from './presetRun.js';

after(closeBrowser);

describe('generalization-bound (quick)', () => {
  it('grows √(2yᵀH⁻¹y/n) and the test error with the corrupted fraction', async () => {
    const out = await quickRun('generalization-bound');
    const s = readJson(join(out, 'results', 'summary.json')) as {
      kernels: {
        kernel: string;
        boundIncreasesWithCorruption: boolean;
        byFraction: { fraction: number; bound: { mean: number }; testError: { mean: number } }[];
      }[];
    };
    assert.deepEqual(
      s.kernels.map((k) => k.kernel),
      ['hinf', 'relu-ntk'],
    );
    for (const k of s.kernels) {
      assert.equal(k.boundIncreasesWithCorruption, true);
      const first = k.byFraction[0];
      const last = k.byFraction[k.byFraction.length - 1];
      assert.equal(first.fraction, 0);
      assert.ok(last.bound.mean > 1.5 * first.bound.mean);
      assert.ok(first.testError.mean < 0.05, `clean-label test error ${first.testError.mean}`);
      assert.ok(last.testError.mean > first.testError.mean + 0.2);
    }
    // Issue #20: every bound ≥ G on every data set, kernel and fraction; trained networks beside G.
    const b = readJson(join(out, 'results', 'bounds.json')) as {
      datasets: { dataset: string; kernels: { byFraction: Record<string, number>[] }[] }[];
      nets: { dataset: string; net: string; fraction: number; testError: number; status: string }[];
    };
    assert.deepEqual(
      b.datasets.map((d) => d.dataset),
      ['mnist', 'mnist10', 'fashion', 'synthetic'],
    );
    for (const d of b.datasets)
      for (const k of d.kernels)
        for (const r of k.byFraction)
          for (const key of ['classical', 'alignment', 'piecewise', 'bandMass', 'banded'])
            assert.ok(r[key] >= r.exact * (1 - 1e-9), `${d.dataset} f=${r.fraction}: ${key} ${r[key]} < G ${r.exact}`);
    const net = (n: string, f: number) => b.nets.find((u) => u.net === n && u.fraction === f && u.dataset === 'mnist');
    for (const n of ['two-layer', 'deep']) {
      const clean = net(n, 0);
      const random = net(n, 1);
      assert.ok(clean && random, n);
      assert.notEqual(clean.status, 'diverged');
      assert.ok(clean.testError < 0.05, `${n}: clean test error ${clean.testError}`);
      assert.ok(random.testError > clean.testError + 0.2, `${n}: random-label test error ${random.testError}`);
    }
  });
});

describe('ce-lazy-regime (quick)', () => {
  it('keeps regularized and soft CE below plain CE in drift, and the regularized linearized model at f*', async () => {
    const out = await quickRun('ce-lazy-regime');
    const s = readJson(join(out, 'results', 'summary.json')) as {
      runs: {
        width: number;
        variant: string;
        finalDrift: number;
        driftSlopePerLogT: number;
        finalLinGap: number;
        netToKernelLogistic: number | string;
        linToKernelLogistic: number | string;
      }[];
    };
    const widths = [...new Set(s.runs.map((r) => r.width))];
    assert.ok(widths.length >= 2);
    for (const w of widths) {
      const get = (v: string) => {
        const r = s.runs.find((x) => x.width === w && x.variant === v);
        assert.ok(r, `run ${v} width ${w}`);
        return r;
      };
      const ce = get('ce');
      const reg = get('ce-reg');
      const soft = get('soft-ce');
      assert.ok(
        reg.finalDrift < ce.finalDrift / 5,
        `width ${w}: regularized drift ${reg.finalDrift} vs ${ce.finalDrift}`,
      );
      assert.ok(soft.finalDrift < ce.finalDrift, `width ${w}: soft drift ${soft.finalDrift} vs ${ce.finalDrift}`);
      assert.ok(ce.driftSlopePerLogT > 0);
      assert.ok(reg.finalLinGap < ce.finalLinGap);
      assert.equal(typeof reg.linToKernelLogistic, 'number');
      assert.equal(typeof reg.netToKernelLogistic, 'number');
      assert.ok(Number(reg.linToKernelLogistic) < 1e-3, `linearized model at f*: ${reg.linToKernelLogistic}`);
      assert.ok(Number(reg.netToKernelLogistic) < 0.5);
    }
    // Wider networks are closer to the kernel solution.
    const regs = s.runs.filter((r) => r.variant === 'ce-reg').sort((a, b) => a.width - b.width);
    assert.ok(Number(regs[regs.length - 1].netToKernelLogistic) < Number(regs[0].netToKernelLogistic));
  });
});

describe('ensemble-vs-gp (quick)', () => {
  it('brings the ensemble mean and variance closer to the NTK-GP as width grows', async () => {
    const out = await quickRun('ensemble-vs-gp');
    const s = readJson(join(out, 'results', 'summary.json')) as {
      widths: {
        width: number;
        meanErrorOverGpStd: number;
        varianceRatioEnsembleOverGp: number;
        meanTrainLoss: number;
      }[];
    };
    assert.ok(s.widths.length >= 2);
    const narrow = s.widths[0];
    const wide = s.widths[s.widths.length - 1];
    assert.ok(wide.width > narrow.width);
    for (const w of s.widths) assert.ok(w.meanTrainLoss < 1e-2, `width ${w.width}: networks fit the data`);
    assert.ok(wide.meanErrorOverGpStd < narrow.meanErrorOverGpStd);
    assert.ok(wide.varianceRatioEnsembleOverGp > 0.5 && wide.varianceRatioEnsembleOverGp < 2);
    assert.ok(
      Math.abs(Math.log(wide.varianceRatioEnsembleOverGp)) < Math.abs(Math.log(narrow.varianceRatioEnsembleOverGp)),
    );
  });
});
