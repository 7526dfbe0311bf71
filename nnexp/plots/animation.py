"""Animated GIFs from a list of figures (frames), written with Pillow."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

#: resolution of a frame: GIFs are for a glance, small files matter more
GIF_DPI = 80
#: how long each frame shows, the last one longer
FRAME_MS, LAST_FRAME_MS = 400, 2000


def frame_image(fig: Figure, dpi: int = GIF_DPI) -> Image.Image:
    """The figure rendered as an RGB image."""
    fig.set_dpi(dpi)
    canvas = fig.canvas
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())  # type: ignore[attr-defined]
    return Image.fromarray(rgba[..., :3].copy())


def save_animation(frames: Sequence[Figure], path: str | Path) -> Path:
    """Write ``frames`` (figures of the same size) as a looping GIF at ``path``."""
    images = [frame_image(f) for f in frames]
    size = images[0].size
    images = [im if im.size == size else im.resize(size) for im in images]
    durations = [FRAME_MS] * (len(images) - 1) + [LAST_FRAME_MS]
    path = Path(path)
    images[0].save(
        path,
        save_all=True,
        append_images=images[1:],
        duration=durations,
        loop=0,
        optimize=False,
    )
    return path
