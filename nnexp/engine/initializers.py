"""Initializer registry (SPEC.md §2–§5; entries are being written)."""

from __future__ import annotations

from typing import Any

from nnexp.registry import Registry

INITIALIZERS: Registry[Any] = Registry("initializer", "initializers", required=('sample',))
