"""Mean-field initialisers and the per-layer draw (docs/signal_propagation.md).

Two initialisers of the ``INITIALIZERS`` registry that scale weights by fan_in, as
mean-field theory does, and draw the biases too (every other initialiser leaves
them at zero, docs/maths.md §2):

* ``mean_field``: W ~ N(0, weight_variance/fan_in), b ~ N(0, bias_variance);
* ``critical``: the same with weight_variance the critical σ_w² of the layer's
  activation at σ_b² = bias_variance, where χ₁ = σ_w² E[φ′(√q* z)²] = 1
  (:func:`nnexp.signal.gains.critical_weight_variance`); an activation that is not
  elementwise (softmax) gets σ_w² = 1.

With ``orthonormal: true`` the weights are σ_w·√(max(1, fan_out/fan_in)) times an
orthonormal matrix (Haar, as ``randn_orthonormal``), the same fan_in·Var(W) = σ_w².
Like ``gain: auto``, the activation of a layer is the one it feeds (its own).

:func:`layer_parameters` draws one layer's (W, b) for :func:`~nnexp.engine.network.
build_network`: these two through their ``draw_layer`` (W, then b, from the same
generator); every other initialiser through ``sample`` with its family gain (or,
for ``gain: computed``, the variance-preserving gain 1/√E[φ(z)²] of the layer's
activation) and zero biases, exactly as before: the same generator calls, the same
numbers.

The theory lives in :mod:`nnexp.signal`, above the engine: it is imported lazily,
only when one of these is used (the architecture's one exception).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnexp.engine.activations import ACTIVATIONS, family_of
from nnexp.engine.initializers import INITIALIZERS, _check_dtype
from nnexp.errors import NnexpError
from nnexp.types import Array


def layer_parameters(
    init: Any,
    shape: tuple[int, int],
    rng: np.random.Generator,
    activation: Any,
    dtype: Any,
) -> tuple[Array, Array]:
    """One dense layer's weights (fan_in, fan_out) and biases (fan_out,)."""
    dt = np.dtype(dtype)
    own = getattr(init, "draw_layer", None)
    if own is not None:
        W, b = own(shape, rng, activation=activation, dtype=dt)
        return np.asarray(W, dtype=dt), np.asarray(b, dtype=dt)
    if getattr(init, "gain", None) == "computed":
        gain = computed_gain(activation)
    else:
        gain = family_of(activation).gain
    W = np.asarray(init.sample(shape, rng, family_gain=gain, dtype=dt), dtype=dt)
    return W, np.zeros(shape[1], dtype=dt)


def computed_gain(activation: Any) -> float:
    """1/√E[φ(z)²] of an elementwise activation (its family gain otherwise)."""
    if not getattr(activation, "elementwise", True):
        return family_of(activation).gain
    return _cached(_variance_gain, activation)


def _check_variance(name: str, value: Any, *, positive: bool) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    x = float(value) if ok else math.nan
    if not (math.isfinite(x) and (x > 0 if positive else x >= 0)):
        bound = "> 0" if positive else "≥ 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return x


class _MeanFieldBase:
    """Weights N(0, σ_w²/fan_in) (or orthonormal) and biases N(0, bias_variance)."""

    __slots__ = ()
    bias_variance: float
    orthonormal: bool

    def sigma_w2_for(self, activation: Any) -> float:
        raise NotImplementedError

    def draw_layer(
        self,
        shape: tuple[int, int],
        rng: np.random.Generator,
        *,
        activation: Any,
        dtype: Any,
    ) -> tuple[Array, Array]:
        """(W, b) of one layer: W first, then b, from ``rng``."""
        W = self._weights(shape, rng, self.sigma_w2_for(activation))
        b = math.sqrt(self.bias_variance) * rng.standard_normal(shape[1])
        dt = _check_dtype(dtype)
        return W.astype(dt, copy=False), b.astype(dt, copy=False)

    def _weights(
        self, shape: tuple[int, int], rng: np.random.Generator, sigma_w2: float
    ) -> Array:
        m, n = shape
        if not self.orthonormal:
            return rng.standard_normal((m, n)) * math.sqrt(sigma_w2 / m)
        tall = m >= n
        G = rng.standard_normal((m, n) if tall else (n, m))
        Q, R = np.linalg.qr(G)
        Q *= np.where(np.diag(R) < 0, -1.0, 1.0)
        Q = Q if tall else Q.T.copy()
        return Q * math.sqrt(sigma_w2 * max(1.0, n / m))


