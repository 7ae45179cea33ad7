import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ntk, ntkChild, tempDir } from './helpers.js';

/** Files of a cache folder that mark finished units. */
function finishedUnits(cacheDir: string): number {
  if (!existsSync(cacheDir)) return 0;
  let k = 0;
  for (const d of readdirSync(cacheDir)) {
    const sub = join(cacheDir, d);
    if (d.length === 2 && existsSync(sub)) k += readdirSync(sub).filter((f) => f.endsWith('.meta.json')).length;
  }
  return k;
}

function folderText(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  );
}

describe('SIGINT and resume', () => {
  it('an interrupted run resumes and ends with results byte-identical to an uninterrupted run', async () => {
    const dir = tempDir();
    const cfg = join(dir, 'sweep.yaml');
    // Units grow with n, so after the first (small) unit there is plenty of work left to interrupt.
    writeFileSync(
      cfg,
      [
        'preset: spectrum-demo',
        'name: interrupt-test',
        'seed: 11',
        'sweep:',
        '  n: [120, 900, 1000, 1100, 1200]',
        '  seeds: [0]',
        'params:',
        '  dim: 6',
        '  fitTo: 100',
        '',
      ].join('\n'),
    );
    const resumed = join(dir, 'resumed');
    const child = ntkChild(['run', cfg, '--out', resumed]);
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const exit = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    // Wait until the first unit is in the cache, then interrupt.
    const cacheDir = join(resumed, 'cache');
    for (let t = 0; finishedUnits(cacheDir) === 0; t++) {
      if (child.exitCode !== null) assert.fail(`the run ended before the first unit was cached: ${stderr}`);
      if (t > 30000) assert.fail('no unit was cached within 10 minutes');
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGINT');
    const code = await exit;
    assert.equal(code, 130, `exit code after SIGINT (stderr: ${stderr})`);
    assert.match(
      stderr,
      /interrupted; \d+ unit\(s\) finished in this session are kept in .*cache\. Resume with the same command/,
    );
    const done = finishedUnits(cacheDir);
    assert.ok(done >= 1 && done < 5, `${done} of 5 units finished before the interrupt`);
    const status = JSON.parse(readFileSync(join(resumed, 'config.json'), 'utf8')) as { run: { status: string } };
    assert.equal(status.run.status, 'interrupted');
    assert.equal(existsSync(join(resumed, 'report.html')), false, 'no report for an unfinished run');

    // Resume: the same command completes, reusing the finished units.
    const again = ntk(['run', cfg, '--out', resumed]);
    assert.equal(again.status, 0, again.stderr);
    const m = /cache: (\d+) unit\(s\) reused, (\d+) computed/.exec(again.stdout);
    assert.ok(m, again.stdout);
    assert.equal(Number(m[1]), done);
    assert.equal(Number(m[1]) + Number(m[2]), 5);

    // An uninterrupted run of the same config in a fresh folder (own cache).
    const fresh = join(dir, 'fresh');
    const ref = ntk(['run', cfg, '--out', fresh]);
    assert.equal(ref.status, 0, ref.stderr);
    assert.match(ref.stdout, /cache: 0 unit\(s\) reused, 5 computed/);

    const a = folderText(join(resumed, 'results'));
    const b = folderText(join(fresh, 'results'));
    assert.deepEqual(Object.keys(a), ['spectrum.json', 'summary.json', 'units.json']);
    for (const f of Object.keys(b))
      assert.ok(a[f] === b[f], `results/${f} differs between the resumed and the uninterrupted run`);
    const fa = folderText(join(resumed, 'figures'));
    const fb = folderText(join(fresh, 'figures'));
    for (const f of Object.keys(fb)) assert.ok(fa[f] === fb[f], `figures/${f} differs`);
  });
});
