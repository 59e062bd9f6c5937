"""SIGINT and SIGTERM during a run: stop cleanly, at a safe point.

While :func:`interruptible` is active, either signal is only recorded; :func:`check` raises
:class:`Interrupted` at the safe points the driver and the executors call it from (between
batches, and every fraction of a second while waiting for workers). An exception raised from
inside a signal handler could land in the middle of ``concurrent.futures``' locking or of a
journal write; recorded and raised at a safe point, it never does. Worker processes ignore
SIGINT (:func:`quiet_worker`): a Ctrl-C reaches the whole process group, and only the driver
should answer it, once, without worker tracebacks. Workers are started with SIGINT blocked
(:func:`blocked_while_spawning`) so that a Ctrl-C during their start-up, before they can ignore
it, does not reach them either.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

__all__ = ["Interrupted", "blocked_while_spawning", "check", "deferred", "interruptible",
           "quiet_worker"]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(Exception):  # noqa: N818 (it is an event, not an error)
    """A run was stopped by a signal."""

    def __init__(self, signum: int) -> None:
        self.signame = signal.Signals(signum).name
        super().__init__(self.signame)


class _State:
    active = False
    depth = 0
    pending: int | None = None


_STATE = _State()


def _handler(signum: int, frame: FrameType | None) -> None:
    _STATE.pending = signum


def check() -> None:
    """Raise :class:`Interrupted` if a signal arrived (outside a :func:`deferred` block)."""
    if _STATE.pending is not None and _STATE.depth == 0:
        signum, _STATE.pending = _STATE.pending, None
        raise Interrupted(signum)


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Record SIGINT and SIGTERM for :func:`check` (main thread only; elsewhere, and when
    nested, this does nothing)."""
    if threading.current_thread() is not threading.main_thread() or _STATE.active:
        yield
        return
    previous: dict[signal.Signals, Any] = {s: signal.getsignal(s) for s in _SIGNALS}
    _STATE.active, _STATE.depth, _STATE.pending = True, 0, None
    for s in _SIGNALS:
        signal.signal(s, _handler)
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)
        _STATE.active, _STATE.pending = False, None


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """A block no signal interrupts (a batch being written and journaled); a signal that
    arrived is raised when it ends."""
    _STATE.depth += 1
    try:
        yield
    finally:
        _STATE.depth -= 1
    check()


@contextlib.contextmanager
def blocked_while_spawning() -> Iterator[None]:
    """Block SIGINT in this thread (inherited by processes started inside the block)."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover (not POSIX)
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def quiet_worker() -> None:
    """A worker process's initializer: ignore SIGINT (the driver answers it)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
