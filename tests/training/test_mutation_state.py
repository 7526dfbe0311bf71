"""The resumable state's plain forms: early stopping's best weights under any names,
and a checkpoint's scalars and missing optional fields."""

from __future__ import annotations

import json

import numpy as np

from nnexp.training.callbacks import EarlyStopping
from nnexp.training.state import TrainState


def test_best_weights_names_may_hold_slashes():
    es = EarlyStopping()
    es.load_state_dict(
        {"best": 0.5, "best_epoch": 2, "wait": 1, "best_weights/enc/W1": np.ones(2)}
    )
    assert list(es.best_weights) == ["enc/W1"]
    assert list(es.state_dict()) == [
        "best",
        "best_epoch",
        "wait",
        "best_weights/enc/W1",
    ]


def state(**kw):
    return TrainState(
        epoch=1,
        step=4,
        weights={"W1": np.ones((2, 2))},
        optimizers=[{"t": np.array(4), "v/W1": np.zeros((2, 2))}],
        rng={},
        **kw,
    )


def test_zero_dimensional_arrays_travel_as_json_numbers():
    arrays = state().to_arrays()
    assert set(arrays) == {"weights/W1", "opt0/v/W1", "meta"}
    back = TrainState.from_arrays(arrays)
    assert back.optimizers[0]["t"] == 4 and type(back.optimizers[0]["t"]) is int


def test_a_checkpoint_without_extra_reads_as_an_empty_extra():
    arrays = state().to_arrays()
    meta = json.loads(str(arrays["meta"]))
    del meta["extra"]
    arrays["meta"] = np.array(json.dumps(meta))
    assert TrainState.from_arrays(arrays).extra == {}
