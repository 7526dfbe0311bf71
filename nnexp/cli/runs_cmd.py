"""``nnexp runs``: a table of the run folders under a runs directory.

One row per run: name (a sweep cell: ``<sweep>/<cell>``), date (from the folder name,
else when the run started), status (a ``running`` folder whose process is gone shows
``interrupted``), the settings that usually differ between runs, and the final
validation and test metrics.  A table wider than the terminal drops columns (the
folder first) and says which.  ``--filter key=value`` keeps runs whose
``config.yaml`` has that value at the dotted key, or at the key a short name stands
for as in ``compare --by`` (``activation``, ``lr``); a component matches by its name
(``--filter optimizer=adam``); ``--status`` keeps one status.

:func:`find_run` (also used by ``show``, ``eval`` and ``rerun``) turns a RUN argument
into a folder: a path, or a name under the runs directory.
"""

from __future__ import annotations

import difflib
import math
import re
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
import yaml
from rich.table import Table
from rich.text import Text

from nnexp.analysis.labels import MISSING, flatten_configs, resolve_key
from nnexp.analysis.select import is_sweep_dir
from nnexp.cli.console import console
from nnexp.cli.fit_table import drop_to_fit
from nnexp.errors import NnexpError, RunError
from nnexp.registry import normalize_name
from nnexp.runs.reader import Run, discover_runs, load_run

STATUSES = ("running", "completed", "diverged", "interrupted", "failed")
_STAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})_(\d{2})-(\d{2})-(\d{2})_")
_MISSING = object()
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


def find_run(text: str | Path, runs_dir: Path = Path("runs")) -> Path:
    """A run folder from a RUN argument: a path, a folder name under ``runs_dir``, or
    part of one (the latest matching run). Raises RunError otherwise."""
    path = Path(text)
    for candidate in (path, Path(runs_dir) / path):
        if candidate.is_dir():
            return candidate
    found = discover_runs(runs_dir) if Path(runs_dir).is_dir() else []
    matches = [p for p in found if str(text) in p.name]
    if matches:
        return max(matches, key=lambda p: p.name)  # folder names start with the date
    close = difflib.get_close_matches(
        str(text), [p.name for p in found], n=3, cutoff=0.5
    )
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise RunError(
        f"run {str(text)!r} not found: it is not a folder, nor a run under"
        f" {runs_dir}.{hint}"
        " Run `nnexp runs` to list the runs."
    )


def folder_date(path: Path) -> str:
    """``2026-11-23_10-00-05_quickstart`` → ``2026-11-23 10:00:05`` (else ``-``)."""
    m = _STAMP.match(path.name)
    return f"{m.group(1)} {m.group(2)}:{m.group(3)}:{m.group(4)}" if m else "-"


def run_date(run: Run) -> str:
    """The date in the folder name, else when the run started (a sweep cell's
    folder is named by its values): ``2026-11-23 10:00:05``, or ``-``."""
    date = folder_date(run.path)
    started = run.summary.get("started")
    if date == "-" and isinstance(started, str) and len(started) >= 19:
        return started[:19].replace("T", " ")
    return date


def run_name(run: Run) -> str:
    """The spec's name; for a sweep cell ``<sweep name>/<cell>``, since every cell of
    a sweep has its base spec's name."""
    parent = run.path.parent
    if is_sweep_dir(parent):
        return f"{_STAMP.sub('', parent.name)}/{run.path.name}"
    return run.name


def lookup(config: Any, key: str) -> Any:
    """The value at a dotted key (list items by index), or ``_MISSING``."""
    node = config
    for part in key.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def matches(value: Any, wanted: Any) -> bool:
    """Filter equality: components by name (any spelling), numbers by value."""
    if isinstance(value, dict) and "name" in value and isinstance(wanted, str):
        value = value["name"]
    if isinstance(value, str) and isinstance(wanted, str):
        return normalize_name(value) == normalize_name(wanted)
    if isinstance(value, int | float) and isinstance(wanted, int | float):
        return (
            not isinstance(value, bool)
            and not isinstance(wanted, bool)
            and value == wanted
        )
    return value == wanted


