"""Replicates: per group mean, std, 95 % confidence interval, and paired t-tests.

Runs that share the values of the ``--by`` settings form a group (e.g. the seeds of
one activation).  The 95 % interval is t-based, mean ± t₀.₉₇₅,ₙ₋₁ · s/√n with the
sample standard deviation s (ddof=1), the right interval for a handful of seeds.  The
best group is tested against each other group with a paired t-test
(:func:`scipy.stats.ttest_rel`, two-sided) over runs that agree on every other
differing setting, in a sweep the same seed: pairing removes the luck of the seed
that both groups share.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nnexp.analysis.compare import Comparison, default_metric
from nnexp.analysis.explode import explosion_text
from nnexp.analysis.labels import MISSING, format_value, resolve_key, run_label
from nnexp.errors import RunError

#: Below this many pairs there is no test (a t-test needs a spread of differences).
MIN_PAIRS = 2


@dataclass
class GroupStats:
    """Statistics per group, best group first.

    ``table`` columns: one per ``by`` setting (short names), ``n`` (runs with a
    finite value), ``runs``, ``mean``, ``std``, ``ci95_low``, ``ci95_high`` (clipped
    to [0, 1] for accuracies, which cannot leave it), and
    against the best group: ``diff`` (mean over pairs of this group minus the best),
    ``pairs``, ``t``, ``p``, ``note``; ``exploded_runs`` when some run exploded (see
    :mod:`nnexp.analysis.explode`).  ``warnings`` say why the comparison may mislead:
    groups that pool other settings, groups whose runs exploded.
    """

    table: pd.DataFrame
    by: list[str]
    metric: str
    higher_is_better: bool
    pair_keys: list[str]
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def group_stats(
    comparison: Comparison, by: Sequence[str], *, ignore: Sequence[str] = ()
) -> GroupStats:
    """Group the runs of ``comparison`` by the settings ``by`` and test the groups.

    The metric is the column the comparison is sorted by.  ``ignore``: dotted keys
    that differ between the groups by design (the tuned settings of a fair
    comparison), left out of the pairing and of the warnings.

    Raises
    ------
    RunError
        For an unknown or ambiguous key, or a sort column that is not a metric.
    """
    keys = list(dict.fromkeys(resolve_key(k, comparison.flats) for k in by))
    metric = comparison.sort
    _check_metric(comparison, metric)
    pair_keys = [k for k in comparison.keys if k not in keys and k not in ignore]
    runs, groups = _runs_frame(comparison, keys, pair_keys)
    table = _describe(runs, comparison.higher_is_better, bounded="accuracy" in metric)
    notes = [_pairing_note(pair_keys, comparison.names)]
    if len(table) > 1:
        best = int(table.index[0])
        tests = [_paired(runs, best, int(other)) for other in table.index]
        table = table.join(pd.DataFrame(tests, index=table.index))
    else:
        notes.append("there is only one group, so there is nothing to test against.")
    if runs["exploded"].any():
        table["exploded_runs"] = runs.groupby("group")["exploded"].sum()
    names = [comparison.names.get(k, k) for k in keys]
    labels = pd.DataFrame(
        [groups[i] for i in table.index], columns=names, index=table.index
    )
    table = pd.concat([labels, table], axis=1).reset_index(drop=True)
    warnings = [
        *_pooled_warning(comparison, pair_keys),
        *exploded_warnings(comparison, keys, tuned=bool(ignore)),
    ]
    return GroupStats(
        table, keys, metric, comparison.higher_is_better, pair_keys, notes, warnings
    )


def _pooled_warning(comparison: Comparison, pair_keys: Sequence[str]) -> list[str]:
    """Groups that mix runs of other settings (lr 0.01 and 0.1) compare the mixes."""
    pooled = [k for k in pair_keys if k != "seed"]
    if not pooled:
        return []
    shown = "; ".join(
        f"{comparison.names.get(k, k)} ({_values(comparison.flats, k)})" for k in pooled
    )
    return [
        f"each group mixes runs that differ in {shown}: the means pool those "
        "settings, and a setting that suits one group but not another decides the "
        "ranking. To compare each group at its own best setting (chosen on "
        "validation, reported on test), add --tune "
        + " --tune ".join(comparison.names.get(k, k) for k in pooled)
        + " (or --fair)."
    ]


def _values(flats: Sequence[dict[str, Any]], key: str) -> str:
    values = dict.fromkeys(format_value(f.get(key, MISSING)) for f in flats)
    return ", ".join(values)


def exploded_warnings(
    comparison: Comparison, keys: Sequence[str], *, tuned: bool = False
) -> list[str]:
    """Per group whose runs exploded: how many, how far, and at which optimiser
    setting (the one setting that did not suit every group); ``tuned``: the setting
    was the group's best of a grid, so the advice is to extend the grid."""
    advice = (
        "it is this group's best setting on validation, so every setting tried failed "
        "it; extend the grid (smaller learning rates)."
        if tuned
        else "that setting does not suit this group, so the comparison says nothing "
        "about the group itself; compare on a grid over the learning rate with "
        "--tune lr (or --fair)."
    )
    table = comparison.table
    if "exploded" not in table.columns:
        return []
    out = []
    groups: dict[str, list[int]] = {}
    names = {k: comparison.names.get(k, k) for k in keys}
    for i, flat in enumerate(comparison.flats):
        label = run_label({k: flat.get(k, MISSING) for k in keys}, keys, names)
        groups.setdefault(label or "the runs", []).append(i)
    for label, rows in groups.items():
        ratios = table["exploded"].iloc[rows].dropna()
        if ratios.empty:
            continue
        first = comparison.flats[int(ratios.index[0])]
        optimiser = ", ".join(
            format_value(first[k])
            if k == "optimizer.name"
            else f"{k.rpartition('.')[2]}={format_value(first[k])}"
            for k in first
            if k.startswith("optimizer.")
            and all(comparison.flats[int(i)].get(k) == first[k] for i in ratios.index)
        )
        out.append(
            f"{label}: {len(ratios)} of {len(rows)} runs exploded (train loss up to "
            f"{explosion_text(float(ratios.max()))} its start, status still "
            f"'completed') at optimizer {optimiser or 'settings that vary'}: " + advice
        )
    return out


