"""Signal propagation at initialisation: mean-field theory for any activation, checked
against real random networks (docs/signal_propagation.md, ``nnexp signal``).

The theory's modules import numpy, scipy and the error classes only, so that the
engine's critical initialiser can use them (lazily) without a heavier floor:

* :mod:`~nnexp.signal.quadrature` — Gaussian expectations split at kinks;
* :mod:`~nnexp.signal.profile` — an activation as the theory sees it (its jumps);
* :mod:`~nnexp.signal.maps` — the length and correlation maps and their slopes;
* :mod:`~nnexp.signal.fixed_points` — q*, c* and the depth scales, with edge cases;
* :mod:`~nnexp.signal.meanfield` — every quantity at one point, or over a grid;
* :mod:`~nnexp.signal.gains` — the three gains and the critical σ_w².
"""
