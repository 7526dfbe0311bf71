"""One run folder: find it from what a user types, read it, rebuild its network.

::

    import nnexp
    folder = nnexp.find_run("quickstart")      # the latest run whose name matches
    run = nnexp.load_run(folder)               # config, summary, history DataFrame
    network = nnexp.load_trained(folder)       # config.yaml + model.npz
"""

from __future__ import annotations

from nnexp.runner.trained import load_trained
from nnexp.runs.find import STAMP, find_run, run_date
from nnexp.runs.reader import Run, load_run

__all__ = ["STAMP", "Run", "find_run", "load_run", "load_trained", "run_date"]
