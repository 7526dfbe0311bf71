"""Weight initialisers (docs/maths.md §2): frozen dataclasses in the ``INITIALIZERS`` registry.

Every initialiser has one parameter, ``gain`` (``"auto"`` or a positive number), and
``sample(shape, rng, *, family_gain, dtype)`` returning ``W`` of shape
``(fan_in, fan_out) = (m, n)``.  The multiplier applied to the base distribution is

* ``gain: auto`` on a course initialiser (randn_average, rand_average,
  randn_orthonormal): ``family_gain``, the gain of the layer's activation family
  (``Family.gain``: √2 for relu-like, 1 otherwise);
* ``gain: auto`` on an initialiser with its own scale (he_normal, lecun_normal,
  standard_normal; ``own_scale = True``): 1;
* a number: that number, whatever the family;
* ``gain: computed``: 1/√E[φ(z)²] of the layer's activation (He's variance-preserving
  gain, for plugins that declare no family), whatever the initialiser's scale.

``critical`` and ``mean_field`` (:mod:`nnexp.engine.critical_init`) draw biases too.

Samples are drawn in float64 and then cast to ``dtype``, so one seed gives the same
weights (up to rounding) in a float32 and a float64 run.  Randomness comes only from
the ``rng`` argument.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from nnexp import types as protocols
from nnexp.registry import Registry
from nnexp.types import Array

INITIALIZERS: Registry[Any] = Registry(
    "initializer", "initializers", protocols.Initializer
)


def _check_gain(gain: Any) -> float | str:
    if isinstance(gain, str):
        if gain.strip().casefold() in ("auto", "computed"):
            return gain.strip().casefold()
    elif isinstance(gain, int | float | np.integer | np.floating) and not isinstance(
        gain, bool
    ):
        if math.isfinite(float(gain)) and float(gain) > 0:
            return float(gain)
    raise ValueError(
        f"gain must be 'auto' (the activation family's gain for the course"
        f" initialisers, 1 for those with their own scale), 'computed' (1/√E[φ(z)²]"
        f" of the layer's activation) or a finite number > 0, got {gain!r}"
    )


def _check_shape(shape: Any) -> tuple[int, int]:
    ok = (
        isinstance(shape, tuple | list)
        and len(shape) == 2
        and all(
            isinstance(s, int | np.integer) and not isinstance(s, bool) for s in shape
        )
        and all(s > 0 for s in shape)
    )
    if not ok:
        raise ValueError(
            f"shape must be (fan_in, fan_out), two positive integers, got {shape!r}"
        )
    return int(shape[0]), int(shape[1])


def _check_dtype(dtype: Any) -> np.dtype[Any]:
    try:
        dt = np.dtype(dtype)
    except TypeError as err:
        raise ValueError(
            f"dtype must be a float dtype such as float32, got {dtype!r}"
        ) from err
    if dt.kind != "f":
        raise ValueError(f"dtype must be a float dtype such as float32, got {dt.name}")
    return dt


class InitializerBase:
    """Gain handling and argument checks shared by every initialiser.

    Subclasses are frozen dataclasses with the field ``gain`` and implement
    ``_draw(m, n, rng) -> float64 (m, n)`` for gain 1.
    """

    __slots__ = ()
    own_scale: ClassVar[bool] = False

    def __post_init__(self) -> None:
        gain = _check_gain(self.gain)  # type: ignore[attr-defined]
        object.__setattr__(self, "gain", gain)

    def multiplier(self, family_gain: float) -> float:
        """The factor applied to the unit-gain draw (see the module docstring)."""
        gain = self.gain  # type: ignore[attr-defined]
        if gain == "computed":  # layer_parameters passes it as family_gain
            return float(family_gain)
        if gain != "auto":
            return float(gain)
        return 1.0 if self.own_scale else float(family_gain)

    def sample(
        self,
        shape: tuple[int, int],
        rng: np.random.Generator,
        *,
        family_gain: float,
        dtype: Any,
    ) -> Array:
        """Draw ``W`` of shape ``(fan_in, fan_out)`` in ``dtype``.

        Parameters
        ----------
        shape : (m, n) = (fan_in, fan_out)
        rng : the only source of randomness
        family_gain : gain of the layer's activation family (docs/maths.md §1, §2)
        dtype : float dtype of the result

        Returns
        -------
        W : (m, n) array of ``dtype``
        """
        m, n = _check_shape(shape)
        dt = _check_dtype(dtype)
        if not isinstance(rng, np.random.Generator):
            raise ValueError(
                f"rng must be a numpy.random.Generator, got {type(rng).__name__}"
            )
        fg = (
            float(family_gain)
            if isinstance(family_gain, int | float | np.number)
            else -1.0
        )
        if not (math.isfinite(fg) and fg > 0):
            raise ValueError(
                f"family_gain must be a finite number > 0, got {family_gain!r}"
            )
        W = self._draw(m, n, rng)
        W *= self.multiplier(fg)
        return W.astype(dt, copy=False)

    def _draw(self, m: int, n: int, rng: np.random.Generator) -> Array:
        raise NotImplementedError


def init_bias(fan_out: int, dtype: Any) -> Array:
    """Biases start at zero (docs/maths.md §2): ``b`` of shape ``(fan_out,)``."""
    return np.zeros(int(fan_out), dtype=_check_dtype(dtype))


@INITIALIZERS.register(
    "randn_average",
    aliases=("RandnAverage", "glorot_normal", "xavier_normal"),
    description="N(0, 2/(m+n)) times the family gain",
)
@dataclass(frozen=True, slots=True)
class RandnAverage(InitializerBase):
    """Glorot normal: N(0, 2/(m+n)), variance from the average of fan-in and fan-out."""

    gain: float | str = "auto"

    def _draw(self, m: int, n: int, rng: np.random.Generator) -> Array:
        return rng.standard_normal((m, n)) * math.sqrt(2.0 / (m + n))


@INITIALIZERS.register(
    "rand_average",
    aliases=("RandAverage", "glorot_uniform", "xavier_uniform"),
    description="U(-r, r), r = sqrt(6/(m+n)), times the family gain",
)
@dataclass(frozen=True, slots=True)
class RandAverage(InitializerBase):
    """Glorot uniform: U(−r, r) with r = √(6/(m+n)), the same variance 2/(m+n)."""

    gain: float | str = "auto"

    def _draw(self, m: int, n: int, rng: np.random.Generator) -> Array:
        r = math.sqrt(6.0 / (m + n))
        return rng.uniform(-r, r, size=(m, n))


@INITIALIZERS.register(
    "randn_orthonormal",
    aliases=("RandnOrthonormal", "orthogonal", "orthonormal"),
    description="orthonormal factor of a Gaussian matrix, times the family gain",
)
@dataclass(frozen=True, slots=True)
class RandnOrthonormal(InitializerBase):
    """Q of the QR factorisation of a Gaussian matrix: orthonormal columns if m ≥ n
    (WᵀW = I), orthonormal rows if m < n (WWᵀ = I).  Each column of Q is multiplied by
    the sign of R's diagonal, which makes Q Haar-distributed instead of biased by the
    QR convention."""

    gain: float | str = "auto"

    def _draw(self, m: int, n: int, rng: np.random.Generator) -> Array:
        tall = m >= n
        G = rng.standard_normal((m, n) if tall else (n, m))
        Q, R = np.linalg.qr(G)  # reduced: Q has G's shape
        Q *= np.where(np.diag(R) < 0, -1.0, 1.0)
        return Q if tall else Q.T.copy()


@INITIALIZERS.register(
    "he_normal", aliases=("HeNormal", "kaiming_normal"), description="N(0, 2/m)"
)
@dataclass(frozen=True, slots=True)
class HeNormal(InitializerBase):
    """He normal: N(0, 2/m) with m = fan_in; its scale is its own (gain auto = 1)."""

    gain: float | str = "auto"
    own_scale: ClassVar[bool] = True

    def _draw(self, m: int, n: int, rng: np.random.Generator) -> Array:
        return rng.standard_normal((m, n)) * math.sqrt(2.0 / m)


@INITIALIZERS.register(
    "lecun_normal", aliases=("LecunNormal",), description="N(0, 1/m)"
)
@dataclass(frozen=True, slots=True)
class LecunNormal(InitializerBase):
    """LeCun normal: N(0, 1/m) with m = fan_in; gain auto = 1."""

    gain: float | str = "auto"
    own_scale: ClassVar[bool] = True

    def _draw(self, m: int, n: int, rng: np.random.Generator) -> Array:
        return rng.standard_normal((m, n)) * math.sqrt(1.0 / m)


@INITIALIZERS.register(
    "standard_normal", aliases=("StandardNormal", "randn"), description="N(0, 1)"
)
@dataclass(frozen=True, slots=True)
class StandardNormal(InitializerBase):
    """N(0, 1) entries (the course's plain ``randn``); gain auto = 1."""

    gain: float | str = "auto"
    own_scale: ClassVar[bool] = True

    def _draw(self, m: int, n: int, rng: np.random.Generator) -> Array:
        return rng.standard_normal((m, n))


from nnexp.engine import critical_init as _critical_init  # noqa: E402,F401  registers critical, mean_field
