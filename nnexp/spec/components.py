"""Component references in a spec: the pydantic side of :mod:`nnexp.registry`.

``activation: relu`` and ``activation: {name: leaky_relu, alpha: 0.1}`` both become a
:class:`Component`: the registry's canonical name and every parameter of the
component's constructor, defaults filled in.  The registry validates
(:meth:`nnexp.registry.Entry.validate`: every unknown, missing or ill-typed parameter,
the component's own checks such as ``lr must be > 0`` keyed by parameter, a plugin's
Protocol); this module adds what only a spec has: values typed by pydantic from the
constructor's annotations, the spec's folder for relative paths, and the derivative
check of plugin activations.

A name ``file.py:Class`` loads a user plugin; the path is relative to the spec's folder
and is stored absolute, so a run folder's ``config.yaml`` reruns from anywhere.  A
plugin activation must pass the finite-difference check when it is loaded
(:mod:`nnexp.spec.plugin_check`) unless its mapping says ``check: false``, a key that
is not a parameter: it is kept in :attr:`Component.check` and written back to YAML.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from nnexp.errors import ComponentError, NnexpError, SpecError
from nnexp.registry import (
    KINDS,
    Entry,
    Param,
    article,
    is_plugin_ref,
    is_union,
    normalize_name,
    registry_for,
    type_text,
)
from nnexp.spec.plugin_check import failed_check, refusal
from nnexp.spec.problems import KEY, Problems, finish
from nnexp.types import Family

__all__ = ["CHECK", "KINDS", "Component", "parse", "parse_component", "registry_for"]

CHECK = "check"  # an activation's key that turns the plugin check off (not a parameter)


class FrozenParams(Mapping[str, Any]):
    """A read-only, picklable mapping of parameters; equal to an equal ``dict``."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | None = None):
        self._data = dict(data or {})

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        try:
            return hash(tuple(self._data.items()))
        except TypeError:  # a list-valued parameter
            return hash(repr(self._data))

    def __repr__(self) -> str:
        return repr(self._data)


@dataclass(frozen=True, slots=True)
class Component:
    """A resolved component reference.

    Attributes
    ----------
    kind : ``"activation"``, ``"optimizer"``, … (see :data:`KINDS`)
    name : canonical registry name, or an absolute plugin reference
        ``/abs/file.py:Class``
    params : every constructor parameter, defaults filled in
    check : False when a plugin activation skips the check on load (``check: false``)
    instance : the instance that validation built (see :attr:`built`); not compared,
        hashed or pickled, so a spec read from a file equals the same spec read from a
        mapping, and a spec sent to a worker process carries only names and values
    """

    kind: str
    name: str
    params: Mapping[str, Any] = field(default_factory=FrozenParams)
    check: bool = True
    instance: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", FrozenParams(self.params))

    def __getstate__(self) -> tuple[Any, ...]:
        return self.kind, self.name, self.params, self.check

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        for name, value in zip(("kind", "name", "params", "check"), state, strict=True):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "instance", None)

    @property
    def entry(self) -> Entry[Any]:
        """The registry entry (a plugin is imported on first use)."""
        return registry_for(self.kind).resolve(self.name)

    def build(self) -> Any:
        """A fresh instance: ``factory(**params)``."""
        return self.entry.build(**self.params)

    @property
    def built(self) -> Any:
        """The one instance of this component: the one :func:`parse` built while
        validating, else built now and kept.  For stateless components (a data set's
        loader, an objective); a stateful one (an optimiser) needs :meth:`build`."""
        if self.instance is None:
            object.__setattr__(self, "instance", self.build())
        return self.instance

    def to_yaml(self) -> dict[str, Any]:
        """The flat mapping of a spec: ``{"name": ..., **params}``, YAML-safe values
        (and ``check: false`` if the plugin skips its check)."""
        out = {"name": self.name, **{k: plain(v) for k, v in self.params.items()}}
        return out if self.check else {**out, CHECK: False}

    def describe(self) -> str:
        """``sgd(lr=0.01, momentum=0.0, nesterov=False)`` for summaries."""
        args = ", ".join(f"{k}={plain(v)!r}" for k, v in self.params.items())
        return f"{self.name}({args})" if args else self.name


