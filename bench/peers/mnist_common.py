"""Shared by the peer benchmarks: read MNIST IDX files, the book's 5-layer net shape, timing."""
import struct
import sys

import numpy as np

SIZES = [784, 100, 100, 100, 100, 10]
BATCH = 128


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    assert zero == 0 and dtype == 0x08, f"{path}: not an unsigned-byte IDX file"
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_train(data_dir):
    x = read_idx(f"{data_dir}/train-images-idx3-ubyte").reshape(-1, 784).astype(np.float32) / 255.0
    y = read_idx(f"{data_dir}/train-labels-idx1-ubyte").astype(np.int64)
    return x, y


def report_blas():
    """Prints to stderr which BLAS library this process loaded (reference BLAS is ~10x slower)."""
    with open("/proc/self/maps") as maps:
        paths = sorted({line.split()[-1] for line in maps if "blas" in line.split()[-1]})
    print("blas: " + (", ".join(paths) if paths else "none loaded"), file=sys.stderr)


def args():
    # usage: script.py DATA_DIR OPTIMIZER(sgd|adam) [SAMPLES]
    data_dir, optimizer = sys.argv[1], sys.argv[2]
    samples = int(sys.argv[3]) if len(sys.argv) > 3 else 60000
    return data_dir, optimizer, samples
