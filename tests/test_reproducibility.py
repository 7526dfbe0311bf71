"""The same spec and seed give the same numbers whichever command trains them.

OpenBLAS rounds a product differently with one thread and with two (on a 2-core
machine, from batches of 32 up with 784-wide inputs), so these runs use batches of 64
on MNIST digits: before every command pinned ``training.blas_threads``, ``train`` (the
machine's threads) and a sweep cell (one thread) disagreed in the last bits.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nnexp
from nnexp.runner.rerun import check_rerun
from nnexp.runs import environment
from nnexp.runs.checkpoint import load_npz
from nnexp.runs.summary import parse_summary

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "configs" / "quickstart.yaml"
#: 1,500 digits, a 784-64-10 network, batches of 64, float64: a few seconds
OVERRIDES = [
    "dataset.limit=1500",
    "model.layers=[784, 64, 10]",
    "training.batch_size=64",
    "training.epochs=2",
    "training.dtype=float64",
    "output.plots=false",
]
TIME = ["train_seconds", "seconds"]


def nnexp_cli(*args: object, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nnexp", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "200"},
    )


def same_numbers(a: Path, b: Path) -> None:
    wa, wb = load_npz(a / "model.npz"), load_npz(b / "model.npz")
    assert list(wa) == list(wb)
    for name in wa:
        assert np.array_equal(wa[name], wb[name]), f"{name} differs: {a} vs {b}"
    ha = pd.read_csv(a / "metrics.csv").drop(columns=TIME)
    hb = pd.read_csv(b / "metrics.csv").drop(columns=TIME)
    pd.testing.assert_frame_equal(ha, hb, check_exact=True)


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict[str, Path]:
    """The spec trained by `nnexp train`, as a sweep cell, and by the Python API."""
    tmp = tmp_path_factory.mktemp("repro")
    done = nnexp_cli(
        "train", SPEC, *OVERRIDES, "--runs-dir", tmp / "train", "-q", cwd=tmp
    )
    assert done.returncode == 0, done.stderr
    swept = nnexp_cli(
        "sweep",
        SPEC,
        *OVERRIDES,
        "--seeds",
        "1",
        "--runs-dir",
        tmp / "sweep",
        "-j",
        "1",
        cwd=tmp,
    )
    assert swept.returncode == 0, swept.stderr + swept.stdout
    api = nnexp.run(SPEC, OVERRIDES, runs_dir=tmp / "api")
    (train,) = (tmp / "train").iterdir()
    cells = [p.parent for p in (tmp / "sweep").rglob("model.npz")]
    assert len(cells) == 1
    return {"train": train, "sweep": cells[0], "api": api.path}


def test_train_sweep_cell_and_api_give_identical_numbers(trained):
    same_numbers(trained["train"], trained["sweep"])
    same_numbers(trained["train"], trained["api"])


@pytest.mark.parametrize("which", ["train", "sweep"])
def test_rerun_check_reproduces_train_runs_and_sweep_cells(trained, which):
    check = check_rerun(trained[which])
    assert check.matches, (check.metric_difference, check.weight_difference)
    assert check.environment_differences == []


def test_the_summary_records_what_decides_the_numbers(trained):
    for folder in trained.values():
        env = json.loads((folder / "summary.json").read_text())["environment"]
        assert env["nnexp"] == nnexp.__version__
        assert env["blas_threads"] == 1  # the spec's training.blas_threads, applied
        assert env["blas"]["library"]  # e.g. openblas, with its kernel architecture
        assert "openblas_coretype" in env


def test_a_rerun_with_another_thread_count_is_told_apart(trained, tmp_path):
    """A mismatch names the recorded settings that differ and the likely cause."""
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(trained["train"], copy)
    summary = json.loads((copy / "summary.json").read_text())
    summary["environment"]["blas_threads"] = 2
    summary["environment"]["nnexp"] = "0.1.0"
    (copy / "summary.json").write_text(json.dumps(summary))
    weights = load_npz(copy / "model.npz")
    weights["W1"][0, 0] += 1e-12  # as if another rounding had crept in
    np.savez(copy / "model.npz", **weights)
    check = check_rerun(copy)
    assert not check.matches
    labels = [d[0] for d in check.environment_differences]
    assert labels == ["nnexp version", "BLAS threads"]
    assert "nnexp 0.1.0" in check.likely_cause and "0.2.0:" in check.likely_cause
    shown = nnexp_cli("rerun", copy, "--check", "-q", cwd=tmp_path)
    assert shown.returncode == 1
    assert "BLAS threads: original 2, now 1" in shown.stdout
    assert "likely cause" in shown.stdout


def test_differences_and_causes():
    now = {
        "nnexp": "0.2.0",
        "blas": {"library": "openblas", "architecture": "Haswell"},
        "blas_threads": 1,
    }
    before = {**now, "blas": {"library": "openblas", "architecture": "SkylakeX"}}
    diffs = environment.differences(before, now)
    assert [d[0] for d in diffs] == ["BLAS kernel architecture"]
    assert "CPU or BLAS kernel" in environment.likely_cause(diffs)
    # a run written before the environment was recorded: its versions only
    versions = {"versions": {"nnexp": "0.1.0", "numpy": "2.4.6"}}
    old = environment.recorded(parse_summary(versions))
    labels = [d[0] for d in environment.differences(old, now)]
    assert labels[0] == "nnexp version" and "BLAS threads" in labels
    assert environment.likely_cause([]) is None


def test_numpys_blas_is_recorded_when_scipy_brings_another(monkeypatch):
    import threadpoolctl

    numpy_libs = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    listed = [
        {"user_api": "blas", "internal_api": "openblas", "version": "0.3.30",
         "filepath": "/site-packages/scipy.libs/libscipy_openblas.so"},
        {"user_api": "openmp", "internal_api": "openmp", "version": None,
         "filepath": "/usr/lib/libgomp.so"},
        {"user_api": "blas", "internal_api": "openblas", "version": "0.3.31",
         "filepath": str(numpy_libs / "libscipy_openblas64_.so")},
    ]  # fmt: skip
    monkeypatch.setattr(threadpoolctl, "threadpool_info", lambda: listed)
    assert environment.blas_info()["version"] == "0.3.31"
    monkeypatch.setattr(threadpoolctl, "threadpool_info", lambda: listed[:2])
    assert environment.blas_info()["version"] == "0.3.30"  # the only one there


def test_a_dask_cell_gives_the_numbers_of_nnexp_train(trained, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        swept = nnexp_cli(
            "sweep", SPEC, *OVERRIDES, "--seeds", "1", "--runs-dir", tmp_path,
            "--executor", "dask", "--scheduler", cluster.scheduler_address,
            cwd=tmp_path,
        )  # fmt: skip
    assert swept.returncode == 0, swept.stderr + swept.stdout
    (cell,) = [p.parent for p in tmp_path.rglob("model.npz")]
    same_numbers(trained["train"], cell)


PLUGIN = """\
import numpy as np


