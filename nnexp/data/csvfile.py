"""The user's own table in a CSV file: a target column and numeric feature columns.

Columns are chosen by 0-based index (negative counts from the end) or, when the file
has a header row, by name.  The header is detected when a first-row cell is text
above a number (or forced with ``header``).  Feature cells must be finite numbers;
classification targets may be whole numbers 0..K−1 or text labels (class names,
sorted, unless ``class_names`` gives their order).  A test split comes from
``test_path`` (same layout) or is held out of the file (``test``, stratified, seeded).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from nnexp.data.arrays import as_labels, holdout, resolve_path
from nnexp.data.base import DatasetBase, Normalize, Progress, RawData, Task
from nnexp.data.checks import check_file_params
from nnexp.data.registry import DATASETS
from nnexp.errors import DataError


@dataclass
class Table:
    """Cells of a CSV file as text, with the file line of each data row."""

    path: Path
    names: list[str] | None
    rows: list[list[str]]
    lines: list[int]

    @property
    def width(self) -> int:
        return len(self.names) if self.names is not None else len(self.rows[0])

    def label(self, col: int) -> str:
        """``column 3 ('petal_width')``: 1-based, as a spreadsheet shows it."""
        name = f" ({self.names[col]!r})" if self.names else ""
        return f"column {col + 1}{name}"

    def where(self, r: int, col: int) -> str:
        return f"{self.path}, row {r + 1} (line {self.lines[r]}), {self.label(col)}"


def is_number(cell: str) -> bool:
    try:
        return math.isfinite(float(cell))
    except ValueError:
        return False


def read_table(path: Path, delimiter: str, header: bool | None) -> Table:
    """Read every non-blank row; DataError for a missing, unreadable or ragged file."""
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f, delimiter=delimiter)
            for row in reader:
                if any(c.strip() for c in row):
                    rows.append([c.strip() for c in row])
                    lines.append(reader.line_num)
    except FileNotFoundError:
        raise DataError(f"{path}: file not found.") from None
    except UnicodeDecodeError as err:
        raise DataError(
            f"{path}: not UTF-8 text ({err.reason} at byte {err.start})."
        ) from None
    except (csv.Error, OSError) as err:
        raise DataError(f"{path}: cannot read it as CSV ({err}).") from None
    if header is None:
        header = bool(rows) and (
            any(not is_number(a) and is_number(b)
                for a, b in zip(*rows[:2], strict=False))
            if len(rows) > 1 else not all(is_number(c) for c in rows[0])
        )  # fmt: skip
    names = rows[0] if header and rows else None
    if header:
        rows, lines = rows[1:], lines[1:]
    if not rows:
        raise DataError(f"{path}: no data rows.")
    table = Table(path, names, rows, lines)
    for r, row in enumerate(rows):
        if len(row) != table.width:
            first = "header" if names else "first row"
            raise DataError(
                f"{path}, row {r + 1} (line {lines[r]}): {len(row)} cells, but the "
                f"{first} has {table.width}; every row needs the same columns."
            )
    return table


def column_index(ref: int | str, table: Table, what: str) -> int:
    """The 0-based index of column ``ref`` (an index or a header name)."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        i = ref + table.width if ref < 0 else ref
        if not 0 <= i < table.width:
            raise DataError(
                f"{table.path}: {what} column {ref} does not exist; the file has "
                f"{table.width} columns (0..{table.width - 1}, or negative from the "
                f"end)."
            )
        return i
    if table.names is None:
        raise DataError(
            f"{table.path}: {what} column {ref!r} is given by name, but the file "
            f"has no header row (set header: true if its first row is one)."
        )
    if ref not in table.names:
        raise DataError(
            f"{table.path}: {what} column {ref!r} is not in the header; the "
            f"columns are {', '.join(table.names)}."
        )
    return table.names.index(ref)


def numbers(table: Table, cols: list[int]) -> np.ndarray:
    """(n, len(cols)) float64; DataError at the first cell that is not a number."""
    cells = [[row[c] for c in cols] for row in table.rows]
    try:
        a = np.array(cells, dtype=np.float64).reshape(len(cells), len(cols))
        if np.isfinite(a).all():
            return a
    except ValueError:
        pass
    for r, row in enumerate(cells):
        for j, cell in enumerate(row):
            if not is_number(cell):
                what = (
                    "an empty cell"
                    if cell == ""
                    else f"{cell!r} is not a finite number"
                )
                raise DataError(
                    f"{table.where(r, cols[j])}: {what}; feature (and regression "
                    f"target) cells must be numbers."
                )
    raise AssertionError("unreachable: a cell failed to convert but all parse")


