"""summary.json is a file format: the typed record reads the folders of every version,
writes a summary back byte for byte, a new run writes the keys of the last release in
their order, and ``show`` and ``runs`` print old folders as they did."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pydantic
import pytest
from typer.testing import CliRunner

import nnexp
from nnexp.cli.app import app
from nnexp.cli.console import console
from nnexp.runs import environment, figures
from nnexp.runs.reader import load_run
from nnexp.runs.summary import Summary, parse_summary, summary_data, write_summary

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ROOT = Path(__file__).resolve().parents[2]
BLOBS = FIXTURES / "v0.2.0_fixture_blobs"
QUICKSTART = ROOT / "configs" / "quickstart.yaml"
#: fixture folders, each holding one run folder (see fixtures/README.md)
VERSIONS = ("v0.2.0_quickstart", "v0.1.0_quickstart")


def run_folder(version: str) -> Path:
    (folder,) = (FIXTURES / version).iterdir()
    return folder


SUMMARIES = {
    **{v: run_folder(v) / "summary.json" for v in VERSIONS},
    "v0.2.0_before_plugins": FIXTURES / "summary_v0.2.0_before_plugins.json",
    "v0.2.0_fixture_blobs": BLOBS / "summary.json",
}


@pytest.mark.parametrize("name", SUMMARIES)
def test_a_summary_of_any_version_is_written_back_byte_for_byte(name, tmp_path):
    original = SUMMARIES[name]
    record = parse_summary(json.loads(original.read_text()))
    assert record.model_extra == {}  # every key of every version is declared
    write_summary(tmp_path / "summary.json", record)
    assert (tmp_path / "summary.json").read_bytes() == original.read_bytes()


def plain(value: Any) -> Any:
    """A typed value as JSON data (a record: the keys it was given)."""
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(exclude_unset=True)
    return value


@pytest.mark.parametrize("version", VERSIONS)
def test_the_record_of_a_fixture_holds_the_files_values(version):
    folder = run_folder(version)
    data = json.loads((folder / "summary.json").read_text())
    run = load_run(folder)
    record = run.record
    assert isinstance(record, Summary)
    assert {key: plain(getattr(record, key)) for key in data} == data
    assert run.status == record.status == "completed" and run.task == "classification"
    assert record.name == "quickstart" and record.seed == 0
    assert record.epochs == record.best_epoch == record.epochs_planned == 1
    assert record.dataset is not None and record.model is not None
    assert record.dataset.sizes == {"train": 270, "val": 30, "test": 2000}
    assert record.model.sizes == [784, 16, 10] and record.model.parameters == 12730
    assert record.best == record.final and set(record.test) == {"loss", "accuracy"}
    assert record.versions["nnexp"] == version[1:6]
    last = run.history.iloc[-1]
    for key, value in record.final.items():
        assert last[key] == value, key  # the summary's row is metrics.csv's, exactly
    assert run.spec.training.blas_threads == 1  # an old config.yaml gets the default


def test_the_environment_is_typed_and_old_folders_have_only_versions():
    new = load_run(run_folder("v0.2.0_quickstart")).record
    assert new.environment is not None
    assert new.environment.blas.library == "openblas"
    assert new.environment.blas_threads == 1 and new.environment.plugins == {}
    assert environment.recorded(new)["blas"]["architecture"] == "SkylakeX"
    old = load_run(run_folder("v0.1.0_quickstart")).record
    assert old.environment is None
    assert environment.recorded(old) == {
        "python": "3.11.7", "numpy": "2.4.6", "nnexp": "0.1.0"
    }  # fmt: skip
    before_plugins = parse_summary(
        json.loads(SUMMARIES["v0.2.0_before_plugins"].read_text())
    )
    recorded = environment.recorded(before_plugins)
    assert "plugins" not in recorded and recorded["blas_threads"] == 1
    # plugins not recorded: no plugin file counts as changed
    now = {**recorded, "plugins": {"acts.py": "a" * 64}}
    assert environment.differences(recorded, now) == []


def test_the_fixtures_network_is_its_model_npz():
    run = load_run(run_folder("v0.2.0_quickstart"))
    assert run.network.sizes == run.record.model.sizes


#: values that change from one training to the next, or from one machine to another
VOLATILE = {
    "pid", "host", "started", "finished", "command", "source", "environment",
    "train_seconds", "samples_per_second", "wall_seconds", "final", "best", "test",
}  # fmt: skip


def skeleton(value: Any, loose: bool = False) -> Any:
    """The keys of ``value`` in their order, at every depth, with the type of each
    value (``*`` under a volatile key, whose type may differ)."""
    if isinstance(value, dict):
        return [(k, skeleton(v, loose or k in VOLATILE)) for k, v in value.items()]
    if isinstance(value, list):
        return [skeleton(v, loose) for v in value]
    return "*" if loose else type(value).__name__


def test_a_new_run_writes_the_keys_of_the_fixture_in_their_order(tmp_path, monkeypatch):
    expected = json.loads(SUMMARIES["v0.2.0_quickstart"].read_text())
    # drawing takes seconds; the summary records the names of what was drawn
    monkeypatch.setattr(figures, "render_run_plots", lambda *a: expected["plots"])
    run = nnexp.run(QUICKSTART, expected["overrides"], runs_dir=tmp_path)
    written = json.loads((run.path / "summary.json").read_text())
    # the fixture's keys in their order, and the findings (issue 15: none here)
    keys = list(written)
    assert keys[keys.index("findings") - 1] == "samples_per_second"
    assert written.pop("findings") == []
    assert skeleton(written) == skeleton(expected)
    for key in set(expected) - VOLATILE - {"dataset", "versions"}:
        assert written[key] == expected[key], key
    assert {**written["dataset"], "source": ""} == {**expected["dataset"], "source": ""}
    assert list(written["environment"]) == list(expected["environment"])
    assert run.result is not None and run.result.epochs == run.record.epochs == 1


def test_keys_keep_the_order_a_dict_would_give_them():
    """A resumed run: the interrupted summary's keys stay where they were; new keys
    follow in the order they were set, as summary.json had them before it was typed."""
    interrupted = {
        "name": "demo", "status": "interrupted", "pid": 1, "command": "nnexp train",
        "error": "KeyboardInterrupt: ", "epochs": 2, "finished": "t1",
        "wall_seconds": 2.5, "a_key_of_another_version": [1],
    }  # fmt: skip
    as_dict = {**interrupted, "resumed_from_epoch": 2}
    as_dict.update(status="running", pid=7)
    as_dict["wall_seconds_before"] = 2.5
    as_dict.update(status="completed", message="", epochs=4, best_epoch=3)
    as_dict.update(finished="t2", wall_seconds=5.0)
    record = (
        parse_summary(interrupted)
        .updated(resumed_from_epoch=2)
        .updated(status="running", pid=7)
        .updated(wall_seconds_before=2.5)
        .updated(status="completed", message="", epochs=4, best_epoch=3)
        .updated(finished="t2", wall_seconds=5.0)
    )
    assert list(summary_data(record)) == list(as_dict)
    assert summary_data(record) == as_dict
    assert record.best_epoch == 3 and record.model_extra == {
        "a_key_of_another_version": [1]
    }


def test_an_update_is_validated_and_leaves_the_original_as_it_was():
    record = Summary(name="demo")
    with pytest.raises(pydantic.ValidationError, match="best_epoch"):
        record.updated(best_epoch="four")
    changed = record.updated(continued_from={"run": "runs/a", "epoch": 2})
    assert changed.continued_from is not None and changed.continued_from.epoch == 2
    assert record.continued_from is None and summary_data(record) == {"name": "demo"}


@pytest.mark.parametrize("command", ["show", "runs"])
@pytest.mark.parametrize("version", VERSIONS)
def test_show_and_runs_print_a_fixture_as_before(
    version, command, tmp_path, monkeypatch
):
    shutil.copytree(FIXTURES / version, tmp_path / "runs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(console, "width", 200)
    args = (
        ["show", f"runs/{run_folder(version).name}"]
        if command == "show"
        else ["runs", "--runs-dir", "runs"]
    )
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    stdout = result.stdout
    if command == "show":  # issue 15: findings after the summary (computed: none)
        findings = "\nfindings: none (no rule of `nnexp show --help` triggered)\n"
        assert stdout.count(findings) == 1
        stdout = stdout.replace(findings, "")
    assert stdout == (FIXTURES / f"{version}.{command}.txt").read_text()
