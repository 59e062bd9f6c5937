"""Shared hypothesis strategies: YAML-ish text for the reader, mutated scenarios for validation.

Property tests import from here (``from tests.strategies import yaml_documents``) rather than
defining their own, so that every test that feeds the loader junk feeds it the same junk.

- :func:`yaml_documents` draws text a person or a broken tool might hand the loader: garbage
  bytes decoded as text, structured YAML with tags, anchors, aliases, merge keys and duplicate
  keys, special scalars (``.nan``, ``yes``, ``2026-01-15``...), deep nesting, several documents,
  and the reference scenario's text with a typing slip (so that some of it gets to validation).
- :func:`mutated_scenarios` draws the reference scenario's data with one to a few random edits:
  a key deleted or renamed, a value replaced by a random scalar or container, a list item
  duplicated, or a value wrapped in a distribution with random parameters.
"""

from __future__ import annotations

import copy
import functools
import re
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from yaml.reader import Reader

from sim.distributions import DISTRIBUTION_KINDS
from sim.testing.strategies import scenario_data, scenarios
from sim.yamlio import read_yaml

__all__ = [
    "REFERENCE_SCENARIO",
    "mutated_scenarios",
    "random_values",
    "reference_data",
    "scenario_data",
    "scenarios",
    "yaml_documents",
]
# Valid generated scenarios live in the public sim.testing.strategies (users' property tests
# import them too); this module re-exports them next to the test-only strategies.

REFERENCE_SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "bytedance_2026.yaml"

_NON_PRINTABLE: re.Pattern[str] = Reader.NON_PRINTABLE
"""Characters PyYAML refuses to read at all (control characters other than tab and newlines)."""


# -- YAML-ish text ---------------------------------------------------------------------------

_SPECIAL_SCALARS = (
    "~", "null", "Null", "NULL", "", "true", "false", "True", "FALSE", "yes", "no", "on", "off",
    "Yes", "NO", "y", "n", ".nan", ".NaN", ".inf", "-.inf", "+.inf", ".Inf", "1e9", "1.0e+9",
    "160e9", "-0", "0", "010", "0x10", "0o17", "1:30", "1_000", "1__0", "._5", "1e", "e5", "-",
    ".", "2026-01", "2026-13", "2026/01", "2026-01-15", "2026-02-30", "12k", "'quoted'",
    '"double"', '"\\u00e9\\x41"', "'unterminated", '"unterminated', "|", ">", "@reserved",
    "`backtick", "%percent", "#not a comment", "a: b", "- item", "[", "]", "{", "}", ",", "?",
    "!", "&", "*", "<<", "---", "...", "=", "\\", "\u00e9", "\u4e2d\u6587", "\U0001f600",
    "\ufeff", "9" * 30, "1" + "0" * 400, "1e400", "-1e400", "5e-324",
)

_KEYS = (
    "name", "description", "clock", "start", "horizon_months", "currency", "cny_per_usd",
    "budget", "tranches", "amount", "split", "chips", "H20", "price_usd", "dist", "low", "high",
    "mode", "sd", "p5", "p95", "truncate", "sites", "leases", "fleet", "training", "runs",
    "inference", "allocation", "policy", "procurement", "targets", "kpi", "monte_carlo",
    "correlations", "between", "extends", "export_controls", "rule_sets", "rules", "<<", "? x",
    "1", "true", "null", "~", "", "a b", "a:b", "-", "key with 'quote'",
)

_DECORATIONS = (
    "!!python/object:os.system ", "!!python/object/apply:os.system ",
    "!!python/name:builtins.eval ", "!!binary ", "!!str ", "!!int ", "!!float ", "!!map ",
    "!!seq ", "!!set ", "!!omap ", "!!timestamp ", "!include ", "! ", "!<tag:yaml.org,2002:str> ",
    "&anchor ", "&a ", "&a !!str ",
)
"""What may stand before a value: tags (core, Python, custom, verbatim) and anchors."""

_ALIASES = ("*anchor", "*a", "*undefined")


def _decorations() -> st.SearchStrategy[str]:
    """Usually nothing; one node in ten gets a tag or an anchor (any one rejects the file)."""
    return st.one_of(*[st.just("")] * 9, st.sampled_from(_DECORATIONS))


def _scalars() -> st.SearchStrategy[str]:
    """A scalar as YAML text (not necessarily valid on its own)."""
    return st.one_of(
        st.sampled_from(_SPECIAL_SCALARS),
        st.integers().map(str),
        st.floats().map(repr),
        st.text(max_size=12),
        *[st.from_regex(r"[A-Za-z_][A-Za-z0-9_\-]{0,10}", fullmatch=True)] * 2,
    )


def _keys() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(_KEYS), st.sampled_from(_KEYS), st.text(max_size=8))