def _check_metric(comparison: Comparison, metric: str) -> None:
    column = comparison.table[metric]
    numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(
        column
    )
    if (
        not numeric
        or metric in ("epochs", "best_epoch")
        or metric in comparison.names.values()
    ):
        raise RunError(
            f"--by compares a metric between groups, but the table is sorted by "
            f"'{metric}'; sort by a metric such as "
            f"{default_metric(comparison.table, comparison.task)}."
        )


def _runs_frame(
    comparison: Comparison, keys: list[str], pair_keys: list[str]
) -> tuple[pd.DataFrame, list[tuple[str, ...]]]:
    """Per run its group id, pair id and metric value; and the groups' values."""
    groups: list[tuple[str, ...]] = []
    ids = []
    for flat in comparison.flats:
        values = tuple(format_value(flat.get(k, MISSING)) for k in keys)
        if values not in groups:
            groups.append(values)
        ids.append(groups.index(values))
    pairs = [
        "\n".join(format_value(flat.get(k, MISSING)) for k in pair_keys)
        for flat in comparison.flats
    ]
    values = comparison.table[comparison.sort].astype(float).to_numpy()
    exploded = (
        comparison.table["exploded"].notna().to_numpy()
        if "exploded" in comparison.table.columns
        else np.zeros(len(values), dtype=bool)
    )
    frame = pd.DataFrame(
        {"group": ids, "pair": pairs, "value": values, "exploded": exploded}
    )
    return frame, groups


def _describe(runs: pd.DataFrame, best_first: bool, bounded: bool) -> pd.DataFrame:
    """n, runs, mean, std and the 95 % interval per group id, best group first;
    ``bounded`` clips the interval to [0, 1] (accuracies)."""
    finite = runs[np.isfinite(runs["value"])]
    order = pd.unique(runs["group"])
    table = finite.groupby("group")["value"].agg(n="count", mean="mean", std="std")
    table = table.reindex(order)
    table["n"] = table["n"].fillna(0).astype(int)
    table.insert(1, "runs", runs.groupby("group").size().reindex(order))
    half = np.array(
        [_half_width(s, n) for s, n in zip(table["std"], table["n"], strict=True)]
    )
    low, high = table["mean"] - half, table["mean"] + half
    if bounded:  # a fraction's mean cannot leave [0, 1]; nor should its interval
        low, high = low.clip(lower=0.0), high.clip(upper=1.0)
    table["ci95_low"], table["ci95_high"] = low, high
    return table.sort_values(
        "mean", ascending=not best_first, na_position="last", kind="stable"
    )


def _scipy_stats() -> Any:
    """scipy.stats, imported when an interval or a test is first asked for (0.9 s: a
    sweep's figures and tables without intervals do not wait for it)."""
    from scipy import stats

    return stats


def _half_width(std: float, n: int) -> float:
    """t₀.₉₇₅ with n − 1 degrees of freedom times the standard error (NaN below 2)."""
    if n < 2 or not np.isfinite(std):
        return math.nan
    return float(_scipy_stats().t.ppf(0.975, n - 1) * std / math.sqrt(n))


def _paired(runs: pd.DataFrame, best: int, other: int) -> dict[str, Any]:
    """The paired t-test of group ``other`` against group ``best``."""
    if other == best:
        return {
            "diff": 0.0,
            "pairs": None,
            "t": math.nan,
            "p": math.nan,
            "note": "best",
        }
    joined = pd.concat(
        [_by_pair(runs, best), _by_pair(runs, other)],
        axis=1,
        join="inner",
        keys=["best", "other"],
    ).dropna()
    diffs = (joined["other"] - joined["best"]).to_numpy(dtype=float)
    result: dict[str, Any] = {
        "diff": float(diffs.mean()) if diffs.size else math.nan,
        "pairs": int(diffs.size),
        "t": math.nan,
        "p": math.nan,
    }
    if diffs.size < MIN_PAIRS:
        result["note"] = f"too few pairs ({diffs.size}) for a test"

    elif np.ptp(diffs) <= 1e-12 * max(1.0, float(np.abs(diffs).max())):
        # the differences have no spread, so t = d̄/(s/√n) divides by zero: say it
        same = bool(np.abs(diffs).max() <= 1e-12)
        result.update(
            t=math.nan if same else math.copysign(math.inf, diffs[0]),
            p=1.0 if same else 0.0,
            note="equal in every pair" if same else "the same difference in every pair",
        )
    else:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            test = _scipy_stats().ttest_rel(joined["other"], joined["best"])
        result.update(t=float(test.statistic), p=float(test.pvalue), note="")
    return result


def _by_pair(runs: pd.DataFrame, group: int) -> pd.Series:
    """The group's finite values by pair id (duplicates of a pair averaged)."""
    members = runs[(runs["group"] == group) & np.isfinite(runs["value"])]
    return members.groupby("pair", sort=False)["value"].mean()


def _pairing_note(pair_keys: Sequence[str], names: dict[str, str]) -> str:
    if not pair_keys:
        return (
            "no other setting differs between the runs, so they cannot be paired "
            "and no test is made."
        )
    shown = ", ".join(names.get(k, k) for k in pair_keys)
    return f"paired t-test of each group against the best, over runs with the same {shown}."
