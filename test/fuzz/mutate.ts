/**
 * A small seeded mutator on the project's Rng: byte-level mutations of binary seeds (flips, boundary bytes and
 * words, insert/delete/duplicate, splice with another seed, truncation) and text-level ones (the same on
 * characters, plus grammar tokens, boundary numbers and awkward Unicode). Every choice comes from the Rng, so an
 * input is reproduced from its seed.
 */
import type { Rng } from '../../src/util/random.js';

export function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)];
}

/** True with probability p. */
export function chance(rng: Rng, p: number): boolean {
  return rng.uniform() < p;
}

/** Numbers at the edges: zero, signs, powers of two, float limits, non-finite and odd notations. */
export const BOUNDARY_NUMBERS: readonly string[] = [
  '0',
  '-0',
  '1',
  '-1',
  '2',
  '3',
  '7',
  '255',
  '256',
  '65535',
  '65536',
  '2147483647',
  '2147483648',
  '4294967295',
  '4294967296',
  '9007199254740991',
  '9007199254740993',
  '18446744073709551616',
  '1e12',
  '1e308',
  '1e309',
  '1e-320',
  '-1e308',
  '0.5',
  '1.5',
  '.5',
  '5.',
  '1e3',
  '0x10',
  '0b1',
  '0o7',
  '010',
  '1_000',
  '+1',
  'NaN',
  'nan',
  'Infinity',
  '-Infinity',
  'inf',
  '-inf',
  '',
  ' ',
  '1 2',
  '99999999999999999999999999999999999999',
];

/** Characters that break naive text handling. */
export const AWKWARD_CHARS: readonly string[] = [
  '\u0000',
  '\t',
  '\n',
  '\r',
  '\r\n',
  '\u000b',
  '\u000c',
  '\u00a0',
  '\u0085',
  '\u2028',
  '\u200b',
  '\ufeff',
  '\ud800',
  '\udfff',
  '😀',
  'é',
  'e\u0301',
  '\u202e',
  'Ω',
  '"',
  "'",
  '\\',
  '`',
  '<',
  '&',
  '%',
  '$',
  '{',
  '}',
  '[',
  ']',
  '(',
  ')',
  ',',
  ':',
  ';',
  '=',
  '|',
  '#',
  '*',
  '?',
  '/',
];

function randomByte(rng: Rng): number {
  return pick(rng, [0, 1, 0x7f, 0x80, 0xff, 0x20, 0x0a, 0x27, 0x22, 0x28, 0x29, 0x2c, rng.int(256), rng.int(256)]);
}

