"""The front door: one typed function per user action, the same for the command line
and a notebook.

Every ``nnexp`` command parses its arguments, calls one of these functions and renders
what it returns; ``import nnexp`` offers the actions (:data:`ACTIONS`) as
``nnexp.<name>``.

========================  =====================================  ===================
command                   function                               module
========================  =====================================  ===================
``train``                 ``train`` (``run``), ``resume``,       ``training``
                          ``continue_run``
—                         ``train_population``                   ``training``
``eval``                  ``evaluate``                           ``training``
``rerun``                 ``rerun``, ``check_rerun``             ``training``
``show``                  ``load_run`` (``find_run``),           ``runs``
                          ``run_findings``
—                         ``load_trained``                       ``runs``
``runs``                  ``list_runs`` (``load_runs``,          ``analysis``
                          ``filter_runs``)
``compare``               ``compare`` (``select_runs``)          ``analysis``
``report``                ``report``                             ``analysis``
``plot``                  ``plot``                               ``analysis``
``sweep``                 ``run_sweep``, ``plan_sweep``          ``sweeps``
``probe``, ``landscape``  ``probe``, ``landscape``,              ``teaching``
                          ``landscape_runs``
``list``                  ``components``                         ``registries``
``check``                 ``check_activation``                   ``registries``
``gallery``               ``activation_gallery``                 ``figures``
``signal``                ``signal_propagation``                 ``signal``
``serve``                 ``dashboard`` (``dashboard_app``)      ``serve``
—                         ``build_network``, ``fit``             ``arrays``
========================  =====================================  ===================

Each module also holds the types and rendering helpers its commands need (``Run``,
``SweepResult``, ``display_frame`` …), so that the command line imports from here
only.  Names are imported on first use, one module at a time: ``nnexp list`` does not
import pandas or matplotlib.
"""

from __future__ import annotations

import importlib
from typing import Any

#: module of :mod:`nnexp.api` → the names it holds (its ``__all__``)
MODULES: dict[str, tuple[str, ...]] = {
    "training": (
        "EVAL_SPLITS",
        "Callback",
        "RerunCheck",
        "check_rerun",
        "continuation_spec",
        "continue_run",
        "dump_spec",
        "evaluate",
        "load_data",
        "prepare",
        "rerun",
        "resolve_spec",
        "resume",
        "run",
        "train",
        "train_population",
    ),
    "runs": (
        "FINDING_THRESHOLDS",
        "STAMP",
        "Run",
        "find_run",
        "load_run",
        "load_trained",
        "run_date",
        "run_findings",
    ),
    "analysis": (
        "EXPLOSION_RULE",
        "MANY_RUN_KINDS",
        "RUN_STATUSES",
        "Comparison",
        "FairComparison",
        "GroupStats",
        "Selection",
        "compare",
        "display_frame",
        "figure_kinds",
        "filter_runs",
        "header",
        "is_sweep_dir",
        "list_runs",
        "load_runs",
        "plot",
        "report",
        "select_runs",
        "to_csv",
        "to_markdown",
        "tune_option",
    ),
    "figures": (
        "activation_gallery",
        "check_output",
        "default_output",
        "safe_name",
        "save_figure",
    ),
    "sweeps": (
        "RUN_ACTIONS",
        "Planned",
        "SweepResult",
        "plan_sweep",
        "run_sweep",
        "slurm_scripts",
        "sweep_source",
    ),
    "teaching": (
        "DEFAULT_ACTIVATIONS",
        "LandscapeResult",
        "ProbeResult",
        "RunLandscape",
        "StudySettings",
        "landscape",
        "landscape_runs",
        "landscape_title",
        "probe",
        "start_label",
    ),
    "registries": (
        "COMPONENT_KINDS",
        "ActivationReport",
        "Entry",
        "Registry",
        "activation_family",
        "check_activation",
        "component_kind",
        "components",
        "error_text",
        "is_plugin_ref",
        "type_text",
    ),
    "specs": ("CHECK", "key_values", "spec_keys"),
    "arrays": ("build_network", "fit"),
    "signal": ("SignalResult", "signal_propagation"),
    "serve": (
        "DEFAULT_HOST",
        "DEFAULT_PORT",
        "ServerAddress",
        "dashboard",
        "dashboard_app",
    ),
}

#: the user actions: what ``import nnexp`` offers as ``nnexp.<name>``
ACTIONS: tuple[str, ...] = (
    "train",
    "train_population",
    "run",
    "resume",
    "continue_run",
    "rerun",
    "check_rerun",
    "evaluate",
    "find_run",
    "load_run",
    "load_trained",
    "run_findings",
    "load_runs",
    "list_runs",
    "filter_runs",
    "select_runs",
    "compare",
    "report",
    "plot",
    "run_sweep",
    "plan_sweep",
    "probe",
    "landscape",
    "landscape_runs",
    "components",
    "check_activation",
    "activation_gallery",
    "build_network",
    "fit",
    "signal_propagation",
    "dashboard",
)

_WHERE = {name: module for module, names in MODULES.items() for name in names}
__all__ = ["ACTIONS", "MODULES", *_WHERE]


def __dir__() -> list[str]:
    return sorted({*__all__, *(n for n in globals() if n.startswith("__"))})


def __getattr__(name: str) -> Any:
    """``nnexp.api.<name>``: imports the one module that holds it, on first use."""
    if name in _WHERE:
        return getattr(importlib.import_module(f"nnexp.api.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'nnexp.api' has no attribute {name!r}")
