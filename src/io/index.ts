/** File I/O: NumPy .npy, numeric CSV, atomic writes, training checkpoints, run-folder locks. */
export * from './atomic.js';
export * from './checkpoint.js';
export * from './csv.js';
export * from './npy.js';
export * from './output.js';
export * from './runFolder.js';
