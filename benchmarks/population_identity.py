"""Which stacked NumPy computations give each member's numbers bit for bit.

A population stacks P same-shape networks along a leading axis (weights
``(P, fan_in, fan_out)``, minibatches ``(P, batch, features)``).  Member p trained inside
the population must give exactly (``np.array_equal``) what it gives alone, so every
operation of a training step is measured here: the stacked form against the 2-D form
applied to member p's slice.  Each line prints the fraction of elements (or members)
that differ; 0 is the identity the engine relies on.

    python benchmarks/population_identity.py [--members 7] [--threads 1,2]

The facts the engine's population path uses are also asserted by
tests/engine/population/test_identity_facts.py (for the BLAS this machine runs).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import threadpoolctl

from nnexp.engine.activations import ACTIVATIONS

BATCHES = (1, 2, 3, 7, 10, 16, 32, 64, 100, 128, 512)
SHAPES = ((2, 4), (4, 3), (784, 100), (100, 10), (13, 57))
DTYPES = ("float32", "float64")


def differing(stacked: np.ndarray, per_member: list[np.ndarray]) -> float:
    """Fraction of elements of ``stacked`` that differ from the members' own results."""
    alone = np.stack(per_member)
    if stacked.shape != alone.shape:
        return 1.0
    same = (stacked == alone) | (np.isnan(stacked) & np.isnan(alone))
    return float(1.0 - same.mean())


def products(P: int, rng: np.random.Generator) -> dict[str, float]:
    """Worst fraction over batches, shapes and dtypes for each product of a step."""
    worst = {
        "forward X @ W": 0.0,
        "X.T @ d  (swapaxes(-1, -2) @ d)": 0.0,
        "d @ W.T  (d @ W.swapaxes(-1, -2))": 0.0,
        "shared X (n, m) @ W (P, m, n)": 0.0,
        "bias sum np.add.reduce(d, axis=-2)": 0.0,
    }
    for dt in DTYPES:
        for m, n in SHAPES:
            W = rng.standard_normal((P, m, n)).astype(dt)
            for B in BATCHES:
                X = rng.standard_normal((P, B, m)).astype(dt)
                d = rng.standard_normal((P, B, n)).astype(dt)
                cases = {
                    "forward X @ W": (X @ W, [X[p] @ W[p] for p in range(P)]),
                    "X.T @ d  (swapaxes(-1, -2) @ d)": (
                        X.swapaxes(-1, -2) @ d,
                        [X[p].T @ d[p] for p in range(P)],
                    ),
                    "d @ W.T  (d @ W.swapaxes(-1, -2))": (
                        d @ W.swapaxes(-1, -2),
                        [d[p] @ W[p].T for p in range(P)],
                    ),
                    "shared X (n, m) @ W (P, m, n)": (
                        X[0] @ W,
                        [X[0] @ W[p] for p in range(P)],
                    ),
                    "bias sum np.add.reduce(d, axis=-2)": (
                        np.add.reduce(d, axis=-2),
                        [np.add.reduce(d[p], axis=0) for p in range(P)],
                    ),
                }
                for name, (stacked, alone) in cases.items():
                    worst[name] = max(worst[name], differing(stacked, alone))
    return worst


def elementwise(P: int, rng: np.random.Generator) -> dict[str, float]:
    """Every registered activation's forward, derivative and backprop on the stack vs
    on each member's slice (inputs of all magnitudes, both dtypes)."""
    worst: dict[str, float] = {}
    for name in ACTIVATIONS.names():
        act = ACTIVATIONS.build(name)
        frac = 0.0
        for dt in DTYPES:
            z = (rng.standard_normal((P, 33, 17)) * 10.0 ** rng.integers(-3, 4)).astype(
                dt
            )
            a = act.forward(z)
            da = rng.standard_normal(z.shape).astype(dt)
            frac = max(
                frac,
                differing(a, [act.forward(z[p]) for p in range(P)]),
                differing(
                    act.derivative(z, a), [act.derivative(z[p], a[p]) for p in range(P)]
                ),
                differing(
                    act.backprop(z, a, da.copy()),
                    [act.backprop(z[p], a[p], da[p].copy()) for p in range(P)],
                ),
            )
        worst[name] = frac
    return worst


