"""Shared plumbing of every figure: creation, saving, colours and axis labels.

Figures are built with :class:`matplotlib.figure.Figure` on an Agg canvas, never with
pyplot: pyplot keeps a global list of open figures, so a sweep that draws hundreds of
runs would leak them.  A figure built here is freed like any other Python object.

Errors: problems a user can cause from the command line (an unsupported output
extension, a missing output folder, a metric that is not in the history) raise
:class:`nnexp.errors.RunError`, so the CLI reports them with exit code 2.
"""

from __future__ import annotations

import io
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import colormaps, rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from nnexp.errors import RunError

#: Output formats chosen by the file extension.
FORMATS: dict[str, str] = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
#: Resolution of raster output; 150 dpi keeps 8-point text crisp.
DPI = 150
#: Line styles shared by every learning curve: train dashed, validation solid.
SPLIT_STYLE: dict[str, str] = {"train": "--", "val": "-"}
SPLIT_NAME: dict[str, str] = {"train": "train", "val": "validation"}
#: Alpha of the raw curve drawn under a smoothed one.
RAW_ALPHA = 0.25

# Words of a column name and how a label spells them.
_WORDS = {"val": "validation", "abs": "|·|", "lr": "learning rate"}
# Metrics stored as fractions in 0..1 and shown in percent.
_PERCENT = ("accuracy", "dead_fraction", "saturation")
# Errors that fall by orders of magnitude: drawn on a log axis by default.
_ERRORS = ("mse", "max_abs_error")


def new_figure(width: float, height: float) -> Figure:
    """A constrained-layout figure of ``width`` × ``height`` inches on an Agg canvas."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)  # attaches itself: savefig and draw need no backend choice
    return fig


def output_format(path: str | Path) -> str:
    """The matplotlib format for ``path`` (``png``, ``svg`` or ``pdf``).

    Raises
    ------
    RunError
        For any other extension, naming the file and the allowed extensions.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        allowed = ", ".join(FORMATS)
        got = f"'{suffix}'" if suffix else "no extension"
        raise RunError(
            f"cannot save the figure to {path}: {got} is not a supported image format; "
            f"use one of {allowed}."
        )
    return FORMATS[suffix]


def save_figure(fig: Figure, path: str | Path, *, dpi: int = DPI) -> Path:
    """Write ``fig`` to ``path`` as PNG, SVG or PDF, chosen by the extension.

    SVG and PDF are written without a creation date, so the same figure gives the
    same bytes (handy for reports kept under version control).

    Parameters
    ----------
    fig : Figure
    path : str or Path
        Ends in ``.png``, ``.svg`` or ``.pdf`` (any case).
    dpi : int
        Resolution of PNG output.

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    RunError
        When the extension is not supported or the folder does not exist.
    """
    path = Path(path)
    fmt = output_format(path)
    if not path.parent.is_dir():
        raise RunError(
            f"cannot save the figure to {path}: the folder {path.parent} does not exist; "
            "create it first or choose another output path."
        )
    _write(fig, path, fmt, dpi)
    return path


def figure_bytes(fig: Figure, fmt: str = "png", *, dpi: int = DPI) -> bytes:
    """The encoded figure (``png``, ``svg`` or ``pdf``), e.g. to embed in HTML."""
    output_format(f"figure.{fmt}")
    buffer = io.BytesIO()
    _write(fig, buffer, fmt, dpi)
    return buffer.getvalue()


def _write(fig: Figure, target: Path | io.BytesIO, fmt: str, dpi: int) -> None:
    # No date and a fixed salt for SVG element ids make vector output reproducible;
    # rc_context keeps the setting local to this call.
    metadata: dict[str, Any] = {
        "svg": {"Date": None},
        "pdf": {"CreationDate": None},
    }.get(fmt, {})
    with rc_context({"svg.hashsalt": "nnexp"}):
        fig.savefig(target, format=fmt, dpi=dpi, metadata=metadata)


def color_map(labels: Iterable[Hashable]) -> dict[Hashable, str]:
    """One colour per distinct label, in order of first appearance.

    The same labels in the same order always get the same colours, so a group keeps
    its colour across the panels of one figure and across figures (curves, sweep
    charts).  Up to 10 labels use ``tab10``, up to 20 ``tab20``, more are spread over
    ``viridis``.

    Returns
    -------
    dict
        label → hex colour string.
    """
    unique = list(dict.fromkeys(labels))
    n = len(unique)
    if n <= 10:
        colors = colormaps["tab10"].colors[:n]
    elif n <= 20:
        colors = colormaps["tab20"].colors[:n]
    else:
        colors = colormaps["viridis"](np.linspace(0.0, 0.92, n))
    return {label: to_hex(c) for label, c in zip(unique, colors, strict=True)}


def finite_or_nan(values: Any) -> np.ndarray:
    """``values`` as a float array with ±inf replaced by NaN (NaN is not drawn)."""
    out = np.array(values, dtype=float)
    out[~np.isfinite(out)] = np.nan
    return out


def metric_scale(name: str) -> float:
    """100 for metrics stored as fractions and shown in percent, else 1."""
    return 100.0 if any(word in name for word in _PERCENT) else 1.0


def metric_range(name: str, values: Any) -> tuple[float, float]:
    """The values ``name`` can take, in stored units: ``(0, 1)`` for fractions,
    ``(0, inf)`` when every observed value is ≥ 0 (losses, errors, norms), else
    unbounded.  A band of mean ± std is clipped to it."""
    if metric_scale(name) == 100.0:
        return 0.0, 1.0
    observed = finite_or_nan(values)
    observed = observed[np.isfinite(observed)]
    low = 0.0 if observed.size and observed.min() >= 0 else -np.inf
    return low, np.inf


def is_error_metric(name: str) -> bool:
    """True for regression errors (mse, max |error|), which a log axis shows best."""
    return any(name == e or name.endswith("_" + e) for e in _ERRORS)


def metric_label(name: str, loss_name: str | None = None) -> str:
    """An axis label with its unit for a metric or column name.

    ``"loss"`` → ``"loss (mse)"`` when ``loss_name`` is given, ``"accuracy"`` →
    ``"accuracy (%)"``, ``"final_val_accuracy"`` → ``"final validation accuracy (%)"``,
    ``"mse"`` → ``"mean squared error"``, ``"max_abs_error"`` → ``"max |error|"``.
    """
    special = {
        "mse": "mean squared error",
        "max_abs_error": "max |error|",
        "seconds": "time (s)",
        "train_seconds": "training time (s)",
        "weight_norm": "weight norm ‖W‖",
        "grad_norm": "gradient norm ‖∂L/∂W‖",
        "dead_fraction": "dead units",
        "saturation": "saturated units",
        "update_ratio": "update / weight ratio",
    }
    text = name
    for key, value in special.items():
        if text == key or text.endswith("_" + key):
            text = text[: len(text) - len(key)] + value
            break
    words = [_WORDS.get(word, word) for word in text.replace("_", " ").split(" ")]
    text = " ".join(w for w in words if w)
    if name.endswith("loss") and loss_name:
        text += f" ({loss_name.replace('_', '-')})"
    if metric_scale(name) == 100.0:
        text += " (%)"
    return text
