/** Validation against schemas/ntk-json.schema.json (the subset the schema uses), for the --json tests. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
type Schema = Record<string, unknown>;
export const SCHEMA = JSON.parse(readFileSync(join(ROOT, 'schemas/ntk-json.schema.json'), 'utf8')) as {
  $defs: Record<string, Schema>;
};

/** The JSON Schema subset the schema file uses ($ref, allOf, anyOf, type, enum, const, required, properties, items). */
export function validate(v: unknown, s: Schema, path = '$'): string[] {
  if (typeof s.$ref === 'string') return validate(v, SCHEMA.$defs[s.$ref.replace('#/$defs/', '')], path);
  const errs: string[] = [];
  if (Array.isArray(s.allOf)) for (const x of s.allOf as Schema[]) errs.push(...validate(v, x, path));
  if (Array.isArray(s.anyOf) && !(s.anyOf as Schema[]).some((x) => validate(v, x, path).length === 0))
    errs.push(`${path}: matches none of anyOf (${JSON.stringify(v)?.slice(0, 80)})`);
  if ('const' in s && v !== s.const)
    errs.push(`${path}: expected ${JSON.stringify(s.const)}, got ${JSON.stringify(v)}`);
  if (Array.isArray(s.enum) && !s.enum.includes(v))
    errs.push(`${path}: ${JSON.stringify(v)} not in ${JSON.stringify(s.enum)}`);
  if (typeof s.type === 'string') {
    const t = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
    const ok = s.type === 'integer' ? Number.isInteger(v) : t === s.type;
    if (!ok) return [...errs, `${path}: expected ${s.type}, got ${t}`];
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    for (const k of (s.required as string[] | undefined) ?? []) if (!(k in o)) errs.push(`${path}: missing ${k}`);
    for (const [k, x] of Object.entries((s.properties as Record<string, Schema> | undefined) ?? {}))
      if (k in o) errs.push(...validate(o[k], x, `${path}.${k}`));
  }
  if (Array.isArray(v) && s.items) v.forEach((x, i) => errs.push(...validate(x, s.items as Schema, `${path}[${i}]`)));
  return errs;
}

/** Parse `stdout` as one JSON value and list its differences from $defs[def] (empty: valid). */
export function checkAgainst(def: string, stdout: string): { value: Record<string, unknown>; errors: string[] } {
  const value = JSON.parse(stdout) as Record<string, unknown>;
  return { value, errors: validate(value, SCHEMA.$defs[def]) };
}
