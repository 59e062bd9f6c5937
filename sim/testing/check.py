"""``capexsim check``: the invariants on generated variations of a user's scenario.

Hypothesis draws points anywhere in the scenario's uncertain input space (each input over its
whole distribution, not only where Monte Carlo samples often) and seeds for the keyed event
streams, runs :func:`sim.testing.invariants.check_all` on each, and on a failure shrinks it
to the simplest point that still fails.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from sim.model import input_space
from sim.schema.scenario import Scenario
from sim.testing.invariants import Violation, check_all

__all__ = ["CheckReport", "check_scenario"]


@dataclass
class CheckReport:
    """What ``check_scenario`` found: the examples run, and the first failure, shrunk."""

    examples: int = 0
    violations: list[Violation] = field(default_factory=list)
    seed: int | None = None
    inputs: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.violations


def check_scenario(scenario: Scenario, *, examples: int = 50,
                   derandomize: bool = True) -> CheckReport:
    """Run the invariants on ``examples`` variations; shrink the first failure."""
    try:
        from hypothesis import HealthCheck, Phase, given, settings
        from hypothesis import strategies as st
    except ImportError as exc:  # pragma: no cover - hypothesis is in the testing extra
        from sim.errors import CapexsimError

        raise CapexsimError("capexsim check needs hypothesis: pip install "
                            "'capexsim[testing]'") from exc
    space = input_space(scenario)
    report = CheckReport()
    point = st.lists(st.floats(0.0, 1.0), min_size=len(space.names), max_size=len(space.names))

    @settings(max_examples=examples, deadline=None, derandomize=derandomize, database=None,
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False,
              phases=[Phase.generate, Phase.shrink])
    @given(u=point, seed=st.integers(0, 2**32 - 1))
    def run(u: list[float], seed: int) -> None:
        report.examples += 1
        values = space.values(u)
        found = check_all(scenario, seed, 0, values=values)
        if found:
            report.violations, report.seed = found, seed
            report.inputs = {name: values[name] for name in space.names}
            raise AssertionError(str(found[0]))

    with contextlib.suppress(AssertionError):  # the failure is in the report
        run()
    return report
