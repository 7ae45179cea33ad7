/**
 * Experiment configs: a plain JSON/YAML object. Resolution order (later wins):
 *   preset.defaults ← preset.quick (with --quick) ← the user's config (minus its `quick`) ← the user's `quick`
 *   section (with --quick) ← --set key=value overrides.
 * Objects merge field by field; lists and scalars are replaced; `null` removes a field. The merged object is then
 * validated by the common schema plus the preset's own `params` schema, before any computation.
 */
import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseDocument as parseYamlDocument } from 'yaml';
import { ConfigError, NtkError } from '../errors.js';
import { kernelFn } from '../analytic/kernelFn.js';
import { buildNetwork, requireFlatOutput } from '../arch/compile.js';
import { parseArch } from '../arch/parse.js';
import { checkDatasetSpec } from '../data/registry.js';
import {
  array,
  custom,
  fieldPath,
  integer,
  isPlainObject,
  type Infer,
  number,
  object,
  oneOf,
  oneOrMany,
  optional,
  positive,
  ROOT,
  type Schema,
  showJson,
  string,
} from './schema.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Analyses a config can ask for (implemented in src/analysis). */
export const ANALYSES = [
  'spectrum',
  'alignment',
  'convergence',
  'generalization',
  'lambda-min',
  'predictions',
] as const;
export type AnalysisName = (typeof ANALYSES)[number];

/** Run a domain check; its typed error becomes a ConfigError at the config field `path`. */
function atField<T>(path: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof NtkError) throw new ConfigError(path, e.message);
    throw e;
  }
}

/**
 * An architecture string, validated by the same parser the networks use (`parseArch`) when the config loads;
 * the error names the field (`params.models[1].arch: parseArch: …`). Whether it fits its input is checked with
 * `checkArchFits` where a preset knows the input shape.
 */
export function archString(): Schema<string> {
  const describe = 'an architecture string such as "dense(512),relu,dense(1)"';
  return custom(describe, (v, path) => {
    if (typeof v !== 'string' || v.trim() === '')
      throw new ConfigError(path, `must be ${describe}. Value: ${showJson(v)}`);
    atField(path, () => parseArch(v));
    return v;
  });
}

/**
 * A dataset spec string, checked as loadDataset checks it before reading any data (`checkDatasetSpec`: the
 * spec parses, its keys apply to the dataset, required keys are given) when the config loads.
 */
export function dataSpecString(): Schema<string> {
  const describe = 'a dataset spec string such as "mnist:train:n=200:classes=0,1"';
  return custom(describe, (v, path) => {
    if (typeof v !== 'string' || v.trim() === '')
      throw new ConfigError(path, `must be ${describe}. Value: ${showJson(v)}`);
    atField(path, () => checkDatasetSpec(v));
    return v;
  });
}

/**
 * Check at config time that an architecture compiles for an input shape (`kernelFn` also checks what the analytic
 * kernel needs, e.g. activations after affine layers) and has the flat output the presets' kernels and training need
 * (compile.ts requireFlatOutput: `dense` on an image acts per position); a ConfigError naming the field otherwise.
 */
export function checkArchFits(
  path: string,
  arch: string,
  inputShape: readonly number[],
  what: 'network' | 'analytic' = 'network',
): void {
  atField(path, () =>
    what === 'analytic' ? kernelFn(arch, { inputShape }) : requireFlatOutput(buildNetwork(arch, inputShape), 'ntk run'),
  );
}

export const trainingSchema = object({
  /** Learning rate η. */
  lr: positive(),
  /** Number of gradient steps. */
  steps: integer({ min: 1, max: 10_000_000 }),
  loss: optional(oneOf(['mse', 'ce', 'soft-ce'] as const)),
  /** Mini-batch size; absent = full batch. */
  batch: optional(integer({ min: 1 })),
  weightDecay: optional(number({ min: 0 })),
  /** Evaluate/record every k steps. */
  every: optional(integer({ min: 1 })),
});
export type TrainingConfig = Infer<typeof trainingSchema>;

const sizeList = () => array(integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 64, unique: true });

