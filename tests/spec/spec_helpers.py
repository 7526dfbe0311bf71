"""Shared data of the spec tests (a module name unique across tests/)."""

from __future__ import annotations

import pytest

from nnexp.errors import SpecError

#: issue 5's example spec (configs/mnist_relu.yaml): its key names are the contract
E3 = """\
name: mnist_relu
seed: 0
dataset: {name: mnist, validation: 0.1, normalize: scale}
model:
  layers: [784, 100, 10]     # or `hidden: [100]`
  activation: relu           # hidden layers; a list gives one per layer
  output_activation: relu
  initializer: randn_average
  dropout: 0.0
loss: mse
optimizer: {name: sgd, lr: 0.01}    # or a list, one per layer
regularizer: {name: l2, lam: 0.0}
schedule: constant
training: {epochs: 10, batch_size: 10, shuffle: true, dtype: float64}
"""


def problems_of(err: pytest.ExceptionInfo[SpecError]) -> dict[str, str]:
    """``{key: message}`` of a raised SpecError (the last message of a key wins)."""
    return {key: msg for key, msg in err.value.problems}
