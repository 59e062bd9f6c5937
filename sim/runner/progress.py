"""A progress bar (click's) for long runs on a terminal; nothing otherwise.

It draws on standard error when that is a terminal and ``CI`` is not set, so piped output and
CI logs stay clean, and only once a run has lasted ``delay`` seconds (one second), so a short
run prints no bar at all. It shows replications done, the percentage, the rate and the time
left.
"""

from __future__ import annotations

import os
import time
from typing import Any, TextIO

__all__ = ["Progress", "progress_wanted"]


def progress_wanted(stream: TextIO) -> bool:
    """True when ``stream`` is a terminal and we are not in CI."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        return False
    return tty and not os.environ.get("CI")


class Progress:
    """Counts replications done out of ``total``; draws only when ``stream`` is given, and
    only after ``delay`` seconds."""

    def __init__(self, stream: TextIO | None, total: int, *, done: int = 0,
                 label: str = "runs", delay: float = 1.0) -> None:
        self.stream, self.total, self.done, self.label = stream, total, done, label
        self.delay = delay
        self._start_done = done
        self._t0 = time.monotonic()
        self._bar: Any = None

    def _rate(self, _item: object = None) -> str:
        elapsed = max(time.monotonic() - self._t0, 1e-9)
        return f"{(self.done - self._start_done) / elapsed:,.1f} {self.label}/s"

    def _open(self) -> None:
        import click

        self._bar = click.progressbar(
            length=self.total, label=self.label, file=self.stream, show_pos=True,
            show_percent=True, show_eta=True, item_show_func=self._rate, width=24)
        self._bar.__enter__()
        self._bar.update(self.done, None)

    def advance(self, count: int) -> None:
        """``count`` more replications are done."""
        self.done += count
        if self.stream is None:
            return
        if self._bar is None:
            if time.monotonic() - self._t0 < self.delay:
                return
            self._open()
            return
        self._bar.update(count, None)

    def close(self) -> None:
        """Finish the bar's line (nothing if it was never drawn)."""
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
