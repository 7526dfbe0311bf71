"""Write a resolved spec back as YAML (the run folder's ``config.yaml``).

The output has every default filled in, plugin and file paths absolute, and keys in
the order of the spec's documentation (name, seed, …, dataset, model, loss, optimizer,
regularizer, schedule, training, output), so it loads back to an equal
:class:`~nnexp.spec.models.RunSpec` from any folder.  Sections are blocks; components
and lists of numbers stay on one line each, as a person would write them.
"""

from __future__ import annotations

from typing import Any

import yaml

from nnexp.spec.components import plain
from nnexp.spec.models import RunSpec


def spec_to_dict(spec: RunSpec) -> dict[str, Any]:
    """The spec as YAML-safe data: components as flat ``{name: ..., **params}``."""
    data = plain(spec.model_dump(mode="python"))
    model = data["model"]
    # only one of layers / hidden is set; the other stays out rather than `null`
    for key in ("layers", "hidden"):
        if model.get(key) is None:
            model.pop(key, None)
    return data


class _Flow(dict):
    """A mapping written on one line (a component)."""


class _FlowList(list):
    """A list written on one line (sizes, tags, dropout rates)."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    _Flow,
    lambda d, v: d.represent_mapping(
        "tag:yaml.org,2002:map", v.items(), flow_style=True
    ),
)
_Dumper.add_representer(
    _FlowList,
    lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True),
)


def _styled(value: Any) -> Any:
    """Mark components and lists for one-line output; sections stay blocks."""
    if isinstance(value, dict):
        if list(value) == ["name"]:
            return value["name"]  # a component without parameters: `loss: mse`
        inner = {k: _styled(v) for k, v in value.items()}
        return _Flow(inner) if "name" in value and _is_flat(value) else inner
    if isinstance(value, list):
        items = [_styled(v) for v in value]
        # a list of components goes one per line; a list of numbers on one line
        return items if any(isinstance(v, dict) for v in value) else _FlowList(items)
    return value


def _is_flat(mapping: dict[str, Any]) -> bool:
    return not any(isinstance(v, dict) for v in mapping.values())


def dump_spec(spec: RunSpec) -> str:
    """YAML text of :func:`spec_to_dict`."""
    # the top level has a `name` too (the run's): keep it a block, style its values
    data = {k: _styled(v) for k, v in spec_to_dict(spec).items()}
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=100,
    )
