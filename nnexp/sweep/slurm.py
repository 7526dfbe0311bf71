"""Cells on a Slurm cluster: one job per cell or population, as submitit job arrays.

The submitting process keeps the sweep's lock and its display; each job trains its
cell (or population) straight into the sweep folder, exactly as a local worker does
(:func:`~nnexp.sweep.worker.run_local`: one BLAS thread, the cell's staging folder,
then its place), so the runs folder must be on a file system the nodes share.  What
the jobs leave in the sweep folder::

    slurm/<job>_<task>/   submitit's files: the task, its result, the job's logs
    slurm/progress/       one JSON-lines file of progress messages per job
    slurm/jobs.txt        the name and ids of every job array this sweep submitted
    slurm/stop-<tag>      made on Ctrl-C: running cells end after their batch

Job state comes from ``squeue`` (there may be no accounting database: ``sacct`` is
not used) and from the cells' own folders.  A job that leaves the queue without a
result (``scancel``, a node failure, out of memory) leaves each of its cells
``interrupted`` when the cell wrote a checkpoint (``--resume`` continues it),
``failed`` when it started without one, and not run when it never started.  A job
asks Slurm for SIGUSR2 shortly before its time limit (``--signal``) and ends its
cells ``interrupted`` after their batch, with their checkpoint; SIGTERM (``scancel``,
preemption) does the same within Slurm's KillWait.  Ctrl-C cancels the queued jobs
of this sweep and stops its running ones; a second Ctrl-C cancels them all.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nnexp.errors import NnexpError
from nnexp.spec.cluster import ClusterSpec
from nnexp.sweep import folder as sf
from nnexp.sweep import worker as cellworker
from nnexp.sweep.worker import CellJob, CellOutcome

SLURM_MISSING = (
    "--executor slurm needs submitit, which is not installed. Install it with: "
    "pip install 'nnexp[slurm]' (or pip install submitit)"
)
#: the sweep folder's subfolder for the jobs' files
SLURM_DIR = "slurm"
#: MaxArraySize when ``scontrol show config`` does not say
DEFAULT_MAX_ARRAY = 1001
#: seconds between two ``squeue`` calls
QUEUE_SECONDS = 1.0
#: seconds a finished job is given to leave the queue when the sweep ends
LEAVE_SECONDS = 20.0
#: file systems that only this machine sees
LOCAL_FILESYSTEMS = ("ext2", "ext3", "ext4", "xfs", "btrfs", "tmpfs", "overlay", "zfs")
Task = CellJob | Sequence[CellJob]


def cluster_spec(
    section: ClusterSpec | None, options: dict[str, Any] | None = None
) -> ClusterSpec:
    """The sweep spec's ``cluster:`` section with the command line's options over it
    (``None`` values left out), validated."""
    given = {k: v for k, v in (options or {}).items() if v not in (None, [], ())}
    data = {**(section.model_dump() if section else {}), **given}
    return ClusterSpec.from_mapping(data, source="the Slurm options")


def signal_seconds(minutes: int) -> int:
    """How long before the time limit Slurm signals a job: a tenth of it, between
    30 s and 90 s (Slurm may send it up to a minute early)."""
    return min(90, max(30, minutes * 6))


def array_chunks(tasks: Sequence[Any], max_size: int) -> list[list[Any]]:
    """``tasks`` in job arrays of at most ``max_size`` tasks (Slurm's MaxArraySize:
    array indices go from 0 to MaxArraySize − 1)."""
    size = max(1, int(max_size))
    return [list(tasks[i : i + size]) for i in range(0, len(tasks), size)]


def _run(command: list[str], timeout: float = 30) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
    except FileNotFoundError:
        raise NnexpError(
            f"--executor slurm needs the Slurm commands, and {command[0]} is not on "
            "PATH: run the sweep on a machine of the cluster (a login node)"
        ) from None
    except subprocess.TimeoutExpired:
        raise NnexpError(
            f"{' '.join(command)} did not answer within {timeout:.0f} s: is the Slurm "
            "controller up?"
        ) from None


def _text(done: subprocess.CompletedProcess) -> str:
    return (
        " ".join((done.stderr or done.stdout or "").split())
        or f"exit {done.returncode}"
    )


def _parameters(spec: ClusterSpec, name: str, parallel: int) -> dict[str, Any]:
    """submitit's SlurmExecutor parameters for ``spec``."""
    params: dict[str, Any] = {
        "job_name": name,
        "time": spec.time,
        "cpus_per_task": spec.cpus_per_task,
        "signal_delay_s": signal_seconds(spec.time),
        "array_parallelism": max(1, parallel),
        "wckey": "nnexp",
    }
    if spec.setup:
        params["setup"] = list(spec.setup)
    for key in ("partition", "mem", "account"):
        if getattr(spec, key) is not None:
            params[key] = getattr(spec, key)
    if spec.sbatch:
        params["additional_parameters"] = spec.sbatch_options()
    return params


