"""Parameter checks for the data sets' ``__post_init__`` (raise ValueError) and the
run dtype.  The registry turns a ValueError into a RegistryError naming the key."""

from __future__ import annotations

from typing import Any

import numpy as np

NORMALIZE_MODES = ("scale", "standardize", "none")


def check_common(
    name: str,
    *,
    validation: Any = None,
    normalize: Any = "none",
    limit: Any = None,
) -> None:
    """Raise ValueError for a bad ``validation``, ``normalize`` or ``limit`` value."""
    if validation is not None:
        is_count = isinstance(validation, int) and validation >= 0  # 0: no split
        is_fraction = isinstance(validation, float) and 0 <= validation < 1
        if isinstance(validation, bool) or not (is_count or is_fraction):
            raise ValueError(
                f"validation must be a fraction in [0, 1), a count >= 0 or null (0 and "
                f"null: no validation split), "
                f"got {validation!r}"
            )
    if normalize not in NORMALIZE_MODES:
        raise ValueError(
            f"normalize must be one of {', '.join(NORMALIZE_MODES)}, got {normalize!r}"
        )
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int) or limit < 1
    ):
        raise ValueError(
            f"limit must be a count of training samples >= 1, got {limit!r}"
        )


def check_positive_int(value: Any, what: str, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{what} must be an integer >= {minimum}, got {value!r}")


def check_nonnegative(value: Any, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ValueError(f"{what} must be a number >= 0, got {value!r}")


def run_dtype(dtype: Any) -> np.dtype:
    """The run dtype as a NumPy floating dtype (float32 or float64)."""
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise ValueError(f"the run dtype must be float32 or float64, got {dt}")
    return dt


def check_file_params(obj: Any) -> None:
    """Parameter checks shared by the csv and npz data sets."""
    check_common(
        obj.name, validation=obj.validation, normalize=obj.normalize, limit=obj.limit
    )
    if obj.task not in ("classification", "regression"):
        raise ValueError(f"task must be classification or regression, got {obj.task!r}")
    test = obj.test
    if test is not None and (
        isinstance(test, bool)
        or not (
            (isinstance(test, int) and test >= 1)
            or (isinstance(test, float) and 0 < test < 1)
        )
    ):
        raise ValueError(
            f"test must be a fraction in (0, 1), a count >= 1 or null, got {test!r}"
        )
    if obj.classes is not None and (
        isinstance(obj.classes, bool)
        or not isinstance(obj.classes, int)
        or obj.classes < 1
    ):
        raise ValueError(f"classes must be a count >= 1, got {obj.classes!r}")
    if obj.class_names is not None:
        object.__setattr__(obj, "class_names", tuple(str(c) for c in obj.class_names))
        if obj.classes is not None and len(obj.class_names) != obj.classes:
            raise ValueError(
                f"class_names has {len(obj.class_names)} names but classes is "
                f"{obj.classes}"
            )
