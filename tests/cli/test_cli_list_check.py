"""``nnexp list`` (registries as tables) and ``nnexp check`` (finite differences)."""

from __future__ import annotations

import math
import re
import typing
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from nnexp.cli.list_cmd import KINDS, registry, resolve_kind, type_name
from nnexp.errors import NnexpError

# --- nnexp list -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
def test_list_kind_shows_every_entry_with_its_aliases_and_parameters(
    cli: Callable, kind: str
):
    result = cli("list", kind)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    entries = registry(kind).entries()
    assert entries, f"the {kind} registry is empty"
    assert f"{kind} ({len(entries)})" in out
    for entry in entries:
        assert re.search(rf"\b{re.escape(entry.name)}\b", out), entry.name
        for alias in entry.aliases:
            assert alias in out, (entry.name, alias)
        for param in entry.params:
            assert re.search(rf"\b{re.escape(param.name)}:", out), (
                entry.name,
                param.name,
            )


def test_list_activations_shows_defaults_families_and_gains(cli: Callable):
    out = cli("list", "activations").stdout
    assert "k: float = 1.0" in out
    assert "alpha: float = 0.01" in out  # leaky_relu
    relu_line = next(line for line in out.splitlines() if re.search(r"\brelu\b", line))
    assert "relu (√2)" in relu_line
    tanh_line = next(line for line in out.splitlines() if re.search(r"│ tanh\b", line))
    assert "sign (1)" in tanh_line


def test_list_optimizers_shows_spec_defaults(cli: Callable):
    out = cli("list", "optimizers").stdout
    for text in (
        "lr: float = 0.01",
        "momentum: float = 0.0",
        "nesterov: bool = False",
        "beta2: float = 0.999",
        "weight_decay: float = 0.01",
    ):
        assert text in out


def test_list_without_argument_lists_every_kind(cli: Callable):
    result = cli("list")
    assert result.exit_code == 0
    for kind in KINDS:
        assert re.search(rf"^{kind} \(\d+\)", result.stdout, re.MULTILINE), kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Activation", "activations"),
        ("loss", "losses"),
        ("data-sets", "datasets"),
        ("SCHEDULES", "schedules"),
    ],
)
def test_kind_spellings(text: str, kind: str):
    assert resolve_kind(text) == kind


def test_unknown_kind_exits_2_with_close_matches(cli: Callable):
    result = cli("list", "activatons")
    assert result.exit_code == 2
    assert (
        "activatons" in result.stderr and "Did you mean: activations" in result.stderr
    )
    assert "Traceback" not in result.stderr + result.stdout
    with pytest.raises(NnexpError, match="Allowed kinds: activations"):
        resolve_kind("widgets")


def test_type_names_are_readable():
    assert type_name(float) == "float"
    assert type_name(int | None) == "int | None"
    assert type_name(typing.Literal["epoch", "step"]) == "epoch|step"
    assert type_name(tuple[int, ...]) == "tuple[int]"
    assert type_name(NDArray[np.floating]) == "array"
    assert type_name(np.ndarray) == "array"


def test_list_layers_shows_no_numpy_internals_and_whole_descriptions(cli: Callable):
    out = " ".join(cli("list", "layers").stdout.split())  # rich folds long cells
    out = re.sub(r" ?│ ?", " ", out)
    assert "W: array (required)" in out
    assert "ndarray" not in out and "dtype[" not in out
    # the dropout docstring's first paragraph is two lines: both are shown
    assert "scale by 1/(1 − rate)" in out.replace("  ", " ")


# --- nnexp check ----------------------------------------------------------------------

LEAKY = '''

class Leaky:
    """A correct leaky ReLU that does not declare its kink at 0."""

    def forward(self, z):
        return np.maximum(z, z * z.dtype.type(0.1))

    def derivative(self, z, a):
        return np.where(z > 0, z.dtype.type(1), z.dtype.type(0.1))


class DeclaredLeaky(Leaky):
    kinks = (0.0,)
'''

