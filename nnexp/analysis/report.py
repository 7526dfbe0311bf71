"""One self-contained HTML report of runs or sweeps, to open anywhere and share.

Sections: the settings that differ (and, folded, those shared), the comparison table
with the best value of each metric highlighted, replicate statistics when runs differ
in their seed, learning curves, the sweep summary (a heatmap for two varied settings,
mean ± std per value for one), and per classification run its confusion matrix (the
run's own ``plots/confusion.png``, or recomputed from ``model.npz`` on the test split);
per 1-D regression run the fit it drew (``plots/fit.png``), when there is one.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nnexp import __version__
from nnexp.analysis import html
from nnexp.analysis.compare import Comparison, compare, higher_is_better
from nnexp.analysis.confusion import confusion_png
from nnexp.analysis.explode import EXPLODE_FACTOR, RULE
from nnexp.analysis.fair import FairComparison, fair_stats, tune_option
from nnexp.analysis.fair_report import fair_section
from nnexp.analysis.figures import curves_figure, sweep_figure, sweep_keys
from nnexp.analysis.labels import (
    MISSING,
    differing_keys,
    flatten_configs,
    format_value,
    label_runs,
    run_label,
    short_names,
)
from nnexp.analysis.select import Selection
from nnexp.analysis.stats import GroupStats, group_stats
from nnexp.analysis.tables import display_frame, header
from nnexp.errors import RunError
from nnexp.plots.registry import REPORT_SECTIONS, RUN_PLOTS, ReportSection
from nnexp.runs.reader import Run
from nnexp.training.findings import findings

#: Above this many runs the overlay of every run is left out (the groups remain).
MAX_OVERLAY = 12


def build_report(
    selection: Selection,
    *,
    title: str | None = None,
    by: Sequence[str] = (),
    sort: str | None = None,
    tune: Sequence[str] = (),
    fair: bool = False,
) -> str:
    """The report of ``selection`` as one HTML document (a string).

    Parameters
    ----------
    selection : from :func:`nnexp.analysis.select.select_runs`
    title : heading; default the sweep's name or the number of runs
    by : settings whose groups get replicate statistics and grouped curves; default
        every differing setting but the seed, when runs differ in their seed
    sort : the comparison table's sort column (see :func:`~nnexp.analysis.compare.compare`)
    tune, fair : compare the ``by`` groups each at its own best value of the ``tune``
        keys (``fair``: of every other varying key but the seed), chosen on
        validation and reported on test (see :mod:`nnexp.analysis.fair`)
    """
    tuned = tune_option(by, tune, fair)
    comparison = compare(selection.runs, sort=sort)
    by = list(by) or _replicate_keys(comparison)
    title = title or _default_title(selection)
    view = fair_stats(comparison, by, tuned) if tuned is not False else None
    chosen = (
        [r for r in selection.runs if str(r.path) in set(view.folders)]
        if view is not None
        else selection.runs
    )
    context = ReportContext(selection, title, comparison, by, view, chosen)
    body = [section.render(context) for section in REPORT_SECTIONS]
    body.append(
        f"<footer>Made with nnexp {html.esc(__version__)} on "
        f"{html.esc(time.strftime('%Y-%m-%d %H:%M'))}.</footer>"
    )
    return html.page(title, [part for part in body if part])


@dataclass
class ReportContext:
    """What the report's sections draw from: the runs, their comparison, the ``by``
    groups, the fair comparison's view (or None) and the runs it chose."""

    selection: Selection
    title: str
    comparison: Comparison
    by: list[str]
    fair: FairComparison | None
    chosen: Sequence[Run]


