"""Signal propagation at initialisation (``nnexp signal``): mean-field theory of an
activation, or of a spec's network, with its figures in a folder like a run's.

::

    import nnexp
    result = nnexp.signal_propagation("tanh", sigma_b2=0.05, runs_dir="runs")
    result.point.chi1, result.theory.critical.sigma_w2     # 1.0, 1.7609…
    result.table()                                          # what the terminal shows
"""

from __future__ import annotations

from nnexp.signal.propagation import SignalResult, signal_propagation

__all__ = ["SignalResult", "signal_propagation"]
