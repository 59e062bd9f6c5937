"""The engine's fast paths give exactly the floats of the reference functions they replace."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from hypothesis import example, given
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
       kv=st.floats(0.0, 2e6), horizon=st.floats(1.0, 120.0),
       bytes_per_param=st.sampled_from([0.5, 1.0, 2.0]),
       total_params=st.floats(1e9, 2e12), active_share=st.floats(0.01, 1.0),
       hbm=st.sampled_from([0.0, 0.01, 0.05, 1.0, 4.0]), bandwidth=st.sampled_from([0.0, 1.0]))
@example(rep=0, month=12, agent=0.0, context=4096.0, batch=64.0, kv=0.0, horizon=36.0,
         bytes_per_param=2.0, total_params=2e12, active_share=0.05, hbm=0.01, bandwidth=1.0)
def test_chip_serving_equals_chip_tokens_per_s(
        rep: int, month: int, agent: float, context: float, batch: float, kv: float,
        horizon: float, bytes_per_param: float, total_params: float, active_share: float,
        hbm: float, bandwidth: float) -> None:
    """Every chip of the reference scenario, its drawn demand varied over contexts, decode
    batches, KV sizes, weight precisions and model sizes that reach the replica limit and
    the compute and memory bounds, and chips with less (or no) memory or bandwidth. The
    example is a model whose two-byte weights alone need more than 4,096 replicas' memory."""
    inputs = INPUTS[rep]
    d = dataclasses.replace(inputs.demand, agent_share_end=agent, agent_context_tokens=context,
                            decode_batch=batch, kv_bytes_per_token=kv,
                            bytes_per_param=bytes_per_param, total_params=total_params,
                            active_params=total_params * active_share)
    for original in inputs.chips.values():
        attrs = dataclasses.replace(original.attrs, hbm_gb=original.attrs.hbm_gb * hbm,
                                    hbm_bandwidth_gb_s=original.attrs.hbm_bandwidth_gb_s
                                    * bandwidth)
        chip = dataclasses.replace(original, attrs=attrs)
        serving = ChipServing(chip, d, horizon)
        expected = chip_tokens_per_s(chip, d, float(month), horizon)
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
