"""Safe YAML reading that remembers where every value came from.

Scenario files are read with :class:`ScenarioLoader`, a ``yaml.SafeLoader`` that is stricter
than YAML 1.1 in the ways that bite people who edit configuration by hand:

- no tags (``!!python/object``, ``!!binary``, ``!custom``...), no anchors or aliases, no ``<<``
  merge keys, no duplicate keys (the error names the line of the second one);
- numbers as YAML 1.2 reads them: ``1e9`` and ``2.5e-3`` are floats; ``0x10``, ``1:30`` and
  ``010``-as-octal are not special; ``.nan`` and ``.inf`` are read as floats so that validation
  can reject them by name;
- only ``true``/``false`` are booleans (``yes``, ``no``, ``on``, ``off`` stay strings), and
  ``2026-01-15`` stays a string (no date objects);
- files larger than :data:`MAX_FILE_BYTES` are refused before they are parsed.

:func:`read_yaml` returns the plain data together with a map from each data path to the
:class:`~sim.errors.Location` of its value (and, for mapping keys, of the key), so that a
validation error deep in the data can point at ``file:line:col``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sim.errors import Location, PathItem, Problem, ScenarioError

__all__ = ["MAX_FILE_BYTES", "ScenarioLoader", "YamlDocument", "parse_yaml_text", "read_yaml"]

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 64  # nesting levels; real scenarios use fewer than 10
MAX_DIGITS = 400  # an integer literal longer than this is a typo, not a quantity

Path_ = tuple[PathItem, ...]


class _KeyError(yaml.MarkedYAMLError):
    """A problem with a mapping key whose data path is known."""

    def __init__(self, message: str, mark: yaml.Mark, path: Path_) -> None:
        super().__init__(None, None, message, mark)
        self.mark = mark
        self.path = path


def _short_tag(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


class ScenarioLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2-like scalars and no aliases, anchors or tags."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event: Any = self.peek_event()  # type: ignore[no-untyped-call]
        mark: Any = event.start_mark
        if self.depth >= MAX_DEPTH:
            raise yaml.MarkedYAMLError(
                None, None, f"nesting deeper than {MAX_DEPTH} levels", mark
            )
        if isinstance(event, yaml.AliasEvent):
            raise yaml.MarkedYAMLError(
                None, None, f"alias '*{event.anchor}' is not allowed; write the value out", mark
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise yaml.MarkedYAMLError(
                None, None, f"anchor '&{anchor}' is not allowed; write the value out", mark
            )
        tag = getattr(event, "tag", None)
        implicit = getattr(event, "implicit", (True, True))
        resolved = implicit is True or (isinstance(implicit, tuple) and implicit[0])
        if isinstance(tag, str) and tag != "!" and not resolved:
            raise yaml.MarkedYAMLError(
                None, None, f"tag '{_short_tag(tag)}' is not allowed in a scenario file", mark
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


# Start from an empty resolver table (PyYAML copies the parent's on the first addition).
ScenarioLoader.yaml_implicit_resolvers = {}

_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?
    |[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_INT = re.compile(r"^[-+]?[0-9][0-9_]*$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")

ScenarioLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
ScenarioLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
ScenarioLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))
ScenarioLoader.add_implicit_resolver("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""])


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node)).replace("_", "")
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return float("-inf") if lowered.startswith("-") else float("inf")
    if lowered == ".nan":
        return float("nan")
    return float(text)


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node)).replace("_", "")
    if len(text.lstrip("+-")) > MAX_DIGITS:
        raise yaml.MarkedYAMLError(
            None, None, f"an integer of {len(text):,} digits is too large", node.start_mark
        )
    return int(text)


ScenarioLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
ScenarioLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


@dataclass
class YamlDocument:
    """Plain data read from YAML, with the location of every value and mapping key."""

    data: Any
    source: str
    values: dict[Path_, Location] = field(default_factory=dict)
    keys: dict[Path_, Location] = field(default_factory=dict)

    def location(self, path: Path_, *, key: bool = False) -> Location:
        """The location of the value (or key) at ``path``, else of its nearest ancestor."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while True:
            if probe in table:
                return table[probe]
            if probe in self.values:
                return self.values[probe]
            if not probe:
                return Location(self.source)
            probe = probe[:-1]


