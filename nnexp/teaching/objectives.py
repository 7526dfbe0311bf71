"""Two-dimensional objectives for ``nnexp landscape`` (docs/maths.md §6, §7 E7).

Every objective has

``value(w1, w2)``
    f evaluated elementwise on arrays of any (broadcastable) shape: a contour grid or
    a single point;
``gradient(w)``
    the exact gradient ∇f at one point ``w`` of shape ``(2,)``, returned as ``(2,)``;
``optimum(goal)``
    the optimal value f* for ``"minimise"`` or ``"maximise"`` when it is known in
    closed form (used to plot f − f*), else ``None``.

Built-ins live in the ``OBJECTIVES`` registry: the course's ``two_bump`` (E7), the
``quadratic`` ½θᵀQθ − bᵀθ (whose exact line search step is docs/maths.md §6's λ = gᵀg/gᵀQg),
``rosenbrock``, ``himmelblau``, and ``expression``: a user formula in ``w1`` and ``w2``,
with its gradient as two formulas or by central differences.

A user formula is parsed with :mod:`ast` and only a whitelist survives: numbers, the
variables ``w1`` and ``w2``, the constants ``pi`` and ``e``, arithmetic operators and
calls of the NumPy functions in :data:`FUNCTIONS`.  Attribute access, subscripts,
strings, lambdas and every other name (``__import__``, ``open``) are refused before
anything runs, and the formula is evaluated without builtins.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnexp import types as protocols
from nnexp.registry import Registry
from nnexp.types import Array

OBJECTIVES: Registry[Any] = Registry("objective", "objectives", protocols.Objective)

GOALS = ("minimise", "maximise")


def _point(w: Array) -> Array:
    # NumPy scalars, not Python floats: a diverging run then overflows to inf (which
    # the caller detects) instead of raising OverflowError
    return np.asarray(w, dtype=np.float64).reshape(2)


class ObjectiveBase:
    """Point evaluation and the 'no known optimum' default shared by the built-ins."""

    def value(self, w1: Array, w2: Array) -> Array:
        raise NotImplementedError

    def gradient(self, w: Array) -> Array:
        raise NotImplementedError

    def __call__(self, w: Array) -> float:
        """f at one point ``w`` of shape ``(2,)``."""
        return float(self.value(np.float64(w[0]), np.float64(w[1])))

    def optimum(self, goal: str) -> float | None:
        """The best value f* for ``goal`` when known in closed form, else None."""
        return None


@OBJECTIVES.register(
    "two_bump",
    aliases=("e7", "course", "two_bumps"),
    description="exp(−w1² − 2(w2−1)²) + exp(−(w1−1)² − 2w2²), the course's E7",
)
@dataclass(frozen=True)
class TwoBump(ObjectiveBase):
    """The course's E7 objective: two Gaussian bumps near (0, 1) and (1, 0).

    Its maxima are local maxima of a sum, so they sit slightly inside the bumps'
    centres; between them, (0.5, 0.5) is a saddle point with zero gradient.
    """

    def value(self, w1: Array, w2: Array) -> Array:
        return np.exp(-(w1**2) - 2 * (w2 - 1) ** 2) + np.exp(
            -((w1 - 1) ** 2) - 2 * w2**2
        )

    def gradient(self, w: Array) -> Array:
        w1, w2 = _point(w)
        e1 = np.exp(-(w1**2) - 2 * (w2 - 1) ** 2)
        e2 = np.exp(-((w1 - 1) ** 2) - 2 * w2**2)
        return np.array(
            [-2 * w1 * e1 - 2 * (w1 - 1) * e2, -4 * (w2 - 1) * e1 - 4 * w2 * e2]
        )


def _matrix(value: Any, shape: tuple[int, ...], what: str) -> tuple[Any, ...]:
    """``value`` as nested tuples of floats of ``shape``, else ValueError."""
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.shape != shape or not np.all(np.isfinite(arr)):
        form = "a 2×2 matrix [[a, b], [b, d]]" if len(shape) == 2 else "[b1, b2]"
        raise ValueError(f"{what} must be {form} of finite numbers, got {value!r}")
    return tuple(map(tuple, arr.tolist())) if arr.ndim == 2 else tuple(arr.tolist())


@OBJECTIVES.register(
    "quadratic",
    aliases=("quad",),
    description="½θᵀQθ − bᵀθ with a symmetric 2×2 Q (exact line search: docs/maths.md §6)",
)
@dataclass(frozen=True)
class Quadratic(ObjectiveBase):
    """f(θ) = ½θᵀQθ − bᵀθ, ∇f = Qθ − b (docs/maths.md §6).

    Parameters
    ----------
    Q : symmetric 2×2 matrix (positive definite for a minimum, negative definite for
        a maximum)
    b : (2,)
    """

    Q: tuple[tuple[float, float], tuple[float, float]] = ((1.0, 0.0), (0.0, 10.0))
    b: tuple[float, float] = (0.0, 0.0)

    def __post_init__(self) -> None:
        # stored as tuples of floats: hashable, and dumped back to YAML as lists
        object.__setattr__(self, "Q", _matrix(self.Q, (2, 2), "Q"))
        object.__setattr__(self, "b", _matrix(self.b, (2,), "b"))
        (_, q01), (q10, _) = self.Q
        if not math.isclose(q01, q10, rel_tol=1e-12, abs_tol=1e-12):
            raise ValueError(
                f"Q must be symmetric (Q[0][1] = Q[1][0]), got {[list(row) for row in self.Q]}"
            )

    @property
    def Qm(self) -> Array:
        """Q as a (2, 2) float array."""
        return np.array(self.Q, dtype=np.float64)

    @property
    def bv(self) -> Array:
        """b as a (2,) float array."""
        return np.array(self.b, dtype=np.float64)

    def value(self, w1: Array, w2: Array) -> Array:
        (a, c), (_, d) = self.Qm
        b1, b2 = self.bv
        return 0.5 * (a * w1**2 + 2 * c * w1 * w2 + d * w2**2) - b1 * w1 - b2 * w2

    def gradient(self, w: Array) -> Array:
        return self.Qm @ np.asarray(w, dtype=np.float64) - self.bv

    def eigenvalues(self) -> Array:
        """Eigenvalues of Q in ascending order, shape (2,)."""
        return np.linalg.eigvalsh(self.Qm)

    def condition_number(self) -> float:
        """κ = |λ|max / |λ|min of Q (inf when Q is singular)."""
        lam = np.abs(self.eigenvalues())
        return float(lam.max() / lam.min()) if lam.min() > 0 else math.inf

    def definite_for(self, goal: str) -> bool:
        """Q positive definite (minimise) or negative definite (maximise)."""
        lam = self.eigenvalues()
        return bool(lam.min() > 0) if goal == "minimise" else bool(lam.max() < 0)

    def stationary_point(self) -> Array:
        """θ* = Q⁻¹b, shape (2,); needs a non-singular Q."""
        return np.linalg.solve(self.Qm, self.bv)

    def optimum(self, goal: str) -> float | None:
        if not self.definite_for(goal):
            return None
        theta = self.stationary_point()
        return float(-0.5 * self.bv @ theta)  # ½θ*ᵀQθ* − bᵀθ* with Qθ* = b

    def exact_step(self, g: Array) -> float:
        """The exact line search step λ = gᵀg / gᵀQg along −g (docs/maths.md §6)."""
        curvature = float(g @ self.Qm @ g)
        return float(g @ g) / curvature if curvature != 0 else 0.0  # g = 0: stay put


@OBJECTIVES.register(
    "rosenbrock",
    aliases=("banana",),
    description="(a − w1)² + b(w2 − w1²)², minimum 0 at (a, a²)",
)
@dataclass(frozen=True)
class Rosenbrock(ObjectiveBase):
    """Rosenbrock's banana valley; minimum 0 at (a, a²)."""

    a: float = 1.0
    b: float = 100.0

    def value(self, w1: Array, w2: Array) -> Array:
        return (self.a - w1) ** 2 + self.b * (w2 - w1**2) ** 2

    def gradient(self, w: Array) -> Array:
        w1, w2 = _point(w)
        inner = w2 - w1**2
        return np.array(
            [-2 * (self.a - w1) - 4 * self.b * w1 * inner, 2 * self.b * inner]
        )

    def optimum(self, goal: str) -> float | None:
        return 0.0 if goal == "minimise" and self.b > 0 else None


