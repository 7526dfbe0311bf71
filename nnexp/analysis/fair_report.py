"""The report's section of a fair comparison (see :mod:`nnexp.analysis.fair`)."""

from __future__ import annotations

from nnexp.analysis import html
from nnexp.analysis.explode import RULE
from nnexp.analysis.fair import FairComparison
from nnexp.analysis.tables import display_frame, header


def fair_section(fair: FairComparison) -> str:
    """The groups at their chosen settings (the best group highlighted), every
    setting tried (the chosen ones highlighted), then warnings and notes."""
    stats = fair.stats
    names = list(stats.table.columns[: len(stats.by) + len(fair.tuned)])
    display = display_frame(stats.table, metric=fair.report)
    best = (
        {(0, header(n, fair.report)) for n in names} if len(stats.table) > 1 else set()
    )
    grid = display_frame(fair.grid, metric=fair.report)
    chosen = {
        (i, header(n, fair.report))
        for i in range(len(fair.grid))
        if fair.grid["chosen"].iloc[i]
        for n in names
    }
    tuned = ", ".join(names[len(stats.by) :])
    text = (
        f"Each group at its own best {tuned}: the value whose runs have the best mean "
        f"{header(fair.select)} over their seeds (val mean), reported on "
        f"{header(fair.report)}: mean, standard deviation, 95 % confidence interval, "
        "and a paired t-test against the best group (first row) over runs with the "
        "same seed. Validation chooses and test reports, so the choice does not "
        "flatter the reported values."
    )
    notes = [f"warning: {w}" for w in fair.warnings] + fair.notes
    if fair.grid["exploded_runs"].any():
        notes.append(RULE)
    return html.section(
        "Each group at its best setting",
        html.paragraph(text, "muted"),
        html.table(display, best=best, wrap=["note"]),
        html.note(notes),
        "<h3>Every setting tried</h3>",
        html.paragraph(
            "Mean over seeds per group and setting; the chosen ones are highlighted.",
            "muted",
        ),
        html.table(grid, best=chosen),
        anchor="fair",
    )
