"""The registered figures (:mod:`nnexp.plots.registry`) drawn as PNG for the pages.

A run page shows the figures its run can draw from ``metrics.csv`` alone (``curves``,
``layers``: the ``RUN_PLOTS`` kinds that need only the history), drawn again when the
run's files change; a sweep page shows the ``SWEEP_FIGURES`` of its cells that ended
(heat map, mean ± std by value, curves by value), drawn from the cell folders as
``nnexp sweep`` draws them at its end, but into memory: nothing is written.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from nnexp.analysis.figures import draw_run_kind
from nnexp.plots.registry import RUN_PLOTS
from nnexp.runs.reader import Run
from nnexp.sweep.expand import Cell, Expansion
from nnexp.sweep.plots import plot_plan


def live_kinds() -> list[str]:
    """The per-run figure kinds drawn from metrics.csv alone."""
    return [kind.name for kind in RUN_PLOTS if kind.from_history]


def png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()


def run_figure(run: Run, kind: str) -> bytes:
    """The figure ``kind`` of ``run`` as PNG (RunError when it cannot draw it)."""
    return png(draw_run_kind(run, RUN_PLOTS.get(kind)))


def expansion_of(data: dict[str, Any]) -> Expansion:
    """The sweep's cells and axes as its sweep.yaml records them."""
    return Expansion(
        [Cell.from_dict(c) for c in data["cells"]],
        list(data["keys"]),
        [list(a) for a in data["axes"]],
        int(data["trials"]),
        sampled=list(data.get("sampled") or []),
    )


def sweep_plan(
    folder: Path, data: dict[str, Any], results: pd.DataFrame
) -> dict[str, Callable[[], Any]]:
    """File name → figure maker of every sweep figure that fits the cells so far."""
    if results.empty or "status" not in results:
        return {}
    return dict(plot_plan(folder, expansion_of(data), results))


class Memo:
    """Answers by key, the last ``size`` of them, shared by the server's threads;
    ``serial``: one computation at a time (matplotlib draws one figure at a time)."""

    def __init__(self, size: int, *, serial: bool = False) -> None:
        self._items: dict[Hashable, Any] = {}
        self._size = size
        self._lock = threading.Lock()
        self._serial = threading.Lock() if serial else None

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                return self._items[key]
        if self._serial is None:
            value = compute()
        else:
            with self._serial:
                value = compute()
        with self._lock:
            while len(self._items) >= self._size:
                self._items.pop(next(iter(self._items)))
            self._items[key] = value
        return value
