"""Tally a mutmut run, sort its surviving mutants into kinds, and give each the reason
it survives (for MUTATION.md).

Run from the repository root after ``make mutate`` (or a partial ``mutmut run``):

    python benchmarks/mutation_survivors.py            # counts, kinds, reasons
    python benchmarks/mutation_survivors.py --list     # and every survivor's diff line

Kinds, from the mutant's diff alone (one changed line each):
  text       only a string literal changes ("XX…XX", upper/lower case): message and
             label text, or a dictionary key
  dtype      a ``dtype=``/``astype``/``strict=``/``copy=`` argument dropped or None,
             where NumPy's default is the same (float64, copy)
  constant   only a number changes (sample counts, ranges, step sizes of the checks)
  logic      anything else: an operator, a condition, a call

Reasons (``REASONS`` below): every survivor of the complete run is equivalent (no
input can tell it from the original) or cannot be activated by mutmut; each rule
names the function and the mutated line it covers and says why.  A survivor no rule
covers is printed under "UNEXPLAINED": a new test should kill it, or a rule (with
its reason, checked by hand) should be added here and to MUTATION.md.
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
                # by line numbers (get_source_segment is slow on files of thousands
                # of mutants); the def line without the name, which always differs
                first = re.sub(r"def \w+", "def f", lines[node.lineno - 1])
                found[node.name] = [first, *lines[node.lineno : node.end_lineno]]
        _SOURCES[module] = found
    return _SOURCES[module]


def split_name(name: str) -> tuple[str, str]:
    """``(module, function)`` of a mutant name, the function without its suffix."""
    parts = name.split(".")
    i = next(k for k, part in enumerate(parts) if part.startswith(("x_", "xǁ")))
    return ".".join(parts[:i]), ".".join(parts[i:]).rsplit("__mutmut_", 1)[0]


def diff_lines(name: str) -> tuple[list[str], list[str]]:
    """The original and mutated lines of mutant ``name``."""
    module, function = split_name(name)
    functions = _functions(module)
    orig = functions.get(function + "__mutmut_orig", [])
    mutant = functions.get(name.split(".")[-1], [])
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


# --- why each survivor survives ---------------------------------------------------------

# (reason, function pattern, mutated-line pattern): a survivor is covered by the first
# rule whose pattern matches its "module.function" (re.search) and whose line pattern
# matches its mutated lines, joined, followed by " << " and the original lines.  The
# specific rules come first, the ones about NumPy's defaults last.  Each was checked
# by hand against every survivor it covers.
_ANY = r"."
REASONS: list[tuple[str, str, str]] = [
    # --- cannot be switched on --------------------------------------------------------
    (
        "evaluated once when the class is defined, at import, before mutmut switches"
        " a mutant on; test_mutation_components checks repr, ==, hash and the"
        " constructor of L2",
        r"_scratch_field",
        _ANY,
    ),
    # --- code that cannot run differently ---------------------------------------------
    (
        "an empty sample never gets here: np.abs(d).max() raises first (MUTATION.md,"
        " findings)",
        r"_backprop_row",
        r"diff\.max\(initial=None\)",
    ),
    (
        "d of a chunk is never empty (a chunk has a row, a network an output)",
        r"x_evaluate",
        r"if \(?d\.size\)? or True|if d\.size else 1\.0",
    ),
    (
        "preds exists exactly when labels do; an extra preds for regression is never"
        " read, and labels predicted as floats compare equal to the integer ones",
        r"x_evaluate",
        r"labels is not None or preds|\(labels is not None\) or True"
        r"|preds = np\.empty\(n, (dtype=None)?\)",
    ),
    (
        "cache.a is None only for the fused last layer, where the condition holds",
        r"_mark_alive",
        r"\(pos == last and fused\) or True|pos == last or fused",
    ),
    (
        "the first layer's dX is computed and not used, or a name for a layer 0 or"
        " n+1 is never looked up: the same gradients",
        r"Network",
        r"need_dX=pos >= first|layer\.backward\(d, caches\[pos\], out=out\)"
        r"|range\(len\(self\.dense\) \+ 1\)|range\(1, len\(self\.dense\) \+ 2\)",
    ),
    (
        "an inactive regulariser (None, none, λ = 0) adds nothing and a penalty of 0",
        r"Trainer.__init__",
        r"is_active\(regularizer\)\) or True",
    ),
    (
        "evaluate() sets the same error state itself",
        r"Trainer._test_metrics",
        _ANY,
    ),
    (
        "the exception's own text is never read (the trainer reads .message)",
        r"_Stop.__init__",
        r"super\(\)\.__init__\(None\)",
    ),
    (
        "kinks None, () or missing (AttributeError, caught by check_activation) all"
        " mean no kink",
        r"gradcheck\.x__kinks",
        r"getattr\(act, \"kinks\", (None)?\)",
    ),
    (
        "a sentinel whose only use is to fail the check fg > 0",
        r"InitializerBase.sample",
        r"else -2\.0",
    ),
    # --- equal values -------------------------------------------------------------------
    (
        "bool(None) is False, like the default False",
        r"check_activation|Selu.derivative",
        r"getattr\(act, \"overflows\", None\)|right_at_zero=None",
    ),
    (
        "Family is a StrEnum: Family(str(member).lower()) is the member itself",
        r"family_of",
        r"and False",
    ),
    (
        "default_rng(generator) returns that generator",
        r"build_network",
        r"isinstance\(rng, np\.random\.Generator\)\) and False",
    ),
    (
        "copy.copy(None) is None",
        r"x_fit$",
        r"\(early is None\) and False",
    ),
    (
        "pandas 3 replaces inf by NaN in a float column either way, and sorts NaN"
        " last with or without fillna",
        r"best_epoch",
        r"replace\(.*, None\)|fillna\(None\)",
    ),
    (
        "a random sign s = ±1: −s·off and off/s are distributed as s·off",
        r"_region_points",
        r"kinks\[:, None\] - off|off / _signs",
    ),
    (
        "a tie between two computed floats (an error exactly on its bound, a point"
        " exactly 1e-3 from a kink): it does not happen in a check, and at the bound"
        " either verdict is right",
        r"gradcheck\.x__(compare|region_points|jumps_at_zero|backprop_row)",
        r"err < bound|>= floor|\) > gap\[|>= 1e-3 \* scale|diff >= bound",
    ),
    (
        "equal at the tie: at logit 0 both branches give ½; at y = 0, e = 1 ="
        " max(e, 1); at α = 1, max(z, z) = min(z, z); R's diagonal is never exactly"
        " 0; dividing or multiplying by ±1 is the same",
        _ANY,
        r"np\.where\(logits > 0|np\.maximum\(e, y > 0\)|self\.alpha < 1\.0"
        r"|np\.diag\(R\) <= 0|Q /= ",
    ),
    (
        "Loco at k|x| = 1 exactly: the two formulas differ by 1 ulp there",
        r"Loco.forward",
        r"near = y <= 1\.0",
    ),
    (
        "a clamp of a masked-out branch: min(z, 1) or min(y, 2) keeps it finite as"
        " min(z, 0) and min(y, 1) do, and the mask zeroes it; the fast path for"
        " right = 1 and the general path agree",
        r"_step_or_exp|Loco.forward",
        r"np\.minimum\(z, 1\)|np\.minimum\(y, 2\.0\)|right == 2\.0",
    ),
    (
        "Abs: where the clip bites, t ≥ √max/5 ≈ 2.7e153, and t/(√(t²+1)+1) and"
        " t/√(t²+1) are 1.0 in float64 whether t is clipped at √max/5 or √max/4",
        r"Abs._t",
        r"/ 5\.0",
    ),
    (
        "the 'finite' rule has no lower bound: any true value (1 or 2) lets it pass",
        r"_number",
        r"\.get\(rule, \(2, \"\"\)\)",
    ),
    (
        "max(1, big_p) follows, and 4e-6·max(2, |x|) < 1e-3 for |x| < 250: the same"
        " step and gap",
        r"directional_derivative|_region_points",
        r"initial=1\.0\)\) for n in direction|np\.maximum\(2\.0, np\.abs\(x\)\)",
    ),
    (
        "16 or 17 ulps: a backprop method is exact to a few ulps or wrong by far more",
        r"_backprop_row",
        r"17\.0 \* np\.finfo",
    ),
    (
        "text that cannot show: 'i' and 'u' are still in \"XXiuXX\"; no note starts"
        " or ends with X; every pairing allows one activation, so the separator of"
        " the allowed ones is never printed",
        _ANY,
        r"\"XXiuXX\"|strip\(\"XX; XX\"\)|join\(allowed\)|join\(acts\)",
    ),
    (
        "the same value spelled in capitals: float() reads NAN and INF, the"
        " registries ignore case, einsum reads IJ like ij",
        _ANY,
        r"\"(NAN|INF|-INF|CONSTANT|RELU|IDENTITY|RANDN_AVERAGE|IJ,IJ->I)\"",
    ),
    # --- NumPy's defaults ---------------------------------------------------------------
    (
        "errstate: NumPy ignores underflow by default, so under='ignore' or leaving"
        " it out is the same",
        _ANY,
        r"^(?:(?!under=\"ignore\")[^<])*<<.*under=\"ignore\"",
    ),
    (
        "zip(strict=…): the lengths are equal by construction (checked just before,"
        " or one cache per layer); for (dense, dense[1:]) None or no argument means"
        " False as written",
        _ANY,
        r"^(?:(?!strict=True)[^<])*<<.*zip\(.*strict=(True|False)",
    ),
    (
        "copy=: no code writes to the array or its copy afterwards",
        _ANY,
        r"(copy=(None|True)|np\.array\(\w+, \)|astype\([\w.]+, \)).*<<.*copy=",
    ),
    (
        "np.add.reduce's default axis is 0",
        r"Dense.backward",
        r"np\.add\.reduce\(dz, out=",
    ),
    (
        "a negative size other than -1 is also read by NumPy as 'the rest'",
        _ANY,
        r"reshape\(.*-2",
    ),
    (
        "out=: the same values in a new array instead of the buffer",
        _ANY,
        r"(out=None|, \)).*<<.*out=[a-z]",
    ),
    (
        "dtype None or left out is float64: the array is float64 already, or float32"
        " values that the next operation promotes to float64 exactly (an f giving"
        " float32 to central_difference: f(z+h) − f(z−h) of nearby float32 values is"
        " exact, Sterbenz)",
        _ANY,
        r"(dtype=None|astype\(None\)|np\.dtype\(None\)|, None\)|, \))"
        r".*<<.*(np\.float64|dtype=|astype\()",
    ),
    # --- open ---------------------------------------------------------------------------
    (
        "OPEN: boolean (or object) one-hot rows of two or more columns: the code"
        " refuses them as non-numeric regression targets, the mutant takes them as"
        " labels; the docs do not say which is meant (MUTATION.md, findings)",
        r"inputs\.x__labels",
        r"np\.issubdtype\(None, np\.number\)",
    ),
]


def reason(name: str, minus: list[str], plus: list[str]) -> str | None:
    module, function = split_name(name)
    where = f"{module}.{function}".replace("ǁ", ".")
    text = (
        " ".join(s.strip() for s in plus) + " << " + " ".join(s.strip() for s in minus)
    )
    for why, function_pattern, line_pattern in REASONS:
        if re.search(function_pattern, where) and re.search(line_pattern, text):
            return why
    return None


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
    by_reason: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for name in survivors:
        minus, plus = diff_lines(name)
        line = (plus[0] if plus else "(deleted) " + (minus[0] if minus else "")).strip()
        by_kind[kind(minus, plus)].append((name, line))
        by_reason[reason(name, minus, plus) or "UNEXPLAINED"].append((name, line))
    for k, items in sorted(by_kind.items()):
        functions = Counter(split_name(n)[1] for n, _ in items)
        print(f"\n{k}: {len(items)}")
        for function, n in functions.most_common():
            print(f"  {n:4d}  {function}")
    print("\nsurvivors by reason")
    for why, items in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
        print(f"\n{len(items):4d}  {why}")
        if "--list" in sys.argv or why == "UNEXPLAINED":
            for name, line in items:
                print(f"        {name}: {line}")


if __name__ == "__main__":
    main()
