import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, InvalidArgumentError, NumericalError, ResourceError } from '../../src/errors.js';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { writeMatrixNpy } from '../../src/io/npy.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { outOfCoreRegression, type OocPhase } from '../../src/predict/outOfCore.js';
import { Rng } from '../../src/util/random.js';
import { python, tempDir } from '../io/helpers.js';
import { relErr } from '../arch/helpers.js';

const ARCH = 'dense(1,wvar=1.6,bvar=0.2),relu,dense(1,wvar=1.6,bvar=0.2),relu,dense(1,wvar=1.6,bvar=0.2)';

function data(n: number, m: number, d: number, C: number, seed: number) {
  const rng = new Rng(seed);
  const g = (r: number, c: number) =>
    new Matrix(
      r,
      c,
      Float64Array.from({ length: r * c }, () => rng.normal()),
    );
  return { X: g(n, d), Xs: g(m, d), Y: g(n, C) };
}

test('out-of-core solve equals numpy’s dense solve on the same kernels (uneven tiles, relative ridge)', async () => {
  const { X, Xs, Y } = data(230, 40, 6, 3, 1);
  const dir = tempDir('ntk-ooc-');
  const r = await outOfCoreRegression({
    arch: ARCH,
    xTrain: X,
    yTrain: Y,
    xTest: Xs,
    ridge: 1e-6,
    ridgeRelative: true,
    dir: join(dir, 'run'),
    tile: 64,
    workers: 0,
  });
  assert.equal(r.tiles, 4);
  const kfn = kernelFn(ARCH, { inputShape: [6], workers: 0 });
  const K = await kfn(X, null, 'nngp');
  const Ks = await kfn(Xs, X, 'nngp');
  writeMatrixNpy(join(dir, 'K.npy'), K);
  writeMatrixNpy(join(dir, 'Ks.npy'), Ks);
  writeMatrixNpy(join(dir, 'Y.npy'), Y);
  writeMatrixNpy(join(dir, 'A.npy'), r.alpha);
  writeMatrixNpy(join(dir, 'P.npy'), r.predictions);
  const out = python(`
import numpy as np
d='${dir}'
K=np.load(d+'/K.npy'); Ks=np.load(d+'/Ks.npy'); Y=np.load(d+'/Y.npy'); A=np.load(d+'/A.npy'); P=np.load(d+'/P.npy')
rho=1e-6*np.mean(np.diag(K))
a=np.linalg.solve(K+rho*np.eye(len(K)), Y)
print(np.linalg.norm(A-a)/np.linalg.norm(a), np.linalg.norm(P-Ks@a)/np.linalg.norm(Ks@a), rho)
`);
  const [ea, ep, rho] = out.trim().split(/\s+/).map(Number);
  assert.ok(ea < 1e-8, `alpha rel err ${ea}`);
  assert.ok(ep < 1e-8, `prediction rel err ${ep}`);
  assert.ok(Math.abs(r.ridge - rho) <= 1e-12 * rho);
  assert.ok(r.residuals[r.residuals.length - 1] < 1e-12, `residuals ${r.residuals}`);
});

test('bad input: typed errors before any work', async () => {
  const { X, Xs, Y } = data(20, 5, 4, 2, 2);
  const dir = tempDir('ntk-ooc-');
  const base = { arch: ARCH, xTrain: X, yTrain: Y, xTest: Xs, ridge: 1e-3, dir: join(dir, 'r'), workers: 0 };
  await assert.rejects(outOfCoreRegression({ ...base, ridge: -1 }), InvalidArgumentError);
  await assert.rejects(outOfCoreRegression({ ...base, ridge: Number.NaN }), InvalidArgumentError);
  await assert.rejects(outOfCoreRegression({ ...base, xTest: new Matrix(5, 3) }), /xTest.*4 columns/);
  await assert.rejects(outOfCoreRegression({ ...base, yTrain: new Matrix(19, 2) }), /yTrain.*20 rows/);
  const bad = new Matrix(20, 4, X.data.slice());
  bad.data[7] = Number.NaN;
  await assert.rejects(outOfCoreRegression({ ...base, xTrain: bad }), /finite/);
  assert.deepEqual(readdirSync(dir), [], 'nothing written for bad input');
  // a singular kernel (repeated rows) without a ridge: NumericalError suggesting one
  const dup = new Matrix(20, 4, X.data.slice());
  for (let i = 1; i < 20; i++) dup.data.copyWithin(4 * i, 0, 4);
  await assert.rejects(outOfCoreRegression({ ...base, xTrain: dup, ridge: 0, tile: 8 }), (e: unknown) => {
    assert.ok(e instanceof NumericalError);
    assert.match(e.message, /ridge > 0/);
    return true;
  });
  // the same folder for other inputs: ConfigError, not a mix
  await assert.rejects(outOfCoreRegression({ ...base, ridge: 1e-3, tile: 8 }), ConfigError);
  // disk preflight: a 10⁶-row problem cannot fit
  const huge = { ...base, dir: join(dir, 'h'), xTrain: new Matrix(2_000_000, 1), yTrain: new Matrix(2_000_000, 1) };
  await assert.rejects(outOfCoreRegression({ ...huge, xTest: new Matrix(0, 1), tile: 100_000 }), ResourceError);
});

