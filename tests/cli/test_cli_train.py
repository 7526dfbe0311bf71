"""``nnexp train``: run folder, resume, overrides, extends, divergence, folder names,
and the command itself through a real ``python -m nnexp`` subprocess."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from cli_helpers import QUICKSTART, ROOT, run_module, small

from nnexp import __version__, api
from nnexp.runs import layout
from nnexp.runs.checkpoint import load_checkpoint
from nnexp.runs.reader import load_run
from nnexp.spec.load import load_spec
from nnexp.training.callbacks import Callback

Q = str(QUICKSTART)
TIME_COLUMNS = ["train_seconds", "seconds"]
FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}_quickstart(-\d+)?$")


def only_folder(runs: Path) -> Path:
    folders = [p for p in runs.iterdir() if p.is_dir()]
    assert len(folders) == 1, folders
    return folders[0]


# --- the run folder, through a real subprocess ----------------------------------------


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory: pytest.TempPathFactory):
    """``python -m nnexp train quickstart.yaml`` (small, with plots) in a subprocess."""
    tmp = tmp_path_factory.mktemp("subprocess_run")
    overrides = small("output.plots=true")
    proc = run_module(["train", Q, *overrides, "--runs-dir", tmp / "runs"], cwd=tmp)
    return proc, tmp / "runs", overrides


def test_subprocess_train_completes_with_plain_output(cli_run):
    proc, runs, _ = cli_run
    assert proc.returncode == 0, proc.stderr
    folder = only_folder(runs)
    assert FOLDER.match(folder.name)
    assert str(folder) in proc.stdout
    # not a terminal: one plain line per epoch, no progress-bar control codes
    assert re.search(r"^epoch 1/1 +loss [0-9.]+", proc.stdout, re.MULTILINE)
    assert "\x1b[" not in proc.stdout
    assert "completed" in proc.stdout


def test_config_yaml_reloads_to_the_same_spec(cli_run):
    _, runs, overrides = cli_run
    folder = only_folder(runs)
    assert load_spec(folder / "config.yaml") == api.resolve_spec(
        Q, overrides, runs_dir=runs
    )


def test_metrics_csv_has_one_row_per_epoch_and_the_trainer_columns(cli_run):
    frame = pd.read_csv(only_folder(cli_run[1]) / "metrics.csv")
    assert list(frame["epoch"]) == [1]
    expected = {
        "epoch",
        "train_loss",
        "train_accuracy",
        "val_loss",
        "val_accuracy",
        "lr",
        "train_seconds",
        "seconds",
    }
    for i in (1, 2):
        expected |= {
            f"layer{i}_weight_norm",
            f"layer{i}_grad_norm",
            f"layer{i}_dead_fraction",
        }
    assert expected <= set(frame.columns)
    assert frame["lr"].iloc[0] == 0.1
    assert 0.0 <= frame["val_accuracy"].iloc[0] <= 1.0
    assert np.isfinite(frame["train_loss"]).all()


def test_summary_json_fields(cli_run):
    _, runs, overrides = cli_run
    summary = json.loads((only_folder(runs) / "summary.json").read_text())
    assert summary["status"] == "completed"
    assert summary["epochs"] == 1 and summary["best_epoch"] == 1
    assert summary["seed"] == 0
    assert summary["dataset"]["name"] == "mnist_10k"
    assert summary["dataset"]["sizes"] == {"train": 270, "val": 30, "test": 2000}
    assert set(summary["test"]) >= {"loss", "accuracy"}
    assert summary["final"]["epoch"] == 1
    assert "train_seconds" not in summary["final"]  # metrics, not timings
    assert summary["final"]["val_accuracy"] == summary["best"]["val_accuracy"]
    assert set(summary["versions"]) == {"python", "numpy", "nnexp"}
    assert summary["versions"]["nnexp"] == __version__
    assert summary["overrides"] == overrides
    assert "train" in summary["command"] and "quickstart.yaml" in summary["command"]
    assert summary["wall_seconds"] > 0 and summary["samples_per_second"] > 0


def test_model_npz_checkpoint_and_plots(cli_run):
    folder = only_folder(cli_run[1])
    with np.load(folder / "model.npz") as f:
        shapes = {k: f[k].shape for k in f.files}
        dtypes = {f[k].dtype for k in f.files}
        weights = {k: f[k] for k in f.files}
    assert shapes == {"W1": (784, 16), "b1": (16,), "W2": (16, 10), "b2": (10,)}
    assert dtypes == {np.dtype("float32")}
    state = load_checkpoint(folder / "checkpoint.npz")
    assert state.epoch == 1
    for name, w in weights.items():
        np.testing.assert_array_equal(state.weights[name], w)
    for name in ("curves.png", "layers.png", "confusion.png", "samples.png"):
        assert (folder / "plots" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name


# --- the command through a subprocess: version, errors, --debug, Ctrl-C ---------------


def test_version(tmp_path: Path):
    proc = run_module(["--version"], cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"nnexp {__version__}"


def test_help_lists_the_commands_and_train_help_has_examples(cli: Callable):
    result = cli("--help")
    assert result.exit_code == 0
    for command in ("train", "list", "check", "runs", "show", "eval", "rerun"):
        assert re.search(rf"\b{command}\b", result.stdout), command
    train_help = cli("train", "--help")
    assert train_help.exit_code == 0
    assert "nnexp train configs/quickstart.yaml" in train_help.stdout
    assert "--resume" in train_help.stdout and "--print-config" in train_help.stdout


def test_bad_spec_in_a_subprocess_has_no_traceback_and_debug_has_one(tmp_path: Path):
    plain = run_module(["train", Q, "optimizer.lr=-1"], cwd=tmp_path)
    assert plain.returncode == 2
    assert "optimizer.lr" in plain.stderr and "Traceback" not in plain.stderr
    debug = run_module(["--debug", "train", Q, "optimizer.lr=-1"], cwd=tmp_path)
    assert debug.returncode == 2  # bad input is exit 2 with or without --debug
    assert "Traceback" in debug.stderr and "SpecError" in debug.stderr
    assert "optimizer.lr" in debug.stderr
    assert not (tmp_path / "runs").exists()


def test_ctrl_c_finishes_the_batch_marks_interrupted_and_exits_130(
    tmp_path: Path, cli: Callable
):
    args = [
        sys.executable,
        "-m",
        "nnexp",
        "train",
        Q,
        *small(epochs=500),
        "--runs-dir",
        tmp_path,
    ]
    env = {
        "PYTHONUNBUFFERED": "1",
        "PATH": "/usr/bin:/bin",
        "COLUMNS": "200",
        "HOME": str(Path.home()),
    }
    proc = subprocess.Popen(
        list(map(str, args)),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        for line in proc.stdout:  # wait until training runs (the handler is installed)
            if re.match(r"epoch +1/", line):
                break
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    folder = only_folder(tmp_path)
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "interrupted"
    done = len(pd.read_csv(folder / "metrics.csv"))
    assert 1 <= done < 500
    assert load_checkpoint(folder / "checkpoint.npz").epoch == done
    assert f"--resume {folder}" in out


# --- resume after an interruption equals an uninterrupted run -------------------------


class StopAt(Callback):
    """Sets ``event`` after batch ``batch`` of epoch ``epoch`` (as Ctrl-C would)."""

    batch_every = 1

    def __init__(self, event: threading.Event, epoch: int, batch: int):
        self.event, self.epoch, self.batch = event, epoch, batch

    def on_batch_end(self, epoch: int, batch: int, n_batches: int, loss: float) -> None:
        if (epoch, batch) == (self.epoch, self.batch):
            self.event.set()


@pytest.mark.parametrize(
    "extra",
    [[], ["optimizer={name: adam, lr: 0.01}", "model.dropout=0.2"]],
    ids=["sgd-momentum", "adam-dropout"],
)
def test_resume_after_interruption_equals_an_uninterrupted_run(
    cli: Callable, tmp_path: Path, extra
):
    overrides = small(*extra, epochs=3)
    whole = api.run(Q, overrides, runs_dir=tmp_path / "whole")
    stop = threading.Event()
    cut = api.run(
        Q,
        overrides,
        runs_dir=tmp_path / "cut",
        stop=stop,
        callbacks=[StopAt(stop, epoch=2, batch=4)],
    )
    assert cut.status == "interrupted"
    assert list(cut.history["epoch"]) == [
        1
    ]  # epoch 2 was cut: back to the end of epoch 1
    result = cli("train", "--resume", cut.path, "--quiet")
    assert result.exit_code == 0, result.stderr
    resumed = load_run(cut.path)
    assert resumed.status == "completed"
    pd.testing.assert_frame_equal(
        resumed.history.drop(columns=TIME_COLUMNS),
        whole.history.drop(columns=TIME_COLUMNS),
        check_exact=True,
    )
    with np.load(whole.paths.model) as a, np.load(resumed.paths.model) as b:
        assert a.files == b.files
        for name in a.files:
            assert a[name].tobytes() == b[name].tobytes(), name
    assert resumed.summary["test"] == whole.summary["test"]


# --- overrides, --print-config and extends --------------------------------------------


def test_print_config_applies_overrides_and_writes_nothing(
    cli: Callable, tmp_path: Path
):
    result = cli(
        "train",
        Q,
        "optimizer.lr=0.5",
        "model.activation=tanh",
        "model.layers=[784, 64, 10]",
        "--seed",
        "7",
        "--name",
        "tried",
        "--print-config",
        "--runs-dir",
        tmp_path / "runs",
    )
    assert result.exit_code == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    assert config["optimizer"] == {
        "name": "sgd",
        "lr": 0.5,
        "momentum": 0.9,
        "nesterov": False,
    }
    assert config["model"]["activation"] == {"name": "tanh", "k": 1.0}
    assert config["model"]["layers"] == [784, 64, 10]
    assert (config["seed"], config["name"]) == (7, "tried")
    assert config["output"]["runs_dir"] == str((tmp_path / "runs").resolve())
    assert load_spec(config) == api.resolve_spec(
        Q,
        ["optimizer.lr=0.5", "model.activation=tanh", "model.layers=[784, 64, 10]"],
        seed=7,
        name="tried",
        runs_dir=tmp_path / "runs",
    )
    assert not (tmp_path / "runs").exists()


def test_a_component_override_replaces_the_whole_component(cli: Callable):
    result = cli("train", Q, "optimizer={name: adam, lr: 0.001}", "--print-config")
    assert result.exit_code == 0, result.stderr
    assert yaml.safe_load(result.stdout)["optimizer"] == {
        "name": "adam",
        "lr": 0.001,
        "beta1": 0.9,
        "beta2": 0.999,
        "eps": 1e-8,
        "eps_form": "keras",
    }


def test_extends_merges_mappings_and_replaces_lists(cli: Callable, tmp_path: Path):
    shutil.copy(QUICKSTART, tmp_path / "base.yaml")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "child.yaml").write_text(
        "extends: ../base.yaml\nname: child\n"
        "optimizer: {lr: 0.05}\nmodel: {layers: [784, 32, 10], activation: tanh}\n"
    )
    result = cli(
        "train", tmp_path / "sub" / "child.yaml", "training.epochs=2", "--print-config"
    )
    assert result.exit_code == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    assert config["name"] == "child"
    assert config["optimizer"] == {
        "name": "sgd",
        "lr": 0.05,
        "momentum": 0.9,
        "nesterov": False,
    }
    assert config["model"]["layers"] == [784, 32, 10]
    assert config["model"]["output_activation"] == "softmax"
    assert config["training"]["epochs"] == 2 and config["training"]["batch_size"] == 32


def test_overrides_reach_the_trained_run(cli: Callable, tmp_path: Path):
    result = cli(
        "train",
        Q,
        *small("model.activation=tanh", "optimizer.lr=0.05"),
        "--seed",
        "3",
        "--name",
        "over",
        "--runs-dir",
        tmp_path,
        "--quiet",
    )
    assert result.exit_code == 0, result.stderr
    run = load_run(only_folder(tmp_path))
    assert run.path.name.endswith("_over")
    assert run.config["model"]["activation"]["name"] == "tanh"
    assert run.config["optimizer"]["lr"] == 0.05 and run.summary["seed"] == 3
    assert run.history["lr"].tolist() == [0.05]
    assert "epoch" not in result.stdout.replace(
        "epochs", ""
    )  # --quiet: the summary only
    assert "completed" in result.stdout


# --- divergence and folder names ------------------------------------------------------


def test_a_diverging_run_ends_diverged_with_exit_3_and_an_intact_folder(
    cli: Callable, tmp_path: Path
):
    result = cli(
        "train",
        Q,
        *small(
            "model.activation=exp",
            "model.output_activation=exp",
            "loss=mse",
            "optimizer.lr=1",
            epochs=2,
        ),
        "--runs-dir",
        tmp_path,
    )
    assert result.exit_code == 3, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    folder = only_folder(tmp_path)
    run = load_run(folder)
    assert run.status == "diverged"
    assert "non-finite" in run.summary["message"]
    assert run.config["model"]["activation"] == "exp"
    assert load_spec(folder / "config.yaml").model.activation.name == "exp"
    with np.load(folder / "model.npz") as f:
        assert f.files == ["W1", "b1", "W2", "b2"]
        assert all(np.isfinite(f[k]).all() for k in f.files)
    assert "diverged" in result.stdout


def test_two_runs_started_in_the_same_second_get_different_folders(
    tmp_path: Path, monkeypatch
):
    fixed = time.localtime(1_800_000_000)
    real = time.localtime
    monkeypatch.setattr(
        time, "localtime", lambda t=None: fixed if t is None else real(t)
    )
    first = api.run(Q, small(), runs_dir=tmp_path)
    second = api.run(Q, small(), runs_dir=tmp_path)
    assert first.path != second.path
    assert second.path.name == first.path.name + "-2"
    for run in (first, second):
        assert run.status == "completed"
        assert len(run.history) == 1


def test_parallel_folder_creation_never_shares_a_folder(tmp_path: Path):
    made: list[Path] = []
    lock = threading.Lock()

    def make() -> None:
        path = layout.new_run_dir(tmp_path, "same", when=1_800_000_000)
        with lock:
            made.append(path)

    threads = [threading.Thread(target=make) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(made)) == 16
    assert all(p.is_dir() and p.parent == tmp_path for p in made)


@pytest.mark.parametrize("command", ["list", "check", "runs", "show", "eval", "rerun"])
def test_every_command_has_help_with_examples(cli: Callable, command: str):
    result = cli(command, "--help")
    assert result.exit_code == 0, result.stderr
    assert "Examples:" in result.stdout
    assert f"nnexp {command}" in result.stdout
