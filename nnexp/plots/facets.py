"""Which runs share a band when curves are grouped by some settings.

Grouping runs by one setting (``activation``) while others vary too (``lr``) would
average relu at lr 0.05 with relu at lr 1000 into one band.  By default a band pools
only replicates (seeds): the settings the grouping leaves varying become rows of
panels, or, when their combinations are too many for rows, part of the group label.
Pooling them is an explicit choice, and the figure then says which settings a band
pools.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

#: At most this many rows of panels; more combinations go into the group labels.
MAX_ROWS = 6


@dataclass(frozen=True)
class Arrangement:
    """Per run its group label and row of panels (None: one row), and the note that
    says what the bands pool (None when they pool only seeds)."""

    labels: list[str]
    facets: list[str] | None
    note: str | None


def arrange_groups(
    labels: Sequence[str],
    others: Sequence[Mapping[str, str]],
    *,
    pool: bool | Collection[str] = False,
    max_rows: int = MAX_ROWS,
) -> Arrangement:
    """Decide rows, labels and the note of grouped curves.

    Parameters
    ----------
    labels : per run, its group label (``activation=relu``)
    others : per run, the other settings that differ between the runs, seed excluded,
        as short name → value text (``{"lr": "0.05"}``)
    pool : True to average over every other setting, or the names of those to
        average over (e.g. values drawn by a random search); the note names them
    max_rows : most rows of panels; beyond, the settings join the labels

    A setting the group label determines (one value per group, such as an
    initializer varied together with the activation) pools nothing and is ignored.
    """
    names = list(dict.fromkeys(k for other in others for k in other))
    varying = [k for k in names if not _determined(k, labels, others)]
    pooled = varying if pool is True else [k for k in varying if pool and k in pool]
    kept = [k for k in varying if k not in pooled]
    note = _note(pooled, others) if pooled else None
    if not kept:
        return Arrangement(list(labels), None, note)
    texts = [", ".join(f"{k}={o.get(k, '—')}" for k in kept) for o in others]
    if len(set(texts)) <= max_rows:
        return Arrangement(list(labels), texts, note)
    joined = [f"{label}, {text}" for label, text in zip(labels, texts, strict=True)]
    return Arrangement(joined, None, note)


def _determined(
    key: str, labels: Sequence[str], others: Sequence[Mapping[str, str]]
) -> bool:
    """True when every group has a single value of ``key``."""
    seen: dict[str, str | None] = {}
    for label, other in zip(labels, others, strict=True):
        if seen.setdefault(label, other.get(key)) != other.get(key):
            return False
    return True


def _note(pooled: Sequence[str], others: Sequence[Mapping[str, str]]) -> str:
    """``each band pools lr (2 values) as well as seeds``."""
    parts = [f"{k} ({len({o.get(k) for o in others})} values)" for k in pooled]
    return f"each band pools {', '.join(parts)} as well as seeds"