@OBJECTIVES.register(
    "himmelblau",
    description="(w1² + w2 − 11)² + (w1 + w2² − 7)², four minima of value 0",
)
@dataclass(frozen=True)
class Himmelblau(ObjectiveBase):
    """Himmelblau's function: four minima of value 0, e.g. at (3, 2)."""

    def value(self, w1: Array, w2: Array) -> Array:
        return (w1**2 + w2 - 11) ** 2 + (w1 + w2**2 - 7) ** 2

    def gradient(self, w: Array) -> Array:
        w1, w2 = _point(w)
        u, v = w1**2 + w2 - 11, w1 + w2**2 - 7
        return np.array([4 * w1 * u + 2 * v, 2 * u + 4 * w2 * v])

    def optimum(self, goal: str) -> float | None:
        return 0.0 if goal == "minimise" else None


# user expressions -------------------------------------------------------------------

#: the NumPy functions a formula may call
FUNCTIONS: dict[str, Any] = {
    name: getattr(np, name)
    for name in (
        "sin", "cos", "tan", "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh",
        "tanh", "arcsinh", "arccosh", "arctanh", "exp", "expm1", "log", "log1p",
        "log2", "log10", "sqrt", "cbrt", "square", "abs", "sign", "hypot", "minimum",
        "maximum",
    )
}  # fmt: skip
#: the functions among them that take two arguments (all others take one)
BINARY = frozenset({"arctan2", "hypot", "minimum", "maximum"})
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}
VARIABLES = ("w1", "w2")
_OPERATORS = (
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.Mod, ast.FloorDiv, ast.USub, ast.UAdd,
)  # fmt: skip
_STRUCTURE = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Load, *_OPERATORS)
_MAX_LENGTH = 2000
_FLOAT = "__float64__"  # not a valid user name: the whitelist refuses dunder names


