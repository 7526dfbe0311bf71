"""Reading run folders: only their files, never the writer's process.

A folder whose summary still says ``running`` but whose process is gone (same host,
pid not alive) is reported as ``interrupted``.
"""

from __future__ import annotations

import functools
import json
import os
import socket
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pydantic
import yaml

from nnexp.errors import RunError
from nnexp.runs.layout import RunPaths
from nnexp.runs.summary import Summary, parse_summary

if TYPE_CHECKING:
    import pandas as pd

    from nnexp.training.trainer import FitResult

FINAL = ("completed", "diverged")
#: PyYAML's loader in C (libyaml) when PyYAML was built with it, else the Python one:
#: both are safe loaders with the same YAML 1.1 resolver, so they read a file into the
#: same data (tests/runs/test_yaml_loaders.py), the C one about 8 times as fast.
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """YAML text → Python data, as ``yaml.safe_load`` reads it, with
    :data:`SAFE_LOADER`."""
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 (a safe loader)


@dataclass
class Run:
    """A run folder as read from disk.

    ``summary`` is summary.json's data and ``record`` the same typed; ``network`` is
    the trained network, rebuilt from ``config.yaml`` and ``model.npz`` when first
    asked for (:func:`nnexp.runner.trained.load_trained`; ``train`` hands over the one
    it trained, with the trainer's ``result``); ``predict(x)`` is its output on inputs
    prepared as the run's data set prepares them.
    """

    path: Path
    config: dict[str, Any]
    summary: dict[str, Any]
    history: pd.DataFrame
    result: FitResult | None = None
    _network: Any = field(default=None, repr=False)

    @property
    def network(self) -> Any:
        if self._network is None:
            # the runner floor builds networks: a reader needs it only on demand
            from nnexp.runner.trained import load_trained

            self._network = load_trained(self.path)
        return self._network

    @network.setter
    def network(self, value: Any) -> None:
        self._network = value

    def predict(self, x: Any) -> Any:
        """The trained network's output for ``x`` of shape (n, n_features) (or images
        (n, 28, 28), flattened row by row as the data sets flatten them): the
        output activation applied (class probabilities after softmax), dropout off,
        with the run's BLAS thread count. ``x`` must be prepared as the run's data set
        prepares its inputs (e.g. pixels scaled to [0, 1] by ``normalize: scale``)."""
        import numpy as np

        from nnexp.runs.environment import pinned_threads

        network = self.network
        x = np.asarray(x, dtype=network.dtype)
        if x.ndim > 2 and int(np.prod(x.shape[1:])) == network.sizes[0]:
            x = x.reshape(len(x), -1)  # images (n, 28, 28): flattened as the data were
        if x.ndim != 2 or x.shape[1] != network.sizes[0]:
            raise RunError(
                f"predict: expected inputs of shape (n, {network.sizes[0]}) for the"
                f" network of {self.path}, got shape {x.shape}"
            )
        threads = (self.config.get("training") or {}).get("blas_threads", 1)
        with pinned_threads(threads):
            return network.predict(x)

    @property
    def paths(self) -> RunPaths:
        return RunPaths(self.path)

    @functools.cached_property
    def spec(self) -> Any:
        """The run's validated spec (a ``RunSpec`` from config.yaml), loaded once."""
        return run_spec(self.path)

    @functools.cached_property
    def record(self) -> Summary:
        """The summary typed (:class:`nnexp.runs.summary.Summary`), parsed once;
        RunError naming the file when a value has the wrong type."""
        return typed_summary(self.summary, self.paths.summary)

    @property
    def status(self) -> str:
        return effective_status(self.record)

    @property
    def name(self) -> str:
        return str(self.config.get("name", self.path.name))

    @property
    def weights_path(self) -> Path:
        return self.paths.model

    @property
    def task(self) -> str | None:
        return self.record.dataset.task if self.record.dataset else None


