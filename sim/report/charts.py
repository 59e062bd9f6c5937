"""Charts for the HTML report, by matplotlib (Agg, imported when first drawn), as PNG data URIs.

Every chart is legible printed in grayscale: series differ by line style and hatching as well
as by colour; bands are P5-P95 (light, hatched) and P25-P75 (darker) around the median line.
Every axis carries its unit. Figures are closed as soon as they are encoded.
"""

from __future__ import annotations

import base64
import functools
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = ["STYLES", "Fan", "cdf_chart", "fan_chart", "figure_uri", "hbar_chart",
           "interval_chart", "line_band_chart", "new_figure", "range_chart", "unit_formatter"]

STYLES: tuple[tuple[str, str, str], ...] = (
    ("#1f4e79", "-", "////"),
    ("#c55a11", "--", "\\\\\\\\"),
    ("#548235", "-.", "...."),
    ("#7030a0", ":", "xxxx"),
    ("#7f6000", (0, (5, 1, 1, 1)), "----"),  # type: ignore[assignment]
)
"""(colour, line style, hatch) per series drawn on one axis, in order."""

F = TypeVar("F", bound=Callable[..., Any])

_RC: dict[str, Any] = {
    "font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10, "legend.fontsize": 9,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
    "grid.color": "#d0d0d0", "grid.linewidth": 0.6, "savefig.dpi": 110,
    "font.family": "DejaVu Sans", "figure.dpi": 110,
}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _styled(func: F) -> F:
    """Run a chart function inside the report's matplotlib style (global settings untouched)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _pyplot().rc_context(_RC):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def new_figure(width: float = 7.2, height: float = 3.4, *,
               margins: tuple[float, float, float, float] | None = None) -> tuple[Any, Any]:
    """A figure and one axis in the report's style. With ``margins`` (left, bottom, right,
    top, in figure fractions) the axes are placed there, which is twice as fast to draw as
    the constrained layout used otherwise (it lays the figure out with an extra draw)."""
    plt = _pyplot()
    if margins is None:
        fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
    else:
        fig, ax = plt.subplots(figsize=(width, height))
        left, bottom, right, top = margins
        fig.subplots_adjust(left=left, bottom=bottom, right=right, top=top)
    ax.set_axisbelow(True)
    return fig, ax


def figure_uri(fig: Any) -> str:
    """The figure as a ``data:image/png;base64,...`` URI; the figure is closed."""
    plt = _pyplot()
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    finally:
        plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


_SCALES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def unit_formatter(unit: str) -> Any:
    """A tick formatter for values in ``unit`` ($ and SI suffixes, % for fractions)."""
    from matplotlib.ticker import FuncFormatter

    def fmt(x: float, _pos: int | None = None) -> str:
        if not math.isfinite(x):
            return ""
        if unit == "fraction":
            return f"{x:.0%}"
        prefix = "$" if unit.startswith("USD") else ""
        if x != 0 and (abs(x) >= 1e15 or abs(x) < 1e-3):
            mantissa, exponent = f"{x:.2e}".split("e")
            return f"{prefix}{float(mantissa):g}e{int(exponent)}"
        for scale, suffix in _SCALES:
            if abs(x) >= scale:
                return f"{prefix}{x / scale:g}{suffix}"
        return f"{prefix}{x:g}"

    return FuncFormatter(fmt)


@dataclass(frozen=True)
class Fan:
    """One series' monthly bands: median, P25-P75 and P5-P95 (lists, one value per month)."""

    label: str
    p5: Sequence[float]
    p25: Sequence[float]
    p50: Sequence[float]
    p75: Sequence[float]
    p95: Sequence[float]


def _month_ticks(ax: Any, months: Sequence[str]) -> None:
    n = len(months)
    step = max(1, math.ceil(n / 9))
    if step > 3:
        step = 6 if step <= 6 else 12
    ticks = list(range(0, n, step))
    ax.set_xticks(ticks)
    ax.set_xticklabels([months[i] for i in ticks], rotation=0)
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_xlabel("month (value at the end of the month)")


