"""Bad specs and bad command lines for ``nnexp train``: exit 2, one message naming the
key (or file), no traceback, and no run folder left behind."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_helpers import QUICKSTART, small

Q = str(QUICKSTART)

#: (test id, command line after `train` (``{tmp}`` is the test's folder), what the
#: message must contain); every case is a spec or command-line problem, so exit 2
CASES: list[tuple[str, list[str], list[str]]] = [
    (
        "unknown-activation",
        [Q, "model.activation=sofplus"],
        ["model.activation", "softplus"],
    ),
    ("negative-lr", [Q, "optimizer.lr=-0.1"], ["optimizer.lr", "> 0"]),
    ("zero-lr", [Q, "optimizer.lr=0"], ["optimizer.lr", "> 0"]),
    ("batch-size-0", [Q, "training.batch_size=0"], ["training.batch_size"]),
    ("epochs-0", [Q, "training.epochs=0"], ["training.epochs"]),
    ("fractional-batch-size", [Q, "training.batch_size=2.5"], ["training.batch_size"]),
    ("input-size-misfit", [Q, "model.layers=[100, 10]"], ["model.layers", "784"]),
    (
        "output-size-misfit",
        [Q, "model.layers=[784, 50, 3]"],
        ["model.layers", "10 outputs"],
    ),
    ("epochs-wrong-type", [Q, "training.epochs=abc"], ["training.epochs", "integer"]),
    ("epochs-boolean", [Q, "training.epochs=true"], ["training.epochs", "boolean"]),
    ("seed-wrong-type", [Q, "seed=abc"], ["seed", "integer"]),
    ("negative-seed-flag", [Q, "--seed", "-1"], ["seed"]),
    ("unknown-key", [Q, "training.epoch=3"], ["training.epoch", "epochs"]),
    ("unknown-top-key", [Q, "optimiser.lr=0.1"], ["optimiser", "optimizer"]),
    (
        "unknown-param",
        [Q, "optimizer.momentun=0.9"],
        ["optimizer.momentun", "momentum"],
    ),
    ("unknown-optimizer", [Q, "optimizer=adamm"], ["optimizer", "adam"]),
    (
        "unknown-initializer",
        [Q, "model.initializer=glorot_nrmal"],
        ["model.initializer"],
    ),
    ("unknown-dataset", [Q, "dataset.name=mnsit"], ["dataset", "mnist"]),
    (
        "missing-required-param",
        [Q, "schedule=time_based"],
        ["schedule.decay", "required"],
    ),
    ("negative-l2", [Q, "regularizer.lam=-1"], ["regularizer.lam"]),
    ("bad-dtype", [Q, "training.dtype=float16"], ["training.dtype", "float32"]),
    ("bad-dropout", [Q, "model.dropout=1.5"], ["model.dropout"]),
    ("bad-validation", [Q, "dataset.validation=1.5"], ["dataset.validation"]),
    (
        "bad-normalize",
        [Q, "dataset.normalize=minmax"],
        ["dataset.normalize", "standardize"],
    ),
    ("loss-output-pairing", [Q, "model.output_activation=relu"], ["loss", "softmax"]),
    ("optimizer-list-length", [Q, "optimizer=[sgd]"], ["optimizer", "2 dense layer"]),
    (
        "activation-list-length",
        [Q, "model.activation=[relu, relu]"],
        ["model.activation"],
    ),
    ("override-without-equals", [Q, "optimizer.lr"], ["optimizer.lr", "key=value"]),
    ("override-bad-yaml", [Q, "optimizer.lr=[1,"], ["optimizer.lr", "YAML"]),
    ("malformed-yaml", ["{tmp}/malformed.yaml"], ["malformed.yaml", "line 3"]),
    ("duplicate-key", ["{tmp}/dup.yaml"], ["dup.yaml", "twice"]),
    ("spec-not-a-mapping", ["{tmp}/list.yaml"], ["list.yaml", "mapping"]),
    ("missing-file", ["{tmp}/missing.yaml"], ["missing.yaml", "does not exist"]),
    ("spec-is-a-folder", ["{tmp}"], ["spec", "directory"]),
    (
        "extends-cycle",
        ["{tmp}/cycle_a.yaml"],
        ["extends", "cycle_a.yaml", "cycle_b.yaml"],
    ),
    ("runs-dir-is-a-file", [Q, *small(), "--runs-dir", "{tmp}/afile"], ["afile"]),
    (
        "runs-dir-under-a-file",
        [Q, *small(), "--runs-dir", "{tmp}/afile/runs"],
        ["afile"],
    ),
    ("spec-and-resume", [Q, "--resume", "{tmp}"], ["exactly one", "--resume"]),
    ("neither-spec-nor-resume", [], ["exactly one", "--resume"]),
    (
        "print-config-with-resume",
        ["--resume", "{tmp}", "--print-config"],
        ["--print-config"],
    ),
    ("resume-not-a-run", ["--resume", "{tmp}"], ["not a run folder"]),
    ("resume-missing-folder", ["--resume", "{tmp}/nowhere"], ["nowhere"]),
]


def _write_bad_files(tmp: Path) -> None:
    (tmp / "malformed.yaml").write_text(
        "name: x\ntraining: {epochs: 1, batch_size: [\n"
    )
    (tmp / "dup.yaml").write_text("name: x\nname: y\n")
    (tmp / "list.yaml").write_text("- a\n- b\n")
    (tmp / "cycle_a.yaml").write_text("extends: cycle_b.yaml\nname: a\n")
    (tmp / "cycle_b.yaml").write_text("extends: cycle_a.yaml\nseed: 1\n")
    (tmp / "afile").write_text("not a folder\n")


def _assert_bad_input(result, expected: list[str]) -> None:
    text = result.stderr + result.stdout
    assert result.exit_code == 2, text
    assert "Traceback" not in text
    for part in expected:
        assert part in text, f"{part!r} not in {text!r}"


@pytest.mark.parametrize(
    ("args", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_exits_2_naming_the_key(
    cli: Callable, tmp_path: Path, args, expected
):
    _write_bad_files(tmp_path)
    runs = tmp_path / "runs"
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if "--runs-dir" not in args and args and not args[0].startswith("--"):
        args += ["--runs-dir", str(runs)]
    result = cli("train", *args)
    _assert_bad_input(result, expected)
    assert not runs.exists() or not any(runs.iterdir()), "a bad spec left a run folder"


def test_there_are_at_least_25_cases():
    assert len({c[0] for c in CASES}) == len(CASES) >= 25


def test_every_problem_is_reported_at_once(cli: Callable, tmp_path: Path):
    result = cli(
        "train",
        Q,
        "optimizer.lr=-1",
        "training.batch_size=0",
        "model.activation=sofplus",
        "--runs-dir",
        tmp_path,
    )
    _assert_bad_input(
        result, ["optimizer.lr", "training.batch_size", "model.activation"]
    )


@pytest.fixture
def run_copy(trained_run, tmp_path: Path) -> Path:
    return Path(shutil.copytree(trained_run.path, tmp_path / trained_run.path.name))


def test_resume_of_a_completed_run_is_an_error(cli: Callable, run_copy: Path):
    before = (run_copy / "metrics.csv").read_bytes()
    result = cli("train", "--resume", run_copy)
    _assert_bad_input(result, ["completed", "interrupted"])
    assert (run_copy / "metrics.csv").read_bytes() == before


def test_resume_with_a_seed_is_an_error(cli: Callable, run_copy: Path):
    result = cli("train", "--resume", run_copy, "--seed", "3")
    _assert_bad_input(result, ["--resume", "--seed"])


def test_resume_with_an_override_is_an_error(cli: Callable, run_copy: Path):
    # an override after --resume RUN is refused with a message that says why
    result = cli("train", "--resume", run_copy, "optimizer.lr=0.5")
    _assert_bad_input(result, ["--resume", "optimizer.lr=0.5", "do not apply"])