@st.composite
def _flow(draw: st.DrawFn, depth: int) -> str:
    """A one-line flow node: a scalar, ``[a, b]`` or ``{k: v}``, possibly tagged or an alias."""
    kinds = ("scalar",) * 6 + ("seq", "map") * (2 if depth else 0) + ("alias",)
    kind = draw(st.sampled_from(kinds))
    decoration = draw(_decorations())
    if kind == "alias":
        return draw(st.sampled_from(_ALIASES))
    if kind == "scalar":
        return decoration + draw(_scalars())
    items = draw(st.lists(_flow(depth - 1), max_size=4))
    if kind == "seq":
        return decoration + "[" + ", ".join(items) + "]"
    keys = draw(st.lists(_keys(), min_size=len(items), max_size=len(items)))
    return decoration + "{" + ", ".join(f"{k}: {v}" for k, v in zip(keys, items, strict=True)) + "}"


@st.composite
def _block(draw: st.DrawFn, depth: int, indent: int) -> list[str]:
    """Lines of a block mapping or sequence at ``indent``, children nested below."""
    pad = " " * indent
    lines: list[str] = []
    is_map = draw(st.booleans())
    entries = draw(st.integers(min_value=0 if depth < 3 else 1, max_value=4))
    for _ in range(entries):
        head = f"{pad}{draw(_keys())}:" if is_map else f"{pad}-"
        nested = depth > 0 and draw(st.booleans())
        if nested:
            decoration = draw(_decorations()).rstrip()
            lines.append(f"{head} {decoration}".rstrip())
            step = draw(st.sampled_from((2, 2, 2, 4, 1, 3)))
            lines.extend(draw(_block(depth - 1, indent + step)))
        else:
            lines.append(f"{head} {draw(_flow(min(depth, 2)))}")
        if is_map and draw(st.integers(0, 9)) == 0:
            lines.append(lines[-1])  # a duplicate key (or a duplicate item)
    return lines


@st.composite
def _structured(draw: st.DrawFn) -> str:
    """Structured YAML in block style, sometimes with a comment, a directive or a tab."""
    lines = draw(_block(draw(st.integers(0, 4)), 0))
    if draw(st.booleans()):
        lines.insert(0, draw(st.sampled_from(
            ("# a comment", "---", "%YAML 1.1\n---", "%TAG !e! tag:example.com,2000:\n---",
             "extends: ../../scenarios/bytedance_2026.yaml", "<<: {name: merged}")
        )))
    text = "\n".join(lines) + draw(st.sampled_from(("\n", "", "\n\n", "\r\n")))
    if lines and draw(st.integers(0, 5)) == 0:
        text = text.replace("  ", "\t", 1)
    return text


@st.composite
def _edited(draw: st.DrawFn, base: st.SearchStrategy[str]) -> str:
    """``base`` with a random span deleted or random text inserted (a typing slip)."""
    text = draw(base)
    at = draw(st.integers(0, len(text)))
    if draw(st.booleans()):
        return text[:at] + text[at + draw(st.integers(0, 8)):]
    return text[:at] + draw(st.text(max_size=4)) + text[at:]


def _nested(max_depth: int) -> st.SearchStrategy[str]:
    """Flow or block nesting up to ``max_depth`` levels, under a scenario key or at the top."""
    def build(args: tuple[int, str, str]) -> str:
        depth, style, key = args
        if style == "flow-seq":
            body = "[" * depth + "]" * depth
        elif style == "flow-map":
            body = "{a: " * depth + "1" + "}" * depth
        else:
            return "".join(" " * i + f"{key}:\n" for i in range(depth)) + " " * depth + "x\n"
        return f"{key}: {body}\n" if key else body

    return st.tuples(
        st.integers(1, max(1, max_depth)),
        st.sampled_from(("flow-seq", "flow-map", "block")),
        st.sampled_from(("", "chips", "budget", "name")),
    ).map(build)


def yaml_documents(*, max_depth: int = 1000, printable: bool = False) -> st.SearchStrategy[str]:
    """Arbitrary YAML-ish text: garbage, plain text, structured YAML, deep nesting, several
    documents, typing slips in structured YAML and in the reference scenario's text.

    ``max_depth`` bounds the deliberately deep nesting (the loader refuses more than 64 levels;
    the default goes far past Python's recursion limit). ``printable=True`` replaces the control
    characters that YAML does not allow (NUL, BEL, ESC...) by ``?``, for a test that wants its
    input to get past the reader.
    """
    garbage = st.one_of(
        st.binary(max_size=200).map(lambda b: b.decode("utf-8", errors="replace")),
        st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    )
    structured = _structured()
    reference = st.builds(_reference_text)
    documents = st.one_of(
        _edited(reference),
        garbage,
        st.text(max_size=200),
        structured,
        structured,
        _edited(structured),
        _nested(max_depth),
        st.lists(structured, min_size=2, max_size=3).map("\n---\n".join),
        st.lists(_flow(3), min_size=1, max_size=3).map(lambda items: "\n".join(items) + "\n"),
    )
    if printable:
        return documents.map(lambda text: _NON_PRINTABLE.sub("?", text))
    return documents


