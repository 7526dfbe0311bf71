"""Hypothesis strategies shared by the test suite (thinc's ``strategies.py`` idea).

Arrays are small (at most 2-D, sides ≤ 6) so a property test costs milliseconds; the
element strategies reach every finite magnitude of the dtype, subnormals included,
because stability claims are about *any* finite input (SPEC §1).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

FLOAT_DTYPES = (np.float32, np.float64)


def finite_floats(
    dtype: Any, *, max_magnitude: float | None = None
) -> st.SearchStrategy:
    """Finite floats exactly representable in ``dtype``, |x| ≤ ``max_magnitude``."""
    width = 32 if np.dtype(dtype) == np.float32 else 64
    bound = float(np.finfo(dtype).max) if max_magnitude is None else max_magnitude
    return st.floats(
        min_value=-bound,
        max_value=bound,
        allow_nan=False,
        allow_infinity=False,
        allow_subnormal=True,
        width=width,
    )


def finite_arrays(
    dtype: Any, *, max_magnitude: float | None = None, max_side: int = 6
) -> st.SearchStrategy[np.ndarray]:
    """Arrays of 1 or 2 dimensions whose entries are any finite ``dtype`` values."""
    return hnp.arrays(
        dtype=np.dtype(dtype),
        shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=max_side),
        elements=finite_floats(dtype, max_magnitude=max_magnitude),
    )


@st.composite
def arrays_of_any_float_dtype(
    draw: st.DrawFn, *, max_magnitude_fraction: float = 1.0
) -> np.ndarray:
    """float32 or float64 arrays; |x| ≤ fraction × the dtype's max."""
    dtype = draw(st.sampled_from(FLOAT_DTYPES))
    bound = float(np.finfo(dtype).max) * max_magnitude_fraction
    return draw(finite_arrays(dtype, max_magnitude=bound))


#: steepness parameters k (SPEC §1) over four orders of magnitude
steepness = st.floats(min_value=1e-2, max_value=1e2, allow_nan=False)
#: α in [0, 1], where leaky_relu(x) = max(αx, x) (SPEC §1)
unit_alpha = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
#: α ≥ 0 for elu and the smoothed abs
nonneg_alpha = st.floats(min_value=0.0, max_value=10.0, allow_nan=False)
