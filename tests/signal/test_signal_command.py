"""``nnexp signal``: the table, the folder, the spec form, and every bad input as a
one-paragraph error with exit code 2."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import nnexp
from nnexp.errors import NnexpError

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ROOT / "tests" / "fixtures" / "plugins"
FAST = ("--grid", "4x3", "--draws", "0")
SMALL_NETS = ("--grid", "4x3", "--depth", "4", "--width", "60", "--draws", "3")


def strict_json(path: Path) -> dict:
    """signal.json read with NaN and Infinity refused: JSON proper."""

    def refuse(name: str) -> None:
        raise ValueError(f"{path} holds {name}")

    return json.loads(path.read_text(), parse_constant=refuse)


def test_tanh_prints_the_table_and_writes_its_folder(cli, tmp_path):
    result = cli("signal", "tanh", *SMALL_NETS, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "critical σ_w²" in out and "1.76095" in out  # χ₁ = 1 at σ_b² = 0.05
    assert "gain (torch)" in out and "1.66667" in out and "1.59254" in out
    data = strict_json(tmp_path / "out" / "signal.json")
    assert data["activation"] == "tanh" and data["sigma_b2"] == 0.05
    assert data["theory"]["chi1"] == pytest.approx(1.0, abs=1e-9)
    assert data["theory"]["xi_c"] is None and data["notes"]  # infinite, and why
    assert len(data["figures"]) == 6 and "plots/networks.png" in data["figures"]
    for figure in data["figures"]:
        assert (tmp_path / "out" / figure).stat().st_size > 10_000
    nets = data["networks"]
    assert nets["c0"] == [0.2, 0.6, 0.95] and len(nets["theory"]["q"]) == 4
    assert nets["gaussian"]["draws"] == 3 and len(nets["orthonormal"]["q"]["se"]) == 4
    assert "random networks (width 60, depth 4, 3 each)" in out
    jac = nets["jacobian"]["orthonormal"]
    assert jac["width"] == 60 and jac["draws"] == 3 and jac["theory_mean_square"] > 0


def test_no_networks_with_draws_zero_and_one_draw_is_refused(cli, tmp_path):
    result = cli("signal", "relu", "--sigma-b2", "0", *FAST, "-o", tmp_path / "a")
    assert result.exit_code == 0, result.output
    data = strict_json(tmp_path / "a" / "signal.json")
    assert data["networks"] is None and len(data["figures"]) == 4
    bad = cli("signal", "relu", "--draws", "1", "-o", tmp_path / "b")
    assert bad.exit_code == 2 and "at least 2" in bad.output


def test_the_folder_goes_under_runs_dir_named_as_a_run(cli, tmp_path):
    result = cli("signal", "relu", "--sigma-b2", "0", *FAST, "--runs-dir", tmp_path)
    assert result.exit_code == 0, result.output
    (folder,) = tmp_path.iterdir()
    assert folder.name.endswith("_signal_relu") and folder.name[:4].isdigit()
    assert "every q" in result.stdout  # ReLU on its critical line keeps q


def test_edge_cases_are_stated_not_printed_as_nan(cli, tmp_path):
    grows = cli("signal", "relu", "--sigma-w2", "2", "--sigma-b2", "0.1", *FAST,
                "-o", tmp_path / "a")  # fmt: skip
    assert grows.exit_code == 0, grows.output
    assert "no finite q*" in grows.stdout and "nan" not in grows.stdout.lower()
    assert strict_json(tmp_path / "a" / "signal.json")["theory"]["q_star"] is None
    sign = cli("signal", "sign", "--sigma-w2", "1", *FAST, "-o", tmp_path / "b")
    assert sign.exit_code == 0, sign.output
    assert "always chaotic" in sign.stdout and "∞" in sign.stdout
    # f′ = 0: no Jacobian to draw, and the notes say no gradient flows
    nets = cli("signal", "sign", "--sigma-w2", "1", *SMALL_NETS, "-o", tmp_path / "c")
    assert nets.exit_code == 0, nets.output
    data = strict_json(tmp_path / "c" / "signal.json")
    assert data["networks"]["jacobian"] is None
    assert "plots/jacobian.png" not in data["figures"]
    assert "passes no gradient" in " ".join(nets.stdout.split())


def test_a_plugin_activation_with_a_kink_away_from_zero(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(PLUGINS)
    result = cli("signal", "cube.py:Hinge", "--sigma-w2", "1.5", "--sigma-b2", "0.5",
                 "--grid", "2x2", "--draws", "0", "-o", tmp_path / "h")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = strict_json(tmp_path / "h" / "signal.json")
    assert data["activation"] == "cube.py:Hinge"
    assert data["gains"]["torch"] is None and data["gains"]["family"] == math.sqrt(2)


def test_a_spec_decides_activation_initialiser_depth_and_width(cli, tmp_path):
    spec = tmp_path / "deep.yaml"
    spec.write_text(
        "name: deep\ndataset: {name: mnist_10k}\n"
        "model: {hidden: [64, 64, 64], activation: tanh, initializer: randn_average}\n"
        "training: {epochs: 1, batch_size: 10}\n"
    )
    result = cli("signal", spec, *FAST, "-o", tmp_path / "s")
    assert result.exit_code == 0, result.output
    data = strict_json(tmp_path / "s" / "signal.json")
    assert data["networks"] is None
    # Glorot on 64 → 64 layers with tanh's family gain 1: σ_w² = 1; biases zero
    assert data["sigma_w2"] == 1.0 and data["sigma_b2"] == 0.0
    assert data["depth"] == 3 and data["width"] == 64
    assert "randn_average" in data["sigma_w2_origin"]
    assert data["layer_sigma_w2"] is None  # the data set decides the outer sizes
    assert data["theory"]["q_status"] == "fades"  # tanh at σ_w = 1, σ_b = 0


def test_the_first_layer_of_a_spec_has_its_own_sigma_w2(tmp_path):
    result = nnexp.signal_propagation(ROOT / "configs" / "mnist_relu.yaml",
                                      grid=(3, 2), draws=2, write=False)  # fmt: skip
    s = result.setup
    assert (s.depth, s.width) == (1, 100) and s.variances.sigma_w2 == pytest.approx(2)
    first, last = s.layer_sigma_w2
    assert first == pytest.approx(2 * 2 * 784 / 884) and last == pytest.approx(
        2 * 2 * 100 / 110
    )
    # the networks are drawn with the spec's own initialiser
    (stats,) = result.networks.stats
    assert stats.ensemble == "randn_average" and stats.q.shape == (2, 1)


BAD = [
    (("tanh", "--sigma-w2", "0"), "σ_w² must be a finite number > 0"),
    (("tanh", "--sigma-w2", "-1"), "σ_w² must be a finite number > 0"),
    (("tanh", "--sigma-w2", "abc"), "expected a number > 0 or 'critical'"),
    (("tanh", "--sigma-b2", "-0.1"), "σ_b² must be a finite number ≥ 0"),
    (("tanh", "--depth", "0"), "depth must be an integer ≥ 1"),
    (("tanh", "--width", "1"), "width must be an integer ≥ 2"),
    (("tanh", "--q0", "0"), "q0 must be a number > 0"),
    (("tanh", "--grid", "1x5"), "at least 2 values"),
    (("tanh", "--grid", "big"), "expected two counts NxM"),
    (("softmax",), "not elementwise"),
    (("sign",), "no critical σ_w²"),
    (("exp", "--sigma-w2", "1", "--sigma-b2", "0"), "no finite fixed point q*"),
    (("no_such_activation",), "unknown activation"),
]


@pytest.mark.parametrize(("args", "message"), BAD)
def test_bad_input_is_a_named_error_with_exit_code_2(cli, tmp_path, args, message):
    fast = () if "--grid" in args else FAST
    result = cli("signal", *args, *fast, "-o", tmp_path / "x")
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert not (tmp_path / "x").exists()  # nothing written


def _spec(tmp_path: Path, model: str) -> Path:
    spec = tmp_path / "bad.yaml"
    spec.write_text(
        f"name: bad\ndataset: {{name: mnist_10k}}\nmodel: {model}\n"
        "training: {epochs: 1, batch_size: 10}\n"
    )
    return spec


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("{hidden: [32, 32], activation: [tanh, relu]}", "differs per hidden layer"),
        ("{hidden: [32, 16], activation: tanh}", "widths [32, 16]"),
        ("{layers: [784, 10]}", "no hidden layer"),
    ],
)
def test_bad_specs_are_named(cli, tmp_path, model, message):
    result = cli("signal", _spec(tmp_path, model), *FAST, "-o", tmp_path / "x")
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())


def test_a_spec_with_options_it_decides_is_refused(cli, tmp_path):
    spec = _spec(tmp_path, "{hidden: [32, 32], activation: tanh}")
    result = cli("signal", spec, "--sigma-w2", "2", "--depth", "3", *FAST)
    assert result.exit_code == 2
    assert "decides sigma_w2, depth" in " ".join(result.output.split())


def test_an_existing_folder_is_not_overwritten(cli, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    result = cli("signal", "tanh", *FAST, "-o", tmp_path / "full")
    assert result.exit_code == 2 and "not an empty folder" in result.output


def test_the_api_computes_without_writing():
    result = nnexp.signal_propagation(
        "relu", sigma_b2=0.0, grid=(3, 2), draws=0, write=False
    )
    assert result.folder is None and result.point.q_status == "kept"
    with pytest.raises(NnexpError, match="depth must be"):
        nnexp.signal_propagation("relu", depth=0, write=False)
