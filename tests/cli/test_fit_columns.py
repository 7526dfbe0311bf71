"""Columns dropped to fit the terminal come back where they fit after all."""

from __future__ import annotations

import io

import pandas as pd
from rich.console import Console

from nnexp.cli.fit_table import drop_to_fit, print_fitted
from nnexp.cli.runs_cmd import COLUMNS, DROP_ORDER, fit_columns


def _row(**cells: str) -> list[str]:
    base = {
        "name": "quickstart", "date": "2026-12-02 10:00:00", "status": "completed",
        "dataset": "mnist_10k", "activation": "relu", "optimizer": "sgd",
        "lr": "0.1", "epochs": "5/5", "val": "97.10%", "test": "96.80%",
        "folder": "2026-12-02_10-00-00_quickstart",
    }  # fmt: skip
    return [{**base, **cells}[c] for c in COLUMNS]


def _needed(rows: list[list[str]], shown: list[str]) -> int:
    from nnexp.cli.runs_cmd import FOLDING, _natural_width

    widths = [min(_natural_width(c, rows), FOLDING.get(c, 10**6)) for c in shown]
    return sum(widths) + 3 * len(shown) + 1


def test_drop_to_fit_takes_back_the_narrow_columns_a_wide_one_cost():
    widths = {"a": 5, "b": 5, "c": 60, "d": 30}
    fits = lambda dropped: sum(w for k, w in widths.items() if k not in dropped) <= 45  # noqa: E731
    assert drop_to_fit(["a", "b", "c"], fits) == ["c"]
    assert drop_to_fit(["a", "b", "c"], lambda dropped: True) == []


def test_runs_table_keeps_every_column_that_fits_next_to_a_wide_activation():
    # a plugin activation is a long path: dropping it makes room for lr and epochs
    plugin = "/home/student/course/week3/activations/my_acts.py:Isru"
    rows = [_row(activation=plugin), _row(name="tanh_adam", optimizer="adam")]
    shown, dropped = fit_columns(rows, 100)
    assert "activation" in dropped and {"lr", "epochs"} <= set(shown)
    assert _needed(rows, shown) <= 100
    for column in dropped:  # no column left out that would have fitted
        wider = [c for c in COLUMNS if c in shown or c == column]
        assert _needed(rows, wider) > 100
    assert dropped == sorted(dropped, key=DROP_ORDER.index)


def test_compare_table_takes_back_columns_a_wide_one_cost():
    raw = pd.DataFrame(
        {
            "activation": ["relu", "tanh"],
            "seconds": [1.5, 2.5],
            "epochs": [5, 5],
            "status": ["completed " + "x" * 70, "completed"],
            "final_val_accuracy": [0.97, 0.95],
        }
    )
    buffer = io.StringIO()
    out = Console(file=buffer, width=60, force_terminal=True, color_system=None)
    print_fitted(raw, "runs", out, best_row=False)
    text = buffer.getvalue()
    assert "left out to fit the terminal: status " in text
    table = text.split("left out")[0]
    assert "time (s)" in table and "epochs" in table