def class_labels(
    tables: list[Table],
    cols: list[int],
    classes: int | None,
    class_names: tuple[str, ...] | None,
) -> tuple[list[np.ndarray], int | None, list[str] | None]:
    """Labels (n,) per table, the class count and the class names."""
    cells = [[row[c] for row in t.rows] for t, c in zip(tables, cols, strict=True)]
    if all(is_number(x) for col in cells for x in col):
        count = classes or (len(class_names) if class_names else None)
        labels = [
            as_labels(
                np.array(col, dtype=np.float64), t.path, f"target {t.label(c)}", count
            )
            for t, c, col in zip(tables, cols, cells, strict=True)
        ]
        return labels, count, list(class_names) if class_names else None
    names = (
        list(class_names) if class_names else sorted({x for col in cells for x in col})
    )
    index = {n: i for i, n in enumerate(names)}
    out = []
    for t, c, col in zip(tables, cols, cells, strict=True):
        for r, x in enumerate(col):
            if x not in index:
                raise DataError(
                    f"{t.where(r, c)}: label {x!r} is not one of the class_names "
                    f"{', '.join(names)}."
                    if x
                    else f"{t.where(r, c)}: an empty label."
                )
        out.append(np.array([index[x] for x in col], dtype=np.int64))
    if classes is not None and classes != len(names):
        raise DataError(
            f"{tables[0].path}: the target column has {len(names)} distinct "
            f"labels ({', '.join(names)}) but classes is {classes}."
        )
    return out, len(names), names


@DATASETS.register(
    "csv", description="your table in a CSV file: a target column and feature columns"
)
@dataclass(frozen=True, slots=True)
class Csv(DatasetBase):
    """A CSV table (module doc); ``target`` may list several columns for regression."""

    path: str
    target: int | str | tuple[int | str, ...] = -1
    columns: tuple[int | str, ...] | None = None
    task: Task = "classification"
    header: bool | None = None
    delimiter: str = ","
    classes: int | None = None
    class_names: tuple[str, ...] | None = None
    test: float | int | None = 0.2
    test_path: str | None = None
    validation: float | int | None = None
    normalize: Normalize = "none"
    limit: int | None = None
    name: ClassVar[str] = "csv"

    def __post_init__(self) -> None:
        check_file_params(self)
        if isinstance(self.target, list | tuple):
            object.__setattr__(self, "target", tuple(self.target))
            if not self.target:
                raise ValueError("target must name at least one column")
            if self.task == "classification" and len(self.target) > 1:
                raise ValueError(
                    f"classification takes one target column, got {len(self.target)}"
                )
        if self.columns is not None:
            object.__setattr__(self, "columns", tuple(self.columns))
        if not isinstance(self.delimiter, str) or len(self.delimiter) != 1:
            raise ValueError(f"delimiter must be one character, got {self.delimiter!r}")

    def read(
        self,
        *,
        rng: np.random.Generator,
        base_dir: Any = None,
        progress: Progress | None = None,
    ) -> RawData:
        path = resolve_path(self.path, base_dir)
        tables = [read_table(path, self.delimiter, self.header)]
        if self.test_path is not None:
            tables.append(
                read_table(
                    resolve_path(self.test_path, base_dir), self.delimiter, self.header
                )
            )
        layout = [self._layout(t) for t in tables]
        xs = [numbers(t, feats) for t, (feats, _) in zip(tables, layout, strict=True)]
        classify = self.task == "classification"
        n_classes, names = None, None
        if classify:
            ys, n_classes, names = class_labels(
                tables, [tg[0] for _, tg in layout], self.classes, self.class_names
            )
        else:
            ys = [numbers(t, tg) for t, (_, tg) in zip(tables, layout, strict=True)]
        if len(tables) == 2:
            x_tr, y_tr, x_te, y_te = xs[0], ys[0], xs[1], ys[1]
        else:
            x_tr, y_tr, x_te, y_te = holdout(
                xs[0], ys[0], self.test, rng, classify, path
            )
        feats, targets = layout[0]
        tnames = [tables[0].names[c] for c in targets] if tables[0].names else None
        return RawData(
            x_tr, y_tr, x_te, y_te, task=self.task, source=str(path),
            n_classes=n_classes, class_names=names,
            output_names=None if classify else tnames,
            notes=[f"features: {len(feats)} columns of {tables[0].path.name}"],
        )  # fmt: skip

    def _layout(self, table: Table) -> tuple[list[int], list[int]]:
        """(feature columns, target columns) as 0-based indices."""
        refs = self.target if isinstance(self.target, tuple) else (self.target,)
        targets = [column_index(r, table, "target") for r in refs]
        if self.columns is None:
            feats = [c for c in range(table.width) if c not in targets]
        else:
            feats = [column_index(r, table, "feature") for r in self.columns]
        clash = sorted(set(feats) & set(targets))
        if clash:
            raise DataError(
                f"{table.path}: {table.label(clash[0])} is both a feature and "
                f"the target; remove it from columns."
            )
        if not feats:
            raise DataError(f"{table.path}: no feature columns besides the target.")
        return feats, targets
