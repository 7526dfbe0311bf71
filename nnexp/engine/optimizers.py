"""Optimizer registry (SPEC.md §2–§5; entries are being written)."""

from __future__ import annotations

from typing import Any

from nnexp.registry import Registry

OPTIMIZERS: Registry[Any] = Registry("optimizer", "optimizers", required=('step', 'state_dict', 'load_state_dict'))
