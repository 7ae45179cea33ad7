/**
 * The lab's Web Worker: every computation runs here, on ntk-lab's portable backend, through the library's browser
 * entry point (src/browser.ts). The page posts one request at a time; progress, results and errors come back as
 * messages. Cancelling terminates this worker (the page starts a fresh one), so no computation needs to poll.
 */
import {
  corruptTargets,
  datasetFromRaw,
  decodeNpy,
  eigh,
  empiricalNtk,
  FASHION_MNIST_CLASSES,
  generalizationBoundFromEigh,
  kernelFn,
  labelAlignment,
  linearizedConvergence,
  Matrix,
  lambdaMinBounds,
  MNIST_CLASSES,
  nn,
  npyPairRaw,
  prepareWasmKernels,
  csvRaw,
  parseDatasetSpec,
  loadDataset,
  type RawData,
  type Dataset,
  Rng,
  setBackend,
  encodeNpy,
  train,
} from '../../src/browser.js';
import type {
  DataRequest,
  KernelsRequest,
  KernelsResult,
  Request,
  TrainedMessage,
  TrainRequest,
  WorkerMessage,
} from './protocol.js';

setBackend('portable');

const post = (m: WorkerMessage, transfer: Transferable[] = []): void =>
  (self as unknown as { postMessage(m: unknown, t: Transferable[]): void }).postMessage(m, transfer);

const shipped = new Map<string, RawData>();

/** The shipped subset of an image set (data/<name>-<split>-{x,y}.npy, fetched on first use) as the loader's rows. */
async function shippedRaw(name: 'mnist' | 'fashion-mnist', split: 'train' | 'test'): Promise<RawData> {
  const key = `${name}-${split}`;
  const have = shipped.get(key);
  if (have) return have;
  const get = async (f: string): Promise<Uint8Array> => {
    const r = await fetch(new URL(`data/${f}`, self.location.href));
    if (!r.ok) throw new Error(`data/${f}: ${r.status} ${r.statusText} (was the app built with npm run build:web?)`);
    return new Uint8Array(await r.arrayBuffer());
  };
  const xa = decodeNpy(await get(`${key}-x.npy`), `${key}-x.npy`);
  const ya = decodeNpy(await get(`${key}-y.npy`), `${key}-y.npy`);
  const [n, h, w, c] = xa.shape;
  const raw: RawData = {
    task: 'classification',
    features: { kind: 'bytes', data: xa.data as Uint8Array, n, d: h * w * c, max: 255 },
    y: Int32Array.from(ya.data as Uint8Array),
    classes: name === 'mnist' ? MNIST_CLASSES : FASHION_MNIST_CLASSES,
    imageShape: [h, w, c],
  };
  shipped.set(key, raw);
  return raw;
}

/** The dataset of a request: a spec string over the shipped rows, a synthetic generator, or dropped files. */
async function dataset(req: DataRequest): Promise<Dataset> {
  const spec = parseDatasetSpec(req.spec);
  if (spec.name === 'mnist' || spec.name === 'fashion-mnist') {
    const split = spec.split ?? 'train';
    if (split === 'all') throw new Error(`${spec.name}: the lab ships the train and test splits separately`);
    return datasetFromRaw(spec, await shippedRaw(spec.name, split));
  }
  if (spec.name === 'npy') {
    const x = req.files?.find((f) => f.name === spec.x);
    const y = req.files?.find((f) => f.name === spec.y);
    if (!x || !y) throw new Error(`npy: drop both ${spec.x} and ${spec.y} onto the page`);
    return datasetFromRaw(
      spec,
      npyPairRaw(decodeNpy(x.bytes, x.name), decodeNpy(y.bytes, y.name), spec.task, x.name, y.name),
    );
  }
  if (spec.name === 'csv') {
    const f = req.files?.find((g) => g.name === spec.path);
    if (!f) throw new Error(`csv: drop ${spec.path} onto the page`);
    const text = new TextDecoder().decode(f.bytes);
    return datasetFromRaw(spec, csvRaw(text, f.name, { label: spec.label, header: spec.header, task: spec.task }));
  }
  if (spec.name === 'sphere' || spec.name === 'gaussian' || spec.name === 'teacher') return loadDataset(spec);
  throw new Error(
    `${spec.name}: not available in the browser (shipped: mnist, fashion-mnist; synthetic: sphere, gaussian, teacher; or drop .npy/CSV files)`,
  );
}

