/** Reading a layer's plain arguments (`dense(512, wstd=1.4, frozen)`) with the architecture language's error texts. */
import { InvalidArgumentError } from '../errors.js';
import type { AffineSpec, LayerSpec, ParseCtx } from './types.js';

export class LayerArgs {
  readonly positional: string[] = [];
  readonly named = new Map<string, string>();

  constructor(private readonly ctx: ParseCtx) {
    for (const a of ctx.call.args) {
      if ('branches' in a) ctx.bad('plain arguments', 'a nested list');
      else if (a.key !== undefined) {
        if (this.named.has(a.key)) ctx.bad('given each argument once', a.key);
        this.named.set(a.key, a.value);
      } else if (a.value === 'frozen') this.named.set('frozen', 'true');
      else this.positional.push(a.value);
    }
  }

  /** Only these options, and between nPos[0] and nPos[1] positional arguments. */
  take(allowedNamed: readonly string[], nPos: readonly [number, number]): this {
    const { ctx, positional } = this;
    for (const k of this.named.keys())
      if (!allowedNamed.includes(k))
        ctx.bad(`one of the options ${allowedNamed.map((s) => `\`${s}\``).join(', ') || '(none)'}`, k);
    if (positional.length < nPos[0] || positional.length > nPos[1]) {
      ctx.bad(
        `${nPos[0] === nPos[1] ? nPos[0] : `${nPos[0]}–${nPos[1]}`} positional argument(s)`,
        positional.join(','),
      );
    }
    return this;
  }

  num(v: string, what: string, int: boolean, min: number): number {
    const x = Number(v);
    // integers (sizes, strides) must be exact: beyond 2^53 − 1 a double rounds them
    if (!Number.isFinite(x) || (int && !Number.isSafeInteger(x)) || x < min) {
      return this.ctx.bad(
        `\`${what}\` ${int ? 'an integer' : 'a number'} ≥ ${min}${int ? ' (and ≤ 2^53 − 1)' : ''}`,
        v,
      );
    }
    return x === 0 ? 0 : x; // -0 reads as 0, so that formatArch writes what was parsed
  }

  /** positional argument i as a number */
  pos(i: number, what: string, int: boolean, min: number): number {
    return this.num(this.positional[i], what, int, min);
  }

  /** named option as a number, or its default */
  opt(key: string, int: boolean, min: number, dflt: number): number {
    const v = this.named.get(key);
    return v === undefined ? dflt : this.num(v, key, int, min);
  }

  /** named option from a closed set of words, or its default */
  word<T extends string>(key: string, allowed: readonly T[], dflt: T): T {
    const v = this.named.get(key) ?? dflt;
    const hit = allowed.find((a) => a === v);
    if (hit === undefined) return this.ctx.bad(`\`${key}\` ${allowed.join(' or ')}`, v);
    return hit;
  }

  /**
   * wstd (default 1), bstd (default 0: no bias) and frozen, as every parametrized layer takes them; the variances as
   * papers write them, `wvar=σ_w²` / `bvar=σ_b²`, instead of the stds (σ = √var; a std and its variance both given is
   * an error). A given variance is kept in the spec (`wvar`, `bvar`) so that formatArch writes what was given.
   */
  affine(): Omit<AffineSpec, 'kind'> {
    const w = this.stdOrVar('wstd', 'wvar', 1);
    const b = this.stdOrVar('bstd', 'bvar', 0);
    const f = this.named.get('frozen');
    if (f !== undefined && f !== 'true' && f !== 'false') this.ctx.bad('`frozen` true or false', f);
    return {
      wstd: w.std,
      bstd: b.std,
      ...(w.v !== undefined ? { wvar: w.v } : {}),
      ...(b.v !== undefined ? { bvar: b.v } : {}),
      frozen: f === 'true',
    };
  }

  private stdOrVar(std: string, v: string, dflt: number): { std: number; v?: number } {
    if (this.named.has(std) && this.named.has(v))
      this.ctx.bad(
        `given as \`${std}\` or as \`${v}\` (= ${std}²), not both`,
        `${std}=${this.named.get(std)}, ${v}=${this.named.get(v)}`,
      );
    if (!this.named.has(v)) return { std: this.opt(std, false, 0, dflt) };
    const x = this.opt(v, false, 0, dflt * dflt);
    return { std: Math.sqrt(x), v: x };
  }
}

/** The options every parametrized layer takes (affine()). */
export const AFFINE_OPTIONS = ['wstd', 'bstd', 'wvar', 'bvar', 'frozen'] as const;

/** σ_w² and σ_b² of an affine spec: the variances as given, else the stds squared. */
export const affineVariances = (l: AffineSpec): { sw2: number; sb2: number } => ({
  sw2: l.wvar ?? l.wstd * l.wstd,
  sb2: l.bvar ?? l.bstd * l.bstd,
});

/** `,wstd=…,bstd=…,frozen` (or `,wvar=…`, `,bvar=…` where those were given) as formatArch writes them (defaults omitted). */
export function formatAffine(l: AffineSpec): string {
  const w = l.wvar !== undefined ? `,wvar=${l.wvar}` : l.wstd !== 1 ? `,wstd=${l.wstd}` : '';
  const b = l.bvar !== undefined ? `,bvar=${l.bvar}` : l.bstd !== 0 ? `,bstd=${l.bstd}` : '';
  return `${w}${b}${l.frozen ? ',frozen' : ''}`;
}

/** A module's own spec type, checked (the registry hands every module only its own kinds; this makes it a type). */
export function own<S extends LayerSpec>(s: LayerSpec, is: (s: LayerSpec) => s is S, module: string): S {
  if (!is(s)) throw new InvalidArgumentError(module, 'spec', `a \`${module}\` layer`, s.kind);
  return s;
}
