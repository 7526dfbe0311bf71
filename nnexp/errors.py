"""Exceptions raised by the library; the CLI prints them and chooses the exit code.

Every error carries a message that a user can act on: the key or file, the problem,
and the allowed values.  ``NnexpError`` and its subclasses mean *bad input* (exit 2).
"""

from __future__ import annotations

from collections.abc import Iterable


class NnexpError(Exception):
    """Base class of every error caused by the user's input (exit code 2)."""


class SpecError(NnexpError):
    """A spec with one or more problems, each as ``(key path, message)``."""

    def __init__(self, problems: Iterable[tuple[str, str]], source: str | None = None):
        self.problems = list(problems)
        self.source = source
        lines = [f"{key}: {msg}" if key else msg for key, msg in self.problems]
        head = f"invalid spec {source}" if source else "invalid spec"
        super().__init__(head + "\n" + "\n".join("  " + line for line in lines))


class RegistryError(NnexpError):
    """An unknown component name or parameter."""


class ComponentError(RegistryError):
    """A component reference with one or more problems, each as ``(sub-key, message)``
    where the sub-key is a parameter name (``"lr"``) or ``""`` for the component."""

    def __init__(self, problems: Iterable[tuple[str, str]], key: str | None = None):
        self.problems = list(problems)
        where = f"{key}." if key else ""
        super().__init__(
            "; ".join(
                f"{where}{sub}: {msg}" if sub else (f"{key}: {msg}" if key else msg)
                for sub, msg in self.problems
            )
        )


class PluginError(NnexpError):
    """A user component that cannot be imported or does not fit its protocol."""


class DataError(NnexpError):
    """A data set that cannot be found, read or trusted."""


class RunError(NnexpError):
    """A run folder that is missing, unreadable, or in the wrong state for a command."""
