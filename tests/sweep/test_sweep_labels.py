"""Sweep cell folders keep their names (``name=adam``), so an existing sweep resumes;
the sweep's figures label settings as every other figure does (``optimizer=adam``,
a plugin by its file name) and name the loss on the loss axis."""

from __future__ import annotations

from pathlib import Path

from sweep_helpers import run

from nnexp.sweep.executors import LocalExecutor
from nnexp.sweep.plan import open_sweep
from nnexp.sweep.plots import plot_plan
from nnexp.sweep.runner import run_sweep

SCALED = """\
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Scaled:
    a: float = 1.0

    def forward(self, z):
        return self.a * np.tanh(z)

    def derivative(self, z, a):
        return self.a * (1.0 - np.tanh(z) ** 2)
"""


def _texts(fig) -> set[str]:
    """Every text of a figure: titles, axis labels, tick labels, legend entries."""
    out = {t.get_text() for t in fig.texts}
    for ax in fig.axes:
        out |= {ax.get_title(), ax.get_xlabel(), ax.get_ylabel()}
        out |= {t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()}
    for legend in [*fig.legends, *(ax.get_legend() for ax in fig.axes)]:
        if legend is not None:
            out |= {t.get_text() for t in legend.get_texts()}
    return out - {""}


def test_folders_keep_their_names_and_figures_use_the_label_rule(
    tiny, tmp_path, monkeypatch
):
    (tmp_path / "scaled.py").write_text(SCALED)
    monkeypatch.chdir(tmp_path)
    grid = {
        "model.activation": ["tanh", {"name": "scaled.py:Scaled", "a": 0.5}],
        "optimizer.name": ["sgd", "adam"],
    }
    first = run(tiny, tmp_path / "runs", grid=grid)
    cells = sorted(p.name for p in first.folder.iterdir() if p.is_dir())
    assert cells == [
        "activation=scaled.py_Scaled_a-0.5,name=adam",
        "activation=scaled.py_Scaled_a-0.5,name=sgd",
        "activation=tanh,name=adam",
        "activation=tanh,name=sgd",
    ]

    # an existing sweep resumes: every cell is found done, none is run again
    stamps = {c: (first.folder / c / "summary.json").read_text() for c in cells}
    reopened = open_sweep(first.folder)
    again = run_sweep(reopened, LocalExecutor(1), plots=False)
    assert again.frame["status"].tolist() == ["completed"] * 4
    assert {c: (first.folder / c / "summary.json").read_text() for c in cells} == (
        stamps
    )

    figures = dict(plot_plan(first.folder, reopened.expansion, again.frame))
    assert list(figures) == [
        "heatmap.png",
        "curves_by_activation.png",
        "curves_by_optimizer.png",
    ]
    heatmap = _texts(figures["heatmap.png"]())
    assert {"activation", "optimizer", "tanh", "scaled.py:Scaled", "sgd", "adam"} <= (
        heatmap
    )
    curves = _texts(figures["curves_by_optimizer.png"]())
    assert {"optimizer=sgd (n=1)", "optimizer=adam (n=1)"} <= curves
    assert "Loss: activation=scaled.py:Scaled" in curves
    assert "loss (cross-entropy)" in curves
    shown = " ".join(heatmap | curves)
    assert "name=" not in shown and "a-0.5" not in shown and str(tmp_path) not in shown


def test_a_label_the_sweep_spec_gives_a_value_is_kept(tiny, tmp_path):
    grid = {"optimizer.name": {"plain": "sgd", "adaptive": "adam"}}
    result = run(tiny, tmp_path / "runs", grid=grid)
    assert {p.name for p in result.folder.iterdir() if p.is_dir()} == {
        "name=plain",
        "name=adaptive",
    }
    expansion = open_sweep(result.folder).expansion
    figures = dict(plot_plan(result.folder, expansion, result.frame))
    texts = _texts(figures["curves_by_optimizer.png"]())
    assert {"optimizer=plain (n=1)", "optimizer=adaptive (n=1)"} <= texts
    assert "optimizer" in _texts(figures["by_optimizer.png"]())


def test_the_folder_spelling_is_not_a_label(tmp_path: Path):
    from nnexp.analysis.labels import short_names
    from nnexp.sweep.naming import short_keys

    keys = ["model.activation", "optimizer.name", "optimizer.lr", "seed"]
    folders, labels = short_keys(keys), short_names(keys)
    differ = {k for k in keys if folders[k] != labels[k]}
    assert differ == {"optimizer.name"}
    assert folders["optimizer.name"] == "name" and labels["optimizer.name"] == (
        "optimizer"
    )
