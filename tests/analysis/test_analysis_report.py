"""The HTML report: self-contained, complete, and rendered by a real browser."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess

import numpy as np
import pytest
from analysis_fixtures import make_config, make_history, write_run
from matplotlib.image import imread

from nnexp.analysis.report import build_report, write_report
from nnexp.analysis.select import select_runs
from nnexp.errors import RunError
from nnexp.plots import figure_bytes, make_confusion

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def external_references(text: str) -> list[str]:
    """Anything a browser would fetch or follow: URLs, non-data src/href, CSS url()."""
    found = re.findall(r"(?i)https?:|ftp:|//[a-z0-9.-]+\.[a-z]{2,}/", text)
    found += [
        m
        for m in re.findall(r'(?i)\b(?:src|href)\s*=\s*"([^"]*)"', text)
        if not m.startswith("data:")
    ]
    found += re.findall(r"(?i)url\(|@import|<link\b|<script\b|<iframe\b", text)
    return found


def embedded_pngs(text: str) -> list[bytes]:
    return [
        base64.b64decode(m)
        for m in re.findall(r'src="data:image/png;base64,([^"]+)"', text)
    ]


def test_a_sweep_report_has_every_section_and_no_external_reference(sweep2d):
    text = build_report(select_runs([sweep2d]))
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert external_references(text) == []
    for heading in (
        "Settings that differ",
        "Comparison",
        "Replicates",
        "Learning curves",
        "Sweep summary",
        "Confusion matrices",
    ):
        assert f"<h2>{heading}</h2>" in text
    assert "<h1>Sweep act_opt</h1>" in text
    images = embedded_pngs(text)
    assert len(images) == 2  # grouped curves and heatmap (18 runs: no overlay of all)
    assert all(data.startswith(PNG_SIGNATURE) for data in images)
    assert "model.activation.name" in text and "relu (×6)" in text
    # the replicate table compares the groups with the paired test
    assert "paired t-test of each group against the best" in text


def test_the_comparison_highlights_the_best_value(runs_dir):
    text = build_report(select_runs([runs_dir]))
    best = re.findall(r'<td class="num best">([^<]+)</td>', text)
    assert best, "no highlighted cell"
    rows = select_runs([runs_dir]).runs
    top = max(float(r.history["val_accuracy"].iloc[-1]) for r in rows)
    assert f"{100 * top:.2f}" in best


def test_a_run_confusion_png_is_embedded_as_is(runs_dir):
    run = sorted(runs_dir.iterdir())[0]
    (run / "plots").mkdir()
    data = figure_bytes(make_confusion(np.array([0, 1, 2, 2]), np.array([0, 1, 1, 2])))
    (run / "plots" / "confusion.png").write_bytes(data)
    text = build_report(select_runs([runs_dir]))
    assert base64.b64encode(data).decode() in text
    # the two runs without plots or model.npz are named in a note, not left silently out
    assert text.count("no model.npz to predict with (it is completed)") == 2


def test_text_from_the_runs_is_escaped(tmp_path, rng):
    config = make_config(description="x", tags=["<script>alert(1)</script>"])
    write_run(tmp_path / "a", config, make_history(rng))
    write_run(tmp_path / "b", make_config(), make_history(rng))
    text = build_report(select_runs([tmp_path]))
    assert "<script>" not in text and "&lt;script&gt;" in text


def test_a_regression_report_has_no_confusion_section(regression_run):
    text = build_report(select_runs([regression_run]), title="Fit of sin & cos")
    assert "<h1>Fit of sin &amp; cos</h1>" in text and "Confusion" not in text
    assert "final val mse" in text and "test max |error|" in text


def test_write_report_needs_an_existing_folder(tmp_path):
    with pytest.raises(RunError, match="the folder .*missing does not exist"):
        write_report("<html></html>", tmp_path / "missing" / "report.html")
    assert (
        write_report("<html></html>", tmp_path / "r.html").read_text()
        == "<html></html>"
    )


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="needs a chromium browser")
def test_the_report_renders_in_a_headless_browser(sweep2d, tmp_path):
    page = write_report(build_report(select_runs([sweep2d])), tmp_path / "report.html")
    shot = tmp_path / "shot.png"
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--screenshot={shot}",
        "--window-size=1280,2000",
        page.resolve().as_uri(),
    ]
    subprocess.run(command, check=False, timeout=60, capture_output=True)
    assert shot.is_file() and shot.stat().st_size > 10_000
    pixels = imread(shot)[..., :3]
    assert pixels.shape[:2] == (2000, 1280)
    assert pixels.std() > 0.05  # not a blank page: text, tables and figures
    dark = (pixels.mean(axis=2) < 0.5).mean()
    assert 0.005 < dark < 0.5  # some ink, not a black or error page


def test_a_regression_fit_drawn_by_the_run_is_embedded(regression_run):
    (regression_run / "plots").mkdir()
    data = figure_bytes(make_confusion(np.array([0, 1]), np.array([0, 1])))  # any PNG
    (regression_run / "plots" / "fit.png").write_bytes(data)
    text = build_report(select_runs([regression_run]))
    assert "<h2>Fits</h2>" in text and base64.b64encode(data).decode() in text


def test_a_single_run_report_shows_its_whole_spec(runs_dir):
    run = sorted(runs_dir.iterdir())[0]
    text = build_report(select_runs([run]))
    assert "<h1>Run run0</h1>" in text and "<h2>Settings</h2>" in text
    assert "optimizer.lr" in text and "<details>" not in text
    assert "Replicates" not in text and "Sweep summary" not in text


def _wide_runs(root, rng):
    """Four runs differing in nine settings, written to a long runs_dir (a path with
    no space to wrap at), one of them leaky_relu next to elu (defaults alpha)."""
    long_dir = "/home/student/" + "/".join(["course-experiments-2026"] * 6)
    settings = [
        ("relu", "sgd", 0.01, 16, 0.0, [8], 0),
        ("tanh", "adam", 0.1, 64, 0.001, [32, 32], 1),
        ({"name": "leaky_relu", "alpha": 0.01}, "sgd", 0.1, 16, 0.001, [8], 2),
        ({"name": "elu", "alpha": 1.0}, "adam", 0.01, 64, 0.0, [32, 32], 3),
    ]
    for i, (act, opt, lr, batch, lam, hidden, seed) in enumerate(settings):
        activation = act if isinstance(act, dict) else {"name": act}
        config = make_config(
            model__activation=activation,
            model__hidden=hidden,
            optimizer={"name": opt, "lr": lr, "momentum": 0.9 * (i % 2)},
            model__dropout=0.1 * (i // 2),
            training__batch_size=batch,
            regularizer__lam=lam,
            seed=seed,
            output__runs_dir=long_dir,
        )
        write_run(
            root / f"2026-01-01_00-00-0{i}_a_rather_long_experiment_name_{i}",
            config,
            make_history(rng),
            test={"loss": 0.2, "accuracy": 0.9},
        )
    return root


def test_a_parameter_of_one_component_is_not_a_setting_that_differs(tmp_path, rng):
    text = build_report(select_runs([_wide_runs(tmp_path / "runs", rng)]))
    differ = text.split("<h2>Settings that differ</h2>")[1].split("<details>")[0]
    assert "model.activation.name" in differ and "activation.alpha" not in differ


@pytest.mark.skipif(CHROMIUM is None, reason="needs a chromium browser")
def test_every_table_fits_a_1400_pixel_window(tmp_path, rng):
    """Measured by the browser: no table wider than its box, the page no wider than
    the window (a probe script is added to a copy of the report; the report itself
    has none)."""
    text = build_report(select_runs([_wide_runs(tmp_path / "runs", rng)]))
    probe = (
        "<script>window.onload = function () { var out = [document.documentElement"
        ".scrollWidth + ' ' + document.documentElement.clientWidth];"
        "document.querySelectorAll('details').forEach(function (d) { d.open = true; });"
        "document.querySelectorAll('table').forEach(function (t) {"
        "out.push(t.scrollWidth + ' ' + t.parentElement.clientWidth); });"
        "var p = document.createElement('pre'); p.id = 'probe';"
        "p.textContent = out.join(';'); document.body.appendChild(p); };</script>"
    )
    page = tmp_path / "probe.html"
    page.write_text(text.replace("</body>", probe + "</body>"))
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1400,1000",
        "--virtual-time-budget=5000",
        "--dump-dom",
        page.resolve().as_uri(),
    ]
    done = subprocess.run(command, timeout=120, capture_output=True, text=True)
    found = re.search(r'<pre id="probe">([^<]*)</pre>', done.stdout)
    assert found, done.stderr[-2000:]
    widths = [tuple(map(int, pair.split())) for pair in found.group(1).split(";")]
    (page_width, window), *tables = widths
    assert page_width <= window
    assert len(tables) >= 4
    for needed, room in tables:
        assert needed <= room
