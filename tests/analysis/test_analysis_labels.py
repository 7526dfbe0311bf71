"""Legend labels from the settings that differ: flattening, short names, grouping keys."""

from __future__ import annotations

import pytest
from analysis_fixtures import make_config

from nnexp.analysis.labels import (
    differing_keys,
    flatten,
    flatten_configs,
    format_value,
    label_runs,
    resolve_key,
    shared_loss,
    short_names,
    value_labels,
)
from nnexp.errors import RunError


def test_flatten_gives_dotted_keys_and_keeps_lists_as_values():
    flat = flatten(
        {
            "model": {"hidden": [8, 4], "activation": {"name": "tanh", "k": 1.0}},
            "seed": 3,
            "extra": {},
        }
    )
    assert flat == {
        "model.hidden": [8, 4],
        "model.activation.name": "tanh",
        "model.activation.k": 1.0,
        "seed": 3,
        "extra": {},
    }


def test_a_bare_component_name_compares_with_a_mapping():
    flats = flatten_configs(
        [make_config(loss="mse"), make_config(loss={"name": "huber", "delta": 1.0})]
    )
    assert flats[0]["loss.name"] == "mse" and "loss" not in flats[0]
    assert differing_keys(flats) == ["loss.name"]  # delta belongs to huber only


def test_differing_keys_ignore_name_and_output_and_put_the_seed_last():
    configs = [
        make_config(
            seed=s,
            name=f"run{s}",
            model__activation__name=a,
            output__runs_dir=f"/tmp/{s}",
        )
        for s, a in [(0, "relu"), (1, "tanh")]
    ]
    assert differing_keys(flatten_configs(configs)) == ["model.activation.name", "seed"]


def test_parameters_of_another_component_are_left_out_unless_they_vary():
    sgd = make_config()
    adam = make_config(optimizer={"name": "adam", "lr": 0.1, "beta1": 0.9})
    assert differing_keys(flatten_configs([sgd, adam])) == ["optimizer.name"]
    momentum = make_config(optimizer__momentum=0.9)
    assert differing_keys(flatten_configs([sgd, momentum, adam])) == [
        "optimizer.name",
        "optimizer.momentum",
    ]
    assert label_runs([sgd, momentum, adam]) == [
        "optimizer=sgd, momentum=0.0",
        "optimizer=sgd, momentum=0.9",
        "optimizer=adam",
    ]


def test_short_names_use_the_last_part_and_grow_only_where_they_clash():
    keys = [
        "model.activation.name",
        "optimizer.name",
        "optimizer.lr",
        "model.activation.k",
        "model.output_activation.k",
    ]
    assert short_names(keys) == {
        "model.activation.name": "activation",
        "optimizer.name": "optimizer",
        "optimizer.lr": "lr",
        "model.activation.k": "activation.k",
        "model.output_activation.k": "output_activation.k",
    }
    # a per-layer optimizer list next to a single optimizer's name
    assert short_names(["optimizer", "optimizer.name"]) == {
        "optimizer": "optimizer",
        "optimizer.name": "optimizer.name",
    }


def test_labels_name_the_differing_settings_never_the_folders():
    configs = [
        make_config(model__activation__name="tanh", optimizer__name="adam"),
        make_config(model__activation__name="relu", optimizer__name="sgd"),
    ]
    assert label_runs(configs) == [
        "activation=tanh, optimizer=adam",
        "activation=relu, optimizer=sgd",
    ]


def test_identical_settings_fall_back_to_the_spec_name_numbered():
    assert label_runs([make_config(name="quick")]) == ["quick"]
    assert label_runs([make_config(name="quick")] * 2) == ["quick #1", "quick #2"]
    assert label_runs([make_config(name="a"), make_config(name="b")]) == ["a", "b"]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.001, "0.001"),
        (1e-05, "1e-05"),
        (True, "true"),
        (None, "none"),
        ([784, 100, 10], "[784, 100, 10]"),
        ({"name": "adam", "lr": 0.1}, "{name: adam, lr: 0.1}"),
    ],
)
def test_values_read_as_yaml(value, text):
    assert format_value(value) == text


def test_resolve_key_accepts_short_names_and_dotted_keys():
    flats = flatten_configs(
        [make_config(), make_config(model__activation__name="relu", optimizer__lr=0.5)]
    )
    assert resolve_key("activation", flats) == "model.activation.name"
    assert resolve_key("model.activation", flats) == "model.activation.name"
    assert resolve_key("lr", flats) == "optimizer.lr"
    assert resolve_key("seed", flats) == "seed"


