"""``nnexp gallery``: built-ins, chosen names, plugins, and bad input."""

from __future__ import annotations

import pytest

from nnexp.engine.activations import ACTIVATIONS

PLUGIN = '''
import numpy as np


class Cube:
    """x^3 (a test plugin)."""

    family = "abs"

    def forward(self, z):
        return z ** 3

    def derivative(self, z, a):
        return 3 * z ** 2
'''


def test_every_builtin_by_default(cli, tmp_path):
    result = cli("gallery")
    assert result.exit_code == 0, result.output
    n = sum(1 for e in ACTIVATIONS.entries() if e.source == "builtin")
    assert f"wrote activations.png ({n} activations)" in result.stdout
    assert (tmp_path / "activations.png").read_bytes().startswith(b"\x89PNG")


def test_names_aliases_parameters_and_a_plugin(cli, tmp_path):
    (tmp_path / "acts.py").write_text(PLUGIN)
    result = cli(
        "gallery",
        "ReLU",
        "tanh",
        "{name: softplus, k: 2}",
        "acts.py:Cube",
        "--range",
        "-2,2",
        "-o",
        tmp_path / "mine.svg",
    )
    assert result.exit_code == 0, result.output
    assert "(4 activations)" in result.stdout
    svg = (tmp_path / "mine.svg").read_text()
    for title in ("relu", "tanh", "softplus(k=2)", "Cube"):
        assert title in svg


def test_the_range_also_takes_the_equals_form(cli, tmp_path):
    assert (
        cli("gallery", "relu", "--range=-5,5", "-o", tmp_path / "r.png").exit_code == 0
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("gallery", "relux"), "unknown activation 'relux'"),
        (("gallery", "nothere.py:Cube"), "does not exist"),
        (("gallery", "relu", "--range", "5,1"), "LOW must be below HIGH"),
        (("gallery", "relu", "--range", "a,b"), "expected two numbers"),
        (("gallery", "relu", "-o", "missing/g.png"), "does not exist"),
        (("gallery", "relu", "-o", "g.gif"), "not a supported image format"),
        (("gallery", "{name: softplus, k: -1}"), "k must be a finite number > 0"),
    ],
)
def test_bad_input(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
