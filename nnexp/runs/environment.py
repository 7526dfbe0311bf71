"""What, besides the spec, decides a run's numbers: the software and the BLAS.

A matrix product is a sum, and its rounding depends on the order of the sum. OpenBLAS
splits products over threads and chooses kernels by CPU; a product done with one
thread and with two can differ in the last bit, and over thousands of steps that grows
into different accuracies. So every run trains with a fixed number of BLAS threads,
``training.blas_threads`` of its resolved spec (default 1), whichever command runs it
(``train``, a sweep cell on any executor, ``rerun``, ``--resume``, ``--continue``, the
Python API), and its summary records the rest (:func:`current`). ``rerun --check``
names the recorded settings that differ (:func:`differences`) when a rerun does not
match.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nnexp import __version__

if TYPE_CHECKING:
    from nnexp.runs.summary import Summary

#: environment variables read by OpenBLAS when it loads: they choose its kernels
BLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

#: releases that change the numbers of existing specs on purpose, and how
NUMBER_CHANGES = {
    "0.2.0": (
        "cross-entropy is averaged row by row (one huge logit no longer swallows the"
        " other rows' losses); the best epoch breaks ties in validation accuracy by"
        " validation loss; every command trains with training.blas_threads BLAS"
        " threads (default 1, before: the machine's default for train and rerun)"
    ),
}


def blas_info() -> dict[str, Any]:
    """The BLAS library NumPy uses, as threadpoolctl reports it (empty if none).

    SciPy's wheels bring an OpenBLAS of their own; once SciPy is imported both are
    loaded, so NumPy's is told apart by its file: inside NumPy's folder (or its
    wheel's ``numpy.libs``), else the only one, else the first listed."""
    from threadpoolctl import threadpool_info

    libs = [lib for lib in threadpool_info() if lib.get("user_api") == "blas"]
    if not libs:
        return {}
    numpy_dir = Path(np.__file__).resolve().parent
    homes = (str(numpy_dir), str(numpy_dir.parent / "numpy.libs"))
    ours = [lib for lib in libs if str(lib.get("filepath", "")).startswith(homes)]
    lib = (ours or libs)[0]
    return {
        "library": lib.get("internal_api"),
        "version": lib.get("version"),
        "architecture": lib.get("architecture"),
        "threading_layer": lib.get("threading_layer"),
        "num_threads": lib.get("num_threads"),
    }


@contextlib.contextmanager
def pinned_threads(threads: int) -> Iterator[None]:
    """Run the block with ``threads`` BLAS (and OpenMP) threads."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=int(threads)):
        yield


#: a plugin reference to a file: ``/abs/acts.py:Cube``
PLUGIN = re.compile(r"^(?P<path>.+\.py):(?P<attr>[A-Za-z_][A-Za-z0-9_]*)$")


def plugin_files(config: Any) -> list[Path]:
    """The plugin files (``/abs/acts.py:Cube``) a resolved config names."""
    found: list[Path] = []
    for text in _strings(config):
        match = PLUGIN.match(text)
        if match and Path(match["path"]).is_file() and Path(match["path"]) not in found:
            found.append(Path(match["path"]))
    return found


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def plugin_hashes(config: Any) -> dict[str, str]:
    """``{file name: sha256}`` of the plugin files a config names: a rerun with an
    edited plugin is told apart (keyed by name, as a Dask worker has its own copy)."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in plugin_files(config)
    }


def current(config: Any = None) -> dict[str, Any]:
    """This process's settings that decide a run's numbers (call it inside
    :func:`pinned_threads` to record the thread count in force); with the run's
    resolved ``config``, the hashes of its plugin files too."""
    blas = blas_info()
    threads = blas.pop("num_threads", None)
    return {
        "nnexp": __version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu": cpu_model(),
        "blas": blas,
        "blas_threads": threads,
        **{var.lower(): os.environ.get(var) for var in BLAS_VARIABLES},
        "plugins": plugin_hashes(config) if config is not None else {},
    }


