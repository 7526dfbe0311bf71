"""Names for runs taken from the settings that differ between them, never from folders.

A run's ``config.yaml`` is flattened to dotted keys (``optimizer.lr``); the keys whose
values differ between the runs label them: ``activation=tanh, optimizer=adam``.  A key
is shown by its last part (``optimizer.lr`` → ``lr``), a component name by the
component (``model.activation.name`` → ``activation``), and by more of its parts only
where two keys would otherwise look alike (``activation.k`` and
``output_activation.k``).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any

import yaml

from nnexp.errors import RunError
from nnexp.spec.load import PATH_KEYS


class _Missing:
    """The value of a key a run does not have (another component's parameter)."""

    def __repr__(self) -> str:
        return "—"


MISSING: Any = _Missing()
#: Keys that never distinguish runs: the run's own name and where its files went.
IGNORED_KEYS = frozenset({"name", "description"})
IGNORED_PREFIXES = ("output.",)


def flatten(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings as one level of dotted keys; lists and scalars are values.

    ``{"optimizer": {"name": "sgd", "lr": 0.1}}`` → ``{"optimizer.name": "sgd",
    "optimizer.lr": 0.1}``.  An empty mapping stays a value (``{}``).
    """
    flat: dict[str, Any] = {}
    for key, value in config.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def flatten_configs(configs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Flatten every config and spell components alike in all of them.

    A component without parameters may be written as a bare name (``loss: mse``) in
    one config and as a mapping (``loss: {name: huber, delta: 1}``) in another; the
    bare name becomes ``loss.name`` so that the two compare key by key.
    """
    flats = [flatten(c) for c in configs]
    components = {k[: -len(".name")] for f in flats for k in f if k.endswith(".name")}
    return [
        {
            (
                f"{k}.name" if k in components and isinstance(v, str) else k
            ): v  # order kept
            for k, v in flat.items()
        }
        for flat in flats
    ]


def _canon(value: Any) -> str:
    """A comparable text for any YAML value (lists and mappings included)."""
    if value is MISSING:
        return "\0missing"
    return json.dumps(value, sort_keys=True, default=str)


def differing_keys(flats: Sequence[Mapping[str, Any]]) -> list[str]:
    """Dotted keys whose value is not the same in every run, in config order
    (``seed`` last).

    The run name, the description and ``output.*`` are left out.  A parameter that
    only some runs have because their component differs (``optimizer.momentum`` of
    sgd next to adam) is left out too, unless it differs between runs of the same
    component (sgd with and without momentum next to adam): ``activation.alpha`` of
    leaky_relu (0.01) next to elu (1.0) and relu is each component's default, not a
    difference.
    """
    order = list(dict.fromkeys(k for f in flats for k in f))
    order.sort(key=lambda k: k == "seed")  # the replicate index reads best last
    keys = [
        k for k in order if k not in IGNORED_KEYS and not k.startswith(IGNORED_PREFIXES)
    ]
    out = []
    for key in keys:
        present = [_canon(f[key]) for f in flats if key in f]
        if len(present) == len(flats):
            if len(set(present)) > 1:
                out.append(key)
        elif not _implied_by_component(key, flats) or _varies_within_component(
            key, flats
        ):
            out.append(key)
    return out


def _implied_by_component(key: str, flats: Sequence[Mapping[str, Any]]) -> bool:
    """True when ``key`` is a parameter of a component whose name differs."""
    parent = key.rpartition(".")[0]
    names = {_canon(f.get(f"{parent}.name", MISSING)) for f in flats}
    return bool(parent) and len(names) > 1


def _varies_within_component(key: str, flats: Sequence[Mapping[str, Any]]) -> bool:
    """True when ``key`` takes two values among runs of one and the same component."""
    name = f"{key.rpartition('.')[0]}.name"
    seen: dict[str, set[str]] = {}
    for flat in flats:
        if key in flat:
            seen.setdefault(_canon(flat.get(name, MISSING)), set()).add(
                _canon(flat[key])
            )
    return any(len(values) > 1 for values in seen.values())


def _candidates(key: str) -> list[str]:
    """Ever longer display names of ``key``, the full dotted key last."""
    parts = key.split(".")
    if len(parts) > 1 and parts[-1] == "name":
        parts = parts[:-1]  # a component is named by its role: optimizer=adam
    names = [".".join(parts[-depth:]) for depth in range(1, len(parts) + 1)]
    return list(dict.fromkeys([*names, key]))


def short_names(keys: Sequence[str]) -> dict[str, str]:
    """The shortest display name of each key that no other key shares.

    ``["model.activation.name", "optimizer.name", "optimizer.lr"]`` →
    ``{..: "activation", ..: "optimizer", ..: "lr"}``.
    """
    options = {k: _candidates(k) for k in keys}
    level = dict.fromkeys(keys, 0)
    while True:
        chosen = {k: options[k][level[k]] for k in keys}
        groups: dict[str, list[str]] = {}
        for key, name in chosen.items():
            groups.setdefault(name, []).append(key)
        grown = False
        for members in groups.values():
            if len(members) < 2:
                continue
            for key in members:
                if level[key] + 1 < len(options[key]):
                    level[key] += 1
                    grown = True
        if not grown:
            return chosen


def format_value(value: Any) -> str:
    """A setting as a user would write it in YAML: ``0.01``, ``true``, ``[784, 10]``."""
    if value is MISSING:
        return "—"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list | dict):
        text = yaml.safe_dump(
            value, default_flow_style=True, sort_keys=False, width=10**6
        )
        return text.strip()
    return str(value)


def label_value(key: str, value: Any) -> str:
    """A setting as a label shows it: as :func:`format_value` writes it, but a path
    by its last part (``training.continue_from: /tmp/runs/2026-…_tanh`` →
    ``2026-…_tanh``) and a plugin file by its file name (``/tmp/x/my_acts.py:Isru`` →
    ``my_acts.py:Isru``), a weights file by its run folder and name
    (``…/2026-…_tanh/model.npz`` → ``2026-…_tanh/model.npz``): the long folders
    would fill the legend and tell the runs apart no better."""
    if isinstance(value, str):
        last = key.rpartition(".")[2]
        module, _, attr = value.rpartition(":")
        if last in PATH_KEYS or last.endswith("_path"):
            path = PurePath(value)
            if path.suffix == ".npz" and path.parent.name:  # a run's model.npz
                return f"{path.parent.name}/{path.name}"
            return path.name or value
        if module.endswith(".py") and attr:
            return f"{PurePath(module).name}:{attr}"
    return format_value(value)


def value_labels(key: str, values: Sequence[Any]) -> list[str]:
    """How each of ``values`` of the setting ``key`` reads in a label, the setting's
    own name left out: by what differs between them, as :func:`label_runs` tells runs
    apart.  A component (a sweep's ``model.activation: [tanh, {name:
    my_acts.py:Isru, a: 0.5}]``) reads as its name (``my_acts.py:Isru``), followed by
    its parameters where they differ between values of one component
    (``my_acts.py:Isru, a=0.5``)."""
    flats = flatten_configs([{key: v} for v in values])
    keys = differing_keys(flats) or list(dict.fromkeys(k for f in flats for k in f))
    own = {key, f"{key}.name"}
    if set(keys) - own and f"{key}.name" not in keys:  # a parameter: say whose
        keys.insert(0, f"{key}.name")
    rest = short_names([k for k in keys if k not in own])
    return [
        ", ".join(
            label_value(k, f[k]) if k in own else f"{rest[k]}={label_value(k, f[k])}"
            for k in keys
            if k in f
        )
        for f in flats
    ]


def shared_loss(configs: Sequence[Mapping[str, Any]]) -> str | None:
    """The loss every config trains with, for the loss axis's label
    (``loss (cross-entropy)``), or None when they differ."""
    names = set()
    for config in configs:
        loss = config.get("loss")
        names.add(loss.get("name") if isinstance(loss, Mapping) else loss)
    return str(names.pop()) if len(names) == 1 and None not in names else None


def run_label(
    flat: Mapping[str, Any], keys: Sequence[str], names: Mapping[str, str]
) -> str:
    """``"activation=tanh, optimizer=adam"``: the run's values of ``keys`` (each as
    :func:`label_value` shows it).

    A key the run does not have (a parameter of another run's component) is skipped.
    """
    return ", ".join(f"{names[k]}={label_value(k, flat[k])}" for k in keys if k in flat)


def label_runs(configs: Sequence[Mapping[str, Any]]) -> list[str]:
    """One unique legend label per run from the settings that differ.

    Runs with the same settings (a spec trained twice with one seed) are told apart
    by ``#1``, ``#2`` …; a single run, or runs differing in nothing but their name,
    are labelled by the spec's ``name``.
    """
    flats = flatten_configs(configs)
    keys = differing_keys(flats)
    names = short_names(keys)
    labels = [run_label(f, keys, names) for f in flats]
    if not keys:
        labels = [str(c.get("name") or "run") for c in configs]
    return number_duplicates(labels)


def number_duplicates(labels: Sequence[str]) -> list[str]:
    """Append `` #1``, `` #2`` … to labels that occur more than once."""
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        if counts[label] > 1:
            seen[label] = seen.get(label, 0) + 1
            label = f"{label} #{seen[label]}"
        out.append(label)
    return out


def _close_names(key: str, known: Sequence[str], n: int = 3) -> list[str]:
    """Names close to a mistyped ``key`` that :func:`resolve_key` accepts, the short
    ones first: ``activatoin`` → ``activation`` (the component), not
    ``model.activation.k`` (one of its parameters)."""
    keys_of: dict[str, set[str]] = {}
    for full in known:
        for name in _candidates(full):
            keys_of.setdefault(name, set()).add(full)
    # a short name two keys share (``k``) would be refused as ambiguous
    names = [name for name, keys in keys_of.items() if len(keys) == 1 or name in known]
    close = difflib.get_close_matches(key, names, n=3 * n, cutoff=0.6)
    out: list[str] = []
    seen: set[str] = set()
    for name in close:  # best first; one name per key, the first (shortest) found
        full = min(keys_of[name]) if len(keys_of[name]) == 1 else name
        if full not in seen:
            seen.add(full)
            out.append(name)
    return out[:n]


def resolve_key(key: str, flats: Sequence[Mapping[str, Any]]) -> str:
    """The dotted key that ``key`` names: itself, or a key it is the short name of.

    ``activation`` finds ``model.activation.name`` (or ``model.activation`` when the
    runs wrote it as a bare name), ``lr`` finds ``optimizer.lr``.

    Raises
    ------
    RunError
        When no run has such a key (close matches and the differing keys are listed)
        or when the short name fits several keys (they are listed).
    """
    known = list(dict.fromkeys(k for f in flats for k in f))
    if key in known:
        return key
    if f"{key}.name" in known:
        return f"{key}.name"
    matches = [k for k in known if key in _candidates(k)]
    differing = differing_keys(flats)
    if len(matches) > 1:  # prefer the one setting that actually varies
        matches = [k for k in matches if k in differing] or matches
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise RunError(
            f"the key '{key}' is ambiguous: it could be {', '.join(matches)}; "
            "give the full dotted key."
        )
    close = _close_names(key, known)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise RunError(
        f"no run has the setting '{key}'.{hint} Settings that differ between these "
        f"runs: {', '.join(differing) or 'none (the runs have the same settings)'}."
    )
