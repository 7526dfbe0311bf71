"""Damaged, half-written and changing run folders: each shows as an error on its own
row while everything else is served, runs may appear, finish and vanish while the
page polls, and the server never writes into the runs folder."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from nnexp.serve import catalog
from nnexp.serve.app import create_app

GOOD = "2026-01-01_00-00-00_r0"


def damage(
    root: Path, name: str, file: str, content: bytes | None, size: int = 0
) -> Path:
    folder = root / name
    shutil.copytree(root / GOOD, folder)
    if content is None:  # a sparse file of ``size`` bytes: large, but takes no disk
        with open(folder / file, "wb") as f:
            f.truncate(size)
    else:
        (folder / file).write_bytes(content)
    return folder


def error_rows(client: TestClient) -> dict[str, str]:
    response = client.get("/api/runs")
    assert response.status_code == 200
    rows = response.json()["rows"]
    assert {r["name"] for r in rows if r["error"] is None} >= {"r0", "r1", "r2", "r3"}
    return {r["id"]: r["error"] for r in rows if r["error"]}


def test_each_damaged_folder_is_an_error_on_its_own_row(client, runs_root):
    summary = (runs_root / GOOD / "summary.json").read_bytes()
    damage(runs_root, "half_summary", "summary.json", summary[: len(summary) // 2])
    damage(runs_root, "binary_summary", "summary.json", bytes(range(256)) * 8)
    damage(
        runs_root, "binary_metrics", "metrics.csv", b"\xff\xfe\x00garbage\x80\x81" * 100
    )
    damage(
        runs_root, "wrong_type", "summary.json", json.dumps({"epochs": "many"}).encode()
    )
    damage(runs_root, "not_an_object", "summary.json", b"[1, 2, 3]")
    damage(runs_root, "huge_metrics", "metrics.csv", None, size=2**30)  # 1 GiB
    damage(runs_root, "bad_yaml", "config.yaml", b"model: [unclosed\n  - {")
    errors = error_rows(client)
    assert set(errors) == {
        "half_summary",
        "binary_summary",
        "binary_metrics",
        "wrong_type",
        "not_an_object",
        "huge_metrics",
        "bad_yaml",
    }
    assert errors["half_summary"].startswith(
        "half_summary/summary.json is not readable JSON"
    )
    assert errors["binary_summary"] == (
        "summary.json is not text (byte 0x80 at position 128 is not UTF-8)"
    )
    assert errors["binary_metrics"].startswith("metrics.csv is not text (byte 0xff")
    assert "epochs" in errors["wrong_type"]
    assert "JSON list" in errors["not_an_object"]
    assert errors["huge_metrics"] == (
        "metrics.csv is 1024 MiB, more than the 64 MiB the dashboard reads"
    )
    assert "config.yaml is not readable YAML" in errors["bad_yaml"]
    for text in errors.values():
        assert "Traceback" not in text and len(text) <= catalog.MAX_ERROR
        assert text.isprintable()
    for name in errors:  # their own pages say the same, as data, not as a crash
        view = client.get(f"/api/run/{name}")
        assert view.status_code == 200 and view.json()["error"] == errors[name]
        assert client.get("/api/compare", params={"run": name}).json()["skipped"]
    status = client.get("/api/runs", params={"status": "unreadable"}).json()["rows"]
    assert {r["id"] for r in status} == set(errors)


def test_a_metrics_file_being_written_shows_the_rows_so_far(client, runs_root):
    folder = damage(runs_root, "writing", "metrics.csv", b"")
    lines = (runs_root / GOOD / "metrics.csv").read_text().splitlines()
    cut = lines[3][:8]  # the third epoch cut short: "3,0.1234"
    (folder / "metrics.csv").write_text("\n".join(lines[:3]) + "\n" + cut)
    view = client.get("/api/run/writing").json()
    assert view["error"] is None
    assert view["series"]["epochs"] == 3
    loss = view["series"]["panels"][0]
    assert loss["title"] == "loss"
    train, val = loss["traces"]
    assert train["x"] == [1.0, 2.0, 3.0]
    expected = [float(line.split(",")[1]) for line in lines[1:3]]
    assert train["y"] == [*expected, float(cut.split(",")[1])]
    assert val["y"][2] is None  # not written yet: a gap, not a zero


def test_runs_that_appear_change_and_vanish_while_the_page_polls(client, runs_root):
    assert len(client.get("/api/runs").json()["rows"]) == 4
    new = damage(
        runs_root,
        "2026-01-02_00-00-00_new",
        "summary.json",
        (runs_root / GOOD / "summary.json").read_bytes(),
    )
    summary = json.loads((new / "summary.json").read_text())
    summary.update(
        status="running", pid=os.getpid(), host=__import__("socket").gethostname()
    )
    (new / "summary.json").write_text(json.dumps(summary))
    rows = {r["id"]: r for r in client.get("/api/runs").json()["rows"]}
    assert rows[new.name]["status"] == "running"
    summary["status"] = "completed"
    (new / "summary.json").write_text(
        json.dumps(summary) + " "
    )  # another size: re-read
    rows = {r["id"]: r for r in client.get("/api/runs").json()["rows"]}
    assert rows[new.name]["status"] == "completed"
    shutil.rmtree(new)
    shutil.rmtree(runs_root / GOOD)
    rows = client.get("/api/runs").json()["rows"]
    assert sorted(r["name"] for r in rows) == ["r1", "r2", "r3"]
    assert client.get(f"/api/run/{GOOD}").status_code == 404
    assert client.get("/api/compare", params={"run": GOOD}).status_code == 404
    shutil.rmtree(runs_root)
    assert client.get("/api/runs").json()["rows"] == []  # even the folder itself


def test_a_folder_deleted_between_the_listing_and_the_reading_is_a_row_error(
    runs_root, monkeypatch
):
    board = catalog.Catalog(runs_root)
    folders, sweeps = board.scan()
    shutil.rmtree(folders[0])
    monkeypatch.setattr(board, "scan", lambda: (folders, sweeps))
    entries = board.entries()
    assert entries[0].error is not None and "is not a folder" in entries[0].error
    assert all(e.error is None for e in entries[1:])


def test_a_folder_is_read_again_only_when_its_files_change(runs_root, monkeypatch):
    board = catalog.Catalog(runs_root)
    reads = []
    original = catalog.load_run
    monkeypatch.setattr(
        catalog, "load_run", lambda path: reads.append(path) or original(path)
    )
    board.entries()
    assert len(reads) == 4
    board.entries()
    assert len(reads) == 4
    metrics = runs_root / GOOD / "metrics.csv"
    metrics.write_text(
        metrics.read_text() + metrics.read_text().splitlines()[-1] + "\n"
    )
    board.entries()
    assert reads[4:] == [runs_root / GOOD]


def tree(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, p.stat().st_size)
        for p in sorted(root.rglob("*"))
    }


def test_the_server_never_writes_into_the_runs_folder(real_sweep, runs_root):
    root = real_sweep.parent
    shutil.copytree(runs_root, root / "more")
    (real_sweep / "results.csv").write_text("stale\n")  # `nnexp runs` would rewrite it
    before = tree(root)
    client = TestClient(create_app(root))
    runs = client.get("/api/runs").json()["rows"]
    sweep = client.get(f"/api/sweep/{real_sweep.name}").json()
    urls = [f["url"] for f in sweep["figures"]]
    for row in runs:
        view = client.get(f"/api/run/{row['id']}").json()
        urls += [f["url"] for f in view["live"] + view["images"]]
    urls += ["/api/sweeps", f"/api/compare?sweep={real_sweep.name}"]
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert tree(root) == before


@pytest.mark.parametrize("content", [b"", b"{", b"null"])
def test_a_damaged_sweep_file_shows_on_its_page(client, runs_root, content):
    folder = runs_root / "sweeps" / "broken"
    folder.mkdir(parents=True)
    (folder / "sweep.yaml").write_bytes(content)
    sweeps = client.get("/api/sweeps").json()["sweeps"]
    assert sweeps[0]["id"] == "sweeps/broken" and "error" in sweeps[0]
    page = client.get("/api/sweep/sweeps/broken")
    assert page.status_code == 200 and page.json()["error"]
