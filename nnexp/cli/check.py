"""``nnexp check ACTIVATION``: the finite-difference check of an activation.

A built-in name (any spelling, ``nnexp list activations``) or a plugin
``path/to/file.py:Class`` (relative to the current folder) or ``package.module:Class``
is built with its ``--param`` values and checked by
:func:`nnexp.engine.gradcheck.check_activation`: the derivative against central
differences region by region, finiteness at extreme inputs, and the array contract.
Exit 0 when every row passes, 1 when one fails, 2 for an unknown name or a bad plugin.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
import yaml
from rich.table import Table

from nnexp.cli.console import console
from nnexp.engine.activations import ACTIVATIONS
from nnexp.engine.gradcheck import ActivationReport, check_activation
from nnexp.errors import NnexpError, PluginError, RegistryError
from nnexp.registry import is_plugin_ref

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


def build_activation(ref: str, params: dict[str, Any]) -> tuple[str, Any]:
    """The registered (or plugin) activation ``ref`` built with ``params``.

    Raises RegistryError for an unknown name or parameter, PluginError for a plugin
    that cannot be imported or built.
    """
    entry = ACTIVATIONS.resolve(ref, key="ACTIVATION", base_dir=Path.cwd())
    try:
        return entry.name, entry.build(**params)
    except RegistryError as err:
        raise RegistryError(f"--param {err}") from None
    except NnexpError:
        raise
    except Exception as err:  # a plugin's constructor may raise anything
        raise PluginError(
            f"building {ref} failed: {type(err).__name__}: {err}"
        ) from err


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2e}"


def report_table(report: ActivationReport) -> Table:
    """One row per region: points, max absolute/relative error, pass or fail, note."""
    table = Table(
        title=f"{report.name}: derivative check in {report.dtype} "
        f"(rtol {report.rtol:g}, atol {report.atol:g} × scale {report.scale:.3g})",
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
            _num(row.max_abs_error),
            _num(row.max_rel_error),
            verdict,
            row.message,
        )
    return table


def check(
    activation: Annotated[
        str,
        typer.Argument(
            help="A built-in activation name, or a plugin: path/to/file.py:Class"
            " or package.module:Class."
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

    Exit 0 when every check passes, 1 when one fails.

    Examples:
      nnexp check softplus --param k=2
      nnexp check my_activations.py:Cube --dtype float32
    """
    if dtype not in DTYPES:
        raise NnexpError(f"--dtype {dtype!r}: expected one of {', '.join(DTYPES)}")
    name, act = build_activation(activation, parse_params(param or []))
    label = activation if is_plugin_ref(activation) else name
    report = check_activation(
        act, rng=np.random.default_rng(seed), dtype=dtype, name=label
    )
    console.print(report_table(report))
    if report.passed:
        console.print(f"[green]{label} passed every check[/]")
        return
    console.print(
        f"[bold red]{label} failed {len(report.failures)} of"
        f" {len(report.rows)} checks[/]"
    )
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("check")(check)
