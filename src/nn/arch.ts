/**
 * The architecture language shared by finite networks (src/nn, src/empirical) and analytic kernels (src/kernels):
 * one layer list, two kernels, as neural-tangents' stax does with (init_fn, apply_fn, kernel_fn).
 *
 *   dense(512),relu,dense(512),relu,dense(10)
 *   conv(32,3,padding=same),relu,conv(32,3,stride=2),relu,gap,dense(10)
 *   dense(256),relu,residual(dense(256),relu,dense(256)),relu,dense(1)
 *   dense(4096),relu,dense(1,frozen)
 *
 * Layers: dense(out[,wstd=,bstd=]), conv(channels,kernel[,stride=,padding=same|valid,wstd=,bstd=]), relu,
 * abrelu(a,b) (a·min(x,0) + b·max(x,0)), erf, tanh, gelu, avgpool(k) (k×k, stride k, valid), gap (global average
 * pool), flatten, residual(...) (x + block(x)). Any parametrized layer takes the flag `frozen` (not trained: it adds
 * nothing to the NTK). Defaults: wstd = 1, bstd = 0 (bstd = 0 means no bias parameter at all).
 */
import { InvalidArgumentError } from '../errors.js';

export type Padding = 'same' | 'valid';
export type Activation = 'relu' | 'abrelu' | 'erf' | 'tanh' | 'gelu';

export interface DenseSpec {
  readonly kind: 'dense';
  readonly out: number;
  readonly wstd: number;
  readonly bstd: number;
  readonly frozen: boolean;
}
export interface ConvSpec {
  readonly kind: 'conv';
  readonly channels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: Padding;
  readonly wstd: number;
  readonly bstd: number;
  readonly frozen: boolean;
}
export interface ActivationSpec {
  readonly kind: 'relu' | 'erf' | 'tanh' | 'gelu';
}
export interface AbReluSpec {
  readonly kind: 'abrelu';
  readonly a: number;
  readonly b: number;
}
export interface AvgPoolSpec {
  readonly kind: 'avgpool';
  readonly k: number;
}
export interface ShapeSpec {
  readonly kind: 'gap' | 'flatten';
}
export interface ResidualSpec {
  readonly kind: 'residual';
  readonly block: readonly LayerSpec[];
}
export type LayerSpec = DenseSpec | ConvSpec | ActivationSpec | AbReluSpec | AvgPoolSpec | ShapeSpec | ResidualSpec;
export type Arch = readonly LayerSpec[];

/** Parameterization: `ntk` y = (σ_w/√fan_in)·W·a + σ_b·b with W, b ~ N(0,1); `standard` W ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²). */
export type Parameterization = 'ntk' | 'standard';

export const LAYER_NAMES = [
  'dense',
  'conv',
  'relu',
  'abrelu',
  'erf',
  'tanh',
  'gelu',
  'avgpool',
  'gap',
  'flatten',
  'residual',
] as const;

