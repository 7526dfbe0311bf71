"""The library behind ``probe``, ``landscape``, ``runs`` and RUN arguments, as a
notebook calls it from ``import nnexp``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from numpy.testing import assert_array_equal

import nnexp
from nnexp.engine.rng import stream
from nnexp.errors import NnexpError, RunError
from nnexp.runs.reader import Run
from nnexp.spec.landscape import load_landscape_spec
from nnexp.spec.load import load_spec
from nnexp.teaching import probe as probe_module
from nnexp.teaching.landscape import run_landscape, summary
from nnexp.teaching.probe import probe_networks, same_activation_rows

ROOT = Path(__file__).resolve().parents[2]
E7 = ROOT / "configs" / "landscape_e7.yaml"
SINCOS = ROOT / "configs" / "sincos.yaml"


def test_the_library_names_are_on_the_package():
    for name in ("probe", "landscape", "find_run", "filter_runs"):
        assert name in dir(nnexp) and callable(getattr(nnexp, name))


def test_probe_by_sizes_is_the_grid_of_the_seeded_networks():
    got = nnexp.probe("4,3,2", activations=["tanh", "relu"], draws=2, input=2,
                      output=2, x_range=(-3, 3), seed=5)  # fmt: skip
    want = probe_networks(
        [4, 3, 2], same_activation_rows(["tanh", "relu"], 1), rng=stream(5, "probe"),
        draws=2, x_index=2, y_index=2, x_range=(-3, 3),
    )  # fmt: skip
    assert_array_equal(got.curves, want.curves)
    assert got.name == "4-3-2" and got.labels == ["tanh", "relu"]
    assert_array_equal(nnexp.probe([4, 3, 2], activations=["tanh", "relu"], draws=2,
                                   input=2, output=2, x_range=(-3, 3), seed=5).curves,
                       got.curves)  # fmt: skip
    assert len(got.figure().axes) == 2 * 2


def test_probe_of_a_spec_with_hidden_sizes_loads_the_loader_its_validation_built(
    monkeypatch: pytest.MonkeyPatch,
):
    spec = load_spec(SINCOS, ["model.layers=null", "model.hidden=[6]"])
    seen = []
    real = probe_module.load_dataset

    def recording(ref, **kwargs):
        seen.append(ref)
        return real(ref, **kwargs)

    monkeypatch.setattr(probe_module, "load_dataset", recording)
    result = nnexp.probe(spec, draws=1)
    assert len(seen) == 1 and seen[0] is spec.dataset.built
    assert result.sizes == [1, 6, 2] and result.name == "sincos"
    assert result.labels == ["abs(alpha=0.0) → identity"]  # the spec's own row


def test_probe_refuses_what_is_neither_sizes_nor_a_spec():
    with pytest.raises(NnexpError, match="SPEC_OR_SIZES must be a run spec file"):
        nnexp.probe("not-sizes")


def test_landscape_runs_the_objective_its_spec_validation_built():
    spec = load_landscape_spec(E7)
    assert run_landscape(spec).objective is spec.objective.built


def test_landscape_writes_the_folder_it_returns(tmp_path: Path):
    result = nnexp.landscape(E7, out=tmp_path / "here")
    assert result.folder == tmp_path / "here"
    written = json.loads((result.folder / "summary.json").read_text())
    assert written == json.loads(json.dumps(summary(result)))
    fresh = nnexp.landscape(E7, runs_dir=tmp_path / "runs")
    assert fresh.folder.parent == tmp_path / "runs"
    assert fresh.folder.name.endswith("_e7_two_bump")
    with pytest.raises(RunError, match="exists and is not an empty folder"):
        nnexp.landscape(E7, out=result.folder)


def _run(path: Path, optimizer: dict, status: str = "completed") -> Run:
    config = {"optimizer": optimizer, "model": {"activation": "relu"}}
    return Run(path=path, config=config, summary={"status": status},
               history=pd.DataFrame())  # fmt: skip


def test_filter_runs_by_component_name_short_key_and_status(tmp_path: Path):
    a = _run(tmp_path / "a", {"name": "adam", "lr": 0.1})
    b = _run(tmp_path / "b", {"name": "sgd", "lr": 0.1}, status="failed")
    c = _run(tmp_path / "c", {"name": "sgd", "lr": 0.5})
    assert nnexp.filter_runs([a, b, c], ["optimizer=SGD"]) == [b, c]
    assert nnexp.filter_runs([a, b, c], ["lr=0.1"]) == [a, b]
    assert nnexp.filter_runs([a, b, c], ["lr=0.1"], status="completed") == [a]
    with pytest.raises(NnexpError, match="--status 'complete'.*Did you mean"):
        nnexp.filter_runs([a], status="complete")
    with pytest.raises(NnexpError, match="no run has this config key"):
        nnexp.filter_runs([a], ["optimiser.lr=0.1"])


def test_find_run_takes_a_path_a_name_or_part_of_one(tmp_path: Path):
    runs = tmp_path / "runs"
    for name in ("2026-01-01_10-00-00_demo", "2026-01-02_10-00-00_demo"):
        (runs / name).mkdir(parents=True)
        (runs / name / "summary.json").write_text("{}")
    latest = runs / "2026-01-02_10-00-00_demo"
    assert nnexp.find_run(latest) == latest
    assert (
        nnexp.find_run("2026-01-01_10-00-00_demo", runs)
        == runs / "2026-01-01_10-00-00_demo"
    )
    assert nnexp.find_run("demo", runs) == latest
    with pytest.raises(RunError, match="run 'nope' not found"):
        nnexp.find_run("nope", runs)
