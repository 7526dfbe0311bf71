"""Expanding RUN_OR_SWEEP arguments into runs, and the bad inputs."""

from __future__ import annotations

import json

import pytest
from analysis_fixtures import REGRESSION_CONFIG, make_config, make_history, write_run

from nnexp.analysis.select import select_runs
from nnexp.errors import RunError


def activations(selection):
    return [r.config["model"]["activation"]["name"] for r in selection.runs]


def test_a_sweep_folder_gives_every_cell_in_the_grid_order(sweep1d):
    selection = select_runs([sweep1d])
    assert len(selection.runs) == 9
    # the spec lists relu, tanh, abs; the folders sort abs, relu, tanh
    assert activations(selection) == ["relu"] * 3 + ["tanh"] * 3 + ["abs"] * 3
    assert [r.config["seed"] for r in selection.runs[:3]] == [0, 1, 2]
    assert selection.sweeps == [sweep1d]
    assert selection.grid_keys == ["model.activation.name"]
    assert selection.task == "classification"


def test_a_parent_folder_a_run_folder_a_file_and_a_glob(sweep1d, runs_dir):
    assert len(select_runs([sweep1d.parent]).runs) == 9  # runs/sweeps/ holding a sweep
    one = sorted(runs_dir.iterdir())[0]
    assert [r.path for r in select_runs([one]).runs] == [one]
    assert [r.path for r in select_runs([one / "metrics.csv"]).runs] == [one]
    globbed = select_runs([str(runs_dir / "*_run[02]")])
    assert [r.path.name[-4:] for r in globbed.runs] == ["run0", "run2"]


def test_a_run_named_twice_counts_once(runs_dir):
    one = sorted(runs_dir.iterdir())[0]
    assert len(select_runs([one, runs_dir, one]).runs) == 3


def test_a_missing_path_and_an_empty_glob(tmp_path):
    with pytest.raises(RunError, match="does not exist; give a run folder"):
        select_runs([tmp_path / "nope"])
    with pytest.raises(RunError, match="pattern .* matches no file"):
        select_runs([str(tmp_path / "nope*")])


def test_a_folder_without_runs_says_what_it_holds(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(RunError, match="not a run folder and holds no runs.*notes.txt"):
        select_runs([tmp_path])
    with pytest.raises(RunError, match="is a file, not a run folder"):
        select_runs([tmp_path / "notes.txt"])


def test_a_run_without_metrics_is_an_error_but_a_running_run_with_rows_is_fine(
    tmp_path, rng
):
    empty = write_run(
        tmp_path / "starting",
        make_config(),
        make_history(rng).iloc[:0],
        status="running",
    )
    with pytest.raises(RunError, match="no metrics yet.*running but has not finished"):
        select_runs([empty])
    going = write_run(
        tmp_path / "going", make_config(), make_history(rng).iloc[:2], status="running"
    )
    selection = select_runs([going])
    assert selection.runs[0].status == "running" and len(selection.runs[0].history) == 2


def test_a_sweep_cell_without_metrics_is_left_out_with_a_note(sweep1d, rng):
    cell = write_run(
        sweep1d / "activation=elu,seed=0",
        make_config(),
        make_history(rng).iloc[:0],
        status="running",
    )
    selection = select_runs([sweep1d])
    assert len(selection.runs) == 9
    assert len(selection.skipped) == 1 and str(cell) in selection.skipped[0]


def test_a_broken_summary_is_an_error_when_named(tmp_path, rng):
    run = write_run(tmp_path / "broken", make_config(), make_history(rng))
    (run / "summary.json").write_text("{not json")
    with pytest.raises(RunError, match="summary.json is not readable JSON"):
        select_runs([run])


def test_runs_of_different_tasks_cannot_share_a_panel(runs_dir, regression_run):
    with pytest.raises(RunError, match="different tasks.*classification.*regression"):
        select_runs([runs_dir, regression_run])


def test_the_task_is_inferred_from_the_columns_when_the_summary_lacks_it(tmp_path, rng):
    run = write_run(
        tmp_path / "r",
        REGRESSION_CONFIG,
        make_history(rng, task="regression"),
        task="regression",
    )
    summary = json.loads((run / "summary.json").read_text())
    del summary["dataset"]
    (run / "summary.json").write_text(json.dumps(summary))
    assert select_runs([run]).task == "regression"


def test_hidden_folders_of_a_sweep_are_not_its_results(sweep1d, rng):
    write_run(
        sweep1d / ".staging" / "activation=relu,seed=9",
        make_config(),
        make_history(rng),
    )
    write_run(
        sweep1d / ".previous" / "activation=relu,seed=0",
        make_config(),
        make_history(rng),
    )
    assert len(select_runs([sweep1d]).runs) == 9
    named = select_runs([sweep1d / ".staging" / "activation=relu,seed=9"])
    assert (
        len(named.runs) == 1
    )  # named on its own, a staged cell is a run like any other
