/**
 * The input options shared by `ntk empirical` and `ntk kernel`: --data | --x, --x2, --input-shape, --adjacency
 * (`ntk kernel` adds --data2, which loadInputs also reads); `ntk predict`'s --train and --test (both solvers).
 */
import { alignClasses, loadDataset } from '../data/index.js';
import type { Dataset } from '../data/types.js';
import { ConfigError, InvalidArgumentError, ResourceError } from '../errors.js';
import { npyToFloat64, readNpy } from '../io/npy.js';
import { Matrix } from '../linalg/matrix.js';
import { firstNonFinite } from '../linalg/validate.js';

export const INPUT_OPTIONS = {
  data: { type: 'string' },
  x: { type: 'string' },
  x2: { type: 'string' },
  'input-shape': { type: 'string' },
  adjacency: { type: 'string' },
} as const;

/** --adjacency A.npy: the (V, V) graph of `aggregate` layers, shared by all examples (docs/layers.md). */
export function loadAdjacency(path: string | undefined): Matrix | undefined {
  if (path === undefined) return undefined;
  const a = readNpy(path);
  if (a.shape.length !== 2 || a.shape[0] !== a.shape[1])
    throw new ConfigError(
      '--adjacency',
      `must be a square 2-D (V, V) array, one row and column per node (one graph for all examples); ${path} has shape (${a.shape.join(', ')})`,
    );
  return new Matrix(a.shape[0], a.shape[1], npyToFloat64(a));
}

export interface Inputs {
  readonly X: Matrix;
  /** null: the kernel of X with itself */
  readonly X2: Matrix | null;
  /** per-example image shape [h, w, c] (a sequence of T tokens × d features is [T, 1, d]), or null for flat rows */
  readonly image: number[] | null;
}

/** A file's numbers must be finite: ConfigError naming the option, the file and the first bad (row, col). */
export function assertFiniteFile(flag: string, path: string, data: ArrayLike<number>, cols: number): void {
  const bad = firstNonFinite(data);
  if (bad >= 0) {
    throw new ConfigError(
      flag,
      `${path} has a non-finite entry ${data[bad]} at (row ${Math.floor(bad / cols)}, col ${bad % cols}); it must hold finite numbers`,
    );
  }
}

function readX(path: string, flag: string): { X: Matrix; image: number[] | null } {
  const a = readNpy(path);
  const data = npyToFloat64(a);
  assertFiniteFile(
    flag,
    path,
    data,
    a.shape.slice(1).reduce((x, y) => x * y, 1),
  );
  if (a.shape.length === 2) return { X: new Matrix(a.shape[0], a.shape[1], data), image: null };
  if (a.shape.length === 4)
    return { X: new Matrix(a.shape[0], a.shape[1] * a.shape[2] * a.shape[3], data), image: a.shape.slice(1) };
  throw new ConfigError(
    flag,
    `must be a 2-D (n, d) or 4-D (n, h, w, c) array; ${path} has shape (${a.shape.join(', ')})`,
  );
}

export function loadInputs(o: {
  data?: string;
  x?: string;
  x2?: string;
  data2?: string;
  'input-shape'?: string;
}): Inputs {
  if ((o.data === undefined) === (o.x === undefined))
    throw new ConfigError('--data/--x', 'give exactly one of --data SPEC or --x X.npy');
  let X: Matrix;
  let image: number[] | null;
  if (o.data !== undefined) {
    const ds = loadDataset(o.data);
    X = ds.X;
    image = ds.imageShape ? [...ds.imageShape] : null;
  } else ({ X, image } = readX(o.x as string, '--x'));
  let X2: Matrix | null = null;
  if (o.x2 !== undefined && o.data2 !== undefined)
    throw new ConfigError('--x2/--data2', 'give at most one of --data2 SPEC or --x2 X2.npy');
  if (o.x2 !== undefined) {
    X2 = readX(o.x2, '--x2').X;
    if (X2.cols !== X.cols)
      throw new ConfigError('--x2', `must have ${X.cols} features per example like x; ${o.x2} has ${X2.cols}`);
  } else if (o.data2 !== undefined) {
    X2 = loadDataset(o.data2).X;
    if (X2.cols !== X.cols)
      throw new ConfigError(
        '--data2',
        `must have ${X.cols} features per example like the first set; ${o.data2} has ${X2.cols}`,
      );
  }
  const text = o['input-shape'];
  if (text === undefined) return { X, X2, image };
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (parts.length < 1 || parts.length > 3 || !parts.every((v) => Number.isInteger(v) && v >= 1))
    throw new ConfigError(
      '--input-shape',
      `must be H,W,C (or T,D for a sequence, or D), positive integers; got '${text}'`,
    );
  const d = parts.reduce((a, b) => a * b, 1);
  if (d !== X.cols)
    throw new ConfigError(
      '--input-shape',
      `must multiply to the ${X.cols} features per example; ${parts.join('×')} = ${d}`,
    );
  // a sequence T,D is the image T×1×D (attention and dense act on its positions as on an image's)
  const shape = parts.length === 3 ? parts : parts.length === 2 ? [parts[0], 1, parts[1]] : null;
  return { X, X2, image: shape };
}

/**
 * Runs a library call on the inputs, naming the command's options in a ResourceError (the library names what it
 * was given: `x1`, `x2`, `arch`).
 */
export async function namingOptions<T>(o: { data?: string }, run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof ResourceError)) throw e;
    const x = o.data !== undefined ? '--data' : '--x';
    const flag: Record<string, string> = { x1: x, 'x1, x2': `${x}, --x2`, arch: '--arch' };
    throw flag[e.argument] ? e.forArgument(flag[e.argument]) : e;
  }
}

/**
 * `ntk predict`'s --train and --test (the dense and the ooc path): loaded, the test classes matched to the training
 * classes, the same feature count and target columns (ConfigError naming --test), before any kernel.
 */
export function loadTrainTest(trainSpec: string, testSpec: string): { train: Dataset; test: Dataset } {
  const train = loadDataset(trainSpec);
  let test: Dataset;
  try {
    test = alignClasses(loadDataset(testSpec), train);
  } catch (e) {
    if (e instanceof InvalidArgumentError) throw new ConfigError('--test', e.message);
    throw e;
  }
  if (test.X.cols !== train.X.cols)
    throw new ConfigError(
      '--test',
      `must have ${train.X.cols} features per example like --train; ${testSpec} has ${test.X.cols}`,
    );
  if (test.targets.cols !== train.targets.cols)
    throw new ConfigError(
      '--test',
      `must have ${train.targets.cols} target column(s) like --train (the same labels= encoding); ${testSpec} has ${test.targets.cols}`,
    );
  return { train, test };
}
