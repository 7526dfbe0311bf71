"""Weights and checkpoint files, written atomically (temporary file + ``os.replace``).

``model.npz`` holds ``W1, b1, W2, b2 …`` (dense layers only, ``W: (fan_in, fan_out)``,
``b: (fan_out,)``); ``checkpoint.npz`` holds a flattened
:class:`~nnexp.training.state.TrainState`.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from nnexp.errors import RunError
from nnexp.training.state import TrainState


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publish(tmp: str, path: Path) -> None:
    """Give the temporary file the usual permissions (mkstemp makes it 0600), then
    move it into place atomically."""
    os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, path)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        _publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, obj: Any) -> None:
    text = json.dumps(obj, indent=2, default=_json_default, allow_nan=True)
    atomic_write_bytes(path, (text + "\n").encode())


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def save_npz_atomic(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)  # type: ignore[arg-type]  # numpy's stub types **kwds too narrowly
            f.flush()
            os.fsync(f.fileno())
        _publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_npz(path: Path, what: str = "weights file") -> dict[str, np.ndarray]:
    path = Path(path)
    if not path.is_file():
        raise RunError(f"{what} {path} does not exist")
    cannot = f"{what} {path} is not a {what} nnexp can read"
    if not zipfile.is_zipfile(path):  # np.load would blame pickling for a text file
        raise RunError(
            f"{cannot}: it is not an .npz file (an .npz is a zip archive of arrays,"
            " as numpy.savez writes)"
        )
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except ValueError as err:  # numpy's words for object arrays mention pickling
        raise RunError(
            f"{cannot}: it holds Python objects, not arrays of numbers (nnexp never"
            " loads objects from a file)"
        ) from err
    except (OSError, zipfile.BadZipFile, EOFError) as err:
        raise RunError(f"{cannot}: the archive is damaged or cut short") from err
    return arrays


def save_weights(path: Path, weights: Mapping[str, np.ndarray]) -> None:
    save_npz_atomic(path, weights)


def load_weights(
    path: Path, expected: Mapping[str, tuple[int, ...]] | None = None
) -> dict[str, np.ndarray]:
    """Read a weights file; with ``expected`` shapes, check names and shapes."""
    weights = load_npz(path)
    odd = [f"{k} ({a.dtype})" for k, a in weights.items() if a.dtype.kind not in "biuf"]
    if odd:
        raise RunError(
            f"weights file {path} is not a weights file nnexp can read: "
            f"{', '.join(odd)} must be arrays of numbers"
        )
    if expected is not None:
        problems = []
        for name, shape in expected.items():
            if name not in weights:
                problems.append(f"{name} missing")
            elif weights[name].shape != tuple(shape):
                problems.append(
                    f"{name} has shape {weights[name].shape}, the network needs {tuple(shape)}"
                )
        if problems:
            raise RunError(
                f"weights file {path} does not fit the network: {'; '.join(problems)}"
            )
    return weights


def save_checkpoint(path: Path, state: TrainState) -> None:
    save_npz_atomic(path, state.to_arrays())


def load_checkpoint(path: Path) -> TrainState:
    arrays = load_npz(path, "checkpoint")
    try:
        return TrainState.from_arrays(arrays)
    except (KeyError, ValueError) as err:
        raise RunError(
            f"checkpoint {path} is incomplete or from another version: {err}"
        ) from err
