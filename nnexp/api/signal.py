"""Signal propagation at initialisation (``nnexp signal``): mean-field theory of an
activation, or of a spec's network, with its figures in a folder like a run's; with a
trainability sweep's folder, its accuracies over (σ_w², depth) under 6 ξ_c.

::

    import nnexp
    result = nnexp.signal_propagation("tanh", sigma_b2=0.05, runs_dir="runs")
    result.point.chi1, result.theory.critical.sigma_w2     # 1.0, 1.7609…
    result.table()                                          # what the terminal shows
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nnexp.errors import NnexpError
from nnexp.runs.reader import load_run
from nnexp.signal import propagation
from nnexp.signal.propagation import SignalResult
from nnexp.signal.trainability import Trainability, trainability_grid
from nnexp.sweep.folder import read_results

__all__ = ["SignalResult", "signal_propagation"]


def signal_propagation(
    source: Any, *, sweep: str | Path | None = None, **options: Any
) -> SignalResult:
    """:func:`nnexp.signal.propagation.signal_propagation` (its options), with
    ``sweep``: a trainability sweep folder (configs/sweeps/trainability_depth.yaml)
    whose results are drawn under 6 ξ_c."""
    grid = None if sweep is None else _trainability(Path(sweep))
    return propagation.signal_propagation(source, trainability=grid, **options)


def _trainability(folder: Path) -> Trainability:
    """The sweep's results, with the activation and σ_b² its first run trained."""
    if not (folder / "results.csv").is_file():
        raise NnexpError(
            f"--sweep {folder}: not a sweep folder (it has no results.csv); give the"
            " folder `nnexp sweep configs/sweeps/trainability_depth.yaml` wrote"
        )
    frame = read_results(folder)
    done = frame[frame["status"] == "completed"]
    if done.empty:
        raise NnexpError(f"--sweep {folder}: no cell has completed yet")
    spec = load_run(folder / str(done["run_folder"].iloc[0])).spec
    activation = spec.model.hidden_activations[0].name
    sigma_b2 = float(spec.model.initializer.params.get("bias_variance", 0.0))
    return trainability_grid(frame, str(folder), activation, sigma_b2)