function inputShape(ds: Dataset): number[] {
  return ds.imageShape ? [...ds.imageShape] : [ds.X.cols];
}

const now = (): number => performance.now();

async function kernels(req: KernelsRequest): Promise<void> {
  const t: Record<string, number> = {};
  let t0 = now();
  const progress = (stage: string, done: number, total: number): void =>
    post({ type: 'progress', id: req.id, stage, done, total });
  progress('data', 0, 1);
  const ds = await dataset(req.data);
  const X = ds.X;
  const n = X.rows;
  t.data = now() - t0;
  const shape = inputShape(ds);
  t0 = now();
  progress('analytic NTK', 0, 1);
  const kfn = kernelFn(req.arch, {
    inputShape: shape,
    param: req.param,
    workers: 0,
    onProgress: (d: number, tot: number) => progress('analytic NTK', d, tot),
  });
  const Ka = await kfn(X, null, 'ntk');
  t.analytic = now() - t0;
  t0 = now();
  progress('empirical NTK', 0, 1);
  const net = nn.buildNetwork(nn.parseArch(req.arch), shape, req.param);
  const params = nn.init(net, new Rng(req.seed));
  const Ke = empiricalNtk(params, X, null, { onProgress: (d, tot) => progress('empirical NTK', d, tot) });
  t.empirical = now() - t0;
  t0 = now();
  progress('eigh', 0, 2);
  const ea = eigh(Ka);
  progress('eigh', 1, 2);
  const ee = eigh(Ke);
  t.eigh = now() - t0;
  t0 = now();
  const Y = ds.targets;
  const rng = new Rng(req.seed).split('random-labels');
  const Yrand = corruptTargets(Y, 1, rng);
  const trueA = labelAlignment(ea, Y);
  const randA = labelAlignment(ea, Yrand);
  // √(2 yᵀH⁻¹y / n) against the corrupted fraction (one eigendecomposition, each fraction its own seeded draw)
  const fractions = Array.from({ length: 11 }, (_, i) => i / 10);
  const bound = fractions.map((f) => {
    const Yf = f === 0 ? Y : corruptTargets(Y, f, new Rng(req.seed).split(`corrupt-${f}`));
    try {
      return generalizationBoundFromEigh(ea, Yf).value;
    } catch {
      return null;
    }
  });
  // λ_min of the depth-L ReLU NTK dot-product kernel of these inputs (L = the architecture's relu count) and its
  // lower bounds: the kernel needs unit-norm rows (a data spec with normalize=sphere)
  let lambda: KernelsResult['lambdaMin'] = null;
  const depth = (req.arch.match(/\brelu\b/g) ?? []).length;
  try {
    const b = lambdaMinBounds(X, { kind: 'relu-ntk', depth: Math.max(1, depth) });
    lambda = {
      exact: b.lambdaMin,
      gershgorin: b.gershgorin,
      powerSeries: b.powerSeries,
      rho: b.rho,
      depth: Math.max(1, depth),
    };
  } catch (err) {
    lambda = { error: err instanceof Error ? err.message : String(err) };
  }
  t.analysis = now() - t0;
  const res: KernelsResult = {
    type: 'kernels',
    id: req.id,
    n,
    d: X.cols,
    spec: ds.spec,
    indices: Int32Array.from(ds.indices),
    X: X.data,
    analytic: Ka.data,
    empirical: Ke.data,
    eigAnalytic: ea.values,
    eigEmpirical: ee.values,
    alignment: {
      lambdas: trueA.eigenvalues,
      trueP: trueA.projections,
      randomP: randA.projections,
      trueGamma: trueA.fit?.gamma ?? null,
      trueIntercept: trueA.fit?.intercept ?? null,
      randomGamma: randA.fit?.gamma ?? null,
      randomIntercept: randA.fit?.intercept ?? null,
    },
    bound: { fractions, values: bound },
    lambdaMin: lambda,
    params: net.numParams,
    timings: t,
  };
  post(res, [res.X.buffer, res.analytic.buffer, res.empirical.buffer]);
}

