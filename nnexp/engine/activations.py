"""Activation functions (SPEC §1): stateless frozen dataclasses in one registry.

Each activation has ``forward(z)``, ``derivative(z, a)`` (``a = forward(z)``, passed
so an implementation may reuse it), and ``backprop(z, a, da) = da * f'(z)``, which may
overwrite ``da`` in place (the trainer owns that buffer).  ``family`` fixes the default
initialisation gain; ``kinks`` lists the points where f' jumps, which finite-difference
checks stay away from; ``overflows`` is True only where f itself leaves the float range
by nature (``exp``).

Numerics (the contract tested in ``tests/engine/test_activations.py``): for every finite
input of any magnitude, in float32 and float64, no floating-point warning and a finite
result (``exp`` excepted); the input dtype is kept (Python-float constants are "weak"
under NEP 50, so they never upcast float32).  Three habits make that hold:

* exponentials only ever see ``-|y|`` or a clipped argument, so they cannot overflow;
* a parameter k is applied as ``1/k + |x|`` or ``x / ...`` where ``k·x`` could
  overflow, or through ``_scaled`` (which lets ``k·x`` become ±inf silently) where the
  formula then saturates correctly;
* ``np.where`` is avoided in hot paths (it is 5-10x slower than arithmetic on masks for
  random sign patterns); branch selection uses ``maximum`` with boolean masks instead.

Shapes: every elementwise method maps an array of any shape to the same shape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from nnexp.registry import Registry
from nnexp.types import Array, Family

ACTIVATIONS: Registry[Any] = Registry(
    "activation", "activations", required=("forward", "derivative")
)


class ActivationBase:
    """Shared defaults; subclasses are frozen dataclasses, parameters as fields."""

    __slots__ = ()  # so that ``slots=True`` subclasses really have no ``__dict__``

    family: ClassVar[Family] = Family.IDENTITY
    kinks: ClassVar[tuple[float, ...]] = ()
    elementwise: ClassVar[bool] = True
    overflows: ClassVar[bool] = False
    #: parameter field → "positive", "nonneg" or "finite"; checked on construction
    checks: ClassVar[dict[str, str]] = {}

    def __post_init__(self) -> None:
        for name, rule in self.checks.items():
            _number(self, name, rule)

    def forward(self, z: Array) -> Array:
        raise NotImplementedError

    def derivative(self, z: Array, a: Array) -> Array:
        raise NotImplementedError

    def backprop(self, z: Array, a: Array, da: Array) -> Array:
        """dL/dz from dL/da; may overwrite ``da``."""
        da *= self.derivative(z, a)
        return da


def family_of(act: Any) -> Family:
    """The family of a built-in or plugin activation (plugins default to identity)."""
    fam = getattr(act, "family", Family.IDENTITY)
    return fam if isinstance(fam, Family) else Family(str(fam).lower())


def backprop(act: Any, z: Array, a: Array, da: Array) -> Array:
    """``act.backprop`` if it exists (built-ins), else ``da * act.derivative(z, a)``."""
    method = getattr(act, "backprop", None)
    if method is not None:
        return method(z, a, da)
    da *= act.derivative(z, a)
    return da


# --- shared numerics -----------------------------------------------------------------


def _number(obj: Any, name: str, rule: str) -> None:
    """Check the field ``name`` (rule "positive", "nonneg" or "finite") of a frozen
    dataclass and store it as a Python float, which keeps float32 arrays float32 (an
    ``np.float64`` would upcast them under NEP 50)."""
    value = getattr(obj, name)
    number = isinstance(value, int | float | np.integer | np.floating)
    x = float(value) if number and not isinstance(value, bool) else math.nan
    low = {"positive": (x > 0, " > 0"), "nonneg": (x >= 0, " >= 0")}.get(rule, (1, ""))
    if not (math.isfinite(x) and low[0]):
        raise ValueError(f"{name} must be a finite number{low[1]}, got {value!r}")
    object.__setattr__(obj, name, x)


def _scaled(k: float, z: Array) -> Array:
    """``k * z``; ±inf (silently) where it leaves the float range.  May return ``z``."""
    if k == 1.0:
        return z
    with np.errstate(over="ignore"):
        return k * z


def _sigmoid(y: Array) -> Array:
    """σ(y), accurate in both tails, for any y including ±inf.

    With e = exp(−|y|) ≤ 1 (never overflows): σ(y) = 1/(1+e) for y ≥ 0 and e/(1+e)
    for y < 0; the numerator is max(e, [y ≥ 0]), which picks 1 or e without np.where.
    """
    e = np.abs(y)
    np.negative(e, out=e)
    np.exp(e, out=e)
    num = np.maximum(e, y >= 0)
    e += 1.0
    num /= e
    return num


def _kinks_unless(condition: bool) -> tuple[float, ...]:
    return () if condition else (0.0,)


# --- heaviside family (gain 1) --------------------------------------------------------


class _Flat(ActivationBase):
    """Piecewise-constant functions: f' = 0 (SPEC §1 table), a jump at 0."""

    __slots__ = ()
    kinks: ClassVar[tuple[float, ...]] = (0.0,)

    def derivative(self, z: Array, a: Array) -> Array:
        return np.zeros_like(z)

    def backprop(self, z: Array, a: Array, da: Array) -> Array:
        da.fill(0)  # not da *= 0: that would turn an inf in da into NaN
        return da


