#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's built-in test runner (TypeScript through tsx).
// A test that runs over 5 minutes fails (no hang can eat CI time).
// Usage: node scripts/test.mjs [substring ...]   (only files whose path contains one of the substrings)
// Hermetic caches: the tests run with NTK_CACHE set to a fresh temporary folder (removed afterwards), seeded with the
// sklearn CSVs from the user's dataset cache (or the pre-0.2 one inside the checkout), so no test writes to ~/.cache.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? find(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}
const filters = process.argv.slice(2);
const files = find('test')
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
const userCache = process.env.NTK_CACHE
  ? resolve(process.env.NTK_CACHE)
  : process.env.XDG_CACHE_HOME
    ? resolve(process.env.XDG_CACHE_HOME, 'ntk-lab')
    : join(process.env.HOME || homedir(), '.cache', 'ntk-lab');
const cache = mkdtempSync(join(tmpdir(), 'ntk-test-cache-'));
for (const from of [join(userCache, 'datasets', 'sklearn'), join('.cache', 'datasets', 'sklearn')]) {
  if (!existsSync(from)) continue;
  cpSync(from, join(cache, 'datasets', 'sklearn'), { recursive: true, dereference: true });
  break;
}
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-timeout=300000', ...files],
  {
    stdio: 'inherit',
    env: { ...process.env, NTK_CACHE: cache },
  },
);
rmSync(cache, { recursive: true, force: true });
process.exit(r.status ?? 1);
