"""``nnexp serve``: a live dashboard of a runs folder in the browser, read-only.

Prints the address and serves until Ctrl-C.  It listens on 127.0.0.1 unless ``--host``
says otherwise; on any other host it warns and the address carries an access token
that every request must present.  The server is :func:`nnexp.api.dashboard`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from nnexp.api import DEFAULT_HOST, DEFAULT_PORT, ServerAddress, dashboard
from nnexp.cli.console import console, err_console


def serve(
    runs_dir: Annotated[
        Path,
        typer.Argument(
            help="The runs folder to show.", show_default=True, metavar="RUNS_DIR"
        ),
    ] = Path("runs"),
    port: Annotated[
        int, typer.Option("--port", help="Port to listen on (0: any free one).")
    ] = DEFAULT_PORT,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Address to listen on; any but loopback needs the printed token.",
        ),
    ] = DEFAULT_HOST,
) -> None:
    """Serve a live, read-only dashboard of the runs: tables, curves, comparisons
    and sweeps, updated every two seconds.

    Examples:
      nnexp serve
      nnexp serve runs/sweeps --port 8080
    """

    def ready(address: ServerAddress) -> None:
        if address.warning:
            err_console.print(f"[yellow]warning:[/] {address.warning}")
        console.print(
            f"nnexp dashboard of {runs_dir} at [bold]{address.url}[/] (Ctrl-C stops it)"
        )

    try:
        dashboard(runs_dir, host=host, port=port, ready=ready)
    except KeyboardInterrupt:
        pass
    console.print("dashboard stopped")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
