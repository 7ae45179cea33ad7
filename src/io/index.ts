/** File I/O: NumPy .npy, numeric CSV, atomic writes. */
export * from './atomic.js';
export * from './csv.js';
export * from './npy.js';
