/**
 * A small hand-written typed schema language for experiment configs (no dependencies). A schema parses an unknown
 * value into a typed one or throws a ConfigError whose path points at the bad field:
 *
 *   training.lr: must be a positive number. Value: "abc"
 *
 * Objects reject unknown fields (listing the valid ones); `refine` adds cross-field checks ("impossible
 * combinations") that run after the fields parsed. Types are inferred: `Infer<typeof schema>`.
 */
import { ConfigError } from '../errors.js';

export interface Schema<T> {
  /** What a valid value looks like, e.g. `a positive number`. */
  readonly describe: string;
  readonly optional?: false;
  parse(value: unknown, path: string): T;
}

/** A field that may be absent (parses to undefined). */
export interface OptionalSchema<T> {
  readonly describe: string;
  readonly optional: true;
  readonly inner: Schema<T>;
  parse(value: unknown, path: string): T | undefined;
}

export type AnySchema = Schema<unknown> | OptionalSchema<unknown>;
export type Infer<S> = S extends OptionalSchema<infer T> ? T | undefined : S extends Schema<infer T> ? T : never;

/** Render a config value for an error message: JSON, shortened. */
export function showJson(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 160 ? `${s.slice(0, 160)}…` : s;
}

/** The display path of the config root. */
export const ROOT = '(config)';