export const sweepSchema = object({
  widths: optional(sizeList()),
  depths: optional(sizeList()),
  n: optional(sizeList()),
  seeds: optional(
    array(integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), { minLength: 1, maxLength: 1000, unique: true }),
  ),
});
export type SweepConfig = Infer<typeof sweepSchema>;

/** The fields every config may have besides `params`; a preset declares which of the optional ones it uses. */
export const SECTION_FIELDS = ['data', 'archs', 'kernels', 'training', 'analyses', 'sweep'] as const;
export type SectionField = (typeof SECTION_FIELDS)[number];

/** A resolved, validated config with the preset's typed params. */
export interface ExperimentConfig<P> {
  /** Run name (default: the preset name). */
  readonly name: string;
  readonly preset: string;
  /** Master seed: every random choice derives from it via Rng.split. */
  readonly seed: number;
  readonly description?: string;
  /** Dataset spec strings. */
  readonly data?: readonly string[];
  readonly archs?: readonly string[];
  readonly kernels?: readonly string[];
  readonly training?: TrainingConfig;
  readonly analyses?: readonly AnalysisName[];
  readonly sweep?: SweepConfig;
  readonly params: P;
}

/** The common schema, with the preset's params schema plugged in. */
export function configSchema<P>(params: Schema<P>) {
  return object({
    name: string({
      nonEmpty: true,
      pattern: /^[A-Za-z0-9._-]+$/,
      describe: 'a name of letters, digits, ".", "_" or "-"',
    }),
    preset: string({ nonEmpty: true }),
    seed: integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    description: optional(string()),
    data: optional(oneOrMany(dataSpecString(), { minLength: 1 })),
    archs: optional(oneOrMany(archString(), { minLength: 1 })),
    kernels: optional(oneOrMany(string({ nonEmpty: true, describe: 'a kernel spec string' }), { minLength: 1 })),
    training: optional(trainingSchema),
    analyses: optional(array(oneOf(ANALYSES), { minLength: 1, unique: true })),
    sweep: optional(sweepSchema),
    params: params,
  });
}

/** Cross-field checks shared by all presets; `uses` lists the optional sections the preset reads. */
export function checkCommon<P>(c: ExperimentConfig<P>, presetName: string, uses: readonly SectionField[]): void {
  for (const f of SECTION_FIELDS) {
    if (c[f] !== undefined && !uses.includes(f)) {
      throw new ConfigError(
        f,
        `is not used by preset "${presetName}" (it reads: ${uses.length ? uses.join(', ') : 'none of the optional sections'}, params); remove it`,
      );
    }
  }
  const needsTraining = c.analyses?.filter((a) => a === 'convergence' || a === 'predictions') ?? [];
  if (needsTraining.length > 0 && c.training === undefined) {
    throw new ConfigError(
      'analyses',
      `"${needsTraining[0]}" needs a \`training\` section (its lr is the gradient-descent step η and its steps the horizon)`,
    );
  }
  if (c.sweep?.widths !== undefined && c.archs === undefined) {
    throw new ConfigError('sweep.widths', 'sweeps the width of `archs`, but the config has no `archs`');
  }
  if (c.sweep?.depths !== undefined && c.archs === undefined) {
    throw new ConfigError('sweep.depths', 'sweeps the depth of `archs`, but the config has no `archs`');
  }
  if (c.training?.batch !== undefined && c.sweep?.n !== undefined) {
    const small = c.sweep.n.find((n) => n < (c.training?.batch ?? 0));
    if (small !== undefined) {
      throw new ConfigError(
        'training.batch',
        `must be ≤ every training-set size in sweep.n; ${c.training.batch} > ${small}`,
      );
    }
  }
}

/** Deep merge: objects field by field, everything else replaced; null deletes. Inputs are not modified. */
export function deepMerge(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else {
      const b = Object.hasOwn(out, k) ? out[k] : undefined;
      setOwn(out, k, isJsonObject(v) && b !== undefined && isJsonObject(b) ? deepMerge(b, v) : v);
    }
  }
  return out;
}

/** obj[k] = v as an own data property (for k = `__proto__` too, which plain assignment would make the prototype). */
function setOwn(obj: JsonObject, k: string, v: JsonValue): void {
  Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
}