/** One random byte-level mutation of `buf` (a new array). `others` are splice partners. */
export function mutateBytesOnce(rng: Rng, buf: Uint8Array, others: readonly Uint8Array[] = []): Uint8Array {
  const n = buf.length;
  const at = (extra = 0): number => rng.int(n + extra || 1);
  switch (rng.int(11)) {
    case 0: {
      // flip one bit
      if (n === 0) return Uint8Array.of(randomByte(rng));
      const out = buf.slice();
      out[at()] ^= 1 << rng.int(8);
      return out;
    }
    case 1: {
      // set a byte to a boundary value
      if (n === 0) return Uint8Array.of(randomByte(rng));
      const out = buf.slice();
      out[at()] = randomByte(rng);
      return out;
    }
    case 2: {
      // overwrite a 16/32-bit word (little or big endian) with a boundary value
      if (n < 4) return buf.slice();
      const out = buf.slice();
      const dv = new DataView(out.buffer);
      const p = rng.int(n - 3);
      const v = pick(rng, [0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0xffff, 0x10000, rng.nextU32(), n, n + 1]);
      if (chance(rng, 0.5)) dv.setUint32(p, v >>> 0, chance(rng, 0.5));
      else dv.setUint16(p, v & 0xffff, chance(rng, 0.5));
      return out;
    }
    case 3: {
      // insert random bytes
      const p = at(1);
      const k = 1 + rng.int(chance(rng, 0.1) ? 300 : 8);
      const ins = Uint8Array.from({ length: k }, () => randomByte(rng));
      return concat(buf.subarray(0, p), ins, buf.subarray(p));
    }
    case 4: {
      // delete a range
      if (n === 0) return buf.slice();
      const p = at();
      const k = 1 + rng.int(Math.min(n - p, chance(rng, 0.2) ? 200 : 8));
      return concat(buf.subarray(0, p), buf.subarray(p + k));
    }
    case 5: {
      // duplicate a range
      if (n === 0) return buf.slice();
      const p = at();
      const k = 1 + rng.int(Math.min(n - p, 64));
      return concat(buf.subarray(0, p + k), buf.subarray(p, p + k), buf.subarray(p + k));
    }
    case 6: {
      // truncate
      return buf.slice(0, at(1));
    }
    case 7: {
      // append junk or zeros
      const k = 1 + rng.int(16);
      return concat(buf, chance(rng, 0.5) ? new Uint8Array(k) : Uint8Array.from({ length: k }, () => rng.int(256)));
    }
    case 8: {
      // splice: a prefix of this one, a suffix of another
      if (others.length === 0) return buf.slice();
      const o = pick(rng, others);
      return concat(buf.subarray(0, at(1)), o.subarray(rng.int(o.length + 1)));
    }
    case 9: {
      // overwrite with ASCII text (a token)
      const tok = Buffer.from(pick(rng, [...BOUNDARY_NUMBERS, ...AWKWARD_CHARS, 'True', 'False', 'None']), 'utf8');
      const p = at(1);
      return concat(buf.subarray(0, p), tok, buf.subarray(Math.min(n, p + tok.length)));
    }
    default: {
      // swap two bytes
      if (n < 2) return buf.slice();
      const out = buf.slice();
      const a = at();
      const b = at();
      [out[a], out[b]] = [out[b], out[a]];
      return out;
    }
  }
}

