"""What one replication returns: monthly series, scalar KPIs and, on request, its event trace."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from sim.calendar import format_month
from sim.kpis import KPIS
from sim.series import SERIES

__all__ = ["SERIES", "MonthlySeries", "ReplicationResult", "TraceEvent"]




@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One thing that happened: when (months since the start), what kind, and why."""

    month: float
    kind: str
    message: str

    def render(self, start: str) -> str:
        return f"{format_month(start, self.month)} (t={self.month:7.3f})  {self.kind:<10} " \
               f"{self.message}"


@dataclass
class MonthlySeries:
    """Series of length ``horizon_months``, one value per month (at its end or over it)."""

    horizon_months: int
    sites: list[str] = field(default_factory=list)
    values: dict[str, npt.NDArray[np.float64]] = field(default_factory=dict)
    site_power_used_mw: dict[str, npt.NDArray[np.float64]] = field(default_factory=dict)
    site_power_capacity_mw: dict[str, npt.NDArray[np.float64]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in SERIES:
            self.values.setdefault(name, np.zeros(self.horizon_months))
        for site in self.sites:
            self.site_power_used_mw.setdefault(site, np.zeros(self.horizon_months))
            self.site_power_capacity_mw.setdefault(site, np.zeros(self.horizon_months))

    def __getitem__(self, name: str) -> npt.NDArray[np.float64]:
        return self.values[name]


@dataclass
class ReplicationResult:
    """One replication: KPIs (see :data:`sim.kpis.KPIS`), monthly series, and the trace."""

    replication: int
    kpis: dict[str, float]
    series: MonthlySeries
    trace: list[TraceEvent] | None = None

    def kpi_by(self, name: str, month_index: int) -> float:
        """A monthly KPI's value at the end of month ``month_index`` (0-based)."""
        if not KPIS[name].monthly:
            raise ValueError(f"KPI {name!r} is only known at the end")
        return float(self.series[f"kpi.{name}"][month_index])
