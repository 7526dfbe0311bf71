"""Render one example of every figure to a folder, for a person to look at.

Run: ``python tests/plots/preview.py [OUT_DIR]`` (default /tmp/plots_preview).
Not collected by pytest (no ``test_`` prefix).
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from plots_fixtures import (  # noqa: E402
    classification_history,
    diverged_history,
    gallery_activations,
    regression_history,
    sweep_cells,
)

from nnexp import plots  # noqa: E402


def mnist_digits(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The first n genuine MNIST test digits and labels when the shared copy exists,
    else noise with random labels."""
    folder = Path("/work/shared/data/mnist")
    if not (folder / "t10k-images-idx3-ubyte.gz").exists():
        return rng.random((n, 784)) ** 4, rng.integers(0, 10, n)
    images = gzip.decompress((folder / "t10k-images-idx3-ubyte.gz").read_bytes())
    labels = gzip.decompress((folder / "t10k-labels-idx1-ubyte.gz").read_bytes())
    x = (
        np.frombuffer(images, dtype=np.uint8, offset=16)[: n * 784].reshape(n, 784)
        / 255
    )
    return x, np.frombuffer(labels, dtype=np.uint8, offset=8)[:n].astype(int)


def registry_activations() -> list[tuple[str, object]]:
    """Every registered activation with its defaults, plus a plugin without family."""
    from plots_fixtures import Cube

    from nnexp.engine.activations import ACTIVATIONS

    built = [(e.name, ACTIVATIONS.build(e.name)) for e in ACTIVATIONS.entries()]
    return [*built, ("cube (plugin)", Cube())]


def render(out: Path) -> list[Path]:
    rng = np.random.default_rng(0)
    out.mkdir(parents=True, exist_ok=True)
    cls = classification_history(rng, epochs=30)
    runs = {
        "activation=relu, optimizer=sgd": cls,
        "activation=tanh, optimizer=sgd": classification_history(rng, 30, scale=1.6),
        "activation=abs, optimizer=adam": classification_history(rng, 30, scale=0.6),
        "activation=exp, optimizer=sgd": diverged_history(rng, 9),
    }
    grouped = [
        (act, classification_history(rng, 30, scale=s * (1 + 0.2 * k)))
        for act, s in (("relu", 1.0), ("tanh", 1.8), ("abs", 0.6))
        for k in range(3)
    ]
    grouped.append(("exp", diverged_history(rng, 9)))
    n = 10000
    images, y_true = mnist_digits(n, rng)
    y_pred = np.where(rng.random(n) < 0.9, y_true, rng.integers(0, 10, n))
    x = np.linspace(0, np.pi / 2, 1000)
    target = np.column_stack([np.sin(x), np.cos(x)]) / 2 + 0.5
    pred = target + 1e-3 * np.column_stack([np.sin(9 * x), np.cos(5 * x)])
    cells = sweep_cells(rng)
    figures = {
        "curves": plots.make_learning_curves(cls, loss_name="mse", title="mnist_relu"),
        "curves_regression": plots.make_learning_curves(
            regression_history(rng), log=True
        ),
        "overlay": plots.make_overlay(runs, log=True, loss_name="mse"),
        "overlay_time_smooth": plots.make_overlay(runs, x="time", smooth=5),
        "grouped": plots.make_grouped_curves(
            grouped, title="Curves by model.activation"
        ),
        "layers": plots.make_layer_diagnostics(cls),
        "confusion": plots.make_confusion(y_true, y_pred),
        "confusion_normalized": plots.make_confusion(
            y_true,
            y_pred,
            normalize=True,
            class_names=[
                "T-shirt",
                "Trouser",
                "Pullover",
                "Dress",
                "Coat",
                "Sandal",
                "Shirt",
                "Sneaker",
                "Bag",
                "Ankle boot",
            ],
        ),
        "samples": plots.make_sample_grid(images, y_true, y_pred),
        "fit": plots.make_fit(x, target, pred, names=["sin", "cos"]),
        "gallery_registry": plots.make_activation_gallery(registry_activations()),
        "overlay_many": plots.make_overlay(
            [
                (f"seed={i}", classification_history(rng, 15, scale=0.5 + i / 40))
                for i in range(60)
            ],
            title="60 seeds",
        ),
        "gallery": plots.make_activation_gallery(
            gallery_activations(), x_range=(-800, 800)
        ),
        "gallery_default": plots.make_activation_gallery(gallery_activations()),
        "heatmap": plots.make_heatmap(
            cells, "model.activation", "optimizer.name", "final_val_accuracy"
        ),
        "heatmap_loss": plots.make_heatmap(
            cells, "optimizer.name", "model.activation", "final_val_loss"
        ),
        "errorbars": plots.make_errorbars(
            cells, "model.activation", "final_val_accuracy"
        ),
    }
    return [
        plots.save_figure(fig, out / f"{name}.png") for name, fig in figures.items()
    ]


if __name__ == "__main__":
    for path in render(
        Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/plots_preview")
    ):
        print(path)
