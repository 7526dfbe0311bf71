"""Tables for people: readable headers and values, Markdown, CSV.

The DataFrames of :mod:`nnexp.analysis.compare` and :mod:`nnexp.analysis.stats` keep
raw values (accuracies as fractions, full precision), which is what CSV gets, equal to
the run's files.  For the terminal, Markdown and HTML, :func:`display_frame` turns
them into text: accuracies in percent, losses to four significant digits, missing
values as a dash.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from nnexp.analysis.explode import explosion_text
from nnexp.analysis.labels import format_value

DASH = "—"
#: Columns holding whole numbers.
_INTEGER = ("epochs", "best_epoch", "n", "runs", "pairs", "exploded_runs")
#: Columns of a group table that are in the unit of the compared metric.
_IN_METRIC_UNIT = (
    "mean",
    "std",
    "ci95_low",
    "ci95_high",
    "diff",
    "val_mean",
    "test_mean",
)
_WORDS = {
    "val": "val",
    "max_abs_error": "max |error|",
    "ci95_low": "95% CI low",
    "ci95_high": "95% CI high",
    "diff": "diff vs best",
    "exploded": "exploded (loss)",
    "exploded_runs": "exploded runs",
    "p": "p",
    "t": "t",
}


def is_percent(column: str) -> bool:
    """Accuracies are stored as fractions and shown in percent."""
    return "accuracy" in column


def header(column: str, metric: str | None = None) -> str:
    """``final_val_accuracy`` → ``final val accuracy (%)``; group statistics of an
    accuracy get ``(%)`` too."""
    if column in _WORDS:
        text = _WORDS[column]
    else:
        text = column.replace("max_abs_error", "max |error|").replace("_", " ")
    unit = is_percent(column) or (
        column in _IN_METRIC_UNIT and metric and is_percent(metric)
    )
    if column == "seconds":
        return "time (s)"
    return text + (" (%)" if unit else "")


def display_value(column: str, value: Any, metric: str | None = None) -> str:
    """One cell as text (see the module docstring)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    if isinstance(value, bool) or not isinstance(value, int | float):
        return format_value(value) if not isinstance(value, str) else value
    if column in _INTEGER:
        return str(int(value))
    if column == "exploded":
        return explosion_text(value)
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if column == "p":
        return (
            "< 0.0001"
            if value < 1e-4
            else f"{value:.4f}"
            if value < 0.01
            else f"{value:.3f}"
        )
    if column == "t":
        return f"{value:.3g}"
    if column == "seconds":
        return f"{value:.1f}"
    percent = is_percent(column) or (
        column in _IN_METRIC_UNIT and metric and is_percent(metric)
    )
    if percent:
        return f"{100 * value:+.2f}" if column == "diff" else f"{100 * value:.2f}"
    if column in _IN_METRIC_UNIT or _is_metric(column):
        return f"{value:+.4g}" if column == "diff" else f"{value:.4g}"
    return format_value(value) if isinstance(value, float) else str(value)


def _is_metric(column: str) -> bool:
    return column.startswith(("final_", "best_", "test_"))


def display_frame(
    table: pd.DataFrame,
    *,
    metric: str | None = None,
    folders: str = "relative",
    drop: Sequence[str] = (),
) -> pd.DataFrame:
    """All cells as text under readable headers.

    Parameters
    ----------
    table : a comparison or group table
    metric : the metric a group table's statistics are in
    folders : ``"relative"`` (to the current folder when below it), ``"name"`` (the
        last part) or ``"full"``
    drop : columns to leave out
    """
    shown = [c for c in table.columns if c not in drop]
    out = pd.DataFrame(index=table.index)
    for column in shown:
        values = table[column].tolist()
        if column == "folder":
            cells = [_folder(v, folders) for v in values]
        else:
            cells = [display_value(column, v, metric) for v in values]
        out[header(column, metric)] = cells
    # which columns hold numbers, for right alignment (attrs travel with the frame)
    out.attrs["numeric"] = [is_numeric_column(table, c) for c in shown]
    return out


def _folder(value: Any, how: str) -> str:
    path = Path(str(value))
    if how == "name":
        return path.name
    if how == "relative":
        try:
            return str(path.resolve().relative_to(Path.cwd().resolve()))
        except ValueError:
            return str(path)
    return str(path)


def is_numeric_column(table: pd.DataFrame, column: str) -> bool:
    """Right-align numbers (settings such as ``lr`` included)."""
    return pd.api.types.is_numeric_dtype(
        table[column]
    ) and not pd.api.types.is_bool_dtype(table[column])


def to_markdown(display: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table of a :func:`display_frame` (numbers
    right-aligned)."""
    right = display.attrs.get("numeric") or [False] * len(display.columns)
    lines = ["| " + " | ".join(_md(h) for h in display.columns) + " |"]
    lines.append("|" + "|".join("---:" if r else ":---" for r in right) + "|")
    for row in display.itertuples(index=False):
        lines.append("| " + " | ".join(_md(str(v)) for v in row) + " |")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_csv(table: pd.DataFrame) -> str:
    """The raw table as CSV: full precision, accuracies as fractions."""
    return table.to_csv(index=False)
