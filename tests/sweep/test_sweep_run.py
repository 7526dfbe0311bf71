"""Running sweeps: the folder, parallel and distributed execution, failures, resume."""

from __future__ import annotations

import faulthandler
import json
import shutil
import threading
from pathlib import Path

import pandas as pd
import pytest
import yaml
from sweep_helpers import dead_pid, forget_loaded_plugins, metrics, plan, run

from nnexp import api
from nnexp.runs.checkpoint import atomic_write_json
from nnexp.spec.dump import spec_to_dict
from nnexp.sweep.executors import DaskExecutor, LocalExecutor
from nnexp.sweep.folder import read_results
from nnexp.sweep.plan import create_folder, open_sweep, plan_actions
from nnexp.sweep.plots import plot_plan
from nnexp.sweep.runner import run_sweep
from nnexp.training.callbacks import Callback

GRID = {"model.activation": ["relu", "tanh"], "optimizer.lr": [0.1, 0.01]}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    """A 2 × 2 grid with two seeds run with one worker: the results to match."""
    folder = tmp_path_factory.mktemp("reference")
    spec = folder / "tiny.yaml"
    from sweep_helpers import TINY

    spec.write_text(TINY)
    result = run(spec, folder / "runs", jobs=1, plots=True, grid=GRID, seeds=2)
    assert result.status == "completed"
    return spec, result


def test_the_sweep_folder_holds_the_spec_the_cells_results_and_plots(reference):
    spec, result = reference
    folder = result.folder
    assert folder.parent.name == "sweeps" and folder.name.endswith("_tiny")
    cells = sorted(
        p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")
    )
    assert cells == sorted(
        f"activation={a},lr={lr},seed={s}"
        for a in ("relu", "tanh")
        for lr in ("0.1", "0.01")
        for s in (0, 1)
    ) + ["plots"]
    saved = yaml.safe_load((folder / "sweep.yaml").read_text())
    assert (
        saved["keys"] == ["model.activation", "optimizer.lr", "seed"]
        and len(saved["cells"]) == 8
    )
    frame = read_results(folder)
    assert list(frame.columns[:5]) == [
        "cell",
        "model.activation",
        "optimizer.lr",
        "seed",
        "status",
    ]
    assert set(frame["status"]) == {"completed"} and len(frame) == 8
    for column in (
        "final_val_accuracy",
        "best_val_accuracy",
        "test_accuracy",
        "wall_seconds",
        "run_folder",
    ):
        assert frame[column].notna().all()
    cell = folder / "activation=tanh,lr=0.01,seed=1"
    summary = json.loads((cell / "summary.json").read_text())
    assert summary["seed"] == 1 and summary["sweep"]["cell"] == cell.name
    assert summary["overrides"] == [
        "model.activation=tanh",
        "optimizer.lr=0.01",
        "seed=1",
    ]
    config = yaml.safe_load((cell / "config.yaml").read_text())
    assert config["output"]["runs_dir"] == str(
        folder.parent.parent
    )  # not the staging folder
    assert (
        config["model"]["activation"]["name"] == "tanh"
        and config["optimizer"]["lr"] == 0.01
    )
    assert {p.name for p in (folder / "plots").iterdir()} == {
        "heatmap.png",
        "curves_by_activation.png",
        "curves_by_lr.png",
    }
    row = frame.set_index("cell").loc[cell.name]
    assert row["final_val_accuracy"] == summary["final"]["val_accuracy"]
    assert not (folder / ".staging").exists()


def test_two_jobs_give_the_same_results_as_one(reference, tmp_path):
    spec, expected = reference
    result = run(spec, tmp_path, jobs=2, grid=GRID, seeds=2)
    pd.testing.assert_frame_equal(metrics(result.frame), metrics(expected.frame))


def test_a_dask_cluster_gives_the_same_results_as_local(reference, tmp_path):
    distributed = pytest.importorskip("distributed")
    spec, expected = reference
    faulthandler.dump_traceback_later(240, exit=True)  # a hang shows where, then ends
    try:
        result = _run_on_dask(distributed, spec, tmp_path)
    finally:
        faulthandler.cancel_dump_traceback_later()
    pd.testing.assert_frame_equal(metrics(result.frame), metrics(expected.frame))
    assert (result.folder / "activation=relu,lr=0.1,seed=0" / "model.npz").is_file()


def _run_on_dask(distributed, spec, tmp_path):
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        executor = DaskExecutor(2, scheduler=cluster.scheduler_address)
        return run(spec, tmp_path, executor=executor, grid=GRID, seeds=2)


# failures -----------------------------------------------------------------------------