def job_scripts(
    spec: ClusterSpec, folder: Path, groups: Sequence[Sequence[str]], max_array: int = 0
) -> list[str]:
    """The sbatch scripts the sweep would submit for ``groups`` (the dry run)."""
    try:
        from submitit.slurm.slurm import _make_sbatch_string
    except ImportError:
        raise NnexpError(SLURM_MISSING) from None
    max_array = max_array or DEFAULT_MAX_ARRAY
    jobs = folder / SLURM_DIR / "%j"
    command = f"{shlex.quote(sys.executable)} -u -m submitit.core._submit {jobs}"
    return [
        _make_sbatch_string(
            command=command,
            folder=jobs,
            map_count=len(chunk),
            **_parameters(spec, "nnexp-sweep", len(chunk)),
        )
        for chunk in array_chunks(list(groups), max_array)
    ]


class SlurmExecutor:
    """Cells as Slurm jobs (one per cell or population), submitted as job arrays."""

    def __init__(self, jobs: int, spec: ClusterSpec | None = None):
        self.spec = spec or ClusterSpec()
        self.jobs = max(0, int(jobs))  # 0: as many as the partition's cores allow
        self.notes: list[str] = []
        self.queued: list[Task] = []  # submitted by the sweep, not yet to Slurm
        self.running: dict[str, tuple[Any, Task]] = {}  # job id → (submitit job, task)
        self.arrays: list[str] = []
        self.offsets: dict[Path, int] = {}
        self.started: set[str] = set()
        self.folder: Path | None = None
        self.max_array = 0
        self.checked = 0.0
        self.queue_counts: dict[str, int] = {}
        self.partition: str | None = None

    @property
    def description(self) -> str:
        spec = self.spec
        partition = spec.partition or "the default partition"
        cores = f"{spec.cpus_per_task} core{'s' * (spec.cpus_per_task > 1)}"
        return f"Slurm ({partition}, jobs of {cores} and {spec.time} min)"

    # starting ---------------------------------------------------------------------

    def start(self) -> None:
        """Check submitit, the controller and the job's options (``sbatch
        --test-only``) before anything is written."""
        try:
            import submitit
        except ImportError:
            raise NnexpError(SLURM_MISSING) from None
        self.submitit = submitit
        config = _run(["scontrol", "show", "config"])
        if config.returncode:
            raise NnexpError(f"cannot reach the Slurm controller: {_text(config)}")
        self.max_array = self.max_array or _config_value(
            config.stdout, "MaxArraySize", DEFAULT_MAX_ARRAY
        )
        self._check_partition()
        test = _run(["sbatch", "--test-only", *self._sbatch_args(), "--wrap", "true"])
        if test.returncode:
            raise NnexpError(
                f"Slurm refuses the sweep's jobs: {_text(test)} (check --partition, "
                "--time, --mem, --account and the cluster: section)"
            )
        if not self.jobs:
            self.jobs = max(1, self._partition_cores() // self.spec.cpus_per_task)
        self.tag = uuid.uuid4().hex[:8]
        self.name = f"nnexp-{self.tag}"

    def _check_partition(self) -> None:
        listed = _run(["sinfo", "-h", "-o", "%P"])
        if listed.returncode:
            raise NnexpError(f"cannot reach the Slurm controller: {_text(listed)}")
        names = [p.strip().rstrip("*") for p in listed.stdout.split()]
        default = [p.rstrip("*") for p in listed.stdout.split() if p.endswith("*")]
        self.partition = self.spec.partition or (default[0] if default else None)
        if self.spec.partition is not None and self.spec.partition not in names:
            raise NnexpError(
                f"no Slurm partition {self.spec.partition!r} (--partition, or "
                f"cluster.partition); partitions: {', '.join(names) or 'none'}"
            )

    def _partition_cores(self) -> int:
        args = ["-p", self.partition] if self.partition else []
        done = _run(["sinfo", "-h", *args, "-o", "%C"])
        try:  # allocated/idle/other/total
            return sum(int(line.split("/")[3]) for line in done.stdout.split())
        except (IndexError, ValueError):
            return 1

    def _sbatch_args(self) -> list[str]:
        spec = self.spec
        args = [f"--time={spec.time}", f"--cpus-per-task={spec.cpus_per_task}"]
        for key in ("partition", "mem", "account"):
            if getattr(spec, key) is not None:
                args.append(f"--{key}={getattr(spec, key)}")
        return args + [
            f"--{k}" if v is True else f"--{k}={v}"
            for k, v in spec.sbatch_options().items()
        ]

    def attach(self, folder: Path) -> None:
        """The sweep folder the jobs train into; refuses when jobs an earlier run of
        this sweep submitted are still queued or running."""
        self.folder = folder
        self.base = folder / SLURM_DIR
        (self.base / "progress").mkdir(parents=True, exist_ok=True)
        earlier = self._queued_arrays()
        if earlier:
            raise NnexpError(
                f"jobs of an earlier run of this sweep are still on Slurm ("
                f"{', '.join(earlier)}): wait for them to end or scancel them, then "
                "resume"
            )
        self.stop_file = self.base / f"stop-{self.tag}"
        note = _shared_note(folder, self._nodes())
        if note:
            self.notes.append(note)
        self.notes.append(f"job logs: {self.base}")

    def _queued_arrays(self) -> list[str]:
        """The job arrays submitted for this sweep folder (now or by an earlier run)
        that are still on Slurm."""
        ids = _read_ids(self.base / "jobs.txt")
        if not ids:
            return []
        done = _run(["squeue", "-h", "-o", "%F", "--jobs", ",".join(ids)])
        return (
            sorted(set(done.stdout.split()) & set(ids)) if not done.returncode else []
        )

    def _nodes(self) -> list[str]:
        args = ["-p", self.partition] if self.partition else []
        done = _run(["sinfo", "-h", "-N", *args, "-o", "%N"])
        return sorted(set(done.stdout.split()))

    # submitting and polling ---------------------------------------------------------

    def submit(self, job: Task) -> None:
        self.queued.append(job)

    def _flush(self) -> None:
        """The queued tasks to Slurm, as job arrays of at most MaxArraySize."""
        if not self.queued:
            return
        tasks, self.queued = self.queued, []
        executor = self.submitit.SlurmExecutor(folder=self.base / "%j", python=None)
        for chunk in array_chunks(tasks, self.max_array):
            executor.update_parameters(**_parameters(self.spec, self.name, self.jobs))
            jobs = executor.map_array(
                slurm_task,
                [list(cellworker_cells(t)) for t in chunk],
                [str(self.folder)] * len(chunk),
                [str(self.stop_file)] * len(chunk),
                [str(self.base / "progress")] * len(chunk),
            )
            array = jobs[0].job_id.split("_")[0]
            self.arrays.append(array)
            with open(self.base / "jobs.txt", "a") as f:
                f.write(f"{array} {self.name}\n")
            for job, task in zip(jobs, chunk, strict=True):
                self.running[job.job_id] = (job, task)

    def pending(self) -> int:
        return len(self.queued) + len(self.running)

    def poll(self, timeout: float) -> tuple[list[dict[str, Any]], list[CellOutcome]]:
        self._flush()
        time.sleep(timeout)
        messages = self._progress()
        outcomes: list[CellOutcome] = []
        if time.monotonic() - self.checked < QUEUE_SECONDS:
            return messages, outcomes
        self.checked = time.monotonic()
        live = self._queue()
        for job_id, (job, task) in list(self.running.items()):
            if job.paths.result_pickle.exists():
                outcomes += self._result(job, task)
            elif live is not None and job_id not in live:
                messages += self._progress()  # its last words, then its result
                if job.paths.result_pickle.exists():
                    outcomes += self._result(job, task)
                else:
                    outcomes += self._lost(job, task)
            else:
                continue
            del self.running[job_id]
        if live is not None:
            counts = {
                state: list(live.values()).count(state)
                for state in ("PENDING", "RUNNING")
            }
            if counts != self.queue_counts:
                self.queue_counts = counts
                messages.append(
                    {
                        "kind": "queue",
                        "pending": counts["PENDING"],
                        "running": counts["RUNNING"],
                    }
                )
        return messages, outcomes

    def _queue(self) -> dict[str, str] | None:
        """This sweep's tasks in the queue, ``{job id: state}`` (None: squeue failed,
        so no job is taken for gone)."""
        done = _run(["squeue", "-h", "-r", "-n", self.name, "-o", "%i %T"])
        if done.returncode:
            return None
        return dict(
            line.split(None, 1) for line in done.stdout.splitlines() if line.strip()
        )

    def _progress(self) -> list[dict[str, Any]]:
        """New progress messages from the jobs' JSON-lines files."""
        messages = []
        for path in sorted((self.base / "progress").glob(f"{self.tag}-*.jsonl")):
            offset = self.offsets.get(path, 0)
            with open(path, "rb") as f:
                f.seek(offset)
                data = f.read()
            end = data.rfind(b"\n") + 1  # a line still being written waits
            self.offsets[path] = offset + end
            for line in data[:end].splitlines():
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if message.get("kind") == "start":
                    self.started.add(message["cell"])
                messages.append(message)
        return messages

    def _result(self, job: Any, task: Task) -> list[CellOutcome]:
        try:
            return list(job.result())
        except Exception as err:  # the job's function raised (outside a cell's guard)
            lines = [line for line in str(err).splitlines() if line.strip()]
            error = f"the Slurm job {job.job_id} failed: {lines[-1] if lines else err}"
            return [
                CellOutcome(c.name, "failed", error) for c in cellworker_cells(task)
            ]

    def _lost(self, job: Any, task: Task) -> list[CellOutcome]:
        """A job gone from the queue without a result: each cell interrupted (it has a
        checkpoint), failed (it started without one) or skipped (never started)."""
        outcomes = []
        for cell in cellworker_cells(task):
            path = self.folder / cell.name
            _recover_staged(self.folder, cell.name)
            state = sf.cell_state(path)
            if state == "resumable":
                sf.mark_interrupted(path)
                outcomes.append(CellOutcome(cell.name, "interrupted"))
            elif cell.name in self.started or state == "stale":
                error = (
                    f"the Slurm job {job.job_id} ended without finishing this cell "
                    "(scancel, time limit, out of memory or a node failure?); see "
                    f"{job.paths.stderr}; rerun it with --resume SWEEP_DIR --retry-failed"
                )
                outcomes.append(CellOutcome(cell.name, "failed", error))
            else:
                outcomes.append(CellOutcome(cell.name, "skipped"))
        return outcomes

    # stopping -----------------------------------------------------------------------

    def stop(self) -> None:
        """Queued jobs are cancelled; running cells end after their batch."""
        self.queued.clear()
        if getattr(self, "stop_file", None) is not None and self.folder is not None:
            self.stop_file.touch()
        if self.arrays:
            _run(["scancel", "--state=PENDING", *self.arrays])

    def abort(self) -> None:
        """Every job of this sweep cancelled (running cells get SIGTERM, and end
        interrupted if they can within Slurm's KillWait)."""
        self.stop()
        if self.arrays:
            _run(["scancel", *self.arrays])
        self.running.clear()
        self.aborted = True

    def close(self) -> None:
        """Jobs still on Slurm when the sweep ends (an error) are cancelled; jobs that
        returned their result are given :data:`LEAVE_SECONDS` to leave the queue, so
        that a ``--resume`` right after finds none of them."""
        if self.running and self.arrays:
            _run(["scancel", *self.arrays])
        self.running.clear()
        deadline = time.monotonic() + LEAVE_SECONDS
        while self.arrays and not getattr(self, "aborted", False):
            if not set(self.arrays) & set(self._queued_arrays()):
                break
            if time.monotonic() > deadline:
                break
            time.sleep(0.25)


def cellworker_cells(task: Task) -> list[CellJob]:
    return [task] if isinstance(task, CellJob) else list(task)


def _config_value(text: str, key: str, default: int) -> int:
    for line in text.splitlines():
        name, _, value = line.partition("=")
        if name.strip() == key:
            try:
                return int(value.split()[0])
            except (IndexError, ValueError):
                return default
    return default


def _read_ids(path: Path) -> list[str]:
    try:
        return [
            line.split()[0] for line in path.read_text().splitlines() if line.strip()
        ]
    except OSError:
        return []


def _filesystem(path: Path) -> str:
    """The type of the file system ``path`` is on (from /proc/mounts; '' unknown)."""
    best, kind = "", ""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return ""
    target = str(path.resolve())
    for line in mounts:
        parts = line.split()
        if len(parts) > 2 and (target + "/").startswith(parts[1].rstrip("/") + "/"):
            if len(parts[1]) > len(best):
                best, kind = parts[1], parts[2]
    return kind


def _shared_note(folder: Path, nodes: Sequence[str]) -> str:
    """A note when the sweep folder is on this machine's own disk and the partition
    has other nodes: they must see the folder (a shared file system)."""
    here = socket.gethostname().split(".")[0]
    kind = _filesystem(folder)
    if kind in LOCAL_FILESYSTEMS and any(n != here for n in nodes):
        return (
            f"the sweep folder is on a local file system ({kind}) and the partition "
            f"has other nodes ({', '.join(n for n in nodes if n != here)[:80]}): the "
            "jobs train into it, so it must be on a file system the nodes share "
            "(set --runs-dir)"
        )
    return ""


def _recover_staged(folder: Path, name: str) -> None:
    """A new cell's run left in the staging folder by a job that died: moved into
    place when it has a checkpoint (``--resume`` continues it), else set aside."""
    holder = folder / sf.STAGING / name
    if not holder.is_dir():
        return
    runs = sorted(p for p in holder.iterdir() if p.is_dir())
    for run in runs:
        if run == runs[-1] and sf.cell_state(run) in (*sf.SETTLED, "resumable"):
            sf.place(run, folder / name, folder / sf.PREVIOUS)
        else:
            sf.set_aside(run, folder / sf.PREVIOUS, name)
    holder.rmdir()


# inside the job -----------------------------------------------------------------------


class _JobStop:
    """The job's stop flag: set by SIGUSR2 (the time limit is near) or SIGTERM
    (scancel, preemption), or by the sweep's stop file (Ctrl-C), asked at most once a
    second."""

    def __init__(self, stop_file: str):
        self.file, self.flag, self.last, self.value = Path(stop_file), False, 0.0, False
        for signum in (signal.SIGUSR2, signal.SIGTERM):
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum: int, frame: Any) -> None:
        self.flag = True

    def is_set(self) -> bool:
        now = time.monotonic()
        if not self.value and (self.flag or now - self.last >= 1.0):
            self.last = now
            self.value = self.flag or self.file.exists()
        return self.value


