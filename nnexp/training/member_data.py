"""Data for a population whose members have their own splits (issue 13).

A data set with a validation fraction draws each seed's split from the run's split
generator, so members of different seeds train on different arrays of the same
shapes.  :func:`member_splits` gives the population one split object per split whose
``x``, ``y`` and ``labels`` are :class:`MemberArray` views of the members' own arrays:
indexed with one row of sample indices per member ((P, batch), the minibatch loop's
gather) or with a slice of samples (evaluation's chunks), they return (P, …) arrays
whose member p part is exactly member p's own array indexed alike (a gather copies
values, so the numbers are the member's own).  Members that share an array (the same
seed) are gathered together, so a step costs one gather per distinct split, not per
member.  Otherwise a MemberArray looks like one member's array: ``len``, ``shape``,
``size`` and ``dtype`` are a member's.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np

from nnexp.types import Array


class MemberArray:
    """The members' own arrays of one split field, all of one shape and dtype."""

    def __init__(self, arrays: Sequence[Array]):
        distinct: list[Array] = []
        rows: list[list[int]] = []
        for p, array in enumerate(arrays):
            for k, seen in enumerate(distinct):
                if seen is array:
                    rows[k].append(p)
                    break
            else:
                distinct.append(array)
                rows.append([p])
        first = arrays[0]
        for p, array in enumerate(arrays):
            if array.shape != first.shape or array.dtype != first.dtype:
                raise ValueError(
                    "every member of a population needs data of the same shapes:"
                    f" member 0 has {first.shape} {first.dtype}, member {p}"
                    f" {array.shape} {array.dtype}"
                )
        #: (array, the stack positions of the members that train on it)
        self.groups = [(a, np.array(r)) for a, r in zip(distinct, rows, strict=True)]
        self.members = len(arrays)
        self.shape, self.dtype = first.shape, first.dtype
        self.size, self.ndim = first.size, first.ndim

    def __len__(self) -> int:
        return int(self.shape[0])

    def __getitem__(self, key: Any) -> Array:
        if isinstance(key, slice):  # the same samples of every member's array
            part = self.groups[0][0][key]
            out = np.empty((self.members, *part.shape), dtype=self.dtype)
            for array, rows in self.groups:
                out[rows] = array[key]
            return out
        key = np.asarray(key)  # (P, …): member p's sample indices in row p
        out = np.empty(key.shape + self.shape[1:], dtype=self.dtype)
        for array, rows in self.groups:
            out[rows] = array[key[rows]]
        return out

    def __array__(self, dtype: Any = None, copy: Any = None) -> Array:
        whole = self[:]
        return whole if dtype is None else whole.astype(dtype)


def member_splits(splits: Sequence[Any]) -> Any:
    """The members' splits as one (train, val, test) object for the population's loop:
    the shared splits themselves when every member has the same arrays."""
    first = splits[0]
    if all(s is first for s in splits):
        return first
    parts: dict[str, SimpleNamespace | None] = {}
    for name in ("train", "val", "test"):
        own = [getattr(s, name) for s in splits]
        if all(o is None for o in own):
            parts[name] = None
            continue
        if any(o is None for o in own):
            raise ValueError(
                f"every member of a population needs a {name} split, or none"
            )
        parts[name] = SimpleNamespace(
            **{
                field: _field([getattr(o, field) for o in own], name, field)
                for field in ("x", "y", "labels")
            }
        )
    return SimpleNamespace(**parts)


def _field(arrays: list[Any], split: str, field: str) -> Any:
    if all(a is None for a in arrays):
        return None
    if any(a is None for a in arrays):
        raise ValueError(
            f"every member of a population needs {split}.{field}, or none of them"
        )
    first = arrays[0]
    if all(a is first for a in arrays):
        return first
    return MemberArray(arrays)