def _allowed_names() -> str:
    return (
        f"variables {', '.join(VARIABLES)}; constants {', '.join(CONSTANTS)};"
        f" functions {', '.join(FUNCTIONS)}"
    )


def _check_node(node: ast.AST, text: str) -> None:
    """Raise ValueError for anything but numbers, allowed names, operators and calls."""
    where = f"in the expression {text!r}"
    if isinstance(node, ast.Name):
        if (
            node.id not in FUNCTIONS
            and node.id not in CONSTANTS
            and node.id not in VARIABLES
        ):
            raise ValueError(
                f"the name {node.id!r} is not allowed {where}; allowed: {_allowed_names()}"
            )
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            raise ValueError(f"only NumPy functions called by name are allowed {where}")
        if node.func.id not in FUNCTIONS:
            raise ValueError(
                f"the function {node.func.id!r} is not allowed {where}; allowed"
                f" functions: {', '.join(FUNCTIONS)}"
            )
        arity = 2 if node.func.id in BINARY else 1
        if node.keywords or len(node.args) != arity:
            # a ufunc's extra positional argument is `out`: it would write into w1/w2
            raise ValueError(
                f"{node.func.id} takes exactly {arity} argument(s) {where}, and no keywords"
            )
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise ValueError(
                f"only numbers may appear as constants {where}, got {node.value!r}"
            )
    elif isinstance(node, ast.Attribute):
        raise ValueError(f"attribute access ('.{node.attr}') is not allowed {where}")
    elif not isinstance(node, _STRUCTURE):
        raise ValueError(
            f"{type(node).__name__} is not allowed {where}: use numbers, {', '.join(VARIABLES)},"
            " arithmetic (+ - * / ** % //) and calls of NumPy functions"
        )


class _FloatConstants(ast.NodeTransformer):
    # Every number becomes a NumPy float64, so arithmetic between constants follows
    # NumPy's rules: `9**9**9` overflows to inf at once (instead of computing a huge
    # Python integer for minutes) and `1/0` gives inf instead of raising.
    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        call = ast.Call(
            ast.Name(_FLOAT, ast.Load()), [ast.Constant(float(node.value))], []
        )
        return ast.copy_location(call, node)