class Scaled:
    family = "sign"

    def forward(self, z):
        return SCALE * np.tanh(z)

    def derivative(self, z, a):
        return SCALE * (1.0 - np.tanh(z) ** 2)


SCALE = {scale}
"""


def test_an_edited_plugin_is_named_as_the_likely_cause(tmp_path):
    plugin = tmp_path / "acts.py"
    plugin.write_text(PLUGIN.format(scale=1.0))
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "name: plug\n"
        "dataset: {name: blobs, n: 200}\n"
        "model: {hidden: [8], activation: acts.py:Scaled, output_activation: softmax}\n"
        "loss: cross_entropy\n"
        "training: {epochs: 2, batch_size: 16}\n"
        "output: {plots: false}\n"
    )
    run = nnexp.run(spec, runs_dir=tmp_path / "runs")
    recorded = run.summary["environment"]["plugins"]
    assert list(recorded) == ["acts.py"] and len(recorded["acts.py"]) == 64
    assert check_rerun(run.path).matches
    plugin.write_text(PLUGIN.format(scale=1.0001))
    check = check_rerun(run.path)
    assert not check.matches
    assert [d[0] for d in check.environment_differences] == ["plugin file acts.py"]
    assert "plugin file acts.py changed" in check.likely_cause


def test_another_kernel_suggests_asking_openblas_for_the_original():
    diffs = [("BLAS kernel architecture", "Haswell", "SkylakeX")]
    assert "OPENBLAS_CORETYPE=Haswell" in environment.likely_cause(diffs)
