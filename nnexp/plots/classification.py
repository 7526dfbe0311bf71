"""Classification figures: the confusion matrix and a grid of test images with guesses.

Labels may be given as class indices ``(n,)`` or as one-hot targets / network outputs
``(n, classes)`` (the arg-max is taken), so the run writer can pass its arrays as is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from nnexp.errors import RunError
from nnexp.plots.base import new_figure
from nnexp.plots.run_input import RunFigureInput

#: Colour of a misclassified sample's title and frame (the course marks errors red).
ERROR_COLOR = "#d62728"


def class_indices(labels: np.ndarray) -> np.ndarray:
    """``(n,)`` integer classes from indices ``(n,)`` or one-hot/scores ``(n, k)``."""
    labels = np.asarray(labels)
    if labels.ndim == 2:
        return labels.argmax(axis=1)
    if labels.ndim != 1:
        raise RunError(
            f"labels must have shape (n,) or (n, classes), got {labels.shape}."
        )
    return labels.astype(int)


def confusion_matrix(
    y_true: np.ndarray, y_pred: np.ndarray, n_classes: int | None = None
) -> np.ndarray:
    """Counts ``C[i, j]`` of samples of true class i predicted as class j.

    Parameters
    ----------
    y_true, y_pred : (n,) class indices or (n, classes) one-hot/scores
    n_classes : int, optional
        Default: one more than the largest class seen.

    Returns
    -------
    (n_classes, n_classes) int64 array; rows are true classes, columns guesses.
    """
    true, pred = class_indices(y_true), class_indices(y_pred)
    if true.shape != pred.shape:
        raise RunError(f"{true.size} true labels but {pred.size} predictions.")
    k = (
        n_classes
        if n_classes is not None
        else int(max(true.max(initial=-1), pred.max(initial=-1))) + 1
    )
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (true, pred), 1)
    return counts


def plot_confusion(
    ax: Axes,
    counts: np.ndarray,
    *,
    class_names: Sequence[str] | None = None,
    normalize: bool = False,
) -> list[Artist]:
    """Draw a confusion matrix on ``ax`` with a number in every cell.

    Parameters
    ----------
    ax : Axes
    counts : (k, k) array
        From :func:`confusion_matrix`; rows true classes, columns guesses.
    class_names : sequence of k str, optional
        Tick labels; default the class indices.
    normalize : bool
        Show each row in percent of its true class (a row with no samples shows 0).

    Returns
    -------
    list of Artist
        The image first, then the k² cell texts row by row.
    """
    counts = np.asarray(counts)
    k = counts.shape[0]
    values = _row_percent(counts) if normalize else counts.astype(float)
    image = ax.imshow(values, cmap="Blues", vmin=0, interpolation="nearest")
    names = (
        [str(n) for n in class_names]
        if class_names is not None
        else list(map(str, range(k)))
    )
    ax.set_xticks(
        range(k),
        names,
        rotation=45 if max(map(len, names)) > 2 else 0,
        ha="right" if max(map(len, names)) > 2 else "center",
    )
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    fontsize = 9 if k <= 10 else max(5, 9 - (k - 10) // 3)
    threshold = 0.55 * (values.max() if values.size and values.max() > 0 else 1.0)
    texts: list[Artist] = []
    for (i, j), value in np.ndenumerate(values):
        text = f"{value:.1f}" if normalize else f"{int(counts[i, j])}"
        # Zeros in grey, so the few confusions that matter stand out.
        color = (
            "white" if value > threshold else ("0.6" if counts[i, j] == 0 else "black")
        )
        texts.append(
            ax.text(
                j, i, text, ha="center", va="center", fontsize=fontsize, color=color
            )
        )
    return [image, *texts]


def _row_percent(counts: np.ndarray) -> np.ndarray:
    totals = counts.sum(axis=1, keepdims=True).astype(float)
    out = np.zeros(counts.shape, dtype=float)
    np.divide(100.0 * counts, totals, out=out, where=totals > 0)
    return out


def make_confusion(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    class_names: Sequence[str] | None = None,
    normalize: bool = False,
    title: str | None = None,
) -> Figure:
    """A figure with the confusion matrix of ``y_pred`` against ``y_true``.

    The title gives the accuracy; the colour bar the unit (count or % of the row).
    """
    n_classes = len(class_names) if class_names is not None else None
    counts = confusion_matrix(y_true, y_pred, n_classes)
    k = counts.shape[0]
    side = min(11.0, max(4.5, 0.55 * k + 2.0))
    fig = new_figure(side + 1.2, side)
    ax = fig.add_subplot()
    artists = plot_confusion(ax, counts, class_names=class_names, normalize=normalize)
    bar = fig.colorbar(artists[0], ax=ax, shrink=0.85)
    bar.set_label("% of the true class" if normalize else "samples")
    total = counts.sum()
    accuracy = 100.0 * np.trace(counts) / total if total else 0.0
    kind = "Confusion matrix, % of each true class" if normalize else "Confusion matrix"
    fig.suptitle(title or f"{kind} (accuracy {accuracy:.1f} %, n = {total})")
    return fig


def plot_samples(
    axes: Sequence[Axes],
    images: np.ndarray,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    class_names: Sequence[str] | None = None,
) -> list[Artist]:
    """Draw one image per axes, titled ``"label → guess"``; errors in red.

    Parameters
    ----------
    axes : sequence of Axes
        At least as many as images; extra axes are hidden.
    images : (n, h*w) with h = w, or (n, h, w)
    y_true, y_pred : (n,) class indices or (n, classes) one-hot/scores

    Returns
    -------
    list of Artist
        The images and their titles, alternating.
    """
    images = square_images(images)
    true, pred = class_indices(y_true), class_indices(y_pred)
    names = [str(n) for n in class_names] if class_names is not None else None
    artists: list[Artist] = []
    for i, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= len(images):
            ax.set_visible(False)
            continue
        wrong = bool(true[i] != pred[i])
        color = ERROR_COLOR if wrong else "black"
        label = names[true[i]] if names else str(true[i])
        guess = names[pred[i]] if names else str(pred[i])
        artists.append(ax.imshow(images[i], cmap="gray_r", interpolation="nearest"))
        artists.append(
            ax.set_title(
                sample_title(label, guess),
                color=color,
                fontsize=9,
                fontweight="bold" if wrong else "normal",
            )
        )
        for spine in ax.spines.values():
            spine.set_edgecolor(color if wrong else "0.7")
            spine.set_linewidth(2.5 if wrong else 0.8)
    return artists


#: The longest "label → guess" title kept on one line over an image of the grid
#: (about 1.45 inches of 9-point text); longer ones put the guess on a second line.
TITLE_CHARS = 16


def sample_title(label: str, guess: str) -> str:
    """``"7 → 1"``, or ``"T-shirt/top\n→ Pullover"`` when one line would not fit
    over the image (and overlap its neighbours' titles)."""
    text = f"{label} → {guess}"
    return text if len(text) <= TITLE_CHARS else f"{label}\n→ {guess}"


def square_images(images: np.ndarray) -> np.ndarray:
    """``(n, h, w)`` images from ``(n, h, w)`` or flattened square ``(n, h*w)``."""
    images = np.asarray(images, dtype=float)
    if images.ndim == 3:
        return images
    if images.ndim == 2:
        side = math.isqrt(images.shape[1])
        if side * side == images.shape[1]:
            return images.reshape(len(images), side, side)
    raise RunError(
        f"images must have shape (n, h, w) or (n, h*w) with square h*w, "
        f"got {images.shape}."
    )


def make_sample_grid(
    images: np.ndarray,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    rows: int = 4,
    cols: int = 6,
    class_names: Sequence[str] | None = None,
    rng: np.random.Generator | None = None,
    title: str | None = None,
) -> Figure:
    """A ``rows`` × ``cols`` grid of test images titled ``"label → guess"``.

    The first ``rows * cols`` samples are shown, or a random subset drawn with
    ``rng`` (without replacement) when one is given.  Misclassified samples have a
    red title and frame; the figure title counts them.  Titles too long for one
    line over an image (Fashion-MNIST's "T-shirt/top → Pullover") take two.
    """
    images = square_images(images)
    true, pred = class_indices(y_true), class_indices(y_pred)
    n = min(rows * cols, len(images))
    if rng is not None:
        chosen = np.sort(rng.choice(len(images), n, replace=False))
    else:
        chosen = np.arange(n)
    names = [str(c) for c in class_names] if class_names is not None else None
    two_lines = any(
        "\n" in sample_title(*(names[c] if names else str(c) for c in pair))
        for pair in zip(true[chosen], pred[chosen], strict=True)
    )
    fig = new_figure(1.45 * cols, (1.85 if two_lines else 1.6) * rows + 0.5)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    plot_samples(
        axes, images[chosen], true[chosen], pred[chosen], class_names=class_names
    )
    errors = int((true[chosen] != pred[chosen]).sum())
    fig.suptitle(
        title or f"Test samples: label → guess ({errors} of {n} wrong, in red)"
    )
    return fig


def draw_confusion(run: RunFigureInput) -> Figure:
    """The ``confusion`` plot kind: the confusion matrix on the evaluation split."""
    return make_confusion(
        run.split.labels,
        run.guesses,
        class_names=run.info.class_names,
        title=f"{run.name}: confusion matrix ({run.split_name})",
    )


def draw_samples(run: RunFigureInput) -> Figure:
    """The ``samples`` plot kind: images of the evaluation split with their guesses."""
    return make_sample_grid(
        run.split.x,
        run.split.labels,
        run.guesses,
        class_names=run.info.class_names,
        rng=np.random.default_rng(0),
    )
