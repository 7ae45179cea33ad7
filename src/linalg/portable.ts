// TEMPORARY: replaced by the portable TypeScript backend (being written). Not exported as done.
import type { Backend } from './backend.js';

const missing = (): never => {
  throw new Error('portable backend not yet implemented');
};
export const portableBackend: Backend = {
  name: 'portable',
  info: () => ({ name: 'portable', corename: 'none', threads: 1, details: 'pure TypeScript' }),
  gemm: missing, gemmAsync: missing, syrk: missing, syrkAsync: missing, syevd: missing, syevdAsync: missing,
  syevr: missing, potrf: missing, potrfAsync: missing, potrs: missing, trsm: missing,
};
