/**
 * The types every layer module implements (neural-tangents' `(init_fn, apply_fn, kernel_fn)` triple, in TypeScript).
 *
 * A layer module (src/arch/layers/*.ts) holds everything about one layer kind: its name and arguments in the
 * architecture language (`parse`, `format`), its shape rule and parameter layout (`compile`), and, on the compiled
 * node, the finite network's batched forward / VJP / JVP (`FiniteOps`, run by src/nn) and the analytic transform of
 * the kernel record (`AnalyticOps`, run by src/analytic). The engines loop over compiled nodes and never look at a
 * layer's name; combinators (`residual`) are modules whose nodes carry compiled branches.
 */
import type { Rng } from '../util/random.js';
import type { InputBlock, KernelRecord, Spatial } from './record.js';

/** Per-example shape: `[d]` for flat inputs, `[h, w, c]` for NHWC images. */
export type Shape = readonly [number] | readonly [number, number, number];

/** Parameterization: `ntk` y = (σ_w/√fan_in)·W·a + σ_b·b with W, b ~ N(0,1); `standard` W ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²). */
export type Parameterization = 'ntk' | 'standard';

/** A parsed layer: plain data (structured-cloneable, deep-equal after parseArch(formatArch(·))), `kind` = its name. */
export interface LayerSpec {
  readonly kind: string;
}
export type Arch = readonly LayerSpec[];

/** One argument as written: `value` or `key=value`, or (combinators) layer lists separated by `|`. */
export type Arg =
  | { readonly key?: string; readonly value: string; readonly pos: number }
  | { readonly branches: readonly Call[][]; readonly pos: number };
/** One layer as written: its name (lower-cased), arguments and position in the string (0-based). */
export interface Call {
  readonly name: string;
  readonly args: readonly Arg[];
  readonly pos: number;
}

/** What parse() gets: the call, a way to fail with the layer's position, and the parser for nested layer lists. */
export interface ParseCtx {
  readonly call: Call;
  /** the whole architecture string */
  readonly source: string;
  /** throws InvalidArgumentError naming the layer and its position */
  bad(constraint: string, value: unknown): never;
  /** parse a nested layer list (combinators) */
  layers(calls: readonly Call[]): LayerSpec[];
}

/** One parametrized layer and where its parameters sit in the flat vector θ. */
export interface ParamLayer {
  /** Position among parametrized layers (0-based, depth-first through branches). */
  readonly index: number;
  /** Position in the architecture: "3" for top-level layer 3, "2.1" for layer 1 inside the block at 2 (0-based). */
  readonly path: string;
  /** the layer's name */
  readonly kind: string;
  readonly spec: AffineSpec;
  /** length of one input row: in features, or in_channels·k·k for a k×k convolution */
  readonly fanIn: number;
  /** out features or out channels */
  readonly out: number;
  /** Convolutions: kernel size and input channels (weights stored (out, kh, kw, in)); 1 and fanIn otherwise. */
  readonly kernel: number;
  readonly inChannels: number;
  /** Output positions per example (1, or oh·ow for a convolution). */
  readonly positions: number;
  readonly wOffset: number;
  readonly wSize: number;
  /** −1 when the layer has no bias (bstd = 0). */
  readonly bOffset: number;
  readonly bSize: number;
  /** Biases per output channel: 1 (shared over positions), or `positions` (one per output position and channel,
   * stored (position, channel): neural-tangents' ConvLocal). */
  readonly biasPositions: number;
  /** Multipliers applied in the forward pass: y = wScale·W·a + bScale·b. ntk: σ_w/√fan_in, σ_b; standard: 1, 1. */
  readonly wScale: number;
  readonly bScale: number;
  /** Std of the stored entries at init. ntk: 1, 1; standard: σ_w/√fan_in, σ_b. */
  readonly wInitStd: number;
  readonly bInitStd: number;
  readonly frozen: boolean;
  /** The stored weights in the layout PyTorch uses (Linear (out, in), Conv2d (out, in, kh, kw)). */
  exportWeights(W: Float64Array): { readonly shape: readonly number[]; readonly data: Float64Array };
  /** Extra manifest fields of the layer kind (e.g. kernel, stride, padding). */
  readonly manifest: Readonly<Record<string, number | string>>;
}

