"""The model's own errors: a broken rule of the model is a bug, never a user error.

They live apart from the modules that raise them so that those modules can be compiled with
mypyc (a compiled class cannot derive from a built-in exception).
"""

from __future__ import annotations

__all__ = ["LedgerError"]


class LedgerError(AssertionError):
    """An operation would break the ledger's rules (a bug in the model, not a user error)."""
