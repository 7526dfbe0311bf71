"""Reading spec files: YAML errors, extends, and command-line overrides."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from spec_helpers import E3, problems_of

from nnexp.errors import SpecError
from nnexp.spec import load_raw, load_spec, parse_override

# YAML -----------------------------------------------------------------------------


def _only_message(err: pytest.ExceptionInfo[SpecError]) -> str:
    assert len(err.value.problems) == 1
    return err.value.problems[0][1]


def test_yaml_syntax_error_has_file_line_and_column(write):
    path = write(
        "broken.yaml", "name: x\nseed: 0\nmodel:\n  layers: [1, 2\ntraining: {}\n"
    )
    with pytest.raises(SpecError) as err:
        load_spec(path)
    msg = _only_message(err)
    # the unclosed list is noticed at the ':' of line 5 and started on line 4
    assert str(path) in msg
    assert "line 5, column 9" in msg
    assert "starts at line 4, column 11" in msg
    assert err.value.source == str(path)


def test_tab_indentation_is_a_syntax_error_with_position(write):
    path = write("tab.yaml", "name: x\n\tseed: 0\n")
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert "line 2, column 1" in _only_message(err)


def test_duplicate_key_is_an_error(write):
    path = write("dup.yaml", E3 + "seed: 1\n")
    with pytest.raises(SpecError) as err:
        load_spec(path)
    msg = _only_message(err)
    assert "found the key 'seed' twice" in msg
    assert f"line {E3.count(chr(10)) + 1}" in msg


def test_missing_file(tmp_path: Path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert _only_message(err) == f"spec file {path} does not exist"


def test_folder_instead_of_file(tmp_path: Path):
    with pytest.raises(SpecError) as err:
        load_spec(tmp_path)
    assert "is a folder" in _only_message(err)


def test_undecodable_file(tmp_path: Path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert f"cannot read spec file {path}" in _only_message(err)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(write):
    path = write("secret.yaml", E3)
    path.chmod(0)
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert "cannot read spec file" in _only_message(err)


def test_top_level_must_be_a_mapping(write):
    with pytest.raises(SpecError) as err:
        load_spec(write("list.yaml", "- a\n- b\n"))
    assert "must be a mapping" in _only_message(err)


def test_empty_file_reports_the_required_keys(write):
    with pytest.raises(SpecError) as err:
        load_spec(write("empty.yaml", ""))
    assert set(problems_of(err)) == {"name", "dataset", "training"}


def test_exponent_without_dot_is_a_float(write):
    raw = load_raw(write("e.yaml", "optimizer: {name: adam, lr: 1e-3, eps: -2E+2}\n"))
    assert raw["optimizer"]["lr"] == 0.001
    assert raw["optimizer"]["eps"] == -200.0


# extends --------------------------------------------------------------------------


def test_extends_merges_mappings_and_replaces_lists(write):
    write("base.yaml", E3)
    child = write(
        "child.yaml",
        "extends: base.yaml\nname: child\nmodel: {layers: [784, 32, 10]}\n"
        "optimizer: {lr: 0.5}\ntraining: {epochs: 2}\n",
    )
    spec = load_spec(child)
    assert spec.name == "child"
    assert spec.model.layers == [784, 32, 10]  # replaced, not appended
    assert spec.model.activation.name == "relu"  # kept from the base
    assert spec.model.output_activation.name == "relu"
    assert spec.optimizer.name == "sgd"
    assert spec.optimizer.params["lr"] == 0.5
    assert spec.training.epochs == 2
    assert spec.training.batch_size == 10  # kept from the base


def test_extends_is_relative_to_the_extending_file_and_recursive(write):
    write("specs/common/root.yaml", E3)
    write("specs/common/mid.yaml", "extends: root.yaml\nseed: 5\n")
    leaf = write("specs/leaf.yaml", "extends: common/mid.yaml\nname: leaf\n")
    spec = load_spec(leaf)
    assert (spec.name, spec.seed, spec.training.epochs) == ("leaf", 5, 10)


def test_extends_list_later_files_win(write):
    write("a.yaml", E3)
    write("b.yaml", "seed: 2\ntags: [b]\n")
    write("c.yaml", "seed: 3\n")
    spec = load_spec(write("d.yaml", "extends: [a.yaml, b.yaml, c.yaml]\n"))
    assert (spec.seed, spec.tags) == (3, ["b"])


def test_extends_component_with_another_name_replaces_it(write):
    write(
        "base.yaml",
        E3.replace("{name: sgd, lr: 0.01}", "{name: sgd, lr: 0.1, momentum: 0.9}"),
    )
    spec = load_spec(
        write("child.yaml", "extends: base.yaml\noptimizer: {name: adam}\n")
    )
    assert spec.optimizer.name == "adam"
    assert spec.optimizer.params["lr"] == 0.001  # adam's default, not sgd's 0.1


def test_extends_bare_name_then_parameters(write):
    write("base.yaml", E3.replace("optimizer: {name: sgd, lr: 0.01}", "optimizer: sgd"))
    spec = load_spec(
        write("child.yaml", "extends: base.yaml\noptimizer: {momentum: 0.5}\n")
    )
    assert (spec.optimizer.name, spec.optimizer.params["momentum"]) == ("sgd", 0.5)


def test_extends_cycle_names_the_chain(write):
    a = write("a.yaml", "extends: b.yaml\nname: a\n")
    b = write("b.yaml", "extends: a.yaml\n")
    with pytest.raises(SpecError) as err:
        load_spec(a)
    problems = problems_of(err)
    assert problems["extends"] == (
        f"extends cycle: {a.resolve()} -> {b.resolve()} -> {a.resolve()}"
    )


def test_extends_itself(write):
    a = write("self.yaml", "extends: self.yaml\n")
    with pytest.raises(SpecError) as err:
        load_spec(a)
    assert "extends cycle" in problems_of(err)["extends"]


def test_extends_missing_base(write, tmp_path: Path):
    path = write("child.yaml", "extends: gone.yaml\n")
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert _only_message(err) == f"spec file {tmp_path / 'gone.yaml'} does not exist"


def test_extends_wrong_type(write):
    with pytest.raises(SpecError) as err:
        load_spec(write("child.yaml", "extends: {file: a.yaml}\n"))
    assert "expected a spec file path" in problems_of(err)["extends"]


def test_extends_from_a_dict_is_relative_to_base_dir(write, tmp_path: Path):
    write("base.yaml", E3)
    spec = load_spec({"extends": "base.yaml", "seed": 9}, base_dir=tmp_path)
    assert (spec.name, spec.seed) == ("mnist_relu", 9)


# overrides ------------------------------------------------------------------------


def test_override_scalar_and_list_values_are_yaml(e3: Path):
    spec = load_spec(
        e3, ["optimizer.lr=0.1", "model.layers=[784, 64, 10]", "training.shuffle=no"]
    )
    assert spec.optimizer.params["lr"] == 0.1
    assert spec.model.layers == [784, 64, 10]
    assert spec.training.shuffle is False


def test_override_with_a_mapping_replaces_the_component(e3: Path):
    spec = load_spec(e3, ["optimizer={name: adam, lr: 0.002}"])
    assert spec.optimizer.name == "adam"
    assert dict(spec.optimizer.params) == {
        "lr": 0.002,
        "beta1": 0.9,
        "beta2": 0.999,
        "eps": 1e-8,
        "eps_form": "keras",
    }


def test_bare_component_name_replaces_the_whole_component(e3: Path):
    spec = load_spec(e3, ["optimizer.momentum=0.9", "optimizer=adam"])
    assert spec.optimizer.name == "adam"
    assert spec.optimizer.params["lr"] == 0.001  # E3's lr went with the old component


def test_override_of_name_keeps_the_other_keys(e3: Path):
    spec = load_spec(e3, ["optimizer.name=adam"])
    assert (spec.optimizer.name, spec.optimizer.params["lr"]) == ("adam", 0.01)


def test_parameter_override_on_a_bare_name(e3: Path):
    # E3 writes `activation: relu`; a parameter turns it into a mapping
    spec = load_spec(e3, ["model.activation=leaky_relu", "model.activation.alpha=0.2"])
    assert spec.model.activation.params["alpha"] == 0.2


def test_override_an_item_of_a_per_layer_list(e3: Path):
    spec = load_spec(e3, ["optimizer=[sgd, adam]", "optimizer.1.lr=0.5"])
    assert [o.name for o in spec.optimizer] == ["sgd", "adam"]
    assert spec.optimizer[1].params["lr"] == 0.5


def test_override_creates_missing_sections(e3: Path):
    spec = load_spec(
        e3, ["training.early_stopping.patience=2", "output.runs_dir=elsewhere"]
    )
    assert spec.training.early_stopping is not None
    assert spec.training.early_stopping.patience == 2
    assert spec.output.runs_dir == "elsewhere"


def test_set_values_apply_after_overrides(e3: Path):
    spec = load_spec(e3, ["seed=3"], set_values={"seed": 7, "name": "renamed"})
    assert (spec.seed, spec.name) == (7, "renamed")


def test_overrides_leave_the_source_mapping_alone():
    source = {
        "name": "x",
        "dataset": "logic_gates",
        "training": {"epochs": 1, "batch_size": 1},
    }
    before = repr(source)
    load_spec(source, ["training.epochs=5", "optimizer.lr=0.2"])
    assert repr(source) == before


def test_load_raw_applies_overrides_without_validating(e3: Path):
    raw = load_raw(e3, ["optimizer.lr=-5", "model.activation=nonsense"])
    assert raw["optimizer"] == {"name": "sgd", "lr": -5}
    assert raw["model"]["activation"] == "nonsense"


@pytest.mark.parametrize(
    ("override", "key", "fragment"),
    [
        ("no equals sign", "no equals sign", "key=value"),
        ("optimiser.lr=0.1", "optimiser.lr", "Did you mean: optimizer?"),
        ("extends=other.yaml", "extends", "unknown top-level key 'extends'"),
        ("model..layers=3", "model..layers", "malformed override key"),
        ("=3", "=3", "malformed override key"),
        ("model.layers=[784, 64", "model.layers", "YAML syntax error"),
        ("seed.value=1", "seed.value", "seed is 0, not a mapping"),
        ("optimizer.lr.x=1", "optimizer.lr.x", "optimizer.lr is 0.01, not a mapping"),
        ("model.layers.7=3", "model.layers.7", "index 7 is not in the list of 3 items"),
    ],
)
def test_bad_override(e3: Path, override: str, key: str, fragment: str):
    with pytest.raises(SpecError) as err:
        load_spec(e3, [override])
    problems = problems_of(err)
    assert key in problems, list(problems)
    assert fragment in problems[key]


def test_bad_overrides_and_bad_values_reported_together(e3: Path):
    with pytest.raises(SpecError) as err:
        load_spec(e3, ["oops", "optimizer.lr=-1", "trainig.epochs=2"])
    assert {"oops", "optimizer.lr", "trainig.epochs"} == set(problems_of(err))


def test_parse_override_values():
    assert parse_override("a.b=[1, 2]") == ("a.b", [1, 2])
    assert parse_override("a={name: adam}") == ("a", {"name": "adam"})
    assert parse_override("a=x=y") == ("a", "x=y")  # only the first '=' splits
    assert parse_override("a=") == ("a", None)


def test_override_paths_are_relative_to_the_current_folder(tmp_path, monkeypatch):
    # a path typed on the command line means where the user stands, not the spec's
    # folder; the same path inside the spec file would be relative to the file
    quickstart = Path(__file__).resolve().parents[2] / "configs" / "quickstart.yaml"
    monkeypatch.chdir(tmp_path)
    spec = load_spec(quickstart, ["training.init_from=w/model.npz"])
    assert spec.training.init_from == str(tmp_path / "w" / "model.npz")
