"""Dead units: the fraction of a layer's units whose derivative is zero on every sample.

The counts are chosen so that the dead and the alive fractions differ (2 of 6 units dead
is 1/3, alive 2/3): a count of the alive units instead of the dead ones fails.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnexp.engine.losses import LOSSES
from nnexp.engine.network import build_network
from nnexp.training.evaluation import evaluate
from nnexp.training.trainer import fit


def relu_net(dead_units: int, *, rng=0):
    net = build_network(
        [2, 6, 3], activation="relu", output_activation="softmax", rng=rng
    )
    net.dense[0].b[:dead_units] = -1e3  # never fire on inputs of size ~1
    return net


def data(n=60, seed=0):
    gen = np.random.default_rng(seed)
    x = gen.uniform(-1, 1, size=(n, 2))
    labels = gen.integers(0, 3, n)
    return x, np.eye(3)[labels], labels


@pytest.mark.parametrize("dead_units", [0, 1, 2, 5])
def test_evaluate_counts_the_dead_units(dead_units):
    net = relu_net(dead_units)
    net.dense[0].b[dead_units:] = 1e3  # and the others fire on every sample
    x, y, labels = data()
    result = evaluate(net, LOSSES.build("cross_entropy"), x, y, labels, dead=True)
    assert result["dead_fraction"] == [dead_units / 6, 0.0]


def test_a_unit_alive_on_one_sample_of_one_chunk_is_alive():
    net = relu_net(0)
    W, b = net.dense[0].W, net.dense[0].b
    W[:] = 0.0
    b[:] = -1.0
    W[0, 0], b[0] = 10.0, -5.0  # unit 1 fires only where x0 > 0.5
    x = np.zeros((9, 2))
    x[7, 0] = 1.0  # one sample of the middle chunk (chunks: 0-3, 4-7, 8)
    y, labels = np.eye(3)[np.zeros(9, int)], np.zeros(9, int)
    loss = LOSSES.build("cross_entropy")
    result = evaluate(net, loss, x, y, labels, dead=True, chunk=4)
    assert result["dead_fraction"][0] == pytest.approx(5 / 6)
    x[7, 0] = 0.0  # now no sample makes it fire
    result = evaluate(net, loss, x, y, labels, dead=True, chunk=4)
    assert result["dead_fraction"][0] == 1.0


def test_the_training_loop_records_one_third_dead():
    x, y, labels = data(120)
    net = relu_net(2)
    net.dense[0].b[2:] = 1e3
    result = fit(
        net,
        (x[:90], labels[:90]),
        val=(x[90:], labels[90:]),
        loss="cross_entropy",
        optimizer={"name": "sgd", "lr": 1e-6},
        epochs=1,
        batch_size=30,
    )
    frame = result.frame
    assert frame["layer1_dead_fraction"].iloc[0] == pytest.approx(2 / 6)
    assert frame["layer2_dead_fraction"].iloc[0] == 0.0
