"""Hypothesis strategies that generate small, valid scenarios.

Use them in your own property tests::

    from hypothesis import given
    from sim.testing.strategies import scenarios

    @given(scenarios())
    def test_my_property(scenario): ...

The scenarios are deliberately small (1-3 chips, 1-2 sites, horizons up to 18 months) so that
a replication takes milliseconds, and cover every policy and effect: built-in and custom rules,
builds, leases, a start fleet, listed and generated runs, all allocation and procurement
policies, CNY and USD tranches, constants and distributions.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from sim.catalog.rules import load_rule_sets
from sim.schema.scenario import Scenario

__all__ = ["CHIPS", "scenario_data", "scenarios"]

CHIPS = ("H20", "H100", "H200", "B200", "Ascend-910C", "MLU590")
"""Catalog chips the strategies draw from (US and Chinese, allowed and denied)."""

Draw = Any


def _number(draw: Draw, low: float, high: float, *, uncertain: bool = True) -> Any:
    """A constant, or (sometimes) a uniform distribution inside [low, high]."""
    a = draw(st.floats(low, high, allow_nan=False, allow_infinity=False))
    if uncertain and draw(st.booleans()) and draw(st.booleans()):
        b = draw(st.floats(low, high, allow_nan=False, allow_infinity=False))
        if a != b:
            return {"dist": "uniform", "low": min(a, b), "high": max(a, b)}
    return a


def _month(draw: Draw, start: int, horizon: int) -> str:
    offset = draw(st.integers(0, max(0, horizon - 1)))
    index = start + offset
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _chip(draw: Draw) -> dict[str, Any]:
    return {
        "price_usd": _number(draw, 5e3, 5e4),
        "memory_share": _number(draw, 0.0, 0.3),
        "server_multiplier": _number(draw, 1.0, 2.5),
        "price_trend_per_year": _number(draw, -0.3, 0.2),
        "supply_per_quarter": _number(draw, 0.0, 5e4),
        "lead_time_months": _number(draw, 0.0, 9.0),
        "annual_failure_rate": _number(draw, 0.0, 0.2),
        "useful_life_years": _number(draw, 1.0, 6.0),
        "training_mfu": _number(draw, 0.1, 0.6),
        "mfu_loss_per_doubling": _number(draw, 0.0, 0.1),
        "inference_utilisation": _number(draw, 0.1, 0.8),
        "decode_bandwidth_efficiency": _number(draw, 0.3, 0.95),
        **({"premium_supply_multiplier": _number(draw, 1.0, 3.0),
            "supply_price_elasticity": _number(draw, 0.2, 3.0)} if draw(st.booleans()) else {}),
    }


@st.composite
def scenario_data(draw: Draw, max_horizon: int = 18) -> dict[str, Any]:
    """A valid scenario as plain data (what a YAML file would hold)."""
    start = 2025 * 12 + draw(st.integers(0, 23))
    horizon = draw(st.integers(2, max_horizon))
    start_month = f"{start // 12:04d}-{start % 12 + 1:02d}"
    chips = draw(st.lists(st.sampled_from(CHIPS), min_size=1, max_size=3, unique=True))
    kinds = draw(st.lists(st.sampled_from(["domestic", "overseas_owned"]), min_size=1,
                          max_size=2))
    sites = []
    for i, kind in enumerate(kinds):
        builds = [
            {"power_mw": _number(draw, 1.0, 200.0), "cost_usd_per_mw": _number(draw, 1e6, 2e7),
             "lead_time_months": _number(draw, 1.0, 12.0),
             "start": _month(draw, start, horizon)}
            for _ in range(draw(st.integers(0, 2)))
        ]
        sites.append({
            "name": f"site{i}", "kind": kind, "region": "generated",
            "power_mw": _number(draw, 0.0, 300.0), "pue": _number(draw, 1.05, 1.6),
            "server_power_overhead": _number(draw, 1.0, 1.6),
            "electricity_usd_per_kwh": _number(draw, 0.02, 0.2), "builds": builds,
        })
    currency = draw(st.sampled_from(["USD", "CNY"]))
    tranches = [
        {"start": _month(draw, start, horizon), "months": draw(st.integers(1, 24)),
         "amount": _number(draw, 1e8, 2e10), "currency": currency,
         "split": draw(st.sampled_from([
             {"chips": 1.0, "datacenter": 0.0, "leases": 0.0},
             {"chips": 0.6, "datacenter": 0.3, "leases": 0.1},
             {"chips": 0.5, "datacenter": 0.25, "leases": 0.25},
         ]))}
        for _ in range(draw(st.integers(1, 2)))
    ]
    leases = []
    if draw(st.booleans()):
        leases.append({
            "name": "lease0", "region": "generated", "chip": draw(st.sampled_from(chips)),
            "accelerators": _number(draw, 1.0, 2e4), "usd_per_accelerator_hour": _number(
                draw, 0.5, 8.0), "start": _month(draw, start, horizon),
            "min_term_months": _number(draw, 0.0, 12.0),
            "ramp_up_months": _number(draw, 0.0, 3.0),
            "revocation_hazard_per_year": _number(draw, 0.0, 1.0),
            **({"reoffer_after_months": _number(draw, 0.0, 6.0)} if draw(st.booleans())
               else {}),
        })
    fleet = [
        {"chip": draw(st.sampled_from(chips)), "site": draw(st.sampled_from(
            [s["name"] for s in sites])), "count": _number(draw, 0.0, 2e4),
         "age_months": _number(draw, 0.0, 60.0)}
        for _ in range(draw(st.integers(0, 2)))
    ]

    def placement() -> dict[str, Any]:
        low = draw(st.integers(1, 4096))
        return {"min_chips": low, "max_chips": low * draw(st.integers(1, 8)),
                "priority": draw(st.integers(0, 3)), "domestic_only": draw(st.booleans())}

    runs = [{"name": f"run{i}", "arrival": _month(draw, start - 2, horizon + 2),
             "flop": _number(draw, 1e21, 1e25), **placement()}
            for i in range(draw(st.integers(0, 2)))]
    generators = [{"name": "gen0", "first": _month(draw, start, horizon),
                   "every_months": _number(draw, 1.0, 6.0), "first_flop": _number(
                       draw, 1e21, 1e24), "growth_per_year": _number(draw, 1.0, 5.0),
                   **placement()}] if draw(st.booleans()) else []
    policy = draw(st.sampled_from(["inference_first", "reserved_training", "work_conserving",
                                  "fixed_split"]))
    allocation: dict[str, Any] = {"policy": policy}
    if policy != "inference_first":
        allocation["training_share"] = _number(draw, 0.0, 1.0)
    if draw(st.booleans()):
        weights = draw(st.lists(st.integers(1, 5), min_size=len(chips), max_size=len(chips)))
        mix = {c: w / sum(weights) for c, w in zip(chips, weights, strict=True)}
        mix[chips[-1]] += 1.0 - sum(mix.values())
        procurement: dict[str, Any] = {"policy": "fixed_mix", "mix": mix}
    else:
        procurement = {"policy": "best_value",
                       "objective": draw(st.sampled_from(["training", "inference"]))}
    procurement["refund_on_cancel_fraction"] = _number(draw, 0.0, 1.0)
    rule_sets = draw(st.lists(st.sampled_from(sorted(load_rule_sets())), unique=True,
                              max_size=6))
    rules = []
    if draw(st.booleans()):
        rules.append({
            "id": "generated_rule", "title": "generated", "authority": "US",
            "source": "assumption: generated", "effective": _month(draw, start, horizon),
            # probability 1 half the time: an announced rule, which foresight can see
            "probability": 1.0 if draw(st.booleans()) else _number(draw, 0.0, 1.0),
            "chips": f"name == '{draw(st.sampled_from(chips))}'",
            "destinations": draw(st.lists(st.sampled_from(
                ["domestic", "overseas_owned", "leased"]), min_size=1, max_size=3,
                unique=True)),
            "effect": draw(st.sampled_from([
                {"kind": "deny"}, {"kind": "revoke"},
                {"kind": "licence", "approval_probability": 0.5, "delay_months": 2.0},
                {"kind": "surcharge", "fraction": 0.25}, {"kind": "quota", "supply_factor": 0.5},
            ])),
        })
    return {
        "name": "generated",
        "clock": {"start": start_month, "horizon_months": horizon},
        "currency": {"cny_per_usd": _number(draw, 6.5, 7.5)},
        "budget": {"tranches": tranches, "carry_over": draw(st.booleans()),
                   "transfers": draw(st.lists(st.fixed_dictionaries({
                       "source": st.sampled_from(["chips", "datacenter", "leases"]),
                       "target": st.sampled_from(["chips", "datacenter", "leases"]),
                       "after_months": st.integers(0, 6),
                       "share": st.floats(0.0, 1.0)}).filter(
                           lambda x: x["source"] != x["target"]), max_size=2))},
        "memory_price_index": [{"month": start_month, "index": 1.0},
                               {"month": _month(draw, start, horizon),
                                "index": _number(draw, 0.5, 3.0)}],
        "chips": {name: _chip(draw) for name in chips},
        "export_controls": {"rule_sets": rule_sets, "rules": rules},
        "sites": sites,
        "leases": leases,
        "fleet": fleet,
        "training": {"reference_cluster_chips": draw(st.integers(1, 8192)),
                     "restart_cost_hours": _number(draw, 0.0, 4.0),
                     "runs": runs, "generators": generators},
        "inference": {
            "tokens_per_day": _number(draw, 1e9, 1e14), "output_share": _number(draw, 0.0, 1.0),
            "growth_per_year": _number(draw, 0.5, 10.0),
            "agent_share_start": _number(draw, 0.0, 0.5),
            "agent_share_end": _number(draw, 0.0, 1.0),
            "context_tokens": _number(draw, 100.0, 1e4),
            "agent_context_tokens": _number(draw, 1e3, 1e5),
            "context_growth_per_year": _number(draw, 1.0, 2.0),
            "efficiency_gain_per_year": _number(draw, 1.0, 3.0),
            "domestic_only_share": _number(draw, 0.0, 1.0),
            "model": {"active_params": 2e10, "total_params": 2e11,
                      "bytes_per_param": _number(draw, 0.5, 2.0),
                      "kv_bytes_per_token": _number(draw, 1e4, 3e5),
                      "attention_flop_per_context_token": _number(draw, 0.0, 2e6),
                      "decode_batch": draw(st.integers(1, 256))},
            **({"ceiling_tokens_per_day": _number(draw, 1e9, 1e15)} if draw(st.booleans())
               else {}),
            **({"volatility_per_month": _number(draw, 0.0, 0.5)} if draw(st.booleans())
               else {}),
        },
        "allocation": allocation,
        "procurement": procurement,
        "monte_carlo": {"runs": 10, "seed": draw(st.integers(0, 2**32))},
    }


def scenarios(max_horizon: int = 18) -> st.SearchStrategy[Scenario]:
    """Validated :class:`~sim.schema.scenario.Scenario` objects (cross-field checks included)."""
    from sim.loading import validate_document
    from sim.yamlio import YamlDocument

    return scenario_data(max_horizon).map(
        lambda data: validate_document(YamlDocument(data=data, source="<generated>")))
