"""The ``nnexp`` command: a Typer app whose commands live one per module.

Every command only parses its options, calls the library and prints; errors from the
library (:class:`~nnexp.errors.NnexpError`) are printed once here, as one paragraph,
with exit code 2 (a traceback only with ``--debug``).
"""

from __future__ import annotations

from typing import Annotated, Any

import click
import typer
from typer.core import TyperGroup

from nnexp import __version__
from nnexp.cli.console import print_error
from nnexp.errors import NnexpError


class NnexpGroup(TyperGroup):
    """Maps library errors to exit codes for every command (also under CliRunner)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NnexpError as err:
            print_error(err)
            if ctx.params.get("debug"):
                raise
            raise typer.Exit(code=2) from None
        except KeyboardInterrupt:
            raise typer.Exit(code=130) from None


app = typer.Typer(
    name="nnexp",
    cls=NnexpGroup,
    help="Neural-network experiments from first principles: train, sweep and compare NumPy networks from YAML specs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"nnexp {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """nnexp: train, sweep and compare neural networks written from scratch in NumPy.

    Start with: nnexp train configs/quickstart.yaml
    """


def _register() -> None:
    import importlib

    for module in COMMAND_MODULES:
        try:
            importlib.import_module(f"nnexp.cli.{module}").register(app)
        except ModuleNotFoundError as err:
            if err.name != f"nnexp.cli.{module}":
                raise


#: one module per command (or group of small commands); each defines register(app)
COMMAND_MODULES = (
    "train", "list_cmd", "check", "runs_cmd", "show", "eval_cmd", "rerun",
    "sweep", "plot", "compare", "report", "gallery", "probe", "landscape",
)
_register()


def main() -> None:
    app()
