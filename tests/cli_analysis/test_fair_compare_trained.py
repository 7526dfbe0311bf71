"""A fixed-setting comparison and a fair one disagree, on real training runs.

tanh and abs on two concentric circles, three seeds, each at lr 0.1 and 1.0 with
momentum 0.9 (twelve runs of a few epochs).  At lr 1.0 the loss of abs explodes (up
by orders of magnitude, still finite, status completed), so at that one setting tanh
"wins"; chosen on validation per activation, abs at lr 0.1 beats tanh at lr 1.0 on
the test split.
"""

from __future__ import annotations

import io
import math
import re

import pandas as pd
import pytest

from nnexp.analysis.explode import EXPLODE_FACTOR

SPEC = {
    "name": "fair",
    "seed": 0,
    "dataset": {"name": "circles", "n": 400},
    "model": {"hidden": [16], "activation": "tanh", "output_activation": "softmax"},
    "loss": "cross_entropy",
    "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9},
    "training": {"epochs": 5, "batch_size": 32},
}


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    """activation (tanh, abs) × lr (0.1, 1.0) × seed (0, 1, 2): the run folders by
    (activation, lr)."""
    from nnexp import api

    root = tmp_path_factory.mktemp("fair") / "runs"
    folders: dict[tuple[str, float], list[str]] = {}
    for activation in ("tanh", "abs"):
        for lr in (0.1, 1.0):
            for seed in (0, 1, 2):
                run = api.run(
                    SPEC,
                    [f"model.activation={activation}", f"optimizer.lr={lr}"],
                    seed=seed,
                    runs_dir=root,
                )
                folders.setdefault((activation, lr), []).append(str(run.path))
    return folders


def _csv(result) -> pd.DataFrame:
    assert result.exit_code == 0, result.output
    return pd.read_csv(io.StringIO(result.stdout))


def _files(folders):
    """Per run: final val accuracy, test accuracy and train losses from its files."""
    out = []
    for folder in folders:
        metrics = pd.read_csv(f"{folder}/metrics.csv")
        summary = pd.read_json(f"{folder}/summary.json", typ="series")
        out.append(
            (
                metrics["val_accuracy"].iloc[-1],
                summary["test"]["accuracy"],
                metrics["train_loss"],
            )
        )
    return out


def test_at_one_learning_rate_abs_explodes_and_loses(cli, grid):
    at_one = grid[("tanh", 1.0)] + grid[("abs", 1.0)]
    runs = _csv(cli("compare", *at_one, "-f", "csv"))
    abs_runs = runs[runs["activation"] == "abs"]
    assert (abs_runs["status"] == "completed").all()  # nothing says diverged
    # the rule, from the files: peak train loss over min(first epoch, ln 2)
    for row in abs_runs.itertuples():
        losses = pd.read_csv(f"{row.folder}/metrics.csv")["train_loss"]
        ratio = losses.max() / min(losses.iloc[0], math.log(2))
        assert ratio > EXPLODE_FACTOR and row.exploded == pytest.approx(ratio)
    assert runs.loc[runs["activation"] == "tanh", "exploded"].isna().all()

    groups = _csv(
        cli(
            "compare",
            *at_one,
            "--by",
            "activation",
            "--sort",
            "test_accuracy",
            "-f",
            "csv",
        )
    )
    assert list(groups["activation"]) == ["tanh", "abs"]  # the fixed setting's verdict
    assert list(groups["exploded_runs"]) == [0, 3]
    text = " ".join(cli("compare", *at_one, "--by", "activation").stdout.split())
    assert "warning: activation=abs: 3 of 3 runs exploded" in text
    assert "lr=1.0" in text and "--tune lr" in text


def test_each_at_its_best_learning_rate_abs_wins(cli, grid):
    everything = [f for folders in grid.values() for f in folders]
    fair = _csv(
        cli("compare", *everything, "--by", "activation", "--tune", "lr", "-f", "csv")
    )
    # validation chose each activation's lr: recomputed from the files
    means = {
        key: pd.Series([v for v, _, _ in _files(f)]).mean() for key, f in grid.items()
    }
    for activation in ("tanh", "abs"):
        best = max((0.1, 1.0), key=lambda lr: means[(activation, lr)])
        row = fair[fair["activation"] == activation].iloc[0]
        assert row["lr"] == best
        tests = [t for _, t, _ in _files(grid[(activation, best)])]
        assert row["mean"] == pytest.approx(sum(tests) / len(tests))
    assert list(zip(fair["activation"], fair["lr"], strict=True)) == [
        ("abs", 0.1),
        ("tanh", 1.0),
    ]
    assert fair["pairs"].iloc[1] == 3  # paired by seed
    # --fair tunes every varying setting but the seed: here the same
    auto = _csv(
        cli("compare", *everything, "--by", "activation", "--fair", "-f", "csv")
    )
    pd.testing.assert_frame_equal(auto, fair)
    # and the terminal says what was chosen, and what exploded on the way
    text = " ".join(
        cli("compare", *everything, "--by", "activation", "--tune", "lr").stdout.split()
    )
    assert "each at its best lr (chosen on final val accuracy (%)" in text
    assert "abs at lr=1.0 (3 of 3)" in text
    # without --tune, the pooled comparison says how to make it fair
    pooled = " ".join(cli("compare", *everything, "--by", "activation").stdout.split())
    assert "each group mixes runs that differ in lr (0.1, 1.0)" in pooled


def test_tune_needs_groups(cli, grid):
    folders = grid[("abs", 0.1)]
    for args, message in [
        (("--tune", "lr"), "needs the groups: add --by"),
        (("--by", "activation", "--tune", "lr", "--fair"), "not both"),
    ]:
        result = cli("compare", *folders, *args)
        assert result.exit_code == 2 and message in " ".join(result.output.split())


def test_the_report_says_it_too(cli, grid, tmp_path):
    at_one = grid[("tanh", 1.0)] + grid[("abs", 1.0)]
    result = cli("report", *at_one, "--by", "activation", "-o", tmp_path / "fixed.html")
    assert result.exit_code == 0, result.output
    fixed = (tmp_path / "fixed.html").read_text()
    assert "exploded (loss)" in fixed  # the comparison table's column
    assert "warning: activation=abs: 3 of 3 runs exploded" in fixed
    captions = re.findall(r"<figcaption>([^<]*)</figcaption>", fixed)
    assert any("exploded" in c and "activation=abs (3 runs)" in c for c in captions)

    everything = [f for folders in grid.values() for f in folders]
    out = tmp_path / "fair.html"
    result = cli("report", *everything, "--by", "activation", "--tune", "lr", "-o", out)
    assert result.exit_code == 0, result.output
    fair = out.read_text()
    section = fair.split("<h2>Each group at its best setting</h2>")[1].split("<h2>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", section.split("<h3>")[0])[1:]
    cells = [re.findall(r"<td[^>]*>([^<]*)</td>", row)[:2] for row in rows]
    assert cells == [["abs", "0.1"], ["tanh", "1.0"]]
    assert "abs at lr=1.0 (3 of 3)" in section
    # the grouped curves are those of the chosen runs, none of which exploded
    captions = re.findall(r"<figcaption>([^<]*)</figcaption>", fair)
    assert captions[0] == "each group at its chosen setting (see above)"
