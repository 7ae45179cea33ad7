/**
 * The architecture language shared by finite networks (src/nn, src/empirical) and analytic kernels (src/analytic):
 * one layer list, two kernels, as neural-tangents' stax does with (init_fn, apply_fn, kernel_fn).
 *
 *   dense(512),relu,dense(512),relu,dense(10)
 *   dense(256),residual(relu,dense(256),relu,dense(256)),relu,dense(1)
 *   dense(4096),relu,dense(1,frozen)
 * (registry.ts's ARCH_EXAMPLES and docs/networks.md have image architectures)
 *
 * Grammar: a comma-separated list of layers `name` or `name(arguments)`; plain arguments are `value` or `key=value`;
 * a combinator's arguments are layer lists separated by `|` (`sum(A | B)`), or a count and one layer list
 * (`repeat(3, dense(8),relu)`). What each name means, and its arguments, is defined by
 * its module in src/arch/layers (the registry lists them).
 */
import { InvalidArgumentError } from '../errors.js';
import { LAYER_NAMES, layerModule } from './registry.js';
import type { Arch, Arg, Call, LayerSpec, ParseCtx } from './types.js';

/** Parse an architecture string into a layer list; errors say where and what is valid. */
export function parseArch(spec: string): Arch {
  if (typeof spec !== 'string' || spec.trim() === '') {
    throw new InvalidArgumentError(
      'parseArch',
      'arch',
      'a non-empty layer list such as `dense(512),relu,dense(1)`',
      spec,
    );
  }
  return tokenize(spec).map((c) => toLayer(c, spec));
}

/** How deep combinators may nest (far beyond any real network; keeps the recursive parser off the stack limit). */
export const MAX_ARCH_NESTING = 64;

function tokenize(spec: string): Call[] {
  let i = 0;
  let depth = 0;
  // the string around a position (all of it when short; 60 characters either side of a long one)
  const before = (at: number): string => (at > 60 ? `…${spec.slice(at - 60, at)}` : spec.slice(0, at));
  const after = (at: number): string => (spec.length - at > 60 ? `${spec.slice(at, at + 60)}…` : spec.slice(at));
  const err = (msg: string, at = i): never => {
    throw new InvalidArgumentError(
      'parseArch',
      'arch',
      `a valid layer list (${msg} at character ${at + 1}: "${before(at)}⟨here⟩${after(at)}")`,
      spec,
    );
  };
  const ws = () => {
    while (i < spec.length && /\s/.test(spec[i])) i++;
  };
  const ident = (): string => {
    ws();
    const m = /^[A-Za-z_][A-Za-z0-9_.+-]*/.exec(spec.slice(i));
    if (!m) return err('expected a name');
    i += m[0].length;
    return m[0];
  };
  // layers separated by `,` up to one of `close` (null: the end of the string)
  const list = (close: readonly string[] | null): Call[] => {
    const calls: Call[] = [];
    for (;;) {
      calls.push(call());
      ws();
      if (spec[i] === ',') {
        i++;
        continue;
      }
      if (close === null ? i === spec.length : close.includes(spec[i])) return calls;
      return err(
        close === null ? 'expected `,` or the end' : `expected \`,\` or ${close.map((c) => `\`${c}\``).join(' or ')}`,
      );
    }
  };
  const call = (): Call => {
    ws();
    const pos = i;
    const name = ident().toLowerCase();
    ws();
    const args: Arg[] = [];
    if (spec[i] === '(') {
      i++;
      ws();
      const kind = layerModule(name)?.args ?? 'plain';
      if (kind === 'countBlock') {
        // a count, then one layer list: repeat(3, dense(8),relu)
        const apos = i;
        const m = /^[^,()\s]+/.exec(spec.slice(i));
        if (!m) err('expected a count');
        i += m![0].length;
        args.push({ value: m![0], pos: apos });
        ws();
        if (spec[i] !== ',') err('expected `,` and a layer list after the count');
        i++;
        const bpos = i;
        args.push({ branches: [list([')'])], pos: bpos });
      } else if (kind !== 'plain') {
        // a block: one layer list; branches: layer lists separated by `|`
        if (++depth > MAX_ARCH_NESTING) err(`combinators nested more than ${MAX_ARCH_NESTING} deep`, pos);
        const branches: Call[][] = [];
        const apos = i;
        for (;;) {
          branches.push(list(kind === 'block' ? [')'] : ['|', ')']));
          if (spec[i] !== '|') break;
          i++;
        }
        depth--;
        args.push({ branches, pos: apos });
      } else if (spec[i] !== ')') {
        for (;;) {
          ws();
          const apos = i;
          const m = /^([A-Za-z_][A-Za-z0-9_]*\s*=\s*)?([^,()\s]+)/.exec(spec.slice(i));
          if (!m) err('expected an argument');
          i += m![0].length;
          args.push({ key: m![1]?.replace(/\s*=\s*$/, ''), value: m![2], pos: apos });
          ws();
          if (spec[i] === ',') {
            i++;
            continue;
          }
          if (spec[i] === ')') break;
          err('expected `,` or `)`');
        }
      }
      ws();
      if (spec[i] !== ')') err('expected `)`');
      i++;
    }
    return { name, args, pos };
  };
  return list(null);
}

function toLayer(c: Call, spec: string): LayerSpec {
  const ctx: ParseCtx = {
    call: c,
    source: spec,
    bad: (constraint, value) => {
      throw new InvalidArgumentError(
        'parseArch',
        `arch: layer \`${c.name}\` at character ${c.pos + 1}`,
        constraint,
        value,
      );
    },
    layers: (calls) => calls.map((x) => toLayer(x, spec)),
  };
  const m = layerModule(c.name);
  if (m === undefined) return ctx.bad(`one of ${LAYER_NAMES.join(', ')}`, c.name);
  return m.parse(ctx);
}

/** The canonical string of a layer list (parseArch(formatArch(a)) deep-equals a). */
export function formatArch(arch: Arch): string {
  return arch.map((l) => (layerModule(l.kind) ?? unknownKind(l)).format(l, formatArch)).join(',');
}

function unknownKind(l: LayerSpec): never {
  throw new InvalidArgumentError('formatArch', 'arch', `layers of the kinds ${LAYER_NAMES.join(', ')}`, l.kind);
}
