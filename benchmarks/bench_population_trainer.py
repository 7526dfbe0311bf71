"""Seconds per member-epoch: P runs trained one after another vs one population of P.

Two shapes: the quickstart net (784-100-10, relu, softmax + cross-entropy, SGD with
momentum, float32) on 2,000 random samples at batch 10 and 128, and the E1 net (2-4-3,
4 samples, batch 1, 200 epochs), where Python's per-call overhead is everything.  For
each P the members differ in seed and learning rate; "alone" is P ordinary
``Trainer.run`` calls, "population" one ``PopulationTrainer.train``; both include the
per-epoch bookkeeping (validation, metrics rows).  One BLAS thread; wall time, best of
--repeats.  Peak memory is not measured here.

    python benchmarks/bench_population_trainer.py [--sizes 1,2,4,8,16,32,64] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time
from types import SimpleNamespace

import numpy as np
import threadpoolctl

from nnexp.engine import rng as rngmod
from nnexp.engine.losses import LOSSES
from nnexp.engine.network import build_network
from nnexp.engine.optimizers import OPTIMIZERS
from nnexp.training.population import PopulationTrainer
from nnexp.training.trainer import Trainer

SHAPES = {
    "quickstart b10": dict(sizes=[784, 100, 10], n=2000, batch=10, epochs=1),
    "quickstart b128": dict(sizes=[784, 100, 10], n=2000, batch=128, epochs=1),
    "E1 2-4-3 b1": dict(sizes=[2, 4, 3], n=4, batch=1, epochs=200),
}


def data(sizes: list[int], n: int) -> SimpleNamespace:
    rng = np.random.default_rng(0)

    def split(m: int) -> SimpleNamespace:
        x = rng.random((m, sizes[0])).astype("float32")
        labels = rng.integers(0, sizes[-1], m)
        return SimpleNamespace(
            x=x, y=np.eye(sizes[-1], dtype="float32")[labels], labels=labels
        )

    return SimpleNamespace(train=split(n), val=split(max(4, n // 10)), test=None)


def trainers(shape: dict, P: int, splits: SimpleNamespace) -> list[Trainer]:
    out = []
    for p in range(P):
        rngs = rngmod.streams(p)
        net = build_network(
            shape["sizes"],
            output_activation="softmax",
            rng=rngs["init"],
            dtype="float32",
        )
        opt = OPTIMIZERS.build(
            {"name": "sgd", "lr": 0.01 * (1 + p % 5), "momentum": 0.9}
        )
        out.append(
            Trainer(net, splits, loss=LOSSES.build("cross_entropy"), optimizer=opt,
                    epochs=shape["epochs"], batch_size=shape["batch"], rngs=rngs)
        )  # fmt: skip
    return out


def best_of(repeats: int, make, run) -> float:
    """The least wall time of ``run(make())`` (``make`` is not timed)."""
    times = []
    for _ in range(repeats):
        members = make()
        t0 = time.perf_counter()
        run(members)
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,2,4,8,16,32,64")
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    print(
        f"{'shape':16} {'P':>3} {'alone s/member-epoch':>21} {'population':>11} {'speed-up':>8}"
    )
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        for name in args.shapes.split(","):
            shape = SHAPES[name]
            splits = data(shape["sizes"], shape["n"])
            for P in [int(s) for s in args.sizes.split(",")]:
                per = P * shape["epochs"]

                def make(shape=shape, P=P, splits=splits) -> list[Trainer]:
                    return trainers(shape, P, splits)

                alone = best_of(args.repeats, make, lambda ts: [t.run() for t in ts])
                together = best_of(
                    args.repeats, make, lambda ts: PopulationTrainer(ts).train()
                )
                print(
                    f"{name:16} {P:3d} {alone / per:21.6f} {together / per:11.6f}"
                    f" {alone / together:8.2f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
