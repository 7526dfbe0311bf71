"""The pages in a real headless Chromium against a server on 127.0.0.1: the runs
table, a run, a comparison and a sweep draw (Plotly traces with points, figures
loaded), and a run being trained by ``nnexp train`` in another process, and a sweep
being run by ``nnexp sweep``, fill in while the page is open.  Waits have generous
bounds; nothing is timed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from live import CHARTS_DRAWN, chromium, missing_browser, served, wait_for

pytestmark = pytest.mark.skipif(
    missing_browser() is not None, reason=missing_browser() or ""
)
ROOT = Path(__file__).resolve().parents[2]
#: a run that goes on for minutes (the test stops it): 800 blobs steps per epoch
SLOW_SPEC = """\
name: slow
seed: 0
dataset: {name: blobs, n: 16000, validation: 0.2}
model:
  hidden: [32]
  activation: tanh
  output_activation: softmax
loss: cross_entropy
optimizer: {name: sgd, lr: 0.05}
training: {epochs: %d, batch_size: 16}
output: {plots: false}
"""
#: how many bands, lines and drawn paths the compare page's charts hold
BANDS = """
const charts = [...document.querySelectorAll('#compare-charts .js-plotly-plot')];
return charts.map(c => c.data.filter(t => t.fill === 'tonexty').length);
"""
LONGEST_PATH = """
return Math.max(0, ...[...document.querySelectorAll('.scatterlayer .trace path.js-line')]
  .map(p => (p.getAttribute('d') || '').length));
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as driver:
        yield driver


def shoot(driver: Any, folder: Path, name: str) -> Path:
    """A screenshot of the whole page (the window grown to its height)."""
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1400, min(max(height + 120, 800), 4000))
    path = folder / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(1400, 1000)
    assert path.stat().st_size > 10_000  # a page, not a blank
    return path


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}


def test_every_page_draws(browser, real_sweep, tmp_path):
    root = real_sweep.parent
    sweep_id = real_sweep.name
    cells = sorted(
        p.name for p in real_sweep.iterdir() if (p / "summary.json").is_file()
    )
    with served(root) as base:
        browser.get(base + "/")
        wait_for(
            browser,
            "return document.querySelectorAll('#runs-table tbody tr').length === 4",
        )
        progress = wait_for(
            browser,
            "return document.querySelector('.sweeps td:last-child')?.textContent",
        )
        assert progress == "4 completed of 4"
        names = browser.execute_script(
            "return [...document.querySelectorAll('#runs-table tbody tr td:nth-child(2)')].map(t => t.textContent)"
        )
        assert sorted(names) == [f"act/{c}" for c in cells]
        boxes = browser.find_elements(
            "css selector", "#runs-table tbody input[type=checkbox]"
        )
        boxes[0].click()
        boxes[1].click()
        browser.find_element("xpath", "//button[text()='compare selected']").click()
        wait_for(browser, "return location.pathname === '/compare'")
        assert browser.current_url.count("run=") == 2  # the selection is in the address
        assert wait_for(browser, CHARTS_DRAWN) >= 2
        shoot(browser, tmp_path, "runs_compare_two")

        browser.get(f"{base}/run/{sweep_id}/{cells[0]}")
        assert wait_for(browser, CHARTS_DRAWN) >= 3  # loss, accuracy, per-layer panels
        assert browser.find_element("id", "epochs").text == "3"
        assert (
            wait_for(browser, LONGEST_PATH) > 20
        )  # lines with points, not empty paths
        assert "activation: relu" in browser.find_element("id", "config").text
        wait_for(
            browser,
            "return [...document.images].length > 0 && [...document.images].every(i => i.complete && i.naturalWidth > 0)",
        )
        shoot(browser, tmp_path, "run")

        browser.get(f"{base}/compare?sweep={sweep_id}&smooth=2")
        assert wait_for(browser, CHARTS_DRAWN) >= 4
        assert all(n == 2 for n in browser.execute_script(BANDS))  # a band per group
        headers = browser.execute_script(
            "return [...document.querySelectorAll('th')].map(t => t.textContent)"
        )
        assert {"ci95_low", "ci95_high", "p", "pairs"} <= set(headers)
        shoot(browser, tmp_path, "compare")

        browser.get(f"{base}/sweep/{sweep_id}")
        wait_for(
            browser,
            "return document.getElementById('progress')?.textContent === '4 completed of 4'",
        )
        wait_for(
            browser,
            "return [...document.images].length >= 2 && [...document.images].every(i => i.complete && i.naturalWidth > 0)",
        )
        shoot(browser, tmp_path, "sweep")


