"""The recorded environment: what differs on a rerun, and the likely cause."""

from __future__ import annotations

import hashlib

from nnexp.runs.environment import (
    NOT_RECORDED,
    current,
    differences,
    likely_cause,
    pinned_threads,
    plugin_files,
    plugin_hashes,
    recorded,
)
from nnexp.runs.summary import parse_summary


def env(**changes):
    base = {
        "nnexp": "0.2.0",
        "numpy": "2.0.0",
        "python": "3.11.7",
        "machine": "x86_64",
        "cpu": "AMD EPYC",
        "blas": {"library": "openblas", "version": "0.3.27", "architecture": "Haswell"},
        "blas_threads": 1,
        "openblas_coretype": None,
        "openblas_l2_size": None,
        "plugins": {},
    }
    for key, value in changes.items():
        if key.startswith("blas_") and key != "blas_threads":
            base["blas"] = {**base["blas"], key[5:]: value}
        else:
            base[key] = value
    return base


def test_the_same_environment_has_no_differences():
    assert differences(env(), env()) == []
    assert likely_cause([]) is None


def test_every_changed_setting_is_listed_in_order():
    diffs = differences(env(), env(numpy="2.1.0", cpu="Intel", blas_threads=2))
    assert diffs == [
        ("NumPy version", "2.0.0", "2.1.0"),
        ("BLAS threads", 1, 2),
        ("CPU", "AMD EPYC", "Intel"),
    ]


def test_a_setting_the_original_did_not_record_counts_as_different():
    old = recorded(
        parse_summary(
            {"versions": {"nnexp": "0.2.0", "numpy": "2.0.0", "python": "3.11.7"}}
        )
    )
    assert old == {"nnexp": "0.2.0", "numpy": "2.0.0", "python": "3.11.7"}
    labels = {label: (a, b) for label, a, b in differences(old, env())}
    assert labels["BLAS library"] == (NOT_RECORDED, "openblas")
    assert "nnexp version" not in labels and "NumPy version" not in labels


def test_plugin_files_that_changed_come_first(tmp_path):
    diffs = differences(
        env(plugins={"acts.py": "a" * 64}),
        env(plugins={"acts.py": "b" * 64}, blas_threads=2, nnexp="0.3.0"),
    )
    assert (
        "plugin file acts.py",
        "sha256 aaaaaaaaaaaa…",
        "sha256 bbbbbbbbbbbb…",
    ) in diffs
    assert likely_cause(diffs).startswith("the plugin file acts.py changed")
    gone = differences(env(plugins={"acts.py": "a" * 64}), env())
    assert gone == [("plugin file acts.py", "sha256 aaaaaaaaaaaa…", NOT_RECORDED)]


def test_a_new_nnexp_version_names_the_releases_that_changed_numbers():
    cause = likely_cause(differences(env(nnexp="0.1.0"), env(blas_threads=2)))
    assert "nnexp 0.1.0 and rerun by 0.2.0" in cause and "0.2.0: cross-entropy" in cause
    # a rerun by an older version, or across releases that changed nothing, names none
    assert "0.2.0:" not in likely_cause(
        differences(env(nnexp="0.2.0"), env(nnexp="0.2.1"))
    )


def test_blas_settings_before_the_cpu():
    cause = likely_cause(differences(env(), env(blas_threads=4, cpu="Intel")))
    assert cause.startswith("the BLAS threads differ (original 1, now 4)")


def test_another_cpu_kernel_suggests_openblas_coretype():
    cause = likely_cause(differences(env(), env(blas_architecture="Zen")))
    assert "OPENBLAS_CORETYPE=Haswell" in cause
    cause = likely_cause(differences(env(), env(cpu="Intel")))
    assert cause.startswith("another CPU") and "OPENBLAS_CORETYPE=" not in cause


def test_other_settings_name_the_first_difference():
    assert likely_cause(differences(env(), env(python="3.12.1"))) == (
        "the Python version differs (original 3.11.7, now 3.12.1)"
    )


def test_plugin_files_are_found_in_a_config_and_hashed(tmp_path):
    acts = tmp_path / "acts.py"
    acts.write_text("class Cube: ...\n")
    config = {
        "model": {"activation": {"name": f"{acts}:Cube"}, "layers": [1, 1]},
        "optimizer": [{"name": f"{acts}:Cube"}, {"name": "sgd"}],
        "loss": f"{tmp_path / 'missing.py'}:Nope",
    }
    assert plugin_files(config) == [acts]
    digest = hashlib.sha256(acts.read_bytes()).hexdigest()
    assert plugin_hashes(config) == {"acts.py": digest}


def test_current_records_the_thread_count_in_force():
    with pinned_threads(1):
        now = current({"name": "demo"})
    assert now["plugins"] == {}
    assert recorded(parse_summary({"environment": now})) == now  # the same, typed
    if now["blas"]:  # a NumPy without a BLAS threadpoolctl sees records nothing
        assert now["blas_threads"] == 1
