"""The JSON endpoints: the runs table, a run, a comparison and a sweep, checked
against what the run folders hold and what ``nnexp compare`` computes."""

from __future__ import annotations

import json
import math
import shutil

import pandas as pd
import pytest
from starlette.testclient import TestClient

import nnexp
from nnexp.analysis.compare import compare
from nnexp.analysis.stats import group_stats
from nnexp.serve.app import create_app


def rows_by_name(client) -> dict[str, dict]:
    response = client.get("/api/runs")
    assert response.status_code == 200
    return {row["name"]: row for row in response.json()["rows"]}


def test_the_runs_table_has_every_run_its_differing_settings_and_metrics(
    client, runs_root
):
    data = client.get("/api/runs").json()
    assert data["settings"] == [
        "activation",
        "seed",
    ]  # the name differs too, but never counts
    rows = {row["name"]: row for row in data["rows"]}
    assert sorted(rows) == ["r0", "r1", "r2", "r3"]
    r2 = rows["r2"]
    assert r2["settings"] == {"activation": "relu", "seed": "0"}
    assert r2["status"] == "completed" and r2["error"] is None
    summary = json.loads(
        (runs_root / "2026-01-01_00-00-02_r2" / "summary.json").read_text()
    )
    assert r2["final"]["val_accuracy"] == summary["final"]["val_accuracy"]
    assert r2["best"]["val_loss"] == summary["best"]["val_loss"]
    assert r2["test"] == {"loss": 0.2, "accuracy": 0.95}
    assert r2["epochs"] == 6 and r2["planned"] == 6
    assert r2["duration"] == summary["wall_seconds"]


def test_filters_are_those_of_nnexp_runs(client):
    relu = client.get("/api/runs", params={"filter": "activation=relu"}).json()
    assert sorted(r["name"] for r in relu["rows"]) == ["r2", "r3"]
    assert relu["settings"] == ["seed"]  # among the runs kept, only the seed differs
    both = client.get(
        "/api/runs", params=[("filter", "activation=relu"), ("filter", "seed=1")]
    )
    assert [r["name"] for r in both.json()["rows"]] == ["r3"]
    assert client.get("/api/runs", params={"status": "running"}).json()["rows"] == []
    assert [
        r["name"] for r in client.get("/api/runs", params={"q": "R1"}).json()["rows"]
    ] == ["r1"]
    typo = client.get("/api/runs", params={"filter": "activaton=relu"})
    assert typo.status_code == 400
    assert "no run has this config key" in typo.json()["error"]
    bad = client.get("/api/runs", params={"status": "finished"})
    assert bad.status_code == 400 and "expected one of" in bad.json()["error"]


def test_a_run_page_holds_its_curves_config_and_summary(client, runs_root):
    folder = runs_root / "2026-01-01_00-00-01_r1"
    view = client.get(f"/api/run/{folder.name}").json()
    history = pd.read_csv(folder / "metrics.csv")
    assert view["name"] == "r1" and view["status"] == "completed"
    assert view["series"]["epochs"] == len(history)
    loss = next(p for p in view["series"]["panels"] if p["title"] == "loss")
    train = next(t for t in loss["traces"] if t["name"] == "train")
    assert train["x"] == history["epoch"].astype(float).tolist()
    assert train["y"] == history["train_loss"].tolist()
    titles = [p["title"] for p in view["series"]["layers"]]
    assert titles == [
        "weight norm",
        "gradient norm",
        "dead units (fraction)",
        "saturated units (fraction)",
        "update / weight ratio",
    ]
    assert "activation:\n    name: tanh" in view["config"]
    assert view["summary"]["seed"] == 1
    assert view["findings"] == []
    assert [f["name"] for f in view["live"]] == ["curves", "layers"]
    png = client.get(view["live"][0]["url"])
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_findings_are_shown_as_the_run_wrote_them(client, runs_root):
    """summary.json's ``findings`` (training/findings.py: rule, layer, epoch, message,
    evidence) reach the run view as a title, the message and the rest as detail."""
    folder = runs_root / "2026-01-01_00-00-00_r0"
    summary = json.loads((folder / "summary.json").read_text())
    summary["findings"] = [
        {
            "rule": "dead_units",
            "layer": 1,
            "epoch": 3,
            "message": "layer 1: 62 % of units dead from epoch 3",
            "evidence": {"fraction": 0.62, "threshold": 0.5},
        },
    ]
    (folder / "summary.json").write_text(json.dumps(summary))
    findings = client.get(f"/api/run/{folder.name}").json()["findings"]
    assert findings == [
        {
            "title": "dead_units",
            "text": "layer 1: 62 % of units dead from epoch 3",
            "detail": json.dumps(
                {
                    "layer": 1,
                    "epoch": 3,
                    "evidence": {"fraction": 0.62, "threshold": 0.5},
                }
            ),
        },
    ]


