"""Optimisers (docs/maths.md §4, §8): stateful dataclasses updating parameters in place.

Every optimiser has the same three methods:

``step(params, grads, lr)``
    Update each array of ``params`` in place (``p -= ...``; the arrays are never
    rebound) with this step's learning rate ``lr``, which the trainer computes from the
    schedule and the optimiser's own ``self.lr``.  ``grads`` holds arrays of the same
    shapes that belong to the trainer as scratch space: ``step`` may overwrite them.
``state_dict()`` / ``load_state_dict(state)``
    The state as a flat mapping ``{"t": 3, "m/W1": ..., "v/W1": ...}`` of copies that
    ``np.savez`` can store, and its exact restoration, so a resumed run is bit-identical.

State is keyed by parameter name (``W1``, ``b1``, …), created lazily on the first step
with the parameter's shape and dtype (float32 stays float32), and updated in place:
the course code rebound loop variables, so its momentum and Adam state never changed.
The step counter ``t`` is per optimiser, so one optimiser may serve a single layer
(per-layer optimisers) or the whole network.

``step`` runs every minibatch, so each update is a short fixed sequence of in-place
ufunc calls; where a formula needs a temporary, it goes into a scratch buffer that is
allocated once per (shape, dtype) and reused, never into a fresh array.

Populations: :func:`stack_optimizers` makes one optimiser of the same class for P
members' stacked parameters; each hyper-parameter the members do not share becomes a
(P,) array, and ``step`` takes one learning rate per member.  The same ``step`` code
runs: per-step coefficients (Adam's bias corrections, 1 − β) are formed exactly as a
single run forms its Python floats and then cast to the parameters' dtype
(:mod:`nnexp.engine.members`), so member p's parameters and state equal its single
run's bit for bit.  :meth:`OptimizerBase.member` gives member p back.
"""

from __future__ import annotations

import copy
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Literal

import numpy as np

from nnexp import types as protocols
from nnexp.engine.members import (
    as_float,
    coefs,
    member_param,
    member_value,
    power,
    same_for_all,
    sqrt,
    stack_param,
    stacked_fields,
)
from nnexp.registry import Registry
from nnexp.types import Array

Params = Mapping[str, Array]  # parameter name (W1, b1, …) → array

OPTIMIZERS: Registry[Any] = Registry("optimizer", "optimizers", protocols.Optimizer)


