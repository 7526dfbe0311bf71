"""Layers: ``Dense`` (affine map and activation) and inverted ``Dropout``.

Layers own their parameters and nothing else.  ``forward`` returns the output and a
cache of what ``backward`` needs; nothing per call is stored on the layer, so one
network can be evaluated and trained at once without the course code's hidden state.

Conventions (docs/maths.md notation): rows are samples, ``X: (batch, fan_in)``,
``W: (fan_in, fan_out)``, ``b: (fan_out,)``, ``z = X @ W + b``, ``a = f(z)``.

A population of P same-shape networks (:mod:`nnexp.engine.members`) uses the same
layers with a leading member axis: ``W: (P, fan_in, fan_out)``, ``b: (P, 1, fan_out)``,
``X: (P, batch, fan_in)`` (or one ``(batch, fan_in)`` input shared by every member, in
evaluation).  Products and sums act on the last two axes (``.mT``, ``axis=-2``), so
member p gets its single run's numbers bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from nnexp import types as protocols
from nnexp.engine.activations import backprop
from nnexp.engine.members import coefs
from nnexp.registry import Registry
from nnexp.types import Array

LAYERS: Registry[Any] = Registry("layer", "layers", protocols.Layer)


class DenseCache(NamedTuple):
    X: Array  # layer input, ([P,] batch, fan_in)
    z: Array  # pre-activation, ([P,] batch, fan_out)
    a: Array | None  # activation output, like z; None when the loss is fused


@LAYERS.register("dense", aliases=("Dense", "linear_layer", "fully_connected"))
class Dense:
    """Affine map followed by an activation.

    Parameters
    ----------
    W : (fan_in, fan_out) weights; (P, fan_in, fan_out) for a population
    b : (fan_out,) biases; (P, 1, fan_out) for a population
    activation : object with ``forward(z)`` and ``derivative(z, a)``
    """

    def __init__(self, W: Array, b: Array, activation: Any):
        single = W.ndim == 2 and b.shape == (W.shape[1],)
        stacked = W.ndim == 3 and b.shape == (W.shape[0], 1, W.shape[2])
        if not (single or stacked):
            raise ValueError(
                "Dense: W must be (fan_in, fan_out) and b (fan_out,), or for a"
                " population W (P, fan_in, fan_out) and b (P, 1, fan_out); got"
                f" {W.shape} and {b.shape}"
            )
        self.W = W
        self.b = b
        self.activation = activation
        self.stacked = stacked

    @property
    def fan_in(self) -> int:
        return self.W.shape[-2]

    @property
    def fan_out(self) -> int:
        return self.W.shape[-1]

    def forward(self, X: Array, *, activate: bool = True) -> tuple[Array, DenseCache]:
        """``a = f(X @ W + b)``; with ``activate=False`` return ``z`` (fused losses)."""
        z = X @ self.W
        z += self.b
        if not activate:
            return z, DenseCache(X, z, None)
        a = self.activation.forward(z)
        return a, DenseCache(X, z, a)

    def backward(
        self,
        d: Array,
        cache: DenseCache,
        *,
        need_dX: bool = True,
        out: dict[str, Array] | None = None,
    ) -> tuple[Array | None, dict[str, Array]]:
        """Gradients from ``d`` = dL/da (or dL/dz when the forward pass was not activated).

        ``d`` may be overwritten.  ``out`` holds preallocated ``W`` and ``b`` gradient
        buffers (the trainer reuses them every step); without it they are allocated.

        Returns
        -------
        dX : like ``cache.X``, or None when ``need_dX`` is false (the first layer)
        grads : {"W": like W, "b": like b}
        """
        dz = d if cache.a is None else backprop(self.activation, cache.z, cache.a, d)
        if out is None:
            grads = {
                "W": cache.X.mT @ dz,
                "b": dz.sum(axis=-2, keepdims=self.stacked),
            }
        else:
            np.matmul(cache.X.mT, dz, out=out["W"])
            # np.sum's Python wrapper costs µs; a population keeps b's (P, 1, fan_out)
            if self.stacked:
                np.add.reduce(dz, axis=-2, out=out["b"], keepdims=True)
            else:
                np.add.reduce(dz, axis=0, out=out["b"])
            grads = out
        dX = dz @ self.W.mT if need_dX else None
        return dX, grads


class DropoutCache(NamedTuple):
    mask: Array | None  # ([P,] batch, features) scaled keep-mask, None when inactive


#: a single run's dropout generator, or a population's list, one per member
Rngs = np.random.Generator | list[np.random.Generator]


@LAYERS.register("dropout", aliases=("Dropout",))
@dataclass(frozen=True, slots=True)
class Dropout:
    """Inverted dropout: in training keep each unit with probability 1 − rate and scale
    by 1/(1 − rate), so evaluation needs no rescaling; the identity otherwise.

    In a population ``rate`` may be one rate per member, a (P,) array (0 for a member
    whose single run has no dropout layer there); the layer then takes one generator
    per member and draws member p's mask from generator p, as its single run does.
    """

    rate: float | Array = 0.5

    def __post_init__(self) -> None:
        if isinstance(self.rate, np.ndarray):
            rates = self.rate.astype(np.float64)
            if rates.ndim != 1 or not ((rates >= 0.0) & (rates < 1.0)).all():
                raise ValueError(
                    f"dropout rates must be in [0, 1), one per member, got {self.rate}"
                )
            object.__setattr__(self, "rate", rates)
        elif not 0.0 <= self.rate < 1.0:
            raise ValueError(f"dropout rate must be in [0, 1), got {self.rate}")

    @property
    def active(self) -> bool:
        """False when nothing is dropped (rate 0, or every member's rate 0)."""
        rate = self.rate
        if isinstance(rate, np.ndarray):
            return bool(rate.any())
        return rate != 0.0

    def member_rate(self, i: int) -> float:
        """Member ``i``'s rate (the rate itself when every member shares it)."""
        rate = self.rate
        return float(rate[i]) if isinstance(rate, np.ndarray) else float(rate)

    def forward(
        self, X: Array, *, train: bool = False, rng: Rngs | None = None
    ) -> tuple[Array, DropoutCache]:
        if not train or not self.active:
            return X, DropoutCache(None)
        if rng is None:
            raise ValueError("Dropout.forward(train=True) needs an rng")
        if not isinstance(rng, list):
            u = rng.random(X.shape, dtype=X.dtype)
            rate, scale = self.rate, X.dtype.type(1.0 / (1.0 - self.rate))
        else:  # a population: member p's uniforms from member p's generator
            u = np.zeros(X.shape, dtype=X.dtype)  # a rate-0 member keeps all (u ≥ 0)
            rates = np.broadcast_to(np.asarray(self.rate, dtype=np.float64), len(X))
            for p, gen in enumerate(rng):
                if rates[p] > 0.0:  # as a single run without the layer: no draws
                    gen.random(dtype=X.dtype, out=u[p])
            rate, scale = coefs(X.dtype, rates, 1.0 / (1.0 - rates))
        keep = u >= rate
        mask = keep.astype(X.dtype) * scale
        return X * mask, DropoutCache(mask)

    def backward(self, d: Array, cache: DropoutCache) -> Array:
        if cache.mask is None:
            return d
        d *= cache.mask
        return d
