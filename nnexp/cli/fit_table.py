"""Tables that fit the terminal: headers wrap at spaces, never inside a word.

Each column needs at least its widest cell and its longest header word (the note
column wraps, so its longest word); it gets its whole header on one line when there
is room.  When even the narrowest layout is wider than the terminal, less important
columns are left out (:data:`DROP_ORDER`; see :func:`drop_to_fit`) and a line under
the table names them.
Output to a pipe or a file is not cut: every column at full width.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from nnexp.api import display_frame, header

STATUS_STYLE = {
    "completed": "green",
    "diverged": "red",
    "failed": "red",
    "running": "yellow",
    "interrupted": "yellow",
}

#: Columns left out, in this order, when the table is wider than the terminal.
DROP_ORDER = (
    "folder",
    "final_train_accuracy",
    "final_train_loss",
    "final_train_mse",
    "final_train_max_abs_error",
    "test_loss",
    "seconds",
    "best_epoch",
    "epochs",
    "final_val_max_abs_error",
    "test_max_abs_error",
    "status",
    "runs",
    "t",
    "ci95_low",
    "ci95_high",
    "pairs",
    "std",
)
#: Columns whose text may wrap onto several lines.
WRAPPING = ("note", "chosen")


def print_fitted(
    raw: pd.DataFrame,
    title: str,
    out: Console,
    *,
    metric: str | None = None,
    best_row: bool,
) -> None:
    """Print ``raw`` (a comparison or group table) as a table that fits ``out``."""
    dropped: list[str] = []
    display = display_frame(raw, metric=metric, folders="relative")
    if not out.is_terminal:
        widths = [_full(display, c) for c in display.columns]
        wide = sum(widths) + _overhead(display)
        out = Console(
            file=out.file,
            width=max(out.width, wide),
            no_color=out.no_color,
            highlight=False,
        )
    else:

        def frame(drop: Sequence[str]) -> pd.DataFrame:
            return display_frame(raw, metric=metric, folders="relative", drop=drop)

        dropped = drop_to_fit(
            [c for c in DROP_ORDER if c in raw.columns],
            lambda drop: column_widths(frame(drop), out.width) is not None,
        )
        display = frame(dropped)
        widths = column_widths(display, out.width)
    out.print(rich_table(display, title, best_row=best_row, widths=widths))
    if dropped:
        shown = ", ".join(header(c, metric) for c in dropped)
        out.print(
            f"[dim]left out to fit the terminal: {escape(shown)} (see --format csv "
            "or markdown for every column)[/]",
            soft_wrap=True,
        )


def drop_to_fit(order: Sequence[str], fits: Callable[[list[str]], bool]) -> list[str]:
    """The columns to leave out so that the table fits (``fits(dropped)``).

    Columns are dropped in ``order`` until the rest fits; then those dropped are
    taken back, the most important (the last in ``order``) first, wherever the table
    still fits with them: one wide column dropped late must not cost the narrow
    ones dropped before it.
    """
    dropped: list[str] = []
    for column in order:
        if fits(dropped):
            break
        dropped.append(column)
    for column in reversed(list(dropped)):
        fewer = [c for c in dropped if c != column]
        if fits(fewer):
            dropped = fewer
    return dropped


def _cells(display: pd.DataFrame, column: str) -> int:
    return max((len(str(v)) for v in display[column]), default=0)


def _words(text: object) -> int:
    return max((len(w) for w in str(text).split()), default=0)


def _narrowest(display: pd.DataFrame, column: str) -> int:
    """Cells on one line (a wrapping column: its longest word), headers wrapped."""
    if column in WRAPPING:
        cells = max((_words(v) for v in display[column]), default=0)
    else:
        cells = _cells(display, column)
    return max(cells, _words(column), 1)


def _full(display: pd.DataFrame, column: str) -> int:
    return max(_cells(display, column), len(str(column)), 1)


def _overhead(display: pd.DataFrame) -> int:
    """The characters rich adds around the columns (padding, separators, edges)."""
    widths = [1] * len(display.columns)
    table = rich_table(display.iloc[:0], "", best_row=False, widths=widths)
    wide = Console(width=10_000)
    return Measurement.get(wide, wide.options, table).maximum - len(widths)


def column_widths(display: pd.DataFrame, width: int) -> list[int] | None:
    """Widths that fit ``width`` without cutting a word, or None when none do.

    Every column gets its narrowest width; the room left goes to the columns whose
    header fits on one line with the least extra, so that as many headers as
    possible read on one line.
    """
    columns = list(display.columns)
    room = width - _overhead(display)
    full = [_full(display, c) for c in columns]
    if sum(full) <= room:
        return full
    widths = [_narrowest(display, c) for c in columns]
    spare = room - sum(widths)
    if spare < 0:
        return None
    for i in sorted(range(len(columns)), key=lambda i: full[i] - widths[i]):
        grow = min(full[i] - widths[i], spare)
        widths[i] += grow
        spare -= grow
    return widths


def rich_table(
    display: pd.DataFrame,
    title: str,
    *,
    best_row: bool,
    widths: list[int] | None = None,
) -> Table:
    """A rich table of a display frame; ``widths`` fix the column widths."""
    numeric = display.attrs.get("numeric") or [False] * len(display.columns)
    widths = widths or [_full(display, c) for c in display.columns]
    table = Table(
        title=title, box=box.SIMPLE_HEAD, title_justify="left", header_style="bold"
    )
    for name, num, width in zip(display.columns, numeric, widths, strict=True):
        table.add_column(
            name, justify="right" if num else "left", overflow="fold", width=width
        )
    for i, row in enumerate(display.itertuples(index=False)):
        cells = []
        for name, value in zip(display.columns, row, strict=True):
            style = STATUS_STYLE.get(value, "") if name == "status" else ""
            cells.append(f"[{style}]{escape(value)}[/]" if style else escape(value))
        table.add_row(*cells, style="bold" if best_row and i == 0 else None)
    return table


def escape(text: object) -> str:
    """Text with rich's markup brackets escaped."""
    return str(text).replace("[", "\\[")
