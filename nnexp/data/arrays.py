"""Reading and checking arrays from files: npz, labels, test hold-out, parameters.

Shared by the MNIST, npz and CSV loaders, so that every loader reports a bad file the
same way: the file, the array or cell, and what was expected.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nnexp.data.sampling import complement, pick
from nnexp.errors import DataError


def resolve_path(path: str, base_dir: Any) -> Path:
    """``path`` with ``~`` expanded, relative to ``base_dir`` (the spec's folder)."""
    p = Path(path).expanduser()
    return Path(base_dir) / p if not p.is_absolute() and base_dir is not None else p


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """Every array of an npz file (no pickles); DataError when it cannot be read."""
    try:
        with np.load(path, allow_pickle=False) as z:
            if not isinstance(z, np.lib.npyio.NpzFile):
                raise DataError(f"{path}: a .npy file with one array, not an .npz.")
            return {k: z[k] for k in z.files}
    except FileNotFoundError:
        raise DataError(f"{path}: file not found.") from None
    except AttributeError:  # np.load returned a bare array: no context manager
        raise DataError(f"{path}: a .npy file with one array, not an .npz.") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError) as err:
        raise DataError(
            f"{path}: not a readable .npz file ({err}); it may be truncated or "
            f"corrupt, or hold pickled objects, which nnexp does not load."
        ) from None


def require_keys(
    arrays: dict[str, np.ndarray], path: Path, layouts: Sequence[Sequence[str]]
) -> tuple[str, ...]:
    """The first layout whose keys are all in ``arrays``; else DataError."""
    for keys in layouts:
        if all(k in arrays for k in keys):
            return tuple(keys)
    expected = " or ".join("(" + ", ".join(keys) + ")" for keys in layouts)
    found = ", ".join(sorted(arrays)) or "none"
    raise DataError(f"{path}: missing keys: found {found}; expected {expected}.")


def as_labels(
    y: np.ndarray, path: Path | str, role: str, n_classes: int | None
) -> np.ndarray:
    """Class indices (n,) int64 from integer labels or one-hot rows.

    Raises DataError naming the file, the array and the first bad row for labels that
    are not whole numbers, negative, or not below ``n_classes`` (when known).
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        ok = np.isin(y, (0, 1)).all(axis=1) & (y.sum(axis=1) == 1)
        if not ok.all():
            row = int(np.flatnonzero(~ok)[0])
            raise DataError(
                f"{path}: {role} has rows of {y.shape[1]} values, read as one-hot "
                f"labels, but row {row} is {y[row].tolist()[:12]}; give class indices "
                f"(n,) or one-hot rows."
            )
        return y.argmax(axis=1).astype(np.int64)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or y.dtype.kind not in "uifb":
        raise DataError(
            f"{path}: {role} has shape {y.shape} and dtype {y.dtype}; classification "
            f"labels must be numbers, one per sample (n,) or one-hot rows (n, K)."
        )
    if y.dtype.kind == "f":
        bad = ~np.isfinite(y) | (y != np.round(y))
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"{path}: {role} row {row} is {y[row]!r}; classification labels "
                f"must be whole numbers 0..K-1 (use task: regression for real-valued "
                f"targets)."
            )
    labels = y.astype(np.int64)
    out = labels < 0
    if n_classes is not None:
        out |= labels >= n_classes
    if out.any():
        row = int(np.flatnonzero(out)[0])
        allowed = (
            f"0..{n_classes - 1} for {n_classes} classes" if n_classes else "0 or more"
        )
        raise DataError(
            f"{path}: labels out of range: {role} row {row} is {labels[row]}, but "
            f"labels must be {allowed}."
        )
    return labels


def holdout(
    x: np.ndarray,
    y: np.ndarray,
    test: float | int | None,
    rng: np.random.Generator,
    classify: bool,
    path: Path,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """(x_train, y_train, x_test, y_test): ``test`` held out, stratified and seeded."""
    if test is None:
        return x, y, None, None
    n = len(x)
    k = max(1, round(test * n)) if isinstance(test, float) else int(test)
    if k >= n:
        raise DataError(
            f"{path}: test={test!r} holds out {k} of its {n} samples and leaves none "
            f"to train on; use a smaller fraction or count."
        )
    t = pick(n, k, rng, y if classify else None)
    keep = complement(n, t)
    return x[keep], y[keep], x[t], y[t]
