"""A failure inside training (here a plugin whose forward raises): exit 1, one
paragraph naming the error and the run folder, no traceback unless --debug, and a
run folder that says failed."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import QUICKSTART, run_module, small

PLUGIN = """
class Boom:
    def forward(self, z):
        raise RuntimeError("boom in forward")

    def derivative(self, z, a):
        return z
"""


def test_a_plugin_that_raises_fails_the_run_cleanly(tmp_path: Path):
    (tmp_path / "boom.py").write_text(PLUGIN)
    # check: false, or the plugin check refuses Boom before it can train
    boom = f"model.activation={{name: {tmp_path}/boom.py:Boom, check: false}}"
    args = ["train", QUICKSTART, *small(), boom, "--runs-dir", tmp_path / "runs"]
    proc = run_module(args, cwd=tmp_path)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "RuntimeError: boom in forward" in proc.stderr
    (folder,) = (tmp_path / "runs").iterdir()
    assert str(folder) in proc.stderr
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "failed" and "boom in forward" in summary["error"]
    assert summary["epochs"] == 0

    debug = run_module(["--debug", *args], cwd=tmp_path)
    assert debug.returncode == 1 and "Traceback" in debug.stderr
