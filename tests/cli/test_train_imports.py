"""``nnexp train`` loads only what it uses: its help and the modules it imports
before training do not load pandas (which the run reader loads when it reads a
table), matplotlib or scipy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = {"pandas", "matplotlib", "scipy"}


def _modules_after(code: str) -> set[str]:
    """The top-level packages a fresh interpreter has loaded after ``code``."""
    script = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
        check=True,
    )
    return {name.split(".")[0] for name in result.stdout.split()}


def test_train_help_loads_no_pandas():
    help_text = (
        "import contextlib, io, sys\n"
        "from nnexp.cli.app import main\n"
        "sys.argv = ['nnexp', 'train', '--help']\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    main()\n"
        "import nnexp.cli.train"
    )
    loaded = _modules_after(help_text)
    assert "nnexp" in loaded and "typer" in loaded  # the command did load
    assert loaded & HEAVY == set()


def test_the_training_modules_load_pandas_only_for_a_table():
    loaded = _modules_after(
        "import nnexp.runner.train, nnexp.runner.rerun, nnexp.runner.population,"
        " nnexp.training.history, nnexp.runs.reader"
    )
    assert "numpy" in loaded and loaded & HEAVY == set()
    table = _modules_after(
        "from nnexp.training.history import History\nHistory('regression', 1).to_frame()"
    )
    assert "pandas" in table
