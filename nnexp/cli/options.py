"""Options more than one command takes: ``--tune`` and ``--fair`` (``compare`` and
``report``), ``-o/--out`` for a command that writes a folder (``landscape``,
``signal``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

TUNE_HELP = (
    "With --by: compare each group at its own best value of this setting (e.g. lr;"
    " repeatable), chosen on validation and reported on test."
)
FAIR_HELP = (
    "With --by: tune every setting that varies except the --by keys and the seed"
    " (like --tune for each)."
)
TuneOption = Annotated[list[str] | None, typer.Option("--tune", help=TUNE_HELP)]
FairOption = Annotated[bool, typer.Option("--fair", help=FAIR_HELP)]
OutFolderOption = Annotated[
    Path | None,
    typer.Option(
        "-o",
        "--out",
        file_okay=False,
        help="Write into this folder instead (new or empty).",
    ),
]
