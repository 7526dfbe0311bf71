"""The landscape spec: accepted forms, defaults, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from nnexp.errors import SpecError
from nnexp.spec.landscape import load_landscape_spec, spec_to_dict
from nnexp.teaching.objectives import Expression, Quadratic

BASE = {
    "objective": "two_bump",
    "goal": "maximise",
    "starts": [[0, 0]],
    "methods": ["gradient"],
}


def spec(**changes):
    return load_landscape_spec({**BASE, **changes})


def problems(**changes) -> dict[str, str]:
    with pytest.raises(SpecError) as err:
        spec(**changes)
    return dict(err.value.problems)


def test_defaults_and_labels():
    s = spec(
        methods=[
            "gradient",
            {"method": "adam", "lr": 0.05},
            {"method": "sgd", "label": "mine"},
        ]
    )
    assert s.goal == "maximise" and s.name == "landscape"
    assert (
        s.stop.grad_norm == 1e-6
        and s.stop.step_norm is None
        and s.stop.max_iterations == 10_000
    )
    assert s.labels == ["gradient ascent (step 0.1)", "adam (lr 0.05)", "mine"]
    assert s.methods[1].optimizer.params["beta1"] == 0.9  # optimiser defaults filled in


@pytest.mark.parametrize("spelling", ["maximize", "MAX", "maximise"])
def test_goal_spellings(spelling):
    assert spec(goal=spelling).goal == "maximise"


def test_objective_forms():
    q = spec(
        goal="min", objective={"name": "quadratic", "Q": [[2, 0], [0, 1]]}
    ).objective.build()
    assert isinstance(q, Quadratic) and q.b == (0.0, 0.0)
    e = spec(
        objective={"expression": "w1**2 - w2", "grad": ["2*w1", "-1"]}
    ).objective.build()
    assert isinstance(e, Expression) and e.grad == ["2*w1", "-1"]


def test_resolved_spec_round_trips():
    s = spec(
        objective={"name": "rosenbrock", "b": 10},
        goal="minimise",
        methods=[
            {"method": "rmsprop", "lr": 0.01},
            {"method": "gradient_descent", "step": 0.001},
        ],
        plot={"w1": [-2, 2], "scale": "log"},
    )
    data = spec_to_dict(s)
    assert data["objective"] == {"name": "rosenbrock", "a": 1.0, "b": 10}
    assert data["methods"][1] == {
        "method": "gradient_descent",
        "step": 0.001,
        "label": "gradient descent (step 0.001)",
    }
    assert spec_to_dict(load_landscape_spec(data)) == data


@pytest.mark.parametrize(
    "changes, key, fragment",
    [
        ({"objective": "two_bumb"}, "objective.name", "Did you mean: two_bump"),
        (
            {"objective": {"name": "quadratic", "Q": [[1, 2], [3, 4]]}},
            "objective.Q",
            "symmetric",
        ),
        (
            {"objective": {"name": "quadratic", "c": 1}},
            "objective.c",
            "unknown parameter",
        ),
        (
            {"objective": {"expression": "open('f')"}},
            "objective.expression",
            "'open' is not allowed",
        ),
        (
            {"objective": {"expression": "__import__('os')"}},
            "objective.expression",
            "'__import__' is not allowed",
        ),
        ({"goal": "up"}, "goal", "minimise or maximise"),
        ({"starts": [[0, 0, 0]]}, "starts.0", "at most 2"),
        ({"starts": []}, "starts", "at least 1"),
        (
            {"methods": [{"method": "adam", "lrr": 0.1}]},
            "methods.0.lrr",
            "Did you mean: lr",
        ),
        (
            {"methods": ["gradient", {"method": "adma"}]},
            "methods.1.method",
            "Did you mean: adam",
        ),
        ({"methods": [{"method": "gradient", "step": -1}]}, "methods.0.step", "> 0"),
        ({"methods": [{"method": "sgd", "lr": 0}]}, "methods.0.lr", "lr"),
        ({"methods": ["exact_line_search"]}, "methods.0.method", "needs the quadratic"),
        (
            {"methods": ["gradient_descent"]},
            "methods.0.method",
            "does not fit goal maximise",
        ),
        ({"methods": ["adam", "adam"]}, "methods.1.label", "own label"),
        ({"stop": {"grad_norm": 0}}, "stop.grad_norm", "greater than 0"),
        ({"stop": {"max_iter": 5}}, "stop.max_iter", "Did you mean: max_iterations"),
        ({"plot": {"w1": [1, -1]}}, "plot.w1", "low < high"),
        ({"stepsize": 1}, "stepsize", "unknown key"),
    ],
)
def test_bad_specs_name_the_key(changes, key, fragment):
    found = problems(**changes)
    assert key in found, found
    assert fragment in found[key]


def test_line_search_needs_a_definite_quadratic():
    found = problems(
        objective={"name": "quadratic", "Q": [[1, 0], [0, -2]]},
        goal="min",
        methods=["line_search"],
    )
    assert "positive definite" in found["methods.0.method"]


def test_every_problem_is_reported_at_once():
    found = problems(goal="sideways", starts=[], methods=[{"method": "adam", "lr": -1}])
    assert {"goal", "starts", "methods.0.lr"} <= set(found)


def test_yaml_errors_name_the_file(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text("objective: two_bump\nstarts: [[0, 0]\n")
    with pytest.raises(SpecError, match="bad.yaml"):
        load_landscape_spec(path)
    with pytest.raises(SpecError, match="does not exist"):
        load_landscape_spec(tmp_path / "missing.yaml")
