"""Where a sweep comes from: a sweep file, a run spec file, a mapping, and the
command line's ``--grid``/``--zip``/``--seeds`` values.

Command-line values are split on commas outside brackets, braces, parentheses and
quotes, and each is read as YAML
(``--grid "model.layers=[784, 32, 10],[784, 128, 10]"``);
``name(a, b)`` for a distribution (``--grid "optimizer.lr=log_uniform(1e-4, 1e-1)"``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from nnexp.errors import SpecError
from nnexp.spec.sweep import (
    KEY_PATTERN,
    SweepSource,
    is_sweep_mapping,
    read_source,
    validate_sweep,
)
from nnexp.spec.yamlio import parse_yaml

_DIST_CALL = re.compile(r"^\s*(uniform|log_uniform|int|choice)\s*\((.*)\)\s*$", re.S)
_OPEN, _CLOSE = "[{(", "]})"


def split_values(text: str) -> list[str]:
    """Split ``"relu,tanh"`` on commas outside brackets, braces, parentheses and quotes:
    ``"[784, 32, 10],[784, 64, 10]"`` gives two lists."""
    parts, depth, quote, current = [], 0, "", []
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts]


def parse_option(text: str, option: str) -> tuple[str, Any]:
    """``"model.activation=relu,tanh"`` → ``("model.activation", ["relu", "tanh"])``;
    ``"optimizer.lr=log_uniform(1e-4, 1e-1)"`` → the distribution's mapping."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    where = f"{option} {text}"
    if not sep or not key:
        raise SpecError(
            [
                (
                    option,
                    "expected key=value1,value2,... (e.g. model.activation=relu,tanh),"
                    f" got {text!r}",
                )
            ]
        )
    if not KEY_PATTERN.match(key):
        raise SpecError(
            [
                (
                    option,
                    f"{key!r} is not a dotted key such as model.activation"
                    f" (in {text!r})",
                )
            ]
        )
    call = _DIST_CALL.match(raw)
    if call:
        args = [_parse_value(v, where) for v in split_values(call.group(2))]
        return key, {call.group(1): args}
    pieces = split_values(raw)
    if any(not p for p in pieces):
        raise SpecError(
            [(option, f"an empty value in {text!r}; separate values by single commas")]
        )
    return key, [_parse_value(p, where) for p in pieces]


def _parse_value(raw: str, where: str) -> Any:
    return parse_yaml(raw, source=f"the value {raw!r} of {where}")


def parse_seeds(text: str) -> int | list[int]:
    """``--seeds 3`` (seeds 0, 1, 2) or ``--seeds 0,5,7``."""
    pieces = split_values(text)
    try:
        values = [int(p) for p in pieces]
    except ValueError:
        raise SpecError(
            [
                (
                    "--seeds",
                    f"expected a count (3) or a list of seeds (0,5,7), got {text!r}",
                )
            ]
        ) from None
    return values[0] if len(values) == 1 and "," not in text else values


def build_source(
    source: str | Path | Mapping[str, Any],
    *,
    grid: Mapping[str, Any] | None = None,
    zip: Mapping[str, Any] | None = None,  # noqa: A002 (the spec's key)
    seeds: int | Sequence[int] | None = None,
    sample: int | None = None,
    sample_seed: int | None = None,
    max_trials: int | None = None,
    name: str | None = None,
    overrides: Sequence[str] = (),
) -> SweepSource:
    """A sweep from a sweep file, a run spec file (the base) or a mapping, with the
    command line's additions: ``grid`` entries add to (or replace) the file's,
    ``zip`` is one more group, ``overrides`` follow the file's, the rest replace."""
    if isinstance(source, Mapping):
        data, folder, path, label = dict(source), Path.cwd(), None, None
        if not is_sweep_mapping(data):  # an inline run spec: the base
            data = {"base": data}
    else:
        file = Path(source).expanduser().resolve()
        data, is_sweep = read_source(file)
        folder, path, label = file.parent, (file if is_sweep else None), str(source)
        if not is_sweep:  # a run spec file: the base
            data = {"base": str(file)}
    given = {
        "seeds": seeds,
        "sample": sample,
        "sample_seed": sample_seed,
        "max_trials": max_trials,
        "name": name,
    }
    data = _merged(data, grid, zip, overrides, given, label)
    return SweepSource(validate_sweep(data, source=label), folder, path)


def _merged(
    data: dict[str, Any],
    grid: Mapping[str, Any] | None,
    zip: Mapping[str, Any] | None,
    overrides: Sequence[str],
    given: Mapping[str, Any],
    label: str | None,
) -> dict[str, Any]:
    """The file's sweep with the command line's additions (see :func:`build_source`)."""
    data = dict(data)
    if grid:
        data["grid"] = {**_mapping(data.get("grid"), "grid", label), **grid}
    if zip:
        groups = data.get("zip") or []
        groups = (
            [groups] if isinstance(groups, Mapping) else _list(groups, "zip", label)
        )
        data["zip"] = [*groups, dict(zip)]
    if overrides:
        data["overrides"] = [
            *_list(data.get("overrides") or [], "overrides", label),
            *overrides,
        ]
    data.update(
        {
            k: (list(v) if isinstance(v, tuple) else v)
            for k, v in given.items()
            if v is not None
        }
    )
    return data


def _mapping(value: Any, key: str, label: str | None) -> Mapping[str, Any]:
    if value is None or isinstance(value, Mapping):
        return value or {}
    raise SpecError(
        [(key, f"expected a mapping of dotted keys to values, got {value!r}")], label
    )


def _list(value: Any, key: str, label: str | None) -> list[Any]:
    if isinstance(value, list):
        return value
    raise SpecError([(key, f"expected a list, got {value!r}")], label)


def source_from_options(
    spec: str | Path,
    *,
    grid: Sequence[str] | None = None,
    zip: Sequence[str] | None = None,  # noqa: A002 (the spec's key)
    seeds: str | None = None,
    sample: int | None = None,
    sample_seed: int | None = None,
    max_trials: int | None = None,
    name: str | None = None,
    overrides: Sequence[str] = (),
) -> SweepSource:
    """:func:`build_source` from the command line's strings (``--grid K=V1,V2`` …)."""
    return build_source(
        spec,
        grid=_options(grid, "--grid"),
        zip=_options(zip, "--zip"),
        seeds=parse_seeds(seeds) if seeds else None,
        sample=sample,
        sample_seed=sample_seed,
        max_trials=max_trials,
        name=name,
        overrides=overrides,
    )


def _options(values: Sequence[str] | None, option: str) -> dict[str, Any] | None:
    if not values:
        return None
    out: dict[str, Any] = {}
    for text in values:
        key, parsed = parse_option(text, option)
        if key in out:
            raise SpecError(
                [(option, f"{key} is given twice; give all its values in one {option}")]
            )
        out[key] = parsed
    return out
