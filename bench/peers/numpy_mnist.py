"""Peer benchmark: the book's approach in numpy (Affine/ReLU/SoftmaxWithLoss layers with np.dot,
its SGD and Adam update rules), one BLAS thread, one epoch of the 5-layer MNIST net; prints samples/s.
Written for this benchmark in the book's style (chapters 5-6), not copied from its repository.

PARAMS=float64 (default) does the work the book's MultiLayerNet does: parameters are float64 (its
`scale * np.random.randn(...)` and `np.zeros(...)`) while the inputs are float32 (its load_mnist), so
every product runs in double; every Affine layer computes dx, the first one too; and the loss adds the
weight-decay term Σ 0.5·λ·ΣW² (λ = 0) each step. PARAMS=float32 is the same network without those
costs: float32 parameters, no dx for the input layer, no weight-decay term."""
import os
import time

import numpy as np

from mnist_common import BATCH, SIZES, args, load_train, report_blas

data_dir, optimizer_name, samples = args()
book = os.environ.get("PARAMS", "float64") == "float64"
dtype = np.float64 if book else np.float32
x, y = load_train(data_dir)
x, y = x[:samples], y[:samples]
rng = np.random.default_rng(0)
W = [(np.sqrt(2.0 / SIZES[i]) * rng.standard_normal((SIZES[i], SIZES[i + 1]))).astype(dtype) for i in range(len(SIZES) - 1)]
b = [np.zeros(SIZES[i + 1], dtype=dtype) for i in range(len(SIZES) - 1)]
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
    if book:
        weight_decay = sum(0.5 * 0.0 * np.sum(w**2) for w in W)  # the book's loss computes it at λ = 0 too
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    dy = p
    dy[np.arange(len(yb)), yb] -= 1
    dy /= len(yb)
    dW, db = [None] * len(W), [None] * len(W)
    for i in reversed(range(len(W))):
        dW[i] = acts[i].T @ dy
        db[i] = dy.sum(axis=0)
        if i > 0 or book:
            dx = dy @ W[i].T
            dy = dx * (acts[i] > 0) if i > 0 else dx
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