PLUGIN = '''
import numpy as np


class Soft:
    """x / (1 + |x|), with the right derivative 1 / (1 + |x|)^2."""

    def forward(self, z):
        return z / (1 + np.abs(z))

    def derivative(self, z, a):
        r = 1 / (1 + np.abs(z))  # squared after the division: no overflow
        return r * r


class WrongSoft(Soft):
    """x / (1 + |x|) with the course's kind of slip: the square is missing."""

    def derivative(self, z, a):
        return 1 / (1 + np.abs(z))


class Scaled:
    """k * x."""

    def __init__(self, k: float = 1.0):
        self.k = float(k)

    def forward(self, z):
        return z * z.dtype.type(self.k)

    def derivative(self, z, a):
        return np.full_like(z, self.k)


class Sine:
    """sin(x), with its exact derivative cos(x)."""

    def forward(self, z):
        return np.sin(z)

    def derivative(self, z, a):
        return np.cos(z)


class NoDerivative:
    def forward(self, z):
        return z
'''


@pytest.fixture
def plugin_dir(tmp_path: Path, monkeypatch, forget_plugins) -> Path:
    """The current folder holds ``acts/mine.py`` (plugin paths are relative to it)."""
    (tmp_path / "acts").mkdir()
    (tmp_path / "acts" / "mine.py").write_text(PLUGIN + LEAKY)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _rows(out: str) -> dict[str, str]:
    """Region (first words of a table row) → the row's text."""
    return {
        m.group(1).strip(): m.group(0) for m in re.finditer(r"│ ([^│]+?) +│.*", out)
    }


@pytest.mark.parametrize(
    "args",
    [
        ["relu"],
        ["softplus", "--param", "k=2"],
        ["LeakyReLU", "-p", "alpha=0.2"],
        ["tanh", "--dtype", "float32"],
        ["softmax"],
        ["exp"],
    ],
)
def test_builtin_activations_pass(cli: Callable, args: list[str]):
    result = cli("check", *args)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "passed every check" in result.stdout
    assert "FAIL" not in result.stdout
    assert "random [-4, 4]" in result.stdout


def test_a_correct_plugin_passes(cli: Callable, plugin_dir: Path):
    result = cli("check", "acts/mine.py:Soft")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "acts/mine.py:Soft passed every check" in result.stdout


def test_a_correct_oscillating_plugin_passes(cli: Callable, plugin_dir: Path):
    result = cli("check", "acts/mine.py:Sine")
    assert result.exit_code == 0, result.stdout


def test_a_plugin_with_a_wrong_derivative_fails_with_exit_1(
    cli: Callable, plugin_dir: Path
):
    result = cli("check", "acts/mine.py:WrongSoft")
    assert result.exit_code == 1
    out = result.stdout
    assert "FAIL" in out and "failed" in out
    assert "outside tolerance" in out
    random_row = next(v for k, v in _rows(out).items() if k.startswith("random"))
    assert "FAIL" in random_row


def test_plugin_parameters_are_passed(cli: Callable, plugin_dir: Path):
    result = cli("check", "acts/mine.py:Scaled", "--param", "k=3")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "scale 3" in result.stdout  # the largest |f'| on [-4, 4] is k


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["sofplus"], ["sofplus", "softplus"]),
        (["softplus", "--param", "kk=2"], ["--param", "kk", "allowed: k"]),
        (["softplus", "--param", "k=-1"], ["--param", "k must be"]),
        (["softplus", "--param", "k"], ["--param", "name=value"]),
        (["relu", "--dtype", "float16"], ["--dtype", "float32"]),
        (["acts/missing.py:Soft"], ["missing.py", "does not exist"]),
        (["acts/mine.py:Sotf"], ["has no 'Sotf'", "Soft"]),
        (["acts/mine.py:NoDerivative"], ["NoDerivative", "derivative()"]),
    ],
    ids=[
        "unknown-name",
        "unknown-param",
        "bad-param-value",
        "param-without-value",
        "bad-dtype",
        "missing-plugin-file",
        "missing-plugin-class",
        "plugin-without-derivative",
    ],
)
def test_bad_names_and_plugins_exit_2(cli: Callable, plugin_dir: Path, args, expected):
    result = cli("check", *args)
    text = result.stderr + result.stdout
    assert result.exit_code == 2, text
    assert "Traceback" not in text
    for part in expected:
        assert part in text, (part, text)


