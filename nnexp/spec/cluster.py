"""The ``cluster:`` section of a sweep spec: what a Slurm job of the sweep asks for.

::

    cluster:
      partition: gpu          # default: the cluster's default partition
      time: "2:00:00"         # each job's time limit: minutes, or [D-]HH:MM[:SS]
      mem: 4G                 # memory per job (Slurm's --mem; default: the cluster's)
      cpus_per_task: 2        # cores per job (BLAS stays at the spec's threads)
      account: my-lab
      sbatch: ["--qos=high"]  # more sbatch options, in their long form
      setup: ["source ~/venvs/nnexp/bin/activate", "module load python/3.11"]

``nnexp sweep --executor slurm`` reads it; its options (``--partition``, ``--time`` …)
take precedence.  One job trains one cell, or one population of cells.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, field_validator

from nnexp.spec.base import SpecModel
from nnexp.spec.fields import Count

#: a job's time limit when neither the spec nor the command line gives one
DEFAULT_MINUTES = 60
_TIME = re.compile(r"^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$")
_MEM = re.compile(r"^\d+[KMGT]?$")
_SBATCH = re.compile(r"^--[a-z][a-z0-9-]*(?:[= ].+)?$")


def minutes(value: Any) -> int:
    """A Slurm time limit as whole minutes (rounded up): ``90``, ``"90"``,
    ``"1:30:00"``, ``"2-00:00:00"`` (days), ``"30:00"`` (minutes:seconds, as sbatch
    reads it)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a time limit, not a boolean (got {value!r})")
    if isinstance(value, int):
        if value < 1:
            raise ValueError(f"a time limit is at least 1 minute, got {value}")
        return value
    match = _TIME.match(str(value).strip())
    if not match:
        raise ValueError(
            f"expected minutes or [D-]HH:MM[:SS] (sbatch's --time), got {value!r}"
        )
    days, a, b, c = (int(g) if g else None for g in match.groups())
    if days is not None:  # D-HH[:MM[:SS]]
        seconds = ((days * 24 + (a or 0)) * 60 + (b or 0)) * 60 + (c or 0)
    elif c is not None:  # HH:MM:SS
        seconds = ((a or 0) * 60 + (b or 0)) * 60 + c
    elif b is not None:  # MM:SS
        seconds = (a or 0) * 60 + b
    else:  # MM
        seconds = (a or 0) * 60
    if seconds < 60:
        raise ValueError(f"a time limit is at least 1 minute, got {value!r}")
    return -(-seconds // 60)


class ClusterSpec(SpecModel):
    """What each Slurm job of a sweep asks for (see the module docstring)."""

    noun: ClassVar[str] = "a cluster section"

    partition: str | None = None
    time: Annotated[int, BeforeValidator(minutes)] = DEFAULT_MINUTES
    mem: str | None = None
    cpus_per_task: Count = 1
    account: str | None = None
    sbatch: list[str] = []
    setup: list[str] = []

    @field_validator("mem")
    @classmethod
    def _mem(cls, value: str | None) -> str | None:
        if value is not None and not _MEM.match(value):
            raise ValueError(
                f"expected a size as sbatch takes it (4G, 500M), got {value!r}"
            )
        return value

    @field_validator("sbatch")
    @classmethod
    def _sbatch(cls, lines: list[str]) -> list[str]:
        out = []
        for line in lines:
            line = line.strip().removeprefix("#SBATCH").strip()
            if not _SBATCH.match(line):
                raise ValueError(
                    f"an sbatch option in its long form (--qos=high), got {line!r}"
                )
            out.append(line)
        return out

    def sbatch_options(self) -> dict[str, Any]:
        """The extra sbatch lines as ``{name: value}`` (a bare flag: True)."""
        options: dict[str, Any] = {}
        for line in self.sbatch:
            key, _, value = line[2:].replace(" ", "=", 1).partition("=")
            options[key] = value.strip() or True
        return options
