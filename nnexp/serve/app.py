"""The dashboard as a Starlette application: pages, JSON endpoints, files.

========================================  ===========================================
``/``, ``/run/<id>``, ``/compare``,        the pages (HTML shells that poll the JSON)
``/sweep/<id>``
``/api/runs?filter=k=v&status=&q=``        the runs table (:mod:`nnexp.serve.tables`)
``/api/sweeps``                            every sweep and its progress
``/api/run/<id>``                          a run (:func:`nnexp.serve.views.run_view`)
``/api/compare?run=<id>&sweep=<id>&by=``   a comparison (``smooth=`` epochs)
``/api/sweep/<id>``                        a sweep: progress, results, figures
``/figure/run/<kind>/<id>``, ``/figure/    registered figures as PNG
sweep/<file>/<id>``
``/files/<path>``                          a file inside the runs folder
``/static/<name>``                         the pages' scripts, style, plotly.min.js
========================================  ===========================================

An ``<id>`` is a folder's path relative to the runs folder.  Every path is checked by
:func:`nnexp.serve.paths.inside`: what is not inside the runs folder is a 404, exactly
like what does not exist.  An error reading a run is part of its data (a row error); an
unexpected one is a JSON 500 with the error's kind, logged on the server, never a
traceback in the browser.  With a ``token`` every request must carry it
(``?token=`` once, then a cookie), as Jupyter does.
"""

from __future__ import annotations

import functools
import hmac
import importlib.util
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
)
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nnexp.errors import NnexpError
from nnexp.serve import figures, views
from nnexp.serve.catalog import Catalog, Entry
from nnexp.serve.paths import inside
from nnexp.serve.tables import runs_table
from nnexp.sweep.folder import SWEEP_FILE, read_sweep_file, rebuilt_results

STATIC = Path(__file__).with_name("static")
PAGES = {"runs": "runs", "run": "run", "compare": "compare", "sweep": "sweep"}
COOKIE = "nnexp_token"
#: the largest smoothing window the compare page takes (epochs)
MAX_SMOOTH = 500
log = logging.getLogger("nnexp.serve")


