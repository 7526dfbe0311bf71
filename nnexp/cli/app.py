"""The ``nnexp`` command: a Typer app whose commands live one per module.

Every command only parses its options, calls the library and prints; errors from the
library (:class:`~nnexp.errors.NnexpError`) are printed once here, as one paragraph,
with exit code 2 (a traceback only with ``--debug``).
"""

from __future__ import annotations

import importlib
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from nnexp import __version__
from nnexp.cli.completion import attach as attach_completion
from nnexp.cli.console import err_console, print_error
from nnexp.errors import NnexpError

#: command name → (module of nnexp.cli defining ``register(app)``, one-line help);
#: modules are imported only when their command runs (or for --help), so
#: ``nnexp --version`` starts fast
COMMANDS = {
    "train": ("train", "Train one network from a YAML spec."),
    "list": ("list_cmd", "List components, their parameters and defaults."),
    "check": ("check", "Finite-difference check of an activation."),
    "runs": ("runs_cmd", "A table of runs and their results."),
    "show": ("show", "One run: summary, config, last epochs."),
    "eval": ("eval_cmd", "Evaluate a run's saved weights."),
    "rerun": ("rerun", "Train a run again; --check: bit for bit?"),
    "sweep": ("sweep", "A grid of runs over spec keys, in parallel."),
    "plot": ("plot", "Learning curves of runs and sweeps."),
    "compare": ("compare", "A table of what differed and what it gave."),
    "report": ("report", "A self-contained HTML report."),
    "gallery": ("gallery", "Activations and their derivatives, by family."),
    "probe": ("probe", "Functions of random networks (E6)."),
    "landscape": ("landscape", "Optimiser paths on a 2-D objective (E7)."),
    "signal": ("signal", "Signal propagation at initialisation: mean-field theory."),
    "serve": ("serve", "A live dashboard of the runs in the browser."),
}


class NnexpGroup(TyperGroup):
    """Loads command modules lazily and maps library errors to exit codes for every
    command (also under Typer's CliRunner)."""

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            sub = typer.Typer()
            module, short = COMMANDS[cmd_name]
            importlib.import_module(f"nnexp.cli.{module}").register(sub)
            for name, command in typer.main.get_group(sub).commands.items():
                command.short_help = short  # one line in `nnexp --help`
                attach_completion(name, command)
                self.add_command(command, name)
        return self.commands.get(cmd_name)

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NnexpError as err:
            if ctx.params.get("debug"):  # the traceback too, but the same exit code
                err_console.print_exception()
            print_error(err)
            raise typer.Exit(code=2) from None
        except KeyboardInterrupt:
            raise typer.Exit(code=130) from None


app = typer.Typer(
    name="nnexp",
    cls=NnexpGroup,
    help="Neural-network experiments from first principles: train, sweep and compare NumPy networks from YAML specs.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"nnexp {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks for errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """nnexp: train, sweep and compare neural networks written from scratch in NumPy.

    Start with: nnexp train configs/quickstart.yaml
    """


def main() -> None:
    app()