def compile_expression(text: str) -> Any:
    """Check a formula in ``w1``, ``w2`` against the whitelist and compile it.

    Raises
    ------
    ValueError
        naming the forbidden name or construct and listing what is allowed.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(
            f"expected a formula in w1 and w2 such as 'w1**2 + 3*w2**2', got {text!r}"
        )
    if len(text) > _MAX_LENGTH:
        raise ValueError(f"the expression is longer than {_MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
        # names first: "'__import__' is not allowed" says more than "bad call"
        nodes = sorted(ast.walk(tree), key=lambda n: not isinstance(n, ast.Name))
        for node in nodes:
            _check_node(node, text)
    except SyntaxError as err:
        raise ValueError(f"the expression {text!r} is not valid: {err.msg}") from None
    except RecursionError:
        raise ValueError(f"the expression {text!r} is nested too deeply") from None
    tree = ast.fix_missing_locations(_FloatConstants().visit(tree))
    return compile(tree, "<objective>", "eval")


def evaluate(code: Any, w1: Array, w2: Array) -> Array:
    """Evaluate compiled formula ``code`` without builtins; the result has the
    broadcast shape of ``w1`` and ``w2``."""
    names = {**FUNCTIONS, **CONSTANTS, _FLOAT: np.float64, "w1": w1, "w2": w2}
    out = eval(code, {"__builtins__": {}}, names)  # noqa: S307 (whitelisted AST only)
    return np.broadcast_to(
        np.asarray(out, dtype=np.float64), np.broadcast(w1, w2).shape
    )


@OBJECTIVES.register(
    "expression",
    aliases=("expr", "formula"),
    description="a formula in w1 and w2; gradient as two formulas or central differences",
)
@dataclass(frozen=True)
class Expression(ObjectiveBase):
    """A user formula f(w1, w2) built from NumPy functions (see the module docstring).

    Parameters
    ----------
    expression : e.g. ``"sin(w1) * cos(w2)"``
    grad : ``"finite_difference"`` (central differences with step
        ``eps·max(1, |w_i|)``) or two formulas ``[∂f/∂w1, ∂f/∂w2]``
    eps : relative step of the central differences
    """

    expression: str
    grad: str | list[str] = "finite_difference"
    eps: float = 1e-6
    _codes: tuple[Any, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        codes = [compile_expression(self.expression)]
        if isinstance(self.grad, list | tuple):
            if len(self.grad) != 2:
                raise ValueError(
                    f"grad needs two formulas [df/dw1, df/dw2], got {self.grad!r}"
                )
            codes += [compile_expression(g) for g in self.grad]
        elif self.grad != "finite_difference":
            raise ValueError(
                f"grad must be 'finite_difference' or two formulas [df/dw1, df/dw2], got {self.grad!r}"
            )
        if not (isinstance(self.eps, int | float) and 0 < self.eps < 0.1):
            raise ValueError(f"eps must be a number in (0, 0.1), got {self.eps!r}")
        object.__setattr__(self, "_codes", tuple(codes))
        self._try(codes)

    def _try(self, codes: list[Any]) -> None:
        # Run each formula once, so that a formula that can never be evaluated (a
        # function called with the wrong number of arguments) fails at spec time.
        for code in codes:
            try:
                with np.errstate(all="ignore"):
                    evaluate(code, np.float64(0.25), np.float64(0.75))
            except (ArithmeticError, TypeError, ValueError) as err:
                raise ValueError(
                    f"the expression {self.expression!r} cannot be evaluated: {err}"
                ) from None

    def value(self, w1: Array, w2: Array) -> Array:
        return evaluate(self._codes[0], w1, w2)

    def gradient(self, w: Array) -> Array:
        w = np.asarray(w, dtype=np.float64)
        if len(self._codes) == 3:
            return np.array([float(evaluate(c, w[0], w[1])) for c in self._codes[1:]])
        return central_difference(self, w, self.eps)


def central_difference(f: Any, w: Array, eps: float = 1e-6) -> Array:
    """(f(w + h eᵢ) − f(w − h eᵢ)) / 2h with h = eps·max(1, |wᵢ|), shape (2,)."""
    out = np.empty(2)
    for i in range(2):
        h = eps * max(1.0, abs(float(w[i])))
        up, down = np.array(w, dtype=np.float64), np.array(w, dtype=np.float64)
        up[i] += h
        down[i] -= h
        out[i] = (f(up) - f(down)) / (2 * h)
    return out
