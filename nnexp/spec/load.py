"""Read a spec: YAML → ``extends`` → overrides → validation → :class:`RunSpec`.

* YAML syntax errors name the file, line and column; duplicate keys are errors too
  (:mod:`nnexp.spec.yamlio`).
* ``extends: base.yaml`` (or a list of files, later ones winning) inherits other specs,
  relative to the extending file's folder, recursively.  Mappings merge key by key;
  lists and scalars replace.  A component mapping naming a *different* component than
  the base's replaces it instead of merging (``{name: adam}`` over ``{name: sgd,
  momentum: 0.9}`` gives adam, not adam with sgd's momentum).  Cycles are an error
  naming the chain.
* Overrides ``key.sub=value`` (the command line's) are parsed as YAML and replace what
  was there, lists included; ``optimizer=adam`` replaces the whole component while
  ``optimizer.name=adam`` keeps its other keys (docs/maths.md §8); ``optimizer.0.lr=0.1`` sets
  an item of a per-layer list.  ``set_values`` (``{"seed": 3}``, for flags such as
  ``--seed``) are applied the same way after the overrides, values taken as given.

Every problem is raised at once as one :class:`~nnexp.errors.SpecError`.
"""

from __future__ import annotations

import copy
import difflib
import os
import re
import weakref
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from nnexp.errors import SpecError
from nnexp.registry import normalize_name
from nnexp.spec.models import (
    RunSpec,
)
from nnexp.spec.problems import Problems, dedupe, model_at
from nnexp.spec.yamlio import as_mapping, parse_yaml, read_yaml_file

Source = str | os.PathLike[str] | Mapping[str, Any]


# extends ----------------------------------------------------------------------


def merge(base: Any, child: Any, *, top: bool = True) -> Any:
    """``child`` over ``base``: mappings merge key by key, anything else replaces.

    ``top`` marks the spec itself, whose ``name`` is the run's, not a component's.
    """
    if isinstance(base, str) and isinstance(child, Mapping) and "name" not in child:
        base = {"name": base}  # `optimizer: sgd` extended by `optimizer: {lr: 0.1}`
    if not (isinstance(base, Mapping) and isinstance(child, Mapping)):
        return copy.deepcopy(child)
    if not top and _names_differ(base, child):
        return copy.deepcopy(child)
    out = dict(base)
    for key, value in child.items():
        if key in base:
            out[key] = merge(base[key], value, top=False)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _names_differ(base: Mapping[str, Any], child: Mapping[str, Any]) -> bool:
    a, b = base.get("name"), child.get("name")
    return (
        isinstance(a, str)
        and isinstance(b, str)
        and normalize_name(a) != normalize_name(b)
    )


def resolve_extends(
    data: dict[str, Any], base_dir: Path, chain: Sequence[Path] = ()
) -> dict[str, Any]:
    """``data`` with its ``extends`` files merged underneath, recursively."""
    data = dict(data)
    ext = data.pop("extends", None)
    if ext is None:
        return data
    names = [ext] if isinstance(ext, str) else ext
    where = str(chain[-1]) if chain else None
    if (
        not isinstance(names, list)
        or not names
        or not all(isinstance(n, str) and n for n in names)
    ):
        raise SpecError(
            [("extends", f"expected a spec file path or a list of them, got {ext!r}")],
            source=where,
        )
    merged: dict[str, Any] = {}
    for name in names:
        path = (base_dir / Path(name).expanduser()).resolve()
        if path in chain:
            cycle = " -> ".join(str(p) for p in (*chain[chain.index(path) :], path))
            raise SpecError([("extends", f"extends cycle: {cycle}")], source=where)
        parent = read_yaml_file(path)
        merged = merge(merged, resolve_extends(parent, path.parent, (*chain, path)))
    return merge(merged, data)


# overrides --------------------------------------------------------------------

_KEY_PART = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_-]*|[0-9]+)$")


