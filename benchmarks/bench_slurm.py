"""Benchmark: the same sweep locally and on Slurm (issue 17).

Four cells of ``configs/quickstart.yaml`` (two learning rates × two seeds, 5 epochs on
the bundled digits), each way with populations and with ``--no-population``: the
whole sweep's wall time (worker start-up, job scheduling, results.csv and plots
included), and whether results.csv is the local one (wall_seconds left out).  Needs a
Slurm (``scripts/slurm-cluster.sh start``, as root) and submitit.

    python benchmarks/bench_slurm.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from nnexp.spec.cluster import ClusterSpec
from nnexp.sweep.executors import LocalExecutor
from nnexp.sweep.plan import plan_sweep
from nnexp.sweep.runner import run_sweep
from nnexp.sweep.slurm import SlurmExecutor
from nnexp.sweep.source import build_source

ROOT = Path(__file__).resolve().parents[1]


def timed(executor, runs: Path, population: bool):
    source = build_source(
        ROOT / "configs" / "quickstart.yaml",
        grid={"optimizer.lr": [0.05, 0.1]},
        seeds=2,
    )
    started = time.perf_counter()
    result = run_sweep(
        plan_sweep(source, runs_dir=runs), executor, population=population
    )
    return time.perf_counter() - started, result.frame.drop(columns="wall_seconds")


def main() -> int:
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        failed = 0
        for population in (True, False):
            how = "populations" if population else "--no-population"
            local, frame = timed(LocalExecutor(2), Path(tmp, f"l{how}"), population)
            slurm, other = timed(
                SlurmExecutor(0, ClusterSpec(time=10)), Path(tmp, f"s{how}"), population
            )
            same = frame.equals(other)
            failed += not same
            print(
                f"{how:16s} local {local:5.1f} s   slurm {slurm:5.1f} s   "
                f"results.csv {'the same' if same else 'DIFFERENT'}"
            )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
