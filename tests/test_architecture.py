"""The floors of docs/architecture.md, enforced: a module imports (at module level)
only the floors below its own. A lazy import inside a function is the documented
exception and is not counted."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "nnexp"
BASE = {"errors", "types", "init"}  # init: nnexp/__init__.py (the version)
LOW = BASE | {"registry", "engine", "data"}
#: floor → the floors it may import (its own always)
ALLOWED = {
    "errors": {"init"},
    "types": {"init"},
    "registry": BASE,
    "engine": BASE | {"registry"},
    "data": LOW,
    "spec": LOW,
    "training": BASE | {"registry", "engine"},
    "plots": BASE,
    "build": LOW | {"spec", "training", "runs"},  # runs: it reads a weights file
    "runs": LOW | {"spec", "training", "plots"},
    "runner": LOW | {"spec", "training", "runs", "build"},
    "analysis": LOW | {"spec", "training", "plots", "runs"},
    # sweep figures use the one label rule, which lives in analysis/labels.py
    "sweep": LOW | {"spec", "training", "plots", "runs", "build", "runner", "analysis"},
    "teaching": LOW | {"spec", "plots", "runs"},
    "signal": LOW | {"spec", "plots", "runs"},
    # the dashboard reads runs, comparisons, sweeps and figures; it trains nothing
    "serve": LOW | {"spec", "training", "plots", "runs", "analysis", "sweep"},
    "api": LOW
    | {"spec", "training", "plots", "runs", "build", "runner", "analysis", "sweep"}
    | {"teaching", "signal", "serve"},
}
#: what the command line may import: the front door, its own helpers, the errors
CLI_MAY_IMPORT = {"api", "cli", "errors", "init"}


def floor(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1].startswith("__"):  # nnexp, nnexp.__version__
        return "init"
    return parts[1]


def module_level_imports(path: Path) -> list[str]:
    return _imports(ast.parse(path.read_text()).body)


def every_import(path: Path) -> list[str]:
    """Module-level and lazy imports (inside functions) alike."""
    return _imports(list(ast.walk(ast.parse(path.read_text()))))


def _imports(nodes: list[ast.AST]) -> list[str]:
    found = []
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "nnexp":
                found += [f"nnexp.{a.name}" for a in node.names]
            elif node.module.startswith("nnexp."):
                found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("nnexp.")]
    return found


def test_every_floor_imports_only_the_floors_below_it():
    wrong = []
    for path in sorted(ROOT.rglob("*.py")):
        module = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
        own = floor(module.removesuffix(".__init__"))
        if own in ("cli", "__main__", "init"):
            continue  # the command line may import everything
        for target in module_level_imports(path):
            other = floor(target)
            if other != own and other not in ALLOWED[own]:
                wrong.append(f"{path.relative_to(ROOT.parent)} imports {target}")
    assert wrong == []


def test_the_check_sees_an_upward_import(tmp_path):
    """A guard that cannot fail protects nothing: an engine module importing the
    spec floor is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("from nnexp.spec.models import RunSpec\n")
    (target,) = module_level_imports(bad)
    assert floor(target) == "spec" and "spec" not in ALLOWED["engine"]


def test_the_command_line_imports_only_the_front_door():
    """Every ``nnexp/cli`` module (lazy imports included) reaches the library through
    :mod:`nnexp.api` only, besides its own helpers and the error classes."""
    wrong = [
        f"{path.relative_to(ROOT.parent)} imports {target}"
        for path in sorted((ROOT / "cli").glob("*.py"))
        for target in every_import(path)
        if floor(target) not in CLI_MAY_IMPORT
    ]
    assert wrong == []


def test_no_command_imports_another_command():
    """What two commands share lives in a helper module (``cli/render.py``,
    ``cli/options.py`` …) or in the api, never in one of the commands."""
    from nnexp.cli.app import COMMANDS

    commands = {f"nnexp.cli.{module}" for module, _ in COMMANDS.values()}
    wrong = [
        f"{module} imports {target}"
        for module in sorted(commands)
        for target in every_import(ROOT / "cli" / f"{module.rsplit('.', 1)[1]}.py")
        if target in commands and target != module
    ]
    assert wrong == []


def test_the_cli_check_sees_a_library_import(tmp_path):
    """A command importing the sweep floor directly, even lazily, is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from nnexp.sweep.runner import run\n")
    (target,) = every_import(bad)
    assert floor(target) == "sweep" and "sweep" not in CLI_MAY_IMPORT
