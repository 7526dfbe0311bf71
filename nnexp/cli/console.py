"""Terminal output: one rich console for results, one for errors on stderr."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from nnexp.errors import NnexpError, SpecError


def _console(stderr: bool = False) -> Console:
    """Rich wraps at 80 columns when output is not a terminal, which splits paths
    in logs and pipes; there we allow long lines (200) instead, unless ``COLUMNS``
    says how wide the output may be (``COLUMNS=100 nnexp runs | less``)."""
    probe = Console(stderr=stderr)
    width = None if probe.is_terminal else _columns() or 200
    return Console(stderr=stderr, highlight=False, width=width)


def _columns() -> int | None:
    text = os.environ.get("COLUMNS", "")
    return int(text) if text.isdigit() and int(text) > 0 else None


console = _console()
err_console = _console(stderr=True)


def print_error(err: BaseException) -> None:
    """One paragraph (a SpecError lists each problem on its own line)."""
    if isinstance(err, SpecError):
        body = Text(
            f"invalid spec {err.source}" if err.source else "invalid spec", style="bold"
        )
        for key, msg in err.problems:
            body.append("\n  ")
            body.append(f"{key}: " if key else "", style="bold cyan")
            body.append(msg)
    else:
        body = Text(str(err))
    title = "error" if isinstance(err, NnexpError) else type(err).__name__
    if err_console.is_terminal:
        err_console.print(
            Panel(
                body, title=title, title_align="left", border_style="red", expand=False
            )
        )
    else:
        err_console.print(Text("error: ") + body, soft_wrap=True)


@contextmanager
def first_ctrl_c_sets(stop: threading.Event, message: str) -> Iterator[None]:
    """The first Ctrl-C sets ``stop`` (the work ends cleanly after its current batch)
    and prints ``message``; a second one raises KeyboardInterrupt at once.  Outside
    the main thread (where signals cannot be caught) nothing is installed."""

    def handler(signum: int, frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        err_console.print(f"\n[yellow]{message}[/]")

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
