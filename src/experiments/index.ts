/** Experiment configs, presets, the disk cache and the runner. */
export * from './cache.js';
export * from './config.js';
export * from './preset.js';
export * from './runner.js';
export * as schema from './schema.js';
export { decayFit, demoKernel, spectrumDemo, spherePoints, type SpectrumDemoParams } from './presets/spectrumDemo.js';
