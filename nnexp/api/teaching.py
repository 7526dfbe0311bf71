"""The teaching experiments: ``probe`` random networks (E6, ``nnexp probe``) and
optimiser paths on a 2-D ``landscape`` (E7, ``nnexp landscape``).

::

    import nnexp
    grid = nnexp.probe("5,5,5,5", activations=["tanh", "relu"], draws=3)
    grid.figure()                                   # a matplotlib Figure
    result = nnexp.landscape("configs/landscape_e7.yaml", runs_dir="runs")
"""

from __future__ import annotations

from nnexp.teaching.landscape import (
    LandscapeResult,
    landscape,
    landscape_title,
    start_label,
)
from nnexp.teaching.probe import DEFAULT_ACTIVATIONS, ProbeResult, probe

__all__ = [
    "DEFAULT_ACTIVATIONS",
    "LandscapeResult",
    "ProbeResult",
    "landscape",
    "landscape_title",
    "probe",
    "start_label",
]
