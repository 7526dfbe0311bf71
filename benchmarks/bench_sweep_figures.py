"""Benchmark: what a sweep's summary figures cost at its end (issue 13).

``nnexp sweep configs/sweeps/logic_gates_e1.yaml`` trains 80 runs of 5,000 epochs;
its main process then reads every cell folder and draws heatmap.png,
curves_by_layers.png and curves_by_activation.png.  This times that step
(:func:`nnexp.sweep.plots.render_sweep_plots`) on a finished sweep folder, split into
reading the cells, making the figures and saving them, median of ``--repeat`` rounds,
with the machine's load average.  Without ``--folder`` it first trains the E1 sweep
(with ``-j 2``, about 20 s) into a temporary folder.

    python benchmarks/bench_sweep_figures.py --folder RUNS/sweeps/2026-…_logic_gates_e1
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from nnexp.plots.base import save_figure
from nnexp.sweep.folder import read_results
from nnexp.sweep.plan import open_sweep
from nnexp.sweep.plots import plot_plan, render_sweep_plots

ROOT = Path(__file__).resolve().parents[1]


def stages(folder: Path) -> dict[str, float]:
    """Seconds of one round: the cells read, the figures made, the files saved, and
    render_sweep_plots as a whole (a second, fresh call)."""
    sweep, frame = open_sweep(folder), read_results(folder)
    start = time.perf_counter()
    plan = plot_plan(folder, sweep.expansion, frame)  # reads the cells' folders
    read = time.perf_counter()
    figures = [(name, make()) for name, make in plan]
    made = time.perf_counter()
    for name, figure in figures:
        save_figure(figure, folder / "plots" / name)
    saved = time.perf_counter()
    render_sweep_plots(folder, sweep.expansion, frame)
    total = time.perf_counter() - saved
    return {
        "read": read - start,
        "make": made - read,
        "save": saved - made,
        "render_sweep_plots": total,
    }


def train_e1(runs_dir: Path) -> Path:
    from nnexp.sweep.executors import LocalExecutor
    from nnexp.sweep.plan import plan_sweep
    from nnexp.sweep.runner import run_sweep
    from nnexp.sweep.source import build_source

    source = build_source(ROOT / "configs" / "sweeps" / "logic_gates_e1.yaml")
    result = run_sweep(plan_sweep(source, runs_dir=runs_dir), LocalExecutor(2))
    return Path(result.folder)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, help="a finished sweep folder")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nnexp-bench-figures-") as tmp:
        folder = args.folder or train_e1(Path(tmp))
        (folder / "plots").mkdir(exist_ok=True)
        rounds = []
        for i in range(args.repeat):
            rounds.append(stages(folder))
            shown = ", ".join(f"{k} {v:.2f} s" for k, v in rounds[-1].items())
            print(f"round {i + 1}: {shown}", flush=True)
    median = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    shown = ", ".join(f"{k} {v:.2f} s" for k, v in median.items())
    print(f"{folder.name}: median of {args.repeat}: {shown}; load average {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
