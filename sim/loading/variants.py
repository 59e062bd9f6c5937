"""Which fields a variant of a tagged union has, found from the schema by a data path.

A ``--set`` that switches a union's discriminator (``allocation.policy=inference_first``) must
drop the fields the new variant does not have (``training_share``), as ``extends`` does when a
mapping names another variant; fields both variants share (``refund_on_cancel_fraction`` of
both procurement policies) are kept. :func:`variant_fields` walks the pydantic models of
:class:`~sim.schema.scenario.Scenario` along the path, following the data where a union must be
resolved on the way.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from typing import Any, Literal, Union

from pydantic import BaseModel

from sim.errors import PathItem

__all__ = ["variant_fields"]


def _strip(annotation: Any) -> Any:
    """Drop ``Annotated`` and ``None`` from an annotation."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _strip(args[0])
    return annotation


def _members(annotation: Any) -> list[Any]:
    annotation = _strip(annotation)
    if typing.get_origin(annotation) in (Union, types.UnionType):
        return [_strip(a) for a in typing.get_args(annotation)]
    return [annotation]


def _field(model: type[BaseModel], key: str) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info.annotation
    return None


def _tag_values(model: type[BaseModel], key: str) -> tuple[Any, ...]:
    annotation = _strip(_field(model, key))
    if typing.get_origin(annotation) is Literal:
        return typing.get_args(annotation)
    return ()


def _pick(members: list[Any], data: Any, discriminators: Sequence[str]) -> Any:
    """The member that ``data`` (a mapping naming its variant) selects, else None."""
    models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
    if len(models) == 1 and len(members) == 1:
        return models[0]
    if not isinstance(data, dict):
        return None
    for key in discriminators:
        if key in data:
            for model in models:
                if data[key] in _tag_values(model, key):
                    return model
    return None


def _step(annotation: Any, key: PathItem, data: Any,
          discriminators: Sequence[str]) -> Any:
    """The annotation one path step below ``annotation`` (None when unknown)."""
    for member in _members(annotation):
        origin = typing.get_origin(member)
        if origin in (list, tuple) and isinstance(key, int):
            return typing.get_args(member)[0]
        if origin is dict:
            return typing.get_args(member)[1]
    model = _pick(_members(annotation), data, discriminators)
    if model is None or not isinstance(key, str):
        return None
    return _field(model, key)


def variant_fields(root: type[BaseModel], document: Any, path: Sequence[PathItem],
                   key: str, value: Any, discriminators: Sequence[str]) -> set[str] | None:
    """Field names (and aliases) of the variant that ``key: value`` selects in the union at
    ``path`` of ``document`` (validated as ``root``); None when the schema does not say."""
    annotation: Any = root
    data = document
    for item in path:
        annotation = _step(annotation, item, data, discriminators)
        if annotation is None:
            return None
        try:
            data = data[item]
        except (KeyError, IndexError, TypeError):
            data = None
    for member in _members(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel) and \
                value in _tag_values(member, key):
            names: set[str] = set()
            for name, info in member.model_fields.items():
                names.add(name)
                if info.alias:
                    names.add(info.alias)
            return names
    return None
