"""User-facing errors.

Every error a user can cause (a malformed scenario, a bad ``--set``, an unknown chip) is a
:class:`CapexsimError`. The command line prints it as one line per problem and exits 1; nothing
else ever escapes as a traceback. A :class:`ScenarioError` carries every :class:`Problem` found in
a file at once, each pointing at ``file:line:col`` and the dotted path of the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["CapexsimError", "Location", "Problem", "ScenarioError", "format_path"]

PathItem = str | int


class CapexsimError(Exception):
    """An error caused by the user's input, rendered without a traceback."""

    def lines(self) -> list[str]:
        """The error as one or more single-line messages."""
        return [" ".join(str(self).split())]


@dataclass(frozen=True, slots=True)
class Location:
    """Where a value came from: a file position (1-based) or a named source such as ``--set``."""

    source: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.source
        if self.column is None:
            return f"{self.source}:{self.line}"
        return f"{self.source}:{self.line}:{self.column}"


def _segment(item: PathItem) -> str:
    text = str(item)
    if any(c.isspace() or not c.isprintable() or c == "." for c in text) or not text:
        return repr(text)  # a key with a line break (or a dot) stays one readable segment
    return text


def format_path(path: Sequence[PathItem]) -> str:
    """Render a data path as ``budget.tranches.0.amount`` (``<root>`` when empty)."""
    return ".".join(_segment(p) for p in path) if path else "<root>"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input: where, which field, and what."""

    location: Location
    path: tuple[PathItem, ...] | None
    message: str

    def render(self) -> str:
        """``file:line:col: path.to.field: message`` on a single line.

        The path is left out when it does not apply (a YAML syntax error, an unreadable file).
        """
        message = " ".join(self.message.split())
        if self.path is None:
            return f"{self.location}: {message}"
        return f"{self.location}: {format_path(self.path)}: {message}"


class ScenarioError(CapexsimError):
    """All the problems found in one scenario (or one ``--set``), reported together."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(
            sorted(
                problems,
                key=lambda p: (p.location.source, p.location.line or 0, p.location.column or 0),
            )
        )
        if not self.problems:
            raise ValueError("ScenarioError needs at least one problem")
        super().__init__("\n".join(p.render() for p in self.problems))

    def lines(self) -> list[str]:
        return [p.render() for p in self.problems]

    @classmethod
    def single(
        cls, source: str, message: str, *, line: int | None = None, column: int | None = None,
        path: Sequence[PathItem] | None = None,
    ) -> ScenarioError:
        """A one-problem error, for failures found before (or outside) any data path."""
        where = None if path is None else tuple(path)
        return cls([Problem(Location(source, line, column), where, message)])