def check_number(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``value`` as a finite float inside the given interval, else ``ValueError``.

    Shared by the optimisers, schedules and regularisers to validate their parameters
    with one message style (``momentum = 1.5 is out of range: need a finite
    0 <= momentum < 1``).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    x = float(value)
    ok = math.isfinite(x)
    if low is not None:
        ok = ok and (x > low if low_open else x >= low)
    if high is not None:
        ok = ok and (x < high if high_open else x <= high)
    if ok:
        return x
    if high is None:
        need = (
            f"{name} {'>' if low_open else '>='} {low:g}" if low is not None else name
        )
    else:
        left = f"{low:g} {'<' if low_open else '<='} " if low is not None else ""
        need = f"{left}{name} {'<' if high_open else '<='} {high:g}"
    raise ValueError(f"{name} = {value!r} is out of range: need a finite {need}")


def is_weight(name: str) -> bool:
    """Weight matrices are named ``W1``, ``W2``, …; biases ``b1``, … (maths.md §8)."""
    return name.startswith("W")


def _dtype(params: Params) -> np.dtype:
    return next(iter(params.values())).dtype


@dataclass(eq=False, slots=True)
class OptimizerBase:
    """Shared state handling: the step counter, scratch buffers, ``state_dict``.

    Subclasses list their per-parameter state dicts in ``state_names`` (e.g. ``("m",
    "v")``); each is a ``dict[str, Array]`` field keyed by parameter name.  Their
    numeric parameters, which may differ between the members of a population, are
    listed in ``hyperparameters``; every other parameter, and :meth:`structure`, must
    be the same for all members.
    """

    t: int = field(init=False, default=0)
    _scratch: dict[tuple[Any, ...], Array] = field(
        init=False, default_factory=dict, repr=False
    )
    #: P for a population's optimiser (stacked parameters), 0 for a single run's
    _members: int = field(init=False, default=0, repr=False)
    state_names: ClassVar[tuple[str, ...]] = ()
    hyperparameters: ClassVar[tuple[str, ...]] = ("lr",)

    def step(self, params: Params, grads: Params, lr: float) -> None:
        raise NotImplementedError

    def structure(self) -> dict[str, Any]:
        """What must be equal across a population: the non-numeric parameters."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.init and f.name not in self.hyperparameters
        }

    def member(self, i: int) -> OptimizerBase:
        """Member ``i`` of a population's optimiser: its own parameters and a copy of
        its state, as its single run would have them."""
        if not self._members:
            raise IndexError("member() of an optimizer that is not a population's")
        out = copy.copy(self)
        for name in self.hyperparameters:
            setattr(out, name, member_value(getattr(self, name), i))
        out._members, out._scratch = 0, {}
        for slot in self.state_names:
            stacked = getattr(self, slot)
            setattr(out, slot, {k: member_param(k, v, i) for k, v in stacked.items()})
        return out

    def _state(self, slot: dict[str, Array], name: str, p: Array) -> Array:
        """The state array of ``name`` in ``slot``: zeros like ``p`` on first use."""
        buf = slot.get(name)
        if buf is None:
            buf = slot[name] = np.zeros_like(p)
        elif buf.shape != p.shape:
            # A silent broadcast here would corrupt training; say what is wrong.
            raise ValueError(
                f"optimizer state for parameter {name!r} has shape {buf.shape} but the "
                f"parameter has shape {p.shape}; was the state loaded from another network?"
            )
        return buf

    def _buffer(self, p: Array) -> Array:
        """A reusable temporary with the shape and dtype of ``p`` (contents undefined)."""
        key = (p.shape, p.dtype)
        buf = self._scratch.get(key)
        if buf is None:
            buf = self._scratch[key] = np.empty(p.shape, dtype=p.dtype)
        return buf

    def state_dict(self) -> dict[str, Any]:
        """Flat copy of the state: ``{"t": int, "<slot>/<param>": array, ...}``."""
        out: dict[str, Any] = {"t": self.t}
        for slot in self.state_names:
            for name, arr in getattr(self, slot).items():
                out[f"{slot}/{name}"] = arr.copy()
        return out

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Replace the state by a copy of ``state`` (as given by :meth:`state_dict`).

        Values read back from ``np.load`` are accepted: ``t`` may be a 0-d array.
        """
        if "t" not in state:
            raise ValueError(f"{type(self).__name__} state has no step counter 't'")
        t = np.asarray(state["t"])
        if t.ndim != 0 or t.dtype.kind not in "iu" or int(t) < 0:
            raise ValueError(
                f"optimizer state 't' must be an integer >= 0, got {state['t']!r}"
            )
        slots: dict[str, dict[str, Array]] = {s: {} for s in self.state_names}
        for key, value in state.items():
            if key == "t":
                continue
            slot, sep, name = key.partition("/")
            if not sep or not name or slot not in slots:
                allowed = (
                    ", ".join(f"'{s}/<param>'" for s in self.state_names) or "none"
                )
                raise ValueError(
                    f"unknown {type(self).__name__} state key {key!r}; expected 't' and "
                    f"keys of the form {allowed}"
                )
            slots[slot][name] = np.array(value, copy=True)
        self.t = int(t)
        for slot, arrays in slots.items():
            setattr(self, slot, arrays)


def member_state(state: Mapping[str, Any], i: int) -> dict[str, Any]:
    """Member ``i``'s part of a population optimiser's :meth:`~OptimizerBase.state_dict`
    (``{"t": …, "<slot>/<param>": stacked array}``), in its single run's shapes."""
    return {
        key: value if key == "t" else member_param(key.partition("/")[2], value, i)
        for key, value in state.items()
    }


def stack_optimizers(members: Sequence[Any]) -> Any:
    """One optimiser for a population: the members' class, each hyper-parameter shared
    or per member, and their states (if they have stepped) stacked."""
    first = members[0] if members else None
    if not isinstance(first, OptimizerBase):
        raise ValueError(
            f"optimizer {type(first).__name__} cannot train a population: only the"
            " built-in optimizers (subclasses of OptimizerBase) can"
        )
    values = stacked_fields("optimizer", members, first.hyperparameters)
    same_for_all(
        f"optimizer {type(first).__name__}",
        members,
        lambda m: m.structure(),
        ", ".join(first.structure()) or "structure",
    )
    same_for_all("optimizer", members, lambda m: m.t, "step count t")
    out = copy.copy(first)
    for name, value in values.items():
        setattr(out, name, value)
    out._members, out._scratch = len(members), {}
    for slot in first.state_names:
        keys = [sorted(getattr(m, slot)) for m in members]
        same_for_all("optimizer", keys, lambda k: k, f"{slot} state")
        stacked = {
            k: stack_param(k, [getattr(m, slot)[k] for m in members])
            for k in getattr(first, slot)
        }
        setattr(out, slot, stacked)
    return out


@OPTIMIZERS.register(
    "sgd",
    aliases=("SGD",),
    description="stochastic gradient descent, optionally with (Nesterov) momentum",
)
@dataclass(eq=False, slots=True)
class SGD(OptimizerBase):
    """p ← p − η g; with momentum γ: v ← γv + g, p ← p − ηv; Nesterov: p ← p − η(g + γv).

    Parameters
    ----------
    lr : float
        Base learning rate η > 0 (the trainer passes the scheduled rate to ``step``).
    momentum : float
        γ in [0, 1); 0 is plain SGD, which keeps no state.
    nesterov : bool
        Use the Nesterov form (needs momentum > 0).

    State ``v/<param>``: the velocity, same shape and dtype as the parameter.
    """

    lr: float = 0.01
    momentum: float = 0.0
    nesterov: bool = False
    v: dict[str, Array] = field(init=False, default_factory=dict, repr=False)
    state_names: ClassVar[tuple[str, ...]] = ("v",)
    hyperparameters: ClassVar[tuple[str, ...]] = ("lr", "momentum")

    def structure(self) -> dict[str, Any]:
        """Plain SGD keeps no state: it cannot share a population with momentum."""
        return {"nesterov": self.nesterov, "momentum > 0": self.momentum != 0.0}

    def __post_init__(self) -> None:
        self.lr = check_number("lr", self.lr, low=0, low_open=True)
        self.momentum = check_number(
            "momentum", self.momentum, low=0, high=1, high_open=True
        )
        if not isinstance(self.nesterov, bool | np.bool_):
            raise ValueError(f"nesterov must be true or false, got {self.nesterov!r}")
        self.nesterov = bool(self.nesterov)
        if self.nesterov and self.momentum == 0:
            raise ValueError("nesterov = true needs momentum > 0 (e.g. momentum: 0.9)")

    def step(self, params: Params, grads: Params, lr: float) -> None:
        """Update ``params`` in place; ``grads`` is used as scratch (docs/maths.md §4)."""
        gamma = self.momentum
        if self._members:  # per-member values cast to the parameters' dtype
            lr, gamma = coefs(_dtype(params), as_float(lr), gamma)
            plain = isinstance(gamma, float) and gamma == 0.0
        else:
            lr = float(lr)  # a NumPy float64 scalar would upcast float32 work
            plain = gamma == 0.0
        self.t += 1
        for name, p in params.items():
            g = grads[name]
            if plain:
                g *= lr
                p -= g
                continue
            v = self._state(self.v, name, p)
            v *= gamma
            v += g
            if self.nesterov:  # p ← p − η(g + γv), with the updated v
                s = self._buffer(p)
                np.multiply(v, gamma, out=s)
                s += g
                s *= lr
                p -= s
            else:
                np.multiply(v, lr, out=g)
                p -= g


#: where Adam adds ε (the ``eps_form`` parameter of adam and adamw)
EPS_FORMS = ("keras", "torch")


@OPTIMIZERS.register(
    "adam",
    aliases=("Adam",),
    description=(
        "Adam with bias correction; eps_form keras (default: Keras, TensorFlow,"
        " Kingma & Ba's efficient form, eps added to sqrt(v)) or torch"
        " (torch.optim.Adam: eps added to the bias-corrected sqrt(v_hat))"
    ),
)
@dataclass(eq=False, slots=True)
class Adam(OptimizerBase):
    """Adam (docs/maths.md §4): m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g², then two forms.

    ``eps_form: keras`` (the default; Keras, TensorFlow and the efficient form of
    Kingma & Ba §2): p ← p − η_t m/(√v + ε) with η_t = η √(1−β₂^t)/(1−β₁^t), the bias
    correction folded into the step size.  ``eps_form: torch`` (``torch.optim.Adam``,
    Kingma & Ba's Algorithm 1): p ← p − η m̂/(√v̂ + ε) with m̂ = m/(1−β₁^t) and
    v̂ = v/(1−β₂^t).  The two differ only through ε: the keras form is the torch form
    with ε replaced by ε/√(1−β₂^t), which matters while |g| is not ≫ ε: with the
    defaults and g = 1e-8 the first step is 3.1e-5 in the keras form, 5.0e-4 in the
    torch form.
    Either way ε sits outside the root (the course put it inside).

    Parameters
    ----------
    lr : float
        η > 0.
    beta1, beta2 : float
        Decay rates of the moments, in [0, 1).
    eps : float
        ε > 0.
    eps_form : "keras" or "torch"
        Where ε is added (above).

    State ``m/<param>``, ``v/<param>``: first and second moments, shaped like the param.
    """

    lr: float = 0.001
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    eps_form: Literal["keras", "torch"] = "keras"
    m: dict[str, Array] = field(init=False, default_factory=dict, repr=False)
    v: dict[str, Array] = field(init=False, default_factory=dict, repr=False)
    state_names: ClassVar[tuple[str, ...]] = ("m", "v")
    hyperparameters: ClassVar[tuple[str, ...]] = ("lr", "beta1", "beta2", "eps")

    def __post_init__(self) -> None:
        self._check_adam()

    def _check_adam(self) -> None:
        self.lr = check_number("lr", self.lr, low=0, low_open=True)
        self.beta1 = check_number("beta1", self.beta1, low=0, high=1, high_open=True)
        self.beta2 = check_number("beta2", self.beta2, low=0, high=1, high_open=True)
        self.eps = check_number("eps", self.eps, low=0, low_open=True)
        if self.eps_form not in EPS_FORMS:
            raise ValueError(
                f"eps_form must be one of {', '.join(EPS_FORMS)}, got"
                f" {self.eps_form!r} (keras: eps added to sqrt(v), as in Keras;"
                " torch: eps added to sqrt(v_hat), as in torch.optim.Adam)"
            )

    def step(self, params: Params, grads: Params, lr: float) -> None:
        """Update ``params`` in place; ``grads`` is used as scratch (docs/maths.md §4)."""
        self.t += 1
        self._adam_update(params, grads, as_float(lr))

    def _adam_update(self, params: Params, grads: Params, lr: Any) -> None:
        b1, b2, eps, t = self.beta1, self.beta2, self.eps, self.t
        bc1, bc2 = 1.0 - power(b1, t), 1.0 - power(b2, t)  # the bias corrections
        torch_form = self.eps_form == "torch"
        root_bc2 = 1.0
        if torch_form:  # p ← p − (η/bc1) m/(√v/√bc2 + ε), in torch's order
            lr_t, root_bc2 = lr / bc1, sqrt(bc2)
        else:  # p ← p − η_t m/(√v + ε), η_t = η √bc2/bc1
            lr_t = lr * sqrt(bc2) / bc1
        c1, c2 = 1.0 - b1, 1.0 - b2
        if self._members:
            b1, b2, eps, lr_t, root_bc2, c1, c2 = coefs(
                _dtype(params), b1, b2, eps, lr_t, root_bc2, c1, c2
            )
        for name, p in params.items():
            g = grads[name]
            m = self._state(self.m, name, p)
            v = self._state(self.v, name, p)
            s = self._buffer(p)
            np.multiply(g, g, out=s)  # v ← β₂v + (1−β₂)g²
            s *= c2
            v *= b2
            v += s
            m *= b1  # m ← β₁m + (1−β₁)g  (g is scratch from here on)
            g *= c1
            m += g
            np.sqrt(v, out=s)
            if torch_form:
                s /= root_bc2  # √v̂
            s += eps
            np.divide(m, s, out=s)
            s *= lr_t
            p -= s


@OPTIMIZERS.register(
    "adamw",
    aliases=("AdamW",),
    description=(
        "Adam with decoupled weight decay on the weight matrices (decay_biases: true"
        " decays the biases too, as torch.optim.AdamW does); eps_form as for adam"
    ),
)
@dataclass(eq=False, slots=True)
class AdamW(Adam):
    """Adam plus decoupled decay p ← p − η λ p (docs/maths.md §4), on W by default.

    η is this step's learning rate (not the bias-corrected η_t) and the decay uses the
    parameter before this step's Adam update (Loshchilov & Hutter; ``torch.optim.AdamW``
    does the same).  Biases (names not starting with ``W``) are decayed only with
    ``decay_biases: true``; torch decays every parameter by default, so
    ``{eps_form: torch, decay_biases: true}`` is ``torch.optim.AdamW``.

    Parameters
    ----------
    lr, beta1, beta2, eps, eps_form :
        As for :class:`Adam`.
    weight_decay : float
        λ >= 0.
    decay_biases : bool
        Decay the biases too (default false: weight matrices only).
    """

    weight_decay: float = 0.01
    decay_biases: bool = False
    hyperparameters: ClassVar[tuple[str, ...]] = (
        "lr",
        "beta1",
        "beta2",
        "eps",
        "weight_decay",
    )

    def __post_init__(self) -> None:
        self._check_adam()
        self.weight_decay = check_number("weight_decay", self.weight_decay, low=0)
        if not isinstance(self.decay_biases, bool | np.bool_):
            raise ValueError(
                f"decay_biases must be true or false, got {self.decay_biases!r}"
            )
        self.decay_biases = bool(self.decay_biases)

    def step(self, params: Params, grads: Params, lr: float) -> None:
        """Decay the weights, then the Adam update; ``grads`` is used as scratch."""
        lr = as_float(lr)
        self.t += 1
        decay = self.weight_decay
        if isinstance(decay, np.ndarray) or decay != 0.0:
            # a member with λ = 0 among others shrinks by exactly 1: unchanged
            shrink = 1.0 - lr * decay
            if self._members:
                (shrink,) = coefs(_dtype(params), shrink)
            for name, p in params.items():
                if self.decay_biases or is_weight(name):
                    p *= shrink
        self._adam_update(params, grads, lr)


@OPTIMIZERS.register("rmsprop", aliases=("RMSprop",), description="RMSprop")
@dataclass(eq=False, slots=True)
class RMSprop(OptimizerBase):
    """RMSprop (docs/maths.md §4): s ← ρs + (1−ρ)g²; p ← p − η g/(√s + ε).

    Parameters
    ----------
    lr : float
        η > 0.
    rho : float
        ρ in [0, 1).
    eps : float
        ε > 0.

    State ``s/<param>``: the running mean of g², shaped like the parameter.
    """

    lr: float = 0.001
    rho: float = 0.9
    eps: float = 1e-8
    s: dict[str, Array] = field(init=False, default_factory=dict, repr=False)
    state_names: ClassVar[tuple[str, ...]] = ("s",)
    hyperparameters: ClassVar[tuple[str, ...]] = ("lr", "rho", "eps")

    def __post_init__(self) -> None:
        self.lr = check_number("lr", self.lr, low=0, low_open=True)
        self.rho = check_number("rho", self.rho, low=0, high=1, high_open=True)
        self.eps = check_number("eps", self.eps, low=0, low_open=True)

    def step(self, params: Params, grads: Params, lr: float) -> None:
        """Update ``params`` in place; ``grads`` is used as scratch (docs/maths.md §4)."""
        lr = as_float(lr)
        rho, c, eps = self.rho, 1.0 - self.rho, self.eps
        if self._members:
            lr, rho, c, eps = coefs(_dtype(params), lr, rho, c, eps)
        self.t += 1
        for name, p in params.items():
            g = grads[name]
            sq = self._state(self.s, name, p)
            tmp = self._buffer(p)
            np.multiply(g, g, out=tmp)
            tmp *= c
            sq *= rho
            sq += tmp
            np.sqrt(sq, out=tmp)
            tmp += eps
            np.divide(g, tmp, out=g)
            g *= lr
            p -= g


@OPTIMIZERS.register("adagrad", aliases=("Adagrad",), description="Adagrad")
@dataclass(eq=False, slots=True)
class Adagrad(OptimizerBase):
    """Adagrad (docs/maths.md §4): s ← s + g²; p ← p − η g/(√s + ε), with s₀ = 0.

    Parameters
    ----------
    lr : float
        η > 0.
    eps : float
        ε > 0.

    State ``s/<param>``: the sum of g² so far, shaped like the parameter.
    """

    lr: float = 0.01
    eps: float = 1e-8
    s: dict[str, Array] = field(init=False, default_factory=dict, repr=False)
    state_names: ClassVar[tuple[str, ...]] = ("s",)
    hyperparameters: ClassVar[tuple[str, ...]] = ("lr", "eps")

    def __post_init__(self) -> None:
        self.lr = check_number("lr", self.lr, low=0, low_open=True)
        self.eps = check_number("eps", self.eps, low=0, low_open=True)

    def step(self, params: Params, grads: Params, lr: float) -> None:
        """Update ``params`` in place; ``grads`` is used as scratch (docs/maths.md §4)."""
        lr, eps = as_float(lr), self.eps
        if self._members:
            lr, eps = coefs(_dtype(params), lr, eps)
        self.t += 1
        for name, p in params.items():
            g = grads[name]
            sq = self._state(self.s, name, p)
            tmp = self._buffer(p)
            np.multiply(g, g, out=tmp)
            sq += tmp
            np.sqrt(sq, out=tmp)
            tmp += eps
            np.divide(g, tmp, out=g)
            g *= lr
            p -= g