def test_a_diverging_cell_is_final_and_the_others_complete(tiny, tmp_path):
    result = run(
        tiny,
        tmp_path,
        jobs=2,
        overrides=["loss=mse", "optimizer.lr=1.0"],
        zip={
            "model.activation": ["relu", "exp"],
            "model.output_activation": ["softmax", "exp"],
        },
    )
    status = result.frame.set_index("model.activation")["status"]
    assert status.to_dict() == {"relu": "completed", "exp": "diverged"}
    assert result.status == "completed" and result.exit_code == 0
    assert (
        "non-finite" in result.frame.set_index("model.activation").loc["exp", "message"]
    )


def test_a_failing_cell_is_recorded_and_the_others_go_on(tiny, boom, tmp_path):
    result = run(
        tiny,
        tmp_path,
        jobs=2,
        grid={"model.activation": {"boom": boom, "relu": "relu", "tanh": "tanh"}},
    )
    frame = result.frame.set_index("cell")
    assert frame["status"].to_dict() == {
        "activation=boom": "failed",
        "activation=relu": "completed",
        "activation=tanh": "completed",
    }
    assert "RuntimeError: boom in forward" in frame.loc["activation=boom", "error"]
    assert result.status == "failed" and result.exit_code == 1
    assert (
        "boom in forward"
        in (result.folder / "activation=boom" / "error.log").read_text()
    )


def test_fail_fast_stops_at_the_first_failure(tiny, boom, tmp_path):
    sweep = plan(
        tiny,
        tmp_path,
        grid={"model.activation": {"boom": boom, "relu": "relu", "tanh": "tanh"}},
    )
    result = run_sweep(sweep, LocalExecutor(1), fail_fast=True, plots=False)
    assert result.frame["status"].tolist()[0] == "failed"
    assert (
        "completed" not in result.frame["status"].tolist()[2:]
    )  # the last cell never ran
    assert result.stopped == "fail-fast" and result.exit_code == 1


def test_a_worker_that_dies_fails_its_cell_and_the_others_run(tiny, tmp_path):
    plugin = tmp_path / "die.py"
    # dies on a training batch only: the plugin check on load (small arrays) passes
    plugin.write_text(
        "import os\n\nclass Die:\n    def forward(self, z):\n"
        "        if z.ndim == 2 and z.shape[0] > 4:\n            os._exit(3)\n"
        "        return z\n\n"
        "    def derivative(self, z, a):\n        return 1.0 + 0.0 * z\n"
    )
    result = run(
        tiny,
        tmp_path,
        jobs=1,
        grid={
            "model.activation": {"relu": "relu", "die": f"{plugin}:Die", "tanh": "tanh"}
        },
    )
    frame = result.frame.set_index("cell")
    assert frame["status"].to_dict() == {
        "activation=relu": "completed",
        "activation=die": "failed",
        "activation=tanh": "completed",
    }
    assert "worker process died" in frame.loc["activation=die", "error"]


def test_failed_cells_rerun_only_with_retry_failed(tiny, boom, tmp_path):
    first = run(
        tiny, tmp_path, grid={"model.activation": {"relu": "relu", "boom": boom}}
    )
    assert first.exit_code == 1
    Path(boom.rsplit(":", 1)[0]).write_text(
        "class Boom:\n    def forward(self, z):\n        return z\n\n"
        "    def derivative(self, z, a):\n        return 1.0 + 0 * z\n"
    )
    forget_loaded_plugins()  # the user's next command imports the fixed file
    again = run_sweep(open_sweep(first.folder), LocalExecutor(1), plots=False)
    assert again.frame["status"].tolist() == ["completed", "failed"]  # kept, not rerun
    retried = run_sweep(
        open_sweep(first.folder), LocalExecutor(1), retry_failed=True, plots=False
    )
    assert (
        retried.frame["status"].tolist() == ["completed", "completed"]
        and retried.exit_code == 0
    )
    assert [p.name.split("@")[0] for p in (first.folder / ".previous").iterdir()] == [
        "activation=boom"
    ]


# resume -------------------------------------------------------------------------------


class StopAfterEpoch(Callback):
    def __init__(self, epoch: int, event: threading.Event):
        self.epoch, self.event = epoch, event

    def on_epoch_end(self, row, snapshot):
        if row["epoch"] >= self.epoch:
            self.event.set()


def _crashed_cell(sweep, name: str, target: Path) -> None:
    """Train ``name`` for one epoch, stop it during the second, then make its summary
    say ``running`` with a dead pid, as kill -9 leaves it."""
    stop = threading.Event()
    config = spec_to_dict(sweep.specs[name])
    config["output"]["runs_dir"] = str(target.parent / "scratch")
    run = api.run(config, callbacks=[StopAfterEpoch(1, stop)], stop=stop)
    assert run.summary["status"] == "interrupted"
    shutil.move(run.path, target)
    summary = json.loads((target / "summary.json").read_text())
    summary.update(status="running", pid=dead_pid())
    atomic_write_json(target / "summary.json", summary)


