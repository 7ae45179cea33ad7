// `ntk empirical --params DIR` (issue #16): parameters loaded from the --params-out format.
// - round trip: --params-out of seed 3, loaded back, gives the seed-3 kernel bit for bit;
// - numpy: an MLP whose weights numpy drew (PyTorch layout, standard parameterization) has the empirical NTK numpy
//   computes from its explicit Jacobian;
// - PyTorch (when /usr/bin/python3 has torch): a torch MLP and CNN exported by examples/torch_export.py have the
//   empirical NTK torch computes for its own model (functorch vmap(jacrev));
// - a manifest that does not describe the network is refused (exit 2) naming the field.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { readMatrixNpy, writeNpy } from '../../src/io/index.js';
import { Rng } from '../../src/util/random.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/cli/main.js');
const PY = '/usr/bin/python3';
const hasNumpy = spawnSync(PY, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
const hasTorch = spawnSync(PY, ['-c', 'import torch, functorch'], { encoding: 'utf8' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'ntk-params-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ntk = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8' });

function maxRel(a: Float64Array, b: Float64Array): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  assert.ok(scale > 0);
  return err / scale;
}

describe('ntk empirical --params DIR', () => {
  writeNpy(join(dir, 'X.npy'), new Rng(1).normals(6 * 5), [6, 5]);

  it('loads what --params-out wrote: the same kernel, bit for bit, whatever --seed says', () => {
    const arch = 'dense(12,bstd=0.5),relu,dense(7,wstd=1.3),tanh,dense(3,bstd=1)';
    const a = ntk([
      'empirical',
      '--arch',
      arch,
      '--x',
      'X.npy',
      '--seed',
      '3',
      '--out',
      'K3.npy',
      '--params-out',
      'p3',
    ]);
    assert.equal(a.status, 0, a.stderr);
    const b = ntk(['empirical', '--params', 'p3', '--x', 'X.npy', '--out', 'Kp.npy']); // --arch from the manifest
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /\(parameters from p3\)/);
    assert.deepEqual(readFileSync(join(dir, 'Kp.npy')), readFileSync(join(dir, 'K3.npy')));
    const c = ntk(['empirical', '--arch', arch, '--x', 'X.npy', '--seed', '4', '--out', 'K4.npy']);
    assert.equal(c.status, 0);
    assert.notDeepEqual(readFileSync(join(dir, 'K4.npy')), readFileSync(join(dir, 'K3.npy')), 'the seed matters');
  });

  it('refuses a manifest that does not describe the network, naming the field', () => {
    const r = ntk([
      'empirical',
      '--arch',
      'dense(12,bstd=0.5),relu,dense(3)',
      '--params',
      'p3',
      '--x',
      'X.npy',
      '--out',
      'e.npy',
    ]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /manifest\.json: arch must be 'dense\(12,bstd=0\.5\),relu,dense\(3\)'/);
    const m = JSON.parse(readFileSync(join(dir, 'p3/manifest.json'), 'utf8')) as { layers: { W: { file: string } }[] };
    m.layers[1].W.file = m.layers[0].W.file; // a W of the wrong shape
    writeFileSync(join(dir, 'p3/manifest.json'), JSON.stringify(m));
    const s = ntk(['empirical', '--params', 'p3', '--x', 'X.npy', '--out', 'e.npy']);
    assert.equal(s.status, 2);
    assert.match(s.stderr, /layers\[1\]\.W shape .* must be \[7,12\]/);
    const t = ntk(['empirical', '--params', 'nowhere', '--x', 'X.npy', '--out', 'e.npy']);
    assert.equal(t.status, 2);
    assert.match(t.stderr, /nowhere\/manifest\.json/);
  });

  it('an MLP drawn by numpy: the NTK of its explicit Jacobian', { skip: hasNumpy ? false : 'no numpy' }, () => {
    const py = `
import json, numpy as np
r = np.random.default_rng(5)
X = np.load('${dir}/X.npy'); n, d = X.shape; h = 9
W1, b1, W2, b2 = r.normal(size=(h, d)), r.normal(size=h), r.normal(size=(1, h)), r.normal(size=1)
for k, a in {'W1': W1, 'b1': b1, 'W2': W2, 'b2': b2}.items(): np.save('${dir}/np_%s.npy' % k, a)
json.dump({'format': 'ntk-lab-params/1', 'arch': 'dense(%d,bstd=1),erf,dense(1,bstd=1)' % h, 'inputShape': [d],
  'outputShape': [1], 'param': 'standard', 'seed': None, 'layout': 'numpy', 'layers': [
  {'index': 0, 'path': '0', 'kind': 'dense', 'W': {'file': 'np_W1.npy', 'shape': [h, d]}, 'b': {'file': 'np_b1.npy', 'shape': [h]}},
  {'index': 1, 'path': '2', 'kind': 'dense', 'W': {'file': 'np_W2.npy', 'shape': [1, h]}, 'b': {'file': 'np_b2.npy', 'shape': [1]}}]},
  open('${dir}/np_manifest.json', 'w'))
# f(x) = W2 erf(W1 x + b1) + b2: J = [dW1 = (W2ᵀ ⊙ erf'(z)) xᵀ, db1 = W2ᵀ ⊙ erf'(z), dW2 = erf(z), db2 = 1]
from math import erf, pi
z = X @ W1.T + b1
g = 2 / np.sqrt(pi) * np.exp(-z * z) * W2[0]
a = np.vectorize(erf)(z)
J = np.concatenate([(g[:, :, None] * X[:, None, :]).reshape(n, -1), g, a, np.ones((n, 1))], axis=1)
np.save('${dir}/np_K.npy', J @ J.T)
`;
    const p = spawnSync(PY, ['-c', py], { encoding: 'utf8' });
    assert.equal(p.status, 0, p.stderr);
    const pd = join(dir, 'np');
    spawnSync('mkdir', ['-p', pd]);
    for (const f of ['W1', 'b1', 'W2', 'b2'])
      writeFileSync(join(pd, `np_${f}.npy`), readFileSync(join(dir, `np_${f}.npy`)));
    writeFileSync(join(pd, 'manifest.json'), readFileSync(join(dir, 'np_manifest.json')));
    const r = ntk(['empirical', '--params', 'np', '--x', 'X.npy', '--out', 'Knp.npy']);
    assert.equal(r.status, 0, r.stderr);
    const rel = maxRel(readMatrixNpy(join(dir, 'Knp.npy')).data, readMatrixNpy(join(dir, 'np_K.npy')).data);
    assert.ok(rel < 1e-12, `relative error ${rel}`);
  });

  it(
    'torch models exported by examples/torch_export.py: the NTK torch computes for its own model',
    { skip: hasTorch ? false : `${PY} has no torch/functorch` },
    () => {
      const py = `
import sys, numpy as np, torch, torch.nn as nn
sys.path.insert(0, '${join(ROOT, 'examples')}')
from torch_export import export
from functorch import make_functional, vmap, jacrev
torch.set_default_dtype(torch.float64)
torch.manual_seed(0)
models = {
  'mlp': (nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 8, bias=False), nn.GELU(), nn.Linear(8, 2)), (5,)),
  'cnn': (nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 3, 3, stride=2), nn.Tanh(),
                        nn.Flatten(), nn.Linear(3 * 3 * 2, 6), nn.ReLU(), nn.Linear(6, 2)), (2, 8, 6)),
  'gap': (nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2), nn.Conv2d(4, 4, 3, padding=1),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 1)), (1, 6, 6)),
}
for name, (model, shape) in models.items():
    export(model, shape, '${dir}/torch_' + name)
    x = torch.randn(4, *shape)
    fn, params = make_functional(model)
    jac = vmap(jacrev(lambda p, xi: fn(p, xi[None])[0]), (None, 0))(params, x)
    J = torch.cat([j.reshape(j.shape[0], j.shape[1], -1) for j in jac], dim=2)   # n, O, P
    K = torch.einsum('iop,jop->ij', J, J) / J.shape[1]                              # trace: mean over logits
    xn = x.numpy() if x.dim() == 2 else x.permute(0, 2, 3, 1).numpy()               # NHWC for ntk-lab
    np.save('${dir}/torch_%s_x.npy' % name, np.ascontiguousarray(xn))
    np.save('${dir}/torch_%s_K.npy' % name, K.detach().numpy())
`;
      const p = spawnSync(PY, ['-c', py], { encoding: 'utf8' });
      assert.equal(p.status, 0, p.stderr);
      for (const name of ['mlp', 'cnn', 'gap']) {
        const r = ntk([
          'empirical',
          '--params',
          `torch_${name}`,
          '--x',
          `torch_${name}_x.npy`,
          '--out',
          `tK_${name}.npy`,
        ]);
        assert.equal(r.status, 0, `${name}: ${r.stderr}`);
        const rel = maxRel(
          readMatrixNpy(join(dir, `tK_${name}.npy`)).data,
          readMatrixNpy(join(dir, `torch_${name}_K.npy`)).data,
        );
        assert.ok(rel < 1e-10, `${name}: relative error ${rel}`);
      }
    },
  );
});
