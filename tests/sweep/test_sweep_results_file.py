"""results.csv is rebuilt from the cell folders whenever it is read: a sweep killed
with ``kill -9`` leaves the file of its last (throttled) write, listing cells that
completed since as "not run"."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from sweep_helpers import run
from typer.testing import CliRunner

from nnexp.cli.app import app
from nnexp.runs.layout import RunPaths
from nnexp.runs.summary import write_summary
from nnexp.sweep import folder as sf
from nnexp.sweep import open_sweep, plan_actions
from nnexp.sweep.expand import Cell

GRID = {"model.activation": ["relu", "tanh"]}


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """A finished 2-cell sweep folder (copied by each test before it is changed)."""
    from sweep_helpers import TINY

    root = tmp_path_factory.mktemp("finished")
    spec = root / "tiny.yaml"
    spec.write_text(TINY)
    result = run(spec, root / "runs", grid=GRID, seeds=[0, 1])
    assert result.status == "completed"
    return result.folder


@pytest.fixture
def stale(finished: Path, tmp_path: Path) -> tuple[Path, bytes]:
    """A copy of the sweep whose results.csv says what a sweep killed before its first
    write would: every cell "not run"; and the results.csv it should have."""
    folder = Path(shutil.copytree(finished, tmp_path / "runs" / "sweeps" / "s"))
    good = (folder / sf.RESULTS_FILE).read_bytes()
    data = yaml.safe_load((folder / sf.SWEEP_FILE).read_text())
    cells = [Cell.from_dict(c) for c in data["cells"]]
    rows = [sf.cell_row(c, data["keys"], None, "missing") for c in cells]
    sf.write_results(folder, sf.results_frame(rows))
    assert set(pd.read_csv(folder / sf.RESULTS_FILE)["status"]) == {"not run"}
    return folder, good


def test_reading_results_rebuilds_them_from_the_cell_folders(stale):
    folder, good = stale
    frame = sf.read_results(folder)
    assert set(frame["status"]) == {"completed"} and len(frame) == 4
    assert (folder / sf.RESULTS_FILE).read_bytes() == good  # written back


def test_a_cell_gone_since_the_last_write_is_not_run(stale):
    folder, _ = stale
    sf.read_results(folder)
    shutil.rmtree(folder / "activation=tanh,seed=1")
    frame = sf.read_results(folder).set_index("cell")
    assert frame.loc["activation=tanh,seed=1", "status"] == "not run"
    assert (frame.drop("activation=tanh,seed=1")["status"] == "completed").all()


def test_a_running_sweep_keeps_its_own_results_file(stale):
    folder, _ = stale
    before = (folder / sf.RESULTS_FILE).read_bytes()
    with sf.locked(folder):  # as the live sweep process holds it
        frame = sf.read_results(folder)
    assert set(frame["status"]) == {"not run"}
    assert (folder / sf.RESULTS_FILE).read_bytes() == before


@pytest.mark.parametrize(
    "command",
    [
        ["compare", "{folder}"],
        ["plot", "{folder}", "-o", "{tmp}/curves.png"],
        ["runs", "--runs-dir", "{root}"],
    ],
    ids=["compare", "plot", "runs"],
)
def test_commands_that_read_a_sweep_bring_its_results_file_up_to_date(
    stale, tmp_path, command
):
    folder, good = stale
    args = [
        a.format(folder=folder, tmp=tmp_path, root=folder.parent.parent)
        for a in command
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr + result.stdout
    assert (folder / sf.RESULTS_FILE).read_bytes() == good


def _staged(folder: Path, cell: str, status: str) -> Path:
    """Cell ``cell`` as a killed sweep leaves a new cell: its run folder still in
    ``.staging/<cell>/<run>``, its summary saying ``status``."""
    staged = folder / sf.STAGING / cell / "2026-12-03_08-00-00_tiny"
    staged.parent.mkdir(parents=True)
    shutil.move(folder / cell, staged)
    summary = sf.read_cell_summary(staged)
    assert summary is not None
    write_summary(RunPaths(staged).summary, summary.updated(status=status))
    return staged


def test_a_killed_sweeps_staged_cells_show_as_they_are(stale):
    """kill -9 while new cells train leaves them in .staging: results.csv says
    "interrupted" for one that a resume continues (it has a checkpoint), the result of
    one that finished before its folder was moved, and the dry run of --resume plans
    what the resume then does (it used to say "start" for both)."""
    folder, _ = stale
    running = _staged(folder, "activation=relu,seed=1", "running")
    assert RunPaths(running).checkpoint.is_file()
    _staged(folder, "activation=tanh,seed=0", "completed")
    frame = sf.read_results(folder).set_index("cell")
    assert frame.loc["activation=relu,seed=1", "status"] == "interrupted"
    assert frame.loc["activation=tanh,seed=0", "status"] == "completed"
    assert frame.loc["activation=tanh,seed=0", "final_train_loss"] > 0
    assert (frame["status"] != "not run").all()
    assert running.is_dir()  # a reader moves nothing
    actions = plan_actions(open_sweep(folder))
    assert actions["activation=relu,seed=1"] == "resume"
    assert actions["activation=tanh,seed=0"] == "done"


def test_a_recovered_cell_is_noted_once(stale):
    """The resume notes each cell it recovers from .staging with the plan, and not a
    second time at the end (80 lines for 40 cells before)."""
    folder, _ = stale
    _staged(folder, "activation=relu,seed=1", "running")
    result = CliRunner().invoke(app, ["sweep", "--resume", str(folder)])
    assert result.exit_code == 0, result.output
    note = "note: recovered activation=relu,seed=1 (resumable) from an earlier run"
    assert result.output.count(note) == 1, result.output
    assert "1 resume" in result.output
    assert set(sf.read_results(folder)["status"]) == {"completed"}