def write_report(text: str, path: str | Path) -> Path:
    """Write the report; the folder must exist.

    Raises
    ------
    RunError
        When the folder is missing or the file cannot be written.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise RunError(
            f"cannot write the report to {path}: the folder {path.parent} does not exist; "
            "create it first or choose another output path."
        )
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise RunError(
            f"cannot write the report to {path}: {err.strerror or err}"
        ) from err
    return path


def _replicate_keys(comparison: Comparison) -> list[str]:
    """When runs differ in their seed, the other differing settings form the groups."""
    if "seed" not in comparison.keys:
        return []
    return [k for k in comparison.keys if k != "seed"]


def _has_seeds(comparison: Comparison) -> bool:
    return "seed" in comparison.keys and len(comparison.table) > 1


def _default_title(selection: Selection) -> str:
    names = [str(s.get("name")) for s in selection.sweep_specs if s.get("name")]
    if len(selection.sweeps) == 1:
        return f"Sweep {names[0] if names else selection.sweeps[0].name}"
    if len(selection.runs) == 1:
        return f"Run {selection.runs[0].name}"
    return f"Comparison of {len(selection.runs)} runs"


def _header(selection: Selection, title: str) -> str:
    runs = selection.runs
    datasets = sorted({str(r.config.get("dataset", {}).get("name", "?")) for r in runs})
    statuses: dict[str, int] = {}
    for run in runs:
        statuses[run.status] = statuses.get(run.status, 0) + 1
    counted = ", ".join(f"{n} {s}" for s, n in statuses.items())
    epochs = sorted({int(r.history["epoch"].iloc[-1]) for r in runs})
    counted += f", {epochs[0]} epochs each" if len(epochs) == 1 else ""
    inputs = ", ".join(selection.inputs)
    return (
        f"<header><h1>{html.esc(title)}</h1>"
        + html.paragraph(
            f"{len(runs)} {selection.task} run{'s' if len(runs) != 1 else ''}"
            f" on {', '.join(datasets)} ({counted}).",
            "meta",
        )
        + html.paragraph(f"From: {inputs}", "meta")
        + "</header>"
    )


def _settings_section(selection: Selection) -> str:
    """What differs between the runs (each value with its count), and folded below
    it what they share; a single run shows its whole resolved spec."""
    flats = flatten_configs([r.config for r in selection.runs])
    keys = differing_keys(flats)
    names = short_names(keys)
    rows = []
    for key in keys:
        counts: dict[str, int] = {}
        for flat in flats:
            value = format_value(flat.get(key, MISSING))
            counts[value] = counts.get(value, 0) + 1
        values = ", ".join(f"{v} (×{n})" if n > 1 else v for v, n in counts.items())
        rows.append({"setting": key, "shown as": names[key], "values": values})
    common = {
        k: v
        for k, v in flats[0].items()
        if k not in keys and all(f.get(k, MISSING) == v for f in flats)
    }
    shared = html.table(
        display_frame(
            pd.DataFrame(
                {
                    "setting": list(common),
                    "value": [format_value(v) for v in common.values()],
                }
            )
        ),
        wrap=["value"],
    )
    if len(flats) == 1:
        return html.section("Settings", shared, anchor="settings")
    parts = [
        html.table(display_frame(pd.DataFrame(rows)), wrap=["values"])
        if rows
        else html.paragraph("The runs share every setting.")
    ]
    if common:
        parts.append(
            f"<details><summary>Settings shared by all runs ({len(common)})"
            f"</summary>{shared}</details>"
        )
    return html.section("Settings that differ", *parts, anchor="settings")


def _comparison_section(comparison: Comparison) -> str:
    table = comparison.table
    # columns with one value for every run are said once, in the page header
    same = [
        c
        for c in ("status", "epochs")
        if c in table.columns and table[c].nunique() == 1
    ]
    # folder names only: a shared file has no current folder to be relative to
    display = display_frame(table, folders="name", drop=same)
    best = _best_cells(comparison)
    direction = "highest" if comparison.higher_is_better else "lowest"
    text = (
        f"One row per run, sorted by {header(comparison.sort)} ({direction} first); the "
        "best value of each metric is highlighted. "
        if len(table) > 1
        else ""
    ) + (
        "Final: the last epoch; best: the epoch with the best validation result; "
        "test: the test split."
    )
    parts = [
        html.paragraph(text, "muted"),
        html.table(display, best=best, paths=["folder"]),
    ]
    if "exploded" in table.columns:
        parts.append(html.note([RULE]))
    return html.section("Comparison", *parts, anchor="comparison")


def _best_cells(comparison: Comparison) -> set[tuple[int, str]]:
    table = comparison.table
    cells: set[tuple[int, str]] = set()
    if len(table) < 2:
        return cells
    for column in table.columns:
        if (
            not column.startswith(("final_", "best_", "test_"))
            or column == "best_epoch"
        ):
            continue
        values = table[column].astype(float).replace([np.inf, -np.inf], np.nan)
        if values.notna().sum() < 2 or values.nunique() < 2:
            continue
        target = values.max() if higher_is_better(column) else values.min()
        cells |= {(i, header(column)) for i in np.flatnonzero(values == target)}
    return cells


def _stats_section(stats: GroupStats, comparison: Comparison) -> str:
    display = display_frame(stats.table, metric=stats.metric)
    best = (
        {(0, h) for h in display.columns[: len(stats.by)]}
        if len(stats.table) > 1
        else set()
    )
    text = (
        f"{header(stats.metric)} per group: mean, sample standard deviation and "
        "95 % confidence interval (t-based) over the group's runs. p: two-sided paired "
        "t-test against the best group (first row); p < 0.05 means the difference is "
        "unlikely to be the luck of the seeds."
    )
    return html.section(
        "Replicates",
        html.paragraph(text, "muted"),
        html.table(display, best=best, wrap=["note"]),
        html.note([f"warning: {w}" for w in stats.warnings] + stats.notes),
        anchor="replicates",
    )


def _curves_section(
    selection: Selection,
    by: Sequence[str],
    chosen: Sequence[Run],
    comparison: Comparison,
) -> str:
    """Grouped curves (of each group's chosen runs in a fair comparison) and the
    overlay of every run; a caption names the runs drawn that exploded."""
    runs = selection.runs
    parts = []
    if by:
        fig = curves_figure(chosen, by=by)
        fair = len(chosen) < len(runs)
        caption = "each group at its chosen setting (see above)" if fair else ""
        drawn = exploded_caption(comparison, {str(r.path) for r in chosen})
        caption = "; ".join(c for c in (caption, drawn) if c) or None
        parts.append(
            html.figure(fig, "learning curves grouped, mean and std band", caption)
        )
    if not by or len(runs) <= MAX_OVERLAY:
        fig = curves_figure(runs)
        caption = (
            None if len(runs) == 1 else "every run; train dashed, validation solid"
        )
        exploded = exploded_caption(comparison)
        if exploded:
            caption = "; ".join(c for c in (caption, exploded) if c)
        parts.append(html.figure(fig, "learning curves of every run", caption))
    return html.section("Learning curves", *parts, anchor="curves")


def exploded_caption(comparison: Comparison, folders: set[str] | None = None) -> str:
    """``exploded (train loss up more than 10×, still finite): activation=abs, lr=1.0
    (3 runs)``, or '' when no run (of ``folders``, when given) exploded."""
    table = comparison.table
    if "exploded" not in table.columns:
        return ""
    keys = [k for k in comparison.keys if k != "seed"]
    counts: dict[str, int] = {}
    flagged = table["exploded"].notna()
    if folders is not None:
        flagged &= table["folder"].astype(str).isin(folders)
    for i in np.flatnonzero(flagged.to_numpy()):
        flat = comparison.flats[int(i)]
        label = (
            run_label({k: flat.get(k, MISSING) for k in keys}, keys, comparison.names)
            or "the runs"
        )
        counts[label] = counts.get(label, 0) + 1
    if not counts:
        return ""
    listed = "; ".join(
        f"{label} ({n} run{'s' if n > 1 else ''})" for label, n in counts.items()
    )
    return (
        f"exploded (train loss up more than {EXPLODE_FACTOR:g}×, still finite, status "
        f"completed): {listed}"
    )


def _sweep_section(
    selection: Selection, comparison: Comparison, exploded: str = ""
) -> str:
    keys = sweep_keys(selection)
    if len(keys) > 2:
        return html.section(
            "Sweep summary",
            html.paragraph(
                f"{len(keys)} settings vary ({', '.join(keys)}), too many for one heatmap; "
                "see the tables above."
            ),
            anchor="sweep",
        )
    if not selection.sweeps and not _has_seeds(comparison):
        return ""  # a few single runs: the comparison table says it all
    fig = sweep_figure(selection, comparison.table, comparison.sort)
    if fig is None:
        return ""
    kind = "heatmap" if len(keys) == 2 else "mean ± std per value"
    return html.section(
        "Sweep summary",
        html.figure(fig, f"sweep {kind}", exploded or None),
        anchor="sweep",
    )


def _confusion_section(selection: Selection) -> str:
    if selection.task != "classification":
        return ""
    labels = label_runs([r.config for r in selection.runs])
    items, problems = [], []
    for label, run in zip(labels, selection.runs, strict=True):
        data, problem = confusion_png(run)
        if data is not None:
            items.append(html.image(data, f"confusion matrix of {label}", label))
        else:
            problems.append(f"{label}: {problem}")
    parts: list[Any] = [
        html.paragraph(
            "Rows are true classes, columns the network's "
            "guesses, on each run's test split (its validation split when the data set has "
            "no test split).",
            "muted",
        )
    ]
    if items:
        parts.append(html.grid(items))
    if problems:
        parts.append(html.note(problems))
    return html.section("Confusion matrices", *parts, anchor="confusion")


def _header_section(context: ReportContext) -> str:
    selection = context.selection
    parts = [_header(selection, context.title)]
    if selection.skipped:
        parts.append(html.note(["Left out: " + s for s in selection.skipped]))
    return "".join(parts)


def _groups_section(context: ReportContext) -> str:
    """The fair comparison, or the replicate statistics of the ``by`` groups (or of
    the seeds)."""
    if context.fair is not None:
        return fair_section(context.fair)
    comparison = context.comparison
    if context.by or _has_seeds(comparison):
        return _stats_section(group_stats(comparison, context.by), comparison)
    return ""


def _run_plot_sections(context: ReportContext) -> str:
    """For each plot kind with a report heading, the file every run drew (the fit of
    a 1-D regression, ``plots/fit.png``), when there is one."""
    selection = context.selection
    labels = label_runs([r.config for r in selection.runs])
    parts = []
    for kind in RUN_PLOTS:
        if kind.report is None:
            continue
        items = [
            html.image(
                (run.paths.plots / kind.file).read_bytes(),
                f"{kind.name} of {label}",
                label,
            )
            for label, run in zip(labels, selection.runs, strict=True)
            if (run.paths.plots / kind.file).is_file()
        ]
        if items:
            anchor = "fits" if kind.name == "fit" else kind.name
            parts.append(html.section(kind.report, html.grid(items), anchor=anchor))
    return "".join(parts)


def _findings_section(context: ReportContext) -> str:
    """Each run's findings in words (summary.json's, or computed from metrics.csv
    for a folder written before nnexp kept them)."""
    selection = context.selection
    labels = label_runs([r.config for r in selection.runs])
    lines = []
    for label, run in zip(labels, selection.runs, strict=True):
        found = run.record.findings
        if found is None:
            found = [f.to_dict() for f in findings(run.history)]
        lines += [f"{label}: {f['message']}" for f in found]
    if not lines:
        return ""
    intro = html.paragraph(
        "What each run's per-epoch diagnostics mean (the rules and their thresholds:"
        " nnexp show --help; a healthy run has none).",
        "muted",
    )
    return html.section("Findings", intro, html.note(lines), anchor="findings")


# the sections, in page order: one line each ----------------------------------------
for _name, _render in [
    ("header", _header_section),
    ("settings", lambda c: _settings_section(c.selection)),
    ("comparison", lambda c: _comparison_section(c.comparison)),
    ("groups", _groups_section),
    ("curves", lambda c: _curves_section(c.selection, c.by, c.chosen, c.comparison)),
    (
        "sweep",
        lambda c: _sweep_section(
            c.selection, c.comparison, exploded_caption(c.comparison)
        ),
    ),
    ("confusion", lambda c: _confusion_section(c.selection)),
    ("findings", _findings_section),
    ("run plots", _run_plot_sections),
]:
    REPORT_SECTIONS.add(ReportSection(_name, _render))