def run_spec(path: str | Path) -> Any:
    """The validated spec (a ``RunSpec``) in a run folder's ``config.yaml``."""
    from nnexp.spec.load import load_spec

    paths = RunPaths(Path(path))
    if not paths.root.is_dir():
        raise RunError(f"{paths.root} is not a folder (expected a run folder)")
    if not paths.config.is_file():
        raise RunError(f"{paths.root} is not a run folder: it has no config.yaml")
    return load_spec(paths.config)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def effective_status(record: Summary) -> str:
    """The summary's status, ``interrupted`` for a ``running`` one whose process is
    gone (same host, pid not alive)."""
    if record.status == "running":
        same_host = record.host == socket.gethostname()
        if same_host and record.pid is not None and not pid_alive(record.pid):
            return "interrupted"
    return record.status


def is_run_dir(path: Path) -> bool:
    return (Path(path) / "summary.json").is_file() or (
        Path(path) / "config.yaml"
    ).is_file()


def read_summary(path: Path) -> dict[str, Any]:
    """A run folder's summary.json as data ({} when there is none)."""
    paths = RunPaths(Path(path))
    if not paths.summary.is_file():
        return {}
    try:
        data = json.loads(paths.summary.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise RunError(f"{paths.summary} is not readable JSON: {err}") from err
    if not isinstance(data, dict):
        raise RunError(
            f"{paths.summary} is not a run summary: it holds a JSON"
            f" {type(data).__name__}, not an object of keys"
        )
    return data


def read_record(path: Path) -> Summary | None:
    """A run folder's summary typed (None when it has no summary.json); RunError
    naming the file when it is not readable or a value has the wrong type."""
    summary = RunPaths(Path(path)).summary
    return typed_summary(read_summary(path), summary) if summary.is_file() else None


def typed_summary(data: dict[str, Any], file: Path) -> Summary:
    """``data`` read from ``file`` as a :class:`Summary`; RunError naming the file
    and each wrong key otherwise."""
    try:
        return parse_summary(data)
    except pydantic.ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()
        )
        raise RunError(f"{file} does not read as a run summary: {problems}") from None


def read_history(path: Path, columns: Collection[str] | None = None) -> pd.DataFrame:
    """A run folder's metrics.csv (an empty table when there is none); ``columns``:
    read only those of these columns the file has (a figure that needs a few of them
    parses a third less), in the file's order."""
    import pandas as pd  # here: a command that reads no table does not load pandas

    metrics = RunPaths(Path(path)).metrics
    if not metrics.is_file() or metrics.stat().st_size == 0:
        return pd.DataFrame()
    keep = None if columns is None else frozenset(columns)
    try:
        return pd.read_csv(metrics, usecols=None if keep is None else keep.__contains__)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise RunError(f"{metrics} is not a readable metrics file: {err}") from err


def load_run(
    path: str | Path,
    *,
    columns: Collection[str] | None = None,
    history: pd.DataFrame | None = None,
) -> Run:
    """Read a run folder (config.yaml, summary.json, metrics.csv); ``columns``: the
    history holds only those of these columns the run recorded (see
    :func:`read_history`), for a reader that needs no more; ``history``: the folder's
    metrics.csv as the caller has just read it (not read again)."""
    path = Path(path)
    if not path.is_dir():
        raise RunError(
            f"{path} is not a folder (expected a run folder with summary.json)"
        )
    if not is_run_dir(path):
        raise RunError(
            f"{path} is not a run folder: it has no summary.json or config.yaml"
        )
    config: dict[str, Any] = {}
    paths = RunPaths(path)
    if paths.config.is_file():
        try:
            config = safe_load(paths.config.read_text()) or {}
        except yaml.YAMLError as err:
            raise RunError(f"{paths.config} is not readable YAML: {err}") from err
    return Run(
        path=path,
        config=config,
        summary=read_summary(path),
        history=read_history(path, columns) if history is None else history,
    )


def discover_runs(root: str | Path) -> list[Path]:
    """Every run folder at or below ``root``, sorted by path."""
    root = Path(root)
    if is_run_dir(root):
        return [root]
    if not root.is_dir():
        return []
    # hidden folders (a sweep's .staging/ and .previous/) hold copies, not runs
    found = {
        p.parent
        for p in root.rglob("summary.json")
        if not any(part.startswith(".") for part in p.parent.relative_to(root).parts)
    }
    return sorted(found)
