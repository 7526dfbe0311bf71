"""The plot registry: a per-run plot kind is one module and one registration, and
every reader (output.plots, the run writer, the report, nnexp plot --kind) sees it."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from nnexp import api
from nnexp.analysis.report import build_report
from nnexp.analysis.select import select_runs
from nnexp.errors import NnexpError
from nnexp.plots.base import new_figure
from nnexp.plots.registry import (
    REPORT_SECTIONS,
    RUN_PLOTS,
    SWEEP_FIGURES,
    RunPlot,
    run_plot_names,
)
from nnexp.spec.load import load_spec

SPEC = {
    "name": "tiny",
    "seed": 0,
    "dataset": {"name": "blobs", "n": 120},
    "model": {"hidden": [4], "activation": "tanh", "output_activation": "softmax"},
    "loss": "cross_entropy",
    "optimizer": {"name": "sgd", "lr": 0.1},
    "training": {"epochs": 2, "batch_size": 16},
}


def draw_weights(run):
    """A dummy plot kind: the run's last train loss and its evaluation split's size."""
    fig = new_figure(4, 3)
    ax = fig.add_subplot()
    ax.bar(["loss"], [run.history["train_loss"].iloc[-1]])
    ax.set_title(f"{run.name}: dummy on {len(run.predictions)} {run.split_name} rows")
    return fig


@pytest.fixture
def dummy():
    kind = RunPlot(
        "dummy", draw_weights, needs=("history", "predictions"), report="Dummies"
    )
    with RUN_PLOTS.registered(kind):
        yield kind
    assert "dummy" not in RUN_PLOTS


def test_the_builtin_kinds_in_drawing_order():
    assert run_plot_names() == [
        "curves", "confusion", "samples", "fit", "layers",
        "boundaries", "fits", "distributions",
    ]  # fmt: skip
    assert [k.file for k in RUN_PLOTS] == [f"{n}.png" for n in run_plot_names()]
    assert [k.name for k in RUN_PLOTS if k.report] == ["fit", "boundaries"]
    import nnexp.sweep.plots  # noqa: F401  registers the sweep figures

    assert SWEEP_FIGURES.names() == ["summary", "scatter", "curves"]
    assert "confusion" in REPORT_SECTIONS and "run plots" in REPORT_SECTIONS
    assert "findings" in REPORT_SECTIONS


def test_a_registered_kind_is_a_choice_of_output_plots(dummy):
    spec = load_spec(SPEC, ["output.plots=[dummy, curves]"])
    assert spec.output.wants_plot("dummy") and not spec.output.wants_plot("layers")


def test_an_unregistered_kind_is_refused_with_the_registered_ones(dummy):
    RUN_PLOTS.remove("dummy")
    try:
        with pytest.raises(NnexpError) as err:
            load_spec(SPEC, ["output.plots=[dummy]"])
    finally:
        RUN_PLOTS.add(dummy)
    assert "output.plots" in str(err.value)
    assert "curves, confusion, samples, fit, layers" in str(err.value)


def test_a_registered_kind_is_drawn_in_the_run_folder_and_shown_in_the_report(
    dummy, tmp_path
):
    run = api.run(SPEC, ["output.plots=[dummy, curves]"], runs_dir=tmp_path)
    assert sorted(p.name for p in run.paths.plots.iterdir()) == [
        "curves.png",
        "dummy.png",
    ]
    summary = json.loads(run.paths.summary.read_text())
    assert summary["plots"] == ["curves.png", "dummy.png"]
    report = build_report(select_runs([str(run.path)]))
    section = re.search(r'<section id="dummy">(.*?)</section>', report, re.S)
    assert section and "<h2>Dummies</h2>" in section.group(1)
    assert section.group(1).count("<img") == 1


def test_a_kind_is_drawn_only_for_runs_that_have_what_it_needs(tmp_path):
    images = RunPlot("pixels", draw_weights, needs=("predictions", "images"))
    with RUN_PLOTS.registered(images):
        run = api.run(SPEC, runs_dir=tmp_path)  # blobs: 2 features, no images
    assert "pixels.png" not in {p.name for p in run.paths.plots.iterdir()}
    assert {"curves.png", "layers.png", "confusion.png"} <= {
        p.name for p in run.paths.plots.iterdir()
    }


def test_nnexp_plot_kind_draws_a_registered_kind_from_a_run_folder(
    dummy, tmp_path, monkeypatch
):
    from nnexp.cli.app import app

    run = api.run(SPEC, ["output.plots=false"], runs_dir=tmp_path / "runs")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["plot", str(run.path), "--kind", "dummy"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / f"{run.path.name}_dummy.png").read_bytes().startswith(b"\x89PNG")


def test_a_name_is_registered_once(dummy):
    with pytest.raises(ValueError, match="already registered"):
        RUN_PLOTS.add(RunPlot("dummy", draw_weights))
    with pytest.raises(ValueError, match="unknown needs"):
        RunPlot("other", draw_weights, needs=("weights",))
