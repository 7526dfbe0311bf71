"""YAML for specs: safe loading with line/column errors, duplicate keys refused.

PyYAML follows YAML 1.1, where ``1e-3`` (no dot) is a string; specs are full of
learning rates written that way, so :class:`SpecLoader` reads them as floats.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from nnexp.errors import SpecError


class SpecLoader(yaml.SafeLoader):
    """Safe YAML with ``1e-3`` read as a float and duplicate keys refused."""

    def construct_mapping(
        self, node: yaml.MappingNode, deep: bool = False
    ) -> dict[Any, Any]:
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int | float | bool) and key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"found the key {key!r} twice",
                    key_node.start_mark,
                )
            seen[key] = True
        return super().construct_mapping(node, deep=deep)


SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


def parse_yaml(text: str, *, source: str) -> Any:
    """YAML text → Python data; a syntax error names ``source``, line and column."""
    try:
        return yaml.load(text, Loader=SpecLoader)  # noqa: S506 (a SafeLoader)
    except yaml.MarkedYAMLError as err:
        msg = f"YAML syntax error in {source}"
        if err.problem_mark is not None:
            msg += f" at {_place(err.problem_mark)}"
        msg += f": {err.problem or err.context}"
        if err.context and err.problem:
            # where the enclosing structure began: often where the real mistake is
            start = (
                f" that starts at {_place(err.context_mark)}"
                if err.context_mark
                else ""
            )
            msg += f" ({err.context}{start})"
        raise SpecError([("", msg)], source=source) from None
    except yaml.YAMLError as err:
        raise SpecError(
            [("", f"YAML error in {source}: {err}")], source=source
        ) from None


def _place(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


def read_yaml_file(path: Path) -> dict[str, Any]:
    """A spec file as a mapping; an empty file is an empty mapping."""
    where = str(path)
    if not path.exists():
        raise SpecError([("", f"spec file {where} does not exist")], source=where)
    if path.is_dir():
        raise SpecError(
            [("", f"{where} is a folder, not a spec file (.yaml)")], source=where
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise SpecError(
            [("", f"cannot read spec file {where}: {err}")], source=where
        ) from None
    data = parse_yaml(text, source=where)
    return as_mapping(data, where)


def as_mapping(data: Any, where: str) -> dict[str, Any]:
    """The top level of a spec: a mapping (an empty document is an empty one)."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = type(data).__name__
        msg = f"a spec must be a mapping (name: ..., dataset: ..., ...), got a {kind}"
        raise SpecError([("", msg)], source=where)
    return data
