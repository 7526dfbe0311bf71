"""Every figure nnexp draws, registered once by name.

Three tables:

* :data:`RUN_PLOTS`: the figures a finished run leaves in ``plots/``.  Their names
  are the choices of ``output.plots`` in a spec and of ``nnexp plot --kind``; the run
  writer draws every one the spec asks for and the run can draw; a kind with a
  ``report`` heading gets a section of the HTML report showing each run's file.
* :data:`SWEEP_FIGURES`: the summary figures of a sweep folder (registered by
  :mod:`nnexp.sweep.plots`).
* :data:`REPORT_SECTIONS`: the sections of ``nnexp report``, in page order
  (registered by :mod:`nnexp.analysis.report`).

A new per-run plot kind is one module with a ``draw(run: RunFigureInput) -> Figure``
function and one ``RUN_PLOTS.add(RunPlot(...))`` line at the end of this file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from matplotlib.figure import Figure

from nnexp.errors import RunError
from nnexp.plots import evolution
from nnexp.plots.run_input import RunFigureInput


class Named(Protocol):
    @property
    def name(self) -> str: ...


T = TypeVar("T", bound=Named)


class Table(Generic[T]):
    """Entries by name, in registration order."""

    def __init__(self, what: str):
        self.what = what
        self._entries: dict[str, T] = {}

    def add(self, entry: T) -> T:
        """Register ``entry``; a name is registered once."""
        if entry.name in self._entries:
            raise ValueError(f"the {self.what} '{entry.name}' is already registered")
        self._entries[entry.name] = entry
        return entry

    def remove(self, name: str) -> None:
        del self._entries[name]

    @contextmanager
    def registered(self, entry: T) -> Iterator[T]:
        """``entry`` registered for the duration of a ``with`` block (tests)."""
        self.add(entry)
        try:
            yield entry
        finally:
            self.remove(entry.name)

    def names(self) -> list[str]:
        return list(self._entries)

    def get(self, name: str) -> T:
        """The entry ``name``; a :class:`RunError` listing the names otherwise."""
        if name not in self._entries:
            raise RunError(
                f"unknown {self.what} '{name}'; allowed: {', '.join(self._entries)}."
            )
        return self._entries[name]

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._entries.values()))

    def __contains__(self, name: object) -> bool:
        return name in self._entries


#: What a per-run figure can need: how to say it, and how to tell whether a run has it.
NEEDS: dict[str, tuple[str, Callable[[RunFigureInput], bool]]] = {
    "history": ("at least one epoch in metrics.csv", lambda run: len(run.history) > 0),
    "predictions": ("the trained network", lambda run: True),
    "labels": (
        "a classification data set",
        lambda run: run.task == "classification" and run.split.labels is not None,
    ),
    "images": ("image inputs", lambda run: run.is_image),
    "2-D boundary": (
        "two input features, and classes or 0/1 targets (a decision boundary is"
        " drawn in the plane of the inputs)",
        lambda run: evolution.has_2d_boundary(run),
    ),
    "snapshots": (
        "weights kept over the epochs (output.snapshots)",
        lambda run: len(run.layer_values) >= 2,
    ),
    "one feature": (
        "a regression with one input",
        lambda run: run.task == "regression" and int(run.info.n_features) == 1,
    ),
}


@dataclass(frozen=True)
class RunPlot:
    """A figure of one run, written to ``plots/<file>``.

    ``needs`` names what it draws from (keys of :data:`NEEDS`); a run without one of
    them is not drawn.  ``report``: the heading of the report section that shows each
    run's file (None: the report does not show it).
    """

    name: str
    draw: Callable[[RunFigureInput], Figure]
    needs: tuple[str, ...] = ("history",)
    help: str = ""
    report: str | None = None
    file: str = ""
    #: frames of an animation, written as ``<name>.gif`` beside the figure
    #: frames of an animated GIF beside the figure (PIL images), or None
    animate: Callable[[RunFigureInput], Iterable[Any]] | None = None

    def __post_init__(self) -> None:
        unknown = [n for n in self.needs if n not in NEEDS]
        if unknown:
            raise ValueError(f"unknown needs {unknown}; known: {', '.join(NEEDS)}")
        if not self.file:
            object.__setattr__(self, "file", f"{self.name}.png")

    @property
    def from_history(self) -> bool:
        """Drawn from metrics.csv alone (no data set, no network)."""
        return set(self.needs) <= {"history"}

    def missing(self, run: RunFigureInput) -> list[str]:
        """What this figure needs that ``run`` lacks, in words (checked in order: a
        run without history is not asked for its data)."""
        for need in self.needs:
            text, check = NEEDS[need]
            if not check(run):
                return [text]
        return []

    def applies(self, run: RunFigureInput) -> bool:
        """Whether ``run`` has everything this figure needs."""
        return not self.missing(run)


@dataclass(frozen=True)
class SweepFigure:
    """A kind of sweep summary figure: ``plan(inputs)`` gives (file name, maker) of
    each figure of that kind the sweep calls for (none, one, or one per key)."""

    name: str
    plan: Callable[[Any], list[tuple[str, Callable[[], Figure]]]]
    help: str = ""


@dataclass(frozen=True)
class ReportSection:
    """A part of the HTML report: ``render(context)`` gives its HTML, or '' to leave
    it out."""

    name: str
    render: Callable[[Any], str]
    help: str = field(default="")


RUN_PLOTS: Table[RunPlot] = Table("plot kind")
SWEEP_FIGURES: Table[SweepFigure] = Table("sweep figure")
REPORT_SECTIONS: Table[ReportSection] = Table("report section")


def run_plot_names() -> list[str]:
    """The names ``output.plots`` accepts."""
    return RUN_PLOTS.names()


# the per-run figures, in drawing order (and as errors list them): one line each ----------------------------------
from nnexp.plots import (  # noqa: E402
    classification,
    curves,
    distributions,
    layers,
    regression,
)

RUN_PLOTS.add(RunPlot("curves", curves.draw_run, help="learning curves"))
RUN_PLOTS.add(
    RunPlot(
        "confusion",
        classification.draw_confusion,
        needs=("predictions", "labels"),
        help="confusion matrix on the test split",
    )
)
RUN_PLOTS.add(
    RunPlot(
        "samples",
        classification.draw_samples,
        needs=("predictions", "labels", "images"),
        help="test images with the network's guesses",
    )
)
RUN_PLOTS.add(
    RunPlot(
        "fit",
        regression.draw_run,
        needs=("predictions", "one feature"),
        help="the fit of a 1-D regression and its log10 error",
        report="Fits",
    )
)
RUN_PLOTS.add(RunPlot("layers", layers.draw_run, help="per-layer diagnostics"))
RUN_PLOTS.add(
    RunPlot(
        "boundaries",
        evolution.draw_boundaries,
        needs=("predictions", "2-D boundary"),
        help="the decision boundary (or each output's 0.5 contour) over the epochs,"
        " with boundaries.gif",
        report="Decision boundaries over the epochs",
        animate=evolution.animate_boundaries,
    )
)
RUN_PLOTS.add(
    RunPlot(
        "fits",
        evolution.draw_fits,
        needs=("predictions", "one feature"),
        help="a 1-D regression's fit over the epochs, with fits.gif",
        animate=evolution.animate_fits,
    )
)
RUN_PLOTS.add(
    RunPlot(
        "distributions",
        distributions.draw,
        needs=("snapshots",),
        help="per-layer weights, pre-activations and gradients over the kept epochs",
    )
)
