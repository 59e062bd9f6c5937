"""Small shared field types: identifiers, chip names, destinations."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

__all__ = ["ChipName", "Destination", "Identifier", "SiteKind"]

_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")


def _check_identifier(value: str) -> str:
    if not _IDENT.match(value):
        raise ValueError(
            f"{value!r} is not a valid name; use letters, digits, '_' and '-', "
            "starting with a letter"
        )
    return value


Identifier = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(_check_identifier)]
"""A name other parts of the scenario can refer to (a site, a lease, a run)."""

ChipName = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(_check_identifier)]
"""An accelerator name: a built-in catalog entry (``H20``, ``Ascend-910C``) or a custom chip."""

SiteKind = Literal["domestic", "overseas_owned"]
"""Where an owned site is: at home, or abroad under a subsidiary (other rules apply there)."""

Destination = Literal["domestic", "overseas_owned", "leased"]
"""Where chips end up, as export rules see it."""
