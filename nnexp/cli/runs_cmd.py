"""``nnexp runs``: a table of the run folders under a runs directory.

One row per run: name (a sweep cell: ``<sweep>/<cell>``), date (from the folder name,
else when the run started), status (a ``running`` folder whose process is gone shows
``interrupted``), the settings that usually differ between runs, and the final
validation and test metrics.  A table wider than the terminal drops columns (the
folder first) and says which.  ``--filter key=value`` keeps runs whose
``config.yaml`` has that value at the dotted key, or at the key a short name stands
for as in ``compare --by`` (``activation``, ``lr``); a component matches by its name
(``--filter optimizer=adam``); ``--status`` keeps one status.

The runs are :func:`nnexp.api.list_runs`; a RUN argument of ``show``, ``eval`` and
``rerun`` is found by :func:`nnexp.api.find_run`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from nnexp.api import RUN_STATUSES, STAMP, Run, is_sweep_dir, list_runs, run_date
from nnexp.cli.console import console
from nnexp.cli.fit_table import drop_to_fit

COLOURS = {
    "completed": "green",
    "diverged": "red",
    "failed": "red",
    "interrupted": "yellow",
}
#: table columns; `val` and `test` are accuracy (classification) or loss
COLUMNS = (
    "name",
    "date",
    "status",
    "dataset",
    "activation",
    "optimizer",
    "lr",
    "epochs",
    "val",
    "test",
    "folder",
)
#: Columns left out, in this order, when the table is wider than the terminal.
DROP_ORDER = ("folder", "dataset", "optimizer", "epochs", "date", "lr", "activation")
#: Columns that wrap onto more lines (narrowest width) rather than being dropped.
FOLDING = {"name": 24, "folder": 20}


def run_name(run: Run) -> str:
    """The spec's name; for a sweep cell ``<sweep name>/<cell>``, since every cell of
    a sweep has its base spec's name."""
    parent = run.path.parent
    if is_sweep_dir(parent):
        return f"{STAMP.sub('', parent.name)}/{run.path.name}"
    return run.name


def _name(component: Any) -> str:
    if isinstance(component, list):
        return ",".join(_name(c) for c in component)
    if isinstance(component, dict):
        return str(component.get("name", "-"))
    return "-" if component is None else str(component)


def _metric(metrics: dict[str, Any] | None, prefix: str = "") -> str:
    """Accuracy as a percentage when there is one, else the loss."""
    metrics = metrics or {}
    acc, loss = metrics.get(f"{prefix}accuracy"), metrics.get(f"{prefix}loss")
    if isinstance(acc, int | float) and math.isfinite(acc):
        return f"{100 * acc:.2f}%"
    if isinstance(loss, int | float) and math.isfinite(loss):
        return f"loss {loss:.4g}"
    return "-"


def run_row(run: Run, root: Path) -> list[str]:
    """The table cells of one run."""
    c, record = run.config, run.record
    opt = c.get("optimizer")
    lrs = [
        o.get("lr")
        for o in (opt if isinstance(opt, list) else [opt])
        if isinstance(o, dict)
    ]
    done, planned = record.epochs, (c.get("training") or {}).get("epochs")
    done = done if done is not None else len(run.history)
    epochs = f"{done}/{planned if planned else '?'}"
    status = run.status
    try:
        folder = str(run.path.relative_to(root))
    except ValueError:
        folder = str(run.path)
    return [
        run_name(run),
        run_date(run),
        f"[{COLOURS.get(status, 'cyan')}]{status}[/]",
        _name(c.get("dataset")),
        _name((c.get("model") or {}).get("activation")),
        _name(opt),
        ",".join(f"{lr:g}" for lr in lrs if isinstance(lr, int | float)) or "-",
        epochs,
        _metric(record.final, "val_"),
        _metric(record.test),
        folder,
    ]


def runs_table(
    runs: list[Run], root: Path, width: int | None = None
) -> tuple[Table, list[str]]:
    """One row per run (see :data:`COLUMNS`) and the columns left out so that the
    table fits in ``width`` characters (None: no limit).

    Headers are never squashed: the name and folder wrap onto more lines, the other
    columns keep their width, and columns are dropped in :data:`DROP_ORDER` until
    the rest fits (then those that fit after all are taken back).
    """
    rows = [run_row(run, root) for run in runs]
    shown, dropped = fit_columns(rows, width)
    table = Table(title=f"runs in {root} ({len(runs)})", title_justify="left")
    for col in shown:
        natural = _natural_width(col, rows)
        fold = col in FOLDING
        table.add_column(
            col,
            overflow="fold",
            no_wrap=not fold,
            min_width=min(natural, FOLDING[col]) if fold else natural,
        )
    for row in rows:
        table.add_row(
            *(cell for col, cell in zip(COLUMNS, row, strict=True) if col in shown)
        )
    return table, dropped


def fit_columns(
    rows: list[list[str]], width: int | None
) -> tuple[list[str], list[str]]:
    """The columns to show within ``width`` characters, and those dropped
    (:func:`~nnexp.cli.fit_table.drop_to_fit`: in :data:`DROP_ORDER`, and taken back
    where they fit after all)."""

    def fits(dropped: list[str]) -> bool:
        shown = [c for c in COLUMNS if c not in dropped]
        widths = [min(_natural_width(c, rows), FOLDING.get(c, 10**6)) for c in shown]
        return width is None or sum(widths) + 3 * len(shown) + 1 <= width

    dropped = drop_to_fit(DROP_ORDER, fits)
    dropped.sort(key=DROP_ORDER.index)
    return [c for c in COLUMNS if c not in dropped], dropped


def _natural_width(col: str, rows: list[list[str]]) -> int:
    i = COLUMNS.index(col)
    cells = [Text.from_markup(row[i]).cell_len for row in rows]
    return max([len(col), *cells])


def runs(
    runs_dir: Annotated[
        Path, typer.Option("--runs-dir", help="Where to look for run folders.")
    ] = Path("runs"),
    filters: Annotated[
        list[str] | None,
        typer.Option(
            "--filter",
            help="Keep runs whose config has key=value (dotted keys; repeatable).",
        ),
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(help=f"Keep runs with this status: {', '.join(RUN_STATUSES)}."),
    ] = None,
) -> None:
    """List the runs under a runs directory with their settings and final metrics.

    Examples:
      nnexp runs
      nnexp runs --filter model.activation=relu --filter optimizer=sgd
      nnexp runs --runs-dir runs/sweeps --status interrupted
    """
    selected = list_runs(runs_dir, filters or [], status)
    if not selected:
        console.print(
            f"no runs in {runs_dir} match"
            if (filters or status)
            else f"no runs in {runs_dir}"
        )
        return
    table, dropped = runs_table(selected, runs_dir, console.width)
    console.print(table)
    if dropped:
        console.print(
            f"[dim]left out to fit {console.width} columns: {', '.join(dropped)}"
            " (a wider terminal shows them)[/]"
        )


def register(app: typer.Typer) -> None:
    app.command("runs")(runs)
