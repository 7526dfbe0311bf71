"""The Slurm executor's options and bookkeeping, without a cluster: time limits,
the cluster: section, MaxArraySize splitting, the dry run's job scripts, a job that
left the queue without a result, and the errors."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from typer.testing import CliRunner

from nnexp.cli.app import app
from nnexp.errors import NnexpError, SpecError
from nnexp.runs.layout import RunPaths
from nnexp.runs.summary import Summary, write_summary
from nnexp.spec.cluster import ClusterSpec, minutes
from nnexp.spec.sweep import validate_sweep
from nnexp.sweep import folder as sf
from nnexp.sweep.slurm import (
    SlurmExecutor,
    array_chunks,
    cluster_spec,
    signal_seconds,
)
from nnexp.sweep.worker import CellJob


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (90, 90),
        ("90", 90),
        ("1:30:00", 90),
        ("2-00:00:00", 2880),
        ("30:30", 31),
        ("1-2", 1560),
    ],
)
def test_time_limits_read_as_sbatch_reads_them(text, expected):
    assert minutes(text) == expected


@pytest.mark.parametrize("text", ["0", 0, "0:30", "soon", True, "1:2:3:4"])
def test_a_bad_time_limit_is_refused(text):
    with pytest.raises(ValueError):
        minutes(text)


def test_the_signal_comes_a_tenth_of_the_limit_early_between_30_and_90_seconds():
    assert [signal_seconds(m) for m in (1, 5, 10, 60)] == [30, 30, 60, 90]


def test_arrays_are_split_at_max_array_size():
    tasks = list(range(7))
    assert array_chunks(tasks, 3) == [[0, 1, 2], [3, 4, 5], [6]]
    assert array_chunks(tasks, 1001) == [tasks]
    assert sum(array_chunks(list(range(2500)), 1001), []) == list(range(2500))
    assert [len(c) for c in array_chunks(list(range(2500)), 1001)] == [1001, 1001, 498]


def test_the_command_line_options_go_over_the_cluster_section():
    section = ClusterSpec(
        partition="cpu", time="2:00:00", mem="4G", setup=["module load x"]
    )
    merged = cluster_spec(section, {"time": "30", "partition": None, "sbatch": []})
    assert (merged.partition, merged.time, merged.mem) == ("cpu", 30, "4G")
    assert merged.setup == ["module load x"]
    assert cluster_spec(None, {}) == ClusterSpec()


def test_sbatch_lines_take_the_long_form():
    spec = ClusterSpec(
        sbatch=["--qos=high", "#SBATCH --exclusive", "--constraint skylake"]
    )
    assert spec.sbatch_options() == {
        "qos": "high",
        "exclusive": True,
        "constraint": "skylake",
    }
    with pytest.raises(SpecError, match=r"sbatch\.0|long form"):
        ClusterSpec.from_mapping({"sbatch": ["-q high"]})


def test_bad_cluster_values_name_their_key():
    with pytest.raises(SpecError) as err:
        cluster_spec(None, {"mem": "lots", "cpus_per_task": 0, "time": "soon"})
    text = str(err.value)
    for key in ("mem", "cpus_per_task", "time"):
        assert key in text


def test_a_sweep_spec_keeps_its_cluster_section_through_sweep_yaml():
    data = {
        "base": {"dataset": {"name": "blobs"}},
        "seeds": 2,
        "cluster": {"partition": "cpu", "time": "1:00:00", "sbatch": ["--qos=low"]},
    }
    spec = validate_sweep(data)
    assert spec.cluster == ClusterSpec(partition="cpu", time=60, sbatch=["--qos=low"])
    again = validate_sweep(yaml.safe_load(yaml.safe_dump(spec.dump())))
    assert again.cluster == spec.cluster
    assert validate_sweep({**data, "cluster": None}).cluster is None


def test_the_dry_run_prints_the_job_script(tiny: Path, tmp_path: Path):
    pytest.importorskip("submitit")
    args = ["sweep", str(tiny), "--seeds", "3", "--runs-dir", str(tmp_path / "runs")]
    slurm = ["--executor", "slurm", "--partition", "cpu", "--time", "1:30:00"]
    more = ["--setup", "source /opt/venv/bin/activate", "--sbatch=--qos=high"]
    result = CliRunner().invoke(
        app, [*args, *slurm, *more, "--dry-run", "--no-population"]
    )
    assert result.exit_code == 0, result.output
    out = result.output
    for line in (
        "#SBATCH --array=0-2%3",
        "#SBATCH --partition=cpu",
        "#SBATCH --time=90",
        "#SBATCH --signal=USR2@90",
        "#SBATCH --qos=high",
        "source /opt/venv/bin/activate",
        "submitit.core._submit",
    ):
        assert line in out
    assert out.count("sbatch script:") == 1
    assert not (tmp_path / "runs").exists()


def test_slurm_options_need_the_slurm_executor(tiny: Path, tmp_path: Path):
    args = ["sweep", str(tiny), "--seeds", "2", "--runs-dir", str(tmp_path / "runs")]
    result = CliRunner().invoke(app, [*args, "--partition", "cpu", "--mem", "2G"])
    assert result.exit_code == 2
    assert "--partition, --mem go with --executor slurm" in result.output


def test_a_missing_submitit_names_the_extra(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "submitit", None)
    with pytest.raises(NnexpError, match=r"pip install 'nnexp\[slurm\]'"):
        SlurmExecutor(0).start()


def _job(tmp_path: Path) -> SimpleNamespace:
    paths = SimpleNamespace(stderr=tmp_path / "log.err")
    return SimpleNamespace(job_id="7_1", paths=paths)


def _run_folder(path: Path, status: str, checkpoint: bool) -> None:
    path.mkdir(parents=True)
    paths = RunPaths(path)
    paths.config.write_text("seed: 0\n")
    if checkpoint:
        paths.checkpoint.write_bytes(b"checkpoint")
    write_summary(paths.summary, Summary(status=status))


def test_a_job_gone_without_a_result_leaves_each_cell_resumable_failed_or_not_run(
    tmp_path: Path,
):
    """Cell a: a new cell with a checkpoint in its staging folder (moved into place,
    interrupted); b: a resumed cell with a checkpoint; c: started, no checkpoint
    (failed); d: never started (skipped, so it stays "not run")."""
    _run_folder(tmp_path / sf.STAGING / "a" / "2026_a", "running", checkpoint=True)
    _run_folder(tmp_path / "b", "running", checkpoint=True)
    executor = SlurmExecutor(1)
    executor.folder, executor.started = tmp_path, {"a", "b", "c"}
    cells = [CellJob(name, {}, "", {}) for name in "abcd"]
    outcomes = {o.name: o for o in executor._lost(_job(tmp_path), cells)}
    assert {n: o.status for n, o in outcomes.items()} == {
        "a": "interrupted",
        "b": "interrupted",
        "c": "failed",
        "d": "skipped",
    }
    assert "Slurm job 7_1 ended without finishing" in outcomes["c"].error
    for name in "ab":
        assert sf.cell_state(tmp_path / name) == "resumable"
        assert sf.read_cell_summary(tmp_path / name).status == "interrupted"
    assert not (tmp_path / sf.STAGING / "a").exists()


def test_the_resume_hint_sends_the_sweep_back_to_slurm():
    from nnexp.cli.sweep import Executor, _same_executor

    cluster = {"partition": "cpu", "time": "1:00:00", "setup": ["source a b"]}
    assert _same_executor(Executor.slurm, None, cluster) == (
        " --executor slurm --partition=cpu --time=1:00:00 '--setup=source a b'"
    )
    assert _same_executor(Executor.local, None, {}) == ""


def test_the_display_shows_slurms_pending_and_running_jobs():
    from io import StringIO

    from rich.console import Console

    from nnexp.cli.sweep import SweepDisplay

    out = StringIO()
    display = SweepDisplay(Console(file=out, force_terminal=False, width=100))
    display({"kind": "queue", "pending": 3, "running": 2})
    assert "slurm jobs: 3 pending, 2 running" in out.getvalue()
