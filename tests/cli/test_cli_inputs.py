"""What a new user tripped over (issue 11): early-stopping monitors, ``validation: 0``,
a scalar where a section is expected, file names in data errors, unreadable weights
files, and dead fractions without a validation split."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_helpers import QUICKSTART, ROOT, small

from nnexp import api
from nnexp.errors import RunError, SpecError
from nnexp.runs.checkpoint import load_weights

Q = str(QUICKSTART)
SINCOS = str(ROOT / "configs" / "sincos.yaml")
MONITOR = "training.early_stopping.monitor"


def _bad(result, *parts: str) -> str:
    text = result.stderr + result.stdout
    assert result.exit_code == 2, text
    assert "Traceback" not in text
    for part in parts:
        assert part in text, f"{part!r} not in {text!r}"
    return text


def test_a_misspelt_monitor_is_refused_with_a_suggestion(cli: Callable, tmp_path):
    result = cli("train", Q, *small(f"{MONITOR}=val_los"), "--runs-dir", tmp_path)
    _bad(result, MONITOR, "'val_los'", "Did you mean val_loss?", "val_accuracy")
    assert not any(tmp_path.iterdir()), "no run folder for a refused spec"


@pytest.mark.parametrize(
    ("spec", "overrides", "parts"),
    [
        # a regression metric on a classification data set
        (Q, [f"{MONITOR}=val_mse"], ["val_mse", "classification", "val_accuracy"]),
        # a classification metric on a regression data set
        (SINCOS, [f"{MONITOR}=val_accuracy"], ["regression", "train_max_abs_error"]),
        # a val_ metric without a validation split (the default monitor too)
        (SINCOS, ["training.early_stopping=true"], ["val_loss", "no", "train_loss"]),
    ],
    ids=["regression-metric", "classification-metric", "no-validation"],
)
def test_a_monitor_the_run_will_not_record_is_refused_before_training(
    cli: Callable, tmp_path: Path, spec, overrides, parts
):
    result = cli("train", spec, *overrides, "training.epochs=1", "--runs-dir", tmp_path)
    text = _bad(result, MONITOR, *parts)
    assert Path(spec).name in text
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_a_monitor_the_run_records_is_watched(tmp_path: Path):
    run = api.run(
        SINCOS,
        [f"{MONITOR}=train_max_abs_error", "training.epochs=2", "output.plots=false"],
        runs_dir=tmp_path,
    )
    assert run.summary["status"] == "completed"
    assert run.summary["best_epoch"] in (1, 2)


@pytest.mark.parametrize("zero", ["0", "0.0"])
def test_validation_zero_means_no_validation_split_in_the_cli(
    cli: Callable, tmp_path: Path, zero: str
):
    result = cli(
        "train", Q, *small(f"dataset.validation={zero}"), "--runs-dir", tmp_path
    )
    assert result.exit_code == 0, result.stderr + result.stdout
    (folder,) = tmp_path.iterdir()
    metrics = pd.read_csv(folder / "metrics.csv")
    assert metrics["val_loss"].isna().all()
    assert metrics["train_loss"].notna().all()


def test_validation_zero_means_no_validation_split_in_the_api(tmp_path: Path):
    run = api.run(Q, small("dataset.validation=0"), runs_dir=tmp_path)
    reference = api.run(Q, small("dataset.validation=null"), runs_dir=tmp_path)
    assert run.history["val_accuracy"].isna().all()
    # the same training set as null: the same numbers
    pd.testing.assert_series_equal(
        run.history["train_loss"], reference.history["train_loss"]
    )


@pytest.mark.parametrize(
    ("override", "parts"),
    [
        ("model=relu", ["model:", "layers, hidden, activation", "e.g. model: {"]),
        ("training=5", ["training:", "epochs, batch_size", "e.g. training: {"]),
        ("output=x", ["output:", "runs_dir, plots", "e.g. output: {"]),
        ("training.early_stopping=3", ["training.early_stopping:", "patience"]),
        ("dataset=3", ["dataset:", "dataset name"]),
    ],
)
def test_a_scalar_section_says_what_the_section_expects(
    cli: Callable, tmp_path: Path, override: str, parts: list[str]
):
    result = cli("train", Q, override, "--runs-dir", tmp_path)
    text = _bad(result, *parts)
    assert "valid dictionary" not in text and "instance of" not in text


def test_a_first_layer_that_misfits_the_data_names_the_spec_file(
    cli: Callable, tmp_path: Path
):
    result = cli("train", Q, "model.layers=[780, 100, 10]", "--runs-dir", tmp_path)
    _bad(result, f"invalid spec {Q}", "model.layers", "784")
    with pytest.raises(SpecError) as err:  # the Python API names it too
        api.run(Q, ["model.layers=[780, 100, 10]"], runs_dir=tmp_path)
    assert err.value.source == Q


def test_a_spec_from_a_mapping_has_no_file_to_name(tmp_path: Path):
    spec = api.resolve_spec(Q, small("model.layers=[780, 16, 10]"))
    from nnexp.spec.dump import spec_to_dict

    with pytest.raises(SpecError) as err:
        api.run(spec_to_dict(spec), runs_dir=tmp_path)
    assert err.value.source is None


def test_a_file_of_python_objects_is_no_weights_file(tmp_path: Path):
    path = tmp_path / "objects.npz"
    np.savez(path, W1=np.array([{"a": 1}], dtype=object))
    with pytest.raises(RunError) as err:
        load_weights(path)
    message = str(err.value)
    assert "is not a weights file nnexp can read" in message
    assert "pickle" not in message.lower() and "allow_pickle" not in message
    strings = tmp_path / "strings.npz"
    np.savez(strings, W1=np.array(["a", "b"]))
    with pytest.raises(RunError, match="W1 .* must be arrays of numbers"):
        load_weights(strings)


def test_a_fake_weights_file_in_the_cli(cli: Callable, tmp_path: Path):
    path = tmp_path / "objects.npz"
    np.savez(path, W1=np.array([{"a": 1}], dtype=object))
    result = cli("train", Q, *small(f"training.init_from={path}"))
    text = _bad(result, str(path), "not a weights file nnexp can read")
    assert "pickle" not in text.lower()


def test_dead_fractions_are_empty_without_a_validation_split(tmp_path: Path):
    run = api.run(
        SINCOS, ["training.epochs=2", "output.plots=[layers]"], runs_dir=tmp_path
    )
    dead = [c for c in run.history.columns if c.endswith("_dead_fraction")]
    assert dead and run.history[dead].isna().all().all()
    assert run.history["val_loss"].isna().all()
    assert (run.path / "plots" / "layers.png").is_file()
    with_val = api.run(
        SINCOS,
        ["training.epochs=1", "dataset.validation=100", "output.plots=false"],
        runs_dir=tmp_path,
    )
    # counted on the validation split: abs is dead only where z == 0 exactly
    assert not math.isnan(with_val.history["layer1_dead_fraction"].iloc[0])
