"""Run-folder names: safe, timestamped, and never reused."""

from __future__ import annotations

import time

import pytest

from nnexp.errors import RunError
from nnexp.runs.layout import RunPaths, new_run_dir, safe_name


def test_the_same_second_gets_the_next_free_suffix(tmp_path):
    when = time.mktime((2026, 1, 2, 3, 4, 5, 0, 0, -1))
    made = [new_run_dir(tmp_path / "runs", "demo", when=when) for _ in range(3)]
    names = [p.name for p in made]
    assert names == [
        "2026-01-02_03-04-05_demo",
        "2026-01-02_03-04-05_demo-2",
        "2026-01-02_03-04-05_demo-3",
    ]
    assert all(p.is_dir() and not any(p.iterdir()) for p in made)


def test_an_existing_folder_is_never_reused(tmp_path):
    when = time.mktime((2026, 1, 2, 3, 4, 5, 0, 0, -1))
    first = new_run_dir(tmp_path, "demo", when=when)
    (first / "summary.json").write_text("{}")
    second = new_run_dir(tmp_path, "demo", when=when)
    assert second != first and (first / "summary.json").read_text() == "{}"
    assert second.name.endswith("-2")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lr=0.1,act=relu", "lr=0.1,act=relu"),
        ("a b/c", "a_b_c"),
        ("../../etc", "etc"),
        ("", "run"),
        ("x" * 200, "x" * 120),
    ],
)
def test_safe_name(text, expected):
    assert safe_name(text) == expected


def test_a_runs_dir_that_is_a_file_is_a_run_error(tmp_path):
    blocker = tmp_path / "runs"
    blocker.write_text("not a folder")
    with pytest.raises(RunError, match="cannot create the runs directory"):
        new_run_dir(blocker, "demo")


def test_run_paths_name_the_files(tmp_path):
    paths = RunPaths(tmp_path)
    got = [paths.config, paths.metrics, paths.summary, paths.model, paths.checkpoint]
    assert [p.name for p in got] == [
        "config.yaml", "metrics.csv", "summary.json", "model.npz", "checkpoint.npz"
    ]  # fmt: skip
    assert paths.plots == tmp_path / "plots" and paths.log == tmp_path / "train.log"
