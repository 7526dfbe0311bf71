"""Named registries of components, with one name rule and user plugins.

A registry maps canonical snake_case names (and aliases such as the course's class
names ``TanH`` or ``RandnAverage``) to factories, usually frozen dataclasses.  Lookups
ignore case, ``-`` and ``_``.  An entry's parameters are the factory's keyword
arguments, read from its signature, so a spec can say ``{name: softplus, k: 2}`` and a
command can list every parameter with its type and default.

A name of the form ``path/to/file.py:Class`` or ``package.module:Class`` loads a user
plugin: the module is imported (this runs the user's code), the class is checked
against the registry's protocol, and it is registered under that reference.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.util
import inspect
import sys
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from nnexp.errors import PluginError, RegistryError

T = TypeVar("T")
_EMPTY = inspect.Parameter.empty


def article(noun: str) -> str:
    """``an activation``, ``a loss``."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def normalize_name(name: str) -> str:
    """The one lookup rule: casefold, drop ``_`` and ``-`` (``Leaky-ReLU`` → ``leakyrelu``)."""
    return name.casefold().replace("_", "").replace("-", "")


def is_plugin_ref(name: str) -> bool:
    """``file.py:Class`` or ``pkg.mod:Class``."""
    return ":" in name and not name.startswith(":") and not name.endswith(":")


@dataclass(frozen=True)
class Param:
    """One constructor keyword of a component."""

    name: str
    type: Any
    default: Any = _EMPTY

    @property
    def required(self) -> bool:
        return self.default is _EMPTY

    def type_text(self) -> str:
        """``float``, ``'scale' | 'none'``, ``float | str`` …"""
        return _type_text(self.type)

    def describe(self) -> str:
        tname = self.type_text()
        if self.required:
            return f"{self.name} ({tname}, required)"
        return f"{self.name} ({tname}, default {self.default!r})"


@dataclass(frozen=True)
class Entry(Generic[T]):
    """A registered component: canonical name, factory, aliases, description."""

    kind: str
    name: str
    factory: Callable[..., T]
    aliases: tuple[str, ...] = ()
    description: str = ""
    source: str = "builtin"
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def params(self) -> tuple[Param, ...]:
        return signature_params(self.factory)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def allowed(self) -> str:
        params = self.params
        return ", ".join(p.describe() for p in params) if params else "no parameters"

    def check_params(self, params: Mapping[str, Any], key: str | None = None) -> None:
        """Raise :class:`RegistryError` for unknown or missing parameters."""
        known = {p.name for p in self.params}
        where = f"{key}." if key else ""
        for name in params:
            if name not in known:
                close = difflib.get_close_matches(name, sorted(known), n=3)
                hint = f" Did you mean: {', '.join(close)}?" if close else ""
                raise RegistryError(
                    f"{where}{name}: unknown parameter for {self.kind} {self.name};"
                    f" allowed: {self.allowed()}.{hint}"
                )
        for p in self.params:
            if p.required and p.name not in params:
                raise RegistryError(
                    f"{where}{p.name}: missing required parameter of {self.kind} {self.name}"
                )

    def build(self, key: str | None = None, **params: Any) -> T:
        """Instantiate with keyword parameters (checked against the signature)."""
        self.check_params(params, key)
        try:
            return self.factory(**params)
        except (TypeError, ValueError) as err:
            where = f"{key}: " if key else ""
            raise RegistryError(f"{where}{self.kind} {self.name}: {err}") from err


