import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { empirical } from '../../src/cli/empirical.js';
import { readMatrixNpy, writeNpy } from '../../src/io/index.js';
import { Rng } from '../../src/util/random.js';

const PY = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./torch_ntk.py', import.meta.url));
const hasTorch = spawnSync(PY, ['-c', 'import torch, functorch'], { encoding: 'utf8' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'ntk-torch-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const CASES: { name: string; arch: string; shape: number[]; param?: string; outputs?: string; cross?: boolean }[] = [
  {
    name: 'MLP, every activation, biases, a frozen layer',
    arch: 'dense(12,bstd=0.5),relu,dense(10,wstd=1.3),erf,dense(9,frozen,bstd=0.2),tanh,dense(8),gelu,dense(7),abrelu(-0.2,1.1),dense(3,bstd=1)',
    shape: [6],
  },
  {
    name: 'MLP, standard parameterization, full outputs, cross kernel',
    arch: 'dense(16,wstd=1.5,bstd=0.3),relu,dense(3,bstd=0.1)',
    shape: [5],
    param: 'standard',
    outputs: 'full',
    cross: true,
  },
  {
    name: 'CNN: same/valid, stride 2, avgpool, flatten',
    arch: 'conv(4,3,bstd=0.2),relu,conv(5,3,stride=2,padding=valid),erf,conv(3,2),avgpool(2),flatten,dense(2)',
    shape: [9, 8, 2],
  },
  {
    name: 'CNN: same padding with stride 2 (asymmetric pad) + gap, full outputs',
    arch: 'conv(4,3,stride=2),gelu,conv(4,2,stride=2,bstd=0.3),relu,gap,dense(3)',
    shape: [7, 6, 3],
    outputs: 'full',
  },
  {
    name: 'ResNet, standard parameterization, cross kernel',
    arch: 'conv(4,3),residual(relu,conv(4,3,bstd=0.2),relu,conv(4,3)),avgpool(2),residual(tanh,conv(4,1,frozen)),gap,dense(2)',
    shape: [6, 6, 1],
    param: 'standard',
    cross: true,
  },
];

describe(
  'empirical NTK agrees with PyTorch (float64, functorch vmap(jacrev)) on networks rebuilt from --params-out',
  { skip: hasTorch ? false : `${PY} has no torch/functorch` },
  () => {
    // Run every case through the CLI, then rebuild all of them in one Python process (one torch import).
    let py: { status: number | null; stderr: string } = { status: null, stderr: '' };
    before(async () => {
      const jobs: string[] = [];
      for (const [k, c] of CASES.entries()) {
        const d = c.shape.reduce((a, b) => a * b, 1);
        const x = join(dir, `x${k}.npy`);
        const x2 = join(dir, `x2_${k}.npy`);
        writeNpy(x, new Rng(100 + k).normals(5 * d), [5, ...c.shape]);
        writeNpy(x2, new Rng(200 + k).normals(3 * d), [3, ...c.shape]);
        const pdir = join(dir, `p${k}`);
        const argv = [
          '--arch',
          c.arch,
          '--x',
          x,
          '--out',
          join(dir, `k${k}.npy`),
          '--params-out',
          pdir,
          '--seed',
          String(k),
          '--param',
          c.param ?? 'ntk',
          '--outputs',
          c.outputs ?? 'trace',
        ];
        if (c.cross) argv.push('--x2', x2);
        assert.equal(await empirical.run(argv), 0);
        jobs.push(
          [pdir, x, join(dir, `ref${k}.npy`), '--outputs', c.outputs ?? 'trace', ...(c.cross ? ['--x2', x2] : [])].join(
            '\t',
          ),
        );
      }
      writeFileSync(join(dir, 'jobs.txt'), `${jobs.join('\n')}\n`);
      py = spawnSync(PY, [SCRIPT, '--batch', join(dir, 'jobs.txt')], { encoding: 'utf8' });
    });
    CASES.forEach((c, k) => {
      it(c.name, () => {
        assert.equal(py.status, 0, py.stderr);
        const out = join(dir, `k${k}.npy`);
        const ref = join(dir, `ref${k}.npy`);
        const K = readMatrixNpy(out);
        const T = readMatrixNpy(ref);
        assert.deepEqual([K.rows, K.cols], [T.rows, T.cols]);
        let err = 0;
        let scale = 0;
        for (let i = 0; i < K.data.length; i++) {
          err = Math.max(err, Math.abs(K.data[i] - T.data[i]));
          scale = Math.max(scale, Math.abs(T.data[i]));
        }
        assert.ok(scale > 0);
        assert.ok(err / scale < 1e-10, `relative error ${err / scale}`);
      });
    });
  },
);