export function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** How deep config values may nest (far beyond any config; keeps the recursive checks off the stack limit). */
export const MAX_CONFIG_DEPTH = 64;

/** Check that a parsed file is JSON data (plain objects, arrays, finite numbers, strings, booleans, null). */
export function asJsonValue(v: unknown, path: string): JsonValue {
  return jsonValue(v, path, new Set());
}

function jsonValue(v: unknown, path: string, open: Set<object>): JsonValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ConfigError(path, `must be a finite number. Value: ${showJson(v)}`);
    return v;
  }
  if (Array.isArray(v) || isPlainObject(v)) {
    if (open.has(v)) throw new ConfigError(path, 'contains itself (a YAML alias that refers to its own node)');
    if (open.size >= MAX_CONFIG_DEPTH)
      throw new ConfigError(path, `nests deeper than ${MAX_CONFIG_DEPTH} levels of lists and objects`);
    open.add(v);
    let out: JsonValue;
    if (Array.isArray(v)) out = v.map((x, i) => jsonValue(x, fieldPath(path, i), open));
    else {
      const obj: JsonObject = {};
      for (const [k, x] of Object.entries(v)) {
        const jv = jsonValue(x, fieldPath(path, k), open);
        setOwn(obj, k, jv); // an own `__proto__` key (JSON.parse makes one) is data, not the prototype
      }
      out = obj;
    }
    open.delete(v);
    return out;
  }
  throw new ConfigError(
    path,
    `must be plain data (object, list, number, string, boolean or null). Value: ${showJson(v)}`,
  );
}

export function asJsonObject(v: unknown, path: string): JsonObject {
  const j = asJsonValue(v, path);
  if (!isJsonObject(j)) throw new ConfigError(path, `must be an object (a mapping of fields). Value: ${showJson(v)}`);
  return j;
}

/**
 * A YAML document's value; its first error or warning (an unknown tag, a duplicate key, too many aliases) is thrown
 * rather than printed, so that a config means exactly what it says or fails.
 */
function yamlValue(text: string): unknown {
  const doc = parseYamlDocument(text);
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) throw new Error(problem.message);
  return doc.toJS();
}

/** Read a .json / .yaml / .yml config file into a plain object. */
export function readConfigFile(file: string): JsonObject {
  const ext = extname(file).toLowerCase();
  if (!existsSync(file)) throw new ConfigError(file, 'no such config file');
  const text = readFileSync(file, 'utf8');
  let parsed: unknown;
  try {
    parsed = ext === '.json' ? JSON.parse(text) : yamlValue(text);
  } catch (e) {
    throw new ConfigError(
      file,
      `is not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return asJsonObject(parsed, ROOT);
}

/**
 * Parse `key.path=value` overrides. Values are read as YAML scalars/flow collections (`3`, `1e-3`, `true`,
 * `[100, 200]`, `{a: 1}`); anything else is a string.
 */
export function parseSets(sets: readonly string[]): JsonObject {
  let out: JsonObject = {};
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new ConfigError('--set', `must look like key.path=value. Value: ${showJson(s)}`);
    const key = s.slice(0, eq).trim();
    const raw = s.slice(eq + 1);
    if (!/^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/.test(key)) {
      throw new ConfigError('--set', `key must be a dotted field path such as training.lr. Value: ${showJson(key)}`);
    }
    let value: unknown;
    try {
      value = yamlValue(raw);
    } catch {
      value = raw;
    }
    if (value === undefined) value = null;
    out = setPath(out, key.split('.'), asJsonValue(value, key));
  }
  return out;
}

/** A copy of `obj` with the value at `parts` set (null is kept, so that a later merge deletes the field). */
function setPath(obj: JsonObject, parts: readonly string[], value: JsonValue): JsonObject {
  const [head, ...rest] = parts;
  const cur = Object.hasOwn(obj, head) ? obj[head] : undefined;
  return {
    ...obj,
    [head]: rest.length === 0 ? value : setPath(cur !== undefined && isJsonObject(cur) ? cur : {}, rest, value),
  };
}
