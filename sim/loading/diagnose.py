"""Turn pydantic validation errors into one-line problems that point at the YAML source.

pydantic reports an error at a ``loc`` that mixes data keys with the names of union members
(``'uniform'``, ``'function-after[...]'``). We keep the parts that exist in the data, look the
path up in the document's location map, and rewrite the message for a person editing YAML:
``file.yaml:14:5: sites.0.powr_mw: unknown field 'powr_mw'; did you mean 'power_mw'?``
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from sim.errors import PathItem, Problem
from sim.yamlio import YamlDocument

__all__ = ["fields_at", "problems_from_errors"]

Path_ = tuple[PathItem, ...]


def _data_path(data: Any, loc: Sequence[PathItem], *, missing: bool) -> Path_:
    """The part of ``loc`` that names real positions in ``data`` (plus a missing key)."""
    steps = list(loc)
    tail: list[PathItem] = []
    if missing and steps:
        tail = [steps.pop()]
    path: list[PathItem] = []
    node = data
    for item in steps:
        in_dict = isinstance(node, dict) and item in node
        in_list = isinstance(node, list) and isinstance(item, int) and 0 <= item < len(node)
        if in_dict or in_list:
            node = node[item]
            path.append(item)
    return (*path, *tail)


def _unwrap(tp: Any, data: Any) -> Any:
    """Strip Annotated/Optional and pick the union member that ``data`` was meant for."""
    while True:
        origin = get_origin(tp)
        if origin is typing.Annotated:
            tp = get_args(tp)[0]
            continue
        if origin is Union or origin is types.UnionType:
            members = [m for m in get_args(tp) if m is not type(None)]
            tp = _pick_member(members, data)
            if tp is None:
                return None
            continue
        return tp


def _flatten(members: Sequence[Any]) -> list[Any]:
    flat: list[Any] = []
    for m in members:
        origin = get_origin(m)
        if origin is typing.Annotated:
            flat.extend(_flatten([get_args(m)[0]]))
        elif origin is Union or origin is types.UnionType:
            flat.extend(_flatten([a for a in get_args(m) if a is not type(None)]))
        else:
            flat.append(m)
    return flat


def _literal_match(model: type[BaseModel], data: dict[str, Any]) -> bool:
    for name, info in model.model_fields.items():
        literal = get_origin(info.annotation) is Literal
        if literal and name in data and data[name] not in get_args(info.annotation):
            return False
    return True


def _pick_member(members: Sequence[Any], data: Any) -> Any:
    flat = _flatten(members)
    models = [m for m in flat if isinstance(m, type) and issubclass(m, BaseModel)]
    if isinstance(data, dict) and models:
        matching = [m for m in models if _literal_match(m, data)]
        pool = matching or models
        return max(pool, key=lambda m: len(set(m.model_fields) & set(data)))
    containers = [m for m in flat if get_origin(m) in (list, tuple, dict)]
    if containers:
        return containers[0]
    return flat[0] if len(flat) == 1 else None


def fields_at(root: type[BaseModel], data: Any, path: Sequence[PathItem]) -> list[str]:
    """Field names of the model found at ``path`` in ``data`` (empty if none is found)."""
    tp: Any = root
    node = data
    for seg in path:
        tp = _unwrap(tp, node)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            info = tp.model_fields.get(str(seg))
            if info is None:
                return []
            tp = info.annotation
        elif get_origin(tp) in (list, tuple):
            tp = get_args(tp)[0]
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        else:
            return []
        if isinstance(node, dict):
            node = node.get(seg)
        elif isinstance(node, list) and isinstance(seg, int) and 0 <= seg < len(node):
            node = node[seg]
        else:
            node = None
    tp = _unwrap(tp, node)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return []


def _show(value: Any) -> str:
    """A value as it would be written in YAML (``true``, ``null``, ``'abc'``, ``1.5``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _message(err: ErrorDetails) -> str:
    msg = err["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    if err["type"] in {"value_error", "assertion_error"}:
        return msg
    msg = f"{msg[:1].lower()}{msg[1:]}"
    value = err.get("input")
    scalar = isinstance(value, (str, int, float, bool)) or value is None
    if scalar and "got" not in msg and _show(value) not in msg and str(value) not in msg:
        return f"{msg}, got {_show(value)}"
    return msg


def problems_from_errors(
    doc: YamlDocument, errors: Sequence[ErrorDetails], root: type[BaseModel]
) -> list[Problem]:
    """Problems for pydantic errors on ``doc``'s data; the missing fields of one mapping are
    reported together on one line."""
    problems: list[Problem] = []
    missing: dict[Path_, list[str]] = {}
    for err in errors:
        if err["type"] == "missing":
            path = _data_path(doc.data, err["loc"], missing=True)
            if path:
                missing.setdefault(path[:-1], []).append(str(path[-1]))
                continue
        problems.append(_problem(doc, err, root))
    for parent, names in missing.items():
        if len(names) == 1:
            problems.append(Problem(
                doc.location(parent), (*parent, names[0]),
                f"missing required field '{names[0]}'",
            ))
        else:
            problems.append(Problem(
                doc.location(parent), parent,
                f"missing required fields: {', '.join(names)}",
            ))
    return problems


def _problem(doc: YamlDocument, err: ErrorDetails, root: type[BaseModel]) -> Problem:
    """One :class:`Problem` for one pydantic error on ``doc``'s data."""
    kind = err["type"]
    path = _data_path(doc.data, err["loc"], missing=kind == "missing")
    if kind == "extra_forbidden" and path and path[-1] == "<<":
        return Problem(doc.location(path, key=True), path,
                       "YAML merge keys (<<) are not supported; write the values out")
    if kind == "union_tag_invalid":
        ctx = err.get("ctx") or {}
        tag, field = str(ctx.get("tag", "")), str(ctx.get("discriminator", "")).strip("'")
        options = [t.strip().strip("'") for t in str(ctx.get("expected_tags", "")).split(",")]
        close = difflib.get_close_matches(tag, options, n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'? " if close else ""
        where = (*path, field) if field else path
        return Problem(doc.location(where), where,
                       f"unknown {field} '{tag}'; {hint}(one of: {', '.join(options)})")
    if kind == "extra_forbidden" and path:
        name = str(path[-1])
        known = [f for f in fields_at(root, doc.data, path[:-1]) if f != name]
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        if not close and known:
            hint = f"; valid fields here: {', '.join(known)}"
        shown = f"'{name}'" if name.isprintable() and name.strip() == name else repr(name)
        return Problem(doc.location(path, key=True), path, f"unknown field {shown}{hint}")
    return Problem(doc.location(path), path, _message(err))