@_styled
def fan_chart(months: Sequence[str], fans: Sequence[Fan], unit: str, ylabel: str, *,
              log: bool = False) -> str:
    """A fan chart of one or more series over months; returns the PNG data URI."""
    fig, ax = new_figure(width=5.4, height=3.6, margins=(0.155, 0.13, 0.975, 0.80))
    x = list(range(len(months)))
    for k, fan in enumerate(fans):
        colour, style, hatch = STYLES[k % len(STYLES)]
        ax.fill_between(x, fan.p5, fan.p95, facecolor=colour, alpha=0.12, edgecolor=colour,
                        hatch=hatch, linewidth=0.0)
        ax.fill_between(x, fan.p25, fan.p75, color=colour, alpha=0.28, linewidth=0.0)
        ax.plot(x, fan.p50, color=colour, linestyle=style, linewidth=2.0,
                label=f"{fan.label} (median)")
    positive = all(v > 0 for fan in fans for v in fan.p5 if math.isfinite(v))
    if log and positive:
        ax.set_yscale("log")
    else:
        ax.yaxis.set_major_formatter(unit_formatter(unit))
        ax.set_ylim(bottom=min(0.0, *(v for f in fans for v in f.p5 if math.isfinite(v))))
    ax.set_ylabel(ylabel)
    _month_ticks(ax, months)
    _legend(fig, ax)
    return figure_uri(fig)


def _legend(fig: Any, ax: Any) -> None:
    """The legend above the plot (never over the data), with the two band shades."""
    from matplotlib.patches import Patch

    handles, labels = ax.get_legend_handles_labels()
    handles += [Patch(facecolor="#808080", alpha=0.28, linewidth=0),
                Patch(facecolor="#808080", alpha=0.12, hatch="////", edgecolor="#808080",
                      linewidth=0)]
    labels += ["P25-P75 band", "P5-P95 band (hatched)"]
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 1.0), frameon=False,
               ncol=2, fontsize=8)


@_styled
def cdf_chart(values: Sequence[float], unit: str, xlabel: str,
              marks: Sequence[tuple[float, str]]) -> str:
    """The empirical CDF of ``values`` with vertical lines at ``marks`` (value, label)."""
    finite = sorted(v for v in values if math.isfinite(v))
    fig, ax = new_figure(width=5.6, height=3.0, margins=(0.14, 0.16, 0.97, 0.96))
    n = len(finite)
    if n:
        ys = [(i + 1) / n for i in range(n)]
        ax.step(finite, ys, where="post", color=STYLES[0][0], linewidth=2.0,
                label="share of replications at or below")
    for k, (x, label) in enumerate(marks):
        colour, style, _ = STYLES[(k + 1) % len(STYLES)]
        ax.axvline(x, color=colour, linestyle=style, linewidth=1.6, label=label)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(unit_formatter("fraction"))
    ax.xaxis.set_major_formatter(unit_formatter(unit))
    ax.set_ylabel("cumulative probability (%)")
    ax.set_xlabel(xlabel)
    ax.legend(loc="lower right", frameon=True, framealpha=0.9, fontsize=8)
    return figure_uri(fig)


@_styled
def hbar_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]],
               xlabel: str, *, errors: Sequence[tuple[float, float]] | None = None,
               unit: str = "") -> str:
    """Horizontal bars, one group per label; each series hatched differently."""
    fig, ax = new_figure(width=7.2, height=max(2.0, 0.42 * len(labels) * len(series) + 1.0))
    count = max(1, len(series))
    height = 0.8 / count
    positions = list(range(len(labels)))
    for k, (name, values) in enumerate(series):
        colour, _, hatch = STYLES[k % len(STYLES)]
        ys = [p + (k - (count - 1) / 2) * height for p in positions]
        xerr = None
        if errors is not None and k == 0:
            xerr = [[max(0.0, v - lo) for v, (lo, _) in zip(values, errors, strict=True)],
                    [max(0.0, hi - v) for v, (_, hi) in zip(values, errors, strict=True)]]
        ax.barh(ys, values, height=height * 0.9, color=colour, alpha=0.55, hatch=hatch,
                edgecolor=colour, label=name, xerr=xerr, capsize=3)
    ax.set_yticks(positions)
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
    ax.axvline(0.0, color="#404040", linewidth=0.8)
    ax.xaxis.set_major_formatter(unit_formatter(unit))
    ax.set_xlabel(xlabel)
    if len(series) > 1:
        ax.legend(frameon=False, loc="lower right")
    return figure_uri(fig)


