/** Empirical (finite-width) NTKs: structured and Jacobian implementations, NTK-vector products, Monte Carlo. */
export {
  empiricalNtk,
  type ConvStrategy,
  type EmpiricalNtkOptions,
  type NtkImplementation,
  type NtkOutputs,
} from './ntk.js';
export { ntkvp, ntkOperator, type NtkvpOptions } from './ntkvp.js';
export { monteCarloNtk, type MonteCarloEstimate, type MonteCarloOptions } from './montecarlo.js';
export { readParams, writeParams, type ParamsManifest, type ParamsManifestLayer } from './export.js';
