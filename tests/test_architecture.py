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
    "api": LOW | {"spec", "training", "plots", "runs", "build"},
    "analysis": LOW | {"spec", "training", "plots", "runs"},
    # sweep figures use the one label rule, which lives in analysis/labels.py
    "sweep": LOW | {"spec", "training", "plots", "runs", "build", "api", "analysis"},
    "teaching": LOW | {"spec", "plots", "runs"},
}
#: modules at the top of the package that belong to a floor
MODULE_FLOORS = {"continuation": "api", "rerun": "api", "evaluate_run": "api"}


def floor(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1].startswith("__"):  # nnexp, nnexp.__version__
        return "init"
    return MODULE_FLOORS.get(parts[1], parts[1])


def module_level_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in tree.body:
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
