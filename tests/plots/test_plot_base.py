"""Saving figures, colours and axis labels (nnexp.plots.base)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from nnexp.errors import NnexpError, RunError
from nnexp.plots.base import (
    color_map,
    figure_bytes,
    metric_label,
    metric_scale,
    new_figure,
    output_format,
    save_figure,
)

MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF-", "svg": b"<?xml"}


def _simple_figure():
    fig = new_figure(3, 2)
    ax = fig.add_subplot()
    ax.plot([1, 2, 3], [3, 1, 2], label="line")
    ax.set_title("t")
    return fig


def test_new_figure_is_on_an_agg_canvas():
    assert isinstance(new_figure(3, 2).canvas, FigureCanvasAgg)


@pytest.mark.parametrize("ext", ["png", "svg", "pdf", "PNG"])
def test_save_figure_writes_the_format_of_the_extension(tmp_path, ext):
    path = save_figure(_simple_figure(), tmp_path / f"fig.{ext}")
    assert path == tmp_path / f"fig.{ext}"
    assert path.read_bytes().startswith(MAGIC[ext.lower()])


@pytest.mark.parametrize("name", ["fig.jpg", "fig.html", "fig"])
def test_save_figure_rejects_other_extensions_with_the_allowed_ones(tmp_path, name):
    with pytest.raises(RunError) as info:
        save_figure(_simple_figure(), tmp_path / name)
    message = str(info.value)
    assert (
        name in message
        and ".png" in message
        and ".svg" in message
        and ".pdf" in message
    )
    assert not (tmp_path / name).exists()


def test_save_figure_to_a_missing_folder_is_a_user_error(tmp_path):
    with pytest.raises(NnexpError, match="does not exist"):
        save_figure(_simple_figure(), tmp_path / "missing" / "fig.png")


def test_vector_output_is_reproducible():
    # No creation date is stored, so the same figure gives the same bytes.
    assert figure_bytes(_simple_figure(), "svg") == figure_bytes(
        _simple_figure(), "svg"
    )
    assert figure_bytes(_simple_figure(), "pdf") == figure_bytes(
        _simple_figure(), "pdf"
    )


def test_figure_bytes_png_and_bad_format():
    assert figure_bytes(_simple_figure()).startswith(MAGIC["png"])
    with pytest.raises(RunError):
        figure_bytes(_simple_figure(), "gif")
    assert output_format("a/b.Svg") == "svg"


def test_color_map_is_stable_distinct_and_ordered():
    first = color_map(["relu", "tanh", "abs", "relu"])
    assert list(first) == ["relu", "tanh", "abs"]
    assert len(set(first.values())) == 3
    assert color_map(["relu", "tanh", "abs"]) == first
    for n in (10, 15, 40):
        colors = color_map(range(n))
        assert len(set(colors.values())) == n


@pytest.mark.parametrize(
    ("name", "loss", "expected"),
    [
        ("loss", "mse", "loss (mse)"),
        ("loss", "cross_entropy", "loss (cross-entropy)"),
        ("accuracy", None, "accuracy (%)"),
        ("final_val_accuracy", None, "final validation accuracy (%)"),
        ("mse", None, "mean squared error"),
        ("val_max_abs_error", None, "validation max |error|"),
        ("dead_fraction", None, "dead units (%)"),
        ("lr", None, "learning rate"),
        ("best_val_loss", None, "best validation loss"),
    ],
)
def test_metric_label(name, loss, expected):
    assert metric_label(name, loss) == expected


def test_metric_scale_shows_fractions_in_percent():
    assert metric_scale("val_accuracy") == 100.0
    assert metric_scale("layer2_dead_fraction") == 100.0
    assert metric_scale("val_loss") == 1.0


def test_plots_never_import_pyplot():
    # pyplot keeps every figure alive in a global list; a sweep must not use it.
    code = (
        "import sys, numpy as np, pandas as pd\n"
        "from nnexp import plots\n"
        "h = pd.DataFrame({'epoch': [1, 2], 'train_loss': [1.0, 0.5]})\n"
        "plots.figure_bytes(plots.make_learning_curves(h))\n"
        "plots.figure_bytes(plots.make_confusion(np.array([0, 1]), np.array([0, 0])))\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
