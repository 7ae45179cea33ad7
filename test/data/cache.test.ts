// The user cache folder (issue #16): $NTK_CACHE, else $XDG_CACHE_HOME/ntk-lab, else ~/.cache/ntk-lab — never inside
// the installed package; the dataset cache is its datasets/ folder, and an explicit cacheDir wins.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { datasetCacheDir, userCacheDir } from '../../src/data/paths.js';

const CLI = resolve(import.meta.dirname, '../../dist/cli/main.js');

describe('user cache folder', () => {
  it('NTK_CACHE, then XDG_CACHE_HOME/ntk-lab, then ~/.cache/ntk-lab', () => {
    assert.equal(userCacheDir({ NTK_CACHE: '/a/b', XDG_CACHE_HOME: '/x', HOME: '/h' }), '/a/b');
    assert.equal(userCacheDir({ XDG_CACHE_HOME: '/x', HOME: '/h' }), '/x/ntk-lab');
    assert.equal(userCacheDir({ HOME: '/h' }), '/h/.cache/ntk-lab');
    assert.equal(userCacheDir({ NTK_CACHE: '', XDG_CACHE_HOME: '', HOME: '/h' }), '/h/.cache/ntk-lab');
  });
  it('the dataset cache is <user cache>/datasets unless an explicit folder is given', () => {
    assert.equal(datasetCacheDir('/some/where'), '/some/where');
    assert.equal(datasetCacheDir(), join(userCacheDir(), 'datasets'));
    assert.ok(!datasetCacheDir().includes('node_modules'));
  });
  it('the CLI reads and fills the NTK_CACHE folder', () => {
    const seed = process.env.NTK_CACHE ? join(process.env.NTK_CACHE, 'datasets', 'sklearn') : '';
    if (!seed || !existsSync(join(seed, 'iris.csv'))) return; // no sklearn files on this machine (setup-data.sh)
    const dir = mkdtempSync(join(tmpdir(), 'ntk-cache-'));
    try {
      cpSync(join(seed, 'iris.csv'), join(dir, 'datasets', 'sklearn', 'iris.csv'), { recursive: true });
      const r = spawnSync(process.execPath, [CLI, 'data', 'describe', 'iris', '--json'], {
        encoding: 'utf8',
        env: { ...process.env, NTK_CACHE: dir },
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout) as { n: number }).n, 150);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
