"""Shared helpers of the CLI tests (imported by the test modules and conftest.py).

Runs use ``configs/quickstart.yaml`` made tiny (300 training digits, a 784-16-10
network, one or two epochs, no plots) so that the whole folder stays fast.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "configs" / "quickstart.yaml"
#: overrides that make quickstart a sub-second run (with training.epochs)
SMALL = ("dataset.limit=300", "model.layers=[784, 16, 10]", "output.plots=false")


def small(*extra: str, epochs: int = 1) -> list[str]:
    """The small overrides with ``epochs``, then ``extra`` overrides (which win)."""
    return [*SMALL, f"training.epochs={epochs}", *extra]


def run_module(args: Sequence[str | os.PathLike[str]], cwd: Path, timeout: float = 120):
    """``python -m nnexp ARGS`` in a real subprocess (no terminal: plain output)."""
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "nnexp", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