def cpu_model() -> str | None:
    """The CPU's model name (Linux), else what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def recorded(record: Summary) -> dict[str, Any]:
    """A run's environment as its summary recorded it (a setting it did not record
    is absent, not None); runs written before 0.2.0 have only ``versions``."""
    if record.environment is not None:
        return record.environment.model_dump(exclude_unset=True)
    return {
        key: record.versions[key]
        for key in ("nnexp", "numpy", "python")
        if key in record.versions
    }


#: (label, path in the environment dict), in the order a user should look at them
SETTINGS = (
    ("nnexp version", ("nnexp",)),
    ("NumPy version", ("numpy",)),
    ("BLAS library", ("blas", "library")),
    ("BLAS version", ("blas", "version")),
    ("BLAS kernel architecture", ("blas", "architecture")),
    ("BLAS threads", ("blas_threads",)),
    ("OPENBLAS_CORETYPE", ("openblas_coretype",)),
    ("OPENBLAS_L2_SIZE", ("openblas_l2_size",)),
    ("CPU", ("cpu",)),
    ("machine", ("machine",)),
    ("Python version", ("python",)),
)

NOT_RECORDED = "not recorded"


def _get(env: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = env
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return NOT_RECORDED
        value = value[key]
    return value


def differences(
    original: dict[str, Any], now: dict[str, Any]
) -> list[tuple[str, Any, Any]]:
    """``(setting, original, now)`` for every setting that differs; a setting the
    original did not record counts as different (it may have been anything)."""
    out = []
    for label, path in SETTINGS:
        a, b = _get(original, path), _get(now, path)
        if a != b:
            out.append((label, a, b))
    before, after = original.get("plugins"), now.get("plugins") or {}
    if isinstance(before, dict):  # runs before 0.2.0 did not record their plugins
        for name in sorted({*before, *after}):
            a = before.get(name, NOT_RECORDED)
            b = after.get(name, NOT_RECORDED)
            if a != b:
                out.append((f"plugin file {name}", _short(a), _short(b)))
    return out


def _short(digest: str) -> str:
    return digest if digest == NOT_RECORDED else f"sha256 {digest[:12]}…"


def likely_cause(diffs: list[tuple[str, Any, Any]]) -> str | None:
    """One sentence on the most likely cause of a mismatch, from ``differences``."""
    by_label = {label: (a, b) for label, a, b in diffs}
    plugins = [label for label in by_label if label.startswith("plugin file ")]
    if plugins:
        names = ", ".join(label.removeprefix("plugin file ") for label in plugins)
        return (
            f"the plugin file {names} changed since the run (its code decides the"
            " numbers; nnexp records its sha256, not its text)"
        )
    if "nnexp version" in by_label:
        a, b = by_label["nnexp version"]
        changes = [
            f"{version}: {text}"
            for version, text in NUMBER_CHANGES.items()
            if _newer(version, a) and not _newer(version, b)
        ]
        said = f" ({'; '.join(changes)})" if changes else ""
        return (
            f"the run was made by nnexp {a} and rerun by {b}, and releases may change"
            f" numbers on purpose{said}"
        )
    for label in ("BLAS threads", "BLAS library", "BLAS version"):
        if label in by_label:
            a, b = by_label[label]
            return (
                f"the {label} differ (original {a}, now {b}): products are summed in"
                " another order and round differently"
            )
    for label in ("BLAS kernel architecture", "OPENBLAS_CORETYPE", "CPU"):
        if label in by_label:
            kernel = _get(_original_of(diffs), ("blas", "architecture"))
            hint = (
                f"; OPENBLAS_CORETYPE={kernel} before starting Python asks OpenBLAS"
                " for the original kernel, where this CPU has it"
                if isinstance(kernel, str) and kernel != NOT_RECORDED
                else ""
            )
            return (
                "another CPU or BLAS kernel: OpenBLAS picks its kernels by CPU, and"
                f" kernels round differently{hint}"
            )
    if diffs:
        label, a, b = diffs[0]
        return f"the {label} differs (original {a}, now {b})"
    return None


def _original_of(diffs: list[tuple[str, Any, Any]]) -> dict[str, Any]:
    """The original values of ``diffs`` as an environment dict (for hints)."""
    for label, a, _ in diffs:
        if label == "BLAS kernel architecture":
            return {"blas": {"architecture": a}}
    return {}


def _version_tuple(text: Any) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in str(text).split(".")[:3])
    except ValueError:
        return None


def _newer(version: str, than: Any) -> bool:
    """Whether ``version`` is newer than ``than`` (unknown counts as older)."""
    a, b = _version_tuple(version), _version_tuple(than)
    return a is not None and (b is None or a > b)
