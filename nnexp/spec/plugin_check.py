"""The finite-difference check a plugin activation passes when a spec first loads it.

``nnexp check`` is the full table a user asks for; this is the same check, run on
every plugin activation (``file.py:Class`` or ``package.module:Class``) before it can
train, in float64 and float32 (a millisecond or two).  Reports are cached per plugin
and parameters for the life of the process, so a sweep, which validates its spec once
per cell, checks each distinct plugin setting once.  Built-ins are not checked here:
the test suite checks them.

A component with ``check: false`` skips it; the resolved ``config.yaml`` keeps that
key, so a rerun skips it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nnexp.engine.gradcheck import ActivationReport, check_activation, report_lines

DTYPES = ("float64", "float32")
_REPORTS: dict[tuple[str, type, str], ActivationReport | None] = {}


def failed_check(
    ref: str, params: Mapping[str, Any], act: Any
) -> ActivationReport | None:
    """The first failing report of the built plugin ``act`` (``ref`` with ``params``),
    float64 first; None when it passes in both dtypes.  Cached per (ref, params) and
    class object, so a plugin file imported again after an edit is checked again."""
    key = (ref, type(act), repr(sorted(params.items())))
    if key not in _REPORTS:
        _REPORTS[key] = _first_failure(act, ref.rpartition(":")[2] or ref)
    return _REPORTS[key]


def _first_failure(act: Any, name: str) -> ActivationReport | None:
    for dtype in DTYPES:
        report = check_activation(act, dtype=dtype, name=name)
        if not report.passed:
            return report
    return None


def refusal(given: str, report: ActivationReport) -> str:
    """The error for a plugin that failed: the report's rows and the two ways out."""
    rows = "\n".join("    " + line.rstrip() for line in report_lines(report))
    return (
        f"the plugin activation {given} failed the derivative check that every plugin"
        f" passes before it trains ({len(report.failures)} of {len(report.rows)}"
        f" rows failed in {report.dtype}):\n{rows}\n"
        f"Fix the plugin (nnexp check '{given}' shows the same table), or, if"
        " you are sure it is right and the check misjudges it, skip the check with"
        f" check: false on the component, e.g. {{name: {given}, check: false}}."
    )