test('resume after kill -9 (during the kernels, then during the factor) recomputes no finished tile', async () => {
  const dir = tempDir('ntk-ooc-');
  const run = join(dir, 'run');
  const script = join(dir, 'child.mts');
  const src = new URL('../../src/predict/outOfCore.ts', import.meta.url).pathname;
  const rnd = new URL('../../src/util/random.ts', import.meta.url).pathname;
  const mat = new URL('../../src/linalg/matrix.ts', import.meta.url).pathname;
  writeFileSync(
    script,
    `import { outOfCoreRegression } from '${src}';
import { Rng } from '${rnd}';
import { Matrix } from '${mat}';
const rng = new Rng(5);
const g = (r: number, c: number) => new Matrix(r, c, Float64Array.from({ length: r * c }, () => rng.normal()));
const X = g(400, 5), Xs = g(30, 5), Y = g(400, 2);
await outOfCoreRegression({ arch: ${JSON.stringify(ARCH)}, xTrain: X, yTrain: Y, xTest: Xs, ridge: 1e-4, dir: ${JSON.stringify(run)}, tile: 40, workers: 0,
  onTile: (phase, name, computed) => { if (computed) console.log(phase, name); } });
`,
  );
  const killAt = (phase: string, count: number) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let seen = 0;
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines) if (l.startsWith(phase) && ++seen === count) child.kill('SIGKILL');
      });
      child.on('exit', (code, sig) =>
        sig === 'SIGKILL' ? resolve() : reject(new Error(`child ended ${code} ${sig}`)),
      );
    });
  const files = (sub: string) => {
    const m = new Map<string, number>();
    try {
      for (const f of readdirSync(join(run, sub)))
        if (f.endsWith('.bin')) m.set(f, statSync(join(run, sub, f)).mtimeMs);
    } catch {
      /* not there yet */
    }
    return m;
  };
  await killAt('kernels', 12);
  const k1 = files('kernel');
  assert.ok(k1.size >= 12 && k1.size < 55 + 10, `kernel tiles after the first kill: ${k1.size}`);
  await killAt('factor', 8);
  const k2 = files('kernel');
  assert.equal(k2.size, 55 + 10, 'all kernel tiles after the second kill');
  for (const [f, t] of k1) assert.equal(k2.get(f), t, `${f} was rewritten`);
  const fsub = readdirSync(run).find((f) => f.startsWith('factor-'))!;
  const l2 = files(fsub);
  assert.ok(l2.size >= 8 && l2.size < 55, `factor tiles after the second kill: ${l2.size}`);
  const computed: Record<OocPhase, string[]> = { kernels: [], factor: [], solve: [], predict: [] };
  const rng = new Rng(5);
  const g = (r: number, c: number) =>
    new Matrix(
      r,
      c,
      Float64Array.from({ length: r * c }, () => rng.normal()),
    );
  const X = g(400, 5);
  const Xs = g(30, 5);
  const Y = g(400, 2);
  const r = await outOfCoreRegression({
    arch: ARCH,
    xTrain: X,
    yTrain: Y,
    xTest: Xs,
    ridge: 1e-4,
    dir: run,
    tile: 40,
    workers: 0,
    onTile: (phase, name, c) => {
      if (c) computed[phase].push(name);
    },
  });
  assert.equal(computed.kernels.length, 0, `kernel tiles recomputed: ${computed.kernels}`);
  for (const f of l2.keys()) assert.ok(!computed.factor.includes(f.replace('.bin', '')), `${f} recomputed`);
  assert.equal(computed.factor.length, 55 - l2.size);
  // and the resumed answer is the uninterrupted one
  const fresh = await outOfCoreRegression({
    arch: ARCH,
    xTrain: X,
    yTrain: Y,
    xTest: Xs,
    ridge: 1e-4,
    dir: join(dir, 'fresh'),
    tile: 40,
    workers: 0,
  });
  assert.ok(relErr(r.predictions.data, fresh.predictions.data) < 1e-14);
});
