"""Replicate statistics: mean, std, t-based 95 % interval, paired t-tests."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from analysis_fixtures import make_config, make_history, write_run
from numpy.testing import assert_allclose
from scipy import stats as sps

from nnexp.analysis.compare import compare
from nnexp.analysis.select import select_runs
from nnexp.analysis.stats import group_stats
from nnexp.errors import RunError


def final_accuracy(run) -> float:
    return float(pd.read_csv(run.path / "metrics.csv")["val_accuracy"].iloc[-1])


def test_mean_std_and_interval_per_group(sweep2d):
    runs = select_runs([sweep2d]).runs
    result = group_stats(compare(runs), ["activation"])
    table = result.table.set_index("activation")
    assert list(table.index) == ["relu", "tanh", "abs"]  # best first
    for act in ("relu", "tanh", "abs"):
        values = np.array(
            [
                final_accuracy(r)
                for r in runs
                if r.config["model"]["activation"]["name"] == act
            ]
        )
        row = table.loc[act]
        assert (row["n"], row["runs"]) == (6, 6)
        assert_allclose(row["mean"], values.mean(), rtol=1e-12)
        assert_allclose(row["std"], values.std(ddof=1), rtol=1e-12)
        half = sps.t.ppf(0.975, 5) * values.std(ddof=1) / math.sqrt(6)
        assert_allclose(
            [row["ci95_low"], row["ci95_high"]],
            [values.mean() - half, values.mean() + half],
            rtol=1e-12,
        )


def test_paired_test_matches_runs_on_the_other_settings(sweep2d):
    runs = select_runs([sweep2d]).runs
    result = group_stats(compare(runs), ["activation"])
    assert result.pair_keys == ["optimizer.name", "seed"]
    by_cell = {
        (
            r.config["model"]["activation"]["name"],
            r.config["optimizer"]["name"],
            r.config["seed"],
        ): final_accuracy(r)
        for r in runs
    }
    pairs = sorted({(opt, seed) for _, opt, seed in by_cell})
    best = [by_cell[("relu", *p)] for p in pairs]
    table = result.table.set_index("activation")
    for act in ("tanh", "abs"):
        other = [by_cell[(act, *p)] for p in pairs]
        expected = sps.ttest_rel(other, best)
        row = table.loc[act]
        assert row["pairs"] == 6
        assert_allclose(
            [row["t"], row["p"]], [expected.statistic, expected.pvalue], rtol=1e-10
        )
        assert_allclose(row["diff"], np.mean(np.subtract(other, best)), rtol=1e-12)
        assert row["p"] < 0.05  # the fixture's groups are 5 points apart
    assert table.loc["relu", "note"] == "best"


def test_too_few_pairs_is_said_not_tested(runs_dir, sweep1d):
    # relu+adam is best; tanh and abs ran with sgd, so no run matches it
    result = group_stats(compare(select_runs([runs_dir]).runs), ["activation"])
    assert result.notes[0].endswith("over runs with the same optimizer.")
    rows = result.table.set_index("activation")
    assert rows.loc["tanh", "pairs"] == 0 and math.isnan(rows.loc["tanh", "p"])
    assert rows.loc["tanh", "note"] == "too few pairs (0) for a test"
    # one seed each: one pair is not enough for a t-test either
    runs = [r for r in select_runs([sweep1d]).runs if r.config["seed"] == 0]
    rows = group_stats(compare(runs), ["activation"]).table.set_index("activation")
    assert (
        rows.loc["tanh", "pairs"] == 1
        and rows.loc["tanh", "note"] == "too few pairs (1) for a test"
    )


def test_one_group_has_nothing_to_test(sweep1d):
    runs = [
        r
        for r in select_runs([sweep1d]).runs
        if r.config["model"]["activation"]["name"] == "relu"
    ]
    result = group_stats(compare(runs), ["activation"])
    assert len(result.table) == 1 and result.table["n"].iloc[0] == 3
    assert any("only one group" in n for n in result.notes)


def test_equal_results_in_every_pair_give_p_one_without_warnings(tmp_path, rng):
    history = make_history(rng)
    for act in ("relu", "tanh"):
        for seed in (0, 1, 2):
            write_run(
                tmp_path / f"{act}{seed}",
                make_config(model__activation__name=act, seed=seed),
                history,
            )
    result = group_stats(compare(select_runs([tmp_path]).runs), ["activation"])
    row = result.table.iloc[1]
    assert (row["p"], row["note"]) == (1.0, "equal in every pair")


def test_diverged_runs_are_left_out_of_the_statistics(sweep1d, rng):
    write_run(
        sweep1d / "activation=exp,seed=0",
        make_config(model__activation__name="exp"),
        make_history(rng, diverge_at=2),
    )
    comparison = compare(select_runs([sweep1d]).runs, sort="loss")
    table = group_stats(comparison, ["activation"]).table.set_index("activation")
    assert (table.loc["exp", "n"], table.loc["exp", "runs"]) == (0, 1)
    assert table.index[-1] == "exp"  # no finite value: last


def test_grouping_needs_a_metric_to_compare(runs_dir):
    comparison = compare(select_runs([runs_dir]).runs, sort="activation")
    with pytest.raises(RunError, match="sorted by 'activation'; sort by a metric"):
        group_stats(comparison, ["optimizer"])
    with pytest.raises(RunError, match="no run has the setting 'colour'"):
        group_stats(compare(select_runs([runs_dir]).runs), ["colour"])


def test_the_interval_of_an_accuracy_stays_within_0_and_1(tmp_path, rng):
    for seed, quality in enumerate(
        [0.999, 0.9]
    ):  # two far-apart seeds: a wide interval
        write_run(
            tmp_path / f"r{seed}",
            make_config(seed=seed),
            make_history(rng, quality=quality),
        )
    write_run(
        tmp_path / "other",
        make_config(model__activation__name="relu"),
        make_history(rng),
    )
    table = group_stats(compare(select_runs([tmp_path]).runs), ["activation"]).table
    row = table.set_index("activation").loc["tanh"]
    half = sps.t.ppf(0.975, 1) * row["std"] / math.sqrt(2)
    assert row["mean"] + half > 1 and row["ci95_high"] == 1.0
    assert row["ci95_low"] == pytest.approx(max(0.0, row["mean"] - half))
