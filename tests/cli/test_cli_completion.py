"""Shell completion: spec keys and their values, sweep grids, kinds and activations,
and one completion end to end through Typer's environment variables."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from nnexp.cli.app import app
from nnexp.cli.completion import (
    complete_activation,
    complete_grid,
    complete_kind,
    complete_override,
)
from nnexp.cli.list_cmd import KINDS
from nnexp.spec.keys import key_values, spec_keys
from nnexp.spec.models import RunSpec
from nnexp.spec.monitor import monitor_names


def values(completer, incomplete: str) -> list[str]:
    return [item.value for item in completer(None, None, incomplete)]


def test_keys_complete_one_level_at_a_time():
    assert values(complete_override, "") == list(RunSpec.model_fields)
    model = values(complete_override, "model.")
    assert "model.activation" in model and "model.hidden" in model
    assert all(k.count(".") == 1 for k in model)
    assert values(complete_override, "optimizer.mom") == ["optimizer.momentum"]
    assert values(complete_override, "training.early_stopping.pat") == [
        "training.early_stopping.patience"
    ]
    assert values(complete_override, "nothing") == []


def test_spec_keys_are_the_models_fields_and_the_components_parameters():
    keys = set(spec_keys())
    assert {"seed", "training.epochs", "output.plots", "dataset.validation"} <= keys
    # a component's name and the parameters of every component of its kind
    assert {"optimizer.name", "optimizer.lr", "optimizer.beta2"} <= keys
    assert {"schedule.name", "regularizer.lam", "model.activation.alpha"} <= keys


@pytest.mark.parametrize(
    ("incomplete", "expected"),
    [
        ("model.activation=ta", ["model.activation=tanh"]),
        ("optimizer.name=adam", ["optimizer.name=adam", "optimizer.name=adamw"]),
        ("optimizer=rms", ["optimizer=rmsprop"]),
        ("training.dtype=", ["training.dtype=float32", "training.dtype=float64"]),
        ("training.shuffle=f", ["training.shuffle=false"]),
        (
            "dataset.normalize=s",
            ["dataset.normalize=scale", "dataset.normalize=standardize"],
        ),
        ("training.epochs=", []),  # an open value: nothing to suggest
    ],
)
def test_values_complete_after_the_equals_sign(incomplete, expected):
    assert values(complete_override, incomplete) == expected


def test_monitor_values_are_the_metrics_a_run_records():
    got = values(complete_override, "training.early_stopping.monitor=val_")
    expected = [n for n in monitor_names() if n.startswith("val_")]
    assert got == [f"training.early_stopping.monitor={n}" for n in expected]
    assert key_values("training.early_stopping.mode") == ["auto", "min", "max"]


def test_grid_values_complete_after_the_last_comma():
    assert values(complete_grid, "model.activation=relu,ta") == [
        "model.activation=relu,tanh"
    ]
    assert "--grid" not in values(complete_grid, "optimizer.")
    assert "optimizer.lr" in values(complete_grid, "optimizer.")


def test_kinds_and_activations():
    assert values(complete_kind, "opt") == ["optimizers"]
    assert values(complete_kind, "") == list(KINDS)
    assert values(complete_activation, "relu") == ["relu"]
    assert "leaky_relu" in values(complete_activation, "l")


def complete(words: str, cword: int) -> list[str]:
    """What bash would be offered for ``words`` (Typer's completion protocol)."""
    env = {
        "_NNEXP_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(cword),
    }
    result = CliRunner().invoke(app, [], env=env, prog_name="nnexp")
    assert result.exit_code == 0, result.stdout + result.stderr
    return result.stdout.split()


def test_completion_end_to_end_through_the_environment():
    assert "train" in complete("nnexp tr", 1)
    assert complete("nnexp list opt", 2) == ["optimizers"]
    assert complete("nnexp train spec.yaml optimizer.l", 3) == ["optimizer.lr"]
    assert complete("nnexp train --res", 2) == ["--resume"]
    assert complete("nnexp sweep spec.yaml --grid model.activation=relu,ta", 4) == [
        "model.activation=relu,tanh"
    ]
    assert complete("nnexp check ta", 2) == ["tanh"]


def test_the_completion_script_can_be_shown():
    result = CliRunner().invoke(app, ["--show-completion", "bash"], prog_name="nnexp")
    assert result.exit_code == 0
    assert "_NNEXP_COMPLETE=complete_bash" in result.stdout


def test_bash_splits_at_the_equals_sign_and_gets_values_not_keys():
    """Bash passes ``model.activation=ta`` as three words: the value is completed
    (not a top-level key), and the ``=`` itself gets nothing."""
    words = ["nnexp", "train", "spec.yaml", "model.activation", "=", "ta"]
    assert complete("\n".join(words), 5) == ["tanh"]  # joined as Typer's script does
    assert complete(" ".join(words), 5) == ["tanh"]
    assert complete("\n".join(words[:5]), 4) == []
    grid = ["nnexp", "sweep", "spec.yaml", "--grid", "model.activation", "="]
    assert complete("\n".join([*grid, "relu,ta"]), 6) == ["relu,tanh"]
