"""What ``nnexp signal`` studies: an activation with σ_w², σ_b², a depth and a width,
given directly or read from a run spec.

From an activation: σ_w² is a number or ``critical`` (the critical σ_w² at the given
σ_b², when there is one); the random networks draw weights N(0, σ_w²/fan_in)
(``lecun_normal`` with gain σ_w) and orthonormal ones (``randn_orthonormal`` with gain
σ_w), biases N(0, σ_b²).

From a spec: its one hidden activation, its initialiser, its number of hidden layers
and their width.  The theory's σ_w² is fan_in·Var(W) of a square hidden layer
(width → width): the course's Glorot initialisers draw with variance
gain²·2/(fan_in + fan_out), which equals σ_w²/fan_in with σ_w² = gain² only when
fan_in = fan_out; the first layer (inputs → width) has another σ_w², stated in
``layer_sigma_w2``.  σ_b² is 0 (biases start at zero) unless the initialiser draws
biases (``critical``, ``mean_field``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnexp.engine.activations import ACTIVATIONS, family_of
from nnexp.engine.critical_init import computed_gain
from nnexp.errors import NnexpError
from nnexp.registry import is_plugin_ref
from nnexp.signal.gains import critical_weight_variance
from nnexp.signal.maps import Variances
from nnexp.signal.profile import Profile, profile
from nnexp.spec.load import load_spec
from nnexp.spec.models import RunSpec

CRITICAL = "critical"
#: defaults of the command and of :func:`activation_setup`
SIGMA_B2, DEPTH, WIDTH, Q0 = 0.05, 20, 500, 1.0

#: fan_in · Var(W) of a unit-gain draw for an (m, n) layer, by initialiser name
UNIT_VARIANCE: dict[str, Callable[[int, int], float]] = {
    "randn_average": lambda m, n: 2.0 * m / (m + n),
    "rand_average": lambda m, n: 2.0 * m / (m + n),
    "randn_orthonormal": lambda m, n: 1.0 if m >= n else m / n,
    "he_normal": lambda m, n: 2.0,
    "lecun_normal": lambda m, n: 1.0,
    "standard_normal": lambda m, n: float(m),
}


@dataclass(frozen=True)
class Setup:
    """One activation at one (σ_w², σ_b²), with the networks that check the theory.

    Attributes
    ----------
    label : how the activation is named (``tanh``, ``acts.py:Isru(a=0.5)``)
    activation, profile : the built activation and its :class:`Profile`
    variances : σ_w², σ_b²
    depth, width : hidden layers of the random networks, and their width
    q0 : the inputs' mean square ‖x‖²/width; the first layer's q¹ = σ_w² q0 + σ_b²
    origin : where σ_w² comes from, in words
    initializer : the spec's initialiser (the networks draw with it), or None
    initializer_name : its registry name
    layer_sigma_w2 : σ_w² of every layer of the spec (first, hidden, output), when
        ``model.layers`` gives every size (empty when the data set decides them)
    spec : the spec's path, or None
    """

    label: str
    name: str
    activation: Any
    profile: Profile
    variances: Variances
    depth: int
    width: int
    q0: float
    origin: str
    initializer: Any = None
    initializer_name: str = ""
    layer_sigma_w2: tuple[float, ...] = field(default=())
    spec: str | None = None

    @property
    def q1(self) -> float:
        """The first layer's pre-activation variance, where the maps start."""
        return self.variances.sigma_w2 * self.q0 + self.variances.sigma_b2

    @property
    def family_gain(self) -> float:
        return family_of(self.activation).gain


def activation_setup(
    activation: Any,
    *,
    label: str | None = None,
    sigma_w2: float | str = CRITICAL,
    sigma_b2: float = SIGMA_B2,
    depth: int = DEPTH,
    width: int = WIDTH,
    q0: float = Q0,
) -> Setup:
    """A :class:`Setup` from an activation: a registry name, a ``{name: ..., k: ...}``
    mapping, a plugin reference ``file.py:Class`` (relative to the current folder) or
    a built activation object."""
    act, name, shown = _build(activation, label)
    _check_shape(depth, width, q0)
    prof = profile(act, shown)
    Variances(1.0, sigma_b2)  # σ_b² first: the critical σ_w² depends on it
    if isinstance(sigma_w2, str):
        if sigma_w2.strip().casefold() != CRITICAL:
            raise NnexpError(
                f"--sigma-w2 {sigma_w2!r}: expected a number > 0 or 'critical' (the"
                " σ_w² where χ₁ = 1 at the given σ_b²)"
            )
        crit = critical_weight_variance(prof, float(sigma_b2), q0)
        if crit.sigma_w2 is None:
            raise NnexpError(
                f"{shown} has no critical σ_w² at σ_b² = {sigma_b2:g}: {crit.note}."
                " Give --sigma-w2 a number to study it at that weight variance."
            )
        w, origin = crit.sigma_w2, "critical: χ₁ = 1 at this σ_b²"
    else:
        w, origin = sigma_w2, "given"
    variances = Variances(w, sigma_b2)
    return Setup(shown, name, act, prof, variances, depth, width, q0, origin)


