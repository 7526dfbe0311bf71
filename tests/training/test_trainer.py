"""The training loop: determinism, resume, early stopping, divergence, dtype, learning."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from nnexp.engine.losses import LOSSES
from nnexp.engine.network import build_network
from nnexp.engine.optimizers import OPTIMIZERS
from nnexp.engine.schedules import SCHEDULES
from nnexp.training.callbacks import Callback, EarlyStopping
from nnexp.training.state import TrainState
from nnexp.training.trainer import Trainer, fit


def split(x, y, labels=None):
    return SimpleNamespace(x=x, y=y, labels=labels)


def blobs(dtype="float64", n=240, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    centres = np.array([[0, 0], [3, 0], [0, 3]], float)
    x = (centres[labels] + rng.normal(scale=0.8, size=(n, 2))).astype(dtype)
    y = np.eye(3, dtype=dtype)[labels]
    cut = int(n * 0.75)
    return SimpleNamespace(
        train=split(x[:cut], y[:cut], labels[:cut]),
        val=split(x[cut:], y[cut:], labels[cut:]),
        test=split(x[cut:], y[cut:], labels[cut:]),
    )


def gates():
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    y = np.stack(
        [x[:, 0] * x[:, 1], np.maximum(x[:, 0], x[:, 1]), np.abs(x[:, 0] - x[:, 1])], 1
    )
    s = split(x, y)
    return SimpleNamespace(train=s, val=s, test=s)


def make(data, *, seed=0, epochs=6, dtype="float64", optimizer=None, **kw):
    net = build_network(
        [2, 16, 3],
        activation="tanh",
        output_activation="softmax",
        rng=seed,
        dtype=dtype,
    )
    opt = optimizer or OPTIMIZERS.build({"name": "sgd", "lr": 0.1, "momentum": 0.9})
    trainer = Trainer(
        net,
        data,
        loss=LOSSES.build("cross_entropy"),
        optimizer=opt,
        epochs=epochs,
        batch_size=16,
        rngs=seed,
        **kw,
    )
    return net, trainer


def drop_time(frame):
    return frame.drop(columns=["train_seconds", "seconds"])


def test_same_seed_is_bit_identical_and_another_seed_differs():
    results = []
    for seed in (0, 0, 1):
        net, trainer = make(blobs(), seed=seed)
        results.append((trainer.run(), net.get_weights()))
    (r0, w0), (r1, w1), (r2, w2) = results
    assert drop_time(r0.frame).equals(drop_time(r1.frame))
    for k in w0:
        assert_array_equal(w0[k], w1[k])
    assert not np.array_equal(w0["W1"], w2["W1"])


def test_history_columns_and_values():
    _, trainer = make(blobs(), epochs=3)
    frame = trainer.run().frame
    assert list(frame["epoch"]) == [1, 2, 3]
    for col in (
        "train_loss",
        "val_loss",
        "train_accuracy",
        "val_accuracy",
        "lr",
        "layer1_weight_norm",
        "layer1_grad_norm",
        "layer1_dead_fraction",
        "layer2_dead_fraction",
        "train_seconds",
        "seconds",
    ):
        assert col in frame and frame[col].notna().all(), col
    assert (frame["seconds"] >= frame["train_seconds"]).all()
    assert frame["val_accuracy"].iloc[-1] > 0.8


@pytest.mark.parametrize(
    "opt_ref",
    [{"name": "sgd", "lr": 0.1, "momentum": 0.9}, {"name": "adam", "lr": 0.01}],
)
def test_resume_from_epoch_k_equals_the_uninterrupted_run(opt_ref, tmp_path):
    net_a, full = make(
        blobs(), epochs=6, optimizer=OPTIMIZERS.build(opt_ref), shuffle=True
    )
    full_result = full.run()

    snapshots = {}

    class Keep(Callback):
        def on_epoch_end(self, row, snapshot):
            snapshots[row["epoch"]] = snapshot()

    net_b, first = make(
        blobs(), epochs=6, optimizer=OPTIMIZERS.build(opt_ref), callbacks=[Keep()]
    )
    first.run()
    state = snapshots[3]
    # through the flat-array form a checkpoint file uses
    np.savez(tmp_path / "ck.npz", **state.to_arrays())
    with np.load(tmp_path / "ck.npz") as f:
        state = TrainState.from_arrays(dict(f))
    net_c, resumed = make(
        blobs(), seed=0, epochs=6, optimizer=OPTIMIZERS.build(opt_ref)
    )
    resumed.restore(state, full_result.history.rows[:3])
    res = resumed.run()
    assert drop_time(res.frame).equals(drop_time(full_result.frame))
    for k, v in net_a.get_weights().items():
        assert_array_equal(v, net_c.get_weights()[k])


def test_early_stopping_restores_the_best_epoch():
    # a learning rate far too high makes val_loss worsen after a few epochs
    es = EarlyStopping(monitor="val_loss", patience=2)
    best_weights = {}

    class Keep(Callback):
        def on_epoch_end(self, row, snapshot):
            best_weights[row["epoch"]] = snapshot().weights

    net, trainer = make(
        blobs(),
        epochs=60,
        early_stopping=es,
        callbacks=[Keep()],
        optimizer=OPTIMIZERS.build({"name": "sgd", "lr": 0.5, "momentum": 0.9}),
    )
    result = trainer.run()
    frame = result.frame
    assert result.status == "completed" and result.stopped_early
    best = int(frame.loc[frame["val_loss"].idxmin(), "epoch"])
    assert result.best_epoch == best
    assert (
        result.epochs == best + 2
    )  # patience 2: stops after two epochs without progress
    for k, v in net.get_weights().items():
        assert_array_equal(v, best_weights[best][k])


def test_exp_network_diverges_and_keeps_finite_weights():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(200, 100))
    labels = rng.integers(0, 4, 200)
    data = SimpleNamespace(
        train=split(x, np.eye(4)[labels], labels), val=None, test=None
    )
    net = build_network([100, 30, 4], activation="exp", output_activation="exp", rng=0)
    result = fit(
        net,
        data,
        loss=LOSSES.build("mse"),
        optimizer=OPTIMIZERS.build({"name": "sgd", "lr": 0.1}),
        epochs=20,
        batch_size=10,
        rngs=0,
    )
    assert result.status == "diverged"
    assert "non-finite" in result.message
    # the failing epoch is recorded (for the plots' divergence marker), not counted
    assert result.epochs == 0 and not np.isfinite(result.frame["train_loss"].iloc[-1])
    assert all(np.isfinite(w).all() for w in net.get_weights().values())


def test_float32_runs_stay_float32():
    net, trainer = make(blobs("float32"), dtype="float32", epochs=2)
    trainer.run()
    assert all(w.dtype == np.float32 for w in net.get_weights().values())
    assert all(g.dtype == np.float32 for g in trainer.grads.values())


def test_stop_flag_interrupts_after_the_batch_and_keeps_the_last_epoch():
    flag = threading.Event()

    class StopInEpoch3(Callback):
        batch_every = 1

        def on_batch_end(self, epoch, batch, n_batches, loss):
            if epoch == 3 and batch == 2:
                flag.set()

    snap = {}

    class Keep(Callback):
        def on_epoch_end(self, row, snapshot):
            snap[row["epoch"]] = snapshot().weights

    net, trainer = make(
        blobs(), epochs=6, stop=flag, callbacks=[StopInEpoch3(), Keep()]
    )
    result = trainer.run()
    assert result.status == "interrupted" and result.epochs == 2
    assert len(result.history) == 2
    for k, v in net.get_weights().items():
        assert_array_equal(v, snap[2][k])


def test_per_layer_optimizers_and_step_schedule():
    data = blobs()
    net = build_network(
        [2, 8, 3], activation="relu", output_activation="softmax", rng=0
    )
    opts = [
        OPTIMIZERS.build({"name": "sgd", "lr": 0.1}),
        OPTIMIZERS.build({"name": "adam", "lr": 0.01}),
    ]
    sched = SCHEDULES.build({"name": "exponential", "rate": 0.5, "per": "epoch"})
    result = fit(
        net,
        data,
        loss=LOSSES.build("cross_entropy"),
        optimizer=opts,
        schedule=sched,
        epochs=3,
        batch_size=20,
        rngs=0,
    )
    assert list(result.frame["lr"]) == pytest.approx([0.1, 0.05, 0.025])
    with pytest.raises(ValueError, match="one optimizer per dense layer"):
        fit(
            net,
            data,
            loss=LOSSES.build("cross_entropy"),
            optimizer=opts[:1],
            epochs=1,
            batch_size=20,
        )


def test_dead_fraction_sees_dying_relus():
    data = blobs()
    net = build_network(
        [2, 6, 3], activation="relu", output_activation="softmax", rng=0
    )
    net.dense[0].b[:3] = -1e3  # three units that never fire
    result = fit(
        net,
        data,
        loss=LOSSES.build("cross_entropy"),
        optimizer=OPTIMIZERS.build("sgd"),
        epochs=1,
        batch_size=20,
        rngs=0,
    )
    assert result.frame["layer1_dead_fraction"].iloc[0] == pytest.approx(0.5)


def test_logic_gates_abs_net_reaches_machine_precision_for_some_seed():
    # SPEC E1: 2-4-3, abs in both layers, mse, sgd 0.1, batch 1, ≤ 5000 epochs
    losses = []
    for seed in range(6):
        net = build_network(
            [2, 4, 3], activation="abs", output_activation="abs", rng=seed
        )
        result = fit(
            net,
            gates(),
            loss=LOSSES.build("mse"),
            optimizer=OPTIMIZERS.build({"name": "sgd", "lr": 0.1}),
            epochs=5000,
            batch_size=1,
            rngs=seed,
        )
        losses.append(result.frame["val_loss"].iloc[-1])
        if losses[-1] < 1e-6:
            break
    assert min(losses) < 1e-6, losses


def test_sincos_fit_reaches_test_mse_below_1e_3():
    # SPEC E2: 2000 points on [0, π/2], even train / odd test, 1-100-2, sgd 0.1, batch 1
    x = np.linspace(0, np.pi / 2, 2000)[:, None]
    y = np.hstack([np.sin(x), np.cos(x)]) / 2 + 0.5
    tr, te = split(x[0::2], y[0::2]), split(x[1::2], y[1::2])
    net = build_network(
        [1, 100, 2], activation="abs", output_activation="identity", rng=0
    )
    result = fit(
        net,
        SimpleNamespace(train=tr, val=None, test=te),
        loss=LOSSES.build("mse"),
        optimizer=OPTIMIZERS.build({"name": "sgd", "lr": 0.1}),
        epochs=100,
        batch_size=1,
        rngs=0,
    )
    assert result.status == "completed"
    assert result.test["mse"] < 1e-3


def test_a_text_file_is_not_taken_for_a_weights_file(tmp_path):
    from nnexp.errors import RunError
    from nnexp.runs.checkpoint import load_weights

    fake = tmp_path / "weights.npz"
    fake.write_text("not an archive")
    with pytest.raises(RunError, match="is not an .npz file"):
        load_weights(fake)
