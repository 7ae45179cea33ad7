/** File I/O: NumPy .npy, numeric CSV, atomic writes, training checkpoints. */
export * from './atomic.js';
export * from './checkpoint.js';
export * from './csv.js';
export * from './npy.js';
export * from './output.js';
