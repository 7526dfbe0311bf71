"""Regularizer registry (SPEC.md §2–§5; entries are being written)."""

from __future__ import annotations

from typing import Any

from nnexp.registry import Registry

REGULARIZERS: Registry[Any] = Registry("regularizer", "regularizers", required=('penalty', 'add_grad'))
