"""Reading run folders: the status a dead writer leaves, and damaged files."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from nnexp.errors import RunError
from nnexp.runner.trained import load_trained
from nnexp.runs.reader import (
    discover_runs,
    effective_status,
    load_run,
    read_history,
    read_record,
    read_summary,
)
from nnexp.runs.summary import Summary


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def running(pid, host=None):
    return {"status": "running", "pid": pid, "host": host or socket.gethostname()}


def status_of(summary):
    return effective_status(Summary.model_validate(summary))


def test_a_running_summary_of_a_dead_process_is_interrupted():
    assert status_of(running(dead_pid())) == "interrupted"


def test_a_live_process_or_another_host_stays_running():
    assert status_of(running(os.getpid())) == "running"
    # another machine's pid says nothing about this machine's processes
    assert status_of(running(dead_pid(), host="elsewhere")) == "running"
    assert status_of({"status": "running", "host": socket.gethostname()}) == "running"


@pytest.mark.parametrize("status", ["completed", "diverged", "interrupted"])
def test_final_statuses_are_kept(status):
    assert status_of({"status": status, "pid": dead_pid()}) == status
    assert status_of({}) == "unknown"


def write_run(folder, summary=None, metrics="epoch,train_loss\n1,0.5\n", config=None):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(summary or {"status": "completed"}))
    (folder / "metrics.csv").write_text(metrics)
    (folder / "config.yaml").write_text(config or "name: demo\n")
    return folder


def test_a_run_folder_loads(tmp_path):
    run = load_run(write_run(tmp_path / "r", running(dead_pid())))
    assert run.status == "interrupted" and run.name == "demo"
    assert list(run.history["train_loss"]) == [0.5]


@pytest.mark.parametrize(
    ("file", "text", "words"),
    [
        ("summary.json", '{"status": "comp', "summary.json is not readable JSON"),
        ("summary.json", "[1, 2]", "summary.json is not a run summary: .* list"),
        (
            "metrics.csv",
            "epoch,a\n1,2\n3,4,5,6\n",
            "metrics.csv is not a readable metrics",
        ),
        ("config.yaml", "name: [unclosed\n", "config.yaml is not readable YAML"),
    ],
)
def test_damaged_files_are_run_errors(tmp_path, file, text, words):
    folder = write_run(tmp_path / "r")
    (folder / file).write_text(text)
    with pytest.raises(RunError, match=words):
        load_run(folder)


def test_missing_folders_and_files(tmp_path):
    with pytest.raises(RunError, match="is not a folder"):
        load_run(tmp_path / "nowhere")
    with pytest.raises(RunError, match="no summary.json or config.yaml"):
        load_run(tmp_path)
    folder = write_run(tmp_path / "r")
    (folder / "metrics.csv").write_text("")  # a run killed before its first epoch
    assert read_history(folder).empty
    assert read_summary(tmp_path) == {} and read_record(tmp_path) is None
    with pytest.raises(RunError, match="no model.npz"):
        load_trained(write_run(tmp_path / "s", config=_SPEC))


_SPEC = """\
name: demo
dataset: {name: blobs, n: 30}
model: {layers: [2, 3, 3], activation: tanh, output_activation: softmax}
loss: cross_entropy
optimizer: sgd
training: {epochs: 1, batch_size: 8}
"""


def test_discover_runs_skips_hidden_staging_folders(tmp_path):
    a = write_run(tmp_path / "sweep" / "cell_a")
    b = write_run(tmp_path / "b")
    write_run(tmp_path / "sweep" / ".staging" / "cell_c")
    assert discover_runs(tmp_path) == sorted([a, b])
    assert discover_runs(a) == [a]
    assert discover_runs(tmp_path / "nowhere") == []
