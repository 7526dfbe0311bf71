"""One run folder: find it from what a user types, read it, rebuild its network.

::

    import nnexp
    folder = nnexp.find_run("quickstart")      # the latest run whose name matches
    run = nnexp.load_run(folder)               # config, summary, history DataFrame
    network = nnexp.load_trained(folder)       # config.yaml + model.npz
    nnexp.run_findings(run)                    # what its diagnostics mean, in words
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nnexp.errors import RunError
from nnexp.runner.trained import load_trained
from nnexp.runs.find import STAMP, find_run, run_date
from nnexp.runs.reader import Run, load_run
from nnexp.training.findings import Thresholds, findings

__all__ = [
    "FINDING_THRESHOLDS",
    "STAMP",
    "Run",
    "find_run",
    "load_run",
    "load_trained",
    "run_date",
    "run_findings",
]

#: the finding thresholds' names, with their defaults
FINDING_THRESHOLDS: dict[str, Any] = {
    name: getattr(Thresholds(), name) for name in Thresholds.names()
}


def run_findings(
    run: Run, thresholds: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The findings of ``run`` (dicts with rule, layer, epoch, message, evidence).

    Without ``thresholds`` they are those summary.json keeps; a folder written before
    nnexp kept findings, or ``thresholds`` given (names of
    :data:`FINDING_THRESHOLDS`, over the spec's ``output.findings``), computes them
    from metrics.csv.  RunError for an unknown name or a bad value.
    """
    kept = run.record.findings
    if not thresholds and kept is not None:
        return list(kept)
    own = {}
    if run.paths.config.is_file():
        own = dict(run.config.get("output", {}).get("findings", {}) or {})
    try:
        chosen = Thresholds().with_values({**own, **(thresholds or {})})
    except ValueError as err:
        raise RunError(str(err)) from None
    return [f.to_dict() for f in findings(run.history, chosen)]
