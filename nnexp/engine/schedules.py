"""Schedule registry (SPEC.md §2–§5; entries are being written)."""

from __future__ import annotations

from typing import Any

from nnexp.registry import Registry

SCHEDULES: Registry[Any] = Registry("schedule", "schedules", required=('lr',))
