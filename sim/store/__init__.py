"""Run directories: append-only fragments and a journal while running, atomic final files,
a single-writer lock, resume; and the bounded-memory sketch behind the series bands.

Modules: :mod:`~sim.store.rundir` (the directory), :mod:`~sim.store.files` (atomic writes,
journal lines, the lock, OS errors in one line), :mod:`~sim.store.journal` (what each journal
line vouches for, and the check of every file), :mod:`~sim.store.verify` (``capexsim
verify``), :mod:`~sim.store.manifest` (hashes and the resume check), :mod:`~sim.store.tables`
(Arrow tables and deterministic Parquet), :mod:`~sim.store.sketch` (series bands).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.store.rundir import RunDirectory
    from sim.store.sketch import SeriesSketch

__all__ = ["RunDirectory", "SeriesSketch"]

_HOMES = {"RunDirectory": "sim.store.rundir", "SeriesSketch": "sim.store.sketch"}


def __getattr__(name: str) -> Any:
    # lazy, so that a worker importing sim.store.sketch does not load pyarrow
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'sim.store' has no attribute {name!r}")
