"""A spec's data set (and a landscape's objective) is built once: the instance that
validation made is the one the run loads."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from nnexp import api
from nnexp.runner.evaluate import evaluate_run
from nnexp.spec import Component, load_landscape_spec, load_spec
from nnexp.teaching.objectives import TwoBump

COUNTED_DATASET = """\
from dataclasses import dataclass
from pathlib import Path

from nnexp.data.toy import SinCos

LOG = Path(__file__).with_name("built.log")


@dataclass(frozen=True)
class Counted:
    n: int = 40

    def __post_init__(self):
        with LOG.open("a") as f:
            f.write("built\\n")

    def load(self, **kwargs):
        return SinCos(n=self.n).load(**kwargs)
"""

COUNTED_OBJECTIVE = """\
from pathlib import Path

from nnexp.teaching.objectives import TwoBump

LOG = Path(__file__).with_name("built.log")


class Counted:
    def __init__(self):
        with LOG.open("a") as f:
            f.write("built\\n")
        self.f = TwoBump()

    def __call__(self, w):
        return self.f(w)

    def value(self, w1, w2):
        return self.f.value(w1, w2)

    def gradient(self, w):
        return self.f.gradient(w)

    def optimum(self, goal):
        return None
"""


def builds(folder: Path) -> int:
    """How many times the counting plugin in ``folder`` was constructed."""
    log = folder / "built.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_a_run_and_its_evaluation_each_build_the_data_set_once(tmp_path: Path):
    (tmp_path / "counted.py").write_text(COUNTED_DATASET)
    spec = {
        "name": "once",
        "dataset": {"name": f"{tmp_path}/counted.py:Counted"},
        "model": {"hidden": [3]},
        "training": {"epochs": 1, "batch_size": 8},
        "output": {"plots": False},
    }
    run = api.run(spec, runs_dir=tmp_path / "runs")
    assert builds(tmp_path) == 1  # validated, then loaded: the same instance
    result = evaluate_run(run.path, split="test")
    assert result["n"] == 20  # sincos: odd indices of 40 points
    assert builds(tmp_path) == 2  # config.yaml validated once more, loaded as is


def test_the_validated_loader_is_kept_with_its_path_made_absolute(write):
    spec_file = write("sub/spec.yaml", "")
    spec_file.write_text(
        "name: csv\n"
        "dataset: {name: csv, path: data/table.csv, target: y}\n"
        "training: {epochs: 1, batch_size: 4}\n"
    )
    spec = load_spec(spec_file)
    loader = spec.dataset.built
    assert loader is spec.dataset.built  # kept, not rebuilt on each use
    expected = str(spec_file.parent / "data" / "table.csv")
    assert loader.path == expected == spec.dataset.params["path"]


def test_the_kept_instance_is_not_compared_nor_pickled(e3: Path):
    from_file = load_spec(e3)
    from_mapping = load_spec(
        {**from_file.model_dump(mode="json"), "dataset": from_file.dataset.to_yaml()}
    )
    assert from_file.dataset.built is not from_mapping.dataset.built
    assert from_file == from_mapping
    assert hash(from_file.dataset) == hash(from_mapping.dataset)
    copy = pickle.loads(pickle.dumps(from_file))
    assert copy == from_file
    assert copy.dataset.instance is None  # a worker process gets names and values
    assert copy.dataset.built == from_file.dataset.built  # and builds it on first use


def test_a_component_made_directly_builds_on_first_use():
    comp = Component("dataset", "sincos", {"n": 10, "validation": None})
    assert comp.instance is None
    assert comp.built.n == 10
    assert comp.built is comp.built


def test_a_landscape_objective_is_built_once(tmp_path: Path):
    (tmp_path / "counted.py").write_text(COUNTED_OBJECTIVE)
    spec = load_landscape_spec(
        {
            "objective": f"{tmp_path}/counted.py:Counted",
            "starts": [[0.2, 0.5]],
            "methods": ["gradient"],
        }
    )
    assert builds(tmp_path) == 1
    w = np.array([0.3, 0.4])
    assert spec.objective.built(w) == TwoBump()(w)  # the instance validation built


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q"]))