def parse_filters(filters: list[str]) -> list[tuple[str, Any]]:
    """``["model.activation=relu", "optimizer.lr=0.1"]`` → ``[(key, value), …]``."""
    out = []
    for text in filters:
        key, sep, raw = text.partition("=")
        if not sep or not key.strip():
            raise NnexpError(
                f"--filter {text!r}: expected key=value with a dotted config key,"
                " e.g. --filter model.activation=relu"
            )
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        out.append((key.strip(), value))
    return out


def _flat_keys(config: Any, prefix: str = "") -> list[str]:
    if not isinstance(config, dict):
        return []
    keys = []
    for k, v in config.items():
        keys.append(f"{prefix}{k}")
        keys.extend(_flat_keys(v, f"{prefix}{k}."))
    return keys


def select(
    runs: list[Run], filters: list[tuple[str, Any]], status: str | None
) -> list[Run]:
    """Runs passing every filter; a key that no run has is an error (a typo).

    A key no config has as written is looked up as ``compare --by`` does
    (:func:`nnexp.analysis.labels.resolve_key`): ``activation`` stands for
    ``model.activation``, ``lr`` for ``optimizer.lr``."""
    flats = flatten_configs([r.config for r in runs])
    kept = list(runs)
    for key, wanted in filters:
        values = [lookup(r.config, key) for r in runs]
        if runs and all(v is _MISSING for v in values):
            dotted = _resolve(key, runs, flats)
            values = [f.get(dotted, MISSING) for f in flats]
        passing = {
            id(r) for r, v in zip(runs, values, strict=True) if matches(v, wanted)
        }
        kept = [r for r in kept if id(r) in passing]
    return [r for r in kept if status is None or r.status == status]


def _resolve(key: str, runs: list[Run], flats: list[dict[str, Any]]) -> str:
    """The dotted key a short name stands for, or an error listing close keys."""
    try:
        return resolve_key(key, flats)
    except RunError as err:
        if "ambiguous" in str(err):
            raise NnexpError(f"--filter {key}: {err}") from None
    known = sorted({k for r in runs for k in _flat_keys(r.config)})
    close = difflib.get_close_matches(key, known, n=3)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise NnexpError(f"--filter {key}: no run has this config key.{hint}")


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
    c, s = run.config, run.summary
    opt = c.get("optimizer")
    lrs = [
        o.get("lr")
        for o in (opt if isinstance(opt, list) else [opt])
        if isinstance(o, dict)
    ]
    done, planned = s.get("epochs"), (c.get("training") or {}).get("epochs")
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
        _metric(s.get("final"), "val_"),
        _metric(s.get("test")),
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


def _load_all(root: Path) -> list[Run]:
    from nnexp.sweep.folder import refresh_results

    runs, paths = [], discover_runs(root)
    refresh_results(p.parent for p in paths)  # sweeps' results.csv after a kill -9
    for path in paths:
        try:
            runs.append(load_run(path))
        except RunError:  # a damaged folder is shown, not fatal to the listing
            runs.append(
                Run(
                    path=path,
                    config={},
                    summary={"status": "unreadable"},
                    history=pd.DataFrame(),
                )
            )
    return runs


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
        typer.Option(help=f"Keep runs with this status: {', '.join(STATUSES)}."),
    ] = None,
) -> None:
    """List the runs under a runs directory with their settings and final metrics.

    Examples:
      nnexp runs
      nnexp runs --filter model.activation=relu --filter optimizer=sgd
      nnexp runs --runs-dir runs/sweeps --status interrupted
    """
    if status is not None and status not in (*STATUSES, "unreadable"):
        close = difflib.get_close_matches(status, STATUSES, n=2)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise NnexpError(
            f"--status {status!r}: expected one of {', '.join(STATUSES)}.{hint}"
        )
    if not runs_dir.is_dir():
        raise RunError(
            f"runs directory {runs_dir} does not exist"
            " (train a run first: nnexp train SPEC)"
        )
    selected = select(_load_all(runs_dir), parse_filters(filters or []), status)
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
