"""The dashboard (``nnexp serve``): a live, read-only view of a runs folder in the
browser (:mod:`nnexp.serve`).

::

    import nnexp
    nnexp.dashboard("runs")                  # http://127.0.0.1:8000/ until Ctrl-C
    app = nnexp.api.dashboard_app("runs")    # the ASGI application, to mount or test

The action is ``dashboard``, not ``serve``: ``nnexp.serve`` is the package.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from nnexp.serve.server import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    ServerAddress,
    check_root,
    run_server,
)

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "ServerAddress",
    "dashboard",
    "dashboard_app",
]


def dashboard(
    runs_dir: str | Path = "runs",
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    token: str | None = None,
    ready: Callable[[ServerAddress], None] | None = None,
) -> None:
    """Serve the dashboard of ``runs_dir`` on ``host``:``port`` until Ctrl-C.

    On 127.0.0.1 (the default) anyone on this machine may open it; on any other host
    every request must carry an access token (``token``, else a random one), given in
    the address that ``ready`` receives once the server listens (with a warning to
    show).  Raises RunError when ``runs_dir`` does not exist, NnexpError when the port
    is taken or the ``serve`` extra is not installed.
    """
    run_server(runs_dir, host, port, token=token, ready=ready)


def dashboard_app(runs_dir: str | Path = "runs", *, token: str | None = None) -> Any:
    """The dashboard of ``runs_dir`` as an ASGI application (Starlette), served by
    any ASGI server; with ``token`` every request must carry it."""
    from nnexp.serve.app import create_app

    return create_app(check_root(runs_dir), token)
