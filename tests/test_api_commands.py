"""One front door: every command is one function of :mod:`nnexp.api`, and ``import
nnexp`` offers it; the api imports a module only when one of its names is used."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import nnexp
import nnexp.api
from nnexp.cli.app import COMMANDS

ROOT = Path(__file__).resolve().parents[1]
CLI = ROOT / "nnexp" / "cli"

#: command → the api functions it calls (each reachable as ``nnexp.<name>``)
COMMAND_FUNCTIONS = {
    "train": ("train",),
    "list": ("components",),
    "check": ("check_activation",),
    "runs": ("list_runs",),
    "show": ("load_run",),
    "eval": ("evaluate",),
    "rerun": ("rerun", "check_rerun"),
    "sweep": ("run_sweep", "plan_sweep"),
    "plot": ("plot",),
    "compare": ("compare",),
    "report": ("report",),
    "gallery": ("activation_gallery",),
    "probe": ("probe",),
    "landscape": ("landscape",),
    "signal": ("signal_propagation",),
    "serve": ("dashboard",),
}


def api_names_used(path: Path) -> set[str]:
    """The api names a module imports (``from nnexp.api import x [as y]``) or uses
    as ``api.x``."""
    tree = ast.parse(path.read_text())
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "nnexp.api":
            used |= {alias.name for alias in node.names}
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "api"
        ):
            used.add(node.attr)
    return used


def test_every_command_calls_its_api_function_and_nnexp_offers_it():
    assert set(COMMAND_FUNCTIONS) == set(COMMANDS)  # a new command says its function
    for command, names in COMMAND_FUNCTIONS.items():
        used = api_names_used(CLI / f"{COMMANDS[command][0]}.py")
        for name in names:
            assert name in used, (command, name)
            assert name in nnexp.__all__ and name in dir(nnexp), name
            assert getattr(nnexp, name) is getattr(nnexp.api, name), name
            assert callable(getattr(nnexp, name)), name


def test_the_check_sees_a_command_that_bypasses_the_api(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from nnexp.sweep.runner import run as run_sweep\n")
    assert "run_sweep" not in api_names_used(bad)
    good = tmp_path / "good.py"
    good.write_text("from nnexp import api\n\ndef f():\n    return api.train()\n")
    assert api_names_used(good) == {"train"}


def test_the_api_table_names_what_each_module_holds():
    declared = {name for names in nnexp.api.MODULES.values() for name in names}
    modules = {m.name for m in pkgutil.iter_modules(nnexp.api.__path__)}
    assert modules == set(nnexp.api.MODULES)  # a new module is in the table
    for module, names in nnexp.api.MODULES.items():
        held = importlib.import_module(f"nnexp.api.{module}")
        assert sorted(held.__all__) == sorted(names), module
        for name in names:
            assert getattr(nnexp.api, name) is getattr(held, name)
    assert set(nnexp.api.ACTIONS) <= declared
    assert len(declared) == sum(map(len, nnexp.api.MODULES.values()))  # no name twice


def test_no_public_name_is_hidden_by_a_module_of_the_same_name():
    """``nnexp.rerun`` must stay the function: a module ``nnexp/rerun.py`` would
    replace it as soon as anything imported that module."""
    top = {m.name for m in pkgutil.iter_modules(nnexp.__path__)}
    inner = {m.name for m in pkgutil.iter_modules(nnexp.api.__path__)}
    assert top & set(nnexp.api.ACTIONS) == set()
    assert inner & set(nnexp.api.MODULES["training"]) == set()
    assert inner & {n for names in nnexp.api.MODULES.values() for n in names} == set()


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'trian'"):
        _ = nnexp.trian
    with pytest.raises(AttributeError, match="no attribute 'trian'"):
        _ = nnexp.api.trian


def _modules_after(code: str) -> set[str]:
    """The top-level packages imported by ``code`` in a fresh interpreter."""
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


HEAVY = {"pandas", "yaml", "pydantic", "matplotlib", "scipy"}


def test_the_engine_and_the_package_need_only_numpy():
    engine = _modules_after("from nnexp.engine.network import build_network")
    assert "numpy" in engine and engine & HEAVY == set()
    assert _modules_after("import nnexp") & (HEAVY | {"numpy"}) == set()


def test_a_command_imports_only_the_api_module_it_uses():
    """``nnexp list`` reads registries only: no pandas, no matplotlib, no specs."""
    assert _modules_after("import nnexp.cli.list_cmd") & HEAVY == set()
    assert "matplotlib" not in _modules_after("import nnexp.cli.show")


def test_train_and_its_help_load_pandas_only_for_a_table():
    """``nnexp train --help`` and the modules a training imports load no pandas (the
    run reader loads it when a table is read), matplotlib or scipy."""
    help_text = (
        "import contextlib, io, sys\n"
        "from nnexp.cli.app import main\n"
        "sys.argv = ['nnexp', 'train', '--help']\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    main()\n"
        "import nnexp.cli.train"
    )
    loaded = _modules_after(help_text)
    assert "typer" in loaded and loaded & {"pandas", "matplotlib", "scipy"} == set()
    loaded = _modules_after(
        "import nnexp.runner.train, nnexp.runner.rerun, nnexp.runner.population,"
        " nnexp.training.history, nnexp.runs.reader"
    )
    assert "numpy" in loaded and loaded & {"pandas", "matplotlib", "scipy"} == set()
    table = "from nnexp.training.history import History\nHistory('regression', 1).to_frame()"
    assert "pandas" in _modules_after(table)


def test_train_population_returns_one_run_per_spec(tmp_path):
    from nnexp.runner.population import train_population

    assert nnexp.train_population is train_population
    spec = {
        "dataset": {"name": "blobs", "n": 60},
        "model": {"hidden": [4], "output_activation": "softmax"},
        "loss": "cross_entropy",
        "optimizer": {"name": "sgd", "lr": 0.1},
        "training": {"epochs": 2, "batch_size": 8},
        "output": {"plots": False},
    }
    specs = [
        {**spec, "name": f"lr{i}", "optimizer": {"name": "sgd", "lr": lr}}
        for i, lr in enumerate([0.1, 0.2, 0.05])
    ]
    runs = nnexp.train_population(specs, runs_dir=tmp_path)
    assert [r.record.name for r in runs] == ["lr0", "lr1", "lr2"]
    assert [r.record.status for r in runs] == ["completed"] * 3
    assert len({r.path for r in runs}) == 3 and all(len(r.history) == 2 for r in runs)
    alone = nnexp.train(specs[1], runs_dir=tmp_path / "alone")
    assert list(alone.history["train_loss"]) == list(runs[1].history["train_loss"])
