/**
 * File snapshots: compare `actual` with test/report/__snapshots__/<name>. A missing snapshot is written and the
 * test FAILS (so a forgotten snapshot is noticed), unless UPDATE_SNAPSHOTS=1, which (re)writes and passes.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '__snapshots__');

export function matchSnapshot(name: string, actual: string): void {
  const file = join(DIR, name);
  const update = process.env.UPDATE_SNAPSHOTS === '1';
  if (update || !existsSync(file)) {
    mkdirSync(DIR, { recursive: true });
    writeFileSync(file, actual);
    if (!update)
      assert.fail(`snapshot ${name} did not exist and was written; check it and re-run (or set UPDATE_SNAPSHOTS=1)`);
    return;
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `SVG differs from snapshot ${name} (UPDATE_SNAPSHOTS=1 to accept)`);
}
