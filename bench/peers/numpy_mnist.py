"""Peer benchmark: the book's approach in numpy (Affine/ReLU/SoftmaxWithLoss layers with np.dot,
its SGD and Adam update rules), one BLAS thread, one epoch of the 5-layer MNIST net; prints samples/s.
Written for this benchmark in the book's style (chapter 5-6), not copied from its repository."""
import time

import numpy as np

from mnist_common import BATCH, SIZES, args, load_train, report_blas

data_dir, optimizer_name, samples = args()
x, y = load_train(data_dir)
x, y = x[:samples], y[:samples]
rng = np.random.default_rng(0)
W = [rng.standard_normal((SIZES[i], SIZES[i + 1])).astype(np.float32) * np.sqrt(2.0 / SIZES[i]) for i in range(len(SIZES) - 1)]
b = [np.zeros(SIZES[i + 1], dtype=np.float32) for i in range(len(SIZES) - 1)]
params = W + b
m = [np.zeros_like(p) for p in params]
v = [np.zeros_like(p) for p in params]
t = 0


def step(xb, yb):
    global t
    acts = [xb]
    for i in range(len(W)):
        a = acts[-1] @ W[i] + b[i]
        acts.append(np.maximum(a, 0) if i < len(W) - 1 else a)
    logits = acts[-1]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    dy = p
    dy[np.arange(len(yb)), yb] -= 1
    dy /= len(yb)
    dW, db = [None] * len(W), [None] * len(W)
    for i in reversed(range(len(W))):
        dW[i] = acts[i].T @ dy
        db[i] = dy.sum(axis=0)
        if i > 0:
            dy = (dy @ W[i].T) * (acts[i] > 0)
    grads = dW + db
    if optimizer_name == "sgd":
        for prm, g in zip(params, grads):
            prm -= 0.01 * g
    else:
        t += 1
        lr_t = 1e-3 * np.sqrt(1.0 - 0.999**t) / (1.0 - 0.9**t)
        for prm, g, mi, vi in zip(params, grads, m, v):
            mi += (1 - 0.9) * (g - mi)
            vi += (1 - 0.999) * (g**2 - vi)
            prm -= lr_t * mi / (np.sqrt(vi) + 1e-7)


perm = rng.permutation(samples)
start = time.perf_counter()
for i in range(0, samples, BATCH):
    idx = perm[i : i + BATCH]
    step(x[idx], y[idx])
elapsed = time.perf_counter() - start
report_blas()
print(f"{samples / elapsed:.0f}")
