"""The run folders of a runs folder, each read again only when its files change.

A folder is read with :func:`nnexp.runs.reader.load_run` (what ``nnexp runs`` and
``nnexp show`` read) when the modification time or size of its ``config.yaml``,
``summary.json`` or ``metrics.csv`` differs from the last look, so that a page of a
thousand runs costs a thousand ``stat`` calls once the folders have been read.  A folder
that cannot be read (half-written, truncated, binary, larger than :data:`MAX_BYTES`) is
kept as an :class:`Entry` with an ``error``: its row says what is wrong and every other
run is shown as usual.

Besides the finished runs (:func:`nnexp.runs.reader.discover_runs`), the cells a sweep
is training now are listed too: they live in the sweep's hidden ``.staging/`` folder
until they end.  Nothing here writes: a sweep's results.csv is left as it is.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from nnexp.runs.find import STAMP
from nnexp.runs.layout import RunPaths
from nnexp.runs.reader import Run, discover_runs, is_run_dir, load_run
from nnexp.serve.paths import inside, relative
from nnexp.sweep.folder import STAGING, SWEEP_FILE

#: files larger than this are not read (a row error says so): 64 MiB
MAX_BYTES = 64 * 2**20
#: longest error text kept for a row (binary garbage can make long messages)
MAX_ERROR = 400

Version = tuple[tuple[int, int] | None, ...]


@dataclass
class Entry:
    """One run folder as last read: ``run`` when it reads, else ``error``."""

    path: Path
    id: str
    version: Version
    run: Run | None
    error: str | None
    status: str
    sweep: str | None = None

    @property
    def name(self) -> str:
        """The spec's name; a sweep cell's ``<sweep>/<cell>`` (its folder's name)."""
        if self.sweep is not None:
            staged = self.path.parent.parent.name == STAGING  # .staging/<cell>/<run>
            cell = self.path.parent if staged else self.path
            sweep_name = STAMP.sub(
                "", cell.parent.parent.name if staged else cell.parent.name
            )
            return f"{sweep_name}/{cell.name}"
        return self.run.name if self.run is not None else self.path.name


def file_version(path: Path) -> Version:
    """Modification time and size of the files a run is read from."""
    paths = RunPaths(path)
    out: list[tuple[int, int] | None] = []
    for file in (paths.config, paths.summary, paths.metrics):
        try:
            st = os.stat(file)
        except OSError:
            out.append(None)
        else:
            out.append((st.st_mtime_ns, st.st_size))
    return tuple(out)


def read_entry(root: Path, path: Path, version: Version) -> Entry:
    """Read the run folder ``path``; any failure becomes the entry's error."""
    names = ("config.yaml", "summary.json", "metrics.csv")
    run: Run | None = None
    error = next(
        (
            f"{name} is {v[1] / 2**20:.0f} MiB, more than the {MAX_BYTES // 2**20} MiB "
            "the dashboard reads"
            for name, v in zip(names, version, strict=True)
            if v is not None and v[1] > MAX_BYTES
        ),
        None,
    )
    status = "unreadable"
    if error is None:
        try:
            run = load_run(path)
            status = run.status  # parses the summary: a wrong type is an error too
        except Exception as err:  # any damage: shown on the row, never a traceback
            run, error = None, _short(not_text(path) or err, root)
    return Entry(
        path, relative(root, path), version, run, error, status, sweep_of(root, path)
    )


def not_text(path: Path) -> Exception | None:
    """Which of the run's files is not UTF-8 text (binary garbage), as an error."""
    paths = RunPaths(path)
    for file in (paths.config, paths.summary, paths.metrics):
        try:
            file.read_bytes().decode("utf-8")
        except UnicodeDecodeError as err:
            return ValueError(
                f"{file.name} is not text (byte {err.object[err.start]:#04x} at "
                f"position {err.start} is not UTF-8)"
            )
        except OSError:
            continue
    return None


def _short(err: Exception, root: Path) -> str:
    """The error as one printable line, paths relative to the runs folder."""
    text = (str(err) or type(err).__name__).replace(f"{root}{os.sep}", "")
    if not text.isprintable():
        text = "".join(c if c.isprintable() else "?" for c in text)
    kind = (
        ""
        if type(err).__name__ in ("RunError", "ValueError")
        else f"{type(err).__name__}: "
    )
    text = kind + text
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 1] + "…"


def sweep_of(root: Path, path: Path) -> str | None:
    """The sweep folder (as an id) a run folder is a cell of, or None."""
    parent = path.parent
    if parent.name != STAGING and parent.parent.name == STAGING:
        parent = parent.parent.parent  # a cell being trained: .staging/<cell>/<run>
    if (parent / SWEEP_FILE).is_file() and parent.resolve().is_relative_to(root):
        return relative(root, parent)
    return None


class Catalog:
    """The runs under ``root``, read through a cache keyed by :func:`file_version`."""

    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()
        self._entries: dict[Path, Entry] = {}
        self._lock = threading.Lock()
        #: the sweep folders the last :meth:`entries` found
        self.sweeps: list[Path] = []

    def scan(self) -> tuple[list[Path], list[Path]]:
        """The run folders (:func:`~nnexp.runs.reader.discover_runs`, then the cells
        sweeps are training now) and the sweep folders; a symlink to a folder is
        not followed (it may lead out of the root)."""
        runs = [p for p in discover_runs(self.root) if not p.is_symlink()]
        sweeps = self._sweep_folders(set(runs))
        for sweep in sweeps:
            staging = sweep / STAGING
            if staging.is_dir():
                runs += sorted(p.parent for p in staging.glob("*/*/summary.json"))
        return runs, sweeps

    def _sweep_folders(self, runs: set[Path]) -> list[Path]:
        """Folders with a sweep.yaml, looked for in every folder that is neither a
        run folder nor hidden (so a sweep with no cell finished yet is found too)."""
        found, todo = [], [self.root]
        while todo:
            folder = todo.pop()
            if (folder / SWEEP_FILE).is_file():
                found.append(folder)
            try:
                with os.scandir(folder) as listing:
                    subfolders = [
                        Path(item.path)
                        for item in listing
                        if item.is_dir(follow_symlinks=False)
                        and not item.name.startswith(".")
                    ]
            except OSError:  # deleted meanwhile
                continue
            todo += [p for p in subfolders if p not in runs]
        return sorted(found)

    def entries(self) -> list[Entry]:
        """Every run folder, read again where its files changed since the last call;
        folders deleted since are dropped.  :attr:`sweeps` is set too."""
        folders, sweeps = self.scan()
        with self._lock:
            fresh = {}
            for folder in folders:
                fresh[folder] = self._current(folder)
            self._entries = fresh
            self.sweeps = sweeps
            return list(fresh.values())

    def entry(self, run_id: str) -> Entry | None:
        """The run folder ``run_id`` names (a path relative to the root), or None
        when it is not a run folder inside the root."""
        path = inside(self.root, run_id)
        if path is None or not path.is_dir() or not is_run_dir(path):
            return None
        with self._lock:
            entry = self._current(path)
            if path in self._entries:
                self._entries[path] = entry
            return entry

    def _current(self, folder: Path) -> Entry:
        version = file_version(folder)
        cached = self._entries.get(folder)
        if cached is not None and cached.version == version:
            if cached.run is not None and cached.status == "running":
                cached.status = cached.run.status  # its process may have gone
            return cached
        return read_entry(self.root, folder, version)
