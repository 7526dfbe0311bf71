"""A sequential network of dense and dropout layers, with named parameters.

Dense layers are numbered from 1 whatever sits between them, and their parameters are
named ``W1, b1, W2, b2, …``: the same names as in the weights file and in optimiser
state, so saving, loading and resuming are dictionary copies.

A population (P same-shape networks trained as one computation, docs/architecture.md)
is a ``Network`` of stacked layers: :func:`stack_networks` makes it from P ordinary
networks and :meth:`Network.member` gives member i back as an ordinary network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from nnexp.engine.activations import ACTIVATIONS
from nnexp.engine.critical_init import layer_parameters
from nnexp.engine.initializers import INITIALIZERS
from nnexp.engine.layers import Dense, Dropout, Rngs
from nnexp.engine.members import (
    member_activation,
    member_param,
    stack_activations,
    stack_param,
)
from nnexp.registry import signature_params
from nnexp.types import Array


class Network:
    """Ordered layers; forward and backward over explicit caches.

    Parameters
    ----------
    layers : Dense and Dropout layers in order; the last one must be Dense
    """

    def __init__(self, layers: Sequence[Dense | Dropout]):
        if not layers or not isinstance(layers[-1], Dense):
            raise ValueError(
                "a network needs at least one layer and must end with a dense layer"
            )
        self.layers = list(layers)
        self.dense = [layer for layer in self.layers if isinstance(layer, Dense)]
        # precomputed for the per-batch passes: (position, layer, is_dense, dense number)
        # (layers are typed Any here: the flag says which kind each is, without an
        # isinstance per layer per batch)
        self._plan: list[tuple[int, Any, bool, int]] = []
        k = 0
        for pos, layer in enumerate(self.layers):
            k += isinstance(layer, Dense)
            self._plan.append((pos, layer, isinstance(layer, Dense), k))
        self._first_dense = self.layers.index(self.dense[0])
        self._grad_names = {
            k: (f"W{k}", f"b{k}") for k in range(1, len(self.dense) + 1)
        }
        for prev, nxt in zip(self.dense, self.dense[1:], strict=False):
            if prev.fan_out != nxt.fan_in or prev.W.shape[:-2] != nxt.W.shape[:-2]:
                raise ValueError(
                    f"layer sizes do not chain: {prev.W.shape} then {nxt.W.shape}"
                )

    # parameters ---------------------------------------------------------------------
    @property
    def params(self) -> dict[str, Array]:
        """``{"W1": W, "b1": b, …}``: the live arrays (updating them updates the network)."""
        out: dict[str, Array] = {}
        for i, layer in enumerate(self.dense, start=1):
            out[f"W{i}"] = layer.W
            out[f"b{i}"] = layer.b
        return out

    def layer_param_names(self) -> list[tuple[str, str]]:
        return [(f"W{i}", f"b{i}") for i in range(1, len(self.dense) + 1)]

    def get_weights(self) -> dict[str, Array]:
        return {k: v.copy() for k, v in self.params.items()}

    def set_weights(self, weights: Mapping[str, Array]) -> None:
        """Copy ``weights`` into the live arrays (shapes must match; dtype is kept)."""
        params = self.params
        missing = sorted(set(params) - set(weights))
        if missing:
            raise ValueError(f"weights lack {', '.join(missing)}")
        for name, target in params.items():
            src = np.asarray(weights[name])
            if src.shape != target.shape:
                raise ValueError(
                    f"{name}: expected shape {target.shape}, got {src.shape}"
                )
            target[...] = src

    @property
    def sizes(self) -> list[int]:
        return [self.dense[0].fan_in] + [layer.fan_out for layer in self.dense]

    @property
    def dtype(self) -> np.dtype:
        return self.dense[0].W.dtype

    @property
    def output_activation(self) -> Any:
        return self.dense[-1].activation

    @property
    def population(self) -> int | None:
        """P for a population (stacked layers, a leading member axis), else None."""
        first = self.dense[0]
        return first.W.shape[0] if first.stacked else None

    def n_params(self) -> int:
        """Parameters of one network (of one member, for a population)."""
        return sum(v.size for v in self.params.values()) // (self.population or 1)

    def member(self, i: int) -> Network:
        """Member ``i`` of a population as an ordinary network, with copies of its
        weights; a dropout layer whose rate is 0 for this member is left out, as
        :func:`build_network` leaves it out of a single run."""
        P = self.population
        if P is None or not -P <= i < P:
            raise IndexError(
                f"member {i} of a network that is not a population"
                if P is None
                else f"member {i} of a population of {P}"
            )
        layers: list[Dense | Dropout] = []
        for layer in self.layers:
            if isinstance(layer, Dense):
                W, b = member_param("W", layer.W, i), member_param("b", layer.b, i)
                layers.append(Dense(W, b, member_activation(layer.activation, i)))
            elif not isinstance(layer.rate, np.ndarray):
                layers.append(Dropout(layer.rate))
            elif layer.member_rate(i) > 0.0:
                layers.append(Dropout(layer.member_rate(i)))
        return Network(layers)

    # passes -------------------------------------------------------------------------
    def forward(
        self,
        X: Array,
        *,
        train: bool = False,
        rng: Rngs | None = None,
        logits: bool = False,
    ) -> tuple[Array, list[Any]]:
        """Output and per-layer caches. ``logits=True`` stops before the last activation.

        Parameters
        ----------
        X : (batch, n_inputs); for a population (P, batch, n_inputs), or one
            (batch, n_inputs) input shared by every member
        rng : the dropout generator; for a population one per member

        Returns
        -------
        out : (batch, n_outputs); (P, batch, n_outputs) for a population
        caches : one per layer, for :meth:`backward`
        """
        caches: list[Any] = []
        a = X
        last = len(self.layers) - 1
        for pos, layer, dense, _ in self._plan:
            if dense:
                a, cache = layer.forward(a, activate=not (logits and pos == last))
            else:
                a, cache = layer.forward(a, train=train, rng=rng)
            caches.append(cache)
        return a, caches

    def predict(self, X: Array) -> Array:
        """Evaluation-mode output (dropout off, output activation applied)."""
        return self.forward(X)[0]

    def backward(
        self,
        d_out: Array,
        caches: list[Any],
        grads_out: Mapping[str, Array] | None = None,
    ) -> dict[str, Array]:
        """Gradients of every parameter from dL/d(output) (or dL/dlogits after a
        ``logits=True`` forward).  ``d_out`` may be overwritten.

        ``grads_out`` optionally holds preallocated ``W{i}``/``b{i}`` buffers to fill.
        """
        grads: dict[str, Array] = {}
        d: Any = d_out  # None below the first dense layer (no dX is needed there)
        first = self._first_dense
        for pos, layer, dense, k in reversed(self._plan):
            if dense:
                wname, bname = self._grad_names[k]
                out = (
                    None
                    if grads_out is None
                    else {"W": grads_out[wname], "b": grads_out[bname]}
                )
                d, g = layer.backward(d, caches[pos], need_dX=pos > first, out=out)
                grads[wname], grads[bname] = g["W"], g["b"]
            else:
                d = layer.backward(d, caches[pos])
        return grads

    def __repr__(self) -> str:
        """``Network(784-100-10, relu → softmax, float32, 79,510 parameters)``; a
        population says ``Network(8 × 784-100-10, …)``."""
        acts = " → ".join(describe_component(d.activation) for d in self.dense)
        members = f"{self.population} × " if self.population else ""
        return (
            f"Network({members}{'-'.join(map(str, self.sizes))}, {acts}, {self.dtype},"
            f" {self.n_params():,} parameters)"
        )

    def summary_rows(self) -> list[dict[str, Any]]:
        """One row per layer for a model summary: kind, shape, parameters, activation."""
        rows, i = [], 0
        for layer in self.layers:
            if isinstance(layer, Dense):
                i += 1
                act = layer.activation
                rows.append(
                    {
                        "layer": f"dense {i}",
                        "shape": f"{layer.fan_in} → {layer.fan_out}",
                        "params": layer.fan_in * layer.fan_out + layer.fan_out,
                        "activation": describe_component(act),
                    }
                )
            else:
                rows.append(
                    {
                        "layer": "dropout",
                        "shape": "",
                        "params": 0,
                        "activation": f"rate {layer.rate}",
                    }
                )
        return rows


def describe_component(obj: Any) -> str:
    """``leaky_relu(alpha=0.1)`` style text for an activation or other component."""
    name = ACTIVATIONS.name_of(obj) or type(obj).__name__
    # the constructor's keywords, for dataclasses and plugin classes alike
    names = [p.name for p in signature_params(type(obj)) if hasattr(obj, p.name)]
    args = ", ".join(f"{f}={getattr(obj, f)!r}" for f in names if not f.startswith("_"))
    return f"{name}({args})" if args else name


def stack_networks(networks: Sequence[Network]) -> Network:
    """A population of ``networks`` (same sizes and dtype): member p's weights are
    copies of network p's, stacked along a new leading axis.  A layer whose members'
    activations differ gets a :class:`~nnexp.engine.members.MemberActivations`.

    Dropout may differ: its rate after each dense layer becomes one rate per member,
    0 for a member without a dropout layer there.
    """
    if not networks:
        raise ValueError("a population needs at least one network")
    first = networks[0]
    for k, net in enumerate(networks):
        if net.population is not None:
            raise ValueError(f"network {k} is already a population")
        if net.sizes != first.sizes or net.dtype != first.dtype:
            raise ValueError(
                "every member of a population needs the same layer sizes and dtype:"
                f" network 0 is {'-'.join(map(str, first.sizes))} {first.dtype},"
                f" network {k} {'-'.join(map(str, net.sizes))} {net.dtype}"
            )
    gaps = [_dropout_gaps(net) for net in networks]
    layers: list[Dense | Dropout] = []
    for pos in range(len(first.dense)):
        rates = [gap[pos] for gap in gaps]
        depth = max(len(r) for r in rates)
        if any(0 < len(r) < depth for r in rates):
            raise ValueError(
                f"the members have different numbers of dropout layers before dense"
                f" layer {pos + 1}; a population needs the same layers"
            )
        for j in range(depth):
            column = [r[j] if r else 0.0 for r in rates]
            same = all(x == column[0] for x in column)
            layers.append(Dropout(column[0] if same else np.array(column)))
        W = stack_param("W", [net.dense[pos].W for net in networks])
        b = stack_param("b", [net.dense[pos].b for net in networks])
        acts = [net.dense[pos].activation for net in networks]
        layers.append(Dense(W, b, stack_activations(acts, pos + 1)))
    return Network(layers)


def _dropout_gaps(net: Network) -> list[list[float]]:
    """The dropout rates in front of each dense layer."""
    gaps: list[list[float]] = [[] for _ in net.dense]
    k = 0
    for layer in net.layers:
        if isinstance(layer, Dense):
            k += 1
        else:
            gaps[k].append(float(layer.rate))
    return gaps


def _resolve(registry: Any, ref: Any) -> Any:
    if isinstance(ref, str | Mapping):
        return registry.build(ref)
    return ref


def build_network(
    sizes: Sequence[int],
    *,
    activation: Any = "relu",
    output_activation: Any = "identity",
    initializer: Any = "randn_average",
    dropout: float | Sequence[float] = 0.0,
    rng: np.random.Generator | int | None = 0,
    dtype: str | np.dtype = "float64",
) -> Network:
    """Build a dense network from layer sizes (a notebook-friendly front door).

    Parameters
    ----------
    sizes : [n_inputs, hidden…, n_outputs]
    activation : name, ``{name: ..., **params}``, an activation object, or a list with
        one per hidden layer
    output_activation : the last layer's activation
    initializer : name, mapping or initialiser object (``gain: auto`` uses each layer's
        activation family, docs/maths.md §2)
    dropout : rate after each hidden layer (one number or one per hidden layer)
    rng : generator or seed for the initial weights

    Example
    -------
    >>> net = build_network([2, 3, 1], activation="relu", output_activation="identity")
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or any(s < 1 for s in sizes):
        raise ValueError(f"sizes must be at least two positive integers, got {sizes}")
    n_hidden = len(sizes) - 2
    acts = _per_layer(activation, n_hidden, "activation")
    rates = _per_layer(dropout, n_hidden, "dropout")
    acts = [_resolve(ACTIVATIONS, a) for a in acts] + [
        _resolve(ACTIVATIONS, output_activation)
    ]
    init = _resolve(INITIALIZERS, initializer)
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    dt = np.dtype(dtype)
    layers: list[Dense | Dropout] = []
    for i, (m, n) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        W, b = layer_parameters(init, (m, n), gen, acts[i], dt)  # critical_init.py
        layers.append(Dense(W, b, acts[i]))
        if i < n_hidden and float(rates[i]) > 0:
            layers.append(Dropout(float(rates[i])))
    return Network(layers)


def _per_layer(value: Any, n: int, what: str) -> list[Any]:
    if isinstance(value, list | tuple):
        if len(value) != n:
            raise ValueError(
                f"{what}: a list needs one entry per hidden layer ({n}), got {len(value)}"
            )
        return list(value)
    return [value] * n
