"""Activation functions (docs/maths.md §1): stateless frozen dataclasses in one registry.

One module per family (``heaviside``, ``sign``, ``relu``, ``abs``, ``linear`` for
identity, selu and the output-only softmax); importing this package registers them all,
in the order of docs/maths.md §1's table.  See :mod:`nnexp.engine.activations.base` for the
numerical contract every activation keeps.
"""

# registration order is the order of docs/maths.md §1 and of `nnexp list activations`
# isort: off
from nnexp.engine.activations.base import (
    ACTIVATIONS,
    ActivationBase,
    backprop,
    family_of,
)
from nnexp.engine.activations.heaviside import (
    Exp,
    Heaviside,
    Logistic,
    ModifiedHeaviside,
)
from nnexp.engine.activations.sign import Sign, Softsign, Tanh
from nnexp.engine.activations.relu import (
    Elu,
    Gelu,
    LeakyRelu,
    Mish,
    Relu,
    Softplus,
    Swish,
)
from nnexp.engine.activations.abs import Abs, Loco, Softabs, Twist
from nnexp.engine.activations.linear import Identity, Selu, Softmax

# isort: on

__all__ = [
    "ACTIVATIONS",
    "ActivationBase",
    "backprop",
    "family_of",
    "Heaviside",
    "ModifiedHeaviside",
    "Logistic",
    "Exp",
    "Sign",
    "Tanh",
    "Softsign",
    "Relu",
    "LeakyRelu",
    "Elu",
    "Softplus",
    "Swish",
    "Gelu",
    "Mish",
    "Abs",
    "Loco",
    "Twist",
    "Softabs",
    "Identity",
    "Selu",
    "Softmax",
]
