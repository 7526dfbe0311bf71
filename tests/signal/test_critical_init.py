"""The mean-field initialisers (critical, mean_field), gain: computed, and the per-layer
draw that must leave every other initialiser's numbers as they were."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnexp.engine.activations import ACTIVATIONS, family_of
from nnexp.engine.critical_init import layer_parameters
from nnexp.engine.initializers import INITIALIZERS
from nnexp.engine.network import build_network
from nnexp.errors import NnexpError
from nnexp.signal.gains import critical_weight_variance, variance_preserving_gain
from nnexp.signal.profile import profile

SIZES = [30, 40, 40, 40, 7]
COURSE = ["randn_average", "rand_average", "randn_orthonormal", "he_normal",
          "lecun_normal", "standard_normal"]  # fmt: skip


def test_the_registry_keeps_the_course_initialisers_and_adds_two():
    names = [e.name for e in INITIALIZERS.entries() if e.source == "builtin"]
    assert names == [*COURSE, "mean_field", "critical"]
    params = {p.name: p.default for p in INITIALIZERS.resolve("critical").params}
    assert params == {"bias_variance": 0.0, "orthonormal": False}


@pytest.mark.parametrize("name", COURSE)
@pytest.mark.parametrize("gain", ["auto", 0.7])
def test_every_other_initialiser_draws_exactly_the_numbers_it_drew_before(name, gain):
    """The old loop of build_network, written out: W from sample() with the family
    gain of the layer's activation, zero biases, one generator; equal to the bit."""
    acts = ["relu", "tanh", "abs", "identity"]
    net = build_network(SIZES, activation=acts[:3], output_activation=acts[3],
                        initializer={"name": name, "gain": gain}, rng=5)  # fmt: skip
    init = INITIALIZERS.build({"name": name, "gain": gain})
    gen = np.random.default_rng(5)
    for i, (m, n) in enumerate(zip(SIZES[:-1], SIZES[1:], strict=True)):
        fam = family_of(ACTIVATIONS.build(acts[i])).gain
        W = init.sample((m, n), gen, family_gain=fam, dtype=np.float64)
        assert np.array_equal(net.params[f"W{i + 1}"], W)
        assert np.array_equal(net.params[f"b{i + 1}"], np.zeros(n))


def test_mean_field_draws_weights_then_biases_from_one_generator():
    init = INITIALIZERS.build(
        {"name": "mean_field", "weight_variance": 2.5, "bias_variance": 0.3}
    )
    W, b = layer_parameters(init, (40, 30), np.random.default_rng(1), None, "float32")
    gen = np.random.default_rng(1)
    want_W = gen.standard_normal((40, 30)) * math.sqrt(2.5 / 40)
    want_b = math.sqrt(0.3) * gen.standard_normal(30)
    assert W.dtype == b.dtype == np.float32
    assert np.array_equal(W, want_W.astype(np.float32))
    assert np.array_equal(b, want_b.astype(np.float32))


def test_critical_puts_each_layer_on_its_activations_critical_line():
    tanh = ACTIVATIONS.build("tanh")
    want = critical_weight_variance(profile(tanh, "tanh"), 0.05).sigma_w2
    assert want == pytest.approx(1.7609546, abs=1e-6)
    net = build_network([400, 400, 400, 10], activation="tanh",
                        output_activation="softmax",
                        initializer={"name": "critical", "bias_variance": 0.05},
                        rng=0)  # fmt: skip
    for k in (1, 2):
        W, b = net.params[f"W{k}"], net.params[f"b{k}"]
        assert W.var() * 400 == pytest.approx(want, rel=0.01)  # 160,000 draws
        assert b.var() == pytest.approx(0.05, rel=0.25)  # 400 draws
    assert net.params["W3"].var() * 400 == pytest.approx(1.0, rel=0.03)  # softmax


