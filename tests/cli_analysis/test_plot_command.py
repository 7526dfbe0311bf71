"""``nnexp plot`` through Typer's runner: outputs and every bad input (exit 2)."""

from __future__ import annotations

import pytest
from analysis_fixtures import REGRESSION_CONFIG, make_config, make_history, write_run


def test_default_output_is_a_png_in_the_current_folder(cli, sweep, tmp_path):
    result = cli("plot", sweep)
    assert result.exit_code == 0, result.output
    written = tmp_path / f"{sweep.name}_curves.png"
    assert f"wrote {written.name}" in result.stdout and "12 runs" in result.stdout
    assert written.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("name", ["curves.svg", "curves.pdf", "CURVES.PNG"])
def test_the_extension_chooses_the_format(cli, run_a, run_b, tmp_path, name):
    result = cli(
        "plot",
        run_a,
        run_b,
        "-o",
        tmp_path / name,
        "--by",
        "activation",
        "--metric",
        "accuracy",
        "--x",
        "time",
        "--smooth",
        "2",
        "--log",
        "--title",
        "relu vs tanh",
    )
    assert result.exit_code == 0, result.output
    head = (tmp_path / name).read_bytes()[:5]
    assert (
        head
        == {"svg": b"<?xml", "pdf": b"%PDF-", "png": b"\x89PNG\r"}[name[-3:].lower()]
    )


def test_grouping_names_the_file_after_the_key(cli, sweep, tmp_path):
    result = cli("plot", sweep, "--by", "activation")
    assert result.exit_code == 0, result.output
    assert (tmp_path / f"{sweep.name}_curves_by_activation.png").is_file()


def test_a_running_run_with_some_epochs_is_plotted(cli, tmp_path, rng):
    run = write_run(
        tmp_path / "going", make_config(), make_history(rng).iloc[:2], status="running"
    )
    assert cli("plot", run).exit_code == 0


def bad(cli, *args):
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return " ".join(result.output.split())  # rich may wrap long messages


def test_a_path_that_is_not_a_run(cli, tmp_path):
    (tmp_path / "empty").mkdir()
    assert "nope does not exist" in bad(cli, "plot", "nope")
    assert "not a run folder and holds no runs" in bad(cli, "plot", tmp_path / "empty")
    assert "matches no file" in bad(cli, "plot", "runs/*_nothing")


def test_a_run_without_metrics_yet(cli, tmp_path, rng):
    run = write_run(
        tmp_path / "new", make_config(), make_history(rng).iloc[:0], status="running"
    )
    assert "has no metrics yet" in bad(cli, "plot", run)


def test_runs_of_different_tasks(cli, run_a, tmp_path, rng):
    reg = write_run(
        tmp_path / "reg",
        REGRESSION_CONFIG,
        make_history(rng, task="regression"),
        task="regression",
    )
    assert "different tasks" in bad(cli, "plot", run_a, reg)


def test_a_metric_that_does_not_exist_lists_those_that_do(cli, run_a):
    message = bad(cli, "plot", run_a, "--metric", "acuracy")
    assert "no metric 'acuracy'; available metrics: loss, accuracy" in message


def test_an_output_in_a_missing_folder_or_of_an_unknown_kind(cli, run_a, tmp_path):
    assert "does not exist" in bad(cli, "plot", run_a, "-o", tmp_path / "no" / "c.png")
    assert "not a supported image format" in bad(cli, "plot", run_a, "-o", "c.jpg")
    assert not list(tmp_path.glob("*.png"))  # nothing written after a bad output


def test_bad_options(cli, run_a, run_b):
    assert "no run has the setting 'colour'" in bad(
        cli, "plot", run_a, run_b, "--by", "colour"
    )
    bad(cli, "plot", run_a, "--smooth", "0")
    bad(cli, "plot", run_a, "--x", "step")
    bad(cli, "plot")


def test_kind_summary_draws_the_sweep_heatmap(cli, sweep, tmp_path):
    result = cli("plot", sweep, "--kind", "summary")
    assert result.exit_code == 0, result.output
    assert (tmp_path / f"{sweep.name}_summary.png").read_bytes().startswith(b"\x89PNG")


def test_kind_layers_draws_one_run_from_its_metrics(cli, run_a, tmp_path):
    result = cli("plot", run_a, "--kind", "layers", "-o", tmp_path / "l.svg")
    assert result.exit_code == 0, result.output
    assert "per-layer diagnostics" in (tmp_path / "l.svg").read_text()


def test_bad_kinds(cli, run_a, run_b, sweep):
    message = bad(cli, "plot", run_a, "--kind", "weights")
    assert "unknown plot kind 'weights'" in message
    assert "curves, summary, confusion, samples, fit, layers" in message
    assert "draws one run; 2 were selected" in bad(
        cli, "plot", run_a, run_b, "--kind", "layers"
    )
    assert "--by only applies to --kind curves" in bad(
        cli, "plot", sweep, "--kind", "summary", "--by", "activation"
    )
    assert "it needs a regression with one input" in bad(
        cli, "plot", run_a, "--kind", "fit"
    )
