"""The reference: a minimal hand-written NumPy training loop for 784-100-10.

relu hidden layer, softmax output with cross-entropy, plain SGD; preallocated
activation and gradient buffers, in-place updates.  It does the per-step work any run
must do and nothing more: the batch's cross-entropy (log-sum-exp form) accumulated
into the epoch's loss, a finiteness check of that loss, and the predicted classes
(argmax into a preallocated array) for the epoch's accuracy.  nnexp's trainer is
measured against this loop (benchmarks/bench_epoch.py).
"""

from __future__ import annotations

import math

import numpy as np


class HandwrittenMLP:
    def __init__(
        self, sizes: tuple[int, int, int], dtype: np.dtype, rng: np.random.Generator
    ):
        n_in, n_hid, n_out = sizes
        self.W1 = (
            rng.standard_normal((n_in, n_hid)) * np.sqrt(2 / (n_in + n_hid))
        ).astype(dtype)
        self.b1 = np.zeros(n_hid, dtype)
        self.W2 = (
            rng.standard_normal((n_hid, n_out)) * np.sqrt(2 / (n_hid + n_out))
        ).astype(dtype)
        self.b2 = np.zeros(n_out, dtype)
        self.gW1, self.gb1 = np.empty_like(self.W1), np.empty_like(self.b1)
        self.gW2, self.gb2 = np.empty_like(self.W2), np.empty_like(self.b2)

    def epoch(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        labels: np.ndarray,
        lr: float,
        batch: int,
        rng: np.random.Generator,
    ) -> tuple[float, float]:
        """One shuffled pass; returns the epoch's (mean loss, accuracy)."""
        n, dt = len(X), X.dtype
        n_hid, n_out = self.W1.shape[1], self.W2.shape[1]
        z1_buf = np.empty((batch, n_hid), dt)
        a1_buf = np.empty((batch, n_hid), dt)
        z2_buf = np.empty((batch, n_out), dt)
        d1_buf = np.empty((batch, n_hid), dt)
        W1, b1, W2, b2 = self.W1, self.b1, self.W2, self.b2
        gW1, gb1, gW2, gb2 = self.gW1, self.gb1, self.gW2, self.gb2
        order = rng.permutation(n)
        preds = np.empty(n, np.int64)
        loss_sum = 0.0
        for start in range(0, n, batch):
            stop = min(start + batch, n)
            idx = order[start:stop]
            m = stop - start
            x, y = X[idx], Y[idx]
            z1, a1, z2, d1 = z1_buf[:m], a1_buf[:m], z2_buf[:m], d1_buf[:m]
            np.matmul(x, W1, out=z1)
            z1 += b1
            np.maximum(z1, 0, out=a1)
            np.matmul(a1, W2, out=z2)
            z2 += b2
            np.argmax(z2, axis=1, out=preds[start:stop])
            # cross-entropy per row: max + log Σ exp(z − max) − y·z
            zmax = z2.max(axis=1, keepdims=True)
            rows = zmax[:, 0] - np.einsum("ij,ij->i", z2, y)
            z2 -= zmax
            np.exp(z2, out=z2)
            s = z2.sum(axis=1, keepdims=True)
            rows += np.log(s[:, 0])
            value = float(np.sum(rows, dtype=np.float64)) / m
            if not math.isfinite(value):
                raise FloatingPointError(f"non-finite loss at sample {start}")
            loss_sum += value * m
            z2 /= s
            z2 -= y
            z2 *= 1.0 / m
            np.matmul(a1.T, z2, out=gW2)
            np.add.reduce(z2, axis=0, out=gb2)
            np.matmul(z2, W2.T, out=d1)
            d1 *= z1 > 0
            np.matmul(x.T, d1, out=gW1)
            np.add.reduce(d1, axis=0, out=gb1)
            for p, g in ((W1, gW1), (b1, gb1), (W2, gW2), (b2, gb2)):
                g *= lr
                p -= g
        return loss_sum / n, float(np.mean(preds == labels[order]))
