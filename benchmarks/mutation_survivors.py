"""Tally a mutmut run and sort its surviving mutants into kinds (for MUTATION.md).

Run from the repository root after ``make mutate`` (or a partial ``mutmut run``):

    python benchmarks/mutation_survivors.py            # counts and the survivors by kind
    python benchmarks/mutation_survivors.py --list     # and every survivor's diff line

Kinds, from the mutant's diff alone (one changed line each):
  text       only a string literal changes ("XX…XX", upper/lower case): message and
             label text, or a dictionary key nothing reads back in the unit tests
  dtype      a ``dtype=``/``astype``/``strict=``/``copy=`` argument dropped or None,
             where NumPy's default is the same (float64, copy) - usually equivalent
  constant   only a number changes (sample counts, ranges, step sizes of the checks)
  logic      anything else: an operator, a condition, a call - a real gap or an
             equivalent mutant to be explained one by one
"""

from __future__ import annotations

import ast
import difflib
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path


def mutmut(*args: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "mutmut", *args], capture_output=True, text=True
    ).stdout


def statuses() -> dict[str, str]:
    out = {}
    for line in mutmut("results", "--all", "true").splitlines():
        name, _, status = line.strip().partition(": ")
        if name:
            out[name] = status.strip()
    return out


_SOURCES: dict[str, dict[str, list[str]]] = {}


def _functions(module: str) -> dict[str, list[str]]:
    """Every function of a mutated module (mutmut writes them to ``mutants/``)."""
    if module not in _SOURCES:
        base = Path("mutants", *module.split("."))
        path = (
            base.with_suffix(".py")
            if base.with_suffix(".py").exists()
            else base / "__init__.py"
        )
        source = path.read_text()
        lines = source.splitlines()
        found = {}
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                # the body (the names differ), by line numbers: get_source_segment
                # is slow on files of thousands of mutants
                found[node.name] = lines[node.lineno : node.end_lineno]
        _SOURCES[module] = found
    return _SOURCES[module]


def diff_lines(name: str) -> tuple[list[str], list[str]]:
    """The original and mutated lines of mutant ``name``."""
    parts = name.split(".")
    i = next(k for k, part in enumerate(parts) if part.startswith(("x_", "xǁ")))
    module, function = ".".join(parts[:i]), ".".join(parts[i:])
    functions = _functions(module)
    orig = functions.get(function.rsplit("__mutmut_", 1)[0] + "__mutmut_orig", [])
    mutant = functions.get(function, [])
    minus, plus = [], []
    for line in difflib.ndiff(orig, mutant):
        if line.startswith("- "):
            minus.append(line[2:])
        elif line.startswith("+ "):
            plus.append(line[2:])
    return minus, plus


STRING = re.compile(r"(['\"])(.*?)\1")
NUMBER = re.compile(r"(?<![\w.])\d+\.?\d*(?:e-?\d+)?")
DTYPE = re.compile(r"dtype=|astype\(|strict=|copy=|np\.float64|float\)")


def kind(minus: list[str], plus: list[str]) -> str:
    a, b = " ".join(minus), " ".join(plus)
    if STRING.sub("S", a) == STRING.sub("S", b):
        return "text"
    if NUMBER.sub("N", a) == NUMBER.sub("N", b):
        return "constant"
    if DTYPE.search(a) and (not DTYPE.search(b) or "None" in b):
        return "dtype"
    return "logic"


def main() -> None:
    status = statuses()
    counts = Counter(status.values())
    checked = sum(n for s, n in counts.items() if s != "not checked")
    killed = counts.get("killed", 0)
    print(f"mutants {len(status)}, checked {checked}: " + ", ".join(
        f"{s} {n}" for s, n in counts.most_common()
    ))  # fmt: skip
    if checked:
        print(f"score {killed}/{checked} = {killed / checked:.1%} of the checked")
    survivors = [n for n, s in status.items() if s in ("survived", "no tests")]
    by_kind: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for name in survivors:
        minus, plus = diff_lines(name)
        line = (plus[0] if plus else "(deleted) " + (minus[0] if minus else "")).strip()
        by_kind[kind(minus, plus)].append((name, line))
    for k, items in sorted(by_kind.items()):
        functions = Counter(n.rsplit("__mutmut_", 1)[0] for n, _ in items)
        print(f"\n{k}: {len(items)}")
        for function, n in functions.most_common():
            print(f"  {n:4d}  {function}")
        if "--list" in sys.argv:
            for name, line in items:
                print(f"        {name}: {line}")


if __name__ == "__main__":
    main()