@ACTIVATIONS.register(
    "heaviside", aliases=("Heaviside", "step"), description="1 if x >= 0 else 0"
)
@dataclass(frozen=True, slots=True)
class Heaviside(_Flat):
    """Unit step; f' = 0, so nothing flows back through it."""

    family: ClassVar[Family] = Family.HEAVISIDE

    def forward(self, z: Array) -> Array:
        return (z >= 0).astype(z.dtype)


@ACTIVATIONS.register(
    "modified_heaviside",
    aliases=("ModifiedHeaviside",),
    description="1 if x > 0, 1/2 if x = 0, else 0",
)
@dataclass(frozen=True, slots=True)
class ModifiedHeaviside(_Flat):
    """Step with value ½ at 0; f' = 0."""

    family: ClassVar[Family] = Family.HEAVISIDE

    def forward(self, z: Array) -> Array:
        out = np.sign(z)  # −1, 0, 1 → 0, ½, 1
        out *= 0.5
        out += 0.5
        return out


@ACTIVATIONS.register(
    "logistic",
    aliases=("Logistic", "sigmoid", "Sigmoid"),
    description="sigma(kx) = 1/(1+e^(-kx))",
)
@dataclass(frozen=True, slots=True)
class Logistic(ActivationBase):
    """σ(kx), relative-accurate in both tails.  f' = k·a(1−a) reuses ``a``: its
    absolute error is below k·eps, so where f' < k·eps (|kx| > 37 in float64) it is 0."""

    k: float = 1.0
    checks: ClassVar[dict[str, str]] = {"k": "positive"}
    family: ClassVar[Family] = Family.HEAVISIDE

    def forward(self, z: Array) -> Array:
        return _sigmoid(_scaled(self.k, z))

    def derivative(self, z: Array, a: Array) -> Array:
        out = 1.0 - a
        out *= a
        if self.k != 1.0:
            out *= self.k
        return out


@ACTIVATIONS.register("exp", aliases=("Exp", "exponential"), description="e^x")
@dataclass(frozen=True, slots=True)
class Exp(ActivationBase):
    """e^x; overflows to +inf for x > log(max) by nature, silently (SPEC §1)."""

    family: ClassVar[Family] = Family.HEAVISIDE
    overflows: ClassVar[bool] = True

    def forward(self, z: Array) -> Array:
        with np.errstate(over="ignore"):
            return np.exp(z)

    def derivative(self, z: Array, a: Array) -> Array:
        return a.copy()  # a fresh array: callers may scale it in place

    def backprop(self, z: Array, a: Array, da: Array) -> Array:
        # inf·0 = NaN here is the documented failure mode of exp (SPEC §7, E4)
        with np.errstate(over="ignore", invalid="ignore"):
            da *= a
        return da


