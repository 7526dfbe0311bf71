"""The api's analysis actions are the analysis functions composed as the commands
compose them: ``list_runs`` (``nnexp runs``), ``compare`` (``nnexp compare``),
``report`` and ``plot``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import nnexp
from nnexp.analysis.compare import compare as compare_runs
from nnexp.analysis.fair import fair_stats
from nnexp.analysis.stats import group_stats
from nnexp.errors import NnexpError, RunError


def test_list_runs_reads_then_filters(runs_dir: Path):
    every = nnexp.list_runs(runs_dir)
    assert [r.path.name for r in every] == sorted(p.name for p in runs_dir.iterdir())
    sgd = nnexp.list_runs(runs_dir, ["optimizer=sgd"])
    assert [r.name for r in sgd] == ["run0", "run2"]
    assert nnexp.list_runs(runs_dir, status="failed") == []


def test_list_runs_names_a_bad_status_before_a_missing_folder(tmp_path: Path):
    with pytest.raises(NnexpError, match="--status 'done'"):
        nnexp.list_runs(tmp_path / "nowhere", status="done")
    with pytest.raises(RunError, match="does not exist"):
        nnexp.list_runs(tmp_path / "nowhere")


def test_a_damaged_run_is_listed_as_unreadable(runs_dir: Path):
    bad = runs_dir / "2026-02-02_10-00-00_broken"
    bad.mkdir()
    (bad / "summary.json").write_text("{not json")
    (row,) = [r for r in nnexp.load_runs(runs_dir) if r.path == bad]
    assert row.status == "unreadable" and row.history.empty


def test_compare_gives_the_view_the_options_ask_for(sweep2d: Path):
    selection = nnexp.select_runs([sweep2d])
    plain = nnexp.compare(selection)
    assert isinstance(plain, nnexp.api.Comparison)
    pd.testing.assert_frame_equal(plain.table, compare_runs(selection.runs).table)
    grouped = nnexp.compare(selection.runs, by=["activation"])
    want = group_stats(compare_runs(selection.runs), ["activation"])
    pd.testing.assert_frame_equal(grouped.table, want.table)
    fair = nnexp.compare(selection, by=["activation"], tune=["optimizer"])
    expected = fair_stats(compare_runs(selection.runs), ["activation"], ["optimizer"])
    pd.testing.assert_frame_equal(fair.stats.table, expected.stats.table)
    with pytest.raises(RunError, match="needs the groups"):
        nnexp.compare(selection, fair=True)


def test_report_and_plot_write_what_the_commands_write(sweep2d: Path, tmp_path):
    selection = nnexp.select_runs([sweep2d])
    written = nnexp.report(selection, tmp_path / "r.html", title="two settings")
    assert written == tmp_path / "r.html"
    assert "<h1>two settings</h1>" in written.read_text()
    figure = nnexp.plot(selection, by=["activation"], metrics=["accuracy"])
    assert len(figure.axes) >= 1
    summary = nnexp.plot(selection, "summary")
    assert summary is not figure and len(summary.axes) >= 1