async function trainRun(req: TrainRequest): Promise<void> {
  const ds = await dataset(req.data);
  const shape = inputShape(ds);
  const t0 = now();
  const result = await train.train(
    {
      arch: req.arch,
      inputShape: shape,
      param: req.param,
      seed: req.seed,
      loss: 'mse',
      lr: req.lr.startsWith('frac:') ? { fraction: Number(req.lr.slice(5)) } : { absolute: Number(req.lr) },
      steps: req.steps,
      linearized: req.linearized,
      schedule: train.parseSchedule(req.schedule),
    },
    { X: ds.X, Y: ds.targets },
    {
      onRecord: (r) => post({ type: 'record', id: req.id, record: r as unknown as Record<string, unknown> }),
      onProgress: (p) => post({ type: 'progress', id: req.id, stage: 'training', done: p.step, total: p.steps }),
      progressEverySeconds: 0.25,
    },
  );
  const ms = now() - t0;
  // beside it: the infinite-width model's exact linearized GD curve with the same η from f₀ = 0 (r₀ = −Y), on the
  // analytic NTK Θ∞ (⊗ I over the outputs), with the classical (1 − ηλ_min)^k and the alignment bounds
  post({ type: 'progress', id: req.id, stage: 'linearized curve (analytic NTK)', done: 0, total: 1 });
  const K = await kernelFn(req.arch, { inputShape: shape, param: req.param, workers: 0 })(ds.X, null, 'ntk');
  const Y = ds.targets;
  const r0 = new Matrix(
    Y.rows,
    Y.cols,
    Y.data.map((v) => -v),
  );
  let curves: TrainedMessage['curves'] = null;
  try {
    const c = linearizedConvergence(eigh(K), r0, { eta: result.eta, steps: req.steps });
    const loss = (r: Float64Array): number[] => Array.from(r, (v) => 0.5 * v * v);
    curves = {
      exact: loss(c.discrete.exact),
      classical: c.classicalValid ? loss(c.discrete.classical) : null,
      alignment: loss(c.discrete.alignment),
      warnings: [...c.warnings],
    };
  } catch (err) {
    curves = {
      exact: [],
      classical: null,
      alignment: [],
      warnings: [err instanceof Error ? err.message : String(err)],
    };
  }
  post({ type: 'trained', id: req.id, status: result.status, ms, eta: result.eta, curves });
}

/** X as a float64 .npy (the same bytes `ntk kernel --x` reads), for reproducing a view with the CLI. */
function exportX(id: number, X: Float64Array, n: number, d: number): void {
  const bytes = encodeNpy(X, [n, d], 'float64');
  post({ type: 'npy', id, bytes }, [bytes.buffer as ArrayBuffer]);
}

/**
 * The WebAssembly SIMD kernels (gemm, syrk, eigh) compiled asynchronously once, before the first computation: a
 * browser may refuse the synchronous compile of a module over 4 KB, and the TypeScript kernels are ~4× slower.
 */
const kernelsReady = prepareWasmKernels();

self.onmessage = async (e: MessageEvent<Request>): Promise<void> => {
  const req = e.data;
  try {
    await kernelsReady;
    if (req.type === 'kernels') await kernels(req);
    else if (req.type === 'train') await trainRun(req);
    else if (req.type === 'exportX') exportX(req.id, req.X, req.n, req.d);
  } catch (err) {
    post({ type: 'error', id: req.id, message: err instanceof Error ? err.message : String(err) });
  }
};
