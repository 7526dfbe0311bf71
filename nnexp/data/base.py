"""Splits, DatasetInfo and the preprocessing every loader shares (docs/maths.md §8, §9).

A loader reads its arrays as stored (:class:`RawData`); :func:`prepare` turns them into
the run's arrays in a fixed order, so that a seed decides everything:

1. ``limit``: a stratified subsample of the training set (run's split generator);
2. ``validation``: a stratified split of what remains (same generator);
3. ``normalize``: statistics of the *training* split only, so nothing leaks from the
   validation or test sets;
4. ``flatten``, the run dtype, and targets (one-hot rows or regression columns).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from nnexp.data.checks import run_dtype
from nnexp.data.sampling import complement, pick, validation_count
from nnexp.errors import DataError
from nnexp.types import Array

Task = Literal["classification", "regression"]
Normalize = Literal["scale", "standardize", "none"]
Progress = Callable[[str, int, "int | None"], None]


@dataclass(frozen=True)
class Split:
    """One split of a data set.

    Attributes
    ----------
    x : (n, n_features), or (n, *input_shape) when ``flatten`` is false; run dtype
    y : (n, n_outputs) targets in the run dtype: one-hot rows for classification with
        ``one_hot``, the class index as a float column (n, 1) without, regression values
    labels : (n,) int64 class indices for classification, None for regression
    """

    x: Array
    y: Array
    labels: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.x.shape[0])


@dataclass(frozen=True)
class Splits:
    """Training, validation and test splits (validation and test may be absent)."""

    train: Split
    val: Split | None = None
    test: Split | None = None


@dataclass(frozen=True)
class DatasetInfo:
    """What a run needs to know about its data besides the arrays.

    ``n_outputs`` is the width of the network's output layer: the number of classes for
    classification (whatever ``one_hot`` says), the number of target columns otherwise.
    """

    name: str
    task: Task
    n_features: int
    n_outputs: int
    n_classes: int | None
    class_names: list[str] | None
    input_shape: tuple[int, ...]
    sizes: dict[str, int]
    source: str
    notes: list[str] = field(default_factory=list)
    output_names: list[str] | None = None

    def describe(self) -> str:
        """One line for a run summary: sizes, features, classes or outputs."""
        s = self.sizes
        what = (
            f"{self.n_classes} classes"
            if self.task == "classification"
            else f"{self.n_outputs} output{'s' * (self.n_outputs != 1)}"
        )
        return (
            f"{self.name}: {s['train']:,} train / {s['val']:,} val /"
            f" {s['test']:,} test,"
            f" {self.n_features} feature{'s' * (self.n_features != 1)}, {what}"
        )


@dataclass
class RawData:
    """Arrays as a loader read them, before :func:`prepare`.

    ``x_*`` are (n, *shape) of any numeric dtype; ``y_*`` are (n,) integer labels for
    classification or (n, k) / (n,) values for regression.  ``x_val`` is a validation
    split fixed by the source (an npz's x_val), used instead of a random one.
    ``value_range`` is the known range of x (images: 0–255): ``scale`` then maps it to
    [0, 1] and ``standardize`` uses one mean and std for all features, as is usual for
    pixels; without it both work per feature on the training split.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray | None
    y_test: np.ndarray | None
    task: Task
    source: str
    n_classes: int | None = None
    class_names: list[str] | None = None
    x_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    value_range: tuple[float, float] | None = None
    notes: list[str] = field(default_factory=list)
    output_names: list[str] | None = None


# ---- the pipeline --------------------------------------------------------------------


def prepare(
    raw: RawData,
    *,
    name: str,
    rng: np.random.Generator,
    dtype: Any,
    one_hot: bool = True,
    validation: float | int | None = None,
    normalize: str = "none",
    flatten: bool = True,
    limit: int | None = None,
) -> tuple[Splits, DatasetInfo]:
    """Limit, split, normalise and convert ``raw`` into the run's splits (module doc).

    ``rng`` is consumed in a fixed order (limit, then validation), so one seed gives
    one split.  Returns the :class:`Splits` and the :class:`DatasetInfo`.
    """
    dt = run_dtype(dtype)
    notes = list(raw.notes)
    classify = raw.task == "classification"
    x_tr, y_tr = _limit(raw, limit, rng, notes)
    x_va, y_va, x_tr, y_tr = _validation(raw, x_tr, y_tr, validation, rng, name, notes)
    shape = tuple(int(d) for d in x_tr.shape[1:])
    shift, span = _normalizer(_flat(x_tr), normalize, raw.value_range, notes)
    n_classes = raw.n_classes
    if classify and n_classes is None:
        n_classes = 1 + max(
            int(y.max()) for y in (y_tr, y_va, raw.y_test) if _filled(y)
        )

    def convert(x: np.ndarray | None, y: np.ndarray | None) -> Split | None:
        if x is None or y is None:
            return None
        xf = _flat(x).astype(dt)
        if normalize != "none":
            xf -= shift.astype(dt)
            xf /= span.astype(dt)
        if not flatten:
            xf = xf.reshape(len(xf), *shape)
        return _targets(xf, y, dt, n_classes if classify else None, one_hot)

    splits = Splits(
        convert(x_tr, y_tr), convert(x_va, y_va), convert(raw.x_test, raw.y_test)
    )
    return splits, _info(raw, name, splits, shape, flatten, n_classes, notes)


def _info(
    raw: RawData,
    name: str,
    splits: Splits,
    shape: tuple[int, ...],
    flatten: bool,
    n_classes: int | None,
    notes: list[str],
) -> DatasetInfo:
    classify = raw.task == "classification"
    n_features = int(np.prod(shape, dtype=np.int64))
    sizes = {"train": len(splits.train)}
    sizes.update(val=len(splits.val or ()), test=len(splits.test or ()))
    return DatasetInfo(
        name=name,
        task=raw.task,
        n_features=n_features,
        n_outputs=int(n_classes) if classify else int(splits.train.y.shape[1]),
        n_classes=n_classes if classify else None,
        class_names=raw.class_names,
        input_shape=(n_features,) if flatten else shape,
        sizes=sizes,
        source=raw.source,
        notes=notes,
        output_names=raw.output_names,
    )


def _flat(a: np.ndarray) -> np.ndarray:
    return a.reshape(len(a), -1)


def _limit(
    raw: RawData, limit: int | None, rng: np.random.Generator, notes: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """The training arrays, cut to ``limit`` samples (stratified for classification)."""
    x, y, n = raw.x_train, raw.y_train, len(raw.x_train)
    if limit is None:
        return x, y
    if limit >= n:
        notes.append(f"limit {limit:,} >= the {n:,} training samples: all are used")
        return x, y
    classify = raw.task == "classification"
    idx = pick(n, limit, rng, y if classify else None)
    how = "stratified by class" if classify else "at random"
    notes.append(f"limit: {limit:,} of the {n:,} training samples, {how}")
    return x[idx], y[idx]


def _filled(a: np.ndarray | None) -> bool:
    return a is not None and len(a) > 0


def _validation(
    raw: RawData,
    x: np.ndarray,
    y: np.ndarray,
    validation: float | int | None,
    rng: np.random.Generator,
    name: str,
    notes: list[str],
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray, np.ndarray]:
    """(x_val, y_val, x_train, y_train): the source's fixed split or a seeded one.

    ``validation`` 0 means no split, as null does."""
    if validation == 0 and not isinstance(validation, bool):
        validation = None
    if raw.x_val is not None:
        if validation is not None:
            raise DataError(
                f"data set {name}: {raw.source} has its own validation split (x_val, "
                f"y_val), so validation={validation!r} cannot apply; remove one of "
                f"them."
            )
        notes.append(f"validation: the fixed split stored in {raw.source}")
        return raw.x_val, raw.y_val, x, y
    if validation is None:
        return None, None, x, y
    n = len(x)
    k = validation_count(validation, n, name)
    classify = raw.task == "classification"
    v = pick(n, k, rng, y if classify else None)
    keep = complement(n, v)
    how = "stratified by class" if classify else "at random"
    notes.append(f"validation: {k:,} of {n:,} training samples, {how}")
    return x[v], y[v], x[keep], y[keep]


def _normalizer(
    x: np.ndarray,
    mode: str,
    value_range: tuple[float, float] | None,
    notes: list[str],
) -> tuple[np.ndarray, np.ndarray]:
    """(shift, span) in float64 such that (x − shift) / span is the normalised x.

    ``x`` is the flattened training split (n, features).  Constant features get span 1,
    so they map to 0 instead of dividing by zero.
    """
    one = np.ones(1)
    if mode == "none" or len(x) == 0:
        return np.zeros(1), one
    if mode == "scale" and value_range is not None:
        lo, hi = value_range
        notes.append(
            f"normalize: scale, x/{hi - lo:g}"
            if lo == 0
            else f"normalize: scale, (x − {lo:g})/{hi - lo:g}"
        )
        return np.array([lo], dtype=np.float64), np.array([hi - lo], dtype=np.float64)
    if mode == "scale":
        lo = x.min(axis=0).astype(np.float64)
        span = x.max(axis=0).astype(np.float64) - lo
        span[span == 0] = 1.0
        notes.append(
            "normalize: scale, per feature to [0, 1] by the training split's "
            "min and max"
        )
        return lo, span
    if value_range is not None:
        mean, std = _global_moments(x)
        notes.append(
            f"normalize: standardize with the training split's mean {mean:.6g}"
            f" and std {std:.6g} over all features"
        )
        return np.array([mean]), np.array([std if std > 0 else 1.0])
    mean = x.mean(axis=0, dtype=np.float64)
    std = x.std(axis=0, dtype=np.float64)
    std[std == 0] = 1.0
    notes.append(
        "normalize: standardize per feature with the training split's mean and std"
    )
    return mean, std


def _global_moments(x: np.ndarray) -> tuple[float, float]:
    """Mean and std of all entries; for uint8 from a histogram (no float copy)."""
    if x.dtype == np.uint8:
        hist = np.bincount(x.ravel(), minlength=256).astype(np.float64)
        v = np.arange(256, dtype=np.float64)
        total = hist.sum()
        mean = float(hist @ v / total)
        return mean, float(np.sqrt(hist @ (v - mean) ** 2 / total))
    return float(x.mean(dtype=np.float64)), float(x.std(dtype=np.float64))


def _targets(
    x: Array, y: np.ndarray, dt: np.dtype, n_classes: int | None, one_hot: bool
) -> Split:
    """The split with targets: one-hot rows / index column, or regression columns."""
    n = len(x)
    if n_classes is None:
        return Split(x, np.asarray(y).reshape(n, -1).astype(dt), None)
    labels = np.asarray(y).astype(np.int64).reshape(n)
    if one_hot:
        return Split(x, np.eye(n_classes, dtype=dt)[labels], labels)
    return Split(x, labels[:, None].astype(dt), labels)


class DatasetBase:
    """Shared ``load`` for data sets that produce a :class:`RawData` in ``read``.

    Subclasses are frozen dataclasses whose fields are the parameters; the fields
    ``validation``, ``normalize``, ``flatten`` and ``limit`` are used when present.
    """

    __slots__ = ()
    name: str = "dataset"

    def read(
        self,
        *,
        rng: np.random.Generator,
        base_dir: Any = None,
        progress: Progress | None = None,
    ) -> RawData:
        raise NotImplementedError

    def load(
        self,
        *,
        rng: np.random.Generator,
        dtype: Any,
        one_hot: bool = True,
        base_dir: Any = None,
        progress: Progress | None = None,
    ) -> tuple[Splits, DatasetInfo]:
        """Read the data and return the run's :class:`Splits` and :class:`DatasetInfo`.

        Parameters
        ----------
        rng : the run's "split" generator: splits, limits and generated data
        dtype : the run dtype (float32 or float64) of every x and y
        one_hot : classification targets as one-hot rows (else a class-index column)
        base_dir : folder that a relative ``path`` is relative to (the spec's folder)
        progress : ``progress(label, bytes_done, bytes_total)`` during downloads
        """
        raw = self.read(rng=rng, base_dir=base_dir, progress=progress)
        return prepare(
            raw,
            name=self.name,
            rng=rng,
            dtype=dtype,
            one_hot=one_hot,
            validation=getattr(self, "validation", None),
            normalize=getattr(self, "normalize", "none"),
            flatten=getattr(self, "flatten", True),
            limit=getattr(self, "limit", None),
        )