def first_epoch(root: Path, timeout: float = 180.0) -> Path:
    """The run folder under ``root`` once its metrics.csv has an epoch."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for metrics in root.glob("*/metrics.csv"):
            if len(metrics.read_text().splitlines()) >= 2:
                return metrics.parent
        time.sleep(0.2)
    raise TimeoutError(f"no run under {root} recorded an epoch")


def test_a_run_being_trained_shows_new_epochs_on_its_page(browser, tmp_path):
    spec = tmp_path / "slow.yaml"
    spec.write_text(SLOW_SPEC % 100_000)
    root = tmp_path / "runs"
    train = subprocess.Popen(
        [sys.executable, "-m", "nnexp", "train", str(spec), "--runs-dir", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env(),
    )
    try:
        folder = first_epoch(root)
        with served(root) as base:
            browser.get(f"{base}/")
            wait_for(browser, "return document.querySelector('#runs-table .s-running')")
            browser.get(f"{base}/run/{folder.name}")
            wait_for(browser, CHARTS_DRAWN)
            seen = int(
                wait_for(
                    browser, "return document.getElementById('epochs')?.dataset.epochs"
                )
            )
            points = browser.execute_script(
                "return document.querySelector('#charts .js-plotly-plot').data[0].x.length"
            )
            later = int(
                wait_for(
                    browser,
                    f"const e = document.getElementById('epochs'); return e && +e.dataset.epochs > {seen} && e.dataset.epochs",
                    timeout=180,
                )
            )
            assert later > seen >= 1
            drawn = browser.execute_script(
                "return document.querySelector('#charts .js-plotly-plot').data[0].x.length"
            )
            assert drawn > points  # the chart grew too, without a reload
            shoot(browser, tmp_path, "run_live")
    finally:
        train.terminate()
        train.wait(timeout=60)


def test_a_sweep_started_elsewhere_fills_in_on_its_page(browser, tmp_path):
    spec = tmp_path / "slow.yaml"
    spec.write_text(SLOW_SPEC % 25)
    root = tmp_path / "runs"
    root.mkdir()
    sweep = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nnexp",
            "sweep",
            str(spec),
            "--grid",
            "model.activation=relu,tanh",
            "--seeds",
            "2",
            "-j",
            "1",
            "--no-population",
            "--runs-dir",
            str(root),
            "--name",
            "live",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env(),
    )
    try:
        with served(root) as base:
            browser.get(f"{base}/")
            link = wait_for(
                browser,
                "return document.querySelector('.sweeps a')?.getAttribute('href')",
                timeout=180,
            )
            browser.get(base + link)
            seen = set()
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                text = browser.execute_script(
                    "return document.getElementById('progress')?.textContent"
                )
                if text:
                    seen.add(text)
                if text == "4 completed of 4":
                    break
                time.sleep(0.3)
            assert "4 completed of 4" in seen
            assert len(seen) >= 2, seen  # it changed while the page was open
            assert any("running" in s for s in seen), seen
            wait_for(
                browser,
                "return [...document.images].length >= 1 && [...document.images].every(i => i.complete && i.naturalWidth > 0)",
            )
            shoot(browser, tmp_path, "sweep_live")
        assert sweep.wait(timeout=300) == 0, sweep.stderr.read() if sweep.stderr else ""
    finally:
        if sweep.poll() is None:
            sweep.terminate()
            sweep.wait(timeout=60)
