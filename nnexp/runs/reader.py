"""Reading run folders: only their files, never the writer's process.

A folder whose summary still says ``running`` but whose process is gone (same host,
pid not alive) is reported as ``interrupted``.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from nnexp.errors import RunError
from nnexp.runs.layout import RunPaths

FINAL = ("completed", "diverged")


@dataclass
class Run:
    """A run folder as read from disk."""

    path: Path
    config: dict[str, Any]
    summary: dict[str, Any]
    history: pd.DataFrame
    network: Any = None  # set by api.run, not by load_run
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def paths(self) -> RunPaths:
        return RunPaths(self.path)

    @property
    def status(self) -> str:
        return effective_status(self.summary)

    @property
    def name(self) -> str:
        return str(self.config.get("name", self.path.name))

    @property
    def weights_path(self) -> Path:
        return self.paths.model

    @property
    def task(self) -> str | None:
        return self.summary.get("dataset", {}).get("task")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def effective_status(summary: dict[str, Any]) -> str:
    status = summary.get("status", "unknown")
    if status == "running":
        same_host = summary.get("host") == socket.gethostname()
        pid = summary.get("pid")
        if same_host and isinstance(pid, int) and not pid_alive(pid):
            return "interrupted"
    return status


def is_run_dir(path: Path) -> bool:
    return (Path(path) / "summary.json").is_file() or (
        Path(path) / "config.yaml"
    ).is_file()


def read_summary(path: Path) -> dict[str, Any]:
    paths = RunPaths(Path(path))
    if not paths.summary.is_file():
        return {}
    try:
        return json.loads(paths.summary.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise RunError(f"{paths.summary} is not readable JSON: {err}") from err


def read_history(path: Path) -> pd.DataFrame:
    metrics = RunPaths(Path(path)).metrics
    if not metrics.is_file() or metrics.stat().st_size == 0:
        return pd.DataFrame()
    try:
        return pd.read_csv(metrics)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise RunError(f"{metrics} is not a readable metrics file: {err}") from err


def load_run(path: str | Path) -> Run:
    """Read a run folder (config.yaml, summary.json, metrics.csv)."""
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
            config = yaml.safe_load(paths.config.read_text()) or {}
        except yaml.YAMLError as err:
            raise RunError(f"{paths.config} is not readable YAML: {err}") from err
    return Run(
        path=path, config=config, summary=read_summary(path), history=read_history(path)
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
