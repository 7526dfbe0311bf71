"""What a per-run figure may draw from: one run's history, data and predictions.

The run writer fills it from the run it just trained; ``nnexp plot --kind`` from a run
folder (the data set is then loaded, and the network rebuilt, only when a figure asks
for predictions).  Figures read the attributes they need; see
:mod:`nnexp.plots.registry` for how a figure says which those are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

#: the evaluation split's name in titles, by attribute of the splits
SPLIT_NAMES = {"test": "test", "val": "validation", "train": "training"}


@dataclass
class RunFigureInput:
    """One run as its figures see it.

    ``name`` heads the titles; ``history`` is metrics.csv; ``loss_name`` labels the
    loss axis.  ``data()`` returns ``(splits, info)`` and ``predict(x)`` the trained
    network's output; both are called at most once, when a figure needs them.
    """

    name: str
    history: pd.DataFrame
    loss_name: str | None
    data: Callable[[], tuple[Any, Any]]
    predict: Callable[[np.ndarray], np.ndarray]
    #: the network's output function at each epoch whose weights the run keeps
    #: (0: before training; the final weights last), called once; empty: none kept
    over_epochs: Callable[[], dict[int, Callable[[np.ndarray], np.ndarray]]] = field(
        default=lambda: {}
    )

    #: per kept epoch, per quantity (weights, pre-activations, gradients), one flat
    #: array per dense layer (:func:`nnexp.runs.snapshots.layer_values`); called once
    inside: Callable[[], dict[int, dict[str, list[np.ndarray]]]] = field(
        default=lambda: {}
    )

    @cached_property
    def layer_values(self) -> dict[int, dict[str, list[np.ndarray]]]:
        """:attr:`inside`, evaluated once."""
        return dict(self.inside())

    @cached_property
    def predictors(self) -> dict[int, Callable[[np.ndarray], np.ndarray]]:
        """:attr:`over_epochs`, evaluated once."""
        return dict(self.over_epochs())

    @property
    def train(self) -> Any:
        """The training split (what the network learned from)."""
        return self._loaded[0].train

    @cached_property
    def _loaded(self) -> tuple[Any, Any]:
        return self.data()

    @property
    def info(self) -> Any:
        """The data set's description (task, class names, input shape)."""
        return self._loaded[1]

    @property
    def task(self) -> str:
        return str(self.info.task)

    @cached_property
    def _evaluation(self) -> tuple[str, Any]:
        splits = self._loaded[0]
        name = next(
            n for n in ("test", "val", "train") if getattr(splits, n) is not None
        )
        return SPLIT_NAMES[name], getattr(splits, name)

    @property
    def split_name(self) -> str:
        """The split figures evaluate on: test, else validation, else training."""
        return self._evaluation[0]

    @property
    def split(self) -> Any:
        """The evaluation split (see :attr:`split_name`)."""
        return self._evaluation[1]

    @cached_property
    def predictions(self) -> np.ndarray:
        """The network's output on :attr:`split` (NaN where it diverged)."""
        with np.errstate(all="ignore"):
            return np.asarray(self.predict(self.split.x))

    @cached_property
    def guesses(self) -> np.ndarray:
        """The predicted class of each example of :attr:`split`."""
        from nnexp.engine.metrics import predicted_labels

        return predicted_labels(self.predictions)

    @property
    def is_image(self) -> bool:
        """Whether the inputs are images (a 2-D input shape, or a square of ≥ 64)."""
        info = self.info
        side = int(round(np.sqrt(info.n_features)))
        return len(tuple(info.input_shape)) >= 2 or (
            side * side == info.n_features and info.n_features >= 64
        )