# --- sign family (gain 1) -------------------------------------------------------------


@ACTIVATIONS.register("sign", aliases=("Sign", "signum"), description="sign(x)")
@dataclass(frozen=True, slots=True)
class Sign(_Flat):
    """sign(x) ∈ {−1, 0, 1}; f' = 0."""

    family: ClassVar[Family] = Family.SIGN

    def forward(self, z: Array) -> Array:
        return np.sign(z)


@ACTIVATIONS.register("tanh", aliases=("TanH", "Tanh"), description="tanh(kx)")
@dataclass(frozen=True, slots=True)
class Tanh(ActivationBase):
    """tanh(kx); f' = k(1−a)(1+a) reuses ``a`` (more accurate than k(1−a²) near ±1;
    where f' < k·eps, i.e. |kx| > 19 in float64, it is 0)."""

    k: float = 1.0
    checks: ClassVar[dict[str, str]] = {"k": "positive"}
    family: ClassVar[Family] = Family.SIGN

    def forward(self, z: Array) -> Array:
        return np.tanh(_scaled(self.k, z))

    def derivative(self, z: Array, a: Array) -> Array:
        out = 1.0 - a
        out *= 1.0 + a
        if self.k != 1.0:
            out *= self.k
        return out


@ACTIVATIONS.register(
    "softsign", aliases=("SoftSign", "Softsign"), description="kx / (1 + |kx|)"
)
@dataclass(frozen=True, slots=True)
class Softsign(ActivationBase):
    """kx/(1+|kx|) = x/(1/k+|x|); f' = k/(1+|kx|)² (SPEC correction, not k/f²)."""

    k: float = 1.0
    checks: ClassVar[dict[str, str]] = {"k": "positive"}
    family: ClassVar[Family] = Family.SIGN

    def forward(self, z: Array) -> Array:
        den = np.abs(z)
        den += 1.0 / self.k  # written with 1/k so that k·x never overflows
        return np.divide(z, den, out=den)

    def derivative(self, z: Array, a: Array) -> Array:
        c = 1.0 / self.k
        t = np.abs(z)
        t += c
        np.divide(c, t, out=t)  # 1/(1+|kx|) ∈ (0, 1]
        t *= t
        if self.k != 1.0:
            t *= self.k
        return t


# --- relu family (gain √2) ------------------------------------------------------------


@ACTIVATIONS.register("relu", aliases=("ReLU",), description="max(0, x)")
@dataclass(frozen=True, slots=True)
class Relu(ActivationBase):
    """max(0, x); f'(0) = 0 (SPEC §1)."""

    family: ClassVar[Family] = Family.RELU
    kinks: ClassVar[tuple[float, ...]] = (0.0,)

    def forward(self, z: Array) -> Array:
        return np.maximum(z, 0)

    def derivative(self, z: Array, a: Array) -> Array:
        return (z > 0).astype(z.dtype)

    def backprop(self, z: Array, a: Array, da: Array) -> Array:
        da *= z > 0
        return da


@ACTIVATIONS.register(
    "leaky_relu",
    aliases=("leakyReLU", "LeakyReLU", "leaky_ReLU"),
    description="x if x >= 0 else alpha*x",
)
@dataclass(frozen=True, slots=True)
class LeakyRelu(ActivationBase):
    """x for x ≥ 0, αx below; f'(0) = 1.  Any finite α; for |α| > 1 the value αx
    itself may exceed the float range when |x| > max/|α| (then ±inf, silently)."""

    alpha: float = 0.01
    checks: ClassVar[dict[str, str]] = {"alpha": "finite"}
    family: ClassVar[Family] = Family.RELU

    @property
    def kinks(self) -> tuple[float, ...]:
        return _kinks_unless(self.alpha == 1.0)

    @property
    def overflows(self) -> bool:
        return abs(self.alpha) > 1.0

    def forward(self, z: Array) -> Array:
        # max(x, αx) for α ≤ 1 (SPEC property), min(x, αx) for α > 1: no np.where
        pick = np.maximum if self.alpha <= 1.0 else np.minimum
        return pick(z, _scaled(self.alpha, z))

    def derivative(self, z: Array, a: Array) -> Array:
        # [x < 0]·α + [x ≥ 0]: exactly α and exactly 1 (1 − α + α could round)
        out = (z < 0).astype(z.dtype)
        out *= self.alpha
        out += z >= 0
        return out


