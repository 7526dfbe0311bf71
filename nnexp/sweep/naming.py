"""Cell names and values as text.

A cell is named by its varied values, ``activation=tanh,name=adam,seed=1``: the last
part of each dotted key, the full key where two last parts clash, and characters that
are unsafe in file names replaced by ``_``.  Values are written compactly in names
(``784-32-10``) and as one line of YAML in overrides (read back by the spec loader to
the same value).

This spelling is for folders only, and stays as it is so that existing sweeps resume:
what users read in figures and tables is labelled by :mod:`nnexp.analysis.labels`
(``optimizer.name`` → ``optimizer``, a plugin by its file name).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from nnexp.runs.layout import UNSAFE
from nnexp.spec.yamlio import SpecLoader

#: longest cell name; longer ones keep a prefix and a hash of the whole name
MAX_NAME = 120


class _Dumper(yaml.SafeDumper):
    """Quotes strings the spec loader would read as something else (``1e-3``)."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    tag = SpecLoader.resolve(SpecLoader, yaml.ScalarNode, value, (True, False))
    style = "'" if tag != "tag:yaml.org,2002:str" else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def yaml_text(value: Any) -> str:
    """A value as one line of YAML that the spec loader reads back to the same value."""
    text = yaml.dump(
        value,
        Dumper=_Dumper,
        default_flow_style=True,
        width=math.inf,
        allow_unicode=True,
        sort_keys=False,
    )
    text = text.strip()
    return (
        text[:-3].strip() if text.endswith("\n...") or text.endswith(" ...") else text
    )


def value_text(value: Any) -> str:
    """A compact label: ``tanh``, ``0.001``, ``784-32-10`` for a list, ``adam_lr-0.01``
    for a component mapping."""
    if isinstance(value, bool) or value is None:
        return yaml_text(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "-".join(value_text(v) for v in value) or "[]"
    if isinstance(value, Mapping):
        head = [value_text(value["name"])] if "name" in value else []
        rest = [f"{k}-{value_text(v)}" for k, v in value.items() if k != "name"]
        return "_".join(head + rest) or "{}"
    return str(value)


def safe_part(text: str) -> str:
    """``text`` with characters unsafe in file names replaced by ``_``."""
    return UNSAFE.sub("_", text) or "_"


def short_keys(keys: Sequence[str]) -> dict[str, str]:
    """For cell folder names: the last part of each dotted key, or the full key where last parts clash (a
    numeric last part, a list index, keeps its parent: ``model.dropout.1`` →
    ``dropout.1``)."""

    def last(key: str) -> str:
        parts = key.split(".")
        return (
            ".".join(parts[-2:])
            if parts[-1].isdigit() and len(parts) > 1
            else parts[-1]
        )

    counts: dict[str, int] = {}
    for k in keys:
        counts[last(k)] = counts.get(last(k), 0) + 1
    return {k: last(k) if counts[last(k)] == 1 else k for k in keys}


def cell_names(
    keys: Sequence[str],
    trials: Sequence[Mapping[str, tuple[Any, str]]],
    seeds: Sequence[int] | None,
) -> list[str]:
    """Unique, file-name-safe names, seed by seed, trial by trial."""
    short = short_keys(keys)
    names, used = [], set()
    for seed in seeds if seeds is not None else [None]:
        for trial in trials:
            parts = [f"{short[k]}={label}" for k, (_, label) in trial.items()]
            if seed is not None:
                parts.append(f"{short['seed']}={seed}")
            name = _fit(safe_part(",".join(parts)))
            unique, i = name, 2
            while unique in used:
                unique, i = f"{name}-{i}", i + 1
            used.add(unique)
            names.append(unique)
    return names


def _fit(name: str) -> str:
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:10]
    return f"{name[: MAX_NAME - 11]}~{digest}".replace("~", "-")
