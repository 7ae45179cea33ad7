/** Predictions at scale: out-of-core kernel regression (tiles on disk). */
export * from './outOfCore.js';
