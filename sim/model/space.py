"""The input space of a scenario: every number the model reads, by path, and which are uncertain.

Scenario quantities keep the paths of :mod:`sim.schema.walk` (``chips.H20.price_usd``). Three
kinds of input come from elsewhere and get paths of the same shape:

- built-in catalog values that are ranges (contested specs) for the chips a scenario lists, as
  ``chips.<chip>.spec.<field>`` (uniform over the range) unless the scenario overrides them;
- the quantities of every rule in force (built-in or the scenario's own), as
  ``rules.<rule_id>.<field>``;
- each rule's landing time within its window and whether it lands at all, as uniforms
  ``rules.<rule_id>.landing`` and ``rules.<rule_id>.happens``.

A design turns points of the unit cube into values of the uncertain inputs (``ppf``); constants
are fixed. :meth:`InputSpace.values` gives one replication's complete ``{path: value}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from sim.catalog.chips import SPEC_FIELDS, load_catalog
from sim.catalog.rules import combine_rules
from sim.distributions import Distribution, Fixed, Uniform, is_uncertain
from sim.schema.rules import Rule
from sim.schema.scenario import Scenario
from sim.schema.walk import iter_quantities

__all__ = ["InputSpace", "active_rules", "input_space"]


def active_rules(scenario: Scenario) -> tuple[Rule, ...]:
    """The rules in force in ``scenario``: its rule sets minus ``disable``, plus its own."""
    controls = scenario.export_controls
    disabled = set(controls.disable)
    builtin = [r for r in combine_rules(controls.rule_sets) if r.id not in disabled]
    return (*builtin, *controls.rules)


@dataclass(frozen=True)
class InputSpace:
    """Constants and uncertain inputs by path; uncertain names are sorted (a stable order)."""

    constants: Mapping[str, float]
    uncertain: Mapping[str, Distribution]

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Uncertain input paths, sorted."""
        return tuple(sorted(self.uncertain))

    def values(self, u: Sequence[float] | npt.NDArray[np.float64]) -> dict[str, float]:
        """All inputs for one point ``u`` of the unit cube (one coordinate per name)."""
        if len(u) != len(self.names):
            raise ValueError(f"expected {len(self.names)} coordinates, got {len(u)}")
        out = dict(self.constants)
        for name, x in zip(self.names, u, strict=True):
            out[name] = float(self.uncertain[name].ppf(np.asarray(x)))
        return out

    def matrix(self, u: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Values of the uncertain inputs for many points at once: ``u`` is ``[n, d]``."""
        out = np.empty_like(u, dtype=np.float64)
        for j, name in enumerate(self.names):
            out[:, j] = self.uncertain[name].ppf(u[:, j])
        return out

    def row(self, x: npt.NDArray[np.float64]) -> dict[str, float]:
        """All inputs, given one row of :meth:`matrix`."""
        out = dict(self.constants)
        out.update(zip(self.names, x.tolist(), strict=True))
        return out

    def nominal(self) -> dict[str, float]:
        """All inputs at their medians (one deterministic, representative replication)."""
        out = dict(self.constants)
        out.update({name: dist.median() for name, dist in self.uncertain.items()})
        return out


def _add(constants: dict[str, float], uncertain: dict[str, Distribution], path: str,
         value: Any) -> None:
    if isinstance(value, float):
        constants[path] = value
    elif isinstance(value, Fixed):
        constants[path] = float(value.value)
    elif is_uncertain(value):
        uncertain[path] = value


def input_space(scenario: Scenario) -> InputSpace:
    """Every input of ``scenario``, with the catalog's ranges and the rules' timing."""
    constants: dict[str, float] = {}
    uncertain: dict[str, Distribution] = {}
    for path, value in iter_quantities(scenario):
        if not path.startswith("export_controls.rules."):
            _add(constants, uncertain, path, value)
    catalog = load_catalog()
    for name in scenario.chips:
        chip = catalog.get(name)
        if chip is None:
            continue
        for field in SPEC_FIELDS:
            path = f"chips.{name}.spec.{field}"
            if path in constants or path in uncertain:
                continue
            sourced = chip.values.get(field)
            if sourced is None:
                continue
            if sourced.is_range:
                uncertain[path] = Uniform(dist="uniform", low=sourced.low, high=sourced.high)
            else:
                constants[path] = float(sourced.low)
    for rule in active_rules(scenario):
        prefix = f"rules.{rule.id}"
        for path, value in iter_quantities(rule, f"{prefix}."):
            _add(constants, uncertain, path, value)
        earliest, latest = rule.effective_window
        if earliest != latest:
            uncertain[f"{prefix}.landing"] = Uniform(dist="uniform", low=0.0, high=1.0)
        if is_uncertain(rule.probability) or float(rule.probability) < 1.0:  # type: ignore[arg-type]
            uncertain[f"{prefix}.happens"] = Uniform(dist="uniform", low=0.0, high=1.0)
    return InputSpace(constants=constants, uncertain=uncertain)
