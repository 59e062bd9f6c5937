"""``report.html``: the run directory's files through the registered sections and Jinja2
templates, into one self-contained page (charts as PNG data URIs, inline CSS, no script, a
Content-Security-Policy that forbids any request leaving the file).

Numbers shown in the page carry their exact value for machines too:
``<span class="num" data-kpi="spent_usd" data-stat="mean" data-value="2.07e+10">$20.70B</span>``
(``data-value`` is Python's ``repr`` of the float, so it round-trips; empty when undefined).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from sim.report.rundata import ReportError, RunData

__all__ = ["REPORT_FILE", "render_html", "write_html"]

REPORT_FILE = "report.html"

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
"""Nothing may be fetched: images are data URIs, styles inline, no scripts."""


def _format(value: Any, unit: str = "") -> str:
    from sim.report.text import format_quantity

    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return format_quantity(float(value), unit)


def _compact(value: Any, unit: str = "") -> str:
    """A number for a table whose unit is in its own column: ``$47.07B``, ``19.4%``,
    ``409,096``, ``7.21e+26``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(
            value):
        return "n/a"
    if unit == "USD" or unit.startswith("USD/") or unit == "fraction":
        return _format(value, unit).split(" per ")[0]
    magnitude = abs(value)
    if magnitude >= 1e7 or 0 < magnitude < 1e-2:
        return f"{value:.3g}"
    if magnitude >= 100:
        return f"{value:,.0f}"
    return f"{value:,.3g}"


def _path(value: Any) -> Any:
    """A dotted path that may break after each dot (``<wbr>``), escaped."""
    from markupsafe import Markup, escape

    return Markup("<wbr>.").join(escape(part) for part in str(value).split("."))


def _raw(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return ""
    return repr(float(value)) if math.isfinite(value) else ""


def _percent(value: Any) -> str:
    return "n/a" if not isinstance(value, (int, float)) else f"{value:.1%}"


def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sim.report", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["q"] = _format
    env.filters["raw"] = _raw
    env.filters["c"] = _compact
    env.filters["path"] = _path
    env.filters["pct"] = _percent
    return env


def render_html(data: RunData) -> str:
    """The report page of ``data``'s run directory."""
    from sim.report.sections import registered

    sections = []
    for section in registered():
        if section.trigger is not None and data.file(section.trigger) is None:
            continue
        if section.trigger is None and data.analysis_only:
            continue  # run sections need a run
        context = section.build(data)
        if context is None:
            continue
        sections.append({"id": section.id, "title": section.title,
                         "template": f"sections/{section.template}", "ctx": context})
    env = _environment()
    try:
        template = env.get_template("report.html.j2")
        return str(template.render(summary=data.summary, manifest=data.manifest, csp=CSP,
                                   sections=sections))
    except Exception as exc:  # a template bug must not become a traceback for the user
        import jinja2

        if isinstance(exc, jinja2.TemplateError):
            raise ReportError(f"report template error: {exc}") from exc
        raise


def write_html(data: RunData) -> Path:
    """Write ``report.html`` into the run directory (atomically); returns its path."""
    from sim.store.files import atomic_write_text

    path = data.path / REPORT_FILE
    atomic_write_text(path, render_html(data))
    return path
