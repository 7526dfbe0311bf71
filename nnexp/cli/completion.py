"""Shell completion of what Click cannot know by itself.

Typer completes commands and options (``nnexp --install-completion``); the functions
here complete the values: spec override keys and their values (``train``, ``sweep``),
``--grid``/``--zip`` keys and their comma-separated values, ``nnexp list`` kinds and
``nnexp check`` activations.  Each takes ``(ctx, param, incomplete)`` as a Click
``shell_complete`` callback and returns the candidates.  :func:`attach` gives them to
the commands' parameters, so the command modules need not know about completion.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from click.shell_completion import CompletionItem, split_arg_string

Completer = Callable[[Any, Any, str], list[CompletionItem]]


def _items(values: list[str], incomplete: str) -> list[CompletionItem]:
    return [CompletionItem(v) for v in values if v.startswith(incomplete)]


def _key_candidates(incomplete: str) -> list[CompletionItem]:
    """Dotted keys starting with ``incomplete``: one level at a time (``model.`` then
    ``model.activation``), so a long list of parameters does not flood the shell."""
    from nnexp.api import spec_keys

    depth = incomplete.count(".")
    out = []
    for key in spec_keys():
        if key.startswith(incomplete) and key.count(".") == depth:
            out.append(key)
    return [CompletionItem(k) for k in out]


def _value_candidates(text: str, *, many: bool) -> list[CompletionItem]:
    """``key=value`` completed on its value (after the last comma when ``many``)."""
    from nnexp.api import key_values

    key, _, value = text.partition("=")
    head, _, last = value.rpartition(",") if many else ("", "", value)
    prefix = f"{key}={head},".replace("=,", "=") if head else f"{key}="
    return _items([prefix + v for v in key_values(key.strip())], prefix + last)


def _bash_split() -> tuple[str, str] | None:
    """Bash splits ``model.activation=ta`` into ``model.activation``, ``=``, ``ta``:
    ``(key, "")`` when the word being completed is a value after ``=`` (``(key,
    "grid")`` after ``--grid``/``--zip``), ``("", "")`` when it is the ``=`` itself,
    None otherwise (zsh and fish pass the whole word)."""
    words = split_arg_string(os.environ.get("COMP_WORDS", ""))  # as Click reads it
    try:
        cword = int(os.environ.get("COMP_CWORD", ""))
    except ValueError:
        return None
    if 0 < cword < len(words) and words[cword] == "=":
        return ("", "")
    if cword >= 2 and words[cword - 1] == "=":
        grid = cword >= 3 and words[cword - 3] in ("--grid", "--zip")
        return (words[cword - 2], "grid" if grid else "")
    return None


def _complete(incomplete: str, *, many: bool) -> list[CompletionItem]:
    split = _bash_split()
    if split is not None:
        key = split[0]
        if not key:  # the cursor is on "=": nothing sensible to put there
            return []
        # bash replaces only the value part: offer bare values
        many = many or split[1] == "grid"  # Click took the value for an override
        values = _value_candidates(f"{key}={incomplete}", many=many)
        return [CompletionItem(v.value.partition("=")[2]) for v in values]
    if "=" in incomplete:
        return _value_candidates(incomplete, many=many)
    return _key_candidates(incomplete)


def complete_override(ctx: Any, param: Any, incomplete: str) -> list[CompletionItem]:
    """``optimizer.l`` → ``optimizer.lr``; ``model.activation=t`` → ``…=tanh``."""
    return _complete(incomplete, many=False)


def complete_grid(ctx: Any, param: Any, incomplete: str) -> list[CompletionItem]:
    """``--grid model.activation=relu,t`` → ``…=relu,tanh``."""
    return _complete(incomplete, many=True)


def complete_kind(ctx: Any, param: Any, incomplete: str) -> list[CompletionItem]:
    """The kinds of ``nnexp list``."""
    from nnexp.api import COMPONENT_KINDS

    return _items(list(COMPONENT_KINDS), incomplete)


def complete_activation(ctx: Any, param: Any, incomplete: str) -> list[CompletionItem]:
    """Built-in activation names (a plugin path is completed by the shell)."""
    from nnexp.api import components

    return _items(components("activations").names(), incomplete)


#: (command, parameter name) → its completer
COMPLETERS: dict[tuple[str, str], Completer] = {
    ("train", "overrides"): complete_override,
    ("sweep", "overrides"): complete_override,
    ("sweep", "grid"): complete_grid,
    ("sweep", "zip_"): complete_grid,
    ("list", "kind"): complete_kind,
    ("check", "activation"): complete_activation,
}


def attach(name: str, command: Any) -> None:
    """Give the parameters of command ``name`` their completers (Click's
    ``shell_complete`` hook, as Typer's ``autocompletion`` sets it)."""
    for param in getattr(command, "params", []):
        completer = COMPLETERS.get((name, param.name or ""))
        if completer is not None:
            param._custom_shell_complete = completer
