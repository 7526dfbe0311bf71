"""The run-folder writer: its write order, an atomic summary, exact metrics rows."""

from __future__ import annotations

import json
import math
import os
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnexp.runs import writer as writer_module
from nnexp.runs.checkpoint import load_checkpoint
from nnexp.runs.layout import RunPaths
from nnexp.runs.reader import read_history
from nnexp.runs.snapshots import load_snapshots
from nnexp.runs.summary import Summary
from nnexp.runs.writer import RunWriter, read_rows
from nnexp.training.state import TrainState

COLUMNS = ["epoch", "train_loss", "val_loss", "lr"]


def state(epoch):
    return TrainState(
        epoch=epoch,
        step=3 * epoch,
        weights={"W1": np.full((2, 2), float(epoch)), "b1": np.zeros(2)},
        optimizers=[{"t": epoch}],
        rng={"shuffle": {"bit_generator": "PCG64", "state": {"state": 1, "inc": 3}}},
    )


def row(epoch, **values):
    return {
        "epoch": epoch,
        "train_loss": 1.0 / epoch,
        "val_loss": 0.5,
        "lr": 0.1,
    } | values


def new_writer(tmp_path, **kw):
    paths = RunPaths(tmp_path)
    return paths, RunWriter(paths, "name: demo\n", Summary(name="demo"), **kw)


def test_config_and_a_running_summary_come_before_any_epoch(tmp_path):
    paths, _ = new_writer(tmp_path)
    assert paths.config.read_text() == "name: demo\n"
    summary = json.loads(paths.summary.read_text())
    assert summary["status"] == "running" and summary["pid"] == os.getpid()
    assert summary["name"] == "demo" and "host" in summary and "versions" in summary
    assert not paths.metrics.exists() and not paths.checkpoint.exists()


def test_each_epoch_appends_a_row_then_the_checkpoint(tmp_path, monkeypatch):
    paths, w = new_writer(tmp_path)
    order = []
    real = writer_module.save_checkpoint

    def spy(path, snap):
        order.append(("checkpoint", len(read_rows(paths.metrics))))
        real(path, snap)

    monkeypatch.setattr(writer_module, "save_checkpoint", spy)
    monkeypatch.setattr(writer_module, "CHECKPOINT_SECONDS", 0.0)
    for epoch in (1, 2):
        w.on_epoch_end(row(epoch), lambda e=epoch: state(e))
    # the checkpoint of epoch k is written after the row of epoch k is on disk
    assert order == [("checkpoint", 1), ("checkpoint", 2)]
    assert load_checkpoint(paths.checkpoint).epoch == 2


def test_checkpoints_are_rate_limited_and_the_last_is_always_written(tmp_path):
    paths, w = new_writer(tmp_path)
    for epoch in (1, 2, 3):  # within CHECKPOINT_SECONDS of each other
        w.on_epoch_end(row(epoch), lambda e=epoch: state(e))
    assert load_checkpoint(paths.checkpoint).epoch == 1
    history = SimpleNamespace(rows=[row(1), row(2), row(3)])
    w.on_train_end(SimpleNamespace(history=history, epochs=3, state=state(3)))
    assert load_checkpoint(paths.checkpoint).epoch == 3
    assert len(read_rows(paths.metrics)) == 3


def test_the_diverged_epoch_is_recorded_at_the_end(tmp_path):
    paths, w = new_writer(tmp_path, checkpoint=False)
    w.on_epoch_end(row(1), lambda: state(1))
    failing = {"epoch": 2, "train_loss": math.inf}
    history = SimpleNamespace(rows=[row(1), failing])
    w.on_train_end(SimpleNamespace(history=history, epochs=1, state=state(1)))
    rows = read_rows(paths.metrics)
    assert [r["epoch"] for r in rows] == [1, 2] and rows[1]["train_loss"] == math.inf
    assert math.isnan(rows[1]["val_loss"])  # not measured: an empty cell
    assert not paths.checkpoint.exists()


def test_metrics_rows_round_trip_exactly(tmp_path):
    paths, w = new_writer(tmp_path)
    rng = np.random.default_rng(0)
    values = list(rng.standard_normal(50) * 10.0 ** rng.integers(-300, 300, 50))
    values += [0.1 + 0.2, 5e-324, -0.0, math.inf, -math.inf, math.nan]
    values += [np.float32(0.1)]  # a float32 is written as the float64 it equals
    rows = [row(i + 1, train_loss=v) for i, v in enumerate(values)]
    w.write_rows(rows)
    back = read_rows(paths.metrics)
    frame = read_history(tmp_path)
    for i, v in enumerate(values):
        for got in (back[i]["train_loss"], frame["train_loss"].iloc[i]):
            if math.isnan(v):
                assert math.isnan(got)
            else:
                assert got == float(v) and math.copysign(1, got) == math.copysign(1, v)
    assert [r["epoch"] for r in back] == list(range(1, len(values) + 1))
    assert all(isinstance(r["epoch"], int) for r in back)
    assert list(frame.columns) == COLUMNS


