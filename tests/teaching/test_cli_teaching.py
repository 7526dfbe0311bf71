"""``nnexp probe`` and ``nnexp landscape`` through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.image import imread
from typer.testing import CliRunner

from nnexp.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
E7 = ROOT / "configs" / "landscape_e7.yaml"
QUICKSTART = ROOT / "configs" / "quickstart.yaml"


def invoke(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_probe_sizes_writes_the_default_file_here(in_tmp):
    result = invoke("probe", "5,5,5,5", "--activations", "tanh,relu,identity", "--draws", "3",
                    "--input", "1", "--output", "1", "--range", "-10,10", "--seed", "2")  # fmt: skip
    assert result.exit_code == 0, result.output
    path = in_tmp / "probe_5-5-5-5.png"
    assert path.is_file() and str(path.name) in result.output
    height, width, _ = imread(path).shape
    assert width > height  # three columns, three rows plus a title: a wide-ish grid


def test_probe_initializer_mapping(in_tmp):
    args = [
        "probe",
        "3,4,1",
        "--initializer",
        "{name: randn_average, gain: 4}",
        "-o",
        "g.png",
    ]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert (in_tmp / "g.png").is_file()


def test_probe_run_spec_uses_its_model(in_tmp):
    result = invoke("probe", QUICKSTART, "--input", "400", "--output", "3", "--draws", "2",
                    "--initializer", "he_normal", "-o", "digits.svg")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "1 × 2 panels" in result.output
    assert (in_tmp / "digits.svg").read_text().startswith("<?xml")


@pytest.mark.parametrize(
    "args",
    [
        ["probe", "5,5,5,5", "--input", "6"],
        ["probe", "5,5,5,5", "--range", "10,-10"],
        ["probe", "5,5,5,5", "--range", "ten"],
        ["probe", "5,5,5,5", "--activations", "tanhh"],
        ["probe", "not-sizes"],
        ["probe", "5,5", "-o", "grid.gif"],
        ["probe", "missing.yaml"],
        ["probe", "5,5", "--initializer", "randn_avg"],
        ["probe", "5,5", "--initializer", "{name: randn_average, gain: -1}"],
    ],
)
def test_probe_bad_input_exits_2(in_tmp, args):
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert not list(in_tmp.glob("*.png"))


def test_landscape_writes_a_run_like_folder(in_tmp):
    result = invoke("landscape", E7, "--runs-dir", in_tmp / "runs")
    assert result.exit_code == 0, result.output
    (folder,) = (in_tmp / "runs").iterdir()
    assert folder.name.endswith("_e7_two_bump")
    assert {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} == {
        "config.yaml", "trajectories.csv", "summary.json", "plots/contour.png", "plots/objective.png",
    }  # fmt: skip
    summary = json.loads((folder / "summary.json").read_text())
    assert len(summary["trajectories"]) == 3
    assert all(t["grad_norm"] < 1e-4 for t in summary["trajectories"])
    frame = pd.read_csv(folder / "trajectories.csv")
    assert frame.groupby("start").size().sum() == len(frame)
    assert str(folder) in result.output.replace("\n", "")


def test_landscape_output_folder_option(in_tmp):
    assert invoke("landscape", E7, "-o", "here").exit_code == 0
    assert (in_tmp / "here" / "summary.json").is_file()
    again = invoke("landscape", E7, "-o", "here")  # never overwrite a result
    assert again.exit_code == 2


def test_landscape_bad_spec_exits_2_and_names_the_key(in_tmp):
    spec = in_tmp / "bad.yaml"
    spec.write_text(
        "objective: {expression: \"open('x')\"}\nstarts: [[0, 0]]\nmethods: [adam]\n"
    )
    result = invoke("landscape", spec, "--runs-dir", in_tmp / "runs")
    assert result.exit_code == 2
    assert (
        "objective.expression" in result.output
        and "'open' is not allowed" in result.output
    )
    assert not (in_tmp / "runs").exists()
    assert invoke("landscape", in_tmp / "missing.yaml").exit_code == 2