export function fieldPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path === ROOT ? '' : path}[${key}]`;
  return path === ROOT || path === '' ? key : `${path}.${key}`;
}

/** Throw `path: must be <constraint>. Value: <json>`. */
export function fail(path: string, constraint: string, value: unknown): never {
  throw new ConfigError(path || ROOT, `must be ${constraint}. Value: ${showJson(value)}`);
}

/** A plain data object (`{…}` from JSON or YAML): not an array, typed array, Set, Map, Date or class instance. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export interface NumberOptions {
  readonly min?: number;
  readonly max?: number;
  /** Strictly greater than `min`. */
  readonly exclusiveMin?: boolean;
  readonly integer?: boolean;
}

function describeNumber(o: NumberOptions): string {
  const what = o.integer ? 'integer' : 'number';
  const art = o.integer ? 'an' : 'a';
  if (o.min === 0 && o.exclusiveMin && o.max === undefined) return `a positive ${what}`;
  if (o.min === 0 && !o.exclusiveMin && o.max === undefined) return `a non-negative ${what}`;
  if (o.min !== undefined && o.max !== undefined) {
    return `${art} ${what} in ${o.exclusiveMin ? '(' : '['}${o.min}, ${o.max}]`;
  }
  if (o.min !== undefined) return `${art} ${what} ${o.exclusiveMin ? '>' : '≥'} ${o.min}`;
  if (o.max !== undefined) return `${art} ${what} ≤ ${o.max}`;
  return `a finite ${what}`;
}

export function number(o: NumberOptions = {}): Schema<number> {
  const describe = describeNumber(o);
  return {
    describe,
    parse(v, path) {
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, describe, v);
      if (o.integer && !Number.isInteger(v)) fail(path, describe, v);
      if (o.min !== undefined && (o.exclusiveMin ? v <= o.min : v < o.min)) fail(path, describe, v);
      if (o.max !== undefined && v > o.max) fail(path, describe, v);
      return v;
    },
  };
}

export function integer(o: Omit<NumberOptions, 'integer'> = {}): Schema<number> {
  return number({ ...o, integer: true });
}

export const positive = (): Schema<number> => number({ min: 0, exclusiveMin: true });

export function string(
  o: { readonly nonEmpty?: boolean; readonly pattern?: RegExp; readonly describe?: string } = {},
): Schema<string> {
  const describe = o.describe ?? (o.nonEmpty ? 'a non-empty string' : 'a string');
  return {
    describe,
    parse(v, path) {
      if (typeof v !== 'string') fail(path, describe, v);
      if (o.nonEmpty && v.trim() === '') fail(path, describe, v);
      if (o.pattern && !o.pattern.test(v)) fail(path, describe, v);
      return v;
    },
  };
}

export function boolean(): Schema<boolean> {
  return {
    describe: 'true or false',
    parse(v, path) {
      if (typeof v !== 'boolean') fail(path, 'true or false', v);
      return v;
    },
  };
}

/** One of a fixed set of strings (a literal union). */
export function oneOf<const L extends readonly string[]>(values: L): Schema<L[number]> {
  const describe = `one of ${values.map((x) => `"${x}"`).join(', ')}`;
  return {
    describe,
    parse(v, path) {
      const hit = values.find((x) => x === v);
      if (hit === undefined) fail(path, describe, v);
      return hit;
    },
  };
}

export interface ArrayOptions {
  readonly minLength?: number;
  readonly maxLength?: number;
  /** No repeated elements (compared as JSON). */
  readonly unique?: boolean;
}

export function array<T>(item: Schema<T>, o: ArrayOptions = {}): Schema<T[]> {
  const bounds =
    o.minLength !== undefined && o.maxLength !== undefined
      ? ` with ${o.minLength} to ${o.maxLength} elements`
      : o.minLength !== undefined
        ? o.minLength === 1
          ? ' (non-empty)'
          : ` with at least ${o.minLength} elements`
        : o.maxLength !== undefined
          ? ` with at most ${o.maxLength} elements`
          : '';
  const describe = `a list of ${item.describe.replace(/^an? /, '')}s${bounds}${o.unique ? ', without repeats' : ''}`;
  return {
    describe,
    parse(v, path) {
      if (!Array.isArray(v)) fail(path, describe, v);
      if (o.minLength !== undefined && v.length < o.minLength) fail(path, describe, v);
      if (o.maxLength !== undefined && v.length > o.maxLength) fail(path, describe, v);
      const out = v.map((x, i) => item.parse(x, fieldPath(path, i)));
      if (o.unique) {
        const seen = new Map<string, number>();
        out.forEach((x, i) => {
          const k = JSON.stringify(x);
          const j = seen.get(k);
          if (j !== undefined) {
            throw new ConfigError(
              fieldPath(path, i),
              `repeats element ${j} (${showJson(x)}); list elements must be distinct`,
            );
          }
          seen.set(k, i);
        });
      }
      return out;
    },
  };
}

/** A single value or a list of them; parses to a list. */
export function oneOrMany<T>(item: Schema<T>, o: ArrayOptions = {}): Schema<T[]> {
  const list = array(item, o);
  return {
    describe: `${item.describe} or ${list.describe}`,
    parse(v, path) {
      return Array.isArray(v) ? list.parse(v, path) : [item.parse(v, path)];
    },
  };
}

export function optional<T>(inner: Schema<T>): OptionalSchema<T> {
  return {
    describe: inner.describe,
    optional: true,
    inner,
    parse(v, path) {
      return v === undefined ? undefined : inner.parse(v, path);
    },
  };
}

/** A field that takes `fallback` when absent. */
export function withDefault<T>(inner: Schema<T>, fallback: T): Schema<T> {
  return {
    describe: inner.describe,
    parse(v, path) {
      return v === undefined ? fallback : inner.parse(v, path);
    },
  };
}

export type Shape = Record<string, AnySchema>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends OptionalSchema<unknown> ? K : never }[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
export type ObjectOf<S extends Shape> = { -readonly [K in RequiredKeys<S>]: Infer<S[K]> } & {
  -readonly [K in OptionalKeys<S>]?: Infer<S[K]>;
};

/** An object with exactly these fields (unknown fields are rejected, required ones must be present). */
export function object<S extends Shape>(shape: S, describe = 'an object'): Schema<ObjectOf<S>> & { readonly shape: S } {
  const keys = Object.keys(shape);
  return {
    describe,
    shape,
    parse(v, path) {
      if (!isPlainObject(v)) fail(path, `${describe} with fields ${keys.join(', ')}`, v);
      for (const k of Object.keys(v)) {
        if (!Object.hasOwn(shape, k)) {
          throw new ConfigError(fieldPath(path, k), `unknown field. Valid fields here: ${keys.join(', ')}.`);
        }
      }
      const out: Record<string, unknown> = {};
      for (const k of keys) {
        const s = shape[k];
        const x = v[k];
        if (x === undefined && !s.optional) {
          // withDefault schemas accept undefined; plain required ones fail with "is required".
          try {
            out[k] = s.parse(x, fieldPath(path, k));
          } catch {
            throw new ConfigError(fieldPath(path, k), `is required: ${s.describe}.`);
          }
          continue;
        }
        const parsed = s.parse(x, fieldPath(path, k));
        if (parsed !== undefined) out[k] = parsed;
      }
      return build<ObjectOf<S>>(out, shape);
    },
  };
}

/**
 * Typed view of a record whose every field was produced by the matching schema in `shape` (the loop above); the
 * only place where the schema machinery asserts a type it has established by construction.
 */
function build<T>(out: Record<string, unknown>, _shape: Shape): T {
  return out as T;
}

/** Add a check that runs on the parsed value (cross-field constraints). Throw ConfigError with the field's path. */
export function refine<T>(inner: Schema<T>, check: (value: T, path: string) => void): Schema<T> {
  return {
    describe: inner.describe,
    parse(v, path) {
      const out = inner.parse(v, path);
      check(out, path);
      return out;
    },
  };
}

/** A schema from a parse function (e.g. wrap a domain parser such as `parseArch`). */
export function custom<T>(describe: string, parse: (value: unknown, path: string) => T): Schema<T> {
  return { describe, parse };
}