class _JsonLines:
    """A queue for :func:`~nnexp.sweep.worker.init_local` that appends each progress
    message to a file the submitting process reads."""

    def __init__(self, path: Path):
        self.file = open(path, "a", buffering=1)

    def put(self, message: dict[str, Any]) -> None:
        try:
            self.file.write(json.dumps(message) + "\n")
        except (OSError, TypeError, ValueError):  # progress is a nicety
            pass


def slurm_task(
    cells: list[CellJob], folder: str, stop_file: str, progress: str
) -> list[CellOutcome]:
    """A Slurm job: train ``cells`` (one cell, or a population) into the sweep folder
    as a local worker does, with its BLAS threads pinned the same way."""
    if not Path(folder).is_dir():
        raise RuntimeError(
            f"the sweep folder {folder} is not visible on {socket.gethostname()}: put "
            "the runs folder on a file system the nodes share"
        )
    tag = Path(stop_file).name.removeprefix("stop-")
    job = os.environ.get("SLURM_JOB_ID", str(os.getpid()))
    queue = _JsonLines(Path(progress) / f"{tag}-{job}.jsonl")
    stop = _JobStop(stop_file)
    cellworker.init_local(stop, queue)
    if len(cells) == 1:
        return [cellworker.run_local(cells[0], folder)]
    return cellworker.run_local_group(cells, folder)