def _mark(source: str, mark: yaml.Mark) -> Location:
    return Location(source, mark.line + 1, mark.column + 1)


def _build(loader: ScenarioLoader, node: yaml.Node, path: Path_, doc: YamlDocument) -> Any:
    doc.values[path] = _mark(doc.source, node.start_mark)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.MarkedYAMLError(
                    None, None, "mapping keys must be plain strings", key_node.start_mark
                )
            key = loader.construct_object(key_node)
            if not isinstance(key, str):
                key = str(loader.construct_scalar(key_node))
            if key in result:
                first = doc.keys[(*path, key)]
                raise _KeyError(
                    f"duplicate key '{key}' (first defined at line {first.line})",
                    key_node.start_mark, (*path, key),
                )
            doc.keys[(*path, key)] = _mark(doc.source, key_node.start_mark)
            result[key] = _build(loader, value_node, (*path, key), doc)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, i), doc) for i, item in enumerate(node.value)]
    return loader.construct_object(node)


def parse_yaml_text(text: str, source: str, *, path_prefix: Path_ = ()) -> YamlDocument:
    """Parse one YAML document from ``text``; ``source`` names it in error messages."""
    doc = YamlDocument(data=None, source=source)
    try:
        loader = ScenarioLoader(text)
    except yaml.reader.ReaderError as exc:
        raise _reader_problem(text, source, exc) from None
    try:
        node = loader.get_single_node()
        doc.data = None if node is None else _build(loader, node, path_prefix, doc)
    except _KeyError as exc:
        raise ScenarioError(
            [Problem(_mark(source, exc.mark), exc.path, str(exc.problem))]
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem and "expected" in exc.problem:
            message = f"{exc.context}: {exc.problem}"
        if "another document" in message:
            message = "a scenario file holds one YAML document, but a second one starts here"
        elif "'\\t'" in message or "\t" in message:
            message = "a tab character; indent with spaces"
        line = mark.line + 1 if mark is not None else None
        col = mark.column + 1 if mark is not None else None
        raise ScenarioError(
            [Problem(Location(source, line, col), None, f"invalid YAML: {message}")]
        ) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_problem(text, source, exc) from None
    except yaml.YAMLError as exc:
        raise ScenarioError.single(source, f"invalid YAML: {' '.join(str(exc).split())}") from None
    finally:
        loader.dispose()
    return doc


def _reader_problem(text: str, source: str, exc: yaml.reader.ReaderError) -> ScenarioError:
    """A character YAML does not allow (a control character), located by line and column."""
    before = text[: exc.position]
    line = before.count("\n") + 1
    column = exc.position - (before.rfind("\n") + 1) + 1
    code = ord(exc.character) if isinstance(exc.character, str) else int(exc.character)
    return ScenarioError([Problem(
        Location(source, line, column), None,
        f"invalid YAML: control character U+{code:04X} is not allowed",
    )])


def read_yaml(path: Path | str, *, display: str | None = None) -> YamlDocument:
    """Read a YAML file safely (see the module docstring); ``display`` names it in errors."""
    file = Path(path)
    source = display or str(path)
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError.single(
                source, f"file is {size:,} bytes; scenario files are limited to "
                f"{MAX_FILE_BYTES:,} bytes (1 MiB)"
            )
        raw = file.read_bytes()
    except FileNotFoundError:
        raise ScenarioError.single(source, "no such file") from None
    except IsADirectoryError:
        raise ScenarioError.single(source, "is a directory, not a scenario file") from None
    except OSError as exc:
        raise ScenarioError.single(source, f"cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ScenarioError.single(
            source, f"not UTF-8 text (byte {exc.start}: {raw[exc.start:exc.start + 1]!r}); "
            "save the file as UTF-8", line=line, column=column,
        ) from None
    return parse_yaml_text(text, source)
