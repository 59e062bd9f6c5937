"""Designs: points of the unit cube, one coordinate per uncertain input, per replication.

Plain Monte Carlo (``mc``) gives each input its own keyed stream: coordinate ``(i, name)`` is
the first uniform of ``stream(seed, i, "input:" + name)``. So replication i of two scenarios
sees the same value for the same input (common random numbers), adding an input leaves the
others' draws unchanged, and any replication can be computed alone, in any order, on any
worker.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from sim.streams import stream

__all__ = ["DESIGNS", "unit_points"]

DESIGNS = ("mc",)


def unit_points(names: Sequence[str], seed: int, replications: Sequence[int],
                design: str = "mc") -> npt.NDArray[np.float64]:
    """Array ``[len(replications), len(names)]`` of coordinates in [0, 1)."""
    if design not in DESIGNS:
        raise ValueError(f"design {design!r} is not available; choose from {', '.join(DESIGNS)}")
    out = np.empty((len(replications), len(names)))
    for row, rep in enumerate(replications):
        for col, name in enumerate(names):
            out[row, col] = stream(seed, rep, f"input:{name}").random()
    return out
