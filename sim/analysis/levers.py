"""Levers: scenario fields a decision sets (a budget, a lease size, a share), and the
scenarios that result from setting them.

A lever is ``path=LOW:HIGH[:N]`` with the path of a ``--set`` override. A lever on a field
whose value in the scenario is a whole number (a count of accelerators) is an integer lever:
its values are rounded. Setting a lever replaces the field, constant or distribution, with the
value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from sim.errors import CapexsimError
from sim.schema.scenario import Scenario
from sim.yamlio import YamlDocument

__all__ = ["Lever", "LeverScenarios", "lever_points", "parse_lever"]


@dataclass(frozen=True)
class Lever:
    """A field and the range it is moved over (``n`` values on a grid)."""

    path: str
    low: float
    high: float
    n: int = 5
    integer: bool = False

    def value(self, x: float) -> float:
        """``x`` as this lever takes it (rounded for an integer lever)."""
        return float(round(x)) if self.integer else float(x)

    def text(self, x: float) -> str:
        """The override that sets the lever to ``x``."""
        v = self.value(x)
        return f"{self.path}={int(v)}" if self.integer else f"{self.path}={v!r}"


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise CapexsimError(f"{what}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise CapexsimError(f"{what}: {text!r} must be finite")
    return value


def parse_lever(text: str, *, need_n: bool = True) -> Lever:
    """``"budget.tranches.0.amount=100e9:250e9:4"`` -> a :class:`Lever`."""
    path, sep, spec = text.partition("=")
    parts = spec.split(":")
    form = "PATH=LOW:HIGH:N" if need_n else "PATH=LOW:HIGH"
    if not sep or not path.strip() or len(parts) not in ((2, 3) if need_n else (2,)):
        raise CapexsimError(f"--lever {text}: expected {form}, e.g. "
                            "budget.tranches.0.amount=100e9:250e9:4")
    low = _number(parts[0], f"--lever {text}")
    high = _number(parts[1], f"--lever {text}")
    if not low < high:
        raise CapexsimError(f"--lever {text}: LOW must be below HIGH")
    n = 5
    if len(parts) == 3:
        if not parts[2].strip().isdigit() or int(parts[2]) < 1:
            raise CapexsimError(f"--lever {text}: N must be a whole number >= 1")
        n = int(parts[2])
    return Lever(path.strip(), low, high, n)


def lever_points(levers: Sequence[Lever], method: str, seed: int,
                 points: int | None = None) -> npt.NDArray[np.float64]:
    """Lever values ``[points, levers]``: the full grid (``n`` values each, first lever
    slowest), or a Latin hypercube or scrambled Sobol' sample of ``points`` (keyed by the root
    seed, apart from the input streams)."""
    from sim.design import unit_points
    from sim.streams import key_id

    if method == "grid":
        axes = [np.linspace(lv.low, lv.high, lv.n) if lv.n > 1 else np.array([lv.low])
                for lv in levers]
        mesh = np.meshgrid(*axes, indexing="ij")
        values = np.column_stack([m.ravel() for m in mesh])
    else:
        count = points or int(np.prod([lv.n for lv in levers]))
        lever_seed = int(np.random.SeedSequence(seed, spawn_key=(key_id("sweep:levers"),))
                         .generate_state(1, np.uint64)[0] >> np.uint64(1))
        u = unit_points([f"lever:{lv.path}" for lv in levers], lever_seed, range(count),
                        method, n_total=count)
        low = np.array([lv.low for lv in levers])
        high = np.array([lv.high for lv in levers])
        values = low + u * (high - low)
    return np.column_stack([[lv.value(x) for x in values[:, k]]
                            for k, lv in enumerate(levers)]) if len(levers) else values


class LeverScenarios:
    """A scenario file read once, validated again for each setting of the levers."""

    def __init__(self, path: str | Path, overrides: Sequence[str] = ()) -> None:
        from sim.loading import load_document, validate_document

        self.document: YamlDocument = load_document(path, overrides)
        self.base: Scenario = validate_document(self.document)

    def current(self, path: str) -> object:
        """The value at ``path`` in the file (list items by index or name), or None."""
        node: object = self.document.data
        for seg in path.split("."):
            if isinstance(node, dict):
                node = node.get(seg)
            elif isinstance(node, list):
                named = [i for i in node if isinstance(i, dict) and i.get("name") == seg]
                if named:
                    node = named[0]
                elif seg.isdigit() and int(seg) < len(node):
                    node = node[int(seg)]
                else:
                    return None
            else:
                return None
        return node

    def resolve(self, levers: Sequence[Lever]) -> list[Lever]:
        """The levers, made integer where the scenario's value is a whole number."""
        from dataclasses import replace

        return [replace(lv, integer=isinstance(self.current(lv.path), int)
                        and not isinstance(self.current(lv.path), bool)) for lv in levers]

    def at(self, levers: Sequence[Lever], values: Sequence[float]) -> Scenario:
        """The scenario with each lever set to its value."""
        from sim.loading import validate_document
        from sim.loading.compose import apply_overrides

        texts = [lv.text(x) for lv, x in zip(levers, values, strict=True)]
        return validate_document(apply_overrides(self.document, texts))