def reductions(P: int, rng: np.random.Generator) -> dict[str, float]:
    """Per-member scalars (norms, losses, penalties): stacked forms vs the 2-D ones."""
    worst: dict[str, float] = {}

    def note(name: str, stacked: np.ndarray, alone: Any) -> None:
        worst[name] = max(worst.get(name, 0.0), differing(stacked, list(alone)))

    for dt in DTYPES:
        for m, n in SHAPES:
            W = rng.standard_normal((P, m, n)).astype(dt)
            flat = W.reshape(P, 1, -1)
            note(
                "squared norm: matmul (P,1,N) @ (P,N,1) vs np.vdot",
                (flat @ flat.swapaxes(-1, -2))[:, 0, 0],
                [np.vdot(W[p], W[p]) for p in range(P)],
            )
            note(
                "squared norm: (W * W).sum(axis=(1, 2)) vs np.vdot",
                (W * W).sum(axis=(1, 2)),
                [np.vdot(W[p], W[p]) for p in range(P)],
            )
            note(
                "norm: np.linalg.norm(axis=(1, 2)) vs sqrt(np.vdot)",
                np.linalg.norm(W, axis=(1, 2)),
                [np.sqrt(np.vdot(W[p], W[p])) for p in range(P)],
            )
            note(
                "squared norm: einsum('pij,pij->p') vs np.vdot",
                np.einsum("pij,pij->p", W, W),
                [np.vdot(W[p], W[p]) for p in range(P)],
            )
            note(
                "sum |W|: W.reshape(P, -1).sum(-1) vs W[p].sum()",
                np.abs(W).reshape(P, -1).sum(axis=-1),
                [np.abs(W[p]).sum() for p in range(P)],
            )
            note(
                "sum |W|: sum(axis=(1, 2)) vs W[p].sum()",
                np.abs(W).sum(axis=(1, 2)),
                [np.abs(W[p]).sum() for p in range(P)],
            )
            for B in BATCHES:
                z = rng.standard_normal((P, B, n)).astype(dt)
                y = rng.standard_normal((P, B, n)).astype(dt)
                note(
                    "row dot: einsum('...j,...j->...') vs einsum('ij,ij->i')",
                    np.einsum("...j,...j->...", z, y),
                    [np.einsum("ij,ij->i", z[p], y[p]) for p in range(P)],
                )
                note(
                    "row max / sum(axis=-1, keepdims)",
                    np.concatenate(
                        [z.max(axis=-1, keepdims=True), z.sum(axis=-1, keepdims=True)],
                        axis=-1,
                    ),
                    [
                        np.concatenate(
                            [
                                z[p].max(axis=1, keepdims=True),
                                z[p].sum(axis=1, keepdims=True),
                            ],
                            axis=-1,
                        )
                        for p in range(P)
                    ],
                )
                note(
                    "batch sum: np.sum(rows, axis=-1, dtype=float64)",
                    np.sum(z[..., 0], axis=-1, dtype=np.float64),
                    [np.sum(z[p, :, 0], dtype=np.float64) for p in range(P)],
                )
                note(
                    "loss sum over (batch, outputs): reshape(P, -1).sum(-1)",
                    z.reshape(P, -1).sum(axis=-1),
                    [z[p].sum() for p in range(P)],
                )
                note(
                    "loss sum over (batch, outputs): sum(axis=(-2, -1))",
                    z.sum(axis=(-2, -1)),
                    [z[p].sum() for p in range(P)],
                )
                note(
                    "argmax(axis=-1)",
                    np.argmax(z, axis=-1).astype(float),
                    [np.argmax(z[p], axis=1).astype(float) for p in range(P)],
                )
    return worst


