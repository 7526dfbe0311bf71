"""Run-folder naming and paths: ``<runs_dir>/<YYYY-MM-DD_HH-MM-SS>_<name>/``.

A folder is never reused: it is created with ``mkdir`` (atomic), and a run that starts
in the same second as another gets the first free suffix ``-2``, ``-3`` …, which
parallel sweeps need.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from nnexp.errors import RunError

UNSAFE = re.compile(r"[^A-Za-z0-9._=,+@-]+")


def safe_name(text: str) -> str:
    """A file-name-safe version of ``text`` (unsafe characters become ``_``)."""
    cleaned = UNSAFE.sub("_", text).strip("._")
    return cleaned[:120] or "run"


def new_run_dir(runs_dir: Path, name: str, *, when: float | None = None) -> Path:
    """Create and return a fresh run folder under ``runs_dir``."""
    runs_dir = Path(runs_dir)
    try:
        runs_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RunError(
            f"cannot create the runs directory {runs_dir}: {err.strerror or err}"
        ) from err
    stamp = time.strftime("%Y-%m-%d_%H-%M-%S", time.localtime(when))
    base = f"{stamp}_{safe_name(name)}"
    for i in range(1, 10_000):
        path = runs_dir / (base if i == 1 else f"{base}-{i}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        except OSError as err:
            raise RunError(
                f"cannot create a run folder in {runs_dir}: {err.strerror or err}"
            ) from err
        return path
    raise RunError(f"no free run-folder name for {base!r} in {runs_dir}")


@dataclass(frozen=True)
class RunPaths:
    """The files of one run folder."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config.yaml"

    @property
    def metrics(self) -> Path:
        return self.root / "metrics.csv"

    @property
    def summary(self) -> Path:
        return self.root / "summary.json"

    @property
    def model(self) -> Path:
        return self.root / "model.npz"

    @property
    def checkpoint(self) -> Path:
        return self.root / "checkpoint.npz"

    @property
    def initial(self) -> Path:
        """The weights before the first epoch (always kept: small)."""
        return self.root / "initial.npz"

    @property
    def snapshots(self) -> Path:
        """Weights at chosen epochs (``output.snapshots``)."""
        return self.root / "snapshots.npz"

    @property
    def plots(self) -> Path:
        return self.root / "plots"

    @property
    def log(self) -> Path:
        return self.root / "train.log"
