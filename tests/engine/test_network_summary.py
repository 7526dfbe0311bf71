"""What a network says about itself: repr, the model-summary rows, component text."""

from __future__ import annotations

from nnexp.engine.activations import ACTIVATIONS
from nnexp.engine.network import build_network, describe_component


def test_repr_names_sizes_activations_dtype_and_parameter_count():
    net = build_network(
        [784, 100, 10], activation="relu", output_activation="softmax", dtype="float32"
    )
    assert (
        repr(net) == "Network(784-100-10, relu → softmax, float32, 79,510 parameters)"
    )


def test_summary_rows_count_every_layer():
    net = build_network(
        [2, 3, 4, 1],
        activation=[{"name": "leaky_relu", "alpha": 0.2}, "tanh"],
        dropout=[0.5, 0.0],
    )
    assert net.summary_rows() == [
        {"layer": "dense 1", "shape": "2 → 3", "params": 9,
         "activation": "leaky_relu(alpha=0.2)"},
        {"layer": "dropout", "shape": "", "params": 0, "activation": "rate 0.5"},
        {"layer": "dense 2", "shape": "3 → 4", "params": 16, "activation": "tanh(k=1.0)"},
        {"layer": "dense 3", "shape": "4 → 1", "params": 5, "activation": "identity"},
    ]  # fmt: skip
    assert sum(row["params"] for row in net.summary_rows()) == net.n_params() == 30


def test_describe_component_shows_the_constructor_keywords():
    assert describe_component(ACTIVATIONS.build("relu")) == "relu"
    assert describe_component(ACTIVATIONS.build({"name": "elu", "alpha": 0.5})) == (
        "elu(alpha=0.5)"
    )

    class Plain:  # not registered: its class name, and keywords it keeps
        def __init__(self, width=2, _hidden=1):
            self.width, self._hidden = width, _hidden

    assert describe_component(Plain(3)) == "Plain(width=3)"
