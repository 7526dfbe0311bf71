"""A fair comparison: each group at its own best setting, chosen on validation.

At one fixed learning rate a group may lose only because that rate does not suit it
(|x| at lr 0.1 with momentum 0.9 explodes; on a grid over the rate it is the best
activation).  :func:`fair_stats` takes runs on a grid over the *tuned* keys (say
``optimizer.lr``) with several seeds, and for each group of the ``by`` keys:

1. averages each setting's **validation** value over its seeds: the final validation
   value, the one of the weights the test split was evaluated with (the best
   epoch's for runs whose early stopping restored its weights);
2. chooses the setting with the best mean (a setting where a seed has no finite
   value ranks last; ties go to the first in the runs' order);
3. reports the chosen runs on the **test** split: mean, std, 95 % interval, and the
   paired t-test against the best group over runs with the same seed (the seeds are
   the replicates; tuned keys are not paired on, they differ by design).

Validation chooses and test reports, so the test values are not flattered by the
choice (Optuna and Guild users know this as the per-group best).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nnexp.analysis.compare import TASK_METRICS, Comparison, higher_is_better
from nnexp.analysis.explode import EXPLODE_FACTOR
from nnexp.analysis.labels import MISSING, format_value, resolve_key
from nnexp.analysis.stats import GroupStats, group_stats
from nnexp.errors import RunError

#: Prefixes of the comparison's metric columns, to find the metric a sort names.
_PREFIXES = ("final_val_", "best_val_", "final_train_", "best_train_", "test_")


@dataclass
class FairComparison:
    """The groups at their chosen settings, and every setting that was tried.

    ``stats``: a :class:`~nnexp.analysis.stats.GroupStats` of the chosen runs on the
    test metric, whose table has after the group columns the chosen value of each
    tuned key and ``val_mean`` (the validation mean the choice was made on).
    ``grid``: one row per group and setting tried: ``runs``, ``val_mean``,
    ``test_mean``, ``exploded_runs``, ``chosen``.
    """

    stats: GroupStats
    tuned: list[str]
    select: str
    report: str
    grid: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)


def tune_option(
    by: Sequence[str], tune: Sequence[str], fair: bool
) -> list[str] | None | bool:
    """What ``--tune``/``--fair`` ask for: False (no tuning), None (every other
    varying key but the seed) or the keys.

    Raises
    ------
    RunError
        For --tune or --fair without --by, or both together.
    """
    if (tune or fair) and not by:
        raise RunError(
            f"{'--fair' if fair else '--tune'} compares groups each at its own best "
            "setting, so it needs the groups: add --by KEY (e.g. --by activation)."
        )
    if tune and fair:
        raise RunError(
            "give --tune KEY (the settings to choose per group) or --fair (every "
            "setting that varies, except the seed), not both."
        )
    if fair:
        return None
    return list(tune) if tune else False


def tuned_keys(
    comparison: Comparison, by: Sequence[str], tune: Sequence[str] | None
) -> tuple[list[str], list[str]]:
    """The dotted ``by`` keys and tuned keys; ``tune=None`` tunes every other
    differing key but the seed.

    Raises
    ------
    RunError
        When a tuned key is a ``by`` key, does not vary, or nothing is left to tune.
    """
    keys = list(dict.fromkeys(resolve_key(k, comparison.flats) for k in by))
    if tune is None:
        tuned = [k for k in comparison.keys if k not in keys and k != "seed"]
    else:
        tuned = list(dict.fromkeys(resolve_key(k, comparison.flats) for k in tune))
    for key in tuned:
        if key in keys:
            raise RunError(
                f"'{key}' is both grouped on (--by) and tuned (--tune); a setting is "
                "either compared or chosen per group, not both."
            )
        if key not in comparison.keys or key == "seed":
            raise RunError(
                f"cannot tune '{key}': it has one value in all these runs (or is the "
                "seed, which is the replicate); tune a setting the runs vary, such as "
                f"{_varying(comparison, keys)}."
            )
    if not tuned:
        raise RunError(
            "--fair has nothing to tune: apart from the --by settings and the seed "
            "the runs have the same settings. Train each group on a grid over the "
            "setting to tune (e.g. a sweep over optimizer.lr) first."
        )
    return keys, tuned


def _varying(comparison: Comparison, keys: Sequence[str]) -> str:
    others = [comparison.names.get(k, k) for k in comparison.keys if k not in keys]
    return ", ".join(k for k in others if k != "seed") or "optimizer.lr on a grid"


def metric_of(comparison: Comparison) -> str:
    """The metric (``accuracy``, ``mse``, ``loss`` …) the comparison is sorted by;
    the task's main metric when it is sorted by something else."""
    for prefix in _PREFIXES:
        if comparison.sort.startswith(prefix):
            return comparison.sort[len(prefix) :]
    main = TASK_METRICS.get(comparison.task, ("loss",))
    return main[1] if len(main) > 1 else main[0]