def test_compare_gives_the_interval_and_paired_test_of_nnexp_compare(client, runs_root):
    names = sorted(p.name for p in runs_root.iterdir())
    params = [("run", n) for n in names] + [("by", "activation")]
    view = client.get("/api/compare", params=params).json()
    runs = [nnexp.load_run(runs_root / n) for n in names]
    expected = group_stats(compare(runs), ["activation"]).table
    table = pd.DataFrame(
        view["stats"]["table"]["rows"], columns=view["stats"]["table"]["columns"]
    )
    assert list(table["activation"]) == list(expected["activation"]) == ["relu", "tanh"]
    for column in ("mean", "std", "ci95_low", "ci95_high", "diff"):
        assert table[column].tolist() == pytest.approx(
            expected[column].tolist(), nan_ok=True
        )
    assert table["pairs"].tolist()[1] == 2  # paired over the seeds
    assert table["p"].tolist()[1] == pytest.approx(float(expected["p"].iloc[1]))
    panel = next(p for p in view["series"] if p["title"] == "val accuracy")
    relu = next(t for t in panel["traces"] if t["name"] == "activation=relu")
    values = [
        pd.read_csv(runs_root / n / "metrics.csv")["val_accuracy"] for n in names[2:]
    ]
    mean, std = (
        (values[0] + values[1]) / 2,
        pd.concat(values, axis=1).std(axis=1, ddof=1),
    )
    assert relu["y"] == pytest.approx(mean.tolist())
    assert relu["high"] == pytest.approx((mean + std).tolist())
    assert view["differences"]["columns"] == ["run", "model.activation.name", "seed"]


def test_compare_groups_by_every_setting_but_the_seed_by_default_and_smooths(
    client, runs_root
):
    names = sorted(p.name for p in runs_root.iterdir())
    plain = client.get("/api/compare", params=[("run", n) for n in names]).json()
    assert plain["by"] == ["activation"]
    smooth = client.get(
        "/api/compare", params=[("run", n) for n in names] + [("smooth", "3")]
    ).json()
    raw = next(p for p in plain["series"] if p["title"] == "val loss")["traces"][0]["y"]
    smoothed = next(p for p in smooth["series"] if p["title"] == "val loss")["traces"][
        0
    ]["y"]
    assert smoothed[1] == pytest.approx(sum(raw[0:3]) / 3)  # centred window of 3
    assert smoothed[0] == pytest.approx(sum(raw[0:2]) / 2)  # cut short at the ends
    for bad in ("0", "x", "100000"):
        response = client.get("/api/compare", params={"run": names[0], "smooth": bad})
        assert response.status_code == 400 and "smooth" in response.json()["error"]
    assert client.get("/api/compare").status_code == 400


def test_a_sweep_page_has_its_progress_results_and_figures(real_sweep):
    root = real_sweep.parent
    with TestClient(create_app(root)) as client:
        sweeps = client.get("/api/sweeps").json()["sweeps"]
        assert [s["id"] for s in sweeps] == [real_sweep.name]
        assert sweeps[0]["progress"]["completed"] == 4 == sweeps[0]["progress"]["total"]
        view = client.get(f"/api/sweep/{real_sweep.name}").json()
        results = pd.read_csv(real_sweep / "results.csv")
        assert view["results"]["columns"] == list(results.columns)
        assert [row[0] for row in view["results"]["rows"]] == list(results["cell"])
        assert view["ids"] == [f"{real_sweep.name}/{c}" for c in results["cell"]]
        names = [f["name"] for f in view["figures"]]
        assert "curves_by_activation.png" in names
        for figure in view["figures"]:
            png = client.get(figure["url"])
            assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
        cells = client.get("/api/compare", params={"sweep": real_sweep.name}).json()
        assert len(cells["runs"]) == 4 and cells["by"] == ["activation"]
        assert cells["stats"]["table"]["columns"][:1] == ["activation"]
        rows = client.get("/api/runs").json()["rows"]
        assert sorted(r["name"] for r in rows) == sorted(
            f"act/{c}" for c in results["cell"]
        )


def test_pages_and_scripts_are_served_without_a_network(client):
    for path in ("/", "/run/x", "/compare", "/sweep/x"):
        page = client.get(path)
        assert (
            page.status_code == 200
            and '<script src="/static/plotly.min.js">' in page.text
        )
        assert "http" not in page.text.replace(
            "http-equiv", ""
        )  # nothing from elsewhere
    plotly = client.get("/static/plotly.min.js")
    assert plotly.status_code == 200 and len(plotly.content) > 1_000_000
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/nothing.js").status_code == 404


def test_an_unknown_run_or_sweep_is_a_404(client):
    assert client.get("/api/run/nope").status_code == 404
    assert client.get("/api/sweep/nope").status_code == 404
    assert client.get("/api/compare", params={"run": "nope"}).status_code == 404
    assert client.get("/figure/run/curves/nope").status_code == 404


def test_runs_of_two_tasks_are_not_compared_but_said_so(client, runs_root, rng):
    import analysis_fixtures as fx

    fx.write_run(
        runs_root / "reg",
        fx.REGRESSION_CONFIG,
        fx.make_history(rng, task="regression"),
        task="regression",
    )
    view = client.get(
        "/api/compare", params=[("run", "reg"), ("run", "2026-01-01_00-00-00_r0")]
    ).json()
    assert "different tasks" in view["error"]


def test_a_run_without_epochs_is_left_out_of_a_comparison_with_a_note(
    client, runs_root
):
    empty = runs_root / "2026-01-01_00-00-00_r0"
    shutil.copytree(empty, runs_root / "fresh")
    (runs_root / "fresh" / "metrics.csv").write_text("")
    view = client.get(
        "/api/compare", params=[("run", "fresh"), ("run", empty.name)]
    ).json()
    assert view["skipped"] == ["r0: no epoch recorded yet"]
    assert math.isfinite(
        view["table"]["rows"][0][view["table"]["columns"].index("epochs")]
    )
