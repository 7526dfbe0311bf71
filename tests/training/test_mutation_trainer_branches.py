"""The loop's other endings: divergence (of the loss or of the weights), early stopping,
interruption, and the arguments checked on construction.

A diverging run must stop in the epoch where the loss or the weights stop being
finite, record that epoch's row, go back to the weights of the last completed epoch
(not the early-stopping best), evaluate the test split with them, and stay silent: no
floating-point warning escapes (pytest turns RuntimeWarning into an error).
"""

from __future__ import annotations

import threading
from types import SimpleNamespace

import numpy as np
import pytest
from fragile_activation import Fragile
from numpy.testing import assert_array_equal

from nnexp.engine.layers import Dense
from nnexp.engine.losses import LOSSES
from nnexp.engine.network import Network
from nnexp.engine.optimizers import OPTIMIZERS
from nnexp.training.callbacks import Callback, EarlyStopping
from nnexp.training.evaluation import evaluate
from nnexp.training.trainer import Trainer


def one_unit_net():
    return Network([Dense(np.array([[0.5]]), np.array([0.1]), Fragile())])


def data(n=6):
    x = np.linspace(0.5, 1.0, n)[:, None]
    s = SimpleNamespace(x=x, y=2.0 * x, labels=None)
    return SimpleNamespace(train=s, val=s, test=s)


class Inject(Callback):
    """Writes ``value`` into W1 at a given hook (a test's stand-in for a blow-up), and
    keeps each completed epoch's weights."""

    batch_every = 1

    def __init__(self, net, hook, epoch, value=1e300, batch=None, name="W1"):
        self.net, self.hook, self.epoch, self.value = net, hook, epoch, value
        self.batch, self.name = batch, name
        self.weights = {0: net.get_weights()}

    def _hit(self):
        self.net.params[self.name][...] = self.value

    def on_epoch_begin(self, epoch, n_batches):
        if self.hook == "epoch_begin" and epoch == self.epoch:
            self._hit()

    def on_batch_end(self, epoch, batch, n_batches, loss):
        if self.hook == "batch_end" and (epoch, batch) == (self.epoch, self.batch):
            self._hit()

    def on_epoch_end(self, row, snapshot):
        self.weights[row["epoch"]] = snapshot().weights
        if self.hook == "epoch_end" and row["epoch"] == self.epoch:
            self._hit()


def trainer(net, callbacks, **kw):
    kw.setdefault("epochs", 5)
    return Trainer(
        net,
        data(),
        loss=LOSSES.build("mse"),
        optimizer=OPTIMIZERS.build({"name": "sgd", "lr": 0.1}),
        batch_size=2,
        rngs=0,
        callbacks=callbacks,
        **kw,
    )


def assert_weights(net, weights):
    for k, v in net.get_weights().items():
        assert_array_equal(v, weights[k])


@pytest.mark.parametrize("epoch", [1, 3])
def test_a_non_finite_loss_stops_in_its_epoch_and_keeps_the_last_finite_weights(epoch):
    net = one_unit_net()
    hook = "epoch_begin" if epoch == 1 else "epoch_end"
    inject = Inject(net, hook, epoch if epoch == 1 else epoch - 1)
    result = trainer(net, [inject]).run()
    assert result.status == "diverged" and not result.stopped_early
    assert result.message == f"non-finite loss (nan) at epoch {epoch}, batch 1"
    assert result.epochs == epoch - 1 and result.state.epoch == epoch - 1
    assert result.state.step == 3 * (epoch - 1)  # 6 samples in batches of 2
    frame = result.frame
    assert list(frame["epoch"]) == list(range(1, epoch + 1))
    assert np.isnan(frame["train_loss"].iloc[-1]) and np.isnan(frame["lr"].iloc[-1])
    assert_weights(net, inject.weights[epoch - 1])
    split = data().test
    assert result.test == evaluate(net, LOSSES.build("mse"), split.x, split.y, None)
    assert np.isfinite(result.test["loss"])


