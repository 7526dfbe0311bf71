"""``nnexp report`` through Typer's runner and once through a real subprocess."""

from __future__ import annotations

import re
import subprocess
import sys


def test_report_writes_one_self_contained_file(cli, sweep, tmp_path):
    result = cli(
        "report", sweep, "-o", tmp_path / "report.html", "--title", "Activations"
    )
    assert result.exit_code == 0, result.output
    assert f"wrote {tmp_path / 'report.html'} (12 runs" in " ".join(
        result.stdout.split()
    )
    text = (tmp_path / "report.html").read_text()
    assert "<h1>Activations</h1>" in text
    assert not re.search(r"(?i)https?:|<link|<script|url\(", text)
    assert all(
        src.startswith("data:image/png;base64,")
        for src in re.findall(r'src="([^"]*)"', text)
    )


def test_default_output_is_named_after_the_input(cli, sweep, tmp_path):
    assert cli("report", sweep).exit_code == 0
    assert (tmp_path / f"{sweep.name}_report.html").is_file()


def test_by_and_sort_choose_the_groups_and_the_metric(cli, sweep, tmp_path):
    result = cli(
        "report",
        sweep,
        "--by",
        "optimizer",
        "--sort",
        "test_accuracy",
        "-o",
        tmp_path / "r.html",
    )
    assert result.exit_code == 0, result.output
    text = (tmp_path / "r.html").read_text()
    assert "test accuracy (%) per group" in text and "same activation, seed" in text


def test_bad_input(cli, sweep, run_a, tmp_path):
    for args, message in [
        (("report", sweep, "-o", tmp_path / "missing" / "r.html"), "does not exist"),
        (("report", tmp_path / "nothing"), "does not exist"),
        (("report", run_a, "--sort", "speed"), "cannot sort by 'speed'"),
    ]:
        result = cli(*args)
        assert result.exit_code == 2, result.output
        assert message in " ".join(result.output.split())


def test_the_installed_command_in_a_subprocess(sweep, tmp_path):
    out = tmp_path / "sub.html"
    done = subprocess.run(
        [sys.executable, "-m", "nnexp", "report", str(sweep), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 50_000
    missing = subprocess.run(
        [sys.executable, "-m", "nnexp", "report", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert "Traceback" not in missing.stderr
