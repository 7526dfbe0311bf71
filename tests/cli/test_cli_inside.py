"""Issue 15 end to end: a logic-gates run whose ReLU output unit dies (E1) keeps its
initial weights and snapshots, draws its 0.5 contours over the epochs, and says what
went wrong at the end of ``nnexp train``, in summary.json, ``nnexp show``, the report;
bad input is refused with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import QUICKSTART, ROOT, small
from PIL import Image

from nnexp import api
from nnexp.runs.checkpoint import load_npz
from nnexp.runs.snapshots import load_snapshots, snapshot_epochs

GATES = ROOT / "configs" / "logic_gates.yaml"
#: seed 1 of E1 stalls: its AND output unit dies by epoch 22
STALLED = ["--seed", "1", "training.epochs=60"]


@pytest.fixture(scope="module")
def stalled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    from typer.testing import CliRunner

    from nnexp.cli.app import app

    runs = tmp_path_factory.mktemp("inside")
    result = CliRunner().invoke(
        app, ["train", str(GATES), "--runs-dir", str(runs), *STALLED]
    )
    assert result.exit_code == 0, result.output
    (folder,) = runs.iterdir()
    return folder, result.stdout


def test_train_ends_with_the_findings(stalled):
    folder, stdout = stalled
    assert "findings" in stdout and "dead_units" in stdout
    assert "33 % of the output units dead" in stdout


def test_summary_json_holds_the_findings_in_the_documented_form(stalled):
    folder, _ = stalled
    found = json.loads((folder / "summary.json").read_text())["findings"]
    dead = next(f for f in found if f["rule"] == "dead_units")
    assert list(dead) == ["rule", "layer", "epoch", "message", "evidence"]
    assert dead["layer"] == 2 and dead["evidence"]["layer2_dead_fraction"] == 1 / 3
    assert isinstance(dead["epoch"], int)


def test_the_initial_weights_and_the_snapshots_are_kept(stalled):
    folder, _ = stalled
    run = api.load_run(folder)
    initial = load_npz(folder / "initial.npz")
    # the initial weights are those seed 1 draws: a fresh build of the spec
    fresh = api.prepare(api.resolve_spec(GATES, seed=1))[2].network.get_weights()
    assert initial.keys() == fresh.keys()
    assert all(np.array_equal(initial[k], fresh[k]) for k in fresh)
    snaps = load_snapshots(folder / "snapshots.npz")
    assert list(snaps) == snapshot_epochs(60, 24)
    final = load_npz(folder / "model.npz")
    assert all(np.array_equal(snaps[60][k], final[k]) for k in final)
    assert {"boundaries.png", "boundaries.gif", "distributions.png"} <= set(
        run.record.plots
    )


def test_the_contours_over_the_epochs_are_drawn_with_an_animation(stalled):
    folder, _ = stalled
    assert (folder / "plots" / "boundaries.png").is_file()
    with Image.open(folder / "plots" / "boundaries.gif") as gif:
        assert gif.n_frames == 1 + len(snapshot_epochs(60, 24))  # initial + kept


def test_show_prints_the_findings_and_takes_thresholds(stalled, cli):
    folder, _ = stalled
    result = cli("show", folder, "--no-config")
    assert result.exit_code == 0 and "dead_units" in result.stdout
    quiet = cli("show", folder, "--no-config", "--threshold", "plateau_epochs=1000",
                "--threshold", "update_ratio_low=1e-30")  # fmt: skip
    assert quiet.exit_code == 0 and "plateau" not in quiet.stdout.split("findings")[1]


@pytest.mark.parametrize(
    ("threshold", "says"),
    [("dead=0.3", "unknown finding threshold 'dead'"),
     ("dead_fraction", "expected NAME=VALUE"),
     ("dead_fraction=-1", "must be a positive number")],
)  # fmt: skip
def test_bad_thresholds_exit_2(stalled, cli, threshold, says):
    result = cli("show", stalled[0], "--threshold", threshold)
    assert result.exit_code == 2 and says in result.output


def test_the_report_has_a_findings_section(stalled, tmp_path):
    folder, _ = stalled
    out = api.report(api.select_runs([str(folder)]), tmp_path / "report.html")
    html = Path(out).read_text()
    assert 'id="findings"' in html and "output units dead" in html


def test_no_boundary_for_a_data_set_that_is_not_2d(cli, tmp_path):
    run = api.run(QUICKSTART, small(), runs_dir=tmp_path)
    result = cli("plot", run.path, "--kind", "boundaries", "-o", tmp_path / "b.png")
    assert result.exit_code == 2
    assert "two input features" in result.output


def test_a_bad_snapshots_setting_is_refused(cli, tmp_path):
    result = cli("train", GATES, "--runs-dir", tmp_path, "output.snapshots=-3")
    assert result.exit_code == 2 and "output.snapshots" in result.output


def test_plot_draws_the_distributions_of_a_finished_run(stalled, cli, tmp_path):
    folder, _ = stalled
    out = tmp_path / "d.png"
    result = cli("plot", folder, "--kind", "distributions", "-o", out)
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 10_000