def spec_setup(path: str | Path) -> Setup:
    """A :class:`Setup` from a run spec (see the module docstring)."""
    spec = load_spec(Path(path))
    model = spec.model
    where = f"spec {path}"
    if model.n_hidden < 1:
        raise NnexpError(
            f"{where}: the network has no hidden layer ({model.sizes_text}); signal"
            " propagation follows the signal through hidden layers, so give the spec"
            " at least one (model.hidden: [100])."
        )
    acts = model.hidden_activations
    names = {(a.name, tuple(sorted(a.params.items()))) for a in acts}
    if len(names) > 1:
        listed = ", ".join(a.name for a in acts)
        raise NnexpError(
            f"{where}: model.activation differs per hidden layer ({listed}); the"
            " theory here follows one activation through every layer. Give one"
            " activation for all hidden layers (model.activation: tanh), or study"
            " each with nnexp signal ACTIVATION."
        )
    hidden = _hidden_sizes(spec)
    if len(set(hidden)) > 1:
        raise NnexpError(
            f"{where}: the hidden layers have widths {hidden}; the theory and its"
            " random networks need one width for every hidden layer"
            " (model.hidden: [100, 100, 100])."
        )
    width = hidden[0]
    act = acts[0].build()
    shown = acts[0].name
    prof = profile(act, shown)
    init = model.initializer.build()
    layer_w2: tuple[float, ...] = ()
    if model.layers is not None:  # every size known (else the data set decides)
        outs = [a.build() for a in acts] + [model.output_activation.build()]
        sizes = list(model.layers)
        layer_w2 = tuple(
            _sigma_w2(init, model.initializer.name, m, n, a)
            for m, n, a in zip(sizes[:-1], sizes[1:], outs, strict=True)
        )
    sigma_w2 = _sigma_w2(init, model.initializer.name, width, width, act)
    sigma_b2 = float(getattr(init, "bias_variance", 0.0))
    if len(hidden) < 2:
        origin = f"{model.initializer.name}: σ_w² = fan_in·Var(W) of a {width} → {width} layer"
    else:
        origin = f"{model.initializer.name} on the {width} → {width} hidden layers"
    _check_shape(model.n_hidden, width, Q0)
    return Setup(
        shown,
        shown,
        act,
        prof,
        Variances(sigma_w2, sigma_b2),
        model.n_hidden,
        width,
        Q0,
        origin,
        init,
        model.initializer.name,
        layer_w2,
        str(path),
    )


def _build(activation: Any, label: str | None) -> tuple[Any, str, str]:
    """(activation object, registry name or plugin reference, label)."""
    if isinstance(activation, str | Mapping):
        name = activation if isinstance(activation, str) else activation.get("name")
        if not isinstance(name, str):
            raise NnexpError(
                f"activation {activation!r}: expected a name or {{name: ..., ...}}"
            )
        entry = ACTIVATIONS.resolve(name, key="ACTIVATION", base_dir=Path.cwd())
        act = ACTIVATIONS.build(activation, key="ACTIVATION", base_dir=Path.cwd())
        canonical = name if is_plugin_ref(name) else entry.name
        return act, canonical, label or canonical
    name = ACTIVATIONS.name_of(activation) or type(activation).__name__
    return activation, name, label or name


def _check_shape(depth: Any, width: Any, q0: Any) -> None:
    problems = []
    if not (isinstance(depth, int) and depth >= 1):
        problems.append(f"depth must be an integer ≥ 1 (hidden layers), got {depth!r}")
    if not (isinstance(width, int) and width >= 2):
        problems.append(
            f"width must be an integer ≥ 2 (units per layer), got {width!r}"
        )
    if not (isinstance(q0, int | float) and math.isfinite(q0) and q0 > 0):
        problems.append(f"q0 must be a number > 0 (the inputs' ‖x‖²/width), got {q0!r}")
    if problems:
        raise NnexpError("; ".join(problems) + ".")


def _hidden_sizes(spec: RunSpec) -> list[int]:
    model = spec.model
    if model.hidden is not None:
        return list(model.hidden)
    assert model.layers is not None
    return list(model.layers[1:-1])


def _sigma_w2(init: Any, name: str, m: int, n: int, activation: Any) -> float:
    """fan_in · Var(W) of ``init`` on an (m, n) layer whose activation is
    ``activation``."""
    own = getattr(init, "sigma_w2_for", None)
    if own is not None:  # critical and mean_field know their own
        return float(own(activation))
    if name not in UNIT_VARIANCE:
        raise NnexpError(
            f"initializer {name}: its weight variance is not known to nnexp signal"
            f" (it knows {', '.join(UNIT_VARIANCE)}, critical and mean_field); give"
            " the activation with --sigma-w2 instead of the spec."
        )
    if getattr(init, "gain", None) == "computed":
        gain = computed_gain(activation)
    else:
        gain = float(init.multiplier(family_of(activation).gain))
    return gain**2 * UNIT_VARIANCE[name](m, n)
