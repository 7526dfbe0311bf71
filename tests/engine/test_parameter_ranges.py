"""Every optimiser parameter's range, at its boundary: the value just inside is kept
(as a float), the boundary or just outside is refused with a message naming it."""

from __future__ import annotations

import math

import pytest

from nnexp.engine.optimizers import OPTIMIZERS


def build(name, **params):
    """The class itself (the registry adds the component's name to the message)."""
    return OPTIMIZERS.resolve(name).factory(**params)


TINY = 1e-12

#: (optimizer, parameter, accepted values, refused values)
RANGES = (
    [
        (opt, "lr", [TINY, 5.0], [0.0, -1.0, math.inf])
        for opt in ("sgd", "adam", "adamw", "rmsprop", "adagrad")
    ]
    + [
        (opt, "eps", [TINY, 1.0], [0.0, -TINY, math.nan])
        for opt in ("adam", "adamw", "rmsprop", "adagrad")
    ]
    + [
        ("sgd", "momentum", [0.0, 1 - TINY], [1.0, -TINY]),
        ("rmsprop", "rho", [0.0, 1 - TINY], [1.0, -TINY]),
        ("adam", "beta1", [0.0, 1 - TINY], [1.0, -TINY]),
        ("adam", "beta2", [0.0, 1 - TINY], [1.0, -TINY]),
        ("adamw", "weight_decay", [0.0, 3.0], [-TINY, math.inf]),
    ]
)


@pytest.mark.parametrize(("opt", "param", "good", "bad"), RANGES)
def test_parameter_boundaries(opt, param, good, bad):
    for value in good:
        built = build(opt, **{param: value})
        got = getattr(built, param)
        assert got == value and type(got) is float, (param, value)
    for value in bad:
        with pytest.raises(ValueError) as info:
            build(opt, **{param: value})
        assert str(info.value).startswith(f"{param} = "), str(info.value)


@pytest.mark.parametrize("opt", ["sgd", "adam", "adamw", "rmsprop", "adagrad"])
def test_an_integer_learning_rate_becomes_a_float(opt):
    built = build(opt, lr=1)
    assert built.lr == 1.0 and type(built.lr) is float
