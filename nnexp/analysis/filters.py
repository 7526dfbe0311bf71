"""Keep the runs whose config matches ``key=value`` filters and a status.

``nnexp runs --filter key=value`` keeps runs whose ``config.yaml`` has that value at
the dotted key, or at the key a short name stands for as in ``compare --by``
(``activation``, ``lr``); a component matches by its name (``optimizer=adam``, any
spelling); ``--status`` keeps one status.  In a notebook::

    from nnexp.analysis.filters import filter_runs
    kept = filter_runs(runs, ["optimizer=adam", "lr=0.1"], status="completed")
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

import yaml

from nnexp.analysis.labels import MISSING, flatten_configs, resolve_key
from nnexp.errors import NnexpError, RunError
from nnexp.registry import normalize_name
from nnexp.runs.reader import Run

STATUSES = ("running", "completed", "diverged", "interrupted", "failed")
_MISSING = object()


def filter_runs(
    runs: Sequence[Run], filters: Sequence[str] = (), status: str | None = None
) -> list[Run]:
    """The runs passing every ``key=value`` filter and, if given, of ``status``.

    Raises NnexpError for an unknown status, a filter that is not ``key=value``, or
    a key that no run has (a typo)."""
    check_status(status)
    return select(list(runs), parse_filters(list(filters)), status)


def check_status(status: str | None) -> None:
    """A status to filter by must be one of :data:`STATUSES` (or ``unreadable``)."""
    if status is not None and status not in (*STATUSES, "unreadable"):
        close = difflib.get_close_matches(status, STATUSES, n=2)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise NnexpError(
            f"--status {status!r}: expected one of {', '.join(STATUSES)}.{hint}"
        )


def lookup(config: Any, key: str) -> Any:
    """The value at a dotted key (list items by index), or ``_MISSING``."""
    node = config
    for part in key.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def matches(value: Any, wanted: Any) -> bool:
    """Filter equality: components by name (any spelling), numbers by value."""
    if isinstance(value, dict) and "name" in value and isinstance(wanted, str):
        value = value["name"]
    if isinstance(value, str) and isinstance(wanted, str):
        return normalize_name(value) == normalize_name(wanted)
    if isinstance(value, int | float) and isinstance(wanted, int | float):
        return (
            not isinstance(value, bool)
            and not isinstance(wanted, bool)
            and value == wanted
        )
    return value == wanted


def parse_filters(filters: list[str]) -> list[tuple[str, Any]]:
    """``["model.activation=relu", "optimizer.lr=0.1"]`` → ``[(key, value), …]``."""
    out = []
    for text in filters:
        key, sep, raw = text.partition("=")
        if not sep or not key.strip():
            raise NnexpError(
                f"--filter {text!r}: expected key=value with a dotted config key,"
                " e.g. --filter model.activation=relu"
            )
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        out.append((key.strip(), value))
    return out


def _flat_keys(config: Any, prefix: str = "") -> list[str]:
    if not isinstance(config, dict):
        return []
    keys = []
    for k, v in config.items():
        keys.append(f"{prefix}{k}")
        keys.extend(_flat_keys(v, f"{prefix}{k}."))
    return keys


def select(
    runs: list[Run], filters: list[tuple[str, Any]], status: str | None
) -> list[Run]:
    """Runs passing every filter; a key that no run has is an error (a typo).

    A key no config has as written is looked up as ``compare --by`` does
    (:func:`nnexp.analysis.labels.resolve_key`): ``activation`` stands for
    ``model.activation``, ``lr`` for ``optimizer.lr``."""
    flats = flatten_configs([r.config for r in runs])
    kept = list(runs)
    for key, wanted in filters:
        values = [lookup(r.config, key) for r in runs]
        if runs and all(v is _MISSING for v in values):
            dotted = _resolve(key, runs, flats)
            values = [f.get(dotted, MISSING) for f in flats]
        passing = {
            id(r) for r, v in zip(runs, values, strict=True) if matches(v, wanted)
        }
        kept = [r for r in kept if id(r) in passing]
    return [r for r in kept if status is None or r.status == status]


def _resolve(key: str, runs: list[Run], flats: list[dict[str, Any]]) -> str:
    """The dotted key a short name stands for, or an error listing close keys."""
    try:
        return resolve_key(key, flats)
    except RunError as err:
        if "ambiguous" in str(err):
            raise NnexpError(f"--filter {key}: {err}") from None
    known = sorted({k for r in runs for k in _flat_keys(r.config)})
    close = difflib.get_close_matches(key, known, n=3)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise NnexpError(f"--filter {key}: no run has this config key.{hint}")