/** The fields every parametrized (affine) layer's spec has. */
export interface AffineSpec extends LayerSpec {
  readonly wstd: number;
  readonly bstd: number;
  /** σ_w², σ_b² where the architecture gave the variances (`wvar=`, `bvar=`; then wstd = √wvar, bstd = √bvar) */
  readonly wvar?: number;
  readonly bvar?: number;
  readonly frozen: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Compiling

/** Data beside the architecture that some layers need (buildNetwork's 4th argument, kernelFn's options). */
export interface BuildOptions {
  /** `aggregate`: the graph's adjacency, P × P for inputs with P = h·w nodes (row-major, NT's convention: entry
   * (i, j) weights the edge from node i to node j, and node j receives Σᵢ A[i, j]·x_i); one graph for all examples */
  readonly adjacency?: { readonly rows: number; readonly cols: number; readonly data: Float64Array };
}

/** What a module's compile() gets: the input shape, its position, and ways to fail, allocate θ, compile branches. */
export interface CompileCtx {
  readonly path: string;
  readonly inShape: Shape;
  readonly param: Parameterization;
  /** throws InvalidArgumentError naming the layer path, the constraint and why (the value is the input shape) */
  bad(constraint: string, why: string): never;
  /** reserve this layer's parameters in θ */
  addParams(p: {
    spec: AffineSpec;
    fanIn: number;
    out: number;
    kernel: number;
    inChannels: number;
    positions: number;
    exportWeights: ParamLayer['exportWeights'];
    manifest?: ParamLayer['manifest'];
    /** the fan-in of the 1/√fan_in scaling when it is not the row length `fanIn` (convlocal: k²·C, rows P·k²·C) */
    scaleFanIn?: number;
    /** one bias per output position (convlocal); default 1 (shared) */
    biasPositions?: number;
    /** forward multipliers of a sublayer that uses the NTK parameterization whatever the network's (neural-tangents'
     * GlobalSelfAttention): W, b ~ N(0, 1) stored, y = w·W·a + b_·b; default from `param`, spec.wstd/bstd, fanIn */
    ntkScales?: { readonly w: number; readonly b: number };
  }): ParamLayer;
  /** compile a nested layer list on `shape` (combinators); its paths are `${path}.${start + i}` (start default 0: a
   * combinator numbers the layers of all its branches consecutively, so every path is unique) */
  branch(specs: readonly LayerSpec[], shape: Shape, start?: number): { nodes: Node[]; shape: Shape };
  /** what buildNetwork was given beside the architecture (data some layers need, e.g. aggregate's adjacency) */
  readonly options: BuildOptions;
  /** the registered layer names whose modules have a property (for hints that stay true as layers are added) */
  namesWith(pred: (m: LayerModule) => boolean): string[];
}

/** A compiled layer: shapes fixed, parameters placed, its passes bound to its configuration. */
export interface Node {
  readonly path: string;
  /** the layer's name as written (`relu`, `dense`, …) */
  readonly name: string;
  readonly spec: LayerSpec;
  readonly inShape: Shape;
  readonly outShape: Shape;
  /** the layer's parameters, null for parameter-free layers */
  readonly param: ParamLayer | null;
  /** compiled sub-networks of combinators ([] for plain layers) */
  readonly branches: readonly (readonly Node[])[];
  readonly finite: FiniteOps;
  readonly analytic: AnalyticOps;
}

/** What a module's compile() returns; the engine adds path, name, spec and shapes. */
export interface CompiledLayer {
  readonly outShape: Shape;
  readonly param?: ParamLayer;
  readonly branches?: readonly (readonly Node[])[];
  readonly finite: FiniteOps;
  readonly analytic: AnalyticOps;
}

export interface LayerModule {
  /** the names this module defines in the architecture language (an activation family defines several) */
  readonly names: readonly string[];
  /** combinators: `block` takes one layer list, `branches` layer lists separated by `|`, `countBlock` a count and
   * then one layer list (`repeat(3, dense(8),relu)`) (default `plain`) */
  readonly args?: 'plain' | 'block' | 'branches' | 'countBlock';
  /** parametrized with fresh zero-mean weights (its output is a centred Gaussian process at infinite width) */
  readonly affine?: boolean;
  /** maps an image to a flat vector */
  readonly flattens?: boolean;
  /** a network containing it may end on its positions (aggregate: node-level graph kernels), one output per position
   * and channel, without the caller's `perPosition` (compile.ts: requireFlatOutput) */
  readonly perPosition?: boolean;
  /** the layer's layout convention, written into exported parameter manifests of networks that use it */
  readonly convention?: string;
  /** registered at run time in this thread (a user-defined activation): worker threads do not know it */
  readonly local?: boolean;
  parse(ctx: ParseCtx): LayerSpec;
  /** the layer as written canonically (`formatLayers` writes nested layer lists) */
  format(spec: LayerSpec, formatLayers: (a: Arch) => string): string;
  compile(spec: LayerSpec, ctx: CompileCtx): CompiledLayer;
}

// ---------------------------------------------------------------------------------------------------------------
// The finite network's passes

/** A buffer provider (nn's Workspace, or fresh arrays): `key` is unique per role and node. */
export type Buffers = (key: string, len: number, zero: boolean) => Float64Array;

/** What forward keeps for backward, per node: its input, and what the layer saves (im2col patches, branch tapes). */
export interface Saved {
  x: Float64Array;
  aux?: Float64Array;
  branches?: Saved[][];
}

/** One trained layer's factors of a backward pass (see nn's LayerTerms). */
export interface LayerTerms {
  readonly layer: ParamLayer;
  readonly A: Float64Array;
  readonly G: Float64Array;
}

/**
 * Random streams of layers with random masks (dropout): the generator of layer `path` for example `e` of the batch,
 * determined by the network's noise seed (Params.noiseSeed, drawn at init) and the example's input values — the same
 * example gets the same mask in every pass, batch, tile and call, so the finite network is one deterministic
 * function of (seed, θ, x).
 */
export type NoiseFn = (path: string, e: number) => Rng;

export interface ForwardCtx {
  readonly theta: Float64Array;
  /** per-example random streams (set by src/nn; absent when a pass is called by hand) */
  readonly noise?: NoiseFn;
  /** keep what backward needs (in `saved`) */
  readonly keep: boolean;
  readonly saved: Saved;
  /** buffers keyed by role letter; the engine makes the key unique per node */
  buf(role: string, len: number, zero: boolean): Float64Array;
  /** run a branch's nodes forward; their tape goes into `saved` */
  run(nodes: readonly Node[], x: Float64Array, saved: Saved[]): Float64Array;
}

export interface BackwardCtx {
  readonly theta: Float64Array;
  /** parameter gradient to accumulate into (θ layout), or null */
  readonly grad: Float64Array | null;
  /** structured factors to collect, or null */
  readonly terms: LayerTerms[] | null;
  buf(role: string, len: number, zero: boolean): Float64Array;
  /** run a branch's nodes backward from cotangent g; returns its input cotangent */
  run(nodes: readonly Node[], saved: readonly Saved[], g: Float64Array): Float64Array;
}

export interface JvpCtx {
  readonly theta: Float64Array;
  /** as in ForwardCtx */
  readonly noise?: NoiseFn;
  /** the parameter tangent (θ layout) */
  readonly tangent: Float64Array;
  run(nodes: readonly Node[], x: Float64Array, dx: Float64Array | null): { y: Float64Array; dy: Float64Array };
}

export interface FiniteOps {
  /** y for a batch of n inputs x (n × inSize); may return x itself */
  forward(x: Float64Array, n: number, ctx: ForwardCtx): Float64Array;
  /** the input cotangent for output cotangent g (null when !wantDx); accumulates gradients and terms */
  backward(g: Float64Array, n: number, saved: Saved, ctx: BackwardCtx, wantDx: boolean): Float64Array | null;
  /** y and its tangent (dx null: the input does not depend on θ) */
  jvp(x: Float64Array, dx: Float64Array | null, n: number, ctx: JvpCtx): { y: Float64Array; dy: Float64Array };
}

// ---------------------------------------------------------------------------------------------------------------
// The analytic kernel's transform (types of the record in record.ts)

export type KernelMethod = 'exact' | 'quadrature';

/** Whether a layer's input is a centred Gaussian process at infinite width (neural-tangents' `is_gaussian`). */
export interface GaussCtx {
  readonly gaussian: boolean;
  readonly path: string;
  /** the input is the network's own input (for error texts) */
  readonly atInput: boolean;
}

export interface AnalyticOps {
  /**
   * Independence of the output from everything computed beside it (what lets combinators add or multiply branch
   * kernels): a layer with fresh zero-mean weights (node.param set) has it; `through`: a parameter-free linear map
   * that keeps it (identity, aggregate); `out`: a combinator whose output has it (computed from its branches).
   */
  readonly fresh?: 'out' | 'through';
  /** needs the full (p, p′) covariances (pooling) */
  readonly needsFull?: boolean;
  /** the layer's kernel is the mean over all position pairs (global average pooling: an activation before it fuses) */
  readonly meanAllPositions?: boolean;
  /** needs every example's full self-covariance K(x, x)[p, p′] of its input (`full1`/`full2` of the record), e.g.
   * attention weights computed from it: the engine keeps those of the step before along the variance chains */
  readonly needsSelfFull?: boolean;
  /** a pooling of the full representation by windows (avgpool.ts poolFull: per output position Q its T input
   * positions, −1 for none, and its weight; output h × w): relu before it fuses with it (vectorized kernels) */
  readonly poolWindows?: {
    readonly taps: Int32Array;
    readonly T: number;
    readonly weights: Float64Array;
    readonly h: number;
    readonly w: number;
  };
  /** the representation after the layer (default: unchanged) */
  outRep?(rep: Spatial): Spatial;
  /** Gaussian-ness of the output given the input's; throws where the layer's kernel needs a Gaussian input. For
   * combinators the engine passes the result of the branches through `branches`. */
  gaussian(ctx: GaussCtx, branches: readonly boolean[]): boolean;
  /** a validity check of the analytic kernel beyond shapes (combinators); throws with the layer path */
  check?(path: string): void;
  /** the transform, built once per program (method: closed forms or quadrature) */
  prepare(method: KernelMethod, param: Parameterization): AnalyticStep;
}

export interface AnalyticStep {
  /** the record after the layer; `ctx.run` runs a branch; `ctx.fusedInput` for a first layer that fromInput built */
  apply(k: KernelRecord, ctx: AnalyticRunCtx): KernelRecord;
  /** optionally the record after this layer AND the next one, fused (null: not fusable here) */
  fuse?(k: KernelRecord, next: Node | null): KernelRecord | null;
  /** a first layer on full image records that builds its own input record from the raw inputs (e.g. patch Grams) */
  fromInput?(b: InputBlock): KernelRecord;
  /** an activation whose kernel a vectorized native kernel computes (src/linalg/simd.ts) */
  readonly simd?: 'relu';
  /**
   * fromInput fused with the following `simd` activation and a mean over all positions (gap), on a cross block:
   * the flat record after the three layers (its variances: the chain's after the conv, `var1`/`var2`); null when
   * the vectorized kernels are not available.
   */
  fromInputReluMean?(b: InputBlock, var1: Float64Array, var2: Float64Array): KernelRecord | null;
  /**
   * The self pass of the same three layers on n images (NHWC rows of x): the variances after the conv and after the
   * activation (n × P each) and the mean after the pooling (n); null when the vectorized kernels are not available.
   */
  selfReluMean?(x: Float64Array, n: number): { conv: Float64Array; act: Float64Array; mean: Float64Array } | null;
}

export interface AnalyticRunCtx {
  /** output spatial size after the layer */
  readonly h: number;
  readonly w: number;
  /**
   * Cross records: pairs (i, j) with j = i + same are one example on both sides (blocks of K(x, x):
   * neural-tangents' `x1_is_x2`); null or absent: no pair is (K(x1, x2)). Self records: every pair is.
   */
  readonly same?: number | null;
  /** the record came from this layer's own fromInput (it already holds the patch average) */
  readonly fusedInput: boolean;
  run(i: number, k: KernelRecord): KernelRecord;
}
