/**
 * Dataset spec strings: `name[:split][:key=value]…`, e.g.
 *
 *   mnist:train:n=2000:classes=0,1:seed=3          fashion-mnist:test:n=500
 *   cifar10:path=/data/cifar-10-batches-bin:n=1000  sphere:n=500:d=20:seed=1
 *   teacher:n=1000:d=10:arch=dense(64),relu,dense(1) npy:x=X.npy:y=y.npy
 *   mnist:n=1000:normalize=standardize,sphere:labels=centered:corrupt=0.2
 *   mnist:train:rows=10000..59999:per-class=100:normalize=row-standardize   (Lee et al. 2018's 1k set)
 *
 * Lists are comma-separated. Values may not contain ':' (use the DatasetSpec object for such paths).
 */
import { InvalidArgumentError } from '../errors.js';
import { didYouMean } from '../util/suggest.js';
import {
  DATASET_NAMES,
  type DatasetName,
  type DatasetSpec,
  LABEL_ENCODINGS,
  type LabelEncoding,
  NORMALIZE_STEPS,
  type NormalizeStep,
} from './types.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Every spec key, in the canonical order formatDatasetSpec writes them (registry.ts derives the keys every source
 * takes from it). */
export const DATASET_SPEC_KEYS = [
  'split',
  'n',
  'seed',
  'classes',
  'stratify',
  'scale',
  'normalize',
  'labels',
  'eps',
  'corrupt',
  'path',
  'x',
  'y',
  'd',
  'arch',
  'target',
  'noise',
  'k',
  'label',
  'header',
  'task',
  'rows',
  'per-class',
] as const;
const KEYS = DATASET_SPEC_KEYS;
type Key = (typeof KEYS)[number];

const FN = 'parseDatasetSpec';

function bad(arg: string, constraint: string, value: unknown): never {
  throw new InvalidArgumentError(FN, arg, constraint, value);
}

function int(key: string, v: string, min: number): number {
  const x = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(x) || x < min) bad(key, `an integer ≥ ${min}`, v);
  return x;
}

function num(key: string, v: string, lo: number, hi: number): number {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || x < lo || x > hi) bad(key, `a number in [${lo}, ${hi}]`, v);
  return x === 0 ? 0 : x; // -0 reads as 0, so that formatDatasetSpec writes what was parsed
}

function oneOf<T extends string>(key: string, v: string, options: readonly T[]): T {
  if (!(options as readonly string[]).includes(v)) bad(key, `one of ${options.join(', ')}`, v);
  return v as T;
}

/** Parse a spec string into a DatasetSpec; errors name the offending part and list what is valid. */
export function parseDatasetSpec(text: string): DatasetSpec {
  if (typeof text !== 'string' || text.trim() === '') {
    bad('spec', `a dataset spec such as mnist:train:n=1000 (datasets: ${DATASET_NAMES.join(', ')})`, text);
  }
  const parts = text.trim().split(':');
  const name = parts[0];
  if (!(DATASET_NAMES as readonly string[]).includes(name)) {
    bad('spec', `a spec whose name is one of ${DATASET_NAMES.join(', ')}${didYouMean(name, DATASET_NAMES)}`, text);
  }
  const spec: Mutable<DatasetSpec> = { name: name as DatasetName };
  const seen = new Set<string>();
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i];
    const eq = p.indexOf('=');
    let key: string;
    let value: string;
    if (eq < 0) {
      if (i === 1 && (p === 'train' || p === 'test' || p === 'all')) {
        key = 'split';
        value = p;
      } else {
        bad(
          'spec',
          `key=value parts after the name (the second part may be train, test or all); got '${p}'${didYouMean(p, i === 1 ? ['train', 'test', 'all', ...KEYS] : KEYS)}`,
          text,
        );
      }
    } else {
      key = p.slice(0, eq);
      value = p.slice(eq + 1);
    }
    if (!(KEYS as readonly string[]).includes(key))
      bad('spec', `keys among ${KEYS.join(', ')}; got '${key}'${didYouMean(key, KEYS)}`, text);
    if (seen.has(key)) bad('spec', `each key at most once; '${key}' repeats`, text);
    seen.add(key);
    setKey(spec, key as Key, value);
  }
  return spec;
}

