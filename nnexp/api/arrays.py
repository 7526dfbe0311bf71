"""The engine on arrays, without specs or run folders: build a network and fit it.

::

    import nnexp
    net = nnexp.build_network([2, 8, 3], activation="tanh", output_activation="softmax")
    result = nnexp.fit(net, (x, labels), loss="cross_entropy", optimizer="adam",
                       epochs=20, batch_size=32)
"""

from __future__ import annotations

from nnexp.engine.network import build_network
from nnexp.training.trainer import fit

__all__ = ["build_network", "fit"]
