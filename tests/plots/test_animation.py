"""GIF frames drawn by blitting (the layout and axes once, the changing artists per
frame) look exactly like each frame drawn as a whole figure."""

import numpy as np

from nnexp.plots.animation import GIF_DPI, blit_frames, frame_image, save_animation
from nnexp.plots.base import new_figure

SLOPES = [0.2, 1.0, -0.7]


def _figure():
    fig = new_figure(3.0, 3.0)
    ax = fig.subplots()
    ax.set_xlabel("x")
    fig.suptitle("lines")
    return fig, ax


def _draw(ax, i):
    x = np.linspace(
        0.05, 0.95, 20
    )  # inside the axes: the spines drawn on top are not redrawn
    ax.plot(x, SLOPES[i] * x, color="C0")
    ax.scatter([0.5], [SLOPES[i] / 2], color="C1")
    ax.text(0.1, 0.9, f"frame {i}", transform=ax.transAxes)
    ax.set_title(f"slope {SLOPES[i]}")
    ax.set_xlim(0, 1)
    ax.set_ylim(-1, 1)


def test_each_blitted_frame_equals_the_whole_figure_drawn_for_it():
    fig, ax = _figure()
    frames = [np.asarray(im) for im in blit_frames(fig, ax, lambda i: _draw(ax, i), 3)]
    for i, frame in enumerate(frames):
        whole, whole_ax = _figure()
        _draw(whole_ax, i)
        whole.set_dpi(GIF_DPI)
        whole.canvas.draw()  # the same constrained layout, worked out once
        whole.set_layout_engine("none")
        expected = np.asarray(frame_image(whole))
        assert frame.shape == expected.shape
        differ = (frame != expected).any(axis=-1)
        assert not differ.any(), f"frame {i}: {differ.sum()} pixels differ"
    assert not np.array_equal(frames[0], frames[1])


def test_fewer_than_two_frames_write_no_gif(tmp_path):
    fig, ax = _figure()
    one = blit_frames(fig, ax, lambda i: _draw(ax, i), 1)
    assert save_animation(one, tmp_path / "a.gif") is None
    assert not (tmp_path / "a.gif").exists()
    fig, ax = _figure()
    three = blit_frames(fig, ax, lambda i: _draw(ax, i), 3)
    assert save_animation(three, tmp_path / "b.gif") == tmp_path / "b.gif"
