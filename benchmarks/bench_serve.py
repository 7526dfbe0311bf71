"""How fast the dashboard answers for a runs folder of 1,000 run folders.

Writes N synthetic run folders (config.yaml, summary.json and a 30-epoch metrics.csv
each, settings varied over activation, learning rate and seed) into a temporary folder,
starts the dashboard on 127.0.0.1 (uvicorn, as ``nnexp serve`` does) and times, over
real HTTP:

* the first answer of ``/api/runs`` (every folder read: the cold cache);
* the next answers (median of --repeats; only ``stat`` calls and the cached table);
* an answer after --touch runs wrote an epoch (those folders read again);
* ``/api/runs?filter=activation=relu`` (a filter: the table of the runs kept).

    python benchmarks/bench_serve.py [--runs 1000] [--repeats 7] [--touch 10]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "serve"))
from live import served  # noqa: E402

ACTIVATIONS = ("relu", "tanh", "abs", "elu")
RATES = (0.3, 0.1, 0.03, 0.01, 0.003)


def write_runs(root: Path, n: int, epochs: int = 30) -> None:
    rng = np.random.default_rng(0)
    columns = "epoch,train_loss,val_loss,train_accuracy,val_accuracy,lr,seconds"
    for i in range(n):
        act, lr, seed = ACTIVATIONS[i % 4], RATES[(i // 4) % 5], i // 20
        folder = root / f"2026-01-01_00-{i // 60:02d}-{i % 60:02d}_r{i}"
        folder.mkdir(parents=True)
        config = {
            "name": f"r{i}",
            "seed": seed,
            "dataset": {"name": "blobs", "validation": 0.2},
            "model": {"hidden": [16], "activation": {"name": act}},
            "loss": "cross_entropy",
            "optimizer": {"name": "sgd", "lr": lr},
            "training": {"epochs": epochs, "batch_size": 32},
        }
        (folder / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
        loss = (
            0.1 + np.exp(-np.arange(1, epochs + 1) / 5) + rng.uniform(0, 0.01, epochs)
        )
        rows = [
            f"{e + 1},{loss[e]:.6f},{loss[e] + 0.02:.6f},{1 - loss[e] / 2:.6f},"
            f"{1 - loss[e] / 2 - 0.01:.6f},{lr},0.1"
            for e in range(epochs)
        ]
        (folder / "metrics.csv").write_text(columns + "\n" + "\n".join(rows) + "\n")
        last = dict(
            zip(columns.split(","), map(float, rows[-1].split(",")), strict=True)
        )
        summary = {
            "name": f"r{i}",
            "seed": seed,
            "dataset": {"name": "blobs", "task": "classification"},
            "status": "completed",
            "started": "2026-01-01T00:00:00",
            "epochs": epochs,
            "final": last,
            "best": last,
            "test": {"loss": last["val_loss"], "accuracy": last["val_accuracy"]},
            "wall_seconds": 3.0,
        }
        (folder / "summary.json").write_text(json.dumps(summary))


def fetch(url: str) -> tuple[float, int]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as answer:
        rows = len(json.load(answer)["rows"])
    return time.perf_counter() - start, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--touch", type=int, default=10)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_serve_"))
    try:
        root = tmp / "runs"
        start = time.perf_counter()
        write_runs(root, args.runs)
        print(f"{args.runs} run folders written in {time.perf_counter() - start:.1f} s")
        with served(root) as base:
            first, rows = fetch(base + "/api/runs")
            assert rows == args.runs, rows
            warm = [fetch(base + "/api/runs")[0] for _ in range(args.repeats)]
            folders = sorted(root.iterdir())[: args.touch]
            for folder in folders:
                with open(folder / "metrics.csv", "a") as f:
                    f.write("31,0.1,0.12,0.95,0.94,0.1,0.1\n")
            touched, _ = fetch(base + "/api/runs")
            filtered, kept = fetch(base + "/api/runs?filter=activation=relu")
            page = time.perf_counter()
            urllib.request.urlopen(base + "/", timeout=60).read()
            page = time.perf_counter() - page
        print(f"/api/runs, first answer (cold: every folder read): {first:.2f} s")
        print(
            f"/api/runs, after the first (median of {args.repeats}): "
            f"{statistics.median(warm):.3f} s (max {max(warm):.3f} s)"
        )
        print(f"/api/runs after {args.touch} runs wrote an epoch: {touched:.3f} s")
        print(f"/api/runs?filter=activation=relu ({kept} runs): {filtered:.3f} s")
        print(f"/ (the page itself): {page * 1000:.1f} ms")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
