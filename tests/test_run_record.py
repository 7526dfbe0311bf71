"""summary.json typed: every key a run writes is known, and old folders still read."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

import nnexp
from nnexp.runs.summary import Summary, parse_summary

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "configs" / "quickstart.yaml"
SMALL = ["dataset.limit=300", "model.layers=[784, 16, 10]", "output.plots=false"]


def unknown_keys(record: pydantic.BaseModel, where: str = "") -> list[str]:
    """Keys of a record (and its sub-records) that the model does not declare."""
    found = [f"{where}{k}" for k in record.model_extra or {}]
    for name in type(record).model_fields:
        value = getattr(record, name)
        if isinstance(value, pydantic.BaseModel):
            found += unknown_keys(value, f"{where}{name}.")
    return found


def test_every_key_a_run_writes_is_declared(tmp_path):
    run = nnexp.run(SPEC, [*SMALL, "training.epochs=1"], runs_dir=tmp_path)
    child = nnexp.continue_run(run.path, 2, runs_dir=tmp_path)
    for folder in (run, child):
        record = nnexp.load_run(folder.path).record
        assert isinstance(record, Summary)
        assert unknown_keys(record) == []
    assert child.record.continued_from.epoch == 1
    assert record.environment.blas_threads == 1
    assert record.dataset.sizes["train"] + record.dataset.sizes["val"] == 300
    assert record.status == "completed" and record.best_epoch in (1, 2)


def test_a_summary_of_an_older_version_reads():
    old = {
        "name": "quickstart",
        "seed": 0,
        "status": "completed",
        "versions": {"python": "3.11.7", "numpy": "2.1.0", "nnexp": "0.1.0"},
        "epochs": 5,
        "best_epoch": 4,
        "final": {"epoch": 5, "val_accuracy": 0.93},
        "test": {"loss": 0.27, "accuracy": 0.92},
        "a_key_of_the_future": [1, 2],
    }
    record = parse_summary(old)
    assert record.environment is None and record.versions["nnexp"] == "0.1.0"
    assert record.model_extra == {"a_key_of_the_future": [1, 2]}


def test_a_wrong_type_is_refused_with_its_key():
    with pytest.raises(pydantic.ValidationError, match="best_epoch"):
        parse_summary({"status": "completed", "best_epoch": "four"})


def test_a_damaged_summary_is_a_run_error_naming_the_file(tmp_path):
    import json

    from nnexp.errors import RunError

    run = nnexp.run(SPEC, [*SMALL, "training.epochs=1"], runs_dir=tmp_path)
    summary = json.loads((run.path / "summary.json").read_text())
    summary["wall_seconds"] = "a while"
    (run.path / "summary.json").write_text(json.dumps(summary))
    with pytest.raises(RunError, match=r"summary.json does not read .* wall_seconds"):
        _ = nnexp.load_run(run.path).record


def test_a_run_has_its_typed_spec(tmp_path):
    from nnexp.spec.models import RunSpec

    run = nnexp.run(SPEC, [*SMALL, "training.epochs=1"], runs_dir=tmp_path)
    loaded = nnexp.load_run(run.path)
    assert isinstance(loaded.spec, RunSpec)
    assert loaded.spec.training.epochs == 1 == loaded.config["training"]["epochs"]
    assert loaded.spec is loaded.spec  # loaded once
