"""Exploded runs, warnings of a fixed-setting comparison, and the fair comparison
(each group at its best setting on validation, reported on test), on synthetic runs."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from analysis_fixtures import make_config, make_history, write_run

from nnexp.analysis.compare import compare
from nnexp.analysis.explode import EXPLODE_FACTOR, explosion
from nnexp.analysis.fair import fair_stats
from nnexp.analysis.select import select_runs
from nnexp.analysis.stats import group_stats
from nnexp.errors import RunError
from nnexp.runs.reader import load_run

#: Validation accuracy by (activation, lr): relu is best at lr 1.0 (where abs
#: explodes), abs at lr 0.01; at its best abs beats relu.
QUALITY = {
    ("relu", 0.01): 0.80,
    ("relu", 0.1): 0.90,
    ("relu", 1.0): 0.92,
    ("abs", 0.01): 0.96,
    ("abs", 0.1): 0.93,
    ("abs", 1.0): 0.40,
}


def _grid(root, rng, quality=QUALITY, seeds=3):
    for (act, lr), q in quality.items():
        for seed in range(seeds):
            history = make_history(rng, quality=q + 0.01 * seed)
            if (act, lr) == ("abs", 1.0):  # blows up, stays finite
                history["train_loss"] = history["train_loss"].iloc[0] * np.logspace(
                    0, 12, len(history)
                )
            config = make_config(
                model__activation__name=act, optimizer__lr=lr, seed=seed
            )
            write_run(
                root / f"{act},lr={lr},seed={seed}",
                config,
                history,
                # test values differ from validation: the test reports, never chooses
                test={"loss": 0.2, "accuracy": q - 0.05 + 0.002 * seed},
            )
    return root


def _loss_run(tmp_path, rng, losses, *, status=None, outputs=None):
    history = make_history(rng, epochs=len(losses))
    history["train_loss"] = losses
    run = write_run(
        tmp_path / f"run{len(list(tmp_path.iterdir()))}",
        make_config(),
        history,
        status=status,
    )
    if outputs is not None:
        summary = json.loads((run / "summary.json").read_text())
        summary["dataset"]["n_outputs"] = outputs
        (run / "summary.json").write_text(json.dumps(summary))
    return load_run(run)


def test_the_explosion_rule(tmp_path, rng):
    factor = EXPLODE_FACTOR
    # rises just above / just below the factor times the first epoch's loss
    above = _loss_run(tmp_path, rng, [0.7, 0.5, 0.7 * factor * 1.01])
    assert explosion(above) == pytest.approx(factor * 1.01)
    assert explosion(_loss_run(tmp_path, rng, [0.7, 0.5, 0.7 * factor * 0.99])) is None
    # a run that learns is not exploded, however far its loss falls
    assert explosion(_loss_run(tmp_path, rng, [2.3, 0.1, 1e-6])) is None
    # a loss already huge in the first epoch: ln K is the reference (10 classes)
    early = _loss_run(tmp_path, rng, [1e16, 2e16, 1e16], outputs=10)
    assert explosion(early) == pytest.approx(2e16 / math.log(10))
    # a non-finite loss is a divergence (the trainer's status), not an explosion
    diverged = _loss_run(tmp_path, rng, [0.7, 1e5, math.inf])
    assert diverged.status == "diverged" and explosion(diverged) is None


def test_exploded_runs_are_flagged_in_the_table(tmp_path, rng):
    table = compare(select_runs([_grid(tmp_path, rng)]).runs).table
    flagged = table[table["exploded"].notna()]
    assert set(zip(flagged["activation"], flagged["lr"], strict=True)) == {("abs", 1.0)}
    assert (flagged["status"] == "completed").all()
    for row in flagged.itertuples():
        losses = pd.read_csv(f"{row.folder}/metrics.csv")["train_loss"]
        assert row.exploded == pytest.approx(losses.max() / losses.iloc[0])


def test_a_fixed_setting_comparison_warns_of_explosions_and_pooling(tmp_path, rng):
    root = _grid(tmp_path, rng)
    at_one_lr = [p for p in root.iterdir() if ",lr=1.0," in p.name]
    stats = group_stats(compare(select_runs(at_one_lr).runs), ["activation"])
    assert list(stats.table["activation"]) == ["relu", "abs"]  # abs "loses"
    assert list(stats.table["exploded_runs"]) == [0, 3]
    (warning,) = stats.warnings
    assert "activation=abs: 3 of 3 runs exploded" in warning and "lr=1.0" in warning
    assert "--tune lr" in warning
    # every lr pooled into one mean per activation: said, with the way out
    pooled = group_stats(compare(select_runs([root]).runs), ["activation"])
    assert (
        "each group mixes runs that differ in lr (0.01, 0.1, 1.0)" in pooled.warnings[0]
    )
    assert "--tune lr" in pooled.warnings[0]


def test_each_group_at_its_best_setting_chosen_on_validation(tmp_path, rng):
    root = _grid(tmp_path, rng)
    comparison = compare(select_runs([root]).runs)
    fair = fair_stats(comparison, ["activation"], ["lr"])
    table = fair.stats.table
    assert (fair.select, fair.report) == ("final_val_accuracy", "test_accuracy")
    # the choice, recomputed from the files: the best mean final val accuracy
    runs = comparison.table
    means = runs.groupby(["activation", "lr"])["final_val_accuracy"].mean()
    for row in table.itertuples():
        best_lr = means[row.activation].idxmax()
        assert row.lr == best_lr
        assert row.val_mean == pytest.approx(means[(row.activation, best_lr)])
        chosen = runs[(runs["activation"] == row.activation) & (runs["lr"] == best_lr)]
        assert row.mean == pytest.approx(chosen["test_accuracy"].mean())
    assert list(zip(table["activation"], table["lr"], strict=True)) == [
        ("abs", 0.01),
        ("relu", 1.0),
    ]
    # paired by seed (the lr differs by design), three seeds
    assert fair.stats.pair_keys == ["seed"] and table["pairs"].iloc[1] == 3
    assert table["diff"].iloc[1] == pytest.approx(
        runs.query("activation == 'relu' and lr == 1.0")["test_accuracy"].mean()
        - runs.query("activation == 'abs' and lr == 0.01")["test_accuracy"].mean()
    )
    grid = fair.grid
    assert len(grid) == 6 and (grid["chosen"] == "chosen").sum() == 2
    assert grid.loc[
        grid["exploded_runs"] > 0, ["activation", "lr"]
    ].values.tolist() == [["abs", 1.0]]
    assert any("abs at lr=1.0 (3 of 3)" in w for w in fair.warnings)
    # relu's best lr is the largest tried: said
    assert any(
        "relu: the chosen lr (1.0) is the largest tried" in w for w in fair.warnings
    )
    # --fair: every other varying key but the seed, here lr
    auto = fair_stats(comparison, ["activation"], None)
    assert auto.tuned == ["optimizer.lr"] and auto.stats.table.equals(table)


def test_a_setting_with_a_broken_seed_is_not_chosen(tmp_path, rng):
    root = _grid(
        tmp_path, rng, quality={("relu", 0.1): 0.9, ("relu", 1.0): 0.95}, seeds=2
    )
    broken = root / "relu,lr=1.0,seed=1" / "metrics.csv"
    frame = pd.read_csv(broken)
    frame.loc[len(frame) - 1, "val_accuracy"] = math.nan
    frame.to_csv(broken, index=False)
    fair = fair_stats(compare(select_runs([root]).runs), ["activation"], ["lr"])
    assert fair.stats.table["lr"].tolist() == [0.1]


def test_fair_mode_errors(tmp_path, rng, runs_dir):
    comparison = compare(select_runs([_grid(tmp_path / "g", rng)]).runs)
    for by, tune, message in [
        (["activation"], ["activation"], "both grouped on"),
        (["activation"], ["momentum"], "cannot tune 'optimizer.momentum'"),
        (["activation"], ["seed"], "cannot tune 'seed'"),
        (["activation", "lr"], None, "--fair has nothing to tune"),
    ]:
        with pytest.raises(RunError, match=message):
            fair_stats(comparison, by, tune)


def test_regression_chooses_the_lowest_validation_mse(tmp_path, rng):
    from analysis_fixtures import REGRESSION_CONFIG

    for act, lr, quality in [
        ("relu", 0.01, 0.5),
        ("relu", 0.1, 0.9),
        ("abs", 0.01, 0.95),
        ("abs", 0.1, 0.6),
    ]:
        for seed in range(2):
            config = make_config(
                REGRESSION_CONFIG,
                model__activation__name=act,
                optimizer__lr=lr,
                seed=seed,
            )
            write_run(
                tmp_path / f"{act},{lr},{seed}",
                config,
                make_history(rng, task="regression", quality=quality),
                task="regression",
                test={"loss": 0.1, "mse": 1 - quality, "max_abs_error": 0.3},
            )
    fair = fair_stats(compare(select_runs([tmp_path]).runs), ["activation"], ["lr"])
    assert (fair.select, fair.report) == ("final_val_mse", "test_mse")
    table = fair.stats.table
    assert list(zip(table["activation"], table["lr"], strict=True)) == [
        ("abs", 0.01),
        ("relu", 0.1),
    ]
    assert table["mean"].tolist() == pytest.approx([0.05, 0.1])


def test_runs_that_restored_their_best_weights_are_chosen_on_the_best_epoch(
    tmp_path, rng
):
    """Their test split evaluates the best epoch's weights, so that epoch's validation
    accuracy chooses: lr 0.1 peaks higher but ends lower than lr 0.01."""
    stopping = {"monitor": "val_loss", "patience": 2, "restore_best": True}
    for lr, peak, final in [(0.1, 0.97, 0.80), (0.01, 0.90, 0.89)]:
        for seed in range(2):
            history = make_history(rng, quality=0.85)
            history.loc[2, "val_accuracy"] = peak
            history.loc[len(history) - 1, "val_accuracy"] = final
            config = make_config(
                optimizer__lr=lr, seed=seed, training__early_stopping=stopping
            )
            write_run(
                tmp_path / f"{lr},{seed}", config, history, test={"accuracy": 0.9}
            )
    comparison = compare(select_runs([tmp_path]).runs)
    fair = fair_stats(comparison, ["activation"], ["lr"])
    assert fair.stats.table["lr"].tolist() == [0.1]
    assert fair.stats.table["val_mean"].iloc[0] == pytest.approx(0.97)
