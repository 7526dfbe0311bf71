"""The registry of one kind of component, with one name rule and user plugins."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from nnexp.errors import PluginError, RegistryError
from nnexp.registry.entry import Entry
from nnexp.registry.params import article, summary
from nnexp.registry.plugins import (
    canonical_plugin_ref,
    is_plugin_ref,
    lacking,
    load_object,
    not_valid,
    plugin_version,
    protocol_members,
)

T = TypeVar("T")


def normalize_name(name: str) -> str:
    """The one lookup rule: casefold, drop ``_`` and ``-`` (``Leaky-ReLU`` → ``leakyrelu``)."""
    return name.casefold().replace("_", "").replace("-", "")


@dataclass(frozen=True)
class Snapshot(Generic[T]):
    """A registry's tables at one moment (see :meth:`Registry.snapshot`)."""

    entries: dict[str, Entry[T]]
    lookup: dict[str, str]
    versions: dict[str, str | None]


class Registry(Generic[T]):
    """Components of one kind, found by any spelling of their name or aliases.

    Parameters
    ----------
    kind : singular noun used in messages (``"activation"``)
    plural : used in ``nnexp list <plural>``
    protocol : the Protocol of :mod:`nnexp.types` a plugin must satisfy
    """

    def __init__(self, kind: str, plural: str, protocol: type | None = None):
        self.kind = kind
        self.plural = plural
        self.protocol = protocol
        self._entries: dict[str, Entry[T]] = {}
        self._lookup: dict[str, str] = {}
        self._versions: dict[str, str | None] = {}  # plugin ref → file sha256

    @property
    def required(self) -> tuple[str, ...]:
        """The members a plugin needs: data members, then methods."""
        data, methods = protocol_members(self.protocol)
        return data + methods

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
            self.kind,
            name,
            factory,
            tuple(aliases),
            description,
            source,
            meta,
            self.protocol,
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

    # snapshots (tests, notebooks) ---------------------------------------------------
    def snapshot(self) -> Snapshot[T]:
        """The current tables, to :meth:`restore` later (plugins loaded in between
        are forgotten)."""
        return Snapshot(dict(self._entries), dict(self._lookup), dict(self._versions))

    def restore(self, snap: Snapshot[T]) -> None:
        self._entries = dict(snap.entries)
        self._lookup = dict(snap.lookup)
        self._versions = dict(snap.versions)

    def forget_plugins(self) -> None:
        """Drop every loaded plugin, as a new process would not have them."""
        for name in [n for n, e in self._entries.items() if e.source != "builtin"]:
            del self._entries[name]
            self._versions.pop(name, None)

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
        """Import ``file.py:Class`` (relative to ``base_dir``) or ``pkg.mod:Class``
        and check its methods against the kind's Protocol (its data members are
        checked on the instance, when :meth:`Entry.build` makes one)."""
        ref = canonical_plugin_ref(ref, base_dir)
        # a plugin file edited since it was loaded is loaded again (a notebook, or
        # `rerun --check` after an edit, must not train with the old code)
        version = plugin_version(ref)
        if ref in self._entries and self._versions.get(ref) == version:
            return self._entries[ref]
        factory = load_object(ref, base_dir=base_dir, key=key)
        missing = lacking(factory, self.protocol, instance=False)
        if missing:
            where = f"{key}: " if key else ""
            raise PluginError(where + not_valid(ref, self.kind, self.protocol, missing))
        entry = Entry(
            self.kind, ref, factory, (), summary(factory), ref, {}, self.protocol
        )
        self._entries[ref] = entry
        self._versions[ref] = version
        return entry
