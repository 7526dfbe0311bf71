"""Layers: ``Dense`` (affine map and activation) and inverted ``Dropout``.

Layers own their parameters and nothing else.  ``forward`` returns the output and a
cache of what ``backward`` needs; nothing per call is stored on the layer, so one
network can be evaluated and trained at once without the course code's hidden state.

Conventions (docs/maths.md notation): rows are samples, ``X: (batch, fan_in)``,
``W: (fan_in, fan_out)``, ``b: (fan_out,)``, ``z = X @ W + b``, ``a = f(z)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from nnexp import types as protocols
from nnexp.engine.activations import backprop
from nnexp.registry import Registry
from nnexp.types import Array

LAYERS: Registry[Any] = Registry("layer", "layers", protocols.Layer)


class DenseCache(NamedTuple):
    X: Array  # layer input, (batch, fan_in)
    z: Array  # pre-activation, (batch, fan_out)
    a: Array | None  # activation output, (batch, fan_out); None when the loss is fused


@LAYERS.register("dense", aliases=("Dense", "linear_layer", "fully_connected"))
class Dense:
    """Affine map followed by an activation.

    Parameters
    ----------
    W : (fan_in, fan_out) weights
    b : (fan_out,) biases
    activation : object with ``forward(z)`` and ``derivative(z, a)``
    """

    def __init__(self, W: Array, b: Array, activation: Any):
        if W.ndim != 2 or b.shape != (W.shape[1],):
            raise ValueError(
                f"Dense: W must be (fan_in, fan_out) and b (fan_out,), got {W.shape} and {b.shape}"
            )
        self.W = W
        self.b = b
        self.activation = activation

    @property
    def fan_in(self) -> int:
        return self.W.shape[0]

    @property
    def fan_out(self) -> int:
        return self.W.shape[1]

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
        dX : (batch, fan_in) or None when ``need_dX`` is false (the first layer)
        grads : {"W": (fan_in, fan_out), "b": (fan_out,)}
        """
        dz = d if cache.a is None else backprop(self.activation, cache.z, cache.a, d)
        if out is None:
            grads = {"W": cache.X.T @ dz, "b": dz.sum(axis=0)}
        else:
            np.matmul(cache.X.T, dz, out=out["W"])
            np.add.reduce(dz, axis=0, out=out["b"])  # np.sum's Python wrapper costs µs
            grads = out
        dX = dz @ self.W.T if need_dX else None
        return dX, grads


class DropoutCache(NamedTuple):
    mask: Array | None  # (batch, features) scaled keep-mask, None when inactive


@LAYERS.register("dropout", aliases=("Dropout",))
@dataclass(frozen=True, slots=True)
class Dropout:
    """Inverted dropout: in training keep each unit with probability 1 − rate and scale
    by 1/(1 − rate), so evaluation needs no rescaling; the identity otherwise."""

    rate: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate < 1.0:
            raise ValueError(f"dropout rate must be in [0, 1), got {self.rate}")

    def forward(
        self, X: Array, *, train: bool = False, rng: np.random.Generator | None = None
    ) -> tuple[Array, DropoutCache]:
        if not train or self.rate == 0.0:
            return X, DropoutCache(None)
        if rng is None:
            raise ValueError("Dropout.forward(train=True) needs an rng")
        keep = rng.random(X.shape, dtype=X.dtype) >= self.rate
        mask = keep.astype(X.dtype) * X.dtype.type(1.0 / (1.0 - self.rate))
        return X * mask, DropoutCache(mask)

    def backward(self, d: Array, cache: DropoutCache) -> Array:
        if cache.mask is None:
            return d
        d *= cache.mask
        return d