interface Call {
  name: string;
  args: Arg[];
  pos: number;
}
type Arg = { key?: string; value: string; pos: number } | { list: Call[]; pos: number };

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
  let i = 0;
  const err = (msg: string, at = i): never => {
    throw new InvalidArgumentError(
      'parseArch',
      'arch',
      `a valid layer list (${msg} at character ${at + 1}: "${spec.slice(0, at)}⟨here⟩${spec.slice(at)}")`,
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
  const list = (close: string | null): Call[] => {
    const calls: Call[] = [];
    for (;;) {
      calls.push(call());
      ws();
      if (spec[i] === ',') {
        i++;
        continue;
      }
      if (close === null ? i === spec.length : spec[i] === close) return calls;
      return err(close === null ? 'expected `,` or the end' : `expected \`,\` or \`${close}\``);
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
      if (name === 'residual') {
        args.push({ list: list(')'), pos: i });
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
  const calls = list(null);
  return calls.map((c) => toLayer(c, spec));
}

function toLayer(c: Call, spec: string): LayerSpec {
  const bad = (constraint: string, value: unknown): never => {
    throw new InvalidArgumentError(
      'parseArch',
      `arch: layer \`${c.name}\` at character ${c.pos + 1}`,
      constraint,
      value,
    );
  };
  if (c.name === 'residual') {
    const a = c.args[0];
    if (!a || !('list' in a)) return bad('residual(<layers>) with at least one layer', spec);
    return { kind: 'residual', block: a.list.map((x) => toLayer(x, spec)) };
  }
  const positional: string[] = [];
  const named = new Map<string, string>();
  for (const a of c.args) {
    if ('list' in a) return bad('plain arguments', 'a nested list');
    if (a.key !== undefined) {
      if (named.has(a.key)) bad('given each argument once', a.key);
      named.set(a.key, a.value);
    } else if (a.value === 'frozen') named.set('frozen', 'true');
    else positional.push(a.value);
  }
  const num = (v: string, what: string, int: boolean, min: number): number => {
    const x = Number(v);
    if (!Number.isFinite(x) || (int && !Number.isInteger(x)) || x < min) {
      return bad(`\`${what}\` ${int ? 'an integer' : 'a number'} ≥ ${min}`, v);
    }
    return x;
  };
  const take = (allowedNamed: string[], nPos: [number, number]): void => {
    for (const k of named.keys())
      if (!allowedNamed.includes(k))
        bad(`one of the options ${allowedNamed.map((s) => `\`${s}\``).join(', ') || '(none)'}`, k);
    if (positional.length < nPos[0] || positional.length > nPos[1]) {
      bad(`${nPos[0] === nPos[1] ? nPos[0] : `${nPos[0]}–${nPos[1]}`} positional argument(s)`, positional.join(','));
    }
  };
  const frozen = (): boolean => {
    const f = named.get('frozen');
    if (f === undefined) return false;
    if (f !== 'true' && f !== 'false') bad('`frozen` true or false', f);
    return f === 'true';
  };
  const wb = () => ({
    wstd: named.has('wstd') ? num(named.get('wstd')!, 'wstd', false, 0) : 1,
    bstd: named.has('bstd') ? num(named.get('bstd')!, 'bstd', false, 0) : 0,
  });
  switch (c.name) {
    case 'dense': {
      take(['wstd', 'bstd', 'frozen'], [1, 1]);
      return { kind: 'dense', out: num(positional[0], 'out', true, 1), ...wb(), frozen: frozen() };
    }
    case 'conv': {
      take(['wstd', 'bstd', 'frozen', 'stride', 'padding'], [2, 2]);
      const padding = named.get('padding') ?? 'same';
      if (padding !== 'same' && padding !== 'valid') bad('`padding` same or valid', padding);
      return {
        kind: 'conv',
        channels: num(positional[0], 'channels', true, 1),
        kernel: num(positional[1], 'kernel', true, 1),
        stride: named.has('stride') ? num(named.get('stride')!, 'stride', true, 1) : 1,
        padding: padding as Padding,
        ...wb(),
        frozen: frozen(),
      };
    }
    case 'relu':
    case 'erf':
    case 'tanh':
    case 'gelu':
      take([], [0, 0]);
      return { kind: c.name };
    case 'abrelu':
      take([], [2, 2]);
      return {
        kind: 'abrelu',
        a: num(positional[0], 'a', false, -Infinity),
        b: num(positional[1], 'b', false, -Infinity),
      };
    case 'avgpool':
      take([], [1, 1]);
      return { kind: 'avgpool', k: num(positional[0], 'k', true, 1) };
    case 'gap':
    case 'flatten':
      take([], [0, 0]);
      return { kind: c.name };
    default:
      return bad(`one of ${LAYER_NAMES.join(', ')}`, c.name);
  }
}

/** The canonical string of a layer list (parseArch(formatArch(a)) deep-equals a). */
export function formatArch(arch: Arch): string {
  const opt = (l: { wstd: number; bstd: number; frozen: boolean }) =>
    `${l.wstd !== 1 ? `,wstd=${l.wstd}` : ''}${l.bstd !== 0 ? `,bstd=${l.bstd}` : ''}${l.frozen ? ',frozen' : ''}`;
  return arch
    .map((l) => {
      switch (l.kind) {
        case 'dense':
          return `dense(${l.out}${opt(l)})`;
        case 'conv':
          return `conv(${l.channels},${l.kernel}${l.stride !== 1 ? `,stride=${l.stride}` : ''}${l.padding !== 'same' ? `,padding=${l.padding}` : ''}${opt(l)})`;
        case 'abrelu':
          return `abrelu(${l.a},${l.b})`;
        case 'avgpool':
          return `avgpool(${l.k})`;
        case 'residual':
          return `residual(${formatArch(l.block)})`;
        default:
          return l.kind;
      }
    })
    .join(',');
}
