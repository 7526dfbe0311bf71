"""``nnexp runs`` (table, filters, status) and ``nnexp show RUN``."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_helpers import QUICKSTART, small
from rich.console import Console

from nnexp import api
from nnexp.analysis.filters import lookup, matches, parse_filters
from nnexp.api import load_runs
from nnexp.cli.runs_cmd import runs_table
from nnexp.errors import NnexpError, RunError
from nnexp.runs.find import find_run, folder_date


def _set_status(folder: Path, status: str, pid: int) -> None:
    path = folder / "summary.json"
    summary = json.loads(path.read_text())
    summary.update(status=status, pid=pid, host=socket.gethostname())
    path.write_text(json.dumps(summary))


@pytest.fixture(scope="module")
def runs_dir(trained_run, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four runs: relu/sgd (completed), tanh/adam (completed), a `running` folder whose
    process is gone, and one whose process (this one) is alive."""
    root = tmp_path_factory.mktemp("listing") / "runs"
    root.mkdir()
    shutil.copytree(trained_run.path, root / "2026-01-01_10-00-00_quickstart")
    other = api.run(
        QUICKSTART,
        small("model.activation=tanh", "optimizer={name: adam, lr: 0.01}"),
        runs_dir=root,
        name="tanh_adam",
    )
    other.path.rename(root / "2026-01-02_10-00-00_tanh_adam")
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    orphan = Path(
        shutil.copytree(trained_run.path, root / "2026-01-03_10-00-00_orphan")
    )
    _set_status(orphan, "running", int(dead.stdout))
    live = Path(shutil.copytree(trained_run.path, root / "2026-01-04_10-00-00_live"))
    _set_status(live, "running", os.getpid())
    return root


def _table_rows(out: str) -> list[list[str]]:
    return [
        [c.strip() for c in line.split("│")[1:-1]]
        for line in out.splitlines()
        if line.startswith("│")
    ]


def test_runs_table_lists_every_run_with_settings_and_metrics(
    cli: Callable, runs_dir: Path, trained_run
):
    result = cli("runs", "--runs-dir", runs_dir)
    assert result.exit_code == 0, result.stderr
    rows = {row[-1]: row for row in _table_rows(result.stdout)}
    assert set(rows) == {p.name for p in runs_dir.iterdir()}
    first = rows["2026-01-01_10-00-00_quickstart"]
    assert first[:8] == [
        "quickstart",
        "2026-01-01 10:00:00",
        "completed",
        "mnist_10k",
        "relu",
        "sgd",
        "0.1",
        "2/2",
    ]
    summary = trained_run.summary
    assert first[8] == f"{100 * summary['final']['val_accuracy']:.2f}%"
    assert first[9] == f"{100 * summary['test']['accuracy']:.2f}%"
    assert rows["2026-01-02_10-00-00_tanh_adam"][3:8] == [
        "mnist_10k",
        "tanh",
        "adam",
        "0.01",
        "1/1",
    ]
    assert rows["2026-01-03_10-00-00_orphan"][2] == "interrupted"  # its process is gone
    assert rows["2026-01-04_10-00-00_live"][2] == "running"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (["model.activation=tanh"], {"tanh_adam"}),
        (["optimizer=Adam"], {"tanh_adam"}),
        (["optimizer.lr=0.1"], {"quickstart", "orphan", "live"}),
        (["optimizer.lr=0.1", "training.epochs=1"], set()),
        (
            ["model.layers=[784, 16, 10]", "optimizer.name=sgd"],
            {"quickstart", "orphan", "live"},
        ),
        (["dataset.name=mnist_10k"], {"quickstart", "tanh_adam", "orphan", "live"}),
        (["activation=tanh"], {"tanh_adam"}),
        (["lr=0.1", "optimizer=sgd"], {"quickstart", "orphan", "live"}),
    ],
    ids=[
        "activation",
        "component-by-name",
        "number",
        "and",
        "list-value",
        "dataset",
        "short-name",
        "short-names-as-compare-by",
    ],
)
def test_runs_filter_on_dotted_config_keys(
    cli: Callable, runs_dir: Path, filters, expected
):
    args = [a for f in filters for a in ("--filter", f)]
    result = cli("runs", "--runs-dir", runs_dir, *args)
    assert result.exit_code == 0, result.stderr
    shown = {row[-1].split("_", 2)[2] for row in _table_rows(result.stdout)}
    assert shown == expected
    if not expected:
        assert "match" in result.stdout


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("interrupted", {"orphan"}),
        ("running", {"live"}),
        ("completed", {"quickstart", "tanh_adam"}),
    ],
)
def test_runs_status_filter_uses_the_effective_status(
    cli: Callable, runs_dir: Path, status, expected
):
    result = cli("runs", "--runs-dir", runs_dir, "--status", status)
    assert result.exit_code == 0, result.stderr
    assert {row[-1].split("_", 2)[2] for row in _table_rows(result.stdout)} == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--filter", "modl.activation=relu"], ["modl.activation", "model.activation"]),
        (["--filter", "model.activation"], ["key=value"]),
        (["--status", "complete"], ["--status", "completed"]),
    ],
    ids=["unknown-key", "no-equals", "bad-status"],
)
def test_runs_bad_options_exit_2(cli: Callable, runs_dir: Path, args, expected):
    result = cli("runs", "--runs-dir", runs_dir, *args)
    assert result.exit_code == 2
    for part in expected:
        assert part in result.stderr


