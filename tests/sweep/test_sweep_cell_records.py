"""A sweep cell's summary.json goes through the typed record: a cell that failed
before its run, the sweep noted in a cell's summary, a killed cell marked
interrupted, and a results row read from the record."""

from __future__ import annotations

import json

from nnexp.runs.reader import load_run
from nnexp.runs.summary import SweepCell, parse_summary, write_summary
from nnexp.sweep import folder as sf
from nnexp.sweep.expand import Cell
from nnexp.sweep.worker import CellJob, failed_folder, record_cell

RECORD = {
    "sweep": "2026-01-01_00-00-00_demo",
    "cell": "activation=tanh,seed=3",
    "values": {"model.activation": "tanh", "seed": "3"},
    "overrides": ["model.activation=tanh", "seed=3"],
}
JOB = CellJob(RECORD["cell"], {"name": "demo", "seed": 3}, "name: demo\n", RECORD)


def test_a_cell_that_failed_before_its_run_has_a_typed_failed_summary(tmp_path):
    folder = failed_folder(tmp_path / JOB.name, JOB)
    record_cell(folder, JOB, "failed", "ValueError: no data")
    data = json.loads((folder / "summary.json").read_text())
    assert list(data) == [
        "name", "seed", "status", "host", "pid", "finished", "sweep", "overrides",
        "error",
    ]  # fmt: skip
    assert data["sweep"] == RECORD  # all four keys, in their order
    record = load_run(folder).record
    assert record.status == "failed" and record.error == "ValueError: no data"
    assert record.sweep == SweepCell(**RECORD) and record.sweep.cell == JOB.name
    assert record.overrides == RECORD["overrides"] and record.seed == 3
    record_cell(folder, JOB, "failed", "RuntimeError: a second guard")
    assert load_run(folder).record.error == "ValueError: no data"  # the first kept


def test_a_completed_cell_keeps_its_summary_and_gains_the_sweep(tmp_path):
    folder = tmp_path / "cell"
    folder.mkdir()
    written = {"name": "demo", "overrides": [], "status": "completed", "epochs": 2}
    (folder / "summary.json").write_text(json.dumps(written))
    record_cell(folder, JOB, "completed", None)
    data = json.loads((folder / "summary.json").read_text())
    assert data == {**written, "overrides": RECORD["overrides"], "sweep": RECORD}
    assert list(data) == ["name", "overrides", "status", "epochs", "sweep"]


def test_a_running_cell_left_by_a_killed_process_becomes_interrupted(tmp_path):
    folder = tmp_path / "cell"
    folder.mkdir()
    running = {"name": "demo", "status": "running", "pid": 1, "epochs": 1}
    write_summary(folder / "summary.json", parse_summary(running))
    sf.mark_interrupted(folder)
    data = json.loads((folder / "summary.json").read_text())
    assert data == {
        **running,
        "status": "interrupted",
        "message": "the process training this cell ended without finishing (killed?)",
    }
    assert list(data) == ["name", "status", "pid", "epochs", "message"]
    assert sf.cell_state(folder) == "stale"  # no checkpoint to resume from


def test_a_summary_with_a_value_of_the_wrong_type_is_half_written(tmp_path):
    folder = tmp_path / "cell"
    folder.mkdir()
    (folder / "summary.json").write_text('{"status": "completed", "epochs": "two"}')
    assert sf.read_cell_summary(folder) is None
    assert sf.cell_state(folder) == "half-written"


TANH = {"model.activation": "tanh"}


def test_a_results_row_reads_the_record():
    cell = Cell(RECORD["cell"], TANH, TANH, trial=0)  # its seed: the summary's
    summary = parse_summary(
        {
            "seed": 3, "status": "completed", "epochs": 2, "best_epoch": 1,
            "final": {"epoch": 2, "val_loss": 0.5, "lr": 0.1},
            "best": {"epoch": 1, "val_loss": 0.25}, "test": {"loss": 0.75},
            "train_seconds": 1.0, "wall_seconds": 1.5, "message": "",
        }
    )  # fmt: skip
    row = sf.cell_row(cell, ["model.activation"], summary, "completed")
    assert row == {
        "cell": RECORD["cell"], "model.activation": "tanh", "seed": 3,
        "status": "completed", "epochs": 2, "best_epoch": 1, "final_val_loss": 0.5,
        "best_val_loss": 0.25, "test_loss": 0.75, "wall_seconds": 1.5,
        "run_folder": RECORD["cell"], "error": "", "message": "", "findings": "",
    }  # fmt: skip


def test_a_results_row_names_the_findings():
    cell = Cell(RECORD["cell"], TANH, TANH, trial=0)
    found = [
        {"rule": "dead_units", "layer": 1, "epoch": 3, "message": "m", "evidence": {}},
        {"rule": "plateau", "layer": None, "epoch": 9, "message": "m", "evidence": {}},
    ]
    summary = parse_summary({"status": "completed", "findings": found})
    row = sf.cell_row(cell, ["model.activation"], summary, "completed")
    assert row["findings"] == "dead_units layer 1; plateau"


def test_a_cell_not_run_has_an_empty_row():
    cell = Cell(RECORD["cell"], TANH, TANH, trial=0)
    row = sf.cell_row(cell, ["model.activation"], None, "missing")
    assert row == {
        "cell": RECORD["cell"], "model.activation": "tanh", "seed": None,
        "status": "not run", "epochs": None, "best_epoch": None, "wall_seconds": None,
        "run_folder": RECORD["cell"], "error": "", "message": "", "findings": "",
    }  # fmt: skip