def test_check_report_errors_are_small_for_a_smooth_activation(cli: Callable):
    out = cli("check", "tanh").stdout
    row = next(v for k, v in _rows(out).items() if k.startswith("random"))
    abs_err = float(row.split("│")[3])
    assert 0 <= abs_err < 1e-7 and math.isfinite(abs_err)


@pytest.mark.parametrize(
    ("args", "label", "scale"),
    [
        (["{name: acts/mine.py:Scaled, k: 3}"], "acts/mine.py:Scaled(k=3)", "3"),
        (["{name: softplus, k: 2}"], "softplus(k=2)", "1"),
        (["{name: acts/mine.py:Scaled, k: 3}", "-p", "k=5"], "Scaled(k=5)", "5"),
        (["{name: acts/mine.py:Scaled, check: false}"], "acts/mine.py:Scaled", "1"),
    ],
    ids=["plugin-mapping", "builtin-mapping", "param-overrides", "check-key"],
)
def test_check_takes_a_spec_mapping(
    cli: Callable, plugin_dir: Path, args, label, scale
):
    result = cli("check", *args)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert f"{label} passed every check" in result.stdout
    assert f"scale {scale}" in result.stdout


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{name: acts/mine.py:Scaled, k: [}", "as a YAML mapping"),
        ("{k: 3}", "is not an activation mapping"),
        ("{name: acts/mine.py:Scaled, kk: 3}", "unknown parameter"),
    ],
)
def test_check_refuses_a_bad_mapping_with_exit_2(
    cli: Callable, plugin_dir: Path, text: str, expected: str
):
    result = cli("check", text)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr


def test_check_and_gallery_read_activations_with_one_function():
    from nnexp.cli import activation_arg, check, gallery

    assert check.build_activation is activation_arg.build_activation
    assert gallery.build_activation is activation_arg.build_activation


def test_an_undeclared_kink_fails_with_the_suggestion(cli: Callable, plugin_dir: Path):
    result = cli("check", "acts/mine.py:Leaky")
    assert result.exit_code == 1
    out = " ".join(result.stdout.split())
    assert "kinks = (0.0,)" in re.sub(r" ?│ ?", " ", out)
    small = next(v for k, v in _rows(result.stdout).items() if k.startswith("small"))
    assert "FAIL" in small
    assert cli("check", "acts/mine.py:DeclaredLeaky").exit_code == 0


def test_check_help_documents_kinks_and_the_tolerance(cli: Callable):
    out = " ".join(cli("check", "--help").stdout.split())
    out = re.sub(r" ?│ ?", " ", out)
    for text in ("kinks = (0.0,)", "1e-3 to 1e4", "check: false", "rtol"):
        assert text in out, text


SPEC = """
name: p
dataset: logic_gates
model: {layers: [2, 4, 3], activation: ACT, output_activation: identity}
loss: mse
training: {epochs: 1, batch_size: 1}
"""


@pytest.mark.parametrize(
    ("act", "code"),
    [
        ("acts/mine.py:WrongSoft", 2),
        ("{name: acts/mine.py:WrongSoft, check: false}", 0),
        ("acts/mine.py:Soft", 0),
    ],
)
def test_a_spec_with_a_wrong_plugin_is_refused_before_training(
    cli: Callable, plugin_dir: Path, act: str, code: int
):
    spec = plugin_dir / "spec.yaml"
    spec.write_text(SPEC.replace("ACT", act))
    result = cli("train", spec, "--print-config")
    assert result.exit_code == code, result.stdout + result.stderr
    if code:
        err = result.stderr
        assert "failed the derivative check" in err and "Traceback" not in err
        assert "FAIL random [-4, 4]" in err and "check: false" in err