def test_resolve_key_explains_unknown_and_ambiguous_keys():
    flats = flatten_configs(
        [make_config(), make_config(model__activation__name="relu")]
    )
    with pytest.raises(RunError, match="Did you mean: .*model.activation") as err:
        resolve_key("model.activaton", flats)
    assert "model.activation.name" in str(
        err.value
    )  # the differing settings are listed
    flats = flatten_configs(
        [make_config(model__output_activation={"name": "x", "k": 1.0})]
    )
    with pytest.raises(
        RunError, match="ambiguous.*model.activation.k.*model.output_activation.k"
    ):
        resolve_key("k", flats)


def test_a_bare_name_keeps_its_place_among_the_keys():
    relu = make_config(model__activation="relu", optimizer__name="adam")
    assert label_runs([relu, make_config()]) == [
        "activation=relu, optimizer=adam",
        "activation=tanh, optimizer=sgd",
    ]


def test_defaults_of_components_only_some_runs_use_are_not_differences():
    """leaky_relu's alpha 0.01 next to elu's 1.0 (and relu without one) are each
    component's default: the runs differ in the activation, not in alpha."""
    configs = [
        make_config(model__activation={"name": "relu"}),
        make_config(model__activation={"name": "leaky_relu", "alpha": 0.01}),
        make_config(model__activation={"name": "elu", "alpha": 1.0}),
    ]
    assert differing_keys(flatten_configs(configs)) == ["model.activation.name"]
    assert label_runs(configs) == [
        "activation=relu",
        "activation=leaky_relu",
        "activation=elu",
    ]
    # two leaky_relu slopes do differ, and say so
    configs.append(make_config(model__activation={"name": "leaky_relu", "alpha": 0.2}))
    assert differing_keys(flatten_configs(configs)) == [
        "model.activation.name",
        "model.activation.alpha",
    ]


def test_labels_show_plugin_files_and_run_folders_by_their_names():
    root = "/tmp/course/week3/runs"
    configs = [
        make_config(
            model__activation__name="/home/ana/course/my_acts.py:Isru",
            training__continue_from=f"{root}/2026-12-02_10-00-00_tanh",
            training__init_from=f"{root}/2026-12-01_09-00-00_base/model.npz",
        ),
        make_config(
            model__activation__name="pkg.acts:Cube",  # a module reference stays
            training__continue_from=f"{root}/2026-12-02_11-00-00_relu/",
            training__init_from=f"{root}/2026-12-01_09-30-00_wide/model.npz",
        ),
    ]
    assert label_runs(configs) == [
        "activation=my_acts.py:Isru, continue_from=2026-12-02_10-00-00_tanh, "
        "init_from=2026-12-01_09-00-00_base/model.npz",
        "activation=pkg.acts:Cube, continue_from=2026-12-02_11-00-00_relu, "
        "init_from=2026-12-01_09-30-00_wide/model.npz",
    ]


def test_a_mistyped_key_is_answered_with_short_names_that_resolve():
    flats = flatten_configs(
        [
            make_config(model__activation={"name": "elu", "k": 1.0}),
            make_config(model__activation__name="relu", optimizer__momentum=0.5),
        ]
    )
    with pytest.raises(RunError, match=r"Did you mean: activation, ") as err:
        resolve_key("activatoin", flats)
    hint = str(err.value).split("Did you mean: ")[1].split("?")[0].split(", ")
    assert "model.activation.k" not in hint
    for name in hint:  # every suggestion is accepted as it is written
        resolve_key(name, flats)
    with pytest.raises(RunError, match=r"Did you mean: momentum\?"):
        resolve_key("momentm", flats)


def test_value_labels_show_a_component_by_what_differs():
    plugin = {"name": "/home/me/my_acts.py:Isru", "a": 0.5}
    assert value_labels("model.activation", ["tanh", plugin]) == [
        "tanh",
        "my_acts.py:Isru",
    ]
    same_plugin = [plugin, {**plugin, "a": 1.0}]
    assert value_labels("model.activation", same_plugin) == [
        "my_acts.py:Isru, a=0.5",
        "my_acts.py:Isru, a=1.0",
    ]
    mixed = [*same_plugin, "relu"]
    assert value_labels("model.activation", mixed) == [
        "my_acts.py:Isru, a=0.5",
        "my_acts.py:Isru, a=1.0",
        "relu",
    ]
    assert value_labels("model.hidden", [[32], [64, 64]]) == ["[32]", "[64, 64]"]
    assert value_labels("optimizer.lr", [0.1, 0.1]) == ["0.1", "0.1"]


def test_shared_loss_names_the_loss_only_when_all_share_it():
    assert shared_loss([{"loss": "mse"}, {"loss": {"name": "mse"}}]) == "mse"
    assert shared_loss([{"loss": "mse"}, {"loss": "huber"}]) is None
    assert shared_loss([{}]) is None