/** 1 to `max` stacked byte mutations. */
export function mutateBytes(rng: Rng, buf: Uint8Array, others: readonly Uint8Array[] = [], max = 4): Uint8Array {
  let out = buf;
  const k = 1 + rng.int(max);
  for (let j = 0; j < k; j++) out = mutateBytesOnce(rng, out, others);
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** One random text mutation; `tokens` are grammar pieces of the language being fuzzed. */
export function mutateTextOnce(rng: Rng, s: string, tokens: readonly string[] = [], others: readonly string[] = []) {
  const n = s.length;
  const at = (extra = 0): number => rng.int(n + extra || 1);
  switch (rng.int(10)) {
    case 0: {
      // replace one character
      if (n === 0) return pick(rng, AWKWARD_CHARS);
      const p = at();
      return s.slice(0, p) + pick(rng, AWKWARD_CHARS) + s.slice(p + 1);
    }
    case 1: {
      // insert a grammar token or awkward character
      const p = at(1);
      const t = tokens.length && chance(rng, 0.6) ? pick(rng, tokens) : pick(rng, AWKWARD_CHARS);
      return s.slice(0, p) + t + s.slice(p);
    }
    case 2: {
      // delete a range
      if (n === 0) return s;
      const p = at();
      return s.slice(0, p) + s.slice(p + 1 + rng.int(Math.min(n - p, 6)));
    }
    case 3: {
      // replace a number (or a run of digits) with a boundary number
      const m = [...s.matchAll(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi)];
      const num = pick(rng, BOUNDARY_NUMBERS);
      if (m.length === 0) {
        const p = at(1);
        return s.slice(0, p) + num + s.slice(p);
      }
      const x = pick(rng, m);
      return s.slice(0, x.index) + num + s.slice((x.index ?? 0) + x[0].length);
    }
    case 4: {
      // duplicate a range
      if (n === 0) return s;
      const p = at();
      const k = 1 + rng.int(Math.min(n - p, 20));
      return s.slice(0, p + k) + s.slice(p, p + k) + s.slice(p + k);
    }
    case 5: {
      // truncate
      return s.slice(0, at(1));
    }
    case 6: {
      // splice with another seed
      if (others.length === 0) return s;
      const o = pick(rng, others);
      return s.slice(0, at(1)) + o.slice(rng.int(o.length + 1));
    }
    case 7: {
      // repeat a piece many times (huge counts, deep nesting)
      const p = at(1);
      const piece = tokens.length && chance(rng, 0.5) ? pick(rng, tokens) : s.slice(p, p + 1 + rng.int(4));
      return s.slice(0, p) + piece.repeat(chance(rng, 0.2) ? 2000 + rng.int(3000) : 2 + rng.int(40)) + s.slice(p);
    }
    case 8: {
      // change case of a range
      const p = at();
      const k = 1 + rng.int(8);
      const mid = s.slice(p, p + k);
      return s.slice(0, p) + (chance(rng, 0.5) ? mid.toUpperCase() : mid.toLowerCase()) + s.slice(p + k);
    }
    default: {
      // surround with whitespace
      return pick(rng, ['', ' ', '\t', '\n']) + s + pick(rng, ['', ' ', '\n', '\r\n']);
    }
  }
}

export function mutateText(
  rng: Rng,
  s: string,
  tokens: readonly string[] = [],
  others: readonly string[] = [],
  max = 3,
): string {
  let out = s;
  const k = 1 + rng.int(max);
  for (let j = 0; j < k; j++) out = mutateTextOnce(rng, out, tokens, others);
  return out;
}

/** Structural mutations of JSON-like values: replace, delete or add fields, wrong types, boundary values. */
export function mutateValue(rng: Rng, v: unknown, depth = 0): unknown {
  const odd = (): unknown =>
    pick(rng, [
      null,
      true,
      false,
      0,
      -1,
      1.5,
      1e308,
      -0,
      Number.MAX_SAFE_INTEGER + 2,
      '',
      ' ',
      'x',
      '1',
      'NaN',
      [],
      {},
      [null],
      { a: 1 },
      'dense(',
      'relu',
      '😀',
      'a'.repeat(300),
      Array.from({ length: 70 }, (_, i) => i),
    ]);
  if (Array.isArray(v)) {
    const out = v.slice();
    switch (rng.int(5)) {
      case 0:
        return odd();
      case 1:
        if (out.length) out.splice(rng.int(out.length), 1);
        return out;
      case 2:
        out.splice(rng.int(out.length + 1), 0, chance(rng, 0.5) && out.length ? pick(rng, out) : odd());
        return out;
      default:
        if (out.length === 0 || depth > 6) return odd();
        {
          const k = rng.int(out.length);
          out[k] = mutateValue(rng, out[k], depth + 1);
        }
        return out;
    }
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
    const keys = Object.keys(out);
    switch (rng.int(6)) {
      case 0:
        return odd();
      case 1:
        if (keys.length) delete out[pick(rng, keys)];
        return out;
      case 2:
        {
          // an own `__proto__` key, as JSON.parse makes one (plain assignment would set the prototype)
          const key = pick(rng, [
            'extra',
            '__proto__',
            'constructor',
            'toString',
            '',
            'quick',
            'params',
            'marks',
            'type',
          ]);
          Object.defineProperty(out, key, { value: odd(), enumerable: true, writable: true, configurable: true });
        }
        return out;
      default:
        if (keys.length === 0 || depth > 6) return odd();
        {
          const k = pick(rng, keys);
          out[k] = mutateValue(rng, out[k], depth + 1);
        }
        return out;
    }
  }
  if (typeof v === 'number') {
    return chance(rng, 0.7)
      ? pick(rng, [0, -0, -1, 1, 2, 0.5, 1e-320, 1e308, -1e308, 2 ** 31, 2 ** 53 + 2, v + 1, v * 1000, -v])
      : odd();
  }
  if (typeof v === 'string') return chance(rng, 0.8) ? mutateText(rng, v) : odd();
  return odd();
}
