"""Seconds per epoch of the minibatch loop: nnexp vs hand-written NumPy (vs PyTorch).

784-100-10, relu hidden, softmax + cross-entropy, plain SGD (lr 0.01), 60,000 samples
(the full Fashion-MNIST training set when installed, else random data of that shape),
batch sizes 10, 32, 128, 512, float32 and float64.  nnexp's ``train_seconds`` and the
same loop written by hand (benchmarks/handwritten.py: the same per-step work, loss and
accuracy accumulated and a finiteness check) run as interleaved pairs in one process,
so drifting machine load hits both; the table gives each side's median and the median
of the per-pair ratios.  PyTorch joins when it is importable.

    python benchmarks/bench_epoch.py [--pairs 5] [--batches 10,32,128,512]
        [--dtypes float32,float64] [--threads 1]

BLAS runs with --threads threads (threadpoolctl); the kernel and thread count are
printed with the table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from handwritten import HandwrittenMLP  # noqa: E402

from nnexp.engine.losses import LOSSES  # noqa: E402
from nnexp.engine.network import build_network  # noqa: E402
from nnexp.engine.optimizers import OPTIMIZERS  # noqa: E402
from nnexp.training.trainer import Trainer  # noqa: E402


def load_data(dtype: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    try:
        from nnexp.data import load_dataset

        splits, info = load_dataset(
            {"name": "fashion_mnist", "validation": None},
            seed_rng=np.random.default_rng(0),
            dtype=dtype,
        )
        return (
            splits.train.x,
            splits.train.y,
            splits.train.labels,
            "Fashion-MNIST train (60,000)",
        )
    except Exception as err:  # not installed: random data of the same shape
        rng = np.random.default_rng(0)
        labels = rng.integers(0, 10, 60000)
        x = rng.random((60000, 784)).astype(dtype)
        return (
            x,
            np.eye(10, dtype=dtype)[labels],
            labels,
            f"random 60,000×784 ({err.__class__.__name__})",
        )


def time_nnexp(x, y, labels, batch: int, dtype: str, epochs: int) -> list[float]:
    net = build_network(
        [784, 100, 10],
        activation="relu",
        output_activation="softmax",
        rng=0,
        dtype=dtype,
    )
    splits = SimpleNamespace(
        train=SimpleNamespace(x=x, y=y, labels=labels), val=None, test=None
    )
    trainer = Trainer(
        net,
        splits,
        loss=LOSSES.build("cross_entropy"),
        optimizer=OPTIMIZERS.build({"name": "sgd", "lr": 0.01}),
        epochs=epochs,
        batch_size=batch,
        rngs=0,
    )
    result = trainer.run()
    return [row["train_seconds"] for row in result.history.rows]


def time_handwritten(x, y, labels, batch: int, dtype: str, epochs: int) -> list[float]:
    rng = np.random.default_rng(0)
    mlp = HandwrittenMLP((784, 100, 10), np.dtype(dtype), rng)
    out = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        mlp.epoch(x, y, labels, 0.01, batch, rng)
        out.append(time.perf_counter() - t0)
    return out


def time_torch(x, labels, batch: int, dtype: str, epochs: int) -> list[float] | None:
    try:
        import torch
    except ImportError:
        return None
    tdt = torch.float32 if dtype == "float32" else torch.float64
    X, L = torch.from_numpy(x).to(tdt), torch.from_numpy(labels)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10)
    ).to(tdt)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    lossf = torch.nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(0)
    out = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        order = torch.randperm(len(X), generator=g)
        for s in range(0, len(X), batch):
            idx = order[s : s + batch]
            opt.zero_grad(set_to_none=True)
            lossf(model(X[idx]), L[idx]).backward()
            opt.step()
        out.append(time.perf_counter() - t0)
    return out


def blas_line() -> str:
    """Which BLAS library, kernel and thread count this process runs with."""
    parts = [
        f"{pool.get('internal_api')} {pool.get('version')}, kernel"
        f" {pool.get('architecture')}, {pool.get('num_threads')} thread(s)"
        for pool in threadpool_info()
        if pool.get("user_api") == "blas"
    ]
    return "; ".join(parts) or "no BLAS found by threadpoolctl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=5, help="epochs of each, interleaved")
    ap.add_argument("--batches", default="10,32,128,512")
    ap.add_argument("--dtypes", default="float32,float64")
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads")
    args = ap.parse_args()
    with threadpool_limits(args.threads, user_api="blas"):
        table(args)


def table(args: argparse.Namespace) -> None:
    batches = [int(b) for b in args.batches.split(",")]
    print(f"BLAS: {blas_line()}")
    print(
        f"{'dtype':8} {'batch':>5} {'hand-written':>12} {'nnexp':>8}"
        f" {'ratio':>6} {'torch':>8}"
    )
    worst, source = 0.0, ""
    for dtype in args.dtypes.split(","):
        x, y, labels, source = load_data(dtype)
        for batch in batches:
            hw, nx = [], []
            for _ in range(args.pairs):  # interleaved pairs
                hw += time_handwritten(x, y, labels, batch, dtype, 1)
                nx += time_nnexp(x, y, labels, batch, dtype, 1)
            th = time_torch(x, labels, batch, dtype, args.pairs)
            h, n = statistics.median(hw), statistics.median(nx)
            ratio = statistics.median(b / a for a, b in zip(hw, nx, strict=True))
            worst = max(worst, ratio)
            t = f"{statistics.median(th):8.3f}" if th else "       -"
            print(
                f"{dtype:8} {batch:5d} {h:12.3f} {n:8.3f} {ratio:6.3f} {t}",
                flush=True,
            )
    print(
        f"data: {source}; seconds per epoch (medians of {args.pairs}); ratio ="
        f" median of the per-pair nnexp / hand-written; worst {worst:.3f}"
    )
    print(f"BLAS: {blas_line()}")


if __name__ == "__main__":
    main()
