"""Where the dashboard listens and who may open it, then uvicorn.

It binds to 127.0.0.1 unless a host is given.  Any other host (``0.0.0.0``, a LAN
address) opens the runs folder to the network: the command warns, and every request
must carry a random access token (:func:`secrets.token_urlsafe`), printed in the
address, as Jupyter does.  The socket is bound here (port 0 takes a free port), so the
address printed is the one that answers.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nnexp.errors import NnexpError, RunError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: the Host headers a loopback dashboard answers (no other name: DNS rebinding)
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")


@dataclass(frozen=True)
class ServerAddress:
    """Where the dashboard answers, and the token it asks for (None on loopback)."""

    host: str
    port: int
    token: str | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        query = f"?token={self.token}" if self.token else ""
        return f"http://{host}:{self.port}/{query}"

    @property
    def warning(self) -> str | None:
        if self.token is None:
            return None
        return (
            f"listening on {self.host}, not on loopback: anyone who can reach this "
            "machine and has the token can read the runs folder. Leave out --host to "
            "listen on 127.0.0.1 only."
        )


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def access_token(host: str, token: str | None = None) -> str | None:
    """The token requests must carry: none on loopback (unless one is given), a new
    random one on any other host."""
    if token is not None:
        return token
    return None if is_loopback(host) else secrets.token_urlsafe(24)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port``; NnexpError naming the port when it
    is taken or the host is not this machine's."""
    if not 0 <= port <= 65535:
        raise NnexpError(f"--port {port}: expected a port from 0 to 65535")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        raise NnexpError(f"--host {host}: not a host name or address ({err})") from None
    family, _, _, _, sockaddr = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(sockaddr)
    except OSError as err:
        sock.close()
        raise NnexpError(
            f"cannot listen on {host}:{port}: {err.strerror or err}; choose another "
            "port with --port (or --port 0 for any free one)"
        ) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def check_root(runs_dir: str | Path) -> Path:
    root = Path(runs_dir)
    if not root.is_dir():
        raise RunError(
            f"runs directory {root} does not exist (train a run first: nnexp train "
            "SPEC, or give the folder: nnexp serve RUNS_DIR)"
        )
    return root


def run_server(
    runs_dir: str | Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    token: str | None = None,
    ready: Callable[[ServerAddress], None] | None = None,
) -> None:
    """Serve the dashboard of ``runs_dir`` until Ctrl-C (or SIGTERM); ``ready`` is
    called with the address once the socket listens."""
    try:
        import uvicorn

        from nnexp.serve.app import create_app
    except ImportError as err:
        raise NnexpError(
            f"nnexp serve needs the packages of the 'serve' extra ({err.name} is "
            "missing): pip install 'nnexp[serve]'"
        ) from None
    root = check_root(runs_dir)
    token = access_token(host, token)
    sock = bind(host, port)
    address = ServerAddress(host, sock.getsockname()[1], token)
    hosts = LOOPBACK_NAMES if token is None else None  # a token guards other hosts
    config = uvicorn.Config(
        create_app(root, token, hosts),
        log_level="warning",
        lifespan="off",
        access_log=False,
    )
    server = uvicorn.Server(config)
    if ready is not None:
        ready(address)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