def test_runs_missing_directory_exits_2(cli: Callable, tmp_path: Path):
    result = cli("runs", "--runs-dir", tmp_path / "nothing")
    assert (
        result.exit_code == 2
        and "nothing" in result.stderr
        and "does not exist" in result.stderr
    )


def test_helpers():
    assert folder_date(Path("2026-11-23_10-00-05_x")) == "2026-11-23 10:00:05"
    assert folder_date(Path("odd")) == "-"
    config = {"optimizer": [{"name": "sgd", "lr": 0.1}, {"name": "adam"}], "seed": 3}
    assert lookup(config, "optimizer.1.name") == "adam"
    assert matches(lookup(config, "seed"), 3.0) and not matches(
        lookup(config, "seed"), True
    )
    assert matches({"name": "leaky_relu", "alpha": 0.1}, "LeakyReLU")
    assert parse_filters(["model.layers=[1, 2]"]) == [("model.layers", [1, 2])]
    with pytest.raises(NnexpError):
        parse_filters(["=3"])


# --- nnexp show -----------------------------------------------------------------------


def test_show_prints_summary_config_and_last_epochs(cli: Callable, trained_run):
    result = cli("show", trained_run.path, "--last", "1")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert re.search(r"status +completed", out)
    assert re.search(r"epochs +2\b", out)
    assert f"accuracy {100 * trained_run.summary['test']['accuracy']:.2f}%" in out
    assert (trained_run.path / "config.yaml").read_text().strip() in out
    assert "metrics (last 1 of 2 epochs)" in out
    metrics = out.split("metrics (last")[1]
    assert re.search(r"┃ epoch +┃ +2 ┃", metrics)
    rows = {row[0]: row[1:] for row in _table_rows(metrics)}
    final = trained_run.summary["final"]
    assert rows["val_loss"] == [f"{final['val_loss']:.4g}"]
    assert rows["train_accuracy"] == [f"{100 * final['train_accuracy']:.2f}%"]
    assert "layer1_weight_norm" not in out
    assert (
        "layer1_weight_norm"
        in cli("show", trained_run.path, "--layers", "--no-config").stdout
    )


def test_show_finds_a_run_by_name_and_reports_a_dead_running_run(
    cli: Callable, runs_dir: Path
):
    result = cli("show", "orphan", "--runs-dir", runs_dir, "--no-config")
    assert result.exit_code == 0, result.stderr
    assert "2026-01-03_10-00-00_orphan" in result.stdout
    assert "interrupted (process gone)" in result.stdout
    # part of a name: the latest matching folder
    assert find_run("10-00-00", runs_dir).name == "2026-01-04_10-00-00_live"


def test_show_unknown_run_exits_2(cli: Callable, runs_dir: Path):
    result = cli("show", "orphn", "--runs-dir", runs_dir)
    assert result.exit_code == 2
    assert "not found" in result.stderr and "Traceback" not in result.stderr
    with pytest.raises(RunError, match="nnexp runs"):
        find_run("nope", runs_dir)


def test_a_damaged_run_folder_is_listed_as_unreadable(cli: Callable, tmp_path: Path):
    bad = tmp_path / "2026-02-02_10-00-00_broken"
    bad.mkdir()
    (bad / "summary.json").write_text("{not json")
    result = cli("runs", "--runs-dir", tmp_path)
    assert result.exit_code == 0, result.stderr
    (row,) = _table_rows(result.stdout)
    assert row[1:3] == ["2026-02-02 10:00:00", "unreadable"]
    assert row[-1] == bad.name


def test_runs_table_fits_a_100_column_terminal_and_says_what_it_left_out(
    runs_dir: Path,
):
    runs = load_runs(runs_dir)
    table, dropped = runs_table(runs, runs_dir, width=100)
    out = Console(width=100, record=True, color_system=None)
    out.print(table)
    lines = out.export_text().splitlines()
    assert max(len(line) for line in lines) <= 100
    header = [c.strip() for c in lines[2].split("┃")[1:-1]]
    assert header == [c for c in header if c]  # no header squashed to nothing
    assert dropped and "folder" in dropped
    assert set(header) | set(dropped) == {
        "name", "date", "status", "dataset", "activation", "optimizer", "lr",
        "epochs", "val", "test", "folder",
    }  # fmt: skip
    wide, none_dropped = runs_table(runs, runs_dir, width=None)
    assert none_dropped == [] and len(wide.columns) == 11


def test_runs_of_a_sweep_show_their_own_date_and_the_cell(
    cli: Callable, trained_run, tmp_path: Path
):
    sweep = tmp_path / "runs" / "sweeps" / "2026-01-05_10-00-00_acts"
    sweep.mkdir(parents=True)
    (sweep / "sweep.yaml").write_text("name: acts\n")
    cell = Path(shutil.copytree(trained_run.path, sweep / "activation=relu,seed=0"))
    summary = json.loads((cell / "summary.json").read_text())
    summary["started"] = "2026-01-05T10:00:07+0000"
    (cell / "summary.json").write_text(json.dumps(summary))
    result = cli("runs", "--runs-dir", tmp_path / "runs")
    assert result.exit_code == 0, result.stderr
    (row,) = _table_rows(result.stdout)
    assert row[:2] == ["acts/activation=relu,seed=0", "2026-01-05 10:00:07"]
