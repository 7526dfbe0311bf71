"""``nnexp sweep`` on the command line: dry runs, bad input, exit codes, Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from nnexp.cli.app import app

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str | os.PathLike[str]):
    return CliRunner().invoke(app, ["sweep", *map(str, args)], catch_exceptions=False)


def sweeps(runs: Path) -> list[Path]:
    return sorted((runs / "sweeps").glob("*")) if (runs / "sweeps").is_dir() else []


def test_dry_run_prints_every_cell_and_the_count_and_writes_nothing(tiny, tmp_path):
    result = cli(
        tiny,
        "--grid",
        "model.activation=relu,tanh,abs",
        "--seeds",
        "2",
        "--dry-run",
        "--runs-dir",
        tmp_path / "runs",
        "training.epochs=1",
    )
    assert result.exit_code == 0, result.output
    assert "activation=abs,seed=1" in result.output
    assert "6 cells (3 combinations × 2 seeds), every one validated" in result.output
    assert not (tmp_path / "runs").exists()


def test_dry_run_lists_the_populations_and_no_population_lists_none(tiny, tmp_path):
    # tiny's blobs depend on the seed: each member trains on its own seed's split
    args = [tiny, "--grid", "optimizer.lr=0.1,0.2,0.3", "--seeds", "2", "-j", "1"]
    result = cli(*args, "--dry-run", "--runs-dir", tmp_path / "runs")
    assert result.exit_code == 0, result.output
    assert "populations: 1 (of 6 cells), 0 cells alone:" in result.output
    assert "1: lr: 0.1, 0.2, 0.3; seed: 0, 1" in result.output
    alone = cli(*args, "--dry-run", "--no-population", "--runs-dir", tmp_path / "runs")
    assert "populations: none; each of the 6 cells to run trains alone." in alone.output


def test_no_population_trains_every_cell_as_before(tiny, tmp_path):
    runs = tmp_path / "runs"
    args = ["--grid", "optimizer.lr=0.1,0.2", "-j", "1", "--runs-dir", runs, "-q"]
    result = cli(tiny, *args, "--no-population")
    assert result.exit_code == 0, result.output
    assert "2 cells: 2 completed" in result.output
    together = cli(tiny, *args, "--name", "together")
    assert together.exit_code == 0, together.output
    first, second = (pd.read_csv(f / "results.csv") for f in sweeps(runs))
    assert list(first["final_val_loss"]) == list(second["final_val_loss"])


def test_the_shipped_sweep_configs_are_valid():
    for name in ("activations_mnist", "optimizers_l2_mnist", "activation_init"):
        result = cli(ROOT / "configs" / "sweeps" / f"{name}.yaml", "--dry-run")
        assert result.exit_code == 0, result.output
    result = cli(ROOT / "configs" / "sweeps" / "optimizers_l2_mnist.yaml", "--dry-run")
    assert (
        "optimizer=adam,lam=0.005,seed=2" in result.output
        and "18 cells" in result.output
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--grid", "model.activation=relu,relux"], "relux"),
        (["--grid", "model.activation"], "key=value1,value2"),
        (["--grid", "model.activation=relu,,tanh"], "empty value"),
        (
            ["--zip", "model.activation=relu,tanh", "--zip", "optimizer.lr=0.1"],
            "same number of values",
        ),
        (["--grid", "optimizer.lr=log_uniform(0.1, 1)"], "needs sample"),
        (["--seeds", "two"], "--seeds"),
        (["--grid", "model.hidden=[8],[0]"], "model.hidden"),
        (
            ["--grid", "model.layers=[2, 8, 3],[2, 8, 4]", "model.hidden=null"],
            "layers=2-8-4",
        ),
        (["--grid", "x.y=1"], "unknown top-level key"),
        (
            ["--seeds", "2", "--scheduler", "tcp://127.0.0.1:1"],
            "--scheduler needs --executor dask",
        ),
        (["--seeds", "2", "--retry-failed"], "--retry-failed goes with --resume"),
        (["--seeds", "2", "--jobs", "0"], "--jobs"),
        (["bogus=1", "--seeds", "2"], "bogus"),
    ],
)
def test_bad_input_exits_2_and_names_the_problem(tiny, tmp_path, args, message):
    result = cli(tiny, *args, "--runs-dir", tmp_path)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not sweeps(tmp_path)


def test_spec_and_resume_arguments_are_checked(tiny, tmp_path):
    assert cli().exit_code == 2  # neither SPEC nor --resume
    assert cli(tmp_path / "nope.yaml", "--seeds", "2").exit_code == 2
    result = cli("--resume", tmp_path)
    assert result.exit_code == 2 and "not a sweep folder" in result.output
    result = cli("--resume", tmp_path, "--grid", "seed=1,2")
    assert result.exit_code == 2 and "do not apply" in result.output
    assert cli(tiny, "--resume", tmp_path).exit_code == 2


def test_a_sweep_with_a_failing_cell_exits_1_and_says_how_to_retry(
    tiny, boom, tmp_path
):
    result = cli(
        tiny,
        "--grid",
        f"model.activation=relu,{boom}",
        "-j",
        "2",
        "--runs-dir",
        tmp_path,
    )
    assert result.exit_code == 1, result.output
    assert "boom in forward" in result.output and "1 completed" in result.output
    (folder,) = sweeps(tmp_path)
    assert f"nnexp sweep --resume {folder} --retry-failed" in result.output.replace(
        "\n", ""
    )


def test_ctrl_c_stops_cleanly_exits_130_and_resume_finishes(tiny, tmp_path):
    """A real process: SIGINT after the first finished cell, then --resume (cells
    trained one by one: as one population the six would finish together)."""
    args = [
        sys.executable,
        "-m",
        "nnexp",
        "sweep",
        str(tiny),
        "--grid",
        "model.activation=relu,tanh",
        "--seeds",
        "3",
        "-j",
        "1",
        "--runs-dir",
        str(tmp_path),
        "training.epochs=40",
        "dataset.n=2000",
        "--no-population",
    ]
    proc = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("completed"):
            proc.send_signal(signal.SIGINT)
            break
    output = "".join(lines) + proc.communicate(timeout=120)[0]
    assert proc.returncode == 130, output
    (folder,) = sweeps(tmp_path)
    assert f"resume with: nnexp sweep --resume {folder}" in output
    assert "interrupted" in output or "not run" in output
    start = time.monotonic()
    resumed = cli("--resume", folder)
    assert resumed.exit_code == 0, resumed.output
    assert "6 cells: 6 completed" in resumed.output
    assert time.monotonic() - start < 60
