"""Confusion matrix and the image grid of test samples."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_hex
from numpy.testing import assert_array_equal

from nnexp.errors import RunError
from nnexp.plots.classification import (
    ERROR_COLOR,
    confusion_matrix,
    make_confusion,
    make_sample_grid,
)

Y_TRUE = np.array([0, 0, 1, 2, 2, 2, 1])
Y_PRED = np.array([0, 1, 1, 2, 0, 2, 1])
# By hand: class 0 → (0, 1); class 1 → (1, 1); class 2 → (2, 0, 2).
EXPECTED = np.array([[1, 1, 0], [0, 2, 0], [1, 0, 2]])


def test_confusion_matrix_by_hand():
    assert_array_equal(confusion_matrix(Y_TRUE, Y_PRED), EXPECTED)


def test_confusion_matrix_accepts_one_hot_and_scores():
    one_hot = np.eye(3)[Y_TRUE]
    scores = np.eye(3)[Y_PRED] * 0.8 + 0.05
    assert_array_equal(confusion_matrix(one_hot, scores), EXPECTED)
    assert confusion_matrix(Y_TRUE, Y_PRED, n_classes=5).shape == (5, 5)
    with pytest.raises(RunError):
        confusion_matrix(Y_TRUE, Y_PRED[:-1])


def cell_texts(ax):
    return [t.get_text() for t in ax.texts]


def test_confusion_figure_shows_every_count_and_the_class_names():
    fig = make_confusion(Y_TRUE, Y_PRED, class_names=["cat", "dog", "emu"])
    ax = fig.axes[0]
    assert cell_texts(ax) == [str(v) for v in EXPECTED.ravel()]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog", "emu"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["cat", "dog", "emu"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted class", "true class")
    assert fig.axes[1].get_ylabel() == "samples"  # the colour bar
    assert "accuracy 71.4 %" in fig.get_suptitle()  # 5 of 7 right
    assert_array_equal(ax.images[0].get_array(), EXPECTED)


def test_normalized_confusion_shows_row_percentages_without_warnings():
    # Class 3 never occurs: its row is 0, not a division by zero.
    fig = make_confusion(Y_TRUE, Y_PRED, normalize=True, class_names=list("abcd"))
    texts = cell_texts(fig.axes[0])
    assert texts[:4] == ["50.0", "50.0", "0.0", "0.0"]
    assert texts[8:12] == ["33.3", "0.0", "66.7", "0.0"]
    assert texts[12:] == ["0.0"] * 4
    assert fig.axes[1].get_ylabel() == "% of the true class"


def test_ten_class_numbers_are_readable_on_dark_cells(rng):
    y = rng.integers(0, 10, 2000)
    fig = make_confusion(y, y)  # a perfect diagonal: dark cells need white text
    ax = fig.axes[0]
    diagonal = [ax.texts[11 * i] for i in range(10)]
    assert all(t.get_color() == "white" for t in diagonal)
    assert all(t.get_fontsize() >= 8 for t in ax.texts)
    assert ax.texts[1].get_color() != "white"


def test_sample_grid_titles_and_red_errors(rng):
    images = rng.random((30, 784))
    y_true = np.arange(30) % 10
    y_pred = y_true.copy()
    y_pred[[2, 7]] = [5, 0]
    fig = make_sample_grid(images, y_true, y_pred)
    axes = fig.axes
    assert len(axes) == 24
    titles = [ax.get_title() for ax in axes]
    assert titles[:3] == ["0 → 0", "1 → 1", "2 → 5"] and titles[7] == "7 → 0"
    red = [
        i for i, ax in enumerate(axes) if to_hex(ax.title.get_color()) == ERROR_COLOR
    ]
    assert red == [2, 7]
    assert to_hex(axes[2].spines["top"].get_edgecolor()) == ERROR_COLOR
    assert to_hex(axes[0].spines["top"].get_edgecolor()) != ERROR_COLOR
    assert axes[0].images[0].get_array().shape == (28, 28)
    assert "2 of 24 wrong" in fig.get_suptitle()


def test_sample_grid_with_class_names_3d_images_and_few_samples(rng):
    images = rng.random((5, 28, 28))
    fig = make_sample_grid(
        images,
        np.array([0, 1, 0, 1, 1]),
        np.eye(2)[[0, 1, 1, 1, 1]],
        rows=2,
        cols=3,
        class_names=["Shirt", "Bag"],
    )
    assert [ax.get_title() for ax in fig.axes[:3]] == [
        "Shirt → Shirt",
        "Bag → Bag",
        "Shirt → Bag",
    ]
    assert not fig.axes[5].get_visible()  # 6 cells, 5 images


def test_sample_grid_random_subset_is_reproducible(rng):
    images = rng.random((100, 16))  # 4 × 4 images
    y = np.arange(100) % 10
    pick = [
        [
            ax.get_title()
            for ax in make_sample_grid(
                images, y, y, rows=2, cols=2, rng=np.random.default_rng(5)
            ).axes
        ]
        for _ in range(2)
    ]
    assert pick[0] == pick[1] and pick[0] != ["0 → 0", "1 → 1", "2 → 2", "3 → 3"]


def test_sample_grid_rejects_images_that_are_not_square(rng):
    with pytest.raises(RunError, match="square"):
        make_sample_grid(rng.random((4, 10)), np.zeros(4), np.zeros(4))


FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
           "Sneaker", "Bag", "Ankle boot"]  # fmt: skip


def test_long_class_names_neither_overlap_nor_leave_the_figure(rng):
    true = np.array([0, 9, 0, 4, 9, 0, 7, 0, 6, 2, 0, 9])
    pred = np.array([2, 9, 6, 2, 7, 0, 9, 2, 0, 2, 4, 5])
    fig = make_sample_grid(
        rng.uniform(size=(12, 784)), true, pred, rows=2, cols=6, class_names=FASHION
    )
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    boxes = [ax.title.get_window_extent(renderer) for ax in fig.axes]
    width = fig.bbox.width
    for row in (boxes[:6], boxes[6:]):
        for left, right in zip(row, row[1:], strict=False):
            assert left.x1 < right.x0  # no two titles touch
        assert row[0].x0 >= 0 and row[-1].x1 <= width  # none cut at the edges
    for ax, box in zip(fig.axes, boxes, strict=True):
        assert box.y0 >= ax.get_window_extent(renderer).y1  # above its image