def parse_override(text: str) -> tuple[str, Any]:
    """``"optimizer.lr=0.1"`` → ``("optimizer.lr", 0.1)``: the value is YAML."""
    if not isinstance(text, str) or "=" not in text:
        msg = (
            "an override needs the form key=value, e.g. optimizer.lr=0.1 (no '=' found)"
        )
        raise Problems([(str(text), msg)])
    key, _, raw = text.partition("=")
    key = key.strip()
    if not key or not all(_KEY_PART.match(p) for p in key.split(".")):
        msg = f"malformed override key in {text!r}; expected a dotted key: optimizer.lr"
        raise Problems([(key or text, msg)])
    try:
        value = parse_yaml(raw, source=f"the override {text!r}")
    except SpecError as err:
        raise Problems([(key, err.problems[0][1])]) from None
    return key, value


def apply_override(data: dict[str, Any], key: str, value: Any) -> None:
    """Set the dotted ``key`` of ``data`` to ``value`` in place (see the module doc)."""
    parts = key.split(".")
    top = parts[0]
    if top not in RunSpec.model_fields:
        close = difflib.get_close_matches(top, list(RunSpec.model_fields), n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        allowed = ", ".join(RunSpec.model_fields)
        msg = f"unknown top-level key {top!r} in an override.{hint} Allowed: {allowed}."
        raise Problems([(key, msg)])
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        child = _child(node, part)
        if child is None or (
            child is True and model_at(RunSpec, parts[: i + 1]) is not None
        ):  # `early_stopping: true` means its defaults, and can be set into
            child = _default_section(parts[: i + 1])
        elif (
            isinstance(child, str)
            and not parts[i + 1].isdigit()
            and model_at(RunSpec, parts[: i + 1]) is None  # a component, no section
        ):
            child = {"name": child}  # `optimizer: sgd` with `optimizer.lr=0.1`
        elif not isinstance(child, dict | list):
            where = ".".join(parts[: i + 1])
            raise Problems(
                [(key, f"cannot set {key}: {where} is {child!r}, not a mapping")]
            )
        _set(node, part, child, key)
        node = child
    _set(node, parts[-1], copy.deepcopy(value), key)


def _default_section(path: Sequence[str]) -> dict[str, Any]:
    """A missing section to set a key in: its default component, if it has one.

    ``optimizer.lr=0.1`` on a spec without an optimizer sets the default sgd's lr.
    """
    parent = model_at(RunSpec, path[:-1])
    field = parent.model_fields.get(path[-1]) if parent is not None else None
    default = getattr(field, "default", None)
    if isinstance(default, str):
        return {"name": default}
    return copy.deepcopy(default) if isinstance(default, dict) else {}


def _child(node: Any, part: str) -> Any:
    if isinstance(node, list):
        return node[int(part)] if part.isdigit() and int(part) < len(node) else None
    return node.get(part)


def _set(node: Any, part: str, value: Any, key: str) -> None:
    if isinstance(node, dict):
        node[part] = value
    elif part.isdigit() and int(part) < len(node):
        node[int(part)] = value
    else:
        msg = (
            f"index {part} is not in the list of {len(node)} items (indices start at 0)"
        )
        raise Problems([(key, msg)])


PATH_KEYS = ("init_from", "continue_from", "path")


def from_cwd(key: str, value: Any, root: Path | None = None) -> Any:
    """A relative path in an override means the current folder (or ``root``), not
    the spec's: ``training.init_from=runs/x/model.npz``, ``dataset.path=data/``, or
    a plugin ``model.activation=my_acts.py:Cube`` typed on the command line.  Paths
    inside spec files stay relative to their file."""
    root = root or Path.cwd()
    last = key.rsplit(".", 1)[-1]
    if isinstance(value, str) and (last in PATH_KEYS or last.endswith("_path")):
        path = Path(value).expanduser()
        return value if path.is_absolute() else str(root / path)
    if isinstance(value, str) and ":" in value:
        module, _, attr = value.rpartition(":")
        if module.endswith(".py") and not Path(module).expanduser().is_absolute():
            return f"{root / module}:{attr}"
    if isinstance(value, dict) and "name" in value:
        return {**value, "name": from_cwd("name", value["name"], root)}
    if isinstance(value, list):
        return [from_cwd(key, v, root) for v in value]
    return value


def apply_overrides(
    data: dict[str, Any],
    overrides: Iterable[str],
    set_values: Mapping[str, Any] | None,
    root: Path | None = None,
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """A copy of ``data`` with the good overrides applied; the bad ones' problems."""
    data = copy.deepcopy(data)
    problems: list[tuple[str, str]] = []
    items: list[tuple[str, Any]] = []
    for text in overrides:
        try:
            key, value = parse_override(text)
        except Problems as err:
            problems.extend(err.items)
        else:
            items.append((key, from_cwd(key, value, root)))
    items.extend((set_values or {}).items())
    for key, value in items:
        try:
            apply_override(data, key, value)
        except Problems as err:
            problems.extend(err.items)
    return data, problems


# entry points -----------------------------------------------------------------


def _read_source(
    source: Source, base_dir: Path | None
) -> tuple[dict[str, Any], Path, str | None]:
    """Raw mapping with ``extends`` resolved, the spec's folder, a label for errors."""
    if isinstance(source, Mapping):
        folder = Path(base_dir or Path.cwd()).resolve()
        data = as_mapping(copy.deepcopy(dict(source)), "the spec")
        return resolve_extends(data, folder), folder, None
    path = Path(source).expanduser().resolve()
    data = read_yaml_file(path)
    return resolve_extends(data, path.parent, (path,)), path.parent, str(source)


def load_raw(
    source: Source,
    overrides: Iterable[str] = (),
    *,
    set_values: Mapping[str, Any] | None = None,
    base_dir: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """The spec as a plain mapping after ``extends`` and overrides, not yet validated.

    ``source`` is a YAML file or an inline mapping (whose relative paths are taken from
    ``base_dir``, default the current folder).
    """
    data, _, label = _read_source(source, Path(base_dir) if base_dir else None)
    root = Path(base_dir).resolve() if base_dir else None
    data, problems = apply_overrides(data, overrides, set_values, root)
    if problems:
        raise SpecError(problems, source=label)
    return data


def load_spec(
    source: Source,
    overrides: Iterable[str] = (),
    *,
    set_values: Mapping[str, Any] | None = None,
    base_dir: str | os.PathLike[str] | None = None,
) -> RunSpec:
    """Read, merge, override and validate a spec (see the module docstring).

    Raises
    ------
    SpecError
        with every problem as ``(dotted key, message)``
    """
    data, folder, label = _read_source(source, Path(base_dir) if base_dir else None)
    root = Path(base_dir).resolve() if base_dir else None
    data, problems = apply_overrides(data, overrides, set_values, root)
    try:
        spec = validate(data, base_dir=folder, source=label)
    except SpecError as err:
        # the bad overrides first, then what is wrong with the rest
        raise SpecError(dedupe([*problems, *err.problems]), source=label) from None
    if problems:
        raise SpecError(problems, source=label)
    _remember_source(spec, label)
    return spec


#: id(spec) → the file it was read from; kept outside the frozen model so that the
#: same spec read from a file and from a mapping still compare equal
_SOURCES: dict[int, str] = {}


def _remember_source(spec: RunSpec, label: str | None) -> None:
    if label is not None:
        _SOURCES[id(spec)] = label
        weakref.finalize(spec, _SOURCES.pop, id(spec), None)


def spec_source(spec: RunSpec) -> str | None:
    """The spec file ``spec`` was loaded from (None for a mapping), so that a problem
    found later, against the data, names the file as the spec's own problems do."""
    return _SOURCES.get(id(spec))


def validate(
    data: Mapping[str, Any], *, base_dir: Path | None = None, source: str | None = None
) -> RunSpec:
    """A raw mapping (no ``extends``) → :class:`RunSpec`, or :class:`SpecError`."""
    context = {"base_dir": Path(base_dir or Path.cwd())}
    return RunSpec.from_mapping(data, source=source, context=context)
