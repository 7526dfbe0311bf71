"""Benchmark: a sweep of 8 small runs with ``-j 2`` against ``-j 1`` (issue 6).

The bar on a 2-core machine: ``-j 2`` at least 1.7× faster.  Each run is the course's
E3 setup (``configs/mnist_relu.yaml``: 784-100-10, mse, sgd, batch 10, float64) on the
bundled mnist_10k for a few epochs without per-run plots (about a second each); times
are the whole sweep's wall time, worker start-up and results.csv included.  The
machine's load average is printed too: other work on the cores lowers the speed-up
(two CPU-bound processes alone reach about 1.85× on a shared 2-vCPU VM).

    python benchmarks/bench_sweep.py              # best of three rounds per setting
    python benchmarks/bench_sweep.py --repeat 1 --epochs 3

Exit status 1 when the speed-up is below the bar.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from nnexp.sweep.executors import LocalExecutor
from nnexp.sweep.plan import plan_sweep
from nnexp.sweep.runner import run_sweep
from nnexp.sweep.source import build_source

ROOT = Path(__file__).resolve().parents[1]
BAR = 1.7
BASE = ["dataset.name=mnist_10k", "output.plots=false"]


def sweep_seconds(jobs: int, epochs: int, runs_dir: Path) -> float:
    """Wall time of the 8-run sweep (2 activations × 4 seeds) with ``jobs`` workers."""
    source = build_source(
        ROOT / "configs" / "mnist_relu.yaml",
        grid={"model.activation": ["relu", "tanh"]},
        seeds=4,
        overrides=[*BASE, f"training.epochs={epochs}"],
    )
    sweep = plan_sweep(source, runs_dir=runs_dir, name=f"bench_j{jobs}")
    start = time.perf_counter()
    result = run_sweep(sweep, LocalExecutor(jobs), plots=False)
    seconds = time.perf_counter() - start
    if result.status != "completed":
        raise SystemExit(f"the -j {jobs} sweep ended {result.status}: {result.counts}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="rounds; the best time of each setting counts (default 3)",
    )
    parser.add_argument(
        "--epochs", type=int, default=6, help="epochs per run (default 6)"
    )
    args = parser.parse_args()
    cores = (
        len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count()
    )
    times: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="nnexp-bench-sweep-") as tmp:
        source = build_source(
            ROOT / "configs" / "mnist_relu.yaml", seeds=1, overrides=BASE
        )
        plan_sweep(source, runs_dir=tmp)  # reads the data once: warm file cache
        for round_ in range(args.repeat):
            for jobs in (1, 2):
                times[jobs].append(
                    sweep_seconds(jobs, args.epochs, Path(tmp) / f"r{round_}")
                )
                print(
                    f"round {round_ + 1}: -j {jobs}: {times[jobs][-1]:.2f} s",
                    flush=True,
                )
    one, two = min(times[1]), min(times[2])
    speedup = one / two
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"8 runs of E3 on mnist_10k ({args.epochs} epochs) on {cores} cores: "
        f"-j 1 {one:.2f} s, -j 2 {two:.2f} s, speed-up {speedup:.2f}x (bar {BAR}x); "
        f"load average {load}"
    )
    return 0 if speedup >= BAR else 1


if __name__ == "__main__":
    sys.exit(main())
