/**
 * Seeded, splittable pseudo-random numbers. Every random choice in ntk-lab takes an explicit Rng, so the same seed
 * gives the same numbers on every machine.
 *
 * Generator: xoshiro128** (Blackman & Vigna) on four 32-bit words, seeded through SplitMix32-style mixing. Doubles
 * use 53 random bits (two outputs). Normals use the Box–Muller transform. `split(key)` derives an independent
 * stream from this generator's seed and a key without advancing this generator, as JAX's PRNG keys do.
 */
import { InvalidArgumentError } from '../errors.js';

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Hash a seed (non-negative integer < 2^53) and an optional path of keys into four 32-bit state words. */
function seedState(seed: number, path: readonly number[]): Uint32Array {
  let h = mix32((seed >>> 0) ^ 0x9e3779b9) ^ mix32(Math.floor(seed / 4294967296) + 0x7f4a7c15);
  for (const k of path) h = mix32(h ^ mix32((k >>> 0) + 0x632be5ab));
  const s = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    h = mix32(h + 0x9e3779b9);
    s[i] = h;
  }
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
  return s;
}

function hashKey(key: number | string): number {
  if (typeof key === 'number') return key >>> 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class Rng {
  readonly seed: number;
  private readonly path: readonly number[];
  private readonly s: Uint32Array;
  private spare = Number.NaN;

  constructor(seed: number, path: readonly number[] = []) {
    if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) {
      throw new InvalidArgumentError('Rng', 'seed', 'a non-negative integer', seed);
    }
    this.seed = seed;
    this.path = path;
    this.s = seedState(seed, path);
  }

  /** An independent generator for `key` (a layer index, a name…); this generator is not advanced. */
  split(key: number | string): Rng {
    return new Rng(this.seed, [...this.path, hashKey(key)]);
  }

  /** Next 32 random bits as an unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const v = this.spare;
      this.spare = Number.NaN;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fill (or create) an array with N(mean, std²) samples. */
  normals(n: number, std = 1, mean = 0): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('Rng.int', 'n', 'a positive integer', n);
    return Math.floor(this.uniform() * n);
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    this.shuffle(p);
    return p;
  }

  /** Shuffle in place (Fisher–Yates). */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
