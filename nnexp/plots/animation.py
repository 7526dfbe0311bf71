"""Animated GIFs from a list of figures (frames), written with Pillow."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from PIL import Image

#: resolution of a frame: GIFs are for a glance, small files matter more
GIF_DPI = 80
#: how long each frame shows, the last one longer
FRAME_MS, LAST_FRAME_MS = 400, 2000


def frame_image(fig: Figure, dpi: int = GIF_DPI) -> Image.Image:
    """The figure rendered as an RGB image."""
    fig.set_dpi(dpi)
    fig.canvas.draw()
    return _buffer_image(fig)


def _buffer_image(fig: Figure) -> Image.Image:
    rgba = np.asarray(fig.canvas.buffer_rgba())  # type: ignore[attr-defined]
    return Image.fromarray(rgba[..., :3].copy())


def blit_frames(
    fig: Figure, ax: Axes, update: Callable[[int], None], count: int
) -> Iterator[Image.Image]:
    """``count`` frames of ``fig`` in which only ``ax``'s data and title change:
    ``update(i)`` draws frame i's data on ``ax`` (what frame i - 1 drew is removed
    first).  The layout, axes, ticks and legend are drawn once, at the first frame,
    and each frame draws only what changed on top of them, so a frame costs a few
    milliseconds instead of a whole figure's draw."""
    canvas = fig.canvas

    def changing() -> list[Artist]:
        found = [*ax.collections, *ax.lines, *ax.texts, *ax.images, ax.title]
        return sorted(found, key=lambda a: a.get_zorder())

    fig.set_dpi(GIF_DPI)
    update(0)
    canvas.draw()  # the layout, once
    fig.set_layout_engine("none")
    title_at = ax.title.get_position()  # a draw with the title hidden would move it
    for artist in changing():
        artist.set_visible(False)
    canvas.draw()
    background = canvas.copy_from_bbox(fig.bbox)  # type: ignore[attr-defined]
    for i in range(count):
        if i:
            for artist in changing():
                if artist is not ax.title:
                    artist.remove()
            update(i)
        canvas.restore_region(background)  # type: ignore[attr-defined]
        ax.title.set_position(title_at)
        for artist in changing():
            artist.set_visible(True)
            ax.draw_artist(artist)
        yield _buffer_image(fig)


def save_animation(frames: Iterable[Image.Image], path: str | Path) -> Path | None:
    """Write ``frames`` (images of the same size) as a looping GIF at ``path``;
    nothing is written (None) when there are fewer than two frames."""
    images = list(frames)
    if len(images) < 2:
        return None
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
