"""Evaluate the saved weights of a run folder (``nnexp eval``).

The network is rebuilt from the run's ``config.yaml`` and ``model.npz``
(:func:`~nnexp.runner.trained.load_trained`), and one evaluation pass (dropout off)
gives the loss and the task's metrics on a split.  The data set is the run's own by
default, loaded with the run's seed so that its validation split is the one training
held out; another data set may be given if it has the same shape (input features,
outputs) and task.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from nnexp.data import load_dataset
from nnexp.engine import rng as rngmod
from nnexp.errors import DataError, RunError
from nnexp.runner.trained import load_trained
from nnexp.runs.environment import pinned_threads
from nnexp.runs.layout import RunPaths
from nnexp.runs.reader import read_record, run_spec
from nnexp.spec.check import one_hot_targets, output_fits
from nnexp.spec.load import parse_yaml
from nnexp.training.evaluation import evaluate

SPLITS = ("test", "val", "train")


def parse_dataset_ref(text: str | Mapping[str, Any]) -> str | dict[str, Any]:
    """``"mnist_10k"`` or ``"{name: sincos, n: 200}"`` → a data set reference.

    Raises SpecError for YAML that is neither a name nor a mapping with ``name``.
    """
    if isinstance(text, Mapping):
        value: Any = dict(text)
    else:
        value = parse_yaml(str(text), source="--dataset")
    if isinstance(value, str) or (isinstance(value, dict) and "name" in value):
        return value
    raise DataError(
        f"--dataset: expected a data set name (mnist_10k) or a YAML mapping with a name"
        f" ({{name: mnist_10k, limit: 1000}}), got {text!r}. Run `nnexp list datasets`."
    )


def _check_shape(
    network: Any, info: Any, task: str | None, ref: Any, loss: str
) -> None:
    """The data set must fit the saved network: same inputs, outputs and task."""
    n_in, n_out = network.sizes[0], network.sizes[-1]
    problems = []
    if info.n_features != n_in:
        problems.append(f"{info.n_features} input features (the network takes {n_in})")
    if not output_fits(n_out, info, loss):
        problems.append(f"{info.n_outputs} outputs (the network gives {n_out})")
    if task is not None and info.task != task:
        problems.append(f"a {info.task} task (the run was trained on {task})")
    if problems:
        raise DataError(
            f"--dataset {ref!r}: data set {info.name} does not fit the run's network:"
            " it has"
            f" {'; '.join(problems)}. Give a data set of the same shape and task."
        )


def evaluate_run(
    run_dir: str | Path,
    dataset: str | Mapping[str, Any] | None = None,
    split: str = "test",
    *,
    progress: Callable[..., None] | None = None,
) -> dict[str, Any]:
    """Loss and metrics of a run's saved weights on one split.

    Parameters
    ----------
    run_dir : a run folder holding config.yaml and model.npz
    dataset : None for the run's own data set, or a name / YAML mapping text / mapping
        of a data set with the same number of input features, outputs and the same task
    split : ``"test"``, ``"val"`` or ``"train"``
    progress : download progress ``(label, done_bytes, total_bytes)``

    Returns
    -------
    dict : ``run``, ``dataset``, ``split``, ``n`` (samples), ``loss``, and ``accuracy``
        (classification) or ``mse`` and ``max_abs_error`` (regression)

    Raises
    ------
    RunError for a folder without config.yaml / model.npz; DataError for a data set of
    another shape or a split it does not have; SpecError / RegistryError for a bad
    ``dataset``.
    """
    if split not in SPLITS:
        raise RunError(f"split {split!r}: expected one of {', '.join(SPLITS)}")
    paths = RunPaths(Path(run_dir))
    spec = run_spec(paths.root)
    summary = read_record(paths.root)
    network = load_trained(paths.root, spec=spec)
    ref = spec.dataset.built if dataset is None else parse_dataset_ref(dataset)
    # the run's seed and split stream: the same validation split training held out
    rngs = rngmod.streams(spec.seed)
    splits, info = load_dataset(
        ref,
        seed_rng=rngs["split"],
        dtype=spec.training.dtype,
        one_hot=one_hot_targets(spec),
        progress=progress,
    )
    task = summary.dataset.task if summary is not None and summary.dataset else None
    _check_shape(
        network,
        info,
        task,
        ref if dataset is not None else spec.dataset.name,
        spec.loss.name,
    )
    part = getattr(splits, split)
    if part is None or len(part) == 0:
        raise DataError(
            f"data set {info.name} has no {split} split for this run; choose one of"
            f" {', '.join(s for s in SPLITS if getattr(splits, s) is not None)}"
        )
    with pinned_threads(spec.training.blas_threads):  # the numbers training saw
        result = evaluate(network, spec.loss.build(), part.x, part.y, part.labels)
    return {
        "run": str(paths.root),
        "dataset": info.name,
        "split": split,
        "n": len(part),
        **result,
    }
