"""Helpers for the report tests: a small finished run directory, and the numbers a report page
carries in its data attributes."""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMALL = str(ROOT / "tests" / "scenarios" / "small_uncertain.yaml")
REFERENCE = str(ROOT / "scenarios" / "bytedance_2026.yaml")


def small_run(directory: Path, *, runs: int = 40, reference: bool = False) -> Path:
    """A finished run directory (no report yet) of the small scenario (or a short reference)."""
    from sim.runner import run

    if directory.exists():
        shutil.rmtree(directory)
    if reference:
        run(REFERENCE, runs=runs, seed=11, executor="serial", out=directory, progress=False,
            overrides=["clock.horizon_months=24"])
    else:
        run(SMALL, runs=runs, seed=3, executor="serial", out=directory, progress=False)
    return directory


class Page(HTMLParser):
    """Sections, numbers (data-value attributes), links and sources of a report page."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[str] = []
        self.numbers: list[dict[str, str]] = []
        self.urls: list[tuple[str, str, str]] = []
        self.tags: list[str] = []
        self.meta: list[dict[str, str]] = []
        self.ids: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append(tag)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "section" and "data-section" in a:
            self.sections.append(a["data-section"])
        if "data-value" in a:
            self.numbers.append(a)
        if tag == "meta":
            self.meta.append(a)
        for key in ("src", "href", "action", "srcset", "poster", "data"):
            if key in a:
                self.urls.append((tag, key, a[key]))
