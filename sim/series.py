"""The monthly series a replication records: names and meanings (the names observations and
reports use). Below the model, so the schema can check names without importing it."""

from __future__ import annotations

from sim.kpis import KPIS

__all__ = ["SERIES"]

SERIES: dict[str, str] = {
    "installed_pflops": "PFLOP/s: peak dense BF16, installed and leased",
    "pflops_domestic_sites": "PFLOP/s at owned domestic sites",
    "pflops_overseas_sites": "PFLOP/s at owned overseas sites",
    "pflops_leased": "PFLOP/s leased",
    "pflops_domestic_chips": "PFLOP/s on domestic (Chinese-made) chips",
    "h100_equivalents": "H100-equivalents installed and leased",
    "chips_stranded": "chips delivered but waiting for power",
    "power_used_mw": "facility MW drawn by installed chips",
    "power_capacity_mw": "facility MW available at owned sites",
    "inference_capacity_tokens_per_day": "tokens/day the chips serving inference can produce",
    "demand_tokens_per_day": "token demand at the end of the month, tokens/day",
    "tokens_served": "tokens served in the month",
    "tokens_served_per_day": "tokens served per day, averaged over the month",
    "chips_installed": "accelerators installed and leased, at the end of the month",
    "chips_installed_domestic": "domestic (Chinese-made) accelerators installed and leased",
    "delivered_domestic_chips": "domestic (Chinese-made) accelerators delivered in the month",
    "committed_capex_usd": "capex committed in the month: chip orders (all-in) and builds",
    "committed_accelerators_usd": "accelerator spend committed in the month: the chips' price "
                                  "with premiums and surcharges, without servers",
    "tokens_demanded": "tokens demanded in the month",
    "training_flop": "training FLOP delivered in the month",
    "committed_chips_usd": "chip money committed in the month (orders)",
    "committed_datacenter_usd": "datacenter money committed in the month (builds)",
    "committed_leases_usd": "lease money paid or committed in the month",
    **{f"kpi.{name}": f"{k.description} (to the end of the month)"
       for name, k in KPIS.items() if k.monthly},
}
"""Monthly series: name -> meaning. ``kpi.*`` hold each monthly KPI's value to date."""
