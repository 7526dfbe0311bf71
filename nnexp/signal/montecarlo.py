"""Real random networks against the mean-field recursion, layer by layer.

A network here is ``depth`` dense layers of ``width`` → ``width`` units (the input is
``width``-dimensional too), h^l = φ(h^{l−1}) W^l + b^l with h⁰'s φ replaced by the
input x itself, weights drawn by a registry initialiser, biases N(0, σ_b²).  Per draw
:func:`sample_networks` measures, at every layer l:

* q^l, the mean of (h^l_i)² over units and inputs;
* c^l, for input pairs of a given correlation c⁰, the mean over pairs of the cosine
  of (h^l(x₁), h^l(x₂));
* the backward pass: δ^L drawn N(0, I) at the last pre-activation,
  δ^{l} = (δ^{l+1} W^{l+1}ᵀ) ⊙ f′(h^l) with the registry's f′ (what training uses),
  and the ratio mean‖δ^l‖² / mean‖δ^L‖².

Inputs are built exactly: ‖x‖²/width = q⁰ and x₁·x₂ = width·q⁰·c⁰.  The mean-field
recursion (:func:`theory_layers`) starts from the same numbers:
q¹ = σ_w² q⁰ + σ_b², c¹ = (σ_w² q⁰ c⁰ + σ_b²)/q¹, then q^{l+1} = Q(q^l),
c^{l+1} = Q₁₂(q^l, c^l)/q^{l+1}, and the squared gradient ratio is the product of
σ_w² E[f′(√q^m z)²] over the layers m from l to L − 1.

Finite width: mean-field theory is the limit width → ∞.  At width N each layer's q
fluctuates by O(1/√N) between draws and inputs, and through the curvature of the
maps the mean drifts by O(1/N) per layer, O(depth/N) after ``depth`` layers; the
test of agreement (tests/signal/test_montecarlo.py) allows a few standard errors of
the draws plus that drift.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from nnexp.engine.initializers import INITIALIZERS
from nnexp.errors import NnexpError
from nnexp.runs.environment import pinned_threads
from nnexp.signal.maps import backward_factor, length_map, pair_map
from nnexp.signal.setup import Setup
from nnexp.types import Array

#: the input pairs' correlations c⁰
C0 = (0.2, 0.6, 0.95)
GAUSSIAN, ORTHONORMAL = "gaussian", "orthonormal"

Draw = Callable[[int, np.random.Generator], tuple[Array, Array]]


@dataclass(frozen=True)
class Ensemble:
    """How the weights and biases of one layer are drawn: ``draw(width, rng)`` →
    (W, b) with W of shape (width, width)."""

    name: str
    draw: Draw


def ensembles(setup: Setup) -> list[Ensemble]:
    """Gaussian (``lecun_normal`` with gain σ_w) and orthonormal
    (``randn_orthonormal`` with gain σ_w) weights for an activation; the spec's own
    initialiser for a spec.  Biases N(0, σ_b²)."""
    v = setup.variances
    if setup.initializer is not None:
        name = setup.initializer_name or type(setup.initializer).__name__
        return [Ensemble(name, _draw_with(setup.initializer, setup))]
    gain = math.sqrt(v.sigma_w2)
    return [
        Ensemble(GAUSSIAN, _draw_with(_registry("lecun_normal", gain), setup)),
        Ensemble(ORTHONORMAL, _draw_with(_registry("randn_orthonormal", gain), setup)),
    ]


def _registry(name: str, gain: float) -> object:
    return INITIALIZERS.build({"name": name, "gain": gain})


def _draw_with(init: object, setup: Setup) -> Draw:
    sb = math.sqrt(setup.variances.sigma_b2)
    family_gain = setup.family_gain
    act = setup.activation
    layer = getattr(init, "draw_layer", None)

    def draw(width: int, rng: np.random.Generator) -> tuple[Array, Array]:
        if layer is not None:  # critical, mean_field: they draw their biases too
            W, b = layer((width, width), rng, activation=act, dtype=np.float64)
            return W, b
        W = init.sample(  # type: ignore[attr-defined]
            (width, width), rng, family_gain=family_gain, dtype=np.float64
        )
        return W, sb * rng.standard_normal(width)

    return draw


@dataclass(frozen=True)
class LayerStats:
    """Per-draw statistics of one ensemble (rows: draws, columns: layers 1…L)."""

    ensemble: str
    q: Array  # (draws, depth)
    c: Array  # (draws, len(c0), depth)
    grad: Array  # (draws, depth): mean‖δ^l‖² / mean‖δ^L‖²

    @property
    def draws(self) -> int:
        return int(self.q.shape[0])


@dataclass(frozen=True)
class TheoryLayers:
    """The mean-field recursion at layers 1…L."""

    q: Array  # (depth,)
    c: Array  # (len(c0), depth)
    grad: Array  # (depth,)
    c0: tuple[float, ...] = C0


def theory_layers(setup: Setup, c0: Sequence[float] = C0) -> TheoryLayers:
    """The recursion of the module docstring."""
    prof, v = setup.profile, setup.variances
    depth = setup.depth
    c0_arr = np.asarray(c0, dtype=np.float64)
    q = np.empty(depth)
    c = np.empty((c0_arr.size, depth))
    q[0] = setup.q1
    c[:, 0] = (v.sigma_w2 * setup.q0 * c0_arr + v.sigma_b2) / q[0]
    for layer in range(1, depth):
        prev = q[layer - 1]
        q[layer] = float(length_map(prof, v, prev))
        c[:, layer] = pair_map(prof, v, prev, c[:, layer - 1]) / q[layer]
    factors = backward_factor(prof, v, q[:-1]) if depth > 1 else np.zeros(0)
    grad = np.ones(depth)
    for layer in range(depth - 2, -1, -1):
        grad[layer] = grad[layer + 1] * factors[layer]
    return TheoryLayers(q, c, grad, tuple(float(x) for x in c0_arr))


def input_pairs(
    width: int, q0: float, c0: Sequence[float], pairs: int, rng: np.random.Generator
) -> Array:
    """(len(c0), pairs, 2, width): pairs with ‖x‖²/width = q0 and cosine c⁰ exactly."""
    out = np.empty((len(c0), pairs, 2, width))
    scale = math.sqrt(width * q0)
    for i, c in enumerate(c0):
        g = rng.standard_normal((pairs, 2, width))
        u = g[:, 0] / np.linalg.norm(g[:, 0], axis=1, keepdims=True)
        w = g[:, 1] - np.sum(g[:, 1] * u, axis=1, keepdims=True) * u
        w /= np.linalg.norm(w, axis=1, keepdims=True)
        out[i, :, 0] = scale * u
        out[i, :, 1] = scale * (c * u + math.sqrt(1 - c * c) * w)
    return out


def sample_networks(
    setup: Setup,
    ensemble: Ensemble,
    *,
    draws: int,
    pairs: int = 8,
    c0: Sequence[float] = C0,
    rng: np.random.Generator,
) -> LayerStats:
    """``draws`` random networks of ``ensemble`` (see the module docstring)."""
    if draws < 2:
        raise NnexpError(
            f"draws must be at least 2 (the bands and standard errors need the spread"
            f" of several networks), got {draws}"
        )
    with pinned_threads(1):  # one BLAS thread: fast on shared cores, same numbers
        return _sample(setup, ensemble, draws, pairs, c0, rng)


def _sample(
    setup: Setup,
    ensemble: Ensemble,
    draws: int,
    pairs: int,
    c0: Sequence[float],
    rng: np.random.Generator,
) -> LayerStats:
    width, depth = setup.width, setup.depth
    act = setup.activation
    q = np.empty((draws, depth))
    c = np.empty((draws, len(c0), depth))
    grad = np.empty((draws, depth))
    for d in range(draws):
        x = input_pairs(width, setup.q0, c0, pairs, rng).reshape(-1, width)
        hs, weights = [], []
        a = x
        for _ in range(depth):
            W, b = ensemble.draw(width, rng)
            h = a @ W + b
            hs.append(h)
            weights.append(W)
            with np.errstate(all="ignore"):
                a = np.asarray(act.forward(h), dtype=np.float64)
        for layer, h in enumerate(hs):
            if not np.all(np.isfinite(h)):
                raise NnexpError(
                    f"{setup.label}: the pre-activations of layer {layer + 1} of a"
                    f" random {ensemble.name} network are not finite at"
                    f" {setup.variances}; the activation overflows there"
                )
            q[d, layer] = float(np.mean(h * h))
            pair = h.reshape(len(c0), pairs, 2, width)
            dots = np.sum(pair[:, :, 0] * pair[:, :, 1], axis=-1)
            norms = np.linalg.norm(pair, axis=-1)
            with np.errstate(all="ignore"):
                cos = dots / (norms[:, :, 0] * norms[:, :, 1])
            c[d, :, layer] = np.mean(cos, axis=1)
        delta = rng.standard_normal((x.shape[0], width))
        top = float(np.mean(delta * delta))
        grad[d, depth - 1] = 1.0
        for layer in range(depth - 2, -1, -1):
            h = hs[layer]
            with np.errstate(all="ignore"):
                slope = np.asarray(act.derivative(h, act.forward(h)), dtype=np.float64)
            delta = (delta @ weights[layer + 1].T) * slope
            grad[d, layer] = float(np.mean(delta * delta)) / top
    return LayerStats(ensemble.name, q, c, grad)


def summary(values: Array) -> dict[str, Array]:
    """Mean, standard error of the mean and the 10 % / 90 % quantiles over draws
    (axis 0)."""
    n = values.shape[0]
    return {
        "mean": np.mean(values, axis=0),
        "se": np.std(values, axis=0, ddof=1) / math.sqrt(n),
        "low": np.quantile(values, 0.1, axis=0),
        "high": np.quantile(values, 0.9, axis=0),
    }


#: the agreement rule: a few standard errors of the draws …
SE_FACTOR = 4.0
#: … plus this many times layers/width of finite-width drift (relative for q and
#: the gradient ratio, absolute for correlations)
WIDTH_ALLOWANCE = 2.0


def tolerances(theory: TheoryLayers, stats: LayerStats, width: int) -> dict[str, Array]:
    """Per quantity and layer: SE_FACTOR standard errors of the draws' mean plus
    WIDTH_ALLOWANCE · (layers the signal went through) / width, relative to the
    theory for q and the gradient ratio."""
    depth = theory.q.size
    forward = np.arange(1, depth + 1) / width
    backward = (depth - np.arange(1, depth + 1)) / width
    return {
        "q": SE_FACTOR * summary(stats.q)["se"] + WIDTH_ALLOWANCE * forward * theory.q,
        "c": SE_FACTOR * summary(stats.c)["se"] + WIDTH_ALLOWANCE * forward,
        "grad": SE_FACTOR * summary(stats.grad)["se"]
        + WIDTH_ALLOWANCE * backward * theory.grad,
    }


def deviations(theory: TheoryLayers, stats: LayerStats, width: int) -> dict[str, float]:
    """Per quantity: the largest |mean over draws − theory| in units of its
    tolerance (≤ 1: the networks agree with the theory)."""
    tol = tolerances(theory, stats, width)
    out = {}
    for key in ("q", "c", "grad"):
        mean = summary(getattr(stats, key))["mean"]
        gap = np.abs(mean - getattr(theory, key))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(gap == 0, 0.0, gap / tol[key])
        out[key] = float(np.max(ratio))
    return out