def test_keep_rows_until_drops_later_rows_and_keeps_the_columns(tmp_path):
    paths, w = new_writer(tmp_path)
    w.write_rows([row(e, train_loss=e / 7) for e in range(1, 6)])
    _, again = new_writer(tmp_path)  # a resume: a fresh writer on the folder
    kept = again.keep_rows_until(3)
    assert [r["epoch"] for r in kept] == [1, 2, 3]
    assert [r["train_loss"] for r in kept] == [1 / 7, 2 / 7, 3 / 7]
    again.on_epoch_end({"lr": 0.2, "epoch": 4, "extra": 1}, lambda: state(4))
    assert paths.metrics.read_text().splitlines()[0] == ",".join(COLUMNS)
    assert [r["epoch"] for r in read_rows(paths.metrics)] == [1, 2, 3, 4]
    assert read_rows(paths.metrics)[-1]["lr"] == 0.2


def test_keep_rows_until_without_a_metrics_file(tmp_path):
    _, w = new_writer(tmp_path)
    assert w.keep_rows_until(3) == []


def test_a_failed_summary_write_keeps_the_old_summary_and_no_temp_file(
    tmp_path, monkeypatch
):
    paths, w = new_writer(tmp_path)
    before = paths.summary.read_text()

    def broken_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    w.record = w.record.updated(status="completed")
    with pytest.raises(OSError, match="disk full"):
        w.write_summary()
    assert paths.summary.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml", "summary.json"]


def test_finish_writes_the_final_summary_with_json_safe_numbers(tmp_path):
    paths, w = new_writer(tmp_path)
    final = {"val_loss": math.nan, "x": np.float32(0.5)}
    w.finish(
        w.record.updated(wall_seconds_before=100.0, status="completed", final=final)
    )
    summary = json.loads(paths.summary.read_text())
    assert summary["status"] == "completed" and "finished" in summary
    assert summary["final"] == {"val_loss": None, "x": 0.5}
    assert summary["wall_seconds"] >= 100.0
    assert w.record.finished == summary["finished"]
    assert list(summary) == [
        "name", "status", "pid", "host", "started", "versions", "command",
        "wall_seconds_before", "final", "finished", "wall_seconds",
    ]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-9, 9)),
        min_size=1,
        max_size=30,
    )
)
def test_csv_line_reads_back_as_the_same_numbers(values):
    line = writer_module.csv_line(values)
    assert line.endswith("\r\n") and "null" not in line
    cells = line[:-2].split(",")
    assert len(cells) == len(values)
    for cell, v in zip(cells, values, strict=True):
        got = writer_module._number(cell)
        if isinstance(v, float) and math.isnan(v):
            assert cell == "nan"
        else:
            assert got == v and type(got) is type(v)
            assert math.copysign(1, got) == math.copysign(1, v)


def test_snapshots_are_written_with_checkpoints_and_at_the_end(tmp_path, monkeypatch):
    paths, w = new_writer(tmp_path)
    w.keep_weights({"W1": np.zeros((2, 2)), "b1": np.zeros(2)}, [1, 2, 3], 0)
    saved = []
    real = writer_module.save_snapshots

    def spy(path, snapshots):
        saved.append(sorted(snapshots))
        real(path, snapshots)

    monkeypatch.setattr(writer_module, "save_snapshots", spy)
    for epoch in (1, 2, 3):  # within CHECKPOINT_SECONDS: one checkpoint, epoch 1's
        w.on_epoch_end(row(epoch), lambda e=epoch: state(e))
    assert saved == [[1]] and load_checkpoint(paths.checkpoint).epoch == 1
    history = SimpleNamespace(rows=[row(1), row(2), row(3)])
    w.on_train_end(SimpleNamespace(history=history, epochs=3, state=state(3)))
    assert saved == [[1], [1, 2, 3]]
    assert sorted(load_snapshots(paths.snapshots)) == [1, 2, 3]
    w.finish(Summary(name="demo"))  # nothing new: not written again
    assert saved == [[1], [1, 2, 3]]
