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
import os
import platform
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from nnexp import __version__

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


def current() -> dict[str, Any]:
    """This process's settings that decide a run's numbers (call it inside
    :func:`pinned_threads` to record the thread count in force)."""
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


def recorded(summary: dict[str, Any]) -> dict[str, Any]:
    """A summary's environment; runs written before 0.2.0 have only ``versions``."""
    env = summary.get("environment")
    if isinstance(env, dict):
        return env
    versions = summary.get("versions") or {}
    return {
        key: versions.get(key)
        for key in ("nnexp", "numpy", "python")
        if key in versions
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
    return out


def likely_cause(diffs: list[tuple[str, Any, Any]]) -> str | None:
    """One sentence on the most likely cause of a mismatch, from ``differences``."""
    by_label = {label: (a, b) for label, a, b in diffs}
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
            return (
                "another CPU or BLAS kernel: OpenBLAS picks its kernels by CPU, and"
                " kernels round differently"
            )
    if diffs:
        label, a, b = diffs[0]
        return f"the {label} differs (original {a}, now {b})"
    return None


def _version_tuple(text: Any) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in str(text).split(".")[:3])
    except ValueError:
        return None


def _newer(version: str, than: Any) -> bool:
    """Whether ``version`` is newer than ``than`` (unknown counts as older)."""
    a, b = _version_tuple(version), _version_tuple(than)
    return a is not None and (b is None or a > b)
