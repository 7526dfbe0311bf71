"""Population training in sweeps (issue 13): wall times of whole sweeps with and
without populations, P-scaling of the quickstart net, and where a tiny epoch's time
goes.  Run in one go so the ratios share the machine's load:

    python benchmarks/bench_population.py                   # everything
    python benchmarks/bench_population.py --only e1,scaling --e4-epochs 2 --pairs 3

* E1: ``nnexp sweep configs/sweeps/logic_gates_e1.yaml -j 2`` (80 cells, 5,000 epochs
  of 4 samples each) with populations (the default) and with ``--no-population``,
  ``--pairs`` times in turn (medians; the ratio is the median of the pairs' ratios).
* E4: ``configs/sweeps/activations_mnist.yaml`` (27 cells on mnist_10k; the planner's
  cache cap now trains these 784-100-10 cells alone, so both ways run the same path
  unless ``CACHE_MB`` is raised) with ``training.epochs=N`` (``--e4-epochs``,
  default 2 of the 75) both ways, with the cells' plots (as configured) and, with
  ``--e4-no-plots``, without them (the per-cell figures cost more than 2 epochs).
* scaling: P = 1 … 64 members of the quickstart net (784-100-10, float32, members
  differing in learning rate, seed 0) trained by ``nnexp.train_population`` for one
  epoch at batch 10 and 128, each P in a fresh process: seconds per member-epoch (the
  training's wall time, data loading and folders included) and peak memory (the
  process's max RSS) per member.
* bookkeeping: one of E1's populations (10 seeds × relu and abs, 2-4-3, 20 members)
  for ``--e1-profile-epochs`` epochs: CPU µs per member-epoch, then under cProfile
  the share of each part of the training loop (minibatch loop, validation, metrics
  rows and callbacks, metrics.csv, checkpoints, state copies).

Every process trains with one BLAS thread; the BLAS library is printed first.  On a
shared machine the CPU seconds (user + system of the sweep and its workers) are the
steadier measure; both are printed.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
ENV = {"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def blas() -> str:
    import numpy  # noqa: F401 (loads the BLAS threadpoolctl reports)
    import threadpoolctl

    info = threadpoolctl.threadpool_info()
    return "; ".join(
        f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')},"
        f" {i.get('num_threads')} threads)"
        for i in info
    )


def sweep_seconds(spec: str, extra: list[str], jobs: int = 2) -> tuple[float, float]:
    """Wall seconds and CPU seconds (the sweep's processes, user + system) of
    ``nnexp sweep spec -j jobs extra`` into a temporary folder."""
    import os
    import resource

    with tempfile.TemporaryDirectory() as tmp:
        cmd = [PY, "-m", "nnexp", "sweep", str(ROOT / spec), "-j", str(jobs), "-q"]
        cmd += ["--runs-dir", tmp, *extra]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            cmd,
            check=True,
            env={**os.environ, **ENV},
            cwd=tmp,
            stdout=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu


def compare_sweep(label: str, spec: str, extra: list[str], pairs: int = 1) -> None:
    """``pairs`` interleaved runs with and without populations (A B A B …: drifting
    load hits both); medians, and the median of the per-pair ratios."""
    runs = []
    for _ in range(pairs):
        runs.append(
            (
                sweep_seconds(spec, extra),
                sweep_seconds(spec, [*extra, "--no-population"]),
            )
        )
    med = statistics.median
    pop, pop_cpu = med(r[0][0] for r in runs), med(r[0][1] for r in runs)
    alone, alone_cpu = med(r[1][0] for r in runs), med(r[1][1] for r in runs)
    ratio = med(r[1][0] / r[0][0] for r in runs)
    ratio_cpu = med(r[1][1] / r[0][1] for r in runs)
    walls = ", ".join(f"{r[0][0]:.1f}/{r[1][0]:.1f}" for r in runs)
    print(
        f"{label}, {pairs} pair(s), medians: population {pop:.1f} s wall"
        f" ({pop_cpu:.1f} s CPU), --no-population {alone:.1f} s wall"
        f" ({alone_cpu:.1f} s CPU); ratio {ratio:.2f}x wall, {ratio_cpu:.2f}x CPU"
        f" (each pair's wall s, population/alone: {walls})",
        flush=True,
    )


SCALING = """
import json, resource, sys, time, yaml
import nnexp
P, batch = int(sys.argv[1]), int(sys.argv[2])
base = yaml.safe_load(open(sys.argv[3]))
specs = [{**base, "optimizer": {"name": "sgd", "lr": 0.05 + 0.001 * p,
          "momentum": 0.9}} for p in range(P)]
over = ["training.epochs=1", f"training.batch_size={batch}", "output.plots=false"]
start = time.perf_counter()
nnexp.train_population(specs, over, runs_dir=sys.argv[4])
wall = time.perf_counter() - start
print(json.dumps({"wall": wall,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def scaling(sizes: list[int]) -> None:
    import os

    print("scaling (quickstart 784-100-10 float32, 1 epoch of mnist_10k):")
    print(
        f"{'batch':>5} {'P':>3} {'s/member-epoch':>15} {'peak MB':>8} {'MB/member':>9}"
    )
    for batch in (10, 128):
        base = None
        for P in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                out = subprocess.run(
                    [
                        PY,
                        "-c",
                        SCALING,
                        str(P),
                        str(batch),
                        str(ROOT / "configs/quickstart.yaml"),
                        tmp,
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                    env={**os.environ, **ENV},
                ).stdout
            got = json.loads(out.strip().splitlines()[-1])
            base = got["rss_mb"] if base is None else base
            extra = (got["rss_mb"] - base) / max(P - 1, 1) if P > 1 else 0.0
            print(
                f"{batch:>5} {P:>3} {got['wall'] / P:>15.3f} {got['rss_mb']:>8.0f}"
                f" {extra:>9.2f}",
                flush=True,
            )
    print("  (MB/member: the peak's growth over P = 1, per added member)")


def bookkeeping(epochs: int, seeds: int = 10) -> None:
    import yaml

    from nnexp.runner.population import train_population

    base = yaml.safe_load((ROOT / "configs/logic_gates.yaml").read_text())
    specs = [
        {
            **base,
            "seed": s,
            "model": {**base["model"], "activation": a, "output_activation": a},
        }
        for a in ("relu", "abs")
        for s in range(seeds)
    ]
    members = len(specs)
    over = [f"training.epochs={epochs}", "output.plots=false"]
    with tempfile.TemporaryDirectory() as tmp:
        start, cpu = time.perf_counter(), time.process_time()
        train_population(specs, over, runs_dir=tmp)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    with tempfile.TemporaryDirectory() as tmp:
        profile = cProfile.Profile()
        profile.enable()
        train_population(specs, over, runs_dir=tmp)
        profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in stats.values())

    def cumulative(name: str, file: str) -> float:
        return sum(
            v[3] for (f, _, fn), v in stats.items() if fn == name and f.endswith(file)
        )

    parts = {
        "minibatch loop": cumulative("_minibatches", "training/trainer.py"),
        "validation": cumulative("_validation", "training/trainer.py"),
        "metrics.csv rows": cumulative("_write_pending", "runs/writer.py"),
        "checkpoints": cumulative("save_checkpoint", "runs/writer.py")
        + cumulative("save_checkpoint", "runs/checkpoint.py"),
        "state copies (per epoch)": cumulative(
            "_stacked_state", "training/population.py"
        ),
        "rows, early stopping, callbacks": cumulative(
            "_end_epoch", "training/population.py"
        ),
    }
    parts["rows, early stopping, callbacks"] -= (
        parts["metrics.csv rows"] + parts["checkpoints"]
    )
    profiled = cumulative("train", "training/population.py")
    print(
        f"bookkeeping: {members} E1 members × {epochs} epochs (start-up included):"
        f" {cpu / members / epochs * 1e6:.0f} µs CPU per member-epoch"
        f" ({wall / members / epochs * 1e6:.0f} µs wall; not profiled)"
    )
    for name, seconds in parts.items():
        print(f"  {name:<32} {100 * seconds / profiled:5.1f} % of the training loop")
    print(f"  (profiled loop {profiled:.2f} s of {total:.2f} s; shares under cProfile)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="e1,e4,scaling,bookkeeping")
    parser.add_argument("--e4-epochs", type=int, default=2)
    parser.add_argument("--e4-no-plots", action="store_true")
    parser.add_argument("--sizes", default="1,2,4,8,16,32,64")
    parser.add_argument("--e1-profile-epochs", type=int, default=2000)
    parser.add_argument("--pairs", type=int, default=3, help="interleaved sweep pairs")
    args = parser.parse_args()
    only = set(args.only.split(","))
    print(f"BLAS: {blas()}", flush=True)
    print(f"(every process trains with 1 thread; this machine: {_cores()} cores)")
    if "e1" in only:
        compare_sweep(
            "E1 (80 cells × 5,000 epochs, -j 2)",
            "configs/sweeps/logic_gates_e1.yaml",
            [],
            args.pairs,
        )
    if "e4" in only:
        extra = [f"training.epochs={args.e4_epochs}"]
        extra += ["output.plots=false"] if args.e4_no_plots else []
        compare_sweep(
            f"E4 (27 cells × {args.e4_epochs} epochs, -j 2"
            f"{', no plots' if args.e4_no_plots else ''})",
            "configs/sweeps/activations_mnist.yaml",
            extra,
            args.pairs,
        )
    if "scaling" in only:
        scaling([int(p) for p in args.sizes.split(",")])
    if "bookkeeping" in only:
        bookkeeping(args.e1_profile_epochs)


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    main()