def _type_text(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return " | ".join(repr(a) for a in typing.get_args(tp))
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return " | ".join(_type_text(a) for a in typing.get_args(tp))
    if tp is type(None):
        return "None"
    name = getattr(tp, "__name__", None)
    if name and origin is None:
        return name
    return str(tp).replace("typing.", "")


def signature_params(factory: Callable[..., Any]) -> tuple[Param, ...]:
    """Keyword parameters of a class or function, with resolved type hints."""
    try:
        sig = inspect.signature(factory)
    except (TypeError, ValueError):
        return ()
    target = factory.__init__ if inspect.isclass(factory) else factory
    try:
        hints = typing.get_type_hints(target)
    except Exception:  # a plugin with unresolvable annotations still works untyped
        hints = {}
    out = []
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.name == "self":
            continue
        out.append(Param(p.name, hints.get(p.name, Any), p.default))
    return tuple(out)


class Registry(Generic[T]):
    """Components of one kind, found by any spelling of their name or aliases.

    Parameters
    ----------
    kind : singular noun used in messages (``"activation"``)
    plural : used in ``nnexp list <plural>``
    required : methods a plugin class must define
    """

    def __init__(self, kind: str, plural: str, required: tuple[str, ...] = ()):
        self.kind = kind
        self.plural = plural
        self.required = required
        self._entries: dict[str, Entry[T]] = {}
        self._lookup: dict[str, str] = {}
        self._versions: dict[str, str | None] = {}  # plugin ref → file sha256

    # registration -----------------------------------------------------------------
    def register(
        self,
        name: str,
        *,
        aliases: tuple[str, ...] = (),
        description: str | None = None,
        **meta: Any,
    ) -> Callable[[Callable[..., T]], Callable[..., T]]:
        """Decorator: register the decorated class or function under ``name``."""

        def decorate(factory: Callable[..., T]) -> Callable[..., T]:
            self.add(name, factory, aliases=aliases, description=description, **meta)
            return factory

        return decorate

    def add(
        self,
        name: str,
        factory: Callable[..., T],
        *,
        aliases: tuple[str, ...] = (),
        description: str | None = None,
        source: str = "builtin",
        **meta: Any,
    ) -> Entry[T]:
        if description is None:
            description = summary(factory)
        entry = Entry(
            self.kind, name, factory, tuple(aliases), description, source, meta
        )
        keys = {normalize_name(n) for n in (name, *aliases)}
        for k in keys:
            owner = self._lookup.get(k)
            if owner is not None and owner != name:
                raise RegistryError(
                    f"{self.kind} name {k!r} of {name!r} collides with {owner!r}"
                )
        self._entries[name] = entry
        for k in keys:
            self._lookup[k] = name
        return entry

    # lookup -----------------------------------------------------------------------
    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and normalize_name(name) in self._lookup

    def __iter__(self) -> Iterator[Entry[T]]:
        return iter(self.entries())

    def entries(self, *, plugins: bool = False) -> list[Entry[T]]:
        """Built-in entries in registration order (and loaded plugins if asked)."""
        return [e for e in self._entries.values() if plugins or e.source == "builtin"]

    def names(self) -> list[str]:
        return [e.name for e in self.entries()]

    def name_of(self, obj: Any) -> str | None:
        """The registered name of a component object (by its class), or None."""
        for entry in self._entries.values():
            if type(obj) is entry.factory:
                return entry.name
        return None

    def resolve(
        self, name: str, *, key: str | None = None, base_dir: Path | None = None
    ) -> Entry[T]:
        """The entry for ``name`` (any spelling), loading a plugin for ``file.py:Class``."""
        if not isinstance(name, str):
            raise RegistryError(
                f"{key or self.kind}: expected {article(self.kind)} name, got {name!r}"
            )
        if is_plugin_ref(name):
            return self.load_plugin(name, base_dir=base_dir, key=key)
        canonical = self._lookup.get(normalize_name(name))
        if canonical is None:
            raise RegistryError(self._unknown_message(name, key))
        return self._entries[canonical]

    def build(
        self,
        ref: str | Mapping[str, Any],
        *,
        key: str | None = None,
        base_dir: Path | None = None,
    ) -> T:
        """Build from ``"name"`` or ``{"name": ..., **params}``."""
        if isinstance(ref, str):
            return self.resolve(ref, key=key, base_dir=base_dir).build(key)
        if not isinstance(ref, Mapping) or "name" not in ref:
            raise RegistryError(
                f"{key or self.kind}: expected {article(self.kind)} name or a mapping with 'name', got {ref!r}"
            )
        params = {k: v for k, v in ref.items() if k != "name"}
        return self.resolve(ref["name"], key=key, base_dir=base_dir).build(
            key, **params
        )

    def _unknown_message(self, name: str, key: str | None) -> str:
        spellings = {
            normalize_name(n): n
            for e in self._entries.values()
            for n in (e.name, *e.aliases)
        }
        wanted = normalize_name(name)
        close = difflib.get_close_matches(wanted, list(spellings), n=3, cutoff=0.55)
        # a prefix is a strong hint too: "he" → he_normal
        close += [k for k in spellings if len(wanted) >= 2 and k.startswith(wanted)]
        names = []
        for c in close:
            canonical = self._lookup[c]
            if canonical not in names:
                names.append(canonical)
        where = f" ({key})" if key else ""
        hint = f" Did you mean: {', '.join(names[:4])}?" if names else ""
        return (
            f"unknown {self.kind} {name!r}{where}.{hint}"
            f" Run `nnexp list {self.plural}` for the full list."
        )

    # plugins ----------------------------------------------------------------------
    def load_plugin(
        self, ref: str, *, base_dir: Path | None = None, key: str | None = None
    ) -> Entry[T]:
        """Import ``file.py:Class`` (relative to ``base_dir``) or ``pkg.mod:Class``."""
        ref = canonical_plugin_ref(ref, base_dir)
        # a plugin file edited since it was loaded is loaded again (a notebook, or
        # `rerun --check` after an edit, must not train with the old code)
        version = plugin_version(ref)
        if ref in self._entries and self._versions.get(ref) == version:
            return self._entries[ref]
        factory = load_object(ref, base_dir=base_dir, key=key)
        missing = [m for m in self.required if not callable(getattr(factory, m, None))]
        where = f"{key}: " if key else ""
        if missing:
            raise PluginError(
                f"{where}{ref} is not a valid {self.kind}: it lacks "
                f"{', '.join(m + '()' for m in missing)}; {article(self.kind)} needs "
                f"{', '.join(m + '()' for m in self.required)}."
            )
        entry = Entry(self.kind, ref, factory, (), summary(factory), source=ref)
        self._entries[ref] = entry
        self._versions[ref] = version
        return entry


def plugin_version(ref: str) -> str | None:
    """The sha256 of a ``file.py:Class`` plugin's file (None for a module or a
    missing file): what tells an edited plugin from the one already loaded."""
    module_part = ref.rpartition(":")[0]
    path = Path(module_part)
    if not module_part.endswith(".py") or not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def canonical_plugin_ref(ref: str, base_dir: Path | None) -> str:
    """``file.py:Class`` with the file made absolute (relative to ``base_dir``), so the
    same relative name in two folders means two plugins; module refs are unchanged."""
    module_part, _, attr = ref.rpartition(":")
    if module_part.endswith(".py") or "/" in module_part or "\\" in module_part:
        path = Path(module_part).expanduser()
        if not path.is_absolute():
            path = (Path(base_dir) if base_dir is not None else Path.cwd()) / path
        return f"{path.resolve()}:{attr}"
    return ref


def summary(obj: Any) -> str:
    """The first paragraph of a docstring on one line (a sentence that wraps onto a
    second line is kept whole), or ``""``."""
    doc = (inspect.getdoc(obj) or "").strip()
    return " ".join(doc.split("\n\n")[0].split())


def load_object(
    ref: str, *, base_dir: Path | None = None, key: str | None = None
) -> Any:
    """Import the object named by ``path/to/file.py:Name`` or ``pkg.module:Name``.

    This executes the user's module: it is only called because a spec names it.
    """
    where = f"{key}: " if key else ""
    module_part, _, attr = ref.rpartition(":")
    if module_part.endswith(".py") or "/" in module_part or "\\" in module_part:
        path = Path(module_part)
        if not path.is_absolute() and base_dir is not None:
            path = Path(base_dir) / path
        if not path.is_file():
            raise PluginError(
                f"{where}plugin file {path} does not exist (from {ref!r})"
            )
        version = plugin_version(f"{path}:{attr}") or ""
        mod_name = f"nnexp_plugin_{abs(hash(str(path.resolve())))}_{version[:16]}"
        module = sys.modules.get(mod_name)
        if module is None:
            spec = importlib.util.spec_from_file_location(mod_name, path)
            if spec is None or spec.loader is None:
                raise PluginError(f"{where}cannot import plugin file {path}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[mod_name] = module
            try:
                spec.loader.exec_module(module)
            except Exception as err:
                del sys.modules[mod_name]
                raise PluginError(
                    f"{where}importing plugin file {path} failed: {type(err).__name__}: {err}"
                ) from err
    else:
        try:
            module = importlib.import_module(module_part)
        except Exception as err:
            raise PluginError(
                f"{where}cannot import module {module_part!r} (from {ref!r}): {type(err).__name__}: {err}"
            ) from err
    obj = getattr(module, attr, None)
    if obj is None:
        names = [n for n in dir(module) if not n.startswith("_")]
        close = difflib.get_close_matches(attr, names, n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise PluginError(f"{where}{module_part} has no {attr!r}.{hint}")
    return obj