@INITIALIZERS.register(
    "mean_field",
    aliases=("MeanField",),
    description="N(0, weight_variance/fan_in) weights, N(0, bias_variance) biases",
)
@dataclass(frozen=True, slots=True)
class MeanField(_MeanFieldBase):
    """W ~ N(0, σ_w²/fan_in) with σ_w² = weight_variance, b ~ N(0, bias_variance)."""

    weight_variance: float = 1.0
    bias_variance: float = 0.0
    orthonormal: bool = False

    def __post_init__(self) -> None:
        w = _check_variance("weight_variance", self.weight_variance, positive=True)
        b = _check_variance("bias_variance", self.bias_variance, positive=False)
        object.__setattr__(self, "weight_variance", w)
        object.__setattr__(self, "bias_variance", b)

    def sigma_w2_for(self, activation: Any) -> float:
        return self.weight_variance

    def sample(
        self,
        shape: tuple[int, int],
        rng: np.random.Generator,
        *,
        family_gain: float,
        dtype: Any,
    ) -> Array:
        """W alone (``family_gain`` is not used: σ_w² is the parameter)."""
        W = self._weights(shape, rng, self.weight_variance)
        return W.astype(_check_dtype(dtype), copy=False)


@INITIALIZERS.register(
    "critical",
    aliases=("Critical", "edge_of_chaos"),
    description="weights on the activation's critical line (chi_1 = 1) at"
    " bias_variance, N(0, bias_variance) biases",
)
@dataclass(frozen=True, slots=True)
class Critical(_MeanFieldBase):
    """W ~ N(0, σ_w*²/fan_in) with σ_w*² the critical σ_w² of the layer's
    activation at σ_b² = bias_variance; b ~ N(0, bias_variance)."""

    bias_variance: float = 0.0
    orthonormal: bool = False

    def __post_init__(self) -> None:
        b = _check_variance("bias_variance", self.bias_variance, positive=False)
        object.__setattr__(self, "bias_variance", b)

    def sigma_w2_for(self, activation: Any) -> float:
        if not getattr(activation, "elementwise", True):
            return 1.0
        return _cached(_critical, activation, self.bias_variance)

    def sample(
        self,
        shape: tuple[int, int],
        rng: np.random.Generator,
        *,
        family_gain: float,
        dtype: Any,
    ) -> Array:
        raise NnexpError(
            "initializer critical needs the activation of each layer, which"
            " sample() is not given; networks built by nnexp draw it with"
            " draw_layer(shape, rng, activation=..., dtype=...)."
        )


def _cached(fn: Any, activation: Any, *args: Any) -> float:
    """``fn(activation, *args)``, remembered for hashable activations (frozen
    dataclasses: every built-in), so that a deep network computes it once."""
    try:
        return float(_remembered(fn, activation, *args))
    except TypeError:  # an unhashable plugin: compute each time
        return float(fn(activation, *args))


@functools.lru_cache(maxsize=256)
def _remembered(fn: Any, activation: Any, *args: Any) -> float:
    return float(fn(activation, *args))


def _name(activation: Any) -> str:
    return ACTIVATIONS.name_of(activation) or type(activation).__name__


def _variance_gain(activation: Any) -> float:
    from nnexp.signal.gains import variance_preserving_gain  # lazy: the floor above
    from nnexp.signal.profile import profile

    return variance_preserving_gain(profile(activation, _name(activation)))


def _critical(activation: Any, bias_variance: float) -> float:
    from nnexp.signal.gains import critical_weight_variance  # lazy: the floor above
    from nnexp.signal.profile import profile

    found = critical_weight_variance(
        profile(activation, _name(activation)), bias_variance
    )
    if found.sigma_w2 is None:
        raise NnexpError(
            f"initializer critical: {_name(activation)} has no critical σ_w² at"
            f" bias_variance = {bias_variance:g} ({found.note}); choose mean_field"
            " with a weight_variance, or another activation."
        )
    return found.sigma_w2
