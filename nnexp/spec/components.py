"""Component references: a bare name or a name with flat parameters (DESIGN §3.5).

``activation: relu`` and ``activation: {name: leaky_relu, alpha: 0.1}`` both become a
:class:`Component`: the registry's canonical name and every parameter of the
component's constructor, defaults filled in.  Parameters are validated against the
types of the constructor's signature (``Entry.params``), and the component is built
once so that its own checks (``lr must be > 0``) become spec problems at the right key.

A name ``file.py:Class`` loads a user plugin; the path is relative to the spec's folder
and is stored absolute, so a run folder's ``config.yaml`` reruns from anywhere.  A
plugin activation must pass the finite-difference check when it is loaded
(:mod:`nnexp.spec.plugin_check`) unless its mapping says ``check: false``, a key that
is not a parameter: it is kept in :attr:`Component.check` and written back to YAML.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from nnexp.errors import NnexpError, RegistryError, SpecError
from nnexp.registry import Entry, Param, Registry, is_plugin_ref, normalize_name
from nnexp.spec.plugin_check import failed_check, refusal
from nnexp.spec.problems import KEY, Problems, finish
from nnexp.types import Family

#: kind → (module, registry attribute); modules are imported on first use so that
#: importing ``nnexp.spec`` does not import every data loader
_REGISTRIES = {
    "activation": ("nnexp.engine.activations", "ACTIVATIONS"),
    "initializer": ("nnexp.engine.initializers", "INITIALIZERS"),
    "loss": ("nnexp.engine.losses", "LOSSES"),
    "optimizer": ("nnexp.engine.optimizers", "OPTIMIZERS"),
    "regularizer": ("nnexp.engine.regularizers", "REGULARIZERS"),
    "schedule": ("nnexp.engine.schedules", "SCHEDULES"),
    "dataset": ("nnexp.data.registry", "DATASETS"),
}
KINDS = tuple(_REGISTRIES)
CHECK = "check"  # an activation's key that turns the plugin check off (not a parameter)


def registry_for(kind: str) -> Registry[Any]:
    """The registry of one kind of component (``"activation"``, …, ``"dataset"``)."""
    module, attr = _REGISTRIES[kind]
    if kind == "dataset":
        importlib.import_module("nnexp.data")  # loader modules register on import
    return getattr(importlib.import_module(module), attr)


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
    """

    kind: str
    name: str
    params: Mapping[str, Any] = field(default_factory=FrozenParams)
    check: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", FrozenParams(self.params))

    @property
    def entry(self) -> Entry[Any]:
        """The registry entry (a plugin is imported on first use)."""
        return registry_for(self.kind).resolve(self.name)

    def build(self) -> Any:
        """A fresh instance: ``factory(**params)``."""
        return self.entry.build(**self.params)

    def to_yaml(self) -> dict[str, Any]:
        """The flat mapping of a spec: ``{"name": ..., **params}``, YAML-safe values
        (and ``check: false`` if the plugin skips its check)."""
        out = {"name": self.name, **{k: plain(v) for k, v in self.params.items()}}
        return out if self.check else {**out, CHECK: False}

    def describe(self) -> str:
        """``sgd(lr=0.01, momentum=0.0, nesterov=False)`` for summaries."""
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
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
    value: Any, kind: str, *, base_dir: Path | None = None, hidden: bool = False
) -> Component:
    """Like :func:`parse_component`, raising :class:`Problems` with relative sub-keys.

    ``hidden=True`` refuses output-only activations (softmax) in a hidden layer.
    """
    if isinstance(value, Component) and value.kind == kind:
        name, raw = value.name, dict(value.params)
        raw.update({} if value.check else {CHECK: False})
    else:
        name, raw = _split(value, kind)
    entry = _resolve(name, kind, base_dir)
    check = _check_flag(entry, raw) if kind == "activation" else True
    params = _validate_params(entry, raw)
    if kind == "dataset":
        params = _absolute_path_param(params, base_dir)
    built = _try_build(entry, params)
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
    return Component(kind, entry.name, params, check)


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
    a_kind = f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"
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


def _resolve(name: str, kind: str, base_dir: Path | None) -> Entry[Any]:
    registry = registry_for(kind)
    try:
        if is_plugin_ref(name):
            return registry.resolve(absolute_plugin_ref(name, base_dir))
        return registry.resolve(name, key=KEY)
    except NnexpError as err:  # RegistryError (unknown name) or PluginError
        raise Problems([("", str(err))]) from None


def absolute_plugin_ref(ref: str, base_dir: Path | None) -> str:
    """``acts.py:Cube`` → ``/spec/folder/acts.py:Cube``; ``pkg.mod:Cube`` as is."""
    module_part, _, attr = ref.rpartition(":")
    if not (module_part.endswith(".py") or "/" in module_part or "\\" in module_part):
        return ref
    path = Path(module_part).expanduser()
    if not path.is_absolute():
        path = (base_dir or Path.cwd()) / path
    return f"{path.resolve()}:{attr}"


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


