// Rebuilds BENCHMARKS.md from bench/<area>/RESULTS.md (each written by that area's run.ts).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';

const areas = ['linalg', 'data', 'empirical', 'analytic', 'fast', 'analysis', 'predict', 'train', 'refactor'];
const parts = [
  '# Benchmarks',
  '',
  `ntk-lab against the peer a researcher would pick instead, run side by side in one process tree on the project's`,
  `machine kind (${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}). Medians of`,
  'several runs; ratio = ntk-lab time / peer time (below 1 means ntk-lab is faster). Reproduce with',
  '`bash bench/run-all.sh` (see bench/README.md). Each section below is the RESULTS.md its benchmark wrote.',
  '',
];
for (const a of areas) {
  const f = `bench/${a}/RESULTS.md`;
  if (!existsSync(f)) continue;
  parts.push(
    readFileSync(f, 'utf8')
      .trim()
      .replace(/^(#+) /gm, '#$1 ')
      .replace(/^## /, `## ${a}: `),
    '',
  );
}
writeFileSync('BENCHMARKS.md.tmp', `${parts.join('\n')}\n`);
renameSync('BENCHMARKS.md.tmp', 'BENCHMARKS.md');
