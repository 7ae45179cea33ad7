"""PyTorch peer for bench/train/run.ts: the same full-batch GD loop, float64, same initial weights (loaded from .npy),
NTK parameterization (forward multiplies by 1/sqrt(fan_in)), no biases, loss = softmax cross-entropy (mean over n)
or MSE ½‖f − y‖²/n. Prints JSON: block times (s per `block` steps), total time, first and last loss."""
import json
import sys
import time

import numpy as np
import torch

args = json.loads(sys.argv[1])
torch.set_num_threads(args["threads"])
X = torch.from_numpy(np.load(args["x"]))
y = torch.from_numpy(np.load(args["y"]).astype(np.int64))
W1 = torch.from_numpy(np.load(args["w1"])).clone().requires_grad_(True)
W2 = torch.from_numpy(np.load(args["w2"])).clone().requires_grad_(True)
s1 = 1.0 / np.sqrt(W1.shape[1])
s2 = 1.0 / np.sqrt(W2.shape[1])
lr = args["lr"]
n = X.shape[0]
Y1 = torch.nn.functional.one_hot(y, W2.shape[0]).to(torch.float64)
losses = []
blocks = []
t0 = time.perf_counter()
tb = t0
for step in range(args["steps"] + 1):
    f = torch.relu(X @ W1.T * s1) @ W2.T * s2
    if args["loss"] == "ce":
        loss = torch.nn.functional.cross_entropy(f, y)
    else:
        loss = 0.5 * ((f - Y1) ** 2).sum() / n
    if step % args["block"] == 0:
        losses.append(loss.item())
        if step > 0:
            now = time.perf_counter()
            blocks.append(now - tb)
            tb = now
    if step == args["steps"]:
        break
    loss.backward()
    with torch.no_grad():
        W1 -= lr * W1.grad
        W2 -= lr * W2.grad
        W1.grad = None
        W2.grad = None
total = time.perf_counter() - t0
print(json.dumps({"blocks": blocks, "total": total, "losses": losses, "torch": torch.__version__,
                  "threads": torch.get_num_threads()}))