# parameters ---------------------------------------------------------------------------

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
    """Validated value and problems of one parameter value."""
    if isinstance(value, bool) and not _accepts_bool(p.type):
        # `lr: true` is a mistake, not the number 1 that pydantic would make of it
        want = type_text(p.type, plain=True)
        return value, [(p.name, f"Input should be {want}, not a boolean (got {value})")]
    adapter = _adapter(p.type)
    if adapter is None:
        return value, []
    try:
        return adapter.validate_python(value), []
    except ValidationError as err:
        if _is_union(p.type):
            # pydantic reports each branch of `float | Literal["auto"]` under its own
            # made-up key; one sentence reads better
            return value, [
                (
                    p.name,
                    f"Input should be {type_text(p.type, plain=True)} (got {value!r})",
                )
            ]
        items = []
        for e in err.errors():
            sub = ".".join([p.name, *(str(x) for x in e["loc"])])
            items.append((sub, f"{e['msg']} (got {e.get('input')!r})"))
        return value, items


def _accepts_bool(tp: Any) -> bool:
    """Whether ``true``/``false`` is a legitimate value of a parameter of type ``tp``."""
    if tp is bool or tp is Any or tp is object:
        return True
    if _is_union(tp):
        return any(_accepts_bool(a) for a in typing.get_args(tp))
    if typing.get_origin(tp) is typing.Literal:
        return any(isinstance(a, bool) for a in typing.get_args(tp))
    # pydantic's lax mode reads true as 1 for numbers; nothing else takes a boolean
    return False


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


_PLAIN = {float: "a number", int: "an integer", str: "a string", bool: "true or false"}


def type_text(tp: Any, *, plain: bool = False) -> str:
    """``float | Literal['auto']`` → ``float | 'auto'`` (plain: a number or 'auto')."""
    sep = " or " if plain else " | "
    if tp is type(None):
        return "null"
    if _is_union(tp):
        return sep.join(type_text(a, plain=plain) for a in typing.get_args(tp))
    if typing.get_origin(tp) is typing.Literal:
        return sep.join(repr(a) for a in typing.get_args(tp))
    if plain and tp in _PLAIN:
        return _PLAIN[tp]
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def describe_param(p: Param) -> str:
    """``alpha (float, default 0.01)``."""
    if p.required:
        return f"{p.name} ({type_text(p.type)}, required)"
    default = (
        ""
        if p.default is dataclasses._HAS_DEFAULT_FACTORY
        else f", default {p.default!r}"
    )
    return f"{p.name} ({type_text(p.type)}{default})"


def _validate_params(entry: Entry[Any], raw: Mapping[str, Any]) -> dict[str, Any]:
    """Every parameter of ``entry``: given values validated, defaults filled in."""
    params = entry.params
    known = {p.name for p in params}
    problems = [(k, _unknown_param(entry, k)) for k in raw if k not in known]
    out: dict[str, Any] = {}
    for p in params:
        if p.name in raw:
            out[p.name], found = _check_value(p, raw[p.name])
            problems.extend(found)
        elif p.required:
            problems.append(
                (p.name, f"missing required parameter of {entry.kind} {entry.name}")
            )
        elif p.default is not dataclasses._HAS_DEFAULT_FACTORY:
            # defaults pass the same validator so a dumped spec shows 0.0, not 0
            value, found = _check_value(p, p.default)
            out[p.name] = p.default if found else value
    if problems:
        raise Problems(problems)
    return out


def _unknown_param(entry: Entry[Any], name: str) -> str:
    if not entry.params:
        return f"unknown parameter for {entry.name}; {entry.name} takes no parameters"
    close = difflib.get_close_matches(name, [p.name for p in entry.params], n=3)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    allowed = ", ".join(describe_param(p) for p in entry.params)
    return f"unknown parameter for {entry.name}; allowed: {allowed}.{hint}"


def _try_build(entry: Entry[Any], params: dict[str, Any]) -> Any:
    """Build once so the component's own checks (``lr must be > 0``) surface now."""
    try:
        return entry.build(**params)
    except RegistryError as err:
        cause = err.__cause__
        raise Problems(
            [_build_problem(entry, str(cause) if cause else str(err))]
        ) from None
    except NnexpError as err:
        raise Problems([("", str(err))]) from None
    except Exception as err:  # a plugin's constructor failing in its own way
        raise Problems(
            [("", f"{entry.name} cannot be built: {type(err).__name__}: {err}")]
        ) from None


def _build_problem(entry: Entry[Any], msg: str) -> tuple[str, str]:
    """Key a constructor's message by the parameter it starts with, if any.

    ``lr = -1 is out of range …`` → ``("lr", "lr = -1 is out of range …")``.
    """
    for p in entry.params:
        if msg.startswith(p.name) and msg[len(p.name) :][:1] in (" ", ":", "="):
            return p.name, msg
    return "", f"{entry.name}: {msg}"


def _is_output_only(entry: Entry[Any]) -> bool:
    family = getattr(entry.factory, "family", None)
    return family is Family.OUTPUT or normalize_name(entry.name) == "softmax"
