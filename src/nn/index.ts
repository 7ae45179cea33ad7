/**
 * Finite neural networks with exact, hand-written backprop (issue #4).
 *
 * API
 *   const net = buildNetwork(arch, [28, 28, 1], 'ntk');           // shapes checked here (src/arch)
 *   const params = init(net, new Rng(0));            // or init(arch, inputShape, param, rng)
 *   params.theta                                      // ONE flat Float64Array θ (length net.numParams);
 *                                                     // layerParams(params, net.paramLayers[l]) gives W, b views
 *   const Y = apply(params, X);                       // X: Matrix n × net.inDim (images NHWC, flattened) → n × outDim
 *   const { out, tape } = forward(params, X);         // same, keeping what backward needs
 *   const { grad, dx } = vjp(tape, gOut);             // gOut n × outDim → ∇_θ Σᵢ⟨gOutᵢ, f(xᵢ)⟩ (summed over the
 *                                                     //   batch, θ layout, 0 on frozen layers) and ∂/∂X (n × inDim)
 *   const terms = layerTerms(tape, gOut);             // per trained layer: inputs A and output cotangents G
 *   const { out, tangentOut } = jvp(params, X, u);    // J(θ)·u, u in θ layout (linearized models, NTK·v)
 *   withTheta(params, theta2)                         // same network, other parameters (θ − θ₀, updates)
 *   trainableMask(net)                                // 1 on trained entries of θ, 0 on frozen
 *   const ws = new Workspace();                       // reuse buffers across passes: forward(p, X, { workspace: ws }),
 *                                                     // vjp(tape, g, { workspace: ws }); results live until the next
 *                                                     // call with the same ws (training loops)
 *
 * Parameterizations (per parametrized layer, fan_in = the length of one input row):
 *   ntk      y = (σ_w/√fan_in)·W·a + σ_b·b,   W, b ~ N(0, 1)
 *   standard y = W·a + b,                     W ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²)
 * (ParamLayer.wScale/bScale are the forward multipliers, wInitStd/bInitStd the init stds.) bstd = 0: no bias.
 *
 * θ layout: parametrized layers in depth-first order (through combinators' branches); each stores W then b, in its
 * module's order (src/arch/layers/*.ts say which; ParamLayer.exportWeights gives PyTorch's). Layer l draws W then b
 * from rng.split(l). Each layer's conventions (padding, pooling windows, σ′ at kinks) are in its module's header.
 * Random layers (dropout) draw their masks from params.noiseSeed (init draws it from rng.split('noise')), the layer
 * path and each example's input values: the network is one deterministic function of (seed, θ, x).
 *
 * Errors: a layer that does not fit its input is an InvalidArgumentError naming the layer's position and why;
 * non-finite inputs are rejected by apply/forward/jvp.
 */
export {
  buildNetwork,
  init,
  layerParams,
  withTheta,
  trainableMask,
  apply,
  forward,
  vjp,
  layerTerms,
  jvp,
  Workspace,
} from './network.js';
export type { PassOptions, Shape, ParamLayer, Network, Params, Tape, LayerTerms, Node } from './network.js';
export { parseArch, formatArch } from '../arch/parse.js';
export type { Arch, BuildOptions, LayerSpec, Parameterization } from '../arch/types.js';
export { erf, normalCdf, normalPdf } from '../util/special.js';
export { Rng } from '../util/random.js';
