"""Waiting in the SimPy clock with callbacks instead of generator processes.

A process costs a ``Process``, a generator and a completion event for every wait; the engine
only ever waits once and then acts. :func:`later` schedules the action as a callback on a
timeout, created by an urgent event now, as SimPy's ``Initialize`` creates a process's first
wait: every action keeps the place in SimPy's (time, priority, creation) order that the same
process would have had, so simultaneous events run in the same order.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy
from simpy.events import URGENT

__all__ = ["Pending", "later"]


class _Urgent(simpy.Event):
    """An event triggered now at SimPy's urgent priority, as the ``Initialize`` event that
    starts a process."""

    def __init__(self, env: simpy.Environment, callback: Callable[[simpy.Event], None]) -> None:
        super().__init__(env)
        self.callbacks.append(callback)
        self._ok = True
        self._value = None
        env.schedule(self, URGENT)


class Pending:
    """A wait that can be called off (a training run that lost its chips)."""

    __slots__ = ("cancelled",)

    def __init__(self) -> None:
        self.cancelled = False


def later(env: simpy.Environment, delay: float | Callable[[], float],
          action: Callable[[], None], pending: Pending | None = None) -> None:
    """Call ``action`` ``delay`` months from now, in exactly the order a SimPy process started
    now that waits ``delay`` would run. A callable ``delay`` is evaluated where that process
    would have computed it (when it starts). A cancelled ``pending`` skips the action."""

    def wait(_: simpy.Event) -> None:
        if pending is not None and pending.cancelled:
            return
        env.timeout(delay() if callable(delay) else delay).callbacks.append(act)

    def act(_: simpy.Event) -> None:
        if pending is None or not pending.cancelled:
            action()

    _Urgent(env, wait)
