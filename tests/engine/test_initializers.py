"""Initialisers against SPEC §2: distributions, gains, orthonormality, determinism.

Statistics use a 400×300 matrix (120,000 entries): the sample variance then has a
relative standard error of √(2/N) ≈ 0.4 %, so a 3 % band is a 7σ test; the excess
kurtosis (0 for a normal, −1.2 for a uniform) has a standard error of ≈ 0.014.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from nnexp.engine.initializers import INITIALIZERS, init_bias
from nnexp.errors import RegistryError

M, N = 400, 300
ROOT2 = math.sqrt(2.0)
#: the mean-field initialisers (nnexp/engine/critical_init.py), tested in tests/signal
MEAN_FIELD = {"critical", "mean_field"}
BUILTINS = [
    e
    for e in INITIALIZERS.entries()
    if e.source == "builtin" and e.name not in MEAN_FIELD
]
# name → (own_scale, variance for gain 1 as a function of (m, n), excess kurtosis)
SPEC = {
    "randn_average": (False, lambda m, n: 2 / (m + n), 0.0),
    "rand_average": (False, lambda m, n: 2 / (m + n), -1.2),  # r²/3 with r = √(6/(m+n))
    "he_normal": (True, lambda m, n: 2 / m, 0.0),
    "lecun_normal": (True, lambda m, n: 1 / m, 0.0),
    "standard_normal": (True, lambda m, n: 1.0, 0.0),
}


def _draw(
    name, *, gain="auto", family_gain=1.0, shape=(M, N), seed=0, dtype=np.float64
):
    init = INITIALIZERS.build({"name": name, "gain": gain})
    rng = np.random.default_rng(seed)
    return init.sample(shape, rng, family_gain=family_gain, dtype=dtype)


def _excess_kurtosis(w):
    c = w - w.mean()
    return float((c**4).mean() / (c**2).mean() ** 2 - 3.0)


def test_registry_holds_spec_names_and_course_aliases():
    assert {e.name for e in BUILTINS} == set(SPEC) | {"randn_orthonormal"}
    for alias, name in [
        ("RandnAverage", "randn_average"),
        ("glorot_normal", "randn_average"),
        ("RandAverage", "rand_average"),
        ("glorot_uniform", "rand_average"),
        ("RandnOrthonormal", "randn_orthonormal"),
        ("orthogonal", "randn_orthonormal"),
        ("He-Normal", "he_normal"),
    ]:
        assert INITIALIZERS.resolve(alias).name == name


@pytest.mark.parametrize("entry", BUILTINS, ids=lambda e: e.name)
def test_only_parameter_is_gain_defaulting_to_auto(entry):
    assert [(p.name, p.default) for p in entry.params] == [("gain", "auto")]
    own = SPEC.get(entry.name, (False,))[0]
    assert entry.build().own_scale is own


@pytest.mark.parametrize("name", sorted(SPEC))
@pytest.mark.parametrize("family_gain", [1.0, ROOT2])
def test_variance_mean_and_shape_of_distribution(name, family_gain):
    own_scale, variance, kurtosis = SPEC[name]
    gain = (
        1.0 if own_scale else family_gain
    )  # SPEC §2: own-scale ones ignore the family
    w = _draw(name, family_gain=family_gain)
    expected = variance(M, N) * gain**2
    assert w.shape == (M, N)
    assert w.var() == pytest.approx(expected, rel=0.03)
    assert abs(w.mean()) < 5 * math.sqrt(expected / w.size)
    assert _excess_kurtosis(w) == pytest.approx(kurtosis, abs=0.1)


@pytest.mark.parametrize("family_gain", [1.0, ROOT2])
def test_uniform_bounds(family_gain):
    w = _draw("rand_average", family_gain=family_gain)
    r = math.sqrt(6 / (M + N)) * family_gain
    assert np.abs(w).max() <= r
    assert w.max() > 0.999 * r and w.min() < -0.999 * r


@pytest.mark.parametrize("shape", [(400, 300), (300, 400), (50, 50), (7, 1), (1, 7)])
@pytest.mark.parametrize("family_gain", [1.0, ROOT2])
def test_orthonormal_columns_or_rows_times_gain(shape, family_gain):
    m, n = shape
    w = _draw("randn_orthonormal", family_gain=family_gain, shape=shape)
    assert w.shape == shape
    gram = w.T @ w if m >= n else w @ w.T
    assert_allclose(gram, family_gain**2 * np.eye(min(m, n)), atol=1e-12)


def test_orthonormal_is_not_biased_by_the_qr_sign_convention():
    """Raw Householder QR (numpy's) gives Q a diagonal that is nearly always negative;
    a Haar-distributed matrix has diagonal entries of either sign equally often."""
    diag = np.concatenate(
        [np.diag(_draw("orthogonal", shape=(8, 8), seed=s)) for s in range(300)]
    )
    assert abs((diag > 0).mean() - 0.5) < 0.05


def test_numeric_gain_overrides_auto_for_every_initializer():
    for entry in BUILTINS:
        one = _draw(entry.name, gain=1.0, family_gain=ROOT2)
        half = _draw(entry.name, gain=0.5, family_gain=ROOT2)
        assert_array_equal(half, 0.5 * one)  # ×0.5 is exact in binary floating point
        if entry.build().own_scale:
            assert_array_equal(_draw(entry.name, family_gain=ROOT2), one)
        else:
            assert_array_equal(_draw(entry.name, family_gain=2.0), 2.0 * one)


@pytest.mark.parametrize("entry", BUILTINS, ids=lambda e: e.name)
def test_same_generator_state_gives_the_same_matrix(entry):
    a = _draw(entry.name, seed=7, shape=(20, 30))
    assert_array_equal(a, _draw(entry.name, seed=7, shape=(20, 30)))
    assert not np.array_equal(a, _draw(entry.name, seed=8, shape=(20, 30)))


@pytest.mark.parametrize("entry", BUILTINS, ids=lambda e: e.name)
def test_randomness_comes_only_from_the_rng_argument(entry):
    # reading the legacy global state is the point here: it must not move
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    _draw(entry.name, shape=(5, 4))
    assert_array_equal(np.random.get_state()[1], before)  # noqa: NPY002


@pytest.mark.parametrize("entry", BUILTINS, ids=lambda e: e.name)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, "float32"])
def test_dtype_is_respected_and_float32_is_float64_rounded(entry, dtype):
    w = _draw(entry.name, dtype=dtype, shape=(30, 20))
    assert w.dtype == np.dtype(dtype)
    assert_array_equal(
        w, _draw(entry.name, dtype=np.float64, shape=(30, 20)).astype(dtype)
    )


def test_init_bias_is_zeros_of_the_dtype():
    b = init_bias(5, np.float32)
    assert b.shape == (5,) and b.dtype == np.float32
    assert_array_equal(b, 0)


@pytest.mark.parametrize(
    "gain", [0, -1.0, float("nan"), float("inf"), "big", True, None]
)
def test_invalid_gain_is_refused_with_allowed_values(gain):
    with pytest.raises(
        RegistryError, match="gain must be 'auto'.* or a finite number > 0"
    ):
        INITIALIZERS.build({"name": "randn_average", "gain": gain})


def test_gain_auto_is_case_insensitive_and_numbers_become_floats():
    assert INITIALIZERS.build({"name": "he_normal", "gain": "Auto"}).gain == "auto"
    init = INITIALIZERS.build({"name": "he_normal", "gain": 2})
    assert init.gain == 2.0 and isinstance(init.gain, float)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"shape": (0, 3)}, "shape"),
        ({"shape": (3,)}, "shape"),
        ({"shape": (3.0, 2)}, "shape"),
        ({"dtype": np.int64}, "dtype"),
        ({"dtype": "float"}, None),  # "float" is float64: allowed
        ({"family_gain": 0.0}, "family_gain"),
        ({"family_gain": None}, "family_gain"),
    ],
)
def test_sample_arguments_are_checked(kwargs, match):
    init = INITIALIZERS.build("randn_average")
    args = {"shape": (3, 2), "family_gain": 1.0, "dtype": np.float64, **kwargs}
    shape = args.pop("shape")
    if match is None:
        assert init.sample(shape, np.random.default_rng(0), **args).shape == (3, 2)
        return
    with pytest.raises(ValueError, match=match):
        init.sample(shape, np.random.default_rng(0), **args)


def test_sample_refuses_a_legacy_random_state():
    init = INITIALIZERS.build("he_normal")
    with pytest.raises(ValueError, match="Generator"):
        init.sample((2, 2), np.random.RandomState(0), family_gain=1.0, dtype=np.float64)
