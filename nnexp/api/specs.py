"""What a spec may say, as the command line offers it: the dotted keys and their
values (shell completion) and the key that turns a plugin's check off."""

from __future__ import annotations

from nnexp.spec.components import CHECK
from nnexp.spec.keys import key_values, spec_keys

__all__ = ["CHECK", "key_values", "spec_keys"]
