/**
 * Fuzz: experiment configs (src/experiments/config.ts readConfigFile/parseSets, schema.ts, each preset's params
 * schema and checks, runner.ts resolveExperiment). YAML and JSON texts of every preset's config are mutated (text
 * level: tokens, boundary numbers, deep nesting, aliases, tags) and written to files; config objects are mutated
 * structurally (wrong types, missing and extra fields, `__proto__` keys, huge lists); `--set` strings are generated.
 *
 * Correct = the resolved config is plain JSON data that the preset validates again to the same config (validation is
 * idempotent), its name and preset are strings, and nothing was written (the folder holds only the config file; no
 * runs/ folder appears).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify as toYaml } from 'yaml';
import { parseSets, type JsonObject } from '../../src/experiments/config.js';
import { getPreset, listPresets } from '../../src/experiments/preset.js';
import '../../src/experiments/presets/index.js';
import { resolveExperiment, toJsonValue } from '../../src/experiments/runner.js';
import type { Rng } from '../../src/util/random.js';
import { assertClean, fuzzCount, fuzzParser, fuzzSeed, listFiles } from './harness.js';
import { chance, mutateText, mutateValue, pick } from './mutate.js';

const dir = mkdtempSync(join(tmpdir(), 'ntk-fuzz-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const runsBefore = existsSync('runs');

/** Every preset's full config (defaults with name and preset), and with its quick section. */
const CONFIGS: JsonObject[] = listPresets().flatMap((p) => [
  { preset: p.name, ...p.defaults } as JsonObject,
  { preset: p.name, name: `${p.name}-q`, ...p.defaults, quick: p.quick } as JsonObject,
]);
const TOKENS = [
  ': ',
  '- ',
  '\n  ',
  '[',
  ']',
  '{',
  '}',
  ',',
  '"',
  "'",
  '&a ',
  '*a',
  '!!str ',
  '!!binary ',
  '!!set ',
  '!!float ',
  '<<: ',
  '~',
  'null',
  '.inf',
  '.nan',
  '0x10',
  '1e400',
  '---\n',
  '...',
  '#',
  '? ',
  '|',
  '>',
  '\t',
  'params:',
  'quick:',
  'preset: ',
];

/** A field of the user's config that the resolved config lacks (accepted but ignored), or null. */
function dropped(user: unknown, resolved: unknown, path: string): string | null {
  if (Array.isArray(user) && Array.isArray(resolved) && user.length === resolved.length) {
    for (let i = 0; i < user.length; i++) {
      const d = dropped(user[i], resolved[i], `${path}[${i}]`);
      if (d) return d;
    }
  } else if (isObj(user) && isObj(resolved)) {
    for (const k of Object.keys(user)) {
      if (user[k] === null || (path === '' && k === 'quick')) continue;
      if (!Object.hasOwn(resolved, k)) return `${path}${path ? '.' : ''}${k}`;
      const d = dropped(user[k], resolved[k], `${path}${path ? '.' : ''}${k}`);
      if (d) return d;
    }
  }
  return null;
}
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkResolved(source: string | JsonObject, sets: readonly string[] = []): string | undefined {
  const quick = isObj(source) ? Object.hasOwn(source, 'quick') : false;
  const exp = resolveExperiment(source, { quick, sets });
  const json = exp.json;
  if (isObj(source)) {
    const d = dropped(source, json, '');
    if (d !== null && !sets.length) return `the field ${d} was accepted but is not in the resolved config`;
  }
  if (typeof json.name !== 'string' || typeof json.preset !== 'string') return 'name/preset not strings';
  let again: unknown;
  try {
    again = toJsonValue(getPreset(exp.preset.name).validate(json).config);
  } catch (e) {
    return `the resolved config does not validate again: ${(e as Error).message}`;
  }
  try {
    assert.deepStrictEqual(again, json);
  } catch {
    return 'validating the resolved config again changes it';
  }
  return undefined;
}

const TEXTS = CONFIGS.map((c) => ({ json: JSON.stringify(c, null, 2), jsonFlat: JSON.stringify(c), yaml: toYaml(c) }));