def _neg_expm1(z: Array) -> Array:
    """e^min(z,0) − 1: the negative branch of elu/selu, never overflowing."""
    return np.expm1(np.minimum(z, 0))


def _step_or_exp(z: Array, left: float, right: float, *, right_at_zero: bool) -> Array:
    """``right`` for z > 0 (and at 0 if ``right_at_zero``), ``left·e^z`` below.

    Requires left, right ≥ 0, so ``maximum`` can pick the branch without np.where.
    """
    on_right = z >= 0 if right_at_zero else z > 0
    out = np.exp(np.minimum(z, 0))
    out *= left
    out *= ~on_right
    if right == 1.0:
        return np.maximum(out, on_right, out=out)
    return np.maximum(out, on_right * z.dtype.type(right), out=out)


@ACTIVATIONS.register(
    "elu", aliases=("ELU", "Elu"), description="x if x >= 0 else alpha*(e^x - 1)"
)
@dataclass(frozen=True, slots=True)
class Elu(ActivationBase):
    """x for x ≥ 0, α(eˣ − 1) below (expm1 of the clipped negative part); α ≥ 0."""

    alpha: float = 1.0
    checks: ClassVar[dict[str, str]] = {"alpha": "nonneg"}
    family: ClassVar[Family] = Family.RELU

    @property
    def kinks(self) -> tuple[float, ...]:
        return _kinks_unless(self.alpha == 1.0)

    def forward(self, z: Array) -> Array:
        out = _neg_expm1(z)
        if self.alpha != 1.0:
            out *= self.alpha
        out += np.maximum(z, 0)
        return out

    def derivative(self, z: Array, a: Array) -> Array:
        return _step_or_exp(z, self.alpha, 1.0, right_at_zero=True)


@ACTIVATIONS.register(
    "softplus", aliases=("SoftPlus", "Softplus"), description="log(1 + e^(kx)) / k"
)
@dataclass(frozen=True, slots=True)
class Softplus(ActivationBase):
    """log(1+e^(kx))/k = max(x, 0) + log1p(e^(−k|x|))/k; f' = σ(kx) of the *input*."""

    k: float = 1.0
    checks: ClassVar[dict[str, str]] = {"k": "positive"}
    family: ClassVar[Family] = Family.RELU

    def forward(self, z: Array) -> Array:
        t = _scaled(-self.k, np.abs(z))  # −k|x| ≤ 0, possibly −inf
        np.exp(t, out=t)
        np.log1p(t, out=t)
        if self.k != 1.0:
            t /= self.k
        t += np.maximum(z, 0)
        return t

    def derivative(self, z: Array, a: Array) -> Array:
        return _sigmoid(_scaled(self.k, z))


@ACTIVATIONS.register(
    "swish", aliases=("Swish", "silu", "SiLU"), description="x * sigma(kx)"
)
@dataclass(frozen=True, slots=True)
class Swish(ActivationBase):
    """x σ(kx); f' = σ + kxσ(1−σ), ordered so that no product overflows."""

    k: float = 1.0
    checks: ClassVar[dict[str, str]] = {"k": "positive"}
    family: ClassVar[Family] = Family.RELU

    def forward(self, z: Array) -> Array:
        s = _sigmoid(_scaled(self.k, z))
        s *= z
        return s

    def derivative(self, z: Array, a: Array) -> Array:
        s = _sigmoid(_scaled(self.k, z))
        t = 1.0 - s
        t *= s
        t *= z  # |x|σ(1−σ) is small wherever |x| is large
        if self.k != 1.0:
            t *= self.k
        t += s
        return t


