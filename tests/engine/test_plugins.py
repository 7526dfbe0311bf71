"""User activations loaded as plugins (``file.py:Class``, ``pkg.mod:Class``).

The plugin classes live in ``tests/fixtures/plugins/cube.py`` and import nothing from
nnexp.  Loading a plugin registers it under its reference, so every test here runs
on a snapshot of the registry that is restored afterwards (other test modules build
their cases from ``ACTIVATIONS.entries()``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from nnexp.engine.activations import ACTIVATIONS, backprop, family_of
from nnexp.engine.gradcheck import (
    CONTRACT,
    FINITE,
    LARGE,
    NEAR_KINKS,
    RANDOM,
    SMALL,
    check_activation,
)
from nnexp.errors import PluginError, RegistryError
from nnexp.types import Family

REPO = Path(__file__).resolve().parents[2]
PLUGINS = REPO / "tests" / "fixtures" / "plugins"
CUBE = "tests/fixtures/plugins/cube.py"


@pytest.fixture(autouse=True)
def _restore_registry():
    # the registry has no public "unregister"; restoring its two tables keeps the
    # plugins loaded here out of every other test's view of ACTIVATIONS
    entries, lookup = dict(ACTIVATIONS._entries), dict(ACTIVATIONS._lookup)
    yield
    ACTIVATIONS._entries.clear()
    ACTIVATIONS._entries.update(entries)
    ACTIVATIONS._lookup.clear()
    ACTIVATIONS._lookup.update(lookup)


def _failed(report) -> set[str]:
    return {row.region for row in report.failures}


def test_file_plugin_loads_relative_to_base_dir_and_builds_with_parameters():
    entry = ACTIVATIONS.resolve(f"{CUBE}:Cube", base_dir=REPO)
    assert [(p.name, p.default) for p in entry.params] == [("scale", 1.0)]
    cube = entry.build(scale=2.0)
    assert_array_equal(cube.forward(np.array([-1.0, 2.0])), [-2.0, 16.0])
    assert (
        ACTIVATIONS.build({"name": f"{CUBE}:Cube", "scale": 3.0}, base_dir=REPO).scale
        == 3.0
    )


def test_absolute_plugin_path_needs_no_base_dir():
    entry = ACTIVATIONS.resolve(f"{PLUGINS / 'cube.py'}:Cube")
    assert entry.build().forward(np.array([3.0]))[0] == 27.0


def test_package_module_plugin(monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGINS))
    monkeypatch.delitem(sys.modules, "cube", raising=False)
    entry = ACTIVATIONS.resolve("cube:Cube")
    assert_allclose(entry.build(scale=0.5).derivative(np.array([2.0]), None), [6.0])
    monkeypatch.delitem(sys.modules, "cube", raising=False)


def test_correct_plugin_passes_the_check():
    cube = ACTIVATIONS.resolve(f"{CUBE}:Cube", base_dir=REPO).build(scale=2.0)
    for dtype in ("float64", "float32"):
        report = check_activation(cube, dtype=dtype)
        assert report.passed, report.failures
    rows = {row.region: row for row in report.rows}
    assert rows[NEAR_KINKS].message == "no kinks declared"


def test_cube_without_the_overflow_flag_fails_only_the_finite_row():
    """x³ really does overflow near the float range: an honest 'not finite' unless the
    plugin says that is by nature (``overflows = True``, like exp)."""
    base = ACTIVATIONS.resolve(f"{CUBE}:Cube", base_dir=REPO).factory

    class StrictCube(base):
        overflows = False

    report = check_activation(StrictCube())
    assert _failed(report) == {FINITE}
    assert "overflow" in {r.region: r for r in report.rows}[FINITE].message


def test_wrong_derivative_fails_per_region():
    wrong = ACTIVATIONS.resolve(f"{CUBE}:WrongCube", base_dir=REPO).build()
    report = check_activation(wrong)
    # 2x² vs 3x²: off by x² everywhere, which is below atol·scale only for |x| < 1e-3
    assert _failed(report) == {RANDOM, LARGE}
    rows = {row.region: row for row in report.rows}
    assert rows[SMALL].passed and rows[CONTRACT].passed


def test_plugin_lacking_derivative_is_refused_naming_it():
    with pytest.raises(PluginError, match=r"lacks derivative\(\)") as info:
        ACTIVATIONS.resolve(f"{CUBE}:Broken", base_dir=REPO, key="model.activation")
    assert "model.activation" in str(info.value)
    assert "forward(), derivative()" in str(info.value)


def test_plugin_family_defaults_to_identity_and_strings_are_accepted():
    cube = ACTIVATIONS.resolve(f"{CUBE}:Cube", base_dir=REPO).build()
    assert family_of(cube) is Family.IDENTITY and family_of(cube).gain == 1.0
    hinge = ACTIVATIONS.resolve(f"{CUBE}:Hinge", base_dir=REPO).build()
    assert family_of(hinge) is Family.RELU


def test_declared_plugin_kink_is_avoided_by_the_check():
    hinge = ACTIVATIONS.resolve(f"{CUBE}:Hinge", base_dir=REPO).build()
    report = check_activation(hinge)
    assert report.passed, report.failures
    assert {row.region: row for row in report.rows}[NEAR_KINKS].points > 0


def test_backprop_falls_back_to_the_derivative_for_plugins(rng):
    cube = ACTIVATIONS.resolve(f"{CUBE}:Cube", base_dir=REPO).build(scale=2.0)
    z = rng.normal(size=(3, 4))
    da = rng.normal(size=(3, 4))
    assert_allclose(backprop(cube, z, cube.forward(z), da.copy()), da * 6.0 * z**2)


def test_unknown_plugin_parameter_is_a_registry_error():
    with pytest.raises(RegistryError, match="scale"):
        ACTIVATIONS.build({"name": f"{CUBE}:Cube", "scal": 2.0}, base_dir=REPO)


@pytest.mark.parametrize(
    ("ref", "match"),
    [
        ("tests/fixtures/plugins/missing.py:Cube", "does not exist"),
        (f"{CUBE}:Cub", "Did you mean: Cube"),
        ("tests/fixtures/plugins/fails_on_import.py:Anything", "importing plugin file"),
        ("nnexp_no_such_module:Thing", "cannot import module"),
    ],
)
def test_bad_references_give_plugin_errors(ref, match):
    with pytest.raises(PluginError, match=match):
        ACTIVATIONS.resolve(ref, base_dir=REPO)


def test_loaded_plugins_do_not_leak_into_other_tests():
    """Guards the fixture above: the registry is back to the built-ins."""
    assert all(e.source == "builtin" for e in ACTIVATIONS.entries())