def plain(value: Any) -> Any:
    """Tuples → lists, paths → strings, recursively (what ``yaml.safe_dump`` takes)."""
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, Path):
        return str(value)
    return value


# parsing ------------------------------------------------------------------------------


def parse_component(
    value: Any, kind: str, *, key: str = "", base_dir: Path | None = None
) -> Component:
    """Parse ``"name"`` or ``{name: ..., **params}`` into a :class:`Component`.

    Raises
    ------
    SpecError
        every problem, keyed below ``key`` (``model.activation.alpah``)
    """
    try:
        return parse(value, kind, base_dir=base_dir)
    except Problems as err:
        raise SpecError(finish(key, err.items)) from None


def parse(
    value: Any,
    kind: str,
    *,
    base_dir: Path | None = None,
    hidden: bool = False,
    name_key: str = "",
) -> Component:
    """Like :func:`parse_component`, raising :class:`Problems` with relative sub-keys.

    ``hidden=True`` refuses output-only activations (softmax) in a hidden layer;
    ``name_key`` is the sub-key of an unknown name's problem (``""``: the component).
    """
    if isinstance(value, Component) and value.kind == kind:
        name, raw = value.name, dict(value.params)
        raw.update({} if value.check else {CHECK: False})
    else:
        name, raw = _split(value, kind)
    entry = _resolve(name, kind, base_dir, name_key)
    check = _check_flag(entry, raw) if kind == "activation" else True
    if kind == "dataset":  # before building: the instance is the run's loader
        raw = _absolute_path_param(raw, base_dir)
    try:
        params, built = entry.validate(raw, _check_value)
    except ComponentError as err:
        raise Problems(err.problems) from None
    if hidden and _is_output_only(entry):
        raise Problems(
            [
                (
                    "",
                    f"{entry.name} can only be the output activation "
                    "(model.output_activation); hidden layers need an elementwise "
                    "activation such as relu or tanh",
                )
            ]
        )
    if check and kind == "activation" and entry.source != "builtin":
        report = failed_check(entry.name, params, built)
        if report is not None:
            raise Problems([("", refusal(name, report))])
    return Component(kind, entry.name, params, check, built)


def _check_flag(entry: Entry[Any], raw: dict[str, Any]) -> bool:
    """Pop nnexp's ``check`` key from an activation's raw mapping (a plugin whose
    constructor takes ``check`` keeps it as its own parameter)."""
    if CHECK not in raw or entry.param(CHECK) is not None:
        return True
    value = raw.pop(CHECK)
    if entry.source == "builtin":
        if value is True:
            return True
        raise Problems(
            [
                (
                    CHECK,
                    "only plugin activations (file.py:Class) are checked when a spec"
                    f" loads them, so {entry.name} takes no check key",
                )
            ]
        )
    if not isinstance(value, bool):
        raise Problems([(CHECK, f"expected true or false, got {value!r}")])
    return value


def _split(value: Any, kind: str) -> tuple[str, dict[str, Any]]:
    """Name and raw parameters of ``"name"`` or ``{name: ..., **params}``."""
    a_kind = article(kind)
    example = f"{a_kind} name, or a mapping {{name: ..., <parameters>}}"
    if isinstance(value, str):
        if not value.strip():
            raise Problems([("", f"expected {example}, got an empty string")])
        return value, {}
    if isinstance(value, Mapping):
        if "name" not in value:
            raise Problems(
                [("", f"{a_kind} given as a mapping needs a 'name' key ({example})")]
            )
        name = value["name"]
        if not isinstance(name, str) or not name.strip():
            raise Problems([("name", f"expected {a_kind} name, got {name!r}")])
        bad = [k for k in value if not isinstance(k, str)]
        if bad:
            raise Problems([("", f"parameter names must be strings, got {bad[0]!r}")])
        return name, {k: v for k, v in value.items() if k != "name"}
    raise Problems([("", f"expected {example}, got {value!r}")])


