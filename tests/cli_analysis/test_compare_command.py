"""``nnexp compare``: table, CSV and Markdown; grouped statistics; bad input."""

from __future__ import annotations

import io

import pandas as pd


def test_csv_values_equal_the_metrics_files(cli, sweep):
    result = cli("compare", sweep, "--format", "csv")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout))
    assert len(table) == 12 and list(table.columns[:3]) == [
        "activation",
        "optimizer",
        "seed",
    ]
    for row in table.to_dict("records"):
        last = pd.read_csv(f"{row['folder']}/metrics.csv").iloc[-1]
        assert row["final_val_accuracy"] == last["val_accuracy"]
        assert row["final_train_loss"] == last["train_loss"]
    assert table["final_val_accuracy"].is_monotonic_decreasing


def test_the_terminal_table_shows_settings_and_percentages(cli, run_a, run_b):
    result = cli("compare", run_a, run_b)
    assert result.exit_code == 0, result.output
    assert "2 runs, sorted by final val accuracy (%) (highest first)" in result.stdout
    lines = [
        line
        for line in result.stdout.splitlines()
        if line.strip().startswith(("relu", "tanh"))
    ]
    assert [line.split()[0] for line in lines] == ["relu", "tanh"]
    accuracy = pd.read_csv(run_b / "metrics.csv")["val_accuracy"].iloc[-1]
    assert f"{100 * accuracy:.2f}" in lines[0]


def test_markdown_for_notes(cli, run_a, run_b):
    result = cli(
        "compare", run_a, run_b, "--format", "markdown", "--sort", "test_accuracy"
    )
    lines = result.stdout.splitlines()
    assert lines[0].startswith("| activation | status |")
    assert lines[1].startswith("|:---|:---|---:|")  # epochs right-aligned
    assert lines[2].startswith("| relu | completed | 6 |") and len(lines) == 4


def test_grouped_statistics(cli, sweep):
    result = cli("compare", sweep, "--by", "activation")
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "final val accuracy (%) by group (highest first)" in out
    assert "95% CI" in out and "paired t-test" in out and "same optimizer, seed" in out
    csv = pd.read_csv(
        io.StringIO(cli("compare", sweep, "--by", "activation", "-f", "csv").stdout)
    )
    assert list(csv["activation"]) == ["relu", "tanh", "abs"]
    assert list(csv["n"]) == [4, 4, 4] and list(csv["pairs"].fillna(0)) == [0, 4, 4]
    assert {"mean", "std", "ci95_low", "ci95_high", "t", "p"} <= set(csv.columns)


def test_output_file_takes_its_format_from_the_extension(cli, sweep, tmp_path):
    for name, check in [
        ("r.csv", lambda t: t.startswith("activation,optimizer,seed")),
        ("r.md", lambda t: t.startswith("| activation |")),
        ("r.txt", lambda t: "12 runs, sorted by" in t),
    ]:
        result = cli("compare", sweep, "-o", tmp_path / name)
        assert result.exit_code == 0 and f"wrote {tmp_path / name}" in result.stdout
        assert check((tmp_path / name).read_text())


def test_bad_input(cli, run_a, run_b, tmp_path):
    for args, message in [
        (("compare", run_a, "--sort", "speed"), "cannot sort by 'speed'"),
        (("compare", run_a, "-o", tmp_path / "no" / "t.csv"), "does not exist"),
        (
            ("compare", run_a, run_b, "--by", "colour"),
            "no run has the setting 'colour'",
        ),
        (
            ("compare", run_a, run_b, "--by", "activation", "--sort", "activation"),
            "sort by a metric",
        ),
        (("compare", tmp_path / "missing"), "does not exist"),
    ]:
        result = cli(*args)
        assert result.exit_code == 2, result.output
        assert message in " ".join(result.output.split())
    assert cli("compare", run_a, "--format", "xml").exit_code == 2


def test_grouped_and_run_tables_fit_a_100_column_terminal(cli, sweep, monkeypatch):
    """No line wider than the terminal, no header word cut, the note column whole;
    what was left out is said."""
    import io as _io

    from rich.console import Console

    import nnexp.cli.compare as command

    for args in (("--by", "activation"), ()):
        buffer = _io.StringIO()
        terminal = Console(
            file=buffer, width=100, force_terminal=True, color_system=None
        )
        monkeypatch.setattr(command, "console", terminal)
        result = cli("compare", sweep, *args)
        assert result.exit_code == 0, result.output
        lines = buffer.getvalue().splitlines()
        table = [
            line
            for line in lines
            if not line.startswith(("warning", "left out", "paired", "95%"))
        ]
        assert max(len(line) for line in table) <= 100
        words = " ".join(table).split()
        rows = [
            line.split()
            for line in table
            if line.strip().startswith(("relu", "tanh", "abs"))
        ]
        if args:
            # every header word whole, the best group's note readable
            for word in ("activation", "mean", "pairs", "note", "runs"):
                assert word in words
            assert rows[0][0] == "relu" and rows[0][-1] == "best"
        else:
            for word in ("activation", "optimizer", "seed", "status", "accuracy"):
                assert word in words
            assert "left out to fit the terminal: folder" in buffer.getvalue()