function setKey(spec: Mutable<DatasetSpec>, key: Key, v: string): void {
  switch (key) {
    case 'split':
      spec.split = oneOf(key, v, ['train', 'test', 'all'] as const);
      return;
    case 'n':
      spec.n = int(key, v, 1);
      return;
    case 'per-class':
      spec['per-class'] = int(key, v, 1);
      return;
    case 'rows': {
      const m = /^(\d+)\.\.(\d+)$/.exec(v);
      const a = m ? Number(m[1]) : NaN;
      const b = m ? Number(m[2]) : NaN;
      if (!m || !Number.isSafeInteger(a) || !Number.isSafeInteger(b) || a > b)
        bad(key, 'a source row range START..END (0-based, both included, START ≤ END), e.g. 10000..59999', v);
      spec.rows = `${a}..${b}`;
      return;
    }
    case 'seed':
      spec.seed = int(key, v, 0);
      return;
    case 'd':
      spec.d = int(key, v, 1);
      return;
    case 'k':
      spec.k = int(key, v, 0);
      return;
    case 'classes': {
      const list = v.split(',').map((s) => s.trim());
      if (list.some((s) => s === '')) bad(key, 'a comma-separated list of class names or indices', v);
      if (new Set(list).size !== list.length) bad(key, 'a list without repeats', v);
      spec.classes = list;
      return;
    }
    case 'stratify':
      spec.stratify = oneOf(key, v, ['true', 'false'] as const) === 'true';
      return;
    case 'scale':
      spec.scale = oneOf(key, v, ['none', 'unit'] as const);
      return;
    case 'normalize': {
      const steps = v === 'none' ? [] : v.split(',').map((s) => oneOf<NormalizeStep>(key, s.trim(), NORMALIZE_STEPS));
      spec.normalize = steps;
      return;
    }
    case 'labels':
      spec.labels = oneOf<LabelEncoding>(key, v, LABEL_ENCODINGS);
      return;
    case 'eps':
      spec.eps = num(key, v, 0, 1);
      return;
    case 'corrupt':
      spec.corrupt = num(key, v, 0, 1);
      return;
    case 'noise':
      // ≤ 1e300: noise·N(0, 1) added to a target stays finite (|N(0, 1)| < 9 for 53-bit uniforms)
      spec.noise = num(key, v, 0, 1e300);
      return;
    case 'target':
      spec.target = oneOf(key, v, ['linear', 'sign'] as const);
      return;
    case 'header':
      spec.header = oneOf(key, v, ['auto', 'yes', 'no'] as const);
      return;
    case 'task':
      spec.task = oneOf(key, v, ['classification', 'regression'] as const);
      return;
    case 'path':
    case 'x':
    case 'y':
    case 'arch':
    case 'label':
      if (v === '') bad(key, 'a non-empty value', v);
      spec[key] = v;
      return;
  }
}

/** The canonical spec string of a DatasetSpec (fixed key order; `parseDatasetSpec(formatDatasetSpec(s))` ≡ s). */
export function formatDatasetSpec(spec: DatasetSpec): string {
  const out: string[] = [spec.name];
  if (spec.split !== undefined) out.push(spec.split);
  for (const key of KEYS) {
    if (key === 'split') continue;
    const v = spec[key];
    if (v === undefined) continue;
    let text: string;
    if (Array.isArray(v)) text = key === 'normalize' && v.length === 0 ? 'none' : v.join(',');
    else text = String(v);
    if (text.includes(':')) {
      throw new InvalidArgumentError(
        'formatDatasetSpec',
        key,
        "a value without ':' to be written in a spec string",
        text,
      );
    }
    out.push(`${key}=${text}`);
  }
  return out.join(':');
}

/** Keys whose values are numbers (a number, or its decimal text); every other key takes a string. */
const NUMERIC_KEYS: ReadonlySet<string> = new Set(['n', 'per-class', 'seed', 'd', 'k', 'eps', 'corrupt', 'noise']);

/**
 * Validate a DatasetSpec object with the same rules as the string form (so configs and CLI strings agree).
 * Returns the spec as the string form would parse it (numbers as numbers, list entries trimmed, -0 as 0); throws
 * InvalidArgumentError naming the field.
 */
export function validateDatasetSpec(spec: DatasetSpec): DatasetSpec {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec))
    bad('spec', 'a DatasetSpec object or spec string', spec);
  if (!(DATASET_NAMES as readonly string[]).includes(spec.name))
    bad('name', `one of ${DATASET_NAMES.join(', ')}`, spec.name);
  const check: Mutable<DatasetSpec> = { name: spec.name };
  for (const key of Object.keys(spec)) {
    if (key === 'name') continue;
    if (!(KEYS as readonly string[]).includes(key))
      bad('spec', `keys among name, ${KEYS.join(', ')}; got '${key}'`, spec);
    const v = (spec as unknown as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (key === 'stratify') {
      if (typeof v !== 'boolean') bad(key, 'a boolean', v);
      check.stratify = v;
      continue;
    }
    if (key === 'classes' || key === 'normalize') {
      if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) bad(key, 'an array of strings', v);
      if (key === 'normalize' && v.length === 0) {
        check.normalize = [];
        continue;
      }
    } else if (NUMERIC_KEYS.has(key)) {
      if (typeof v !== 'number' && typeof v !== 'string') bad(key, 'a number', v);
    } else if (typeof v !== 'string') bad(key, 'a string', v);
    setKey(check, key as Key, Array.isArray(v) ? v.join(',') : String(v));
  }
  return check;
}
