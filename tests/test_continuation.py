"""Training a completed run for more epochs, and using a saved run's network."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nnexp
from nnexp.errors import RunError, SpecError
from nnexp.runner.rerun import check_rerun
from nnexp.runs.checkpoint import load_npz

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "configs" / "quickstart.yaml"
SMALL = [
    "dataset.limit=300",
    "model.layers=[784, 16, 10]",
    "output.plots=false",
]
TIME = ["train_seconds", "seconds"]


def train(tmp: Path, epochs: int, *extra: str, name: str = "qs") -> nnexp.Run:
    return nnexp.run(
        SPEC, [*SMALL, f"training.epochs={epochs}", *extra], runs_dir=tmp, name=name
    )


def numbers(run) -> tuple[dict, pd.DataFrame]:
    return load_npz(run.path / "model.npz"), run.history.drop(columns=TIME)


@pytest.fixture(scope="module")
def parent(tmp_path_factory) -> nnexp.Run:
    return train(tmp_path_factory.mktemp("parent"), 2)


def test_continuing_to_four_epochs_equals_training_four(parent, tmp_path):
    child = nnexp.continue_run(parent.path, 4, runs_dir=tmp_path / "child")
    direct = train(tmp_path / "direct", 4)
    (wc, hc), (wd, hd) = numbers(child), numbers(direct)
    for name in wd:
        assert np.array_equal(wc[name], wd[name]), name
    pd.testing.assert_frame_equal(hc, hd, check_exact=True)
    assert child.summary["continued_from"] == {"run": str(parent.path), "epoch": 2}
    assert child.config["training"]["continue_from"] == str(parent.path)
    assert child.config["training"]["epochs"] == 4
    assert child.path != parent.path


def test_a_schedule_over_the_total_is_recomputed_from_the_parents_step(tmp_path):
    cosine = "schedule={name: cosine, floor: 0}"
    first = train(tmp_path / "a", 2, cosine)
    child = nnexp.continue_run(first.path, 4, runs_dir=tmp_path / "b")
    lr0 = 0.1  # quickstart's
    lr = child.history["lr"].tolist()
    # epochs 1-2 ran under a 2-epoch cosine, epochs 3-4 under the 4-epoch one
    expected_parent = [lr0 * (1 + math.cos(math.pi * e / 2)) / 2 for e in (0, 1)]
    expected_child = [lr0 * (1 + math.cos(math.pi * e / 4)) / 2 for e in (2, 3)]
    assert lr == pytest.approx(expected_parent + expected_child, rel=1e-12)


def test_a_continuation_refuses_what_the_checkpoint_cannot_carry(parent, tmp_path):
    with pytest.raises(SpecError, match="changes optimizer.lr"):
        nnexp.continue_run(parent.path, 4, ["optimizer.lr=0.5"], runs_dir=tmp_path)
    with pytest.raises(SpecError, match="has trained 2 epochs"):
        nnexp.continue_run(parent.path, 2, runs_dir=tmp_path)
    no_checkpoint = train(tmp_path / "nc", 1, "output.checkpoint=false")
    with pytest.raises(RunError, match="no checkpoint.npz"):
        nnexp.continue_run(no_checkpoint.path, 3, runs_dir=tmp_path)
    assert not any((tmp_path).glob("*_qs")), "no folder is made for a refused spec"


def test_an_interrupted_run_is_resumed_not_continued(parent, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(parent.path, copy)
    summary = json.loads((copy / "summary.json").read_text())
    summary["status"] = "interrupted"
    (copy / "summary.json").write_text(json.dumps(summary))
    with pytest.raises(RunError, match="resume it first"):
        nnexp.continue_run(copy, 4, runs_dir=tmp_path)


def test_allowed_overrides_apply(parent, tmp_path):
    child = nnexp.continue_run(
        parent.path, 3, ["tags=[more]"], name="qs_more", runs_dir=tmp_path
    )
    assert child.config["tags"] == ["more"] and child.name == "qs_more"
    assert list(child.history["epoch"]) == [1, 2, 3]


def test_rerun_check_of_a_continued_run_reruns_the_chain(parent, tmp_path):
    child = nnexp.continue_run(parent.path, 3, runs_dir=tmp_path / "c")
    check = check_rerun(child.path)
    assert check.matches
    assert [c.original for c in check.chain()] == [parent.path]
    grandchild = nnexp.continue_run(child.path, 4, runs_dir=tmp_path / "g")
    assert [c.original for c in check_rerun(grandchild.path).chain()] == [
        parent.path,
        child.path,
    ]
    # without the parent's folder the chain cannot be rerun, and it says so
    moved = tmp_path / "moved"
    shutil.copytree(parent.path, moved)
    orphan = nnexp.continue_run(moved, 3, runs_dir=tmp_path / "o")
    shutil.rmtree(moved)
    with pytest.raises(RunError, match="which is gone"):
        check_rerun(orphan.path)


def test_the_cli_continues_and_refuses(parent, tmp_path):
    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "nnexp", "train", *map(str, args)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env={**os.environ, "COLUMNS": "200"},
            timeout=120,
        )

    done = cli("--continue", parent.path, "--epochs", 3, "--runs-dir", tmp_path, "-q")
    assert done.returncode == 0, done.stderr
    assert "epochs  3" in done.stdout
    no_epochs = cli("--continue", parent.path)
    assert no_epochs.returncode == 2 and "give --epochs N" in no_epochs.stderr
    changed = cli("--continue", parent.path, "--epochs", 3, "optimizer.lr=0.5")
    assert changed.returncode == 2 and "optimizer.lr" in changed.stderr
    assert "Traceback" not in changed.stderr
    stray = cli(SPEC, "--epochs", 3)
    assert stray.returncode == 2 and "--epochs goes with --continue" in stray.stderr


def test_a_loaded_run_predicts_like_the_trained_network(parent):
    loaded = nnexp.load_run(parent.path)
    x = np.random.default_rng(0).random((5, 784))
    trained = parent.network.predict(x.astype(parent.network.dtype))
    assert np.array_equal(loaded.predict(x), trained)
    assert loaded.network.sizes == [784, 16, 10]
    probabilities = loaded.predict(x)
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-6)  # softmax output
    with pytest.raises(RunError, match=r"shape \(n, 784\)"):
        loaded.predict(np.zeros((2, 10)))


def test_a_run_without_weights_says_so(parent, tmp_path):
    copy = tmp_path / "noweights"
    shutil.copytree(parent.path, copy)
    (copy / "model.npz").unlink()
    with pytest.raises(RunError, match="no model.npz"):
        _ = nnexp.load_run(copy).network


def test_the_package_lists_its_lazy_api_and_a_network_says_what_it_is(parent):
    assert {"run", "load_run", "continue_run", "fit", "build_network"} <= set(
        dir(nnexp)
    )
    text = repr(nnexp.load_run(parent.path).network)
    assert text.startswith("Network(784-16-10, relu → softmax")
    assert "12,730 parameters" in text


def test_predict_takes_images_as_the_data_sets_flatten_them(parent):
    loaded = nnexp.load_run(parent.path)
    images = np.random.default_rng(1).random((3, 28, 28))
    assert np.array_equal(loaded.predict(images), loaded.predict(images.reshape(3, -1)))


def test_continue_takes_a_run_name_as_the_other_commands_do(parent, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "nnexp", "train", "--continue", parent.path.name,
         "--epochs", "3", "--runs-dir", str(parent.path.parent), "-q"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