_GELU_C = math.sqrt(2.0 / math.pi)
_GELU_A = 0.044715
# beyond |x| = 50, 2u(x) > 9000 and σ(2u) is exactly 0 or 1 in both dtypes: clipping
# there changes no result and keeps x³ far from overflow
_GELU_CLIP = 50.0


@ACTIVATIONS.register(
    "gelu",
    aliases=("GELU", "Gelu"),
    description="x/2 (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3)))",
)
@dataclass(frozen=True, slots=True)
class Gelu(ActivationBase):
    """The tanh form of GELU, written as x·σ(2u) (½(1+tanh u) = σ(2u)), which is
    accurate in the negative tail; f' = σ(2u) + 2x σ(2u)(1−σ(2u)) u'(x) exactly."""

    family: ClassVar[Family] = Family.RELU

    def _s_and_x(self, z: Array) -> tuple[Array, Array]:
        x = np.clip(z, -_GELU_CLIP, _GELU_CLIP)
        u2 = x * x
        u2 *= _GELU_A
        u2 += 1.0
        u2 *= x
        u2 *= 2.0 * _GELU_C  # 2u
        return _sigmoid(u2), x

    def forward(self, z: Array) -> Array:
        s, _ = self._s_and_x(z)
        s *= z
        return s

    def derivative(self, z: Array, a: Array) -> Array:
        s, x = self._s_and_x(z)
        du = x * x
        du *= 3.0 * _GELU_A
        du += 1.0
        du *= 2.0 * _GELU_C  # 2u'(x)
        du *= x
        du *= s
        du *= 1.0 - s  # zero beyond the clip, so clipped x is exact there
        du += s
        return du


# at x = 40, tanh(softplus(x)) = 1 and the f' tail 4x·e^(−2x) ≈ 3e-33 in both dtypes;
# e(1+e)·4x = 160·e^80 ≈ 9e36 still fits float32, and (n+2)² is never formed
_MISH_CLIP = 40.0


@ACTIVATIONS.register("mish", aliases=("Mish",), description="x * tanh(softplus(x))")
@dataclass(frozen=True, slots=True)
class Mish(ActivationBase):
    """x·tanh(softplus(x)) with e = e^min(x, 40), n = e(e+2): tanh(softplus) = n/(n+2)
    and 1 − tanh² = 4(1+e)²/(n+2)², so f' = n/(n+2) + 4x e(1+e)/(n+2)²."""

    family: ClassVar[Family] = Family.RELU

    @staticmethod
    def _e_n(z: Array) -> tuple[Array, Array, Array]:
        x = np.minimum(z, _MISH_CLIP)
        e = np.exp(x)
        n = e + 2.0
        n *= e
        return x, e, n

    def forward(self, z: Array) -> Array:
        _, _, n = self._e_n(z)
        t = n + 2.0
        np.divide(n, t, out=t)
        t *= z
        return t

    def derivative(self, z: Array, a: Array) -> Array:
        x, e, n = self._e_n(z)
        d = n + 2.0
        tail = e + 1.0
        tail *= e
        tail *= x  # the clipped x: beyond the clip the term is ~1e-33 either way
        tail *= 4.0
        tail /= d
        tail /= d
        np.divide(n, d, out=d)
        d += tail
        return d


# --- abs family (gain 1) --------------------------------------------------------------


