"""Sweep specs and their expansion into cells: pure, nothing trains here."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from sweep_helpers import TINY

from nnexp.errors import SpecError
from nnexp.spec.sweep import validate_sweep
from nnexp.spec.yamlio import parse_yaml
from nnexp.sweep.expand import expand, load_base, validate_cells
from nnexp.sweep.naming import MAX_NAME, cell_names, short_keys, value_text, yaml_text
from nnexp.sweep.plan import check_cells_data
from nnexp.sweep.source import build_source, parse_option, parse_seeds, split_values


def sweep(**data):
    return validate_sweep({"base": "unused.yaml", **data})


def names(spec) -> list[str]:
    return [c.name for c in expand(spec).cells]


# grid, zip, seeds ---------------------------------------------------------------------


def test_grid_is_the_cartesian_product_with_the_last_key_fastest():
    cells = expand(
        sweep(
            grid={
                "model.activation": ["relu", "tanh", "abs"],
                "optimizer.name": ["sgd", "adam"],
            }
        )
    ).cells
    assert [
        (c.values["model.activation"], c.values["optimizer.name"]) for c in cells
    ] == [
        ("relu", "sgd"),
        ("relu", "adam"),
        ("tanh", "sgd"),
        ("tanh", "adam"),
        ("abs", "sgd"),
        ("abs", "adam"),
    ]
    assert cells[1].overrides == ["model.activation=relu", "optimizer.name=adam"]


def test_zip_varies_keys_together_and_multiplies_with_the_grid():
    expansion = expand(
        sweep(
            grid={"optimizer.lr": [0.1, 0.01]},
            zip={"model.hidden": [[8], [16, 4]], "training.batch_size": [16, 32]},
        )
    )
    pairs = [
        (
            c.values["optimizer.lr"],
            c.values["model.hidden"],
            c.values["training.batch_size"],
        )
        for c in expansion.cells
    ]
    assert pairs == [
        (0.1, [8], 16),
        (0.1, [16, 4], 32),
        (0.01, [8], 16),
        (0.01, [16, 4], 32),
    ]
    assert expansion.axes == [["optimizer.lr"], ["model.hidden", "training.batch_size"]]
    assert expansion.n_trials == 4


def test_zip_needs_lists_of_one_length():
    with pytest.raises(SpecError) as info:
        sweep(
            zip={
                "model.activation": ["relu", "tanh"],
                "model.output_activation": ["relu"],
            }
        )
    assert info.value.problems[0][0] == "zip"
    assert (
        "model.activation has 2, model.output_activation has 1"
        in info.value.problems[0][1]
    )


@pytest.mark.parametrize(("seeds", "expected"), [(3, [0, 1, 2]), ([5, 7], [5, 7])])
def test_seeds_repeat_every_combination_seed_by_seed(seeds, expected):
    expansion = expand(sweep(grid={"model.activation": ["relu", "tanh"]}, seeds=seeds))
    assert [c.seed for c in expansion.cells] == [s for s in expected for _ in range(2)]
    assert [c.trial for c in expansion.cells] == [0, 1] * len(expected)
    assert expansion.keys == ["model.activation", "seed"]
    assert expansion.cells[-1].overrides[-1] == f"seed={expected[-1]}"


def test_seeds_alone_are_a_sweep():
    assert names(sweep(seeds=2)) == ["seed=0", "seed=1"]


@pytest.mark.parametrize(
    "bad",
    [
        {},
        {"seeds": 0},
        {"seeds": True},
        {"seeds": [1, 1]},
        {"seeds": [-1]},
        {"grid": {"seed": [1, 2]}, "seeds": 2},
        {"grid": {"model.activation": []}},
        {"grid": {"model.activation": "relu"}},
        {"grid": {"a..b": [1]}},
        {"grid": {"x": [1]}, "zip": {"x": [2]}},
        {"grid": {"x": [1]}, "bogus": 1},
    ],
)
def test_bad_sweep_specs_are_spec_errors(bad):
    with pytest.raises(SpecError):
        validate_sweep({"base": "b.yaml", **bad})


def test_labelled_values_name_the_cells_and_set_their_values():
    cells = expand(
        sweep(
            grid={
                "optimizer": {
                    "sgd": {"name": "sgd", "lr": 0.01},
                    "adam": [{"name": "adam"}, {"name": "adam", "lr": 0.01}],
                }
            }
        )
    ).cells
    assert [c.name for c in cells] == ["optimizer=sgd", "optimizer=adam"]
    assert cells[1].values["optimizer"] == [
        {"name": "adam"},
        {"name": "adam", "lr": 0.01},
    ]


# random search ------------------------------------------------------------------------


def test_sampling_is_seeded_and_draws_distinct_grid_cells():
    grid = {
        "optimizer.lr": [0.3, 0.1, 0.03, 0.01],
        "model.activation": ["relu", "tanh", "abs"],
    }
    first = names(sweep(grid=grid, sample=5, sample_seed=1))
    assert first == names(sweep(grid=grid, sample=5, sample_seed=1))
    assert first != names(sweep(grid=grid, sample=5, sample_seed=2))
    assert len(set(first)) == 5
    assert set(first) <= set(names(sweep(grid=grid)))


def test_sampling_more_than_the_grid_runs_the_whole_grid():
    grid = {"model.activation": ["relu", "tanh"]}
    expansion = expand(sweep(grid=grid, sample=5))
    assert [c.name for c in expansion.cells] == names(sweep(grid=grid))
    assert "covers the whole grid" in expansion.notes[0]


def test_distributions_draw_within_their_bounds():
    expansion = expand(
        sweep(
            grid={
                "optimizer.lr": {"log_uniform": [1e-4, 1e-1]},
                "training.epochs": {"int": [1, 3]},
                "optimizer.momentum": {"uniform": [0.5, 0.9]},
                "model.activation": {"choice": ["relu", "tanh"]},
            },
            sample=60,
        )
    )
    values = [c.values for c in expansion.cells]
    lrs = np.array([v["optimizer.lr"] for v in values])
    assert ((1e-4 <= lrs) & (lrs <= 1e-1)).all()
    assert (
        np.log10(lrs).min() < -3 and np.log10(lrs).max() > -2
    )  # spread over the decades
    assert {v["training.epochs"] for v in values} == {1, 2, 3}  # both ends included
    assert all(0.5 <= v["optimizer.momentum"] <= 0.9 for v in values)
    assert {v["model.activation"] for v in values} == {"relu", "tanh"}
    assert all(float(f"{v['optimizer.lr']:.4g}") == v["optimizer.lr"] for v in values)


def test_a_distribution_needs_sample():
    with pytest.raises(SpecError, match="needs sample: N"):
        sweep(grid={"optimizer.lr": {"log_uniform": [1e-4, 1e-1]}})


@pytest.mark.parametrize(
    "dist",
    [
        {"log_uniform": [0, 1]},
        {"uniform": [2, 1]},
        {"int": [1.5, 3]},
        {"choice": []},
        {"uniform": ["a", 1]},
    ],
)
def test_bad_distributions_are_spec_errors(dist):
    with pytest.raises(SpecError):
        sweep(grid={"optimizer.lr": dist}, sample=3)


def test_max_trials_keeps_the_first_combinations_with_every_seed():
    grid = {
        "model.activation": ["relu", "tanh", "abs"],
        "optimizer.name": ["sgd", "adam"],
    }
    expansion = expand(sweep(grid=grid, seeds=2, max_trials=4))
    assert expansion.n_trials == 4 and len(expansion.cells) == 8
    assert [c.name for c in expansion.cells[:4]] == names(sweep(grid=grid, seeds=2))[:4]
    assert "keeps the first 4 of 6" in expansion.notes[0]


# naming -------------------------------------------------------------------------------


def test_names_use_the_last_key_part_or_the_full_key_on_a_clash():
    assert short_keys(
        ["model.activation", "optimizer.name", "schedule.name", "seed"]
    ) == {
        "model.activation": "activation",
        "optimizer.name": "optimizer.name",
        "schedule.name": "schedule.name",
        "seed": "seed",
    }
    assert short_keys(["optimizer.0.lr", "optimizer.1.lr"]) == {
        "optimizer.0.lr": "optimizer.0.lr",
        "optimizer.1.lr": "optimizer.1.lr",
    }
    assert short_keys(["model.dropout.1", "seed"]) == {
        "model.dropout.1": "dropout.1",
        "seed": "seed",
    }
    assert names(
        sweep(
            grid={"model.activation": ["tanh"], "optimizer.name": ["adam"]}, seeds=[1]
        )
    ) == ["activation=tanh,name=adam,seed=1"]


def test_names_replace_characters_unsafe_in_file_names():
    cells = names(sweep(grid={"dataset.path": ["data/a b.csv", "c:\\d*?.csv"]}))
    assert cells == ["path=data_a_b.csv", "path=c_d_.csv"]
    assert not any(c in name for name in cells for c in "/\\ *?:")


def test_lists_and_components_are_named_compactly():
    assert value_text([784, 32, 10]) == "784-32-10"
    assert value_text({"name": "adam", "lr": 0.01}) == "adam_lr-0.01"
    assert value_text(1e-05) == "1e-05" and value_text(True) == "true"


def test_long_or_equal_names_are_made_unique():
    long = ["x" * 200 + "a", "x" * 200 + "b"]
    got = cell_names(["k"], [{"k": (v, v)} for v in long], None)
    assert len(set(got)) == 2 and all(len(n) <= MAX_NAME for n in got)
    same = cell_names(["k"], [{"k": (1, "a/b")}, {"k": (2, "a_b")}], None)
    assert same == ["k=a_b", "k=a_b-2"]


@pytest.mark.parametrize(
    "value",
    [
        "yes",
        "1e-3",
        "null",
        0.001,
        1e-05,
        [784, 32, 10],
        {"name": "adam", "lr": 0.01},
        "a: b",
        True,
        None,
        "#x",
    ],
)
def test_override_text_reads_back_to_the_value(value):
    assert parse_yaml(yaml_text(value), source="test") == value


# the command line ---------------------------------------------------------------------


def test_values_split_on_commas_outside_brackets_braces_and_quotes():
    assert split_values("relu,tanh, abs") == ["relu", "tanh", "abs"]
    assert split_values("[784, 32, 10],[784, 64, 10]") == [
        "[784, 32, 10]",
        "[784, 64, 10]",
    ]
    assert split_values("{name: adam, lr: 0.1},sgd,'a,b'") == [
        "{name: adam, lr: 0.1}",
        "sgd",
        "'a,b'",
    ]


def test_grid_options_parse_values_as_yaml_and_distributions():
    assert parse_option("model.layers=[2, 8, 3],[2, 16, 3]", "--grid") == (
        "model.layers",
        [[2, 8, 3], [2, 16, 3]],
    )
    assert parse_option("optimizer.lr=1e-3,0.1", "--grid") == (
        "optimizer.lr",
        [0.001, 0.1],
    )
    assert parse_option("optimizer.lr=log_uniform(1e-4, 1e-1)", "--grid") == (
        "optimizer.lr",
        {"log_uniform": [0.0001, 0.1]},
    )
    assert parse_seeds("3") == 3 and parse_seeds("0,5") == [0, 5]


@pytest.mark.parametrize(
    "text", ["model.activation", "=relu", "model..x=1", "x=relu,,tanh", "x=[1,"]
)
def test_malformed_grid_options_are_spec_errors(text):
    with pytest.raises(SpecError):
        parse_option(text, "--grid")


def test_a_run_spec_file_is_the_base_and_the_command_line_adds_to_a_sweep_file(
    tiny: Path,
):
    source = build_source(
        tiny,
        grid={"model.activation": ["relu", "tanh"]},
        seeds=2,
        overrides=["training.epochs=1"],
    )
    assert source.spec.base == str(tiny.resolve()) and source.spec.seed_list == [0, 1]
    sweep_file = tiny.parent / "sw.yaml"
    sweep_file.write_text(
        "base: tiny.yaml\ngrid: {model.activation: [relu]}\noverrides: [seed=3]\n"
    )
    source = build_source(
        sweep_file, grid={"optimizer.lr": [0.1]}, overrides=["training.epochs=1"]
    )
    assert list(source.spec.grid) == ["model.activation", "optimizer.lr"]
    assert source.spec.overrides == ["seed=3", "training.epochs=1"]
    assert load_base(source).data["name"] == "tiny"


# validation up front ------------------------------------------------------------------


def test_every_cell_is_validated_and_the_bad_cells_are_named(tiny: Path):
    source = build_source(
        tiny, grid={"model.activation": ["relu", "relux"], "optimizer.lr": [0.1, -1]}
    )
    expansion = expand(source.spec)
    with pytest.raises(SpecError) as info:
        validate_cells(load_base(source), expansion.cells)
    problems = dict(info.value.problems)
    assert "model.activation (the 2 cells with activation=relux)" in problems
    assert (
        "unknown activation 'relux'"
        in problems["model.activation (the 2 cells with activation=relux)"]
    )
    assert "optimizer.lr (the 2 cells with lr=-1)" in problems


def test_sizes_are_checked_against_the_data_set_naming_the_cell(tiny: Path):
    source = build_source(
        tiny,
        grid={"model.layers": [[2, 8, 3], [2, 8, 4]]},
        overrides=["model.hidden=null"],
    )
    expansion = expand(source.spec)
    specs = validate_cells(load_base(source), expansion.cells)
    with pytest.raises(SpecError) as info:
        check_cells_data(expansion.cells, specs, required=True)
    ((key, message),) = info.value.problems
    assert key == "model.layers (cell layers=2-8-4)"
    assert "3 outputs" in message


def test_an_inline_base_takes_relative_paths_from_the_current_folder(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    base = parse_yaml(TINY, source="TINY")
    source = build_source({"base": base, "grid": {"training.init_from": ["w.npz"]}})
    (spec,) = validate_cells(load_base(source), expand(source.spec).cells)
    assert spec.training.init_from == str(tmp_path / "w.npz")
    assert math.isclose(spec.optimizer.params["lr"], 0.1)
