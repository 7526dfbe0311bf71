"""Who may open the dashboard and what it serves: loopback by default, a token on any
other host, and nothing outside the runs folder (``..``, ``%2e%2e``, absolute paths,
symlinks that lead out: 404)."""

from __future__ import annotations

import inspect
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

import nnexp
from nnexp.cli.app import app as cli_app
from nnexp.errors import NnexpError
from nnexp.serve import server
from nnexp.serve.app import COOKIE, create_app
from nnexp.serve.paths import inside

ROOT = Path(__file__).resolve().parents[2]


def test_it_listens_on_loopback_unless_told_otherwise():
    assert server.DEFAULT_HOST == "127.0.0.1"
    assert inspect.signature(nnexp.dashboard).parameters["host"].default == "127.0.0.1"
    assert server.access_token("127.0.0.1") is None
    assert server.access_token("localhost") is None
    assert server.access_token("::1") is None
    for host in ("0.0.0.0", "192.168.1.20", "::", "myhost.example"):
        token = server.access_token(host)
        assert token is not None and len(token) >= 24
    assert server.access_token("0.0.0.0") != server.access_token("0.0.0.0")  # random


def test_the_command_listens_on_loopback_by_default_and_warns_otherwise(
    monkeypatch, tmp_path
):
    calls = []

    def fake(runs_dir, host, port, *, token=None, ready=None):
        calls.append((host, port))
        ready(server.ServerAddress(host, 8123, server.access_token(host, token)))

    monkeypatch.setattr("nnexp.api.serve.run_server", fake)
    runner = CliRunner()
    plain = runner.invoke(cli_app, ["serve", str(tmp_path)])
    assert plain.exit_code == 0, plain.output
    assert calls[-1] == ("127.0.0.1", 8000)
    assert "http://127.0.0.1:8123/ " in plain.output and "warning" not in plain.output
    wide = runner.invoke(cli_app, ["serve", str(tmp_path), "--host", "0.0.0.0"])
    assert calls[-1] == ("0.0.0.0", 8000)
    assert "warning: listening on 0.0.0.0, not on loopback" in wide.output
    assert re.search(r"http://0\.0\.0\.0:8123/\?token=[\w-]{24,}", wide.output)


def test_a_token_is_needed_for_every_request_when_one_is_set(tmp_path):
    client = TestClient(create_app(tmp_path, token="s3cret-token"))
    for path in ("/", "/api/runs", "/static/app.js", "/files/x"):
        refused = client.get(path)
        assert refused.status_code == 403 and "access token" in refused.text
    assert client.get("/api/runs", params={"token": "wrong"}).status_code == 403
    opened = client.get("/", params={"token": "s3cret-token"})
    assert opened.status_code == 200
    assert (
        client.cookies.get(COOKIE) == "s3cret-token"
    )  # the page's own requests carry it
    assert client.get("/api/runs").status_code == 200
    stranger = TestClient(create_app(tmp_path, token="s3cret-token"))
    stranger.cookies.set(COOKIE, "guess")
    assert stranger.get("/api/runs").status_code == 403


@pytest.fixture
def fenced(tmp_path: Path, runs_root: Path) -> Path:
    """A secret beside the runs folder, and symlinks inside it that lead to it."""
    secret = tmp_path / "secret.txt"
    secret.write_text("the secret")
    outside = tmp_path / "outside_run"
    outside.mkdir()
    for name in ("config.yaml", "summary.json", "metrics.csv"):
        (outside / name).write_bytes((next(runs_root.iterdir()) / name).read_bytes())
    os.symlink(secret, runs_root / "link.txt")
    os.symlink(outside, runs_root / "linked_run")
    (runs_root / "inside.txt").write_text("fine")
    return runs_root


