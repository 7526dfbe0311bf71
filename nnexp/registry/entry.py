"""A registered component and the one validation of its parameters.

:meth:`Entry.validate` is the authority for a component's messages: every unknown,
missing or ill-typed parameter at once (keyed by parameter), then the component is
built so that its own range checks (``lr = -1 is out of range …``, kept in the engine
classes so that their direct API stays guarded) are keyed by the parameter they name,
and a plugin's instance is checked against its kind's Protocol.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from nnexp.errors import ComponentError, NnexpError, PluginError, RegistryError
from nnexp.registry.params import Param, signature_params
from nnexp.registry.plugins import lacking, not_valid

T = TypeVar("T")
Problem = tuple[str, str]
#: a value check: ``(param, value) → (value to keep, problems keyed by sub-key)``
ValueCheck = Callable[[Param, Any], tuple[Any, list[Problem]]]


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
    protocol: type | None = None

    @property
    def params(self) -> tuple[Param, ...]:
        return signature_params(self.factory)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def allowed(self) -> str:
        params = self.params
        return ", ".join(p.describe() for p in params) if params else "no parameters"

    def unknown_message(self, name: str) -> str:
        """``unknown parameter for optimizer adam; allowed: lr (float, …). Did you
        mean: lr?``"""
        what = f"unknown parameter for {self.kind} {self.name}"
        if not self.params:
            return f"{what}; {self.name} takes no parameters"
        close = difflib.get_close_matches(name, [p.name for p in self.params], n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        return f"{what}; allowed: {self.allowed()}.{hint}"

    def problems(
        self, raw: Mapping[str, Any], check_value: ValueCheck | None = None
    ) -> tuple[dict[str, Any], list[Problem]]:
        """Every parameter (given values checked, defaults filled in) and every
        problem: unknown, missing, and what ``check_value`` finds."""
        params = self.params
        known = {p.name for p in params}
        problems = [(k, self.unknown_message(k)) for k in raw if k not in known]
        out: dict[str, Any] = {}
        for p in params:
            if p.name in raw:
                out[p.name], found = (
                    check_value(p, raw[p.name]) if check_value else (raw[p.name], [])
                )
                problems.extend(found)
            elif p.required:
                msg = f"missing required parameter of {self.kind} {self.name}"
                problems.append((p.name, msg))
            elif p.has_default:
                # defaults pass the same check, so a dumped spec shows 0.0, not 0
                value, found = (
                    check_value(p, p.default) if check_value else (p.default, [])
                )
                out[p.name] = p.default if found else value
        return out, problems

    def validate(
        self, raw: Mapping[str, Any], check_value: ValueCheck | None = None
    ) -> tuple[dict[str, Any], T]:
        """The parameters and the instance built from them.

        Raises
        ------
        ComponentError
            with every problem keyed by parameter (``""`` for the component)
        """
        params, problems = self.problems(raw, check_value)
        if problems:
            raise ComponentError(problems)
        try:
            return params, self.build(**params)
        except RegistryError as err:
            cause = err.__cause__
            problem = self._build_problem(str(cause) if cause else str(err))
        except NnexpError as err:
            problem = ("", str(err))
        except Exception as err:  # a plugin's constructor failing in its own way
            problem = ("", f"{self.name} cannot be built: {type(err).__name__}: {err}")
        raise ComponentError([problem])

    def build(self, key: str | None = None, **params: Any) -> T:
        """Instantiate with keyword parameters (checked against the signature).

        Raises ComponentError (a RegistryError) naming every unknown or missing
        parameter, RegistryError for a constructor's TypeError/ValueError, and
        PluginError for a plugin instance that lacks a member of its Protocol.
        """
        _, problems = self.problems(params)
        if problems:
            raise ComponentError(problems, key)
        try:
            obj = self.factory(**params)
        except (TypeError, ValueError) as err:
            where = f"{key}: " if key else ""
            raise RegistryError(f"{where}{self.kind} {self.name}: {err}") from err
        if self.source != "builtin":
            missing = lacking(obj, self.protocol, instance=True)
            if missing:
                where = f"{key}: " if key else ""
                msg = not_valid(self.name, self.kind, self.protocol, missing)
                raise PluginError(where + msg)
        return obj

    def _build_problem(self, msg: str) -> Problem:
        """Key a constructor's message by the parameter it is about: the one it starts
        with, else the only one it names.

        ``lr = -1 is out of range …`` → ``("lr", "lr = -1 is out of range …")``.
        """
        names = [p.name for p in self.params]
        for name in names:
            if msg.startswith(name) and msg[len(name) :][:1] in (" ", ":", "="):
                return name, msg
        named = [n for n in names if re.search(rf"\b{re.escape(n)}\b", msg)]
        if len(named) == 1:
            return named[0], msg
        return "", f"{self.name}: {msg}"
