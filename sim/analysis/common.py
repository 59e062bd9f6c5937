"""What every analysis shares: scenarios with labels and overrides, the KPIs asked for, the
run options every scenario of an analysis shares, and JSON files written atomically.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import CapexsimError
from sim.kpis import KPIS, check_kpi_name
from sim.schema.scenario import Scenario

__all__ = ["Common", "Labelled", "clean_json", "common_options", "direction",
           "load_labelled", "parse_set_for", "select_kpis", "write_json"]


@dataclass(frozen=True)
class Labelled:
    """A scenario, the label it is known by, and the file it came from."""

    label: str
    scenario: Scenario
    source: str


@dataclass(frozen=True)
class Common:
    """What every scenario of an analysis shares, so that replication i of each sees the same
    draws: the root seed, the design and its size."""

    seed: int
    design: str
    runs: int


def select_kpis(kpis: Sequence[str] | None) -> list[str]:
    """The KPIs asked for (all, in registry order, when none are), checked by name."""
    if not kpis:
        return list(KPIS)
    out = []
    for name in kpis:
        try:
            out.append(check_kpi_name(name))
        except ValueError as exc:
            raise CapexsimError(f"--kpi {name}: {exc}") from None
    return list(dict.fromkeys(out))


def direction(kpi: str) -> int:
    """+1 when more of ``kpi`` is better, -1 when less is."""
    return 1 if KPIS[kpi].higher_is_better else -1


def parse_set_for(items: Sequence[str]) -> dict[str, list[str]]:
    """``["raised:budget.tranches.0.amount=200e9"]`` -> ``{"raised": ["budget....=200e9"]}``."""
    out: dict[str, list[str]] = {}
    for item in items:
        label, sep, override = item.partition(":")
        if not sep or not label.strip() or "=" not in override:
            raise CapexsimError(f"--set-for {item}: expected NAME:path.to.field=value, e.g. "
                                "raised:budget.tranches.0.amount=200e9")
        out.setdefault(label.strip(), []).append(override)
    return out


def load_labelled(files: Sequence[str | Path], *, labels: Sequence[str] | None = None,
                  overrides: Sequence[str] = (),
                  overrides_for: Mapping[str, Sequence[str]] | None = None) -> list[Labelled]:
    """Load each file with the shared ``overrides`` and then its own (by label). Labels
    default to the file stems; they must be unique (the same file twice needs labels)."""
    from sim.loading import load_scenario

    if not files:
        raise CapexsimError("give at least one scenario file")
    if labels:
        if len(labels) != len(files):
            raise CapexsimError(f"{len(labels)} --label for {len(files)} scenario(s): give one "
                                "label per scenario, in order")
        names = [str(label) for label in labels]
    else:
        names = [Path(f).stem for f in files]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise CapexsimError(f"scenario label {doubled[0]!r} is used twice; name each scenario "
                            "with --label (one per scenario, in order)")
    bad = [n for n in names if not n or any(c in n for c in "/\\:") or n.startswith(".")]
    if bad:
        raise CapexsimError(f"label {bad[0]!r}: use letters, digits, '-' and '_'")
    own = dict(overrides_for or {})
    unknown = sorted(set(own) - set(names))
    if unknown:
        raise CapexsimError(f"--set-for {unknown[0]}: no scenario has that label (labels: "
                            f"{', '.join(names)})")
    return [Labelled(label, load_scenario(file, [*overrides, *own.get(label, [])]), str(file))
            for label, file in zip(names, files, strict=True)]


def common_options(first: Scenario, *, runs: int | None, seed: int | None,
                   design: str | None) -> Common:
    """The shared seed, design and size: as given, else the first scenario's."""
    mc = first.monte_carlo
    if runs is not None and runs < 2:
        raise CapexsimError(f"--runs {runs}: an analysis needs at least 2 replications")
    return Common(seed=mc.seed if seed is None else int(seed),
                  design=str(design or mc.design), runs=int(runs or mc.runs))


def clean_json(value: Any) -> Any:
    """JSON-ready: NaN and infinities become None; numpy scalars become Python numbers."""
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_json(v) for v in value]
    return value


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically (NaN written as null)."""
    from sim.store.files import atomic_write_text

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(clean_json(data), indent=2, allow_nan=False) + "\n")
