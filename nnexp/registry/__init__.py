"""Named registries of components: one name rule, one parameter validation, one type
text, and user plugins checked against the Protocols of :mod:`nnexp.types`.

A registry maps canonical snake_case names (and aliases such as the course's class
names ``TanH`` or ``RandnAverage``) to factories, usually frozen dataclasses.  Lookups
ignore case, ``-`` and ``_``.  An entry's parameters are the factory's keyword
arguments, read from its signature, so a spec can say ``{name: softplus, k: 2}`` and a
command can list every parameter with its type and default.

A name of the form ``path/to/file.py:Class`` or ``package.module:Class`` loads a user
plugin: the module is imported (this runs the user's code), the class is checked
against the kind's Protocol, and it is registered under that reference.

Modules: :mod:`~nnexp.registry.params` (parameters, type text),
:mod:`~nnexp.registry.plugins` (import, Protocol check), :mod:`~nnexp.registry.entry`
(an entry and its validation), :mod:`~nnexp.registry.core` (the registry),
:mod:`~nnexp.registry.kinds` (the kinds and where their registries live).
"""

from nnexp.registry.core import Registry, Snapshot, normalize_name
from nnexp.registry.entry import Entry, Problem, ValueCheck
from nnexp.registry.kinds import (
    KINDS,
    Kind,
    kind_named,
    kinds,
    plugins_forgotten_after,
    registries,
    registry_for,
)
from nnexp.registry.params import (
    Param,
    article,
    is_union,
    signature_params,
    summary,
    type_text,
)
from nnexp.registry.plugins import (
    canonical_plugin_ref,
    is_plugin_ref,
    load_object,
    plugin_version,
    protocol_members,
)

__all__ = [
    "KINDS",
    "Entry",
    "Kind",
    "Param",
    "Problem",
    "Registry",
    "Snapshot",
    "ValueCheck",
    "article",
    "canonical_plugin_ref",
    "is_plugin_ref",
    "is_union",
    "kind_named",
    "kinds",
    "load_object",
    "normalize_name",
    "plugin_version",
    "plugins_forgotten_after",
    "protocol_members",
    "registries",
    "registry_for",
    "signature_params",
    "summary",
    "type_text",
]