# -- mutated scenarios -----------------------------------------------------------------------


@functools.cache
def _reference_text() -> str:
    return REFERENCE_SCENARIO.read_text(encoding="utf-8")


@functools.cache
def _reference() -> Any:
    return read_yaml(REFERENCE_SCENARIO).data


def reference_data() -> Any:
    """A fresh deep copy of the reference scenario's plain data (read from disk once)."""
    return copy.deepcopy(_reference())


def _numbers() -> st.SearchStrategy[float | int]:
    return st.one_of(
        st.floats(),  # includes nan, inf, -0.0, subnormals and huge values
        st.integers(min_value=-(10**20), max_value=10**20),
        st.sampled_from((0, 1, -1, 0.5, 1e9, 1e26, 2**63, -(2**63) - 1)),
    )


def random_values() -> st.SearchStrategy[Any]:
    """A random YAML-representable value: str, int, float (nan/inf too), bool, None, list, dict."""
    scalars = st.one_of(
        st.text(max_size=16),
        st.sampled_from(("", "yes", "no", "2026-01", "2026-13", "H20", "uniform", "x" * 300)),
        _numbers(),
        st.booleans(),
        st.none(),
    )
    return st.one_of(
        scalars,
        st.lists(scalars, max_size=3),
        st.dictionaries(st.text(max_size=8), scalars, max_size=3),
    )


_DIST_PARAMETERS = (
    "low", "high", "mode", "mean", "sd", "median", "sigma", "alpha", "beta", "shape", "value",
    "values", "weights", "samples", "p5", "p10", "p50", "p90", "p95", "truncate", "loc",
)


@st.composite
def _distribution(draw: st.DrawFn, around: Any) -> dict[str, Any]:
    """A distribution mapping with random (often wrong) parameters, near ``around`` if numeric."""
    kinds = (*DISTRIBUTION_KINDS, "unifrom", "Normal", "", "gaussian")
    dist: dict[str, Any] = {}
    if draw(st.integers(0, 9)):
        dist["dist"] = draw(st.one_of(st.sampled_from(kinds), random_values()))
    centre = around if isinstance(around, int | float) and not isinstance(around, bool) else 1.0
    near = st.sampled_from((centre, centre * 0.5, centre * 2, -centre, 0.0))
    number = st.one_of(near, _numbers())
    numbers = st.lists(st.one_of(number, st.none()), max_size=4)
    for name in draw(st.lists(st.sampled_from(_DIST_PARAMETERS), max_size=4, unique=True)):
        if name in ("values", "weights", "samples", "truncate"):
            dist[name] = draw(st.one_of(numbers, number))
        else:
            dist[name] = draw(st.one_of(number, number, random_values()))
    return dist


def _slots(node: Any) -> list[tuple[Any, Any]]:
    """Every ``(container, key_or_index)`` below ``node``, depth first."""
    found: list[tuple[Any, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((node, key))
            found.extend(_slots(value))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.append((node, index))
            found.extend(_slots(value))
    return found


def _typo(word: str) -> st.SearchStrategy[str]:
    """``word`` with one character dropped, doubled or swapped for a random one."""
    def edit(args: tuple[int, int, str]) -> str:
        how, at, char = args
        at = at % max(1, len(word))
        if how == 0:
            return word[:at] + word[at + 1:]
        if how == 1:
            return word[:at] + word[at:at + 1] * 2 + word[at + 1:]
        return word[:at] + char + word[at + 1:]

    return st.tuples(st.integers(0, 2), st.integers(0, 100), st.characters(codec="utf-8")).map(edit)


@st.composite
def _mutate(draw: st.DrawFn, data: Any) -> None:
    """Apply one random edit to ``data`` in place."""
    slots = _slots(data)
    if not slots:
        return
    container, key = draw(st.sampled_from(slots))
    action = draw(st.sampled_from(("delete", "rename", "replace", "duplicate", "wrap")))
    if action == "delete":
        del container[key]
    elif action == "rename" and isinstance(container, dict):
        new = draw(st.one_of(_typo(str(key)), st.text(max_size=12), st.sampled_from(_KEYS)))
        container[new] = container.pop(key)
    elif action == "duplicate" and isinstance(container, list):
        container.insert(key, copy.deepcopy(container[key]))
    elif action == "duplicate" and isinstance(container[key], list) and container[key]:
        items = container[key]
        items.append(copy.deepcopy(items[draw(st.integers(0, len(items) - 1))]))
    elif action == "wrap":
        container[key] = draw(_distribution(container[key]))
    else:
        container[key] = draw(random_values())


@st.composite
def mutated_scenarios(draw: st.DrawFn, max_mutations: int = 3) -> Any:
    """The reference scenario's data with 1 to ``max_mutations`` random edits."""
    data = reference_data()
    for _ in range(draw(st.integers(1, max_mutations))):
        draw(_mutate(data))
    return data
