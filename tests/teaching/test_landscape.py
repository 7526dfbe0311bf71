"""Trajectories, stopping rules, the quadratic's line search and the E7 maxima."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from numpy.testing import assert_allclose

from nnexp.spec.landscape import (
    StopSpec,
    load_landscape_spec,
    parse_method,
    spec_to_dict,
)
from nnexp.teaching.landscape import (
    contour_figure,
    make_step,
    objective_figure,
    run_landscape,
    run_trajectory,
    start_label,
    trajectories_frame,
    write_landscape,
)
from nnexp.teaching.objectives import Quadratic, TwoBump

ROOT = Path(__file__).resolve().parents[2]
E7 = ROOT / "configs" / "landscape_e7.yaml"
QUADRATIC = ROOT / "configs" / "landscape_quadratic.yaml"


def line_search(q: Quadratic, start, iterations: int, tol: float = 0.0):
    stop = StopSpec(grad_norm=tol or None, max_iterations=iterations)
    return run_trajectory(
        q, make_step(parse_method("exact_line_search"), q, "minimise"), start, stop
    )


def test_one_trajectory_per_method_and_start():
    spec = load_landscape_spec(QUADRATIC)
    result = run_landscape(spec)
    assert len(result.trajectories) == len(spec.methods) * len(spec.starts) == 6
    pairs = {(t.method, t.start) for t in result.trajectories}
    assert len(pairs) == 6
    frame = trajectories_frame(result)
    assert list(frame.columns) == [
        "method",
        "start",
        "iteration",
        "w1",
        "w2",
        "f",
        "grad_norm",
    ]
    assert len(frame) == sum(t.iterations + 1 for t in result.trajectories)


def test_e7_gradient_ascent_from_1_1_ends_at_a_local_maximum():
    result = run_landscape(load_landscape_spec(E7))
    (t,) = [t for t in result.trajectories if t.start == (1.0, 1.0)]
    f = TwoBump()
    w = t.points[-1]
    assert t.stopped_by == "grad_norm"
    assert np.linalg.norm(f.gradient(w)) < 1e-4
    assert t.values[-1] == pytest.approx(f(w))
    angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    for r in (1e-3, 1e-2, 5e-2):
        around = w + r * np.column_stack([np.cos(angles), np.sin(angles)])
        assert all(f(w) >= f(p) for p in around)
    # ascent: f never decreases along the path with this small step
    assert np.all(np.diff(t.values) >= 0)


def test_e7_starts_reach_different_maxima_and_the_saddle_has_zero_gradient():
    result = run_landscape(load_landscape_spec(E7))
    ends = {t.start: t.points[-1] for t in result.trajectories}
    assert np.linalg.norm(ends[(0.2, 0.5)] - ends[(0.5, 0.2)]) > 0.5
    assert_allclose(ends[(0.2, 0.5)], ends[(1.0, 1.0)], atol=1e-3)
    saddle = run_trajectory(
        TwoBump(), lambda w, g: w + 0.1 * g, (0.5, 0.5), StopSpec(grad_norm=1e-4)
    )
    assert saddle.iterations == 0 and saddle.stopped_by == "grad_norm"


@pytest.mark.parametrize("c", [0.5, 3.0, 40.0])
def test_exact_line_search_converges_in_one_step_when_q_is_a_multiple_of_identity(
    c, rng
):
    q = Quadratic(Q=[[c, 0.0], [0.0, c]], b=rng.normal(size=2).tolist())
    t = line_search(q, rng.uniform(-5, 5, size=2), iterations=100, tol=1e-10)
    assert t.iterations == 1
    assert t.stopped_by == "grad_norm"
    assert_allclose(t.points[1], q.stationary_point(), rtol=1e-12, atol=1e-12)


def random_spd(rng: np.random.Generator, kappa: float) -> list[list[float]]:
    angle = rng.uniform(0, np.pi)
    R = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    lam = rng.uniform(0.5, 2.0) * np.array([1.0, kappa])
    Q = R @ np.diag(lam) @ R.T
    return ((Q + Q.T) / 2).tolist()


@pytest.mark.parametrize("kappa", [1.5, 4.0, 10.0, 50.0])
def test_line_search_gap_shrinks_at_least_by_the_kantorovich_factor(kappa, rng):
    for _ in range(5):
        q = Quadratic(Q=random_spd(rng, kappa), b=rng.normal(size=2).tolist())
        assert q.condition_number() == pytest.approx(kappa)
        factor = ((kappa - 1) / (kappa + 1)) ** 2
        t = line_search(q, rng.uniform(-10, 10, size=2), iterations=60)
        gaps = t.values - q.optimum("minimise")
        for before, after in zip(gaps[:-1], gaps[1:], strict=True):
            if before < 1e-12 * gaps[0]:
                break  # rounding dominates below this
            assert after <= factor * before * (1 + 1e-9)


def test_fixed_step_too_large_diverges_and_is_reported():
    q = Quadratic(Q=[[1.0, 0.0], [0.0, 10.0]], b=[0.0, 0.0])
    step = make_step(parse_method({"method": "gradient", "step": 0.5}), q, "minimise")
    t = run_trajectory(
        q, step, (1.0, 1.0), StopSpec(grad_norm=1e-8, max_iterations=5000)
    )
    assert t.stopped_by == "diverged"
    assert np.all(np.isfinite(t.points)) and np.all(np.isfinite(t.values))


def test_step_norm_and_max_iterations_rules():
    q = Quadratic(Q=[[1.0, 0.0], [0.0, 2.0]], b=[0.0, 0.0])
    step = make_step(parse_method({"method": "gradient", "step": 0.1}), q, "minimise")
    t = run_trajectory(q, step, (1.0, 1.0), StopSpec(grad_norm=None, step_norm=1e-3))
    assert t.stopped_by == "step_norm"
    assert (
        np.linalg.norm(t.points[-1] - t.points[-2])
        < 1e-3
        <= np.linalg.norm(t.points[-2] - t.points[-3])
    )
    t = run_trajectory(q, step, (1.0, 1.0), StopSpec(grad_norm=None, max_iterations=7))
    assert (t.stopped_by, t.iterations) == ("max_iterations", 7)
    # fixed step on a diagonal quadratic: w_k = (1 − 0.1 λ)^k w_0 per coordinate
    assert_allclose(t.points[-1], [0.9**7, 0.8**7], rtol=1e-12)


def test_optimisers_maximise_by_descending_minus_f():
    f = TwoBump()
    for method in (
        {"method": "adam", "lr": 0.05},
        {"method": "sgd", "lr": 0.1, "momentum": 0.5},
    ):
        step = make_step(parse_method(method), f, "maximise")
        t = run_trajectory(
            f, step, (0.5, 0.2), StopSpec(grad_norm=1e-5, max_iterations=3000)
        )
        assert t.stopped_by == "grad_norm"
        assert t.values[-1] > t.values[0] + 0.1


def test_plain_sgd_step_equals_gradient_descent_step():
    q = Quadratic(Q=[[2.0, 0.3], [0.3, 1.0]], b=[1.0, 0.0])
    stop = StopSpec(grad_norm=None, max_iterations=25)
    a = run_trajectory(
        q,
        make_step(parse_method({"method": "sgd", "lr": 0.2}), q, "minimise"),
        (2, 2),
        stop,
    )
    b = run_trajectory(
        q,
        make_step(parse_method({"method": "gradient", "step": 0.2}), q, "minimise"),
        (2, 2),
        stop,
    )
    assert_allclose(a.points, b.points, rtol=1e-14)


def test_write_landscape_folder(tmp_path):
    result = run_landscape(load_landscape_spec(E7))
    paths = write_landscape(result, tmp_path)
    assert {p.relative_to(tmp_path).as_posix() for p in paths.values()} == {
        "config.yaml", "trajectories.csv", "summary.json", "plots/contour.png", "plots/objective.png",
    }  # fmt: skip
    frame = pd.read_csv(paths["trajectories"])
    assert sorted(frame["start"].unique()) == ["(0.2, 0.5)", "(0.5, 0.2)", "(1, 1)"]
    summary = json.loads(paths["summary"].read_text())
    assert [t["stopped_by"] for t in summary["trajectories"]] == ["grad_norm"] * 3
    for row, t in zip(summary["trajectories"], result.trajectories, strict=True):
        assert (
            row["iterations"]
            == t.iterations
            == (frame["start"] == start_label(t.start)).sum() - 1
        )
        assert row["final_point"] == pytest.approx(t.points[-1].tolist())
        assert row["final_f"] == pytest.approx(t.values[-1])
    # the resolved spec reloads to the same experiment
    again = load_landscape_spec(yaml.safe_load(paths["config"].read_text()))
    assert spec_to_dict(again) == spec_to_dict(result.spec)


def test_figures_have_one_path_per_trajectory():
    result = run_landscape(load_landscape_spec(QUADRATIC))
    fig = contour_figure(result)
    ax = fig.axes[0]
    paths = [line for line in ax.get_lines() if len(line.get_xdata()) > 1]
    assert len(paths) == len(result.trajectories)
    left, right = objective_figure(result).axes[:2]
    assert len(left.get_lines()) == len(result.trajectories)
    assert (
        left.get_yscale() == "log"
    )  # f* of the quadratic is known: |f − f*| is plotted


@pytest.mark.parametrize(
    "objective, scale",
    [
        ({"name": "rosenbrock"}, "log"),
        ({"name": "himmelblau"}, "log"),
        ({"expression": "log(w1) + w2**2"}, "linear"),  # undefined for w1 ≤ 0
        ({"expression": "log(w1 - 100)"}, "log"),  # undefined on the whole window
        ({"expression": "3"}, "log"),  # flat
    ],
)
def test_contours_of_awkward_objectives_draw_without_warnings(objective, scale):
    spec = load_landscape_spec({
        "objective": objective, "starts": [[0.5, 0.5]], "methods": [{"method": "adam", "lr": 0.01}],
        "stop": {"max_iterations": 20}, "plot": {"w1": [-1, 2], "w2": [-1, 2], "scale": scale},
    })  # fmt: skip
    result = run_landscape(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        contour_figure(result).canvas.draw()
        objective_figure(result).canvas.draw()


@pytest.mark.parametrize("config", [QUADRATIC, E7])
def test_contour_plot_is_drawn_to_scale(config):
    # one unit of w1 as long as one of w2 on screen, so right angles look right
    result = run_landscape(load_landscape_spec(config))
    fig = contour_figure(result)
    fig.canvas.draw()
    ax = fig.axes[0]
    box = ax.get_window_extent()
    (a, b), (c, d) = ax.get_xlim(), ax.get_ylim()
    assert box.width / (b - a) == pytest.approx(box.height / (d - c), rel=0.01)
    # the figure is shaped like the window: the panel is most of it, not a strip
    assert box.width * box.height > 0.4 * fig.bbox.width * fig.bbox.height


def test_exact_line_search_steps_are_orthogonal_on_the_plot():
    result = run_landscape(load_landscape_spec(QUADRATIC))
    fig = contour_figure(result)
    fig.canvas.draw()
    ax = fig.axes[0]
    line_search = next(
        t for t in result.trajectories if t.method.startswith("exact line search")
    )
    steps = np.diff(ax.transData.transform(line_search.points[:4]), axis=0)
    cosines = [
        u @ v / np.linalg.norm(u) / np.linalg.norm(v)
        for u, v in zip(steps[:-1], steps[1:], strict=True)
    ]
    assert_allclose(cosines, 0.0, atol=0.01)