@ACTIVATIONS.register(
    "abs",
    aliases=("Abs", "absolute"),
    description="|x| if alpha = 0, else sqrt(x^2 + alpha^2) - alpha",
)
@dataclass(frozen=True, slots=True)
class Abs(ActivationBase):
    """|x|, or the smoothed √(x²+α²) − α.  With t = x/α the latter is
    x·t/(√(t²+1)+1) (no cancellation near 0) and f' = t/√(t²+1); x is clipped where
    t² would overflow, beyond which the relative change is below 4/√max.  An α that
    is 0 in the array's dtype (1e-50 in float32) means |x|; one above its max, 0."""

    alpha: float = 0.0
    checks: ClassVar[dict[str, str]] = {"alpha": "nonneg"}
    family: ClassVar[Family] = Family.ABS

    @property
    def kinks(self) -> tuple[float, ...]:
        return _kinks_unless(self.alpha > 0.0)

    def _t(self, z: Array) -> Array | None:
        with np.errstate(over="ignore", under="ignore"):
            alpha = z.dtype.type(self.alpha)
        if alpha == 0:
            return None
        top = float(np.finfo(z.dtype).max)
        bound = min(float(alpha) * math.sqrt(top) / 4.0, top)
        t = np.clip(z, -bound, bound)
        t /= alpha
        return t

    def forward(self, z: Array) -> Array:
        t = self._t(z)
        if t is None:
            return np.abs(z)
        r = t * t
        r += 1.0
        np.sqrt(r, out=r)
        r += 1.0
        np.divide(t, r, out=r)  # ∈ (−1, 1)
        r *= z
        return r

    def derivative(self, z: Array, a: Array) -> Array:
        t = self._t(z)
        if t is None:
            return np.sign(z)
        r = t * t
        r += 1.0
        np.sqrt(r, out=r)
        return np.divide(t, r, out=r)


@ACTIVATIONS.register(
    "loco", aliases=("LOCo", "logcosh"), description="log(cosh(kx)) / k"
)
@dataclass(frozen=True, slots=True)
class Loco(ActivationBase):
    """log(cosh(kx))/k, never through cosh (SPEC §1).  With y = k|x|:
    y < 1: 2·atanh(tanh²(y/2)) (exact identity, relative-accurate as y → 0);
    y ≥ 1: y + log1p(e^(−2y)) − log 2, divided by k term by term so k|x| = inf is fine.
    f' = tanh(kx)."""

    k: float = 1.0
    checks: ClassVar[dict[str, str]] = {"k": "positive"}
    family: ClassVar[Family] = Family.ABS

    def forward(self, z: Array) -> Array:
        ax = np.abs(z)
        y = _scaled(self.k, ax)
        small = np.minimum(y, 1.0)
        small *= 0.5
        np.tanh(small, out=small)
        small *= small
        np.arctanh(small, out=small)
        small *= 2.0 / self.k
        big = _scaled(-2.0, y)
        np.exp(big, out=big)
        np.log1p(big, out=big)
        big -= math.log(2.0)
        if self.k != 1.0:
            big /= self.k
        big += ax  # |x| + (log1p(e^(−2y)) − log 2)/k: no k|x| left to overflow
        near = y < 1.0
        small *= near  # blend by exact 0/1 masks: one side is always 0
        big *= ~near
        big += small
        return big

    def derivative(self, z: Array, a: Array) -> Array:
        return np.tanh(_scaled(self.k, z))


@ACTIVATIONS.register("twist", aliases=("Twist",), description="x * tanh(kx)")
@dataclass(frozen=True, slots=True)
class Twist(ActivationBase):
    """x tanh(kx); f' = tanh(kx) + kx(1 − tanh²(kx)) (the SPEC's corrected form)."""

    k: float = 1.0
    checks: ClassVar[dict[str, str]] = {"k": "positive"}
    family: ClassVar[Family] = Family.ABS

    def forward(self, z: Array) -> Array:
        t = np.tanh(_scaled(self.k, z))
        t *= z
        return t

    def derivative(self, z: Array, a: Array) -> Array:
        t = np.tanh(_scaled(self.k, z))
        d = 1.0 - t
        d *= 1.0 + t
        d *= z  # |x|(1 − t²) is tiny wherever |x| is large: no overflow
        if self.k != 1.0:
            d *= self.k
        d += t
        return d