def plotly_js() -> Path | None:
    """Plotly's own bundled ``plotly.min.js`` (in the ``plotly`` wheel), if installed."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = (
        Path(list(spec.submodule_search_locations)[0])
        / "package_data"
        / "plotly.min.js"
    )
    return path if path.is_file() else None


def not_found(what: str = "nothing here") -> JSONResponse:
    return JSONResponse({"error": f"not found: {what}"}, status_code=404)


def guarded(endpoint: Callable[[Request], Response]) -> Callable[[Request], Response]:
    """Bad input (an NnexpError) as a 400 with its message; anything else as a 500
    naming the error's kind (the traceback goes to the server's log only)."""

    @functools.wraps(endpoint)
    def wrapper(request: Request) -> Response:
        try:
            return endpoint(request)
        except NnexpError as err:
            return JSONResponse({"error": str(err)}, status_code=400)
        except Exception as err:
            log.exception("error answering %s", request.url.path)
            return JSONResponse(
                {"error": f"the server could not answer: {type(err).__name__}"},
                status_code=500,
            )

    return wrapper


class Dashboard:
    """The state behind the endpoints: the catalog of runs and the caches."""

    def __init__(self, root: str | Path):
        self.catalog = Catalog(root)
        self.root = self.catalog.root
        self.figures = figures.Memo(256, serial=True)  # a PNG is ~50 kB
        self.answers = figures.Memo(512)  # JSON answers, by the versions they read
        template = (STATIC / "page.html").read_text()
        self.pages = {name: template.replace("{{page}}", name) for name in PAGES}

    # pages --------------------------------------------------------------------------

    def page(self, name: str) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            return HTMLResponse(self.pages[name])

        return endpoint

    def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        path = plotly_js() if name == "plotly.min.js" else inside(STATIC, name)
        if path is None or not path.is_file():
            return not_found(name)
        return FileResponse(path, headers={"Cache-Control": "max-age=3600"})

    def files(self, request: Request) -> Response:
        path = inside(self.root, request.path_params["path"])
        if path is None or not path.is_file():
            return not_found(request.path_params["path"])
        return FileResponse(path)

    # data ---------------------------------------------------------------------------

    def runs(self, request: Request) -> Response:
        filters = tuple(f for f in request.query_params.getlist("filter") if f.strip())
        status = request.query_params.get("status") or None
        text = request.query_params.get("q", "").strip()
        entries = self.catalog.entries()
        key = (
            tuple((e.id, e.version, e.status) for e in entries),
            filters,
            status,
            text,
        )

        def table() -> dict[str, Any]:
            answer = runs_table(entries, filters, status, text)
            answer["version"] = str(abs(hash(key)))
            return answer

        return JSONResponse(self.answers.get(("runs", key), table))

    def sweeps(self, request: Request) -> Response:
        entries = self.catalog.entries()
        out = []
        for folder in self.catalog.sweeps:
            sweep_id = folder.relative_to(self.root).as_posix()
            view = self._sweep(folder, sweep_id, entries, with_figures=False)
            if view is not None:
                out.append({"id": sweep_id, "name": folder.name, **view})
        return JSONResponse({"sweeps": out})

    def run(self, request: Request) -> Response:
        entry = self.catalog.entry(request.path_params["id"])
        if entry is None:
            return not_found(f"run {request.path_params['id']}")
        key = ("run", entry.id, entry.version, entry.status)
        return JSONResponse(self.answers.get(key, lambda: views.run_view(entry)))

    def compare(self, request: Request) -> Response:
        params = request.query_params
        chosen = self._chosen(params.getlist("run"), params.getlist("sweep"))
        if isinstance(chosen, Response):
            return chosen
        smooth_text = params.get("smooth", "1") or "1"
        if not smooth_text.isdigit() or not 1 <= int(smooth_text) <= MAX_SMOOTH:
            raise NnexpError(
                f"smooth={smooth_text!r}: expected a whole number of epochs from 1 "
                f"to {MAX_SMOOTH}"
            )
        by = [b for b in params.getlist("by") if b.strip()]
        versions = tuple((e.id, e.version, e.status) for e in chosen)
        key = ("compare", versions, tuple(by), int(smooth_text))
        answer = self.answers.get(
            key, lambda: views.compare_view(chosen, by, int(smooth_text))
        )
        return JSONResponse(answer)

    def _chosen(
        self, run_ids: list[str], sweep_ids: list[str]
    ) -> list[Entry] | Response:
        chosen: dict[str, Entry] = {}
        for run_id in run_ids:
            entry = self.catalog.entry(run_id)
            if entry is None:
                return not_found(f"run {run_id}")
            chosen[entry.id] = entry
        if sweep_ids:
            entries = self.catalog.entries()
            for sweep_id in sweep_ids:
                folder = inside(self.root, sweep_id)
                if folder is None or not (folder / SWEEP_FILE).is_file():
                    return not_found(f"sweep {sweep_id}")
                sweep = folder.relative_to(self.root).as_posix()
                chosen.update((e.id, e) for e in entries if e.sweep == sweep)
        if not chosen:
            raise NnexpError("choose runs to compare: ?run=<folder> or ?sweep=<folder>")
        return list(chosen.values())

    def sweep(self, request: Request) -> Response:
        sweep_id = request.path_params["id"]
        folder = inside(self.root, sweep_id)
        if folder is None or not (folder / SWEEP_FILE).is_file():
            return not_found(f"sweep {sweep_id}")
        sweep_id = folder.relative_to(self.root).as_posix()
        view = self._sweep(folder, sweep_id, self.catalog.entries(), with_figures=True)
        if view is None:
            return not_found(f"sweep {sweep_id}")
        return JSONResponse({"id": sweep_id, "name": folder.name, **view})

    def _sweep(
        self, folder: Path, sweep_id: str, entries: list[Entry], *, with_figures: bool
    ) -> dict[str, Any] | None:
        """The sweep's view, read again only when sweep.yaml or a cell changed (None
        when it has gone meanwhile)."""
        try:
            stamp = (folder / SWEEP_FILE).stat().st_mtime_ns
        except OSError:
            return None
        cells = tuple(
            (e.id, e.version, e.status) for e in entries if e.sweep == sweep_id
        )
        key = ("sweep", sweep_id, stamp, cells, with_figures)
        return self.answers.get(
            key, lambda: self._sweep_view(folder, sweep_id, entries, with_figures)
        )

    def _sweep_view(
        self, folder: Path, sweep_id: str, entries: list[Entry], with_figures: bool
    ) -> dict[str, Any]:
        """Progress, results and figures of a sweep as its cell folders say now."""
        try:
            data = read_sweep_file(folder)
            results = rebuilt_results(folder, data)
        except Exception as err:  # a damaged sweep.yaml is shown on its page
            return {"error": f"{type(err).__name__}: {err}"[:400], "progress": {}}
        running = views.running_cells(entries, sweep_id)
        statuses: list[str] = []
        ids: list[str | None] = []
        for name, status in zip(
            results.get("cell", []), results.get("status", []), strict=True
        ):
            # a cell training in .staging: rebuilt_results, not holding the sweep's
            # lock, cannot tell a live one from one a killed sweep left (interrupted)
            if status in ("not run", "interrupted") and name in running:
                status = "running"
            statuses.append(str(status))
            if (folder / name).is_dir():
                ids.append(f"{sweep_id}/{name}")
            else:
                ids.append(running[name].id if name in running else None)
        out: dict[str, Any] = {"progress": views.sweep_progress(statuses)}
        if not with_figures:
            return out
        table = views.frame_data(results)
        if "status" in table["columns"]:
            column = table["columns"].index("status")
            for row, status in zip(table["rows"], statuses, strict=True):
                row[column] = status
        tag = str(abs(hash(results.to_csv(index=False))))
        plan = figures.sweep_plan(folder, data, results)
        out.update(
            results=table,
            ids=ids,
            version=tag,
            figures=[
                {"name": name, "url": f"/figure/sweep/{name}/{sweep_id}?v={tag}"}
                for name in plan
            ],
            images=[i for i in views.images(folder, sweep_id) if i["name"] not in plan],
        )
        return out

    def run_figure(self, request: Request) -> Response:
        kind = request.path_params["kind"]
        entry = self.catalog.entry(request.path_params["id"])
        if entry is None or entry.run is None or kind not in figures.live_kinds():
            return not_found(f"figure {kind}")
        run = entry.run
        data = self.figures.get(
            ("run", entry.id, kind, entry.version),
            lambda: figures.run_figure(run, kind),
        )
        return Response(data, media_type="image/png")

    def sweep_figure(self, request: Request) -> Response:
        name, sweep_id = request.path_params["file"], request.path_params["id"]
        folder = inside(self.root, sweep_id)
        if folder is None or not (folder / SWEEP_FILE).is_file():
            return not_found(f"sweep {sweep_id}")
        data = read_sweep_file(folder)
        results = rebuilt_results(folder, data)
        plan = figures.sweep_plan(folder, data, results)
        if name not in plan:
            return not_found(f"figure {name}")
        key = ("sweep", sweep_id, name, results.to_csv(index=False))
        png = self.figures.get(key, lambda: figures.png(plan[name]()))
        return Response(png, media_type="image/png")


class TokenGate:
    """Every request must carry the access token: ``?token=`` (then kept in a
    cookie, so that the page's own requests carry it) or that cookie; else 403."""

    def __init__(self, app: ASGIApp, token: str):
        self.app, self.token = app, token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        given = request.query_params.get("token", "")
        if given and hmac.compare_digest(given, self.token):

            async def with_cookie(message: Message) -> None:
                if message["type"] == "http.response.start":
                    cookie = f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
                    message.setdefault("headers", [])
                    message["headers"] = [
                        *message["headers"],
                        (b"set-cookie", cookie.encode()),
                    ]
                await send(message)

            await self.app(scope, receive, with_cookie)
            return
        if hmac.compare_digest(request.cookies.get(COOKIE, ""), self.token):
            await self.app(scope, receive, send)
            return
        response = PlainTextResponse(
            "This dashboard needs its access token: open the address that "
            "`nnexp serve` printed (it ends in ?token=…).",
            status_code=403,
        )
        await response(scope, receive, send)


def create_app(
    root: str | Path, token: str | None = None, hosts: Sequence[str] | None = None
) -> Starlette:
    """The dashboard of the runs folder ``root`` (read-only); with ``token``, every
    request must carry it; with ``hosts``, a request must name one of them in its
    Host header (on loopback: a page elsewhere cannot reach the server through a
    name of its own that resolves to 127.0.0.1, DNS rebinding)."""
    board = Dashboard(root)
    g = guarded
    routes = [
        Route("/", board.page("runs")),
        Route("/run/{id:path}", board.page("run")),
        Route("/compare", board.page("compare")),
        Route("/sweep/{id:path}", board.page("sweep")),
        Route("/api/runs", g(board.runs)),
        Route("/api/sweeps", g(board.sweeps)),
        Route("/api/run/{id:path}", g(board.run)),
        Route("/api/compare", g(board.compare)),
        Route("/api/sweep/{id:path}", g(board.sweep)),
        Route("/figure/run/{kind}/{id:path}", g(board.run_figure)),
        Route("/figure/sweep/{file}/{id:path}", g(board.sweep_figure)),
        Route("/files/{path:path}", g(board.files)),
        Route("/static/{name:path}", g(board.static)),
    ]
    app = Starlette(routes=routes)
    app.state.dashboard = board
    if token:
        app.add_middleware(TokenGate, token=token)
    if hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(hosts))
    return app
