"""Synthetic run histories and sweep results with the trainer's columns.

Shared by the tests (through conftest.py) and by preview.py, which renders one example
of every figure for a person to look at.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def classification_history(
    rng: np.random.Generator, epochs: int = 20, layers: int = 2, scale: float = 1.0
) -> pd.DataFrame:
    """A plausible classification run: losses fall, accuracies rise, with noise."""
    epoch = np.arange(1, epochs + 1)
    decay = np.exp(-epoch / (6.0 * scale))
    train_loss = 0.05 + 0.4 * decay + rng.normal(0, 0.01, epochs).clip(-0.02, 0.02)
    val_loss = train_loss + 0.02 + 0.002 * epoch
    data = {
        "epoch": epoch,
        "train_loss": train_loss,
        "val_loss": val_loss,
        "train_accuracy": (0.98 - 0.6 * decay + rng.normal(0, 0.005, epochs)).clip(
            0, 1
        ),
        "val_accuracy": (0.95 - 0.6 * decay + rng.normal(0, 0.008, epochs)).clip(0, 1),
        "lr": np.full(epochs, 0.01),
        "train_seconds": rng.uniform(0.8, 1.0, epochs),
        "seconds": rng.uniform(1.0, 1.2, epochs),
    }
    for i in range(1, layers + 1):
        data[f"layer{i}_weight_norm"] = 5.0 * i + 0.1 * epoch
        data[f"layer{i}_grad_norm"] = 0.5 / i * decay + 1e-3
        data[f"layer{i}_dead_fraction"] = np.clip(
            0.02 * i * epoch / epochs + 0.05, 0, 1
        )
    return pd.DataFrame(data)


def regression_history(rng: np.random.Generator, epochs: int = 30) -> pd.DataFrame:
    """A regression run (sincos-like): mse and max |error| columns, no accuracy."""
    epoch = np.arange(1, epochs + 1)
    mse = 10.0 ** (-1 - 3 * epoch / epochs) * rng.uniform(0.8, 1.2, epochs)
    return pd.DataFrame(
        {
            "epoch": epoch,
            "train_loss": mse / 2,
            "val_loss": mse / 2 * 1.1,
            "train_mse": mse,
            "val_mse": mse * 1.1,
            "train_max_abs_error": np.sqrt(mse) * 3,
            "val_max_abs_error": np.sqrt(mse) * 3.3,
            "lr": np.full(epochs, 0.1),
            "train_seconds": np.full(epochs, 0.5),
            "seconds": np.full(epochs, 0.6),
            "layer1_weight_norm": 3 + 0.01 * epoch,
            "layer1_grad_norm": np.sqrt(mse),
            "layer1_dead_fraction": np.full(epochs, 0.1),
            "layer2_weight_norm": 1 + 0.01 * epoch,
            "layer2_grad_norm": np.sqrt(mse) / 2,
            "layer2_dead_fraction": np.zeros(epochs),
        }
    )


def diverged_history(rng: np.random.Generator, epochs: int = 8) -> pd.DataFrame:
    """A run whose loss blew up: the last row has an infinite train loss, NaN val."""
    history = classification_history(rng, epochs)
    growth = 0.4 * 3.0 ** np.arange(epochs)
    history["train_loss"] = growth
    history["val_loss"] = growth * 1.1
    history.loc[epochs - 1, ["train_loss", "val_loss"]] = [np.inf, np.nan]
    history.loc[epochs - 1, ["train_accuracy", "val_accuracy"]] = [0.098, 0.098]
    return history


def sweep_cells(rng: np.random.Generator, seeds: int = 3) -> pd.DataFrame:
    """results.csv of an activation × optimiser × seed grid; exp always diverges."""
    rows = []
    base = {"relu": 0.93, "tanh": 0.90, "abs": 0.95, "exp": np.nan}
    bonus = {"sgd": 0.0, "adam": 0.02}
    for act, acc in base.items():
        for opt, extra in bonus.items():
            for seed in range(seeds):
                rows.append(
                    {
                        "model.activation": act,
                        "optimizer.name": opt,
                        "seed": seed,
                        "status": "diverged" if act == "exp" else "completed",
                        "final_val_accuracy": acc + extra + rng.normal(0, 0.005),
                        "final_val_loss": (1 - acc - extra) / 5 + rng.normal(0, 1e-3),
                    }
                )
    return pd.DataFrame(rows)


class Exp:
    """e^x, heaviside family: overflows to inf at large x by nature (SPEC §1)."""

    family = "heaviside"

    def forward(self, z):
        return np.exp(z)

    def derivative(self, z, a):
        return a


class Logistic:
    family = "heaviside"

    def forward(self, z):
        return 0.5 * (1.0 + np.tanh(0.5 * z))

    def derivative(self, z, a):
        return a * (1.0 - a)


class Tanh:
    family = "sign"

    def forward(self, z):
        return np.tanh(z)

    def derivative(self, z, a):
        return 1.0 - a * a


class Abs:
    family = "abs"

    def forward(self, z):
        return np.abs(z)

    def derivative(self, z, a):
        return np.sign(z)


class Softsign:
    family = "sign"

    def forward(self, z):
        return z / (1.0 + np.abs(z))

    def derivative(self, z, a):
        return 1.0 / (1.0 + np.abs(z)) ** 2


class Cube:
    """A user plugin without a family attribute: it belongs to identity."""

    def forward(self, z):
        return z**3 / 10.0

    def derivative(self, z, a):
        return 0.3 * z**2


def gallery_activations() -> list[tuple[str, object]]:
    """Built-ins from the engine registry plus local stand-ins and a plugin."""
    from nnexp.engine.activations import ACTIVATIONS

    built = [
        (name, ACTIVATIONS.build(name)) for name in ("relu", "identity", "softmax")
    ]
    local = [
        ("exp", Exp()),
        ("logistic", Logistic()),
        ("tanh", Tanh()),
        ("softsign", Softsign()),
        ("abs", Abs()),
        ("cube (plugin)", Cube()),
    ]
    return built + local
