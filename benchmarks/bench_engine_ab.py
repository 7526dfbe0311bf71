"""A single run's minibatch-loop time under two copies of nnexp: did a change slow it?

Each configuration trains with ``Trainer`` in a fresh subprocess per tree, the trees
alternating round by round so drifting machine load hits both; the time is the CPU time
of ``Trainer.run`` (one BLAS thread, so CPU time is the loop's time without the waits a
shared machine adds), the minimum over the rounds (the least disturbed), with the
median beside it.

    python benchmarks/bench_engine_ab.py --trees /tmp/before,. [--rounds 5]

A tree is a folder holding the ``nnexp`` package (``git archive <commit> nnexp | tar -x
-C /tmp/before`` makes one for an older commit).  Configurations: the quickstart shape
(784-100-10, relu, softmax + cross-entropy, SGD) at batch 10 and 128 in float32 and
float64; 784-100-10 with Adam, dropout 0.2 and L2 at batch 32; the E1 shape (2-4-3,
batch 1, 4 samples, thousands of epochs) with SGD and with Adam, where per-step
Python overhead is everything.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

CONFIGS: dict[str, dict] = {
    "784-100-10 sgd b10 f32": dict(
        sizes=[784, 100, 10], batch=10, dtype="float32", n=6000, epochs=2,
        opt={"name": "sgd", "lr": 0.01},
    ),
    "784-100-10 sgd b10 f64": dict(
        sizes=[784, 100, 10], batch=10, dtype="float64", n=6000, epochs=2,
        opt={"name": "sgd", "lr": 0.01},
    ),
    "784-100-10 sgd b128 f32": dict(
        sizes=[784, 100, 10], batch=128, dtype="float32", n=30000, epochs=2,
        opt={"name": "sgd", "lr": 0.01},
    ),
    "784-100-10 adam+dropout+l2 b32 f32": dict(
        sizes=[784, 100, 10], batch=32, dtype="float32", n=12000, epochs=2,
        opt={"name": "adam", "lr": 0.001}, dropout=0.2, reg={"name": "l2", "lam": 1e-4},
    ),
    "2-4-3 sgd b1 (E1)": dict(
        sizes=[2, 4, 3], batch=1, dtype="float64", n=4, epochs=3000,
        opt={"name": "sgd", "lr": 0.1},
    ),
    "2-4-3 adam b1 (E1)": dict(
        sizes=[2, 4, 3], batch=1, dtype="float64", n=4, epochs=3000,
        opt={"name": "adam", "lr": 0.01},
    ),
}  # fmt: skip


def worker(name: str) -> None:
    """Run one configuration with the nnexp on sys.path; print its seconds."""
    import numpy as np
    import threadpoolctl

    from nnexp.engine.losses import LOSSES
    from nnexp.engine.network import build_network
    from nnexp.engine.optimizers import OPTIMIZERS
    from nnexp.engine.regularizers import REGULARIZERS
    from nnexp.training.trainer import Trainer

    cfg = CONFIGS[name]
    rng = np.random.default_rng(0)
    n, sizes = cfg["n"], cfg["sizes"]
    x = rng.random((n, sizes[0])).astype(cfg["dtype"])
    labels = rng.integers(0, sizes[-1], n)
    y = np.eye(sizes[-1], dtype=cfg["dtype"])[labels]
    net = build_network(
        sizes,
        activation="relu",
        output_activation="softmax",
        dropout=cfg.get("dropout", 0.0),
        rng=0,
        dtype=cfg["dtype"],
    )
    splits = SimpleNamespace(
        train=SimpleNamespace(x=x, y=y, labels=labels), val=None, test=None
    )
    reg = cfg.get("reg")
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        trainer = Trainer(
            net,
            splits,
            loss=LOSSES.build("cross_entropy"),
            optimizer=OPTIMIZERS.build(dict(cfg["opt"])),
            regularizer=None if reg is None else REGULARIZERS.build(dict(reg)),
            epochs=cfg["epochs"],
            batch_size=cfg["batch"],
            rngs=0,
        )
        t0 = time.process_time()
        trainer.run()
        print(json.dumps(time.process_time() - t0))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trees", required=True, help="two folders holding nnexp, a,b")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker)
        return
    trees = [str(Path(t).resolve()) for t in args.trees.split(",")]
    info = subprocess.run(
        [sys.executable, "-c", "import threadpoolctl, numpy; numpy.ones(1);"
         " print([(i['internal_api'], i.get('architecture'), i['num_threads'])"
         " for i in threadpoolctl.threadpool_info()])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    print(f"BLAS (as found; the runs use 1 thread): {info}")
    print(f"{'configuration':38} " + " ".join(f"{Path(t).name:>12}" for t in trees))
    for name in args.configs.split(","):
        times: dict[str, list[float]] = {t: [] for t in trees}
        for _ in range(args.rounds):
            for tree in trees:
                env = {**os.environ, "PYTHONPATH": tree}
                out = subprocess.run(
                    [sys.executable, __file__, "--trees", "-", "--worker", name],
                    capture_output=True,
                    text=True,
                    env=env,
                    check=True,
                ).stdout
                times[tree].append(json.loads(out))
        mins = [min(times[t]) for t in trees]
        medians = [statistics.median(times[t]) for t in trees]
        print(
            f"{name:38} "
            + " ".join(f"{m:11.3f}s" for m in mins)
            + f"   ratio of minima {mins[-1] / mins[0]:.3f}"
            + f", of medians {medians[-1] / medians[0]:.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
