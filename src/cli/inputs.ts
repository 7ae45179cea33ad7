/** The input options shared by `ntk empirical` and `ntk kernel`: --data | --x, --x2 and --input-shape. */
import { loadDataset } from '../data/index.js';
import { ConfigError } from '../errors.js';
import { npyToFloat64, readNpy } from '../io/npy.js';
import { Matrix } from '../linalg/matrix.js';

export const INPUT_OPTIONS = {
  data: { type: 'string' },
  x: { type: 'string' },
  x2: { type: 'string' },
  'input-shape': { type: 'string' },
} as const;

export interface Inputs {
  readonly X: Matrix;
  /** null: the kernel of X with itself */
  readonly X2: Matrix | null;
  /** per-example image shape [h, w, c] (a sequence of T tokens × d features is [T, 1, d]), or null for flat rows */
  readonly image: number[] | null;
}

function readX(path: string, flag: string): { X: Matrix; image: number[] | null } {
  const a = readNpy(path);
  const data = npyToFloat64(a);
  if (a.shape.length === 2) return { X: new Matrix(a.shape[0], a.shape[1], data), image: null };
  if (a.shape.length === 4)
    return { X: new Matrix(a.shape[0], a.shape[1] * a.shape[2] * a.shape[3], data), image: a.shape.slice(1) };
  throw new ConfigError(
    flag,
    `must be a 2-D (n, d) or 4-D (n, h, w, c) array; ${path} has shape (${a.shape.join(', ')})`,
  );
}

export function loadInputs(o: { data?: string; x?: string; x2?: string; 'input-shape'?: string }): Inputs {
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
  if (o.x2 !== undefined) {
    X2 = readX(o.x2, '--x2').X;
    if (X2.cols !== X.cols)
      throw new ConfigError('--x2', `must have ${X.cols} features per example like x; ${o.x2} has ${X2.cols}`);
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
