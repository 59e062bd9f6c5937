"""A one-line progress bar with rate and time left, for a terminal only.

It draws on standard error when that is a terminal and ``CI`` is not set; piped output and CI
logs stay clean. Redraws are throttled to ten a second.
"""

from __future__ import annotations

import math
import os
import time
from typing import TextIO

__all__ = ["Progress", "progress_wanted"]


def progress_wanted(stream: TextIO) -> bool:
    """True when ``stream`` is a terminal and we are not in CI."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        return False
    return tty and not os.environ.get("CI")


def _clock(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Counts replications done out of ``total``; draws only when ``stream`` is given."""

    def __init__(self, stream: TextIO | None, total: int, *, done: int = 0,
                 label: str = "runs") -> None:
        self.stream, self.total, self.done, self.label = stream, total, done, label
        self._start_done = done
        self._t0 = time.monotonic()
        self._last = 0.0

    def advance(self, count: int) -> None:
        """``count`` more replications are done."""
        self.done += count
        self._draw()

    def close(self) -> None:
        """Finish the line."""
        if self.stream is not None:
            self._draw(force=True)
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, *, force: bool = False) -> None:
        if self.stream is None:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        elapsed = max(now - self._t0, 1e-9)
        rate = (self.done - self._start_done) / elapsed
        fraction = self.done / self.total if self.total else 1.0
        width = 30
        bar = "#" * int(width * fraction) + "." * (width - int(width * fraction))
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        eta = _clock(left) if math.isfinite(left) else "?"
        self.stream.write(f"\r{self.done:>9,}/{self.total:,} {self.label} [{bar}] "
                          f"{fraction:4.0%}  {rate:7.1f}/s  {_clock(elapsed)} elapsed, "
                          f"{eta} left ")
        self.stream.flush()
