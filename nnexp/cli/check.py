"""``nnexp check ACTIVATION``: the finite-difference check of an activation.

A built-in name (any spelling, ``nnexp list activations``), a plugin
``path/to/file.py:Class`` (relative to the current folder) or ``package.module:Class``,
or a spec's mapping ``"{name: acts.py:ISRU, a: 0.5}"`` (read by
:mod:`nnexp.cli.activation_arg`, as ``nnexp gallery`` does) is built with its
``--param`` values and checked by
:func:`nnexp.api.check_activation`: the derivative against central
differences region by region, finiteness at extreme inputs, and the array contract.
Exit 0 when every row passes, 1 when one fails, 2 for an unknown name or a bad plugin.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
import yaml
from rich.markup import escape
from rich.table import Table

from nnexp.api import ActivationReport, check_activation, error_text
from nnexp.cli.activation_arg import build_activation, label
from nnexp.cli.console import console
from nnexp.errors import NnexpError

DTYPES = ("float64", "float32")


def parse_params(items: list[str]) -> dict[str, Any]:
    """``["k=2", "alpha=0.1"]`` → ``{"k": 2, "alpha": 0.1}`` (values read as YAML)."""
    params: dict[str, Any] = {}
    for text in items:
        key, sep, raw = text.partition("=")
        if not sep or not key.strip().isidentifier():
            raise NnexpError(f"--param {text!r}: expected name=value, e.g. --param k=2")
        try:
            params[key.strip()] = yaml.safe_load(raw)
        except yaml.YAMLError as err:
            raise NnexpError(
                f"--param {text!r}: the value is not valid YAML: {err}"
            ) from None
    return params


def report_table(report: ActivationReport) -> Table:
    """One row per region: points, max absolute/relative error, pass or fail, note."""
    table = Table(
        title=f"{report.name}: derivative check in {report.dtype} ({report.tolerance})",
        title_justify="left",
    )
    table.add_column("region", overflow="fold")
    table.add_column("points", justify="right")
    table.add_column("max abs err", justify="right")
    table.add_column("max rel err", justify="right")
    table.add_column("result", no_wrap=True)
    table.add_column("note", overflow="fold", ratio=1)
    for row in report.rows:
        verdict = "[green]pass[/]" if row.passed else "[bold red]FAIL[/]"
        table.add_row(
            row.region,
            str(row.points),
            error_text(row.max_abs_error),
            error_text(row.max_rel_error),
            verdict,
            row.message,
        )
    return table


def check(
    activation: Annotated[
        str,
        typer.Argument(
            help="A built-in activation name, a plugin path/to/file.py:Class or"
            " package.module:Class, or a mapping as in a spec:"
            " '{name: my_acts.py:Isru, a: 0.5}'."
        ),
    ],
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            help="A parameter as name=value (repeatable), e.g. --param k=2.",
        ),
    ] = None,
    dtype: Annotated[
        str,
        typer.Option(
            help=f"The dtype of the analytic derivative: {', '.join(DTYPES)}."
        ),
    ] = "float64",
    seed: Annotated[int, typer.Option(help="Seed of the random check points.")] = 0,
) -> None:
    """Check an activation's derivative against finite differences (pass/fail table).

    The derivative is compared with Richardson-extrapolated central differences of
    forward (in float64) at random x in [-4, 4], near declared kinks, over the whole
    range (|x| log-uniform from 1e-3 to 1e4, both signs), at large |x| and near 0;
    then finiteness at extreme inputs and the dtype/shape contract. A point passes
    when |f' - difference| <= rtol |difference| + 8 (eps64 max|f(x+-h)|/h +
    eps_dtype scale): rtol is 1e-5 (float64) or 1e-4 (float32), the rest is the
    rounding of f and of f' (scale: the largest |f'| on [-4, 4]).

    Kinks: if f' jumps somewhere (relu at 0), declare it in the class, e.g.
    kinks = (0.0,), or a property returning a tuple when it depends on parameters;
    points within 1e-3 of a kink are then left out. An undeclared kink at 0 fails
    the "small |x|" row, which then suggests declaring it.

    Specs run this check on every plugin activation when they load it; a failing
    plugin is refused unless its component says check: false.

    Exit 0 when every check passes, 1 when one fails.

    Examples:
      nnexp check softplus --param k=2
      nnexp check my_activations.py:Cube --dtype float32
      nnexp check "{name: my_activations.py:Isru, a: 0.5}"
    """
    if dtype not in DTYPES:
        raise NnexpError(f"--dtype {dtype!r}: expected one of {', '.join(DTYPES)}")
    extra = parse_params(param or [])
    entry, params, act = build_activation(activation, "ACTIVATION", extra)
    name = escape(label(activation, entry, params))
    report = check_activation(act, dtype=dtype, seed=seed, name=name)
    console.print(report_table(report))
    if report.passed:
        console.print(f"[green]{name} passed every check[/]")
        return
    console.print(
        f"[bold red]{name} failed {len(report.failures)} of"
        f" {len(report.rows)} checks[/]"
    )
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("check")(check)
