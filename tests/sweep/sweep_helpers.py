"""Helpers shared by the sweep tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from nnexp.sweep.executors import LocalExecutor
from nnexp.sweep.plan import plan_sweep
from nnexp.sweep.runner import SweepResult, run_sweep
from nnexp.sweep.source import build_source

#: blobs (300 points, 2 features, 3 classes), a 2-8-3 softmax network: a run of two
#: epochs takes a few hundredths of a second
TINY = """\
name: tiny
seed: 0
dataset: {name: blobs, n: 300}
model: {hidden: [8], activation: relu, output_activation: softmax}
loss: cross_entropy
optimizer: {name: sgd, lr: 0.1}
training: {epochs: 2, batch_size: 16}
output: {plots: false}
"""

#: a plugin activation whose forward raises on a training batch: a cell that fails at
#: run time (small arrays pass, so the plugin check on load lets it through)
BOOM = """\
from dataclasses import dataclass


@dataclass(frozen=True)
class Boom:
    def forward(self, z):
        if z.ndim == 2 and z.shape[0] > 4:
            raise RuntimeError("boom in forward")
        return z

    def derivative(self, z, a):
        return 1.0 + 0.0 * z
"""


def plan(spec: Path | dict, runs_dir: Path, **kwargs: Any):
    """A planned sweep of ``spec`` into ``runs_dir`` (build_source keywords)."""
    return plan_sweep(build_source(spec, **kwargs), runs_dir=runs_dir)


def run(
    spec: Path | dict,
    runs_dir: Path,
    *,
    jobs: int = 1,
    plots: bool = False,
    executor: Any = None,
    **kwargs: Any,
) -> SweepResult:
    return run_sweep(
        plan(spec, runs_dir, **kwargs), executor or LocalExecutor(jobs), plots=plots
    )


def metrics(frame: pd.DataFrame) -> pd.DataFrame:
    """The metric columns of results.csv (time columns left out), by cell."""
    keep = [c for c in frame.columns if c.startswith(("final_", "best_", "test_"))]
    return frame.set_index("cell")[["status", "epochs", *keep]].sort_index()


def dead_pid() -> int:
    """The pid of a process that has ended."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def forget_loaded_plugins() -> None:
    """Drop imported plugin files, as a new process would not have them."""
    from nnexp.registry import registries

    for registry in registries():
        registry.forget_plugins()
    for module in [m for m in sys.modules if m.startswith("nnexp_plugin_")]:
        del sys.modules[module]