def _resolve(
    name: str, kind: str, base_dir: Path | None, name_key: str = ""
) -> Entry[Any]:
    # a plugin's errors name its file, not the key: the key is added by `finish`
    key = None if is_plugin_ref(name) else KEY
    try:
        return registry_for(kind).resolve(name, key=key, base_dir=base_dir)
    except NnexpError as err:  # RegistryError (unknown name) or PluginError
        raise Problems([(name_key, str(err))]) from None


def _absolute_path_param(
    params: dict[str, Any], base_dir: Path | None
) -> dict[str, Any]:
    """A data set's relative ``path`` (or ``*_path``) is relative to the spec's folder;
    it is stored absolute so the resolved spec reruns from anywhere."""
    out = dict(params)
    for key, value in params.items():
        if (
            (key == "path" or key.endswith("_path"))
            and isinstance(value, str | Path)
            and str(value)
        ):
            p = Path(value).expanduser()
            if not p.is_absolute():
                p = ((base_dir or Path.cwd()) / p).resolve()
            out[key] = p if isinstance(value, Path) else str(p)
    return out


# parameter values: pydantic reads the constructor's annotations ----------------------

_ADAPTERS: dict[Any, TypeAdapter[Any] | None] = {}


def _adapter(tp: Any) -> TypeAdapter[Any] | None:
    """A cached pydantic validator for a parameter's type; None when there is none."""
    try:
        return _ADAPTERS[tp]
    except TypeError:  # an unhashable annotation: no caching
        return _new_adapter(tp)
    except KeyError:
        _ADAPTERS[tp] = adapter = _new_adapter(tp)
        return adapter


def _new_adapter(tp: Any) -> TypeAdapter[Any] | None:
    if tp is Any:
        return None
    try:
        return TypeAdapter(tp)
    except Exception:  # a plugin annotation pydantic cannot handle: leave it unchecked
        return None


def _check_value(p: Param, value: Any) -> tuple[Any, list[tuple[str, str]]]:
    """Validated value and problems of one parameter value (the registry's
    :data:`~nnexp.registry.ValueCheck`)."""
    if isinstance(value, bool) and not _accepts_bool(p.type):
        # `lr: true` is a mistake, not the number 1 that pydantic would make of it
        want = type_text(p.type, "plain")
        return value, [(p.name, f"Input should be {want}, not a boolean (got {value})")]
    adapter = _adapter(p.type)
    if adapter is None:
        return value, []
    try:
        return adapter.validate_python(value), []
    except ValidationError as err:
        if is_union(p.type):
            # pydantic reports each branch of `float | Literal["auto"]` under its own
            # made-up key; one sentence reads better
            want = type_text(p.type, "plain")
            return value, [(p.name, f"Input should be {want} (got {value!r})")]
        items = []
        for e in err.errors():
            sub = ".".join([p.name, *(str(x) for x in e["loc"])])
            items.append((sub, f"{e['msg']} (got {e.get('input')!r})"))
        return value, items


def _accepts_bool(tp: Any) -> bool:
    """Whether ``true``/``false`` is a legitimate value of a parameter of type ``tp``."""
    if tp is bool or tp is Any or tp is object:
        return True
    if is_union(tp):
        return any(_accepts_bool(a) for a in typing.get_args(tp))
    if typing.get_origin(tp) is typing.Literal:
        return any(isinstance(a, bool) for a in typing.get_args(tp))
    # pydantic's lax mode reads true as 1 for numbers; nothing else takes a boolean
    return False


def _is_output_only(entry: Entry[Any]) -> bool:
    family = getattr(entry.factory, "family", None)
    return family is Family.OUTPUT or normalize_name(entry.name) == "softmax"
