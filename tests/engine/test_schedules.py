"""Learning-rate schedules against the closed forms of SPEC.md §5."""

from __future__ import annotations

import dataclasses
import itertools
import math

import pytest

from nnexp.engine.schedules import SCHEDULES
from nnexp.errors import RegistryError

# Values for the parameters the SPEC leaves without a default.
REQUIRED = {
    "time_based": {"decay": 0.1},
    "exponential": {"rate": 0.9},
    "linear_to_floor": {"slope": 0.001},
}


def build(name, **params):
    return SCHEDULES.build({"name": name, **params})


def test_parameters_and_defaults_follow_spec_section_8():
    params = {
        e.name: {p.name: p.default for p in e.params if not p.required}
        for e in SCHEDULES.entries()
    }
    assert params["step"] == {"factor": 0.5, "every": 10, "per": "epoch"}
    assert params["cosine"] == {"floor": 0, "per": "epoch"}
    assert all(p["per"] == "epoch" for p in params.values())
    required = {
        e.name: {p.name for p in e.params if p.required} for e in SCHEDULES.entries()
    }
    assert required == {
        "constant": set(),
        "time_based": {"decay"},
        "step": set(),
        "exponential": {"rate"},
        "cosine": set(),
        "linear_to_floor": {"slope"},
    }


@pytest.mark.parametrize("entry", SCHEDULES.entries(), ids=lambda e: e.name)
@pytest.mark.parametrize("per", ["epoch", "step"])
def test_every_schedule_starts_at_the_base_rate(entry, per):
    sched = entry.build(**REQUIRED.get(entry.name, {}), per=per)
    assert sched.per == per
    assert sched.lr(0.05, 0, 20) == 0.05
    value = sched.lr(0.05, 7, 20)
    assert type(value) is float and 0 <= value <= 0.05


def test_constant():
    sched = build("constant")
    assert [sched.lr(0.3, t, 10) for t in (0, 1, 9, 50)] == [0.3] * 4


def test_time_based():
    sched = build("time_based", decay=0.5)
    # η₀/(1 + d·t): t = 2 halves the rate, t = 6 quarters it
    assert sched.lr(0.8, 2, 10) == pytest.approx(0.4, rel=1e-15)
    assert sched.lr(0.8, 6, 10) == pytest.approx(0.2, rel=1e-15)
    assert sched.lr(0.8, 1, 10) == pytest.approx(0.8 / 1.5, rel=1e-15)


def test_step_drops_by_factor_every_n():
    sched = build("step", factor=0.5, every=3)
    rates = [sched.lr(0.8, t, 100) for t in range(8)]
    assert rates == [0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2, 0.2]


def test_step_defaults_halve_every_ten():
    sched = build("step")
    assert (sched.lr(1.0, 9, 100), sched.lr(1.0, 10, 100), sched.lr(1.0, 25, 100)) == (
        1.0,
        0.5,
        0.25,
    )


def test_exponential():
    sched = build("exponential", rate=0.9)
    assert sched.lr(0.1, 3, 10) == pytest.approx(0.1 * 0.729, rel=1e-14)
    assert sched.lr(0.1, 1, 10) == pytest.approx(0.09, rel=1e-14)


def test_cosine_endpoints_midpoint_and_clamp():
    base, floor, total = 0.1, 0.01, 10
    sched = build("cosine", floor=floor)
    assert sched.lr(base, 0, total) == pytest.approx(base, rel=1e-15)
    assert sched.lr(base, total, total) == pytest.approx(floor, rel=1e-15)
    assert sched.lr(base, 5, total) == pytest.approx((base + floor) / 2, rel=1e-14)
    # t = 2 of 10: cos(π/5) = cos 36° = (1 + √5)/4
    cos36 = (1 + math.sqrt(5)) / 4
    assert sched.lr(base, 2, total) == pytest.approx(
        floor + (base - floor) * (1 + cos36) / 2
    )
    assert sched.lr(base, 25, total) == pytest.approx(floor)  # past the end: no rise
    rates = [sched.lr(base, t, total) for t in range(total + 1)]
    assert all(a > b for a, b in itertools.pairwise(rates))


def test_cosine_default_floor_is_zero():
    assert build("cosine").lr(0.2, 100, 100) == pytest.approx(0.0, abs=1e-18)


def test_cosine_needs_a_positive_total():
    with pytest.raises(ValueError, match="total >= 1"):
        build("cosine").lr(0.1, 0, 0)


def test_linear_to_floor_is_the_course_countdown_and_clamps():
    # "start at an integer and subtract 1 each step until 1"
    sched = build("linear_to_floor", slope=1, floor=1, per="step")
    assert [sched.lr(10.0, t, 100) for t in (0, 1, 3, 8, 9, 10, 50)] == [
        10.0,
        9.0,
        7.0,
        2.0,
        1.0,
        1.0,
        1.0,
    ]


def test_linear_to_floor_default_floor_is_zero():
    sched = build("linear_to_floor", slope=0.01)
    assert sched.lr(0.05, 2, 100) == pytest.approx(0.03)
    assert sched.lr(0.05, 10, 100) == 0.0


@pytest.mark.parametrize("per", ["batch", "Epoch", "", None])
def test_per_must_be_epoch_or_step(per):
    with pytest.raises(ValueError, match="per must be 'epoch' or 'step'"):
        SCHEDULES.resolve("constant").factory(per=per)
    with pytest.raises(RegistryError, match="schedule cosine: per must be"):
        build("cosine", per=per)


@pytest.mark.parametrize(
    ("name", "params", "match"),
    [
        ("time_based", {"decay": -0.1}, "decay >= 0"),
        ("exponential", {"rate": 0}, "0 < rate <= 1"),
        ("exponential", {"rate": 1.5}, "0 < rate <= 1"),
        ("step", {"factor": 0}, "0 < factor <= 1"),
        ("step", {"every": 0}, "every >= 1"),
        ("step", {"every": 2.5}, "whole number"),
        ("step", {"every": float("inf")}, "every"),
        ("cosine", {"floor": -0.01}, "floor >= 0"),
        ("linear_to_floor", {"slope": -1}, "slope >= 0"),
        ("linear_to_floor", {"slope": 1, "floor": float("nan")}, "floor"),
        ("time_based", {"decay": "fast"}, "decay must be a real number"),
    ],
)
def test_invalid_parameters_are_rejected(name, params, match):
    with pytest.raises(ValueError, match=match):
        SCHEDULES.resolve(name).factory(**params)


def test_missing_required_parameter_is_named():
    with pytest.raises(RegistryError, match="decay: missing required parameter"):
        SCHEDULES.build("time_based")


def test_every_given_as_integral_float_becomes_int():
    sched = build("step", every=4.0)
    assert sched.every == 4 and type(sched.every) is int


def test_schedules_are_frozen_values():
    sched = build("step", factor=0.1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        sched.factor = 0.2  # type: ignore[misc]
    assert sched == build("step", factor=0.1) and hash(sched) == hash(
        build("step", factor=0.1)
    )


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("Constant", "constant"),
        ("TimeBased", "time_based"),
        ("time-based", "time_based"),
        ("STEP", "step"),
        ("Exponential", "exponential"),
        ("CosineAnnealing", "cosine"),
        ("linear-to-floor", "linear_to_floor"),
        ("LinearToFloor", "linear_to_floor"),
    ],
)
def test_names_resolve_in_any_spelling(spelling, canonical):
    assert SCHEDULES.resolve(spelling).name == canonical


def test_unknown_name_lists_close_matches():
    with pytest.raises(RegistryError, match="Did you mean: .*cosine"):
        SCHEDULES.resolve("cosin")
