"""Output width in pipes: long lines by default, COLUMNS when the user sets it."""

from __future__ import annotations

import os
import subprocess
import sys

from cli_helpers import QUICKSTART, small

import nnexp


def _runs(tmp_path, columns):
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    if columns:
        env["COLUMNS"] = columns
    return subprocess.run(
        [sys.executable, "-m", "nnexp", "runs", "--runs-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_a_pipe_takes_its_width_from_columns(tmp_path):
    for lr in ("0.1", "0.05"):
        nnexp.run(QUICKSTART, small(f"optimizer.lr={lr}"), runs_dir=tmp_path)
    narrow = _runs(tmp_path, "100")
    assert narrow.returncode == 0, narrow.stderr
    assert max(map(len, narrow.stdout.splitlines())) <= 100
    wide = _runs(tmp_path, None)
    assert max(map(len, wide.stdout.splitlines())) > 100  # folders shown whole
