"""User activations loaded as plugins (``file.py:Class``, ``pkg.mod:Class``).

The plugin classes live in ``tests/fixtures/plugins/cube.py`` and import nothing from
nnexp.  Loading a plugin registers it under its reference, so every test here runs
on a snapshot of the registry that is restored afterwards (other test modules build
their cases from ``ACTIVATIONS.entries()``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import nnexp
from nnexp.engine.activations import ACTIVATIONS, backprop, family_of
from nnexp.engine.gradcheck import (
    CONTRACT,
    FINITE,
    LARGE,
    NEAR_KINKS,
    RANDOM,
    SMALL,
    WHOLE,
    check_activation,
)
from nnexp.errors import PluginError, RegistryError, SpecError
from nnexp.spec import dump_spec, load_spec, plugin_check, validate
from nnexp.types import Family

REPO = Path(__file__).resolve().parents[2]
PLUGINS = REPO / "tests" / "fixtures" / "plugins"
CUBE = "tests/fixtures/plugins/cube.py"


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
    # 2x² vs 3x²: off by a third everywhere; in float64 even the x² ≤ 1e-6 near 0 is
    # far above the rounding of f; in float32 it hides below the rounding of f'
    assert _failed(check_activation(wrong)) == {RANDOM, WHOLE, LARGE, SMALL}
    report = check_activation(wrong, dtype="float32")
    assert _failed(report) == {RANDOM, WHOLE, LARGE}
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


# --- the check when a spec loads a plugin -------------------------------------------


def _spec(activation, output="identity"):
    """A minimal spec dict whose plugin paths are relative to the fixtures folder."""
    return {
        "name": "p",
        "dataset": "logic_gates",
        "model": {
            "layers": [2, 4, 3],
            "activation": activation,
            "output_activation": output,
        },
        "loss": "mse",
        "training": {"epochs": 1, "batch_size": 1},
    }


def _problems(err: pytest.ExceptionInfo[SpecError]) -> dict[str, str]:
    return dict(err.value.problems)


@pytest.mark.parametrize("key", ["activation", "output_activation"])
def test_a_wrong_plugin_is_refused_with_the_check_rows(key):
    ref = "ranges.py:DoubleMidRange"
    data = _spec(ref) if key == "activation" else _spec("tanh", output=ref)
    with pytest.raises(SpecError) as err:
        validate(data, base_dir=PLUGINS)
    msg = _problems(err)[f"model.{key}"]
    assert f"the plugin activation {ref} failed the derivative check" in msg
    assert f"FAIL {WHOLE}" in msg and f"pass {RANDOM}" in msg  # the table's rows
    assert "outside tolerance, worst at x =" in msg
    assert f"{{name: {ref}, check: false}}" in msg


def test_a_correct_plugin_loads_and_check_true_is_not_written_back():
    spec = validate(
        _spec({"name": "ranges.py:Softsign", "check": True}), base_dir=PLUGINS
    )
    assert spec.model.activation.check is True
    assert "check" not in spec.model.activation.to_yaml()


def test_check_false_skips_the_check_and_survives_the_resolved_config(tmp_path):
    spec = validate(
        _spec({"name": "ranges.py:DoubleMidRange", "check": False}), base_dir=PLUGINS
    )
    act = spec.model.activation
    assert act.check is False and act.params == {}  # not a parameter of the plugin
    assert act.to_yaml() == {"name": act.name, "check": False}
    config = tmp_path / "config.yaml"
    config.write_text(dump_spec(spec))
    assert "check: false" in config.read_text()
    again = load_spec(config)
    assert again == spec and again.model.activation.check is False


def test_check_false_applies_per_layer():
    bad = "ranges.py:DoubleMidRange"
    data = _spec(["relu", {"name": bad, "check": False}])
    data["model"]["layers"] = [2, 4, 4, 3]
    acts = validate(data, base_dir=PLUGINS).model.activation
    assert [a.check for a in acts] == [True, False]
    data["model"]["activation"] = ["relu", bad]
    with pytest.raises(SpecError) as err:
        validate(data, base_dir=PLUGINS)
    assert "failed the derivative check" in _problems(err)["model.activation.1"]


@pytest.mark.parametrize(
    ("activation", "key", "text"),
    [
        ({"name": "relu", "check": False}, "check", "only plugin activations"),
        ({"name": "ranges.py:Softsign", "check": "no"}, "check", "true or false"),
    ],
)
def test_a_misused_check_key_is_a_problem_at_its_key(activation, key, text):
    with pytest.raises(SpecError) as err:
        validate(_spec(activation), base_dir=PLUGINS)
    assert text in _problems(err)[f"model.activation.{key}"]


def test_an_undeclared_kink_is_refused_with_the_suggestion():
    with pytest.raises(SpecError) as err:
        validate(_spec("ranges.py:LeakyNoKink"), base_dir=PLUGINS)
    msg = _problems(err)["model.activation"]
    assert f"FAIL {SMALL}" in msg and "kinks = (0.0,)" in msg
    assert validate(_spec("ranges.py:Leaky"), base_dir=PLUGINS)


def test_the_check_is_cached_per_plugin_and_parameters(monkeypatch):
    calls = []
    real = plugin_check.check_activation

    def counting(act, **kw):
        calls.append((type(act).__name__, getattr(act, "alpha", None)))
        return real(act, **kw)

    monkeypatch.setattr(plugin_check, "check_activation", counting)
    monkeypatch.setattr(plugin_check, "_REPORTS", {})
    for _ in range(3):
        validate(_spec({"name": "ranges.py:Leaky", "alpha": 0.2}), base_dir=PLUGINS)
    assert calls == [("Leaky", 0.2), ("Leaky", 0.2)]  # float64 and float32, once
    validate(_spec({"name": "ranges.py:Leaky", "alpha": 0.3}), base_dir=PLUGINS)
    assert calls[2:] == [("Leaky", 0.3), ("Leaky", 0.3)]
    for _ in range(2):  # a failure is remembered too (float64 fails: one call)
        with pytest.raises(SpecError):
            validate(_spec("ranges.py:OnePercentOff"), base_dir=PLUGINS)
    assert calls[4:] == [("OnePercentOff", None)]


def test_a_plugin_fixed_and_imported_again_is_checked_again(tmp_path, monkeypatch):
    """The cache keys on the class object: an edited file, imported anew (as in a new
    process or after dropping the module), is not judged by its old report."""
    source = (PLUGINS / "ranges.py").read_text()
    path = tmp_path / "mine.py"
    path.write_text(source.replace("class OnePercentOff", "class Mine"))
    with pytest.raises(SpecError):
        validate(_spec("mine.py:Mine"), base_dir=tmp_path)
    path.write_text(source + "\n\nclass Mine(Softsign):\n    pass\n")
    ACTIVATIONS.forget_plugins()
    for name, module in list(sys.modules.items()):
        if getattr(module, "__file__", None) == str(path):
            monkeypatch.delitem(sys.modules, name)
    assert validate(_spec("mine.py:Mine"), base_dir=tmp_path).model.activation.check


def test_the_check_on_load_is_fast(monkeypatch):
    monkeypatch.setattr(plugin_check, "_REPORTS", {})
    start = time.perf_counter()
    validate(_spec("ranges.py:Softsign"), base_dir=PLUGINS)
    assert time.perf_counter() - start < 0.5


def test_the_readme_plugin_example_passes_the_check_and_trains(tmp_path):
    """The class in the README's "Add your own activation" section, used as it says."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Add your own activation") :]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "my_acts.py").write_text(code)
    ref = {"name": "my_acts.py:Isru", "a": 0.5}
    for dtype in ("float64", "float32"):
        act = ACTIVATIONS.build(ref, base_dir=tmp_path)
        assert check_activation(act, dtype=dtype).passed
    data = _spec(ref) | {"output": {"runs_dir": str(tmp_path / "runs"), "plots": False}}
    spec = validate(data, base_dir=tmp_path)
    assert spec.model.activation.params == {"a": 0.5}
    run = nnexp.run(spec)
    assert run.summary["status"] == "completed"


def test_loaded_plugins_do_not_leak_into_other_tests():
    """Guards the fixture above: the registry is back to the built-ins."""
    assert all(e.source == "builtin" for e in ACTIVATIONS.entries())
