"""The engine's fast paths give exactly the floats of the reference functions they replace."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from sim.api import correlation_spec
from sim.design import unit_points
from sim.loading import load_scenario
from sim.model import concretize, input_space
from sim.model.inference import ChipServing, chip_tokens_per_s
from sim.schema.common import Destination

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = load_scenario(ROOT / "scenarios" / "bytedance_2026.yaml")
SPACE = input_space(REFERENCE)


def _inputs(replication: int):  # type: ignore[no-untyped-def]
    u = unit_points(SPACE.names, 7, [replication], "mc",
                    correlations=correlation_spec(REFERENCE))
    return concretize(REFERENCE, SPACE.values(u[0]))


INPUTS = [_inputs(i) for i in range(4)]
DESTINATIONS: tuple[Destination, ...] = ("domestic", "overseas_owned", "leased")


@given(rep=st.integers(0, 3), month=st.integers(0, 60),
       agent=st.floats(0.0, 1.0), context=st.floats(1.0, 2e6), batch=st.floats(1.0, 4096.0),
       kv=st.floats(0.0, 2e6), horizon=st.floats(1.0, 120.0))
def test_chip_serving_equals_chip_tokens_per_s(rep: int, month: int, agent: float,
                                               context: float, batch: float, kv: float,
                                               horizon: float) -> None:
    """Every chip of the reference scenario, its drawn demand varied over contexts, decode
    batches and KV sizes that reach the replica limit and the compute and memory bounds."""
    inputs = INPUTS[rep]
    d = dataclasses.replace(inputs.demand, agent_share_end=agent, agent_context_tokens=context,
                            decode_batch=batch, kv_bytes_per_token=kv)
    for chip in inputs.chips.values():
        serving = ChipServing(chip, d, horizon)
        expected = chip_tokens_per_s(chip, d, float(month), horizon)
        assert serving.tokens_per_s(float(month)) == expected, chip.name
        assert serving.table(month + 2)[month] == expected, chip.name


def test_rulebook_statuses_equal_classify_over_every_rule() -> None:
    """The rulebook classifies over the rules it found to cover a chip (a cache shared by the
    replications of a scenario, keyed by the chip's attribute values) without evaluating
    their predicates again: every status equals a plain classify over all the rules."""
    from sim.catalog.rules import classify
    from sim.model.rulebook import Rulebook

    for rep, inputs in enumerate(INPUTS):
        book = Rulebook(inputs, lambda name: 0.5)
        times = sorted({0.0, *(t for t in inputs.rule_landing.values() if t is not None)})
        for chip in inputs.chips.values():
            for destination in DESTINATIONS:
                for t in times:
                    got = book.status(chip, destination, t)
                    expected = classify(chip.attrs, t + book._offset, destination,
                                        inputs.rules, value_of=book._value_of,
                                        timing=book._timing)
                    assert got == expected, (rep, chip.name, destination, t)
