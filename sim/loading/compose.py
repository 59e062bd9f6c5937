"""Compose a scenario document: follow ``extends`` chains and apply ``--set`` overrides.

The result is one :class:`~sim.yamlio.YamlDocument` whose location map still says, for every
value, which file (or which ``--set``) it came from.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.errors import Location, PathItem, Problem, ScenarioError
from sim.yamlio import YamlDocument, parse_yaml_text, read_yaml

__all__ = ["apply_overrides", "compose_file", "deep_merge", "parse_override"]

Path_ = tuple[PathItem, ...]
MAX_EXTENDS_DEPTH = 16


def _under(path: Path_, prefix: Path_) -> bool:
    return path[: len(prefix)] == prefix


def _drop_under(doc: YamlDocument, prefix: Path_) -> None:
    for table in (doc.values, doc.keys):
        for p in [p for p in table if _under(p, prefix) and p != prefix]:
            del table[p]


DISCRIMINATORS = ("dist", "policy", "kind")
"""Keys that select a variant (a distribution family, a policy, a rule effect)."""


def _retagged(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """True when ``new`` names a different variant than ``old`` (it then replaces it whole)."""
    return any(k in new and k in old and new[k] != old[k] for k in DISCRIMINATORS)


def deep_merge(base: YamlDocument, child: YamlDocument) -> YamlDocument:
    """Merge ``child`` over ``base``: mappings merge key by key, except that a mapping naming
    another variant (``dist``, ``policy``, ``kind``) replaces the base's whole; lists and
    scalars replace."""
    merged = YamlDocument(
        data=copy.deepcopy(base.data), source=child.source,
        values=dict(base.values), keys=dict(base.keys),
    )

    def merge(target: dict[str, Any], update: dict[str, Any], path: Path_) -> None:
        for key, value in update.items():
            here = (*path, key)
            old = target.get(key)
            if isinstance(value, dict) and isinstance(old, dict) and not _retagged(old, value):
                merge(target[key], value, here)
            else:
                target[key] = copy.deepcopy(value)
                _drop_under(merged, here)

    if isinstance(base.data, dict) and isinstance(child.data, dict):
        merge(merged.data, child.data, ())
        for p, loc in child.values.items():
            merged.values[p] = loc
        for p, loc in child.keys.items():
            merged.keys[p] = loc
        return merged
    return child


def compose_file(path: Path | str, *, _stack: tuple[Path, ...] = ()) -> YamlDocument:
    """Read ``path`` and, recursively, the file its ``extends`` names (relative to it)."""
    file = Path(path)
    display = str(path)
    doc = read_yaml(file, display=display)
    if doc.data is None:
        raise ScenarioError.single(display, "the file is empty; a scenario is a YAML mapping")
    if not isinstance(doc.data, dict):
        loc = doc.location(())
        raise ScenarioError.single(
            display, f"a scenario is a YAML mapping of fields, not a {type(doc.data).__name__}",
            line=loc.line, column=loc.column,
        )
    if "extends" not in doc.data:
        return doc
    parent_ref = doc.data.pop("extends")
    loc = doc.location(("extends",))
    doc.values.pop(("extends",), None)
    doc.keys.pop(("extends",), None)
    if not isinstance(parent_ref, str) or not parent_ref.strip():
        raise ScenarioError(
            [Problem(loc, ("extends",), "must be the path of another scenario file (a string)")]
        )
    try:
        parent = (file.parent / parent_ref).resolve()
        exists = parent.is_file()
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ScenarioError(
            [Problem(loc, ("extends",), f"not a usable file path: {reason}")]
        ) from None
    chain = (*_stack, file.resolve())
    if parent in chain:
        names = " -> ".join(p.name for p in (*chain, parent))
        raise ScenarioError([Problem(loc, ("extends",), f"extends cycle: {names}")])
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(
            [Problem(loc, ("extends",), f"extends chain deeper than {MAX_EXTENDS_DEPTH} files")]
        )
    if not exists:
        raise ScenarioError([Problem(loc, ("extends",), f"no such file: {parent_ref}")])
    base = compose_file(os.path.normpath(file.parent / parent_ref), _stack=chain)
    return deep_merge(base, doc)


def parse_override(text: str) -> tuple[tuple[str, ...], YamlDocument]:
    """``"sites.ulanqab.power_mw=300"`` -> the path segments and the parsed YAML value."""
    source = f"--set {text}"
    name, sep, raw = text.partition("=")
    segments = tuple(name.strip().split("."))
    if not sep or not name.strip() or any(not s for s in segments):
        raise ScenarioError.single(
            source, "expected --set path.to.field=value, e.g. --set monte_carlo.runs=500"
        )
    value = parse_yaml_text(raw, source)
    return segments, value


def apply_overrides(doc: YamlDocument, overrides: Sequence[str]) -> YamlDocument:
    """Apply ``--set`` overrides in order. A list element may be named by index or, when its
    items have a ``name`` field, by that name (``sites.ulanqab.pue=1.2``)."""
    result = YamlDocument(
        data=copy.deepcopy(doc.data), source=doc.source,
        values=dict(doc.values), keys=dict(doc.keys),
    )
    for text in overrides:
        segments, value_doc = parse_override(text)
        source = Location(f"--set {text}")
        node: Any = result.data
        path: list[PathItem] = []
        for i, seg in enumerate(segments):
            last = i == len(segments) - 1
            key: PathItem
            if isinstance(node, dict):
                key = seg
                if not last and key not in node:
                    node[key] = {}
                    # a path the file does not have: its errors point at the --set
                    result.keys[(*path, key)] = source
                    result.values[(*path, key)] = source
                elif last and key in DISCRIMINATORS and key in node \
                        and node[key] != value_doc.data:
                    _switch_variant(result, node, tuple(path), key, value_doc.data)
            elif isinstance(node, list):
                key = _list_key(node, seg, source, tuple(path))
            else:
                raise ScenarioError([Problem(
                    source, tuple(path),
                    f"cannot set '{seg}' inside a {type(node).__name__} value",
                )])
            path.append(key)
            if last:
                node[key] = value_doc.data
            else:
                node = node[key]
        target = tuple(path)
        _drop_under(result, target)
        result.values[target] = source
        result.keys[target] = source
        for p in value_doc.values:
            result.values[(*target, *p)] = source
    return result


def _switch_variant(doc: YamlDocument, node: dict[str, Any], path: Path_, key: str,
                    value: Any) -> None:
    """``node[key]`` switches a union to another variant: drop the fields the new variant does
    not have (all but ``key`` when the schema does not say), as ``extends`` does."""
    from sim.loading.variants import variant_fields
    from sim.schema.scenario import Scenario

    keep = variant_fields(Scenario, doc.data, path, key, value, DISCRIMINATORS)
    for name in list(node):
        if name != key and (keep is None or name not in keep):
            del node[name]
            _drop_under(doc, (*path, name))
            doc.values.pop((*path, name), None)
            doc.keys.pop((*path, name), None)


def _list_key(items: list[Any], seg: str, source: Location, path: Path_) -> int:
    if seg.lstrip("-").isdigit():
        index = int(seg)
        if not -len(items) <= index < len(items):
            raise ScenarioError([Problem(
                source, path, f"index {index} is out of range; the list has {len(items)} items"
            )])
        return index % len(items)
    names = [item.get("name") for item in items if isinstance(item, dict)]
    for index, item in enumerate(items):
        if isinstance(item, dict) and item.get("name") == seg:
            return index
    known = ", ".join(str(n) for n in names if n is not None) or "none"
    raise ScenarioError([Problem(
        source, path, f"no item named '{seg}' in this list (names: {known})"
    )])