@_styled
def line_band_chart(xs: Sequence[float], lines: Sequence[Fan], xlabel: str, unit: str,
                    ylabel: str, *, points: Sequence[tuple[float, float, str]] = (),
                    x_unit: str = "") -> str:
    """Median lines with P25-P75/P5-P95 bands over a numeric x (a sweep's lever), and
    optional marked points (x, y, label)."""
    fig, ax = new_figure(margins=(0.13, 0.13, 0.975, 0.80))
    for k, fan in enumerate(lines):
        colour, style, hatch = STYLES[k % len(STYLES)]
        ax.fill_between(xs, fan.p5, fan.p95, facecolor=colour, alpha=0.12, edgecolor=colour,
                        hatch=hatch, linewidth=0.0)
        ax.fill_between(xs, fan.p25, fan.p75, color=colour, alpha=0.28, linewidth=0.0)
        ax.plot(xs, fan.p50, color=colour, linestyle=style, linewidth=2.0, marker="o",
                markersize=3, label=f"{fan.label} (median)")
    for x, y, label in points:
        ax.plot([x], [y], marker="D", color="black", linestyle="none", label=label)
    ax.yaxis.set_major_formatter(unit_formatter(unit))
    ax.xaxis.set_major_formatter(unit_formatter(x_unit))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    _legend(fig, ax)
    return figure_uri(fig)


@_styled
def interval_chart(labels: Sequence[str], bands: Sequence[tuple[float, float, float]],
                   points: Sequence[float], xlabel: str, *, point_label: str,
                   band_label: str) -> str:
    """Per label a band (low, mid, high) drawn as a thick line with a median tick, and a
    point (an observation) as a black diamond."""
    fig, ax = new_figure(width=7.2, height=max(1.8, 0.5 * len(labels) + 1.2))
    ys = list(range(len(labels)))
    colour = STYLES[0][0]
    for y, (low, mid, high) in zip(ys, bands, strict=True):
        ax.plot([low, high], [y, y], color=colour, linewidth=6, alpha=0.35,
                solid_capstyle="butt", label=band_label if y == 0 else None)
        ax.plot([mid, mid], [y - 0.25, y + 0.25], color=colour, linewidth=2,
                label="model median" if y == 0 else None)
    ax.plot(points, ys, marker="D", linestyle="none", color="black", label=point_label)
    ax.set_yticks(ys)
    ax.set_yticklabels(labels)
    ax.set_ylim(-0.7, len(labels) - 0.3)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.legend(frameon=False, loc="best", fontsize=8)
    return figure_uri(fig)


@_styled
def range_chart(labels: Sequence[str], lows: Sequence[float], highs: Sequence[float],
                xlabel: str, *, unit: str = "") -> str:
    """A tornado without a centre: per label a bar from the KPI with the input low to the KPI
    with it high, the low end marked with a circle and the high end with a bar."""
    fig, ax = new_figure(width=7.2, height=max(2.0, 0.38 * len(labels) + 1.2))
    ys = list(range(len(labels)))
    colour, _, hatch = STYLES[0]
    left = [min(lo, hi) for lo, hi in zip(lows, highs, strict=True)]
    width = [abs(hi - lo) for lo, hi in zip(lows, highs, strict=True)]
    ax.barh(ys, width, left=left, height=0.6, color=colour, alpha=0.45, hatch=hatch,
            edgecolor=colour)
    ax.plot(lows, ys, marker="o", linestyle="none", color="black", label="input at P10")
    ax.plot(highs, ys, marker="|", markersize=14, linestyle="none", color="black",
            label="input at P90")
    ax.set_yticks(ys)
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(unit_formatter(unit))
    ax.set_xlabel(xlabel)
    ax.legend(frameon=False, loc="best", fontsize=8)
    return figure_uri(fig)