@pytest.mark.parametrize(
    "path",
    [
        "/files/../secret.txt",
        "/files/%2e%2e/secret.txt",
        "/files/%2E%2E/secret.txt",
        "/files/%2e%2e%2fsecret.txt",
        "/files/..%2fsecret.txt",
        "/files/%2fetc%2fpasswd",
        "/files//etc/passwd",
        "/files/link.txt",
        "/files/linked_run/summary.json",
        "/api/run/linked_run",
        "/api/run/%2e%2e/outside_run",
        "/api/sweep/%2e%2e",
        "/figure/run/curves/%2e%2e%2foutside_run",
        "/static/%2e%2e/app.py",
    ],
)
def test_nothing_outside_the_runs_folder_is_served(fenced, path):
    client = TestClient(create_app(fenced))
    response = client.get(path)
    assert response.status_code == 404, (path, response.status_code)
    assert "the secret" not in response.text and "root:" not in response.text


def test_files_inside_are_served_and_a_run_behind_a_symlink_is_not_listed(fenced):
    client = TestClient(create_app(fenced))
    assert client.get("/files/inside.txt").text == "fine"
    ids = [row["id"] for row in client.get("/api/runs").json()["rows"]]
    assert len(ids) == 4 and "linked_run" not in ids


def test_inside_refuses_what_leads_out(tmp_path):
    root = tmp_path / "root"
    (root / "a").mkdir(parents=True)
    assert inside(root, "a") == (root / "a").resolve()
    assert inside(root, "") == root.resolve()
    for bad in ("../root/a", "/etc", "a/../../x", "a\0b", "a\\..\\..", "missing"):
        assert inside(root, bad) is None, bad


def test_a_taken_port_is_a_one_line_error():
    sock = server.bind("127.0.0.1", 0)
    try:
        with pytest.raises(
            NnexpError, match=r"cannot listen on 127\.0\.0\.1:\d+.*--port"
        ):
            server.bind("127.0.0.1", sock.getsockname()[1])
    finally:
        sock.close()
    with pytest.raises(NnexpError, match="--port 70000"):
        server.bind("127.0.0.1", 70000)


def test_nnexp_serve_prints_its_address_answers_and_stops_on_ctrl_c(runs_root):
    process = subprocess.Popen(
        [sys.executable, "-m", "nnexp", "serve", str(runs_root), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"},
    )
    try:
        line = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
        assert match, line + process.stderr.read()
        import urllib.request

        with urllib.request.urlopen(match.group(1) + "api/runs", timeout=30) as answer:
            assert len(__import__("json").load(answer)["rows"]) == 4
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert "dashboard stopped" in out
    assert "Traceback" not in err
    assert process.returncode == 0


def test_a_missing_runs_folder_is_a_one_paragraph_error(tmp_path):
    result = CliRunner().invoke(cli_app, ["serve", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert f"runs directory {tmp_path / 'nowhere'} does not exist" in result.output
    with pytest.raises(NnexpError, match="does not exist"):
        nnexp.api.dashboard_app(tmp_path / "nowhere")


def test_a_sweep_or_a_run_folder_may_be_the_root(real_sweep):
    client = TestClient(create_app(real_sweep))
    rows = client.get("/api/runs").json()["rows"]
    assert len(rows) == 4 and all(r["name"].startswith("act/") for r in rows)
    assert client.get("/api/sweep/").json()["progress"]["completed"] == 4
    cell = real_sweep / rows[0]["id"]
    single = TestClient(create_app(cell))
    assert single.get("/api/run/").json()["series"]["epochs"] == 3
    assert single.get("/api/run/..").status_code == 404


def test_on_loopback_only_loopback_names_are_answered(runs_root):
    """A page elsewhere cannot read the dashboard through a name of its own that
    resolves to 127.0.0.1 (DNS rebinding): the Host header must be a loopback one."""
    client = TestClient(create_app(runs_root, hosts=server.LOOPBACK_NAMES))
    for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000"):
        assert client.get("/api/runs", headers={"host": host}).status_code == 200
    for host in ("evil.example:8000", "127.0.0.1.nip.io:8000"):
        refused = client.get("/api/runs", headers={"host": host})
        assert refused.status_code == 400 and "rows" not in refused.text
