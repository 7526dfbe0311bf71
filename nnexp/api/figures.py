"""Figures written to files: where they go (``check_output``, ``default_output``),
``save_figure``, and the activation gallery (``nnexp gallery``).

::

    import nnexp
    from nnexp.api import save_figure
    acts = [(e.name, e.build()) for e in nnexp.components("activations").entries()[:4]]
    save_figure(nnexp.activation_gallery(acts, x_range=(-3, 3)), "gallery.png")
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nnexp.errors import RunError
from nnexp.plots import make_activation_gallery as activation_gallery
from nnexp.plots.base import output_format, save_figure
from nnexp.runs.layout import safe_name

__all__ = [
    "activation_gallery",
    "check_output",
    "default_output",
    "safe_name",
    "save_figure",
]


def check_output(path: Path) -> Path:
    """``path`` if a figure can be written there (a known format, an existing
    folder); RunError otherwise, before any work is done."""
    output_format(path)
    if not path.parent.is_dir():
        raise RunError(
            f"cannot write {path}: the folder {path.parent} does not exist; create it "
            "first or choose another output path."
        )
    return path


def default_output(inputs: Sequence[str], kind: str, suffix: str = ".png") -> Path:
    """``<input folder name>_<kind>.png`` in the current folder for one input (a run
    or a sweep), ``<kind>.png`` for several."""
    if len(inputs) == 1 and not any(c in inputs[0] for c in "*?["):
        stem = safe_name(Path(inputs[0]).resolve().name)
        return Path(f"{stem}_{kind}{suffix}")
    return Path(f"{kind}{suffix}")
