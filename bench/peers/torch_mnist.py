"""Peer benchmark: PyTorch CPU, one thread, one epoch of the book's 5-layer MNIST net; prints samples/s."""
import time

import torch

from mnist_common import BATCH, SIZES, args, load_train, report_blas

torch.set_num_threads(1)
data_dir, optimizer_name, samples = args()
x, y = load_train(data_dir)
x, y = torch.from_numpy(x[:samples]), torch.from_numpy(y[:samples])
torch.manual_seed(0)
layers = []
for i in range(len(SIZES) - 1):
    layers.append(torch.nn.Linear(SIZES[i], SIZES[i + 1]))
    if i < len(SIZES) - 2:
        layers.append(torch.nn.ReLU())
net = torch.nn.Sequential(*layers)
opt = torch.optim.SGD(net.parameters(), lr=0.01) if optimizer_name == "sgd" else torch.optim.Adam(net.parameters(), lr=1e-3)
loss_fn = torch.nn.CrossEntropyLoss()
perm = torch.randperm(samples)
start = time.perf_counter()
for i in range(0, samples, BATCH):
    idx = perm[i : i + BATCH]
    opt.zero_grad()
    loss = loss_fn(net(x[idx]), y[idx])
    loss.backward()
    opt.step()
elapsed = time.perf_counter() - start
report_blas()
print(f"{samples / elapsed:.0f}")