def test_critical_with_orthonormal_weights_has_the_same_variance_exactly():
    init = INITIALIZERS.build({"name": "critical", "orthonormal": True})
    W, b = layer_parameters(init, (64, 64), np.random.default_rng(0),
                            ACTIVATIONS.build("tanh"), "float64")  # fmt: skip
    # tanh at σ_b² = 0 is critical at σ_w² = 1 (to ~1e-8): W is orthogonal
    assert np.allclose(W.T @ W, np.eye(64), atol=1e-6) and np.all(b == 0)
    wide, _ = layer_parameters(init, (16, 64), np.random.default_rng(0),
                               ACTIVATIONS.build("tanh"), "float64")  # fmt: skip
    assert np.sum(wide * wide) / wide.size * 16 == pytest.approx(1.0, rel=1e-6)


def test_critical_refuses_an_activation_without_a_critical_line():
    init = INITIALIZERS.build({"name": "critical", "bias_variance": 0.1})
    with pytest.raises(NnexpError, match="sign has no critical σ_w²"):
        layer_parameters(init, (5, 5), np.random.default_rng(0),
                         ACTIVATIONS.build("sign"), "float64")  # fmt: skip
    with pytest.raises(NnexpError, match="needs the activation of each layer"):
        init.sample((5, 5), np.random.default_rng(0), family_gain=1.0, dtype="float64")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"name": "critical", "bias_variance": -0.1}, "bias_variance must be"),
        ({"name": "mean_field", "weight_variance": 0}, "weight_variance must be"),
        ({"name": "randn_average", "gain": "computd"}, "'computed'"),
    ],
)
def test_bad_parameters_are_named(params, message):
    with pytest.raises(Exception, match=message):
        INITIALIZERS.build(params)


class Bump:
    """A plugin without a family: x·e^(−x²/4) (its family gain would be 1)."""

    def forward(self, z):
        return z * np.exp(-z * z / 4)

    def derivative(self, z, a):
        return (1 - z * z / 2) * np.exp(-z * z / 4)


def test_gain_computed_uses_the_variance_preserving_gain():
    bump = Bump()
    g = variance_preserving_gain(profile(bump, "bump"))
    # E[z² e^(−z²/2)] = (1 + 1)^(−3/2) = 2^(−3/2)
    assert g == pytest.approx(2**0.75, rel=1e-12)
    init = INITIALIZERS.build({"name": "randn_average", "gain": "computed"})
    W, _ = layer_parameters(init, (30, 20), np.random.default_rng(3), bump, "float64")
    plain = INITIALIZERS.build({"name": "randn_average", "gain": 1.0})
    W1 = plain.sample((30, 20), np.random.default_rng(3), family_gain=1.0, dtype="f8")
    assert np.allclose(W, g * W1, rtol=1e-15)
    relu = ACTIVATIONS.build("relu")  # He's gain of relu is its family gain, √2
    auto = build_network([8, 8, 2], activation=relu, rng=1)
    computed = build_network([8, 8, 2], activation=relu, rng=1,
                             initializer={"name": "randn_average", "gain": "computed"})  # fmt: skip
    assert np.allclose(auto.params["W1"], computed.params["W1"], rtol=1e-14)


def test_a_spec_trains_from_the_critical_line_and_signal_reads_it(tmp_path):
    import nnexp

    spec = tmp_path / "critical.yaml"
    spec.write_text(
        "name: critical\nseed: 0\ndataset: {name: mnist_10k, limit: 300}\n"
        "model: {hidden: [32, 32, 32], activation: tanh, output_activation: softmax,\n"
        "        initializer: {name: critical, bias_variance: 0.05}}\n"
        "loss: cross_entropy\noptimizer: {name: sgd, lr: 0.05}\n"
        "training: {epochs: 1, batch_size: 32}\noutput: {plots: false}\n"
    )
    run = nnexp.train(spec, runs_dir=tmp_path / "runs")
    assert run.record.status == "completed"
    b1 = run.network.params["b1"]
    assert np.count_nonzero(b1) == 32  # drawn, not zero
    result = nnexp.signal_propagation(spec, grid=(2, 2), draws=2, write=False)
    s = result.setup
    assert s.variances.sigma_w2 == pytest.approx(1.7609546, abs=1e-6)
    assert s.variances.sigma_b2 == 0.05 and s.depth == 3 and s.width == 32
    assert result.point.phase == "critical"
    assert result.networks.stats[0].ensemble == "critical"
