"""Find every uncertain input of a scenario, by a stable dotted path.

Paths name list items by their ``name`` (or ``id``) where they have one, else by index:
``chips.H20.price_usd``, ``sites.ulanqab.pue``, ``budget.tranches.0.amount``. These paths are
the keys of the per-field random streams and of ``correlations``, so they must not depend on
the order of unrelated fields.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

__all__ = ["iter_quantities"]


def _item_key(item: Any, index: int) -> str:
    for attr in ("name", "id"):
        value = getattr(item, attr, None)
        if isinstance(value, str):
            return value
    return str(index)


def iter_quantities(node: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Yield ``(path, value)`` for every number or distribution below ``node``."""
    if _is_distribution(node):
        yield prefix[:-1], node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from iter_quantities(getattr(node, name), f"{prefix}{name}.")
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from iter_quantities(value, f"{prefix}{key}.")
    elif isinstance(node, (list, tuple)):
        for index, item in enumerate(node):
            yield from iter_quantities(item, f"{prefix}{_item_key(item, index)}.")
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield prefix[:-1], float(node)


def _is_distribution(node: Any) -> bool:
    return isinstance(node, BaseModel) and hasattr(node, "ppf") and hasattr(node, "dist")
