"""The data set registry (entries are added by the loader modules of this package)."""

from __future__ import annotations

from typing import Any

from nnexp import types as protocols
from nnexp.registry import Registry

DATASETS: Registry[Any] = Registry("data set", "datasets", protocols.Dataset)