def test_resume_after_a_crash_gives_the_uninterrupted_results(reference, tmp_path):
    spec, expected = reference
    sweep = plan(spec, tmp_path / "runs", grid=GRID, seeds=2)
    folder = create_folder(sweep)
    names = [c.name for c in sweep.cells]
    _crashed_cell(sweep, names[0], folder / names[0])  # interrupted mid-run
    (folder / names[1]).mkdir()  # half-written: no summary
    (folder / names[1] / "config.yaml").write_text("name: partial\n")
    staged = (
        folder / ".staging" / names[2] / "2026-01-01_00-00-00_tiny"
    )  # killed while staging
    staged.mkdir(parents=True)
    atomic_write_json(staged / "summary.json", {"status": "running", "pid": dead_pid()})
    reopened = open_sweep(folder)
    assert list(plan_actions(reopened).values())[:4] == [
        "resume",
        "restart",
        "start",
        "start",
    ]
    result = run_sweep(reopened, LocalExecutor(2), plots=False)
    assert result.status == "completed"
    pd.testing.assert_frame_equal(metrics(result.frame), metrics(expected.frame))
    resumed = json.loads((folder / names[0] / "summary.json").read_text())
    assert resumed["resumed_from_epoch"] == 1 and resumed["status"] == "completed"
    kept = sorted(p.name.split("@")[0] for p in (folder / ".previous").iterdir())
    assert kept == [names[1], names[2]]  # set aside, never counted as done
    assert plan_actions(open_sweep(folder)) == {n: "done" for n in names}


def test_an_interrupted_sweep_stops_cleanly_and_resumes(tiny, tmp_path):
    sweep = plan(
        tiny, tmp_path, grid={"model.activation": ["relu", "tanh", "abs"]}, seeds=2
    )
    stop = threading.Event()

    def on_event(event):
        if event["kind"] == "end":
            stop.set()  # as the first Ctrl-C does

    first = run_sweep(  # cell by cell: as one population the six end together
        sweep,
        LocalExecutor(1),
        stop=stop,
        on_event=on_event,
        plots=False,
        population=False,
    )
    assert first.stopped == "interrupted" and first.exit_code == 130
    assert "not run" in set(first.frame["status"])
    second = run_sweep(open_sweep(first.folder), LocalExecutor(2), plots=False)
    assert second.status == "completed" and len(second.frame) == 6


@pytest.mark.parametrize(
    ("grid", "extra", "expected"),
    [
        (
            {"model.activation": ["relu", "tanh"]},
            {"seeds": 2},
            ["by_activation.png", "curves_by_activation.png"],
        ),
        ({}, {"seeds": 3}, ["curves.png"]),
        (
            {},
            {
                "zip": {
                    "model.activation": ["relu", "tanh"],
                    "model.hidden": [[8], [4, 4]],
                }
            },
            ["by_activation.png", "curves_by_activation.png"],
        ),
        (
            {
                "model.activation": ["relu", "tanh"],
                "optimizer.lr": [0.1, 0.01],
                "training.batch_size": [16, 32],
            },
            {},
            [
                "by_activation.png",
                "by_lr.png",
                "by_batch_size.png",
                "curves_by_activation.png",
                "curves_by_lr.png",
                "curves_by_batch_size.png",
            ],
        ),
        (
            {"optimizer.lr": {"log_uniform": [0.01, 1.0]}},
            {"sample": 4},
            ["by_lr.png", "curves.png"],
        ),
    ],
)
def test_the_summary_plots_fit_the_shape_of_the_sweep(
    tiny, tmp_path, grid, extra, expected
):
    result = run(tiny, tmp_path, jobs=2, grid=grid or None, **extra)
    sweep = open_sweep(result.folder, check_data=False)
    assert [
        name for name, _ in plot_plan(result.folder, sweep.expansion, result.frame)
    ] == expected


def test_a_second_ctrl_c_kills_the_workers_and_resume_recovers(tiny, tmp_path):
    sweep = plan(
        tiny,
        tmp_path,
        grid={"model.activation": ["relu", "tanh"]},
        overrides=["training.epochs=30"],
    )

    def on_event(event):
        if event["kind"] == "epoch" and event["epoch"] == 2:
            raise KeyboardInterrupt  # as a second Ctrl-C does, mid-training

    first = run_sweep(sweep, LocalExecutor(2), on_event=on_event, plots=False)
    assert first.stopped == "aborted" and first.exit_code == 130
    assert not any(s in ("completed", "diverged") for s in first.frame["status"])
    second = run_sweep(open_sweep(first.folder), LocalExecutor(2), plots=False)
    assert second.status == "completed"
    assert (first.folder / ".staging").exists() is False
