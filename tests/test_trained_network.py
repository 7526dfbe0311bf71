"""One way to rebuild a trained network from its folder, used by every reader."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import nnexp
from nnexp.analysis.confusion import recompute_confusion
from nnexp.errors import RunError

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "configs" / "quickstart.yaml"
SMALL = ["dataset.limit=300", "model.layers=[784, 16, 10]", "output.plots=false"]


@pytest.fixture(scope="module")
def child(tmp_path_factory) -> nnexp.api.Run:
    """A run started from another run's weights, whose weights file is then gone."""
    tmp = tmp_path_factory.mktemp("trained")
    base = nnexp.train(SPEC, [*SMALL, "training.epochs=1"], runs_dir=tmp / "a")
    weights = tmp / "init.npz"
    shutil.copy(base.path / "model.npz", weights)
    run = nnexp.train(
        SPEC,
        [*SMALL, "training.epochs=1", f"training.init_from={weights}"],
        runs_dir=tmp / "b",
    )
    weights.unlink()  # the run's own model.npz is all a reader needs
    return run


def test_the_confusion_matrix_of_a_run_started_from_weights_that_are_gone(child):
    figure = recompute_confusion(nnexp.load_run(child.path))
    counts = np.asarray(figure.axes[0].images[0].get_array())
    assert counts.sum() > 0


def test_load_trained_gives_the_network_training_left(child):
    """Rebuilt from config.yaml + model.npz: the very outputs of the network the run
    trained (handed over by train), on the run's own test split."""
    splits, _ = nnexp.api.load_data(child.spec)
    x = splits.test.x[:50]
    rebuilt = nnexp.load_trained(child.path)
    assert rebuilt.sizes == child.network.sizes == [784, 16, 10]
    assert_array_equal(rebuilt.predict(x), child.network.predict(x))
    assert_array_equal(
        nnexp.load_run(child.path).network.predict(x), rebuilt.predict(x)
    )
    # and eval evaluates that network: its test numbers are the run's own
    evaluated = nnexp.evaluate(child.path, split="test")
    assert evaluated["loss"] == child.summary["test"]["loss"]
    assert evaluated["accuracy"] == child.summary["test"]["accuracy"]


def test_a_run_without_weights_says_so(child, tmp_path):
    copy = Path(shutil.copytree(child.path, tmp_path / "copy"))
    (copy / "model.npz").unlink()
    with pytest.raises(RunError, match="has no model.npz .run status: completed."):
        nnexp.load_trained(copy)


def test_only_load_trained_builds_a_trained_network():
    """Exactly one way from a run folder to its network: ``build_trained`` (spec +
    weights) is called from ``nnexp/runner/trained.py`` only."""
    callers = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "nnexp").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", "")) == "build_trained"
    )
    assert callers == ["nnexp/runner/trained.py"]