def fair_stats(
    comparison: Comparison,
    by: Sequence[str],
    tune: Sequence[str] | None = None,
) -> FairComparison:
    """Compare the groups of ``by``, each at its best setting of ``tune`` (see the
    module docstring); ``tune=None`` tunes every other varying key but the seed.

    Raises
    ------
    RunError
        For bad keys (see :func:`tuned_keys`), or runs without a validation split.
    """
    keys, tuned = tuned_keys(comparison, by, tune)
    metric = metric_of(comparison)
    select = f"final_val_{metric}"
    table = comparison.table
    if select not in table.columns:
        raise RunError(
            f"a fair comparison chooses each group's setting on validation, but these "
            f"runs have no validation {metric} ({select}); give the runs a validation "
            "split (dataset.validation: 0.1) so that the test split stays unseen."
        )
    report = f"test_{metric}"
    warnings = []
    if report not in table.columns:
        report = select
        warnings.append(
            "these runs have no test split: the values reported are the validation "
            "values the settings were chosen on, which flatter every group."
        )
    best_high = higher_is_better(select)
    runs = _runs(comparison, keys, tuned, select, report, best_high)
    grid = _grid(runs, best_high)
    chosen = set(
        zip(
            grid.loc[grid["chosen"], "group"],
            grid.loc[grid["chosen"], "setting"],
            strict=True,
        )
    )
    rows = [
        i for i in runs.index if (runs.at[i, "group"], runs.at[i, "setting"]) in chosen
    ]
    sub = Comparison(
        table.iloc[rows].reset_index(drop=True),
        comparison.keys,
        comparison.names,
        report,
        higher_is_better(report),
        comparison.task,
        [comparison.flats[i] for i in rows],
    )
    stats = group_stats(sub, keys, ignore=tuned)
    stats.table = _with_choice(stats.table, grid, comparison, keys, tuned)
    names = [comparison.names.get(k, k) for k in tuned]
    order = [
        tuple(row)
        for row in stats.table[[comparison.names.get(k, k) for k in keys]].itertuples(
            index=False
        )
    ]
    grid_table = _grid_table(grid, comparison, keys, tuned, order)
    notes = [
        f"each group at its own best {', '.join(names)}: the setting with the best "
        f"mean over seeds of the final validation {metric} (the weights the test "
        "split evaluates; for runs whose early stopping restored its best weights, "
        f"the best epoch's), reported on the {'test split' if report.startswith('test') else 'validation split'}.",
        *stats.notes,
    ]
    warnings += stats.warnings + _edge_warnings(grid, comparison, tuned)
    warnings += _tried_explosions(grid_table, names, len(keys))
    folders = [str(f) for f in sub.table["folder"]]
    return FairComparison(
        stats, tuned, select, report, grid_table, notes, warnings, folders
    )


def _runs(
    comparison: Comparison,
    keys: Sequence[str],
    tuned: Sequence[str],
    select: str,
    report: str,
    best_high: bool,
) -> pd.DataFrame:
    """Per run: group, setting (as text), validation and reported values, exploded."""
    table = comparison.table
    rows = []
    for i, flat in enumerate(comparison.flats):
        chosen_on = table.at[i, select]
        restored = flat.get("training.early_stopping.restore_best") is True
        best_column = select.replace("final_", "best_", 1)
        if restored and best_column in table.columns:
            chosen_on = table.at[i, best_column]
        chosen_on = float(chosen_on)
        if not math.isfinite(chosen_on):  # no finite value: never the best setting
            chosen_on = -math.inf if best_high else math.inf
        rows.append(
            {
                "group": _text(flat, keys),
                "setting": _text(flat, tuned),
                "val_mean": chosen_on,
                "test": float(table.at[i, report]),
                "exploded": "exploded" in table.columns
                and bool(pd.notna(table.at[i, "exploded"])),
            }
        )
    return pd.DataFrame(rows)


def _text(flat: dict[str, Any], keys: Sequence[str]) -> tuple[str, ...]:
    return tuple(format_value(flat.get(k, MISSING)) for k in keys)


def _grid(runs: pd.DataFrame, best_high: bool) -> pd.DataFrame:
    """Per group and setting: runs, mean validation and test values, explosions, and
    whether it is the group's choice."""
    grid = (
        runs.groupby(["group", "setting"], sort=False)
        .agg(
            runs=("test", "size"),
            val_mean=("val_mean", "mean"),
            test_mean=("test", "mean"),
            exploded_runs=("exploded", "sum"),
        )
        .reset_index()
    )
    grid["chosen"] = False
    for _, members in grid.groupby("group", sort=False):
        values = members["val_mean"].to_numpy(float)
        best = int(np.argmax(values) if best_high else np.argmin(values))
        grid.loc[members.index[best], "chosen"] = True
    return grid