@ACTIVATIONS.register(
    "softabs", aliases=("SoftAbs", "Softabs"), description="k x^2 / (1 + |kx|)"
)
@dataclass(frozen=True, slots=True)
class Softabs(ActivationBase):
    """kx²/(1+|kx|) = x·s with s = x/(1/k + |x|) ∈ (−1, 1), so it cannot overflow;
    f' = kx(2+|kx|)/(1+|kx|)² = s(2 − |s|)."""

    k: float = 1.0
    checks: ClassVar[dict[str, str]] = {"k": "positive"}
    family: ClassVar[Family] = Family.ABS

    def _s(self, z: Array) -> Array:
        s = np.abs(z)
        s += 1.0 / self.k
        return np.divide(z, s, out=s)

    def forward(self, z: Array) -> Array:
        s = self._s(z)
        s *= z
        return s

    def derivative(self, z: Array, a: Array) -> Array:
        s = self._s(z)
        t = np.abs(s)
        np.subtract(2.0, t, out=t)
        t *= s
        return t


# --- identity family (gain 1) ---------------------------------------------------------


@ACTIVATIONS.register(
    "identity", aliases=("linear", "Identity", "Linear"), description="x"
)
@dataclass(frozen=True, slots=True)
class Identity(ActivationBase):
    """x; ``backprop`` passes ``da`` through untouched."""

    family: ClassVar[Family] = Family.IDENTITY

    def forward(self, z: Array) -> Array:
        return z.copy()

    def derivative(self, z: Array, a: Array) -> Array:
        return np.ones_like(z)

    def backprop(self, z: Array, a: Array, da: Array) -> Array:
        return da


_SELU_LAMBDA = 1.0507009873554805
_SELU_ALPHA = 1.6732632423543772


@ACTIVATIONS.register(
    "selu",
    aliases=("SELU", "Selu"),
    description="lambda*x if x > 0 else lambda*alpha*(e^x - 1)",
)
@dataclass(frozen=True, slots=True)
class Selu(ActivationBase):
    """Self-normalising ELU with the fixed λ, α of SPEC §1; f'(0) = λα.  λx exceeds the
    float range only for x > max/λ (then +inf, silently)."""

    family: ClassVar[Family] = Family.IDENTITY
    kinks: ClassVar[tuple[float, ...]] = (0.0,)

    def forward(self, z: Array) -> Array:
        out = _neg_expm1(z)
        out *= _SELU_ALPHA
        out += np.maximum(z, 0)
        with np.errstate(over="ignore"):
            out *= _SELU_LAMBDA
        return out

    def derivative(self, z: Array, a: Array) -> Array:
        return _step_or_exp(
            z, _SELU_LAMBDA * _SELU_ALPHA, _SELU_LAMBDA, right_at_zero=False
        )


# --- output only ----------------------------------------------------------------------


@ACTIVATIONS.register(
    "softmax",
    aliases=("Softmax",),
    description="e^(x_i) / sum_j e^(x_j), output layer only",
)
@dataclass(frozen=True, slots=True)
class Softmax(ActivationBase):
    """Row-wise softmax over the last axis; not elementwise, so ``derivative`` is the
    Jacobian's diagonal p(1 − p) and ``backprop`` applies the full Jacobian
    p_j(δ_ij − p_i): dz = p ⊙ (da − ⟨da, p⟩)."""

    family: ClassVar[Family] = Family.OUTPUT
    elementwise: ClassVar[bool] = False

    def forward(self, z: Array) -> Array:
        # z − max ≤ 0; it can only overflow towards −inf, where exp gives the right 0
        with np.errstate(over="ignore"):
            e = z - z.max(axis=-1, keepdims=True)
        np.exp(e, out=e)
        e /= e.sum(axis=-1, keepdims=True)
        return e

    def derivative(self, z: Array, a: Array) -> Array:
        return a * (1 - a)

    def backprop(self, z: Array, a: Array, da: Array) -> Array:
        dot = (da * a).sum(axis=-1, keepdims=True)
        da -= dot
        da *= a
        return da
