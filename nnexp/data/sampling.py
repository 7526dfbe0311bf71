"""Seeded, stratified sampling: limits, validation splits, test hold-outs.

Class quotas use largest-remainder (Hamilton) rounding, so the totals are exact and
every class gets its share to within one sample.  Indices come back sorted, so a
split keeps the source's order; the trainer shuffles batches itself.
"""

from __future__ import annotations

import numpy as np

from nnexp.errors import DataError


def largest_remainder(counts: np.ndarray, total: int) -> np.ndarray:
    """Split ``total`` over groups in proportion to ``counts``, exactly.

    Each group gets floor(total·c/N), and the groups with the largest remainders get
    one more (ties: lower group index first).  Integer arithmetic, so ties are exact.
    """
    counts = np.asarray(counts, dtype=np.int64)
    n = int(counts.sum())
    num = counts * int(total)
    quota, rem = num // n, num % n
    short = int(total - quota.sum())
    order = np.lexsort((np.arange(len(counts)), -rem))
    quota[order[:short]] += 1
    return quota


def pick(
    n: int, k: int, rng: np.random.Generator, labels: np.ndarray | None
) -> np.ndarray:
    """Sorted indices of ``k`` of ``n`` samples, stratified by ``labels`` when given."""
    if labels is None:
        return np.sort(rng.permutation(n)[:k])
    classes, inverse, counts = np.unique(
        labels, return_inverse=True, return_counts=True
    )
    quotas = largest_remainder(counts, k)
    chosen = [
        rng.permutation(np.flatnonzero(inverse == c))[: quotas[c]]
        for c in range(len(classes))
    ]
    return np.sort(np.concatenate(chosen))


def complement(n: int, idx: np.ndarray) -> np.ndarray:
    mask = np.ones(n, dtype=bool)
    mask[idx] = False
    return np.flatnonzero(mask)


def validation_count(validation: float | int, n: int, name: str) -> int:
    """Number of validation samples out of ``n`` training samples."""
    if isinstance(validation, float) and validation < 1:
        count = max(1, round(validation * n))
    else:
        count = int(validation)
    if count >= n:
        raise DataError(
            f"data set {name}: validation={validation!r} asks for {count} of the {n} "
            f"training samples, which leaves none to train on; use a smaller fraction "
            f"or count."
        )
    return count
