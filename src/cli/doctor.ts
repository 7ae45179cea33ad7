import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { backend, nativeLoadError } from '../linalg/index.js';
import { VERSION } from '../version.js';
import type { Command } from './command.js';

/** Shared libraries mapped into this process whose path mentions BLAS/LAPACK (Linux only). */
export function loadedBlasLibraries(): string[] {
  try {
    const maps = readFileSync('/proc/self/maps', 'utf8');
    const libs = new Set<string>();
    for (const line of maps.split('\n')) {
      const path = line.slice(line.indexOf('/'));
      if (line.includes('/') && /blas|lapack/i.test(path)) libs.add(path.trim());
    }
    return [...libs].sort();
  } catch {
    return [];
  }
}

export interface DoctorReport {
  readonly version: string;
  readonly node: string;
  readonly platform: string;
  readonly backend: string;
  readonly corename: string;
  readonly threads: number;
  readonly details: string;
  readonly libraries: string[];
  readonly nativeError?: string;
}

export function doctorReport(): DoctorReport {
  const info = backend().info();
  return {
    version: VERSION,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    backend: info.name,
    corename: info.corename,
    threads: info.threads,
    details: info.details,
    libraries: loadedBlasLibraries(),
    ...(nativeLoadError() ? { nativeError: nativeLoadError() } : {}),
  };
}

export const doctor: Command = {
  usage:
    'ntk doctor [--json]\n\nPrints what ntk-lab computes with: backend (native|portable), OpenBLAS core name and\nthread count, and the BLAS/LAPACK libraries loaded into the process.',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } } });
    const r = doctorReport();
    if (values.json) {
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      return 0;
    }
    const lines = [
      `ntk-lab ${r.version} on node ${r.node} (${r.platform})`,
      `backend:   ${r.backend}${r.nativeError ? ` (native failed: ${r.nativeError})` : ''}`,
      `core:      ${r.corename}`,
      `threads:   ${r.threads}`,
      `details:   ${r.details}`,
      `libraries: ${r.libraries.length ? r.libraries.join('\n           ') : '(none found)'}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};
