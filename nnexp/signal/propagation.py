"""``nnexp signal`` as a function: the theory of one setup, its figures, its folder.

:func:`signal_propagation` builds the :class:`~nnexp.signal.setup.Setup` (from an
activation or a spec), computes the table and the curves, and writes a folder like a
run's::

    <runs_dir>/<stamp>_signal_<activation>/
      signal.json            the setup, the table, the gains, the critical point,
                             the notes; per-layer numbers of the figures
      plots/length_map.png   Q(q), its fixed point, the iteration from q¹
      plots/correlation_map.png  C(c), c*, the slope χ₁ at c = 1
      plots/phase.png        χ₁ over (σ_w², σ_b²), the critical line, ξ_c contours
      plots/depth_scales.png ξ_q, ξ_c and 6ξ_c against σ_w²
      plots/networks.png     q^l, c^l and the backpropagated gradient of random
                             networks (Gaussian and orthonormal weights, or the
                             spec's initialiser) on the mean-field recursion
      plots/jacobian.png     singular values of their input–output Jacobian
      plots/trainability.png with a trainability sweep: its accuracies over
                             (σ_w², depth) with 6 ξ_c drawn over them

Infinite values are ``null`` in signal.json; its ``notes`` say why.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from nnexp import __version__
from nnexp.engine.activations import family_of
from nnexp.errors import NnexpError, RunError
from nnexp.plots.base import save_figure
from nnexp.runs.checkpoint import atomic_write_json
from nnexp.runs.layout import new_run_dir
from nnexp.signal.curves import GRID, TheoryCurves, check_grid, theory_curves
from nnexp.signal.figures import (
    correlation_map_figure,
    depth_scale_figure,
    jacobian_figure,
    length_map_figure,
    networks_figure,
    phase_figure,
    trainability_figure,
)
from nnexp.signal.gains import torch_gain, variance_preserving_gain
from nnexp.signal.jacobian import Spectrum, jacobian_spectra, start_at_fixed_point
from nnexp.signal.maps import VarianceGrid
from nnexp.signal.meanfield import MeanFieldGrid, mean_field_grid
from nnexp.signal.montecarlo import (
    LayerStats,
    TheoryLayers,
    deviations,
    ensembles,
    sample_networks,
    summary,
    theory_layers,
)
from nnexp.signal.setup import (
    CRITICAL,
    DEPTH,
    Q0,
    SIGMA_B2,
    WIDTH,
    Setup,
    activation_setup,
    spec_setup,
)
from nnexp.signal.trainability import Trainability, check_matches

JSON_FILE = "signal.json"
THEORY_FIGURES = ("length_map", "correlation_map", "phase", "depth_scales")
#: random networks per weight ensemble, by default
DRAWS = 8


@dataclass(frozen=True)
class Networks:
    """Random networks against the recursion: per ensemble, per-draw statistics and
    the largest deviation per quantity in units of its tolerance."""

    theory: TheoryLayers
    stats: tuple[LayerStats, ...]
    deviations: dict[str, dict[str, float]]
    spectra: tuple[Spectrum, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": "|mean over draws − theory| ≤ 4 standard errors + 2·layers/width"
            " (relative for q and the gradient ratio)",
            "c0": list(self.theory.c0),
            "theory": {
                "q": self.theory.q,
                "c": self.theory.c,
                "grad": self.theory.grad,
            },
        }
        for st in self.stats:
            out[st.ensemble] = {
                "draws": st.draws,
                "max_deviation_in_tolerances": self.deviations[st.ensemble],
                **{key: summary(getattr(st, key)) for key in ("q", "c", "grad")},
            }
        out["jacobian"] = {sp.ensemble: sp.to_dict() for sp in self.spectra} or None
        return out


@dataclass(frozen=True)
class Gains:
    """Three gains side by side (none of them changes a default)."""

    variance_preserving: float  # 1/√E[φ(z)²], He's sense
    family: float  # the course's, used by gain: auto
    family_name: str
    torch: float | None  # torch.nn.init.calculate_gain, None if it has none


@dataclass(frozen=True)
class SignalResult:
    """What :func:`signal_propagation` computed and where it wrote it."""

    setup: Setup
    theory: TheoryCurves
    gains: Gains
    networks: Networks | None = None
    trainability: Trainability | None = None
    scan: MeanFieldGrid | None = None  # 6 ξ_c over the sweep's σ_w² range
    folder: Path | None = None

    @property
    def figures(self) -> tuple[str, ...]:
        nets = self.networks
        return (
            THEORY_FIGURES
            + (("networks",) if nets else ())
            + (("jacobian",) if nets and nets.spectra else ())
            + (("trainability",) if self.trainability else ())
        )

    @property
    def point(self) -> Any:
        return self.theory.point

    @property
    def notes(self) -> tuple[str, ...]:
        out = list(self.point.notes)
        if self.theory.critical.note:
            out.append(f"critical σ_w²: {self.theory.critical.note}")
        return tuple(out)

    def table(self) -> list[tuple[str, str, str]]:
        """(quantity, value, meaning) rows, as the terminal shows them."""
        p, crit, g = self.point, self.theory.critical, self.gains
        crit_text = "none" if crit.sigma_w2 is None else _num(crit.sigma_w2)
        return [
            ("q*", _q_text(p), "fixed point of the length map q → Q(q)"),
            ("χ₁", _num(p.chi1), f"slope of C at c = 1 ({p.phase})"),
            ("c*", _num(p.c_star), "stable fixed point of the correlation map"),
            ("C′(c*)", _num(p.chi_c), "slope of the correlation map there"),
            ("ξ_q", _num(p.xi_q), "depth scale of lengths, −1/log Q′(q*)"),
            ("ξ_c", _num(p.xi_c), "depth scale of correlations, −1/log C′(c*)"),
            ("6 ξ_c", _num(6 * p.xi_c), "trainable depth (Schoenholz et al.)"),
            ("backward", _num(p.backward), "σ_w² E[f′²]: gradient² factor per layer"),
            ("critical σ_w²", crit_text, f"χ₁ = 1 at σ_b² = {crit.sigma_b2:g}"),
            ("gain (variance)", _num(g.variance_preserving), "1/√E[φ(z)²] (He)"),
            ("gain (family)", _num(g.family), f"course: family {g.family_name}"),
            ("gain (torch)", "—" if g.torch is None else _num(g.torch),
             "torch.nn.init.calculate_gain"),
        ]  # fmt: skip

    def _trainability_dict(self) -> dict[str, Any] | None:
        if self.trainability is None or self.scan is None:
            return None
        return {
            **self.trainability.to_dict(),
            "theory": {"sigma_w2": self.scan.sigma_w2, "xi_c": self.scan.xi_c},
        }

    def to_dict(self) -> dict[str, Any]:
        s, crit = self.setup, self.theory.critical
        return {
            "nnexp_version": __version__,
            "activation": s.label,
            "spec": s.spec,
            "sigma_w2": s.variances.sigma_w2,
            "sigma_w2_origin": s.origin,
            "sigma_b2": s.variances.sigma_b2,
            "layer_sigma_w2": list(s.layer_sigma_w2) or None,
            "depth": s.depth,
            "width": s.width,
            "q0": s.q0,
            "q1": s.q1,
            "theory": self.point.to_dict(),
            "critical": {"sigma_b2": crit.sigma_b2, "sigma_w2": crit.sigma_w2},
            "gains": {
                "variance_preserving": self.gains.variance_preserving,
                "family": self.gains.family,
                "family_name": self.gains.family_name,
                "torch": self.gains.torch,
            },
            "notes": list(self.notes),
            "networks": None if self.networks is None else self.networks.to_dict(),
            "trainability": self._trainability_dict(),
            "figures": [f"plots/{name}.png" for name in self.figures],
        }


def json_ready(obj: Any) -> Any:
    """``obj`` with every non-finite float (and NumPy scalar or array) as JSON
    allows: NaN and ±inf become None."""
    if isinstance(obj, Mapping):
        return {str(k): json_ready(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_ready(v) for v in obj]
    if hasattr(obj, "tolist"):
        return json_ready(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _num(x: float) -> str:
    if math.isinf(x):
        return "∞"
    return f"{x:.6g}"


def _q_text(p: Any) -> str:
    return {"grows": "none (∞)", "fades": "0", "kept": f"{p.q_star:g} (every q)"}.get(
        p.q_status, _num(p.q_star)
    )


def signal_propagation(
    source: Any,
    *,
    sigma_w2: float | str | None = None,
    sigma_b2: float | None = None,
    depth: int | None = None,
    width: int | None = None,
    q0: float | None = None,
    label: str | None = None,
    grid: tuple[int, int] = GRID,
    draws: int = DRAWS,
    seed: int = 0,
    trainability: Trainability | None = None,
    runs_dir: str | Path = "runs",
    out: str | Path | None = None,
    write: bool = True,
) -> SignalResult:
    """Mean-field theory of ``source`` and its folder (see the module docstring).

    ``source`` is an activation (a registry name, a ``{name: ..., k: ...}`` mapping,
    a plugin ``file.py:Class``, an activation object) or the path of a run spec
    (``.yaml``/``.yml``), whose activation, initialiser, depth and width decide
    everything: then σ_w², σ_b², depth, width and q0 must not be given.  ``draws``
    random networks per weight ensemble (0: none) are drawn from ``seed``.
    ``trainability``, a trainability sweep's grid
    (:func:`~nnexp.signal.trainability.trainability_grid`), adds its figure.  ``out``
    (new or empty) replaces the fresh ``<runs_dir>/<stamp>_signal_<name>``;
    ``write=False`` computes without writing.
    """
    check_grid(grid)
    if not (isinstance(draws, int) and (draws == 0 or draws >= 2)):
        raise NnexpError(
            f"--draws {draws!r}: expected 0 (no random networks) or at least 2 (their"
            " spread gives the bands and standard errors)"
        )
    if write and out is not None:
        _check_out(Path(out))
    setup = _setup(source, sigma_w2, sigma_b2, depth, width, q0, label)
    if trainability is not None:
        check_matches(trainability, setup)
    theory = theory_curves(setup, grid)
    fam = family_of(setup.activation)
    gains = Gains(
        variance_preserving_gain(setup.profile),
        fam.gain,
        str(fam.value),
        torch_gain(setup.name, setup.activation),
    )
    networks = _networks(setup, draws, seed, theory.point.q_star) if draws else None
    scan = None
    if trainability is not None:
        ws = np.linspace(trainability.sigma_w2[0], trainability.sigma_w2[-1], 60)
        bs = np.full(ws.size, setup.variances.sigma_b2)
        scan = mean_field_grid(setup.profile, VarianceGrid(ws, bs), setup.q1)
    result = SignalResult(setup, theory, gains, networks, trainability, scan)
    if not write:
        return result
    folder = _folder(f"signal_{setup.label}", Path(runs_dir), out)
    write_folder(result, folder)
    return replace(result, folder=folder)


def _networks(setup: Setup, draws: int, seed: int, q_star: float) -> Networks:
    theory = theory_layers(setup)
    rng = np.random.default_rng(seed)
    stats = tuple(
        sample_networks(setup, e, draws=draws, rng=rng) for e in ensembles(setup)
    )
    devs = {st.ensemble: deviations(theory, st, setup.width) for st in stats}
    at_q_star = start_at_fixed_point(setup, q_star)
    flat = setup.profile.flat  # f′ = 0: the Jacobian is 0
    spectra = () if flat else jacobian_spectra(at_q_star, draws=draws, rng=rng)
    return Networks(theory, stats, devs, tuple(spectra))


def _setup(
    source: Any,
    sigma_w2: float | str | None,
    sigma_b2: float | None,
    depth: int | None,
    width: int | None,
    q0: float | None,
    label: str | None,
) -> Setup:
    if _is_spec(source):
        given = {
            "sigma_w2": sigma_w2,
            "sigma_b2": sigma_b2,
            "depth": depth,
            "width": width,
            "q0": q0,
        }
        extra = [k for k, value in given.items() if value is not None]
        if extra:
            raise NnexpError(
                f"{source}: a spec decides {', '.join(extra)} (its initialiser, hidden"
                " layers and width); give an activation instead of the spec to"
                " choose them, or change the spec."
            )
        return spec_setup(Path(source))
    return activation_setup(
        source,
        label=label,
        sigma_w2=CRITICAL if sigma_w2 is None else sigma_w2,
        sigma_b2=SIGMA_B2 if sigma_b2 is None else sigma_b2,
        depth=DEPTH if depth is None else depth,
        width=WIDTH if width is None else width,
        q0=Q0 if q0 is None else q0,
    )


def _is_spec(source: Any) -> bool:
    if isinstance(source, Mapping) or not isinstance(source, str | Path):
        return False
    return Path(source).suffix.lower() in (".yaml", ".yml")


def write_folder(result: SignalResult, folder: Path) -> dict[str, Path]:
    """signal.json and plots/ into ``folder`` (which must exist)."""
    plots = folder / "plots"
    plots.mkdir(exist_ok=True)
    draw = {
        "length_map": length_map_figure,
        "correlation_map": correlation_map_figure,
        "phase": phase_figure,
        "depth_scales": depth_scale_figure,
    }
    paths = {"json": folder / JSON_FILE}
    atomic_write_json(paths["json"], json_ready(result.to_dict()))
    for name in THEORY_FIGURES:
        paths[name] = save_figure(draw[name](result.theory), plots / f"{name}.png")
    nets = result.networks
    if nets is not None:
        fig = networks_figure(result.setup, nets.theory, nets.stats, nets.deviations)
        paths["networks"] = save_figure(fig, plots / "networks.png")
        if nets.spectra:
            fig = jacobian_figure(result.setup, nets.spectra)
            paths["jacobian"] = save_figure(fig, plots / "jacobian.png")
    if result.trainability is not None and result.scan is not None:
        crit = result.theory.critical.sigma_w2
        fig = trainability_figure(result.setup, result.trainability,
                                  result.scan.sigma_w2, result.scan.xi_c, crit)  # fmt: skip
        paths["trainability"] = save_figure(fig, plots / "trainability.png")
    return paths


def _check_out(path: Path) -> Path:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise RunError(
            f"-o {path}: exists and is not an empty folder; choose a new folder or"
            " leave -o out"
        )
    return path


def _folder(name: str, runs_dir: Path, out: str | Path | None) -> Path:
    """``out`` (created; an existing one must be empty), else a fresh folder."""
    if out is None:
        return new_run_dir(runs_dir, name)
    path = _check_out(Path(out))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RunError(f"-o {path}: cannot create the folder: {err.strerror}") from err
    return path