def _with_choice(
    table: pd.DataFrame,
    grid: pd.DataFrame,
    comparison: Comparison,
    keys: Sequence[str],
    tuned: Sequence[str],
) -> pd.DataFrame:
    """The group table with each group's chosen values and validation mean inserted
    after its group columns."""
    chosen = grid[grid["chosen"]].set_index("group")
    names = [comparison.names.get(k, k) for k in keys]
    groups = [tuple(row) for row in table[names].itertuples(index=False)]
    extra = pd.DataFrame(
        {
            comparison.names.get(k, k): [
                _typed(chosen.at[g, "setting"][j], comparison, k) for g in groups
            ]
            for j, k in enumerate(tuned)
        }
    )
    extra["val_mean"] = [chosen.at[g, "val_mean"] for g in groups]
    return pd.concat([table[names], extra, table.drop(columns=names)], axis=1)


def _typed(text: str, comparison: Comparison, key: str) -> Any:
    """The value of ``key`` whose text is ``text``, as the runs have it (0.1, not
    '0.1'), so numbers align and sort as numbers."""
    for flat in comparison.flats:
        if format_value(flat.get(key, MISSING)) == text:
            value = flat.get(key, MISSING)
            return None if value is MISSING else value
    return text


def _grid_table(
    grid: pd.DataFrame,
    comparison: Comparison,
    keys: Sequence[str],
    tuned: Sequence[str],
    order: Sequence[tuple[str, ...]],
) -> pd.DataFrame:
    """The grid with a column per group and tuned key, numbers typed, groups in
    ``order`` (best first) and each group's settings in increasing order."""
    out = pd.DataFrame(
        {
            comparison.names.get(k, k): [g[j] for g in grid["group"]]
            for j, k in enumerate(keys)
        }
    )
    for j, key in enumerate(tuned):
        out[comparison.names.get(key, key)] = [
            _typed(s[j], comparison, key) for s in grid["setting"]
        ]
    for column in ("runs", "val_mean", "test_mean", "exploded_runs"):
        out[column] = grid[column].to_numpy()
    out["chosen"] = np.where(grid["chosen"], "chosen", "")
    rank = {group: i for i, group in enumerate(order)}
    out["_rank"] = [rank.get(g, len(rank)) for g in grid["group"]]
    out = out.sort_values(
        ["_rank", *(comparison.names.get(k, k) for k in tuned)], kind="stable"
    )
    return out.drop(columns="_rank").reset_index(drop=True)


def _edge_warnings(
    grid: pd.DataFrame, comparison: Comparison, tuned: Sequence[str]
) -> list[str]:
    """A group whose chosen numeric setting is the smallest or largest of three or
    more tried may do better beyond the grid."""
    if len(tuned) != 1:
        return []
    key = tuned[0]
    name = comparison.names.get(key, key)
    out = []
    for group, members in grid.groupby("group", sort=False):
        values = [_typed(s[0], comparison, key) for s in members["setting"]]
        if len(values) < 3 or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in values
        ):
            continue
        pick = _typed(
            members.loc[members["chosen"], "setting"].iloc[0][0], comparison, key
        )
        edge = (
            "smallest"
            if pick == min(values)
            else "largest"
            if pick == max(values)
            else None
        )
        if edge:
            out.append(
                f"{', '.join(group)}: the chosen {name} ({format_value(pick)}) is the "
                f"{edge} tried; a {'smaller' if edge == 'smallest' else 'larger'} one "
                "may be better, so extend the grid before trusting this ranking."
            )
    return out


def _tried_explosions(
    grid: pd.DataFrame, names: Sequence[str], n_keys: int
) -> list[str]:
    """The settings tried (chosen or not) at which runs exploded, said once."""
    rows = grid[grid["exploded_runs"] > 0]
    if rows.empty:
        return []
    parts = []
    for row in rows.itertuples(index=False):
        group = ", ".join(str(v) for v in row[:n_keys])
        setting = ", ".join(
            f"{n}={format_value(v)}"
            for n, v in zip(names, row[n_keys : n_keys + len(names)], strict=True)
        )
        parts.append(f"{group} at {setting} ({row.exploded_runs} of {row.runs})")
    return [
        f"runs exploded (train loss up more than {EXPLODE_FACTOR:g}×, status still "
        "'completed') among the settings tried: " + "; ".join(parts) + "."
    ]