def scalars(rng: np.random.Generator) -> dict[str, float]:
    """Per-member hyper-parameter arithmetic: NumPy on float64 arrays vs Python floats."""
    base = rng.uniform(0.5, 0.9999, 2000)
    ts = rng.integers(1, 20000, 2000)
    x = rng.uniform(-30, 30, 2000)
    pyf: dict[str, tuple[np.ndarray, Callable[[float, float], float]]] = {
        "np.power(b, t) vs b ** t": (np.power(base, ts), lambda b, t: b**t),
        "np.exp(x) vs math.exp(x)": (np.exp(x), lambda v, _: math.exp(v)),
        "np.cos(x) vs math.cos(x)": (np.cos(x), lambda v, _: math.cos(v)),
        "np.sqrt(b) vs math.sqrt(b)": (np.sqrt(base), lambda b, _: math.sqrt(b)),
        "b * s / (1 - b) (+ - * /) vs Python": (
            base * np.sqrt(base) / (1.0 - base),
            lambda b, _: b * math.sqrt(b) / (1.0 - b),
        ),
    }
    out: dict[str, float] = {}
    for name, (vec, fn) in pyf.items():
        args = x if "exp" in name or "cos" in name else base
        alone = [
            np.float64(fn(float(a), int(t))) for a, t in zip(args, ts, strict=True)
        ]
        out[name] = differing(vec, alone)
    # a float64 learning-rate array times float32 weights vs the single run's
    # Python float (a weak scalar: rounded to float32 first)
    W = rng.standard_normal(2000).astype(np.float32)
    lrs = rng.uniform(1e-4, 1.0, 2000)
    promoted = (W * lrs).astype(np.float32)
    cast = W * lrs.astype(np.float32)
    alone = [W[i] * float(lrs[i]) for i in range(2000)]
    out["float32 W * float64 lr array (promotes)"] = differing(promoted, alone)
    out["float32 W * lr array cast to float32"] = differing(cast, alone)
    # dropout masks: Generator.random into a slice vs a fresh array, same stream
    for dt in DTYPES:
        fresh = np.random.default_rng(5).random((10, 7), dtype=dt)
        into = np.empty((3, 10, 7), dtype=dt)
        np.random.default_rng(5).random(dtype=dt, out=into[1])
        out[f"Generator.random(out=slice) vs fresh, {dt}"] = differing(
            into[1:2], [fresh]
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=7)
    parser.add_argument("--threads", default="1,2")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    info = threadpoolctl.threadpool_info()
    blas = ", ".join(
        f"{i['internal_api']} {i.get('version')} {i.get('architecture')}"
        f" ({i['num_threads']} threads)"
        for i in info
        if i["user_api"] == "blas"
    )
    print(f"NumPy {np.__version__}; BLAS: {blas}; P = {args.members}")
    print("fraction of values that differ from the member's own result (0 = identical)")
    for threads in [int(t) for t in args.threads.split(",")]:
        with threadpoolctl.threadpool_limits(threads, user_api="blas"):
            print(f"\n-- {threads} BLAS thread(s): products over batch {BATCHES}")
            for name, frac in products(args.members, rng).items():
                print(f"  {frac:8.4f}  {name}")
            print(f"-- {threads} BLAS thread(s): per-member reductions")
            for name, frac in reductions(args.members, rng).items():
                print(f"  {frac:8.4f}  {name}")
    print("\n-- activations (forward, derivative, backprop) on slices")
    bad = {k: v for k, v in elementwise(args.members, rng).items() if v}
    print(f"  {len(ACTIVATIONS.names())} activations, differing: {bad or 'none'}")
    print("-- per-member hyper-parameter arithmetic")
    for name, frac in scalars(rng).items():
        print(f"  {frac:8.4f}  {name}")


if __name__ == "__main__":
    main()