def test_a_diverged_run_does_not_go_back_to_the_best_epoch():
    """The learning rate never improves after epoch 1 (mode max on a constant), so
    early stopping holds epoch 1's weights; the run diverges in epoch 3 and must
    end with epoch 2's weights, reporting best epoch 1."""
    net = one_unit_net()
    inject = Inject(net, "epoch_end", 2)
    es = EarlyStopping(monitor="lr", mode="max", patience=10)
    result = trainer(net, [inject], early_stopping=es).run()
    assert result.status == "diverged" and result.best_epoch == 1
    assert not np.array_equal(inject.weights[1]["W1"], inject.weights[2]["W1"])
    assert_weights(net, inject.weights[2])


def test_non_finite_weights_stop_the_run_after_their_epoch():
    """The loss of every batch is finite, but the last step of epoch 2 leaves b1 at
    inf: the run stops after epoch 2 without a row for it."""
    net = one_unit_net()
    inject = Inject(net, "batch_end", 2, value=np.inf, batch=3, name="b1")
    result = trainer(net, [inject]).run()
    assert result.status == "diverged"
    assert result.message == "non-finite weights in b1 after epoch 2"
    assert result.epochs == 1 and list(result.frame["epoch"]) == [1]
    assert_weights(net, inject.weights[1])


def test_early_stopping_says_when_and_restores_the_best_weights():
    net = one_unit_net()
    inject = Inject(net, "never", 0)
    es = EarlyStopping(monitor="lr", mode="max", patience=2)
    result = trainer(net, [inject], early_stopping=es).run()
    assert result.status == "completed" and result.stopped_early
    assert result.epochs == 3 and result.best_epoch == 1
    assert result.message == "early stopping after epoch 3: lr last improved in epoch 1"
    assert_weights(net, inject.weights[1])


def test_a_monitor_missing_from_the_row_never_improves():
    net = one_unit_net()
    es = EarlyStopping(monitor="not_a_column", patience=1)
    result = trainer(net, [], early_stopping=es).run()
    assert result.stopped_early and result.epochs == 1 and result.best_epoch is None
    assert result.message.endswith("not_a_column last improved in epoch 0")


def test_an_interrupted_run_is_not_evaluated_on_the_test_split():
    flag = threading.Event()
    flag.set()
    result = trainer(one_unit_net(), [], stop=flag).run()
    assert result.status == "interrupted" and result.test == {}
    assert result.message == "interrupted during epoch 1"
    assert result.state.epoch == 0 and result.state.step == 0  # back to the start


def test_a_resumed_run_announces_its_first_epoch():
    net = one_unit_net()
    first = trainer(net, [], epochs=2).run()

    class Begin(Callback):
        def on_train_begin(self, info):
            self.info = info

    begin = Begin()
    again = trainer(net, [begin], epochs=4)
    again.restore(first.state, first.history.rows)
    result = again.run()
    assert begin.info["start_epoch"] == 3 and begin.info["task"] == "regression"
    assert list(result.frame["epoch"]) == [1, 2, 3, 4]


@pytest.mark.parametrize(("epochs", "batch_size"), [(0, 1), (1, 0)])
def test_epochs_and_batch_size_must_be_positive(epochs, batch_size):
    with pytest.raises(ValueError, match="epochs and batch_size must be ≥ 1"):
        Trainer(
            one_unit_net(),
            data(),
            loss=LOSSES.build("mse"),
            optimizer=OPTIMIZERS.build("sgd"),
            epochs=epochs,
            batch_size=batch_size,
        )


class PlainMSE:
    """A loss object without ``fused_with`` (a plugin need not declare it)."""

    def value(self, a, y):
        return LOSSES.build("mse").value(a, y)

    def value_and_grad(self, a, y):
        return LOSSES.build("mse").value_and_grad(a, y)


def test_a_loss_without_fused_with_is_not_fused():
    frames = []
    for loss in (PlainMSE(), LOSSES.build("mse")):
        t = Trainer(
            one_unit_net(),
            data(),
            loss=loss,
            optimizer=OPTIMIZERS.build("sgd"),
            epochs=2,
            batch_size=2,
        )
        frames.append(t.run().frame.drop(columns=["train_seconds", "seconds"]))
    assert frames[0].equals(frames[1])


def test_a_state_with_another_number_of_optimizers_is_refused():
    net = one_unit_net()
    state = trainer(net, [], epochs=1).run().state
    state.optimizers = state.optimizers * 2
    with pytest.raises(ValueError, match="zip"):
        trainer(net, []).restore(state)