function text(rng: Rng): { ext: string; body: string } {
  const t = pick(rng, TEXTS);
  const ext = pick(rng, ['.json', '.yaml', '.yml']);
  let body = ext === '.json' ? (chance(rng, 0.5) ? t.json : t.jsonFlat) : t.yaml;
  const u = rng.uniform();
  if (u < 0.03) {
    // deep nesting
    const k = ext === '.json' ? pick(rng, [100, 2000, 20000]) : pick(rng, [100, 1000]); // YAML errors are slow
    body =
      ext === '.json'
        ? `{"preset":"spectrum-demo","params":${'['.repeat(k)}${']'.repeat(k)}}`
        : `preset: spectrum-demo\nparams: ${'['.repeat(k)}${']'.repeat(k)}\n`;
  } else if (u < 0.06 && ext !== '.json') {
    // aliases: shared and self-referencing nodes, a billion laughs
    body = pick(rng, [
      'preset: spectrum-demo\nparams: &p {dim: 5}\nquick: {params: *p}\n',
      'preset: spectrum-demo\nparams: &p [*p]\n',
      'a: &a [1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c]\npreset: spectrum-demo\n',
      'preset: !!binary aGVsbG8=\n',
      'preset: spectrum-demo\nparams: !!set {a, b}\n',
      'preset: spectrum-demo\nparams: {dim: !!float 1e999}\n',
      'preset: spectrum-demo\nseed: 2001-12-14\n',
      'preset: spectrum-demo\n<<: {seed: 3}\n',
    ]);
  } else body = mutateText(rng, body, TOKENS, [], 3);
  return { ext, body };
}

function setString(rng: Rng): string {
  const key = pick(rng, [
    'params.dim',
    'params.n',
    'params.models',
    'params.mlpArch',
    'params.data',
    'sweep.n',
    'seed',
    'name',
    'training.lr',
    'params',
    'quick.params.dim',
    '__proto__.x',
    'params.__proto__',
    'a..b',
    '',
    '1x',
    'params.constructor',
  ]);
  const value = pick(rng, [
    '3',
    '-1',
    '1e-3',
    '[100, 200]',
    '[1000000]',
    '{a: 1}',
    'true',
    'null',
    '',
    'dense(8),relu,dense(1)',
    'mnist:n=abc',
    '[{name: A, arch: "dense(2"}]',
    '.inf',
    '&a [*a]',
    '"unterminated',
    '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
    '😀',
  ]);
  return chance(rng, 0.9) ? `${key}=${value}` : mutateText(rng, `${key}=${value}`, ['=', '.', '[', ']'], [], 2);
}

/** Overrides each preset accepts (so that valid resolutions are common). */
const GOOD_SETS: Record<string, readonly string[]> = {
  'spectrum-demo': ['params.dim=5', 'sweep.n=[100, 200]', 'params.labelNoise=0.1', 'seed=3'],
  'convergence-bounds': ['params.steps=10', 'params.data=mnist:train:n=32:classes=0,1', 'params.seeds=[0]'],
  'label-alignment': ['params.n=100', 'params.mlpArch=dense(64),relu,dense(1)', 'params.topK=5'],
};
function goodSet(rng: Rng, preset: string): string {
  return pick(rng, GOOD_SETS[preset] ?? ['seed=1', 'name=x', 'description=fuzz']);
}

describe('fuzz: experiment configs', () => {
  it(`YAML/JSON files: ${fuzzCount()} mutated texts end in a ConfigError or a valid config; nothing written`, () => {
    const report = fuzzParser({
      name: 'config-file',
      seed: fuzzSeed(71),
      count: fuzzCount(),
      generate: text,
      run({ ext, body }, i) {
        const p = join(dir, `c${i}${ext}`);
        writeFileSync(p, body);
        try {
          const bad = checkResolved(p);
          if (bad) return bad;
          const files = listFiles(dir);
          if (files.length !== 1) return `files appeared: ${files.join(', ')}`;
        } finally {
          rmSync(p);
        }
      },
    });
    assertClean(report, { minOk: 100, minTyped: 300 });
    assert.deepEqual(listFiles(dir), []);
    assert.equal(existsSync('runs'), runsBefore, 'no runs/ folder was created');
  });

  it(`config objects: ${fuzzCount()} structurally mutated configs end in a ConfigError or a valid config`, () => {
    const report = fuzzParser({
      name: 'config-object',
      seed: fuzzSeed(72),
      count: fuzzCount(),
      generate: (rng) => {
        let o: unknown = pick(rng, CONFIGS);
        const k = 1 + rng.int(3);
        for (let j = 0; j < k; j++) o = mutateValue(rng, o);
        return o as JsonObject;
      },
      run: (o) => checkResolved(o),
    });
    assertClean(report, { minOk: 100, minTyped: 300 });
  });

  it(`--set overrides: ${fuzzCount()} generated key=value strings end in a ConfigError or a valid config`, () => {
    const report = fuzzParser({
      name: 'config-set',
      seed: fuzzSeed(73),
      count: fuzzCount(),
      generate: (rng) => {
        const preset = pick(rng, listPresets()).name;
        return {
          preset,
          sets: Array.from({ length: 1 + rng.int(3) }, () =>
            chance(rng, 0.6) ? goodSet(rng, preset) : setString(rng),
          ),
        };
      },
      run({ preset, sets }) {
        parseSets(sets);
        return checkResolved({ preset }, sets);
      },
    });
    assertClean(report, { minOk: 100, minTyped: 300 });
  });
});
