"""The registry of report sections: each renders from files of the run directory.

The built-in sections are :data:`sim.report.run_sections.SECTIONS` (every run report) and
:data:`sim.report.analysis_sections.SECTIONS` (compare, sensitivity, sweep, calibration; each
present only when its JSON file is, with the shape documented there). A :class:`Section` names
its template (under ``sim/report/templates/sections/``), the file whose presence makes it
appear (``trigger``; None for the sections every run report has) and a ``build`` function
turning the :class:`~sim.report.rundata.RunData` into the template's variables (or None to
leave the section out). The report renders the built-in sections, then those added with
:func:`register` (by another module, at run time, not on import)::

    register(Section("regret", "Regret over plans", "regret.html.j2", build_regret,
                     trigger="regret.json"))

Section ids are the HTML ids of the rendered sections (``<section id="headline">``), so a
test or a reader can find each one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.report.rundata import RunData

__all__ = ["Section", "register", "registered", "unregister"]

Builder = Callable[[RunData], dict[str, Any] | None]


@dataclass(frozen=True)
class Section:
    """One section of the report."""

    id: str
    title: str
    template: str
    build: Builder
    trigger: str | None = None
    """A file of the run directory; the section appears only when it exists."""
    order: int = 70
    """Position on the page (lower first; ties in registration order). The run report uses
    10-50 (results), 80-95 (every KPI, provenance, inputs); analyses 60-69."""


_SECTIONS: dict[str, Section] = {}


def register(section: Section) -> Section:
    """Add (or replace, by id) a section after the built-in ones; returns it."""
    _SECTIONS[section.id] = section
    return section


def unregister(section_id: str) -> None:
    """Remove a section added with :func:`register` (nothing if there is none)."""
    _SECTIONS.pop(section_id, None)


def registered() -> list[Section]:
    """Every section, by ``order``: the built-in ones and the registered ones (a registered
    section replaces a built-in one of the same id)."""
    from sim.report import analysis_sections, run_sections

    builtin = [*run_sections.SECTIONS, *analysis_sections.SECTIONS]
    ids = {s.id for s in builtin}
    every = [_SECTIONS.get(s.id, s) for s in builtin]
    every += [s for s in _SECTIONS.values() if s.id not in ids]
    return sorted(every, key=lambda s: s.order)  # stable: ties keep this order
