"""The run reader's YAML loader (libyaml's, when PyYAML has it) reads every file the
project writes or ships as PyYAML's Python safe loader does, and its history reader
keeps only the columns asked for."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
import yaml

from nnexp.runs.reader import SAFE_LOADER, load_run, read_history, safe_load

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(
    [*ROOT.glob("configs/**/*.yaml"), *ROOT.glob("tests/runs/fixtures/**/config.yaml")]
)


def same(a, b) -> bool:
    """Equal data, with NaN equal to NaN (``.nan`` in YAML) and types compared."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return type(a) is type(b) and a == b


def test_the_files_checked_are_there():
    assert len([f for f in FILES if f.parent.name != "sweeps"]) >= 7
    assert any(f.name == "config.yaml" for f in FILES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_both_loaders_read_every_config_alike(path):
    text = path.read_text()
    assert same(safe_load(text), yaml.load(text, Loader=yaml.SafeLoader))  # noqa: S506


def test_a_written_run_config_reads_alike(tmp_path):
    """A config.yaml as the run writer dumps it (floats, exponents, nulls, NaN,
    lists in flow style), read by both loaders."""
    from nnexp.spec import dump_spec, load_spec

    spec = load_spec(ROOT / "configs" / "logic_gates.yaml", ["optimizer.lr=1e-3"])
    text = dump_spec(spec)
    data = safe_load(text)
    assert same(data, yaml.load(text, Loader=yaml.SafeLoader))  # noqa: S506
    assert data["optimizer"]["lr"] == 1e-3
    tricky = "a: .nan\nb: 1e-3\nc: 1.0e-3\nd: ~\ne: [1, 2.5, yes, '3']\nf: 2026-12-02\n"
    assert same(safe_load(tricky), yaml.load(tricky, Loader=yaml.SafeLoader))  # noqa: S506


def test_the_c_loader_is_used_when_pyyaml_has_it():
    expected = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
    assert SAFE_LOADER is expected


def test_history_columns_are_those_asked_for_that_the_file_has(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "summary.json").write_text('{"status": "completed"}')
    (folder / "config.yaml").write_text("name: r\nloss: mse\n")
    (folder / "metrics.csv").write_text(
        "epoch,train_loss,lr,val_loss\n1,0.5,0.1,0.6\n2,0.25,0.1,nan\n"
    )
    full = read_history(folder)
    some = read_history(folder, ["val_loss", "epoch", "val_accuracy"])
    assert list(some.columns) == ["epoch", "val_loss"]  # the file's order
    pd.testing.assert_frame_equal(some, full[["epoch", "val_loss"]])
    run = load_run(folder, columns=["epoch", "train_loss"])
    assert list(run.history.columns) == ["epoch", "train_loss"]
    assert run.config == {"name": "r", "loss": "mse"}


def test_a_written_sweep_file_reads_alike(tmp_path):
    """sweep.yaml as a sweep writes it (the spec, every cell's values and labels)."""
    from nnexp.sweep.folder import read_sweep_file
    from nnexp.sweep.plan import create_folder, plan_sweep
    from nnexp.sweep.source import build_source

    source = build_source(ROOT / "configs" / "sweeps" / "logic_gates_e1.yaml")
    folder = create_folder(plan_sweep(source, runs_dir=tmp_path))
    text = (folder / "sweep.yaml").read_text()
    data = read_sweep_file(folder)
    assert same(data, yaml.load(text, Loader=yaml.SafeLoader))  # noqa: S506
    assert len(data["cells"]) == 80
