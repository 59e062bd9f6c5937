"""The built-in accelerator catalog: sourced specs and the export metrics derived from them.

``chips.yaml`` (shipped inside the package) holds one entry per accelerator; every spec value
carries its source and a confidence tag, and uncertain values are ranges. :func:`load_catalog`
reads and validates it once (on first use, never at import). :class:`ChipAttributes` is the
concrete, all-float view that export-rule predicates and the model work with; it derives:

- ``tpp``: total processing performance, the max over precisions of dense TOPS x bit length
  (BF16 x 16, FP8 x 8, INT8 x 8, FP4 x 4). H100: 1,979 x 8 = 15,832.
- ``density``: performance density, ``tpp / die_area_mm2`` (nan when the die area is unknown).
- ``h100_equivalents``: dense BF16 relative to the H100's 989 TFLOP/s.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any

import yaml

from sim.errors import CapexsimError

__all__ = [
    "ATTRIBUTE_NAMES",
    "CONFIDENCE_TAGS",
    "H100_BF16_TFLOPS",
    "NUMERIC_ATTRIBUTES",
    "SPEC_FIELDS",
    "TEXT_ATTRIBUTES",
    "CatalogChip",
    "ChipAttributes",
    "SourcedValue",
    "chip_attributes",
    "get_chip",
    "load_catalog",
    "load_packaged_yaml",
    "suggest",
]

CONFIDENCE_TAGS = ("OFFICIAL", "REPORTED", "EST", "CONTESTED", "DERIVED", "ASSUMPTION")
"""Known confidence tags (see the header of ``chips.yaml``)."""

H100_BF16_TFLOPS = 989.0
"""Dense BF16 TFLOP/s of the H100 SXM, the unit of :attr:`ChipAttributes.h100_equivalents`."""

_BITS = {"bf16_tflops": 16, "fp8_tflops": 8, "int8_tops": 8, "fp4_tflops": 4}
_OPTIONAL = ("fp8_tflops", "int8_tops", "fp4_tflops", "die_area_mm2")

SPEC_FIELDS = (
    "bf16_tflops", "fp8_tflops", "int8_tops", "fp4_tflops", "hbm_gb", "hbm_bandwidth_gb_s",
    "interconnect_gb_s", "tdp_w", "die_area_mm2",
)
"""Spec fields of a catalog entry; all but ``fp8_tflops``, ``int8_tops``, ``fp4_tflops`` and
``die_area_mm2`` are required."""

TEXT_ATTRIBUTES = ("name", "vendor", "vendor_country")
NUMERIC_ATTRIBUTES = (*SPEC_FIELDS, "tpp", "density", "h100_equivalents")
ATTRIBUTE_NAMES = (*TEXT_ATTRIBUTES, *NUMERIC_ATTRIBUTES)
"""Every name a chip predicate may use, in a readable order."""


@dataclass(frozen=True, slots=True)
class SourcedValue:
    """A spec value in ``[low, high]`` (equal for a point value), with its provenance."""

    low: float
    high: float
    source: str
    confidence: str
    note: str = ""

    def __post_init__(self) -> None:
        for name in ("low", "high"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name}={value!r} must be a real number")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name}={value!r} must be finite and >= 0")
        if self.low > self.high:
            raise ValueError(f"low={self.low!r} is above high={self.high!r}")
        if not self.source.strip():
            raise ValueError("source must not be empty")
        if self.confidence not in CONFIDENCE_TAGS:
            raise ValueError(
                f"confidence={self.confidence!r} is not one of {', '.join(CONFIDENCE_TAGS)}"
            )

    @property
    def nominal(self) -> float:
        """The midpoint of the range (the value itself for a point value)."""
        return (self.low + self.high) / 2.0

    @property
    def is_range(self) -> bool:
        """True when ``low < high``."""
        return self.low != self.high


@dataclass(frozen=True, slots=True, kw_only=True)
class ChipAttributes:
    """One accelerator as concrete floats. A precision the chip lacks is 0; an unknown die area
    is nan, which makes ``density`` nan (and no density test is ever satisfied by nan)."""

    name: str
    vendor: str
    vendor_country: str
    bf16_tflops: float
    fp8_tflops: float = 0.0
    int8_tops: float = 0.0
    fp4_tflops: float = 0.0
    hbm_gb: float
    hbm_bandwidth_gb_s: float
    interconnect_gb_s: float
    tdp_w: float
    die_area_mm2: float = math.nan
    tpp: float = field(init=False)
    density: float = field(init=False)
    h100_equivalents: float = field(init=False)

    def __post_init__(self) -> None:
        for name in SPEC_FIELDS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{self.name}: {name}={value!r} must be a real number")
            if name == "die_area_mm2" and math.isnan(value):
                continue
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{self.name}: {name}={value!r} must be finite and >= 0")
        if self.die_area_mm2 == 0:
            raise ValueError(f"{self.name}: die_area_mm2 must be > 0 (or nan when unknown)")
        tpp = max(float(getattr(self, f)) * bits for f, bits in _BITS.items())
        # Derived values are stored once (not recomputed per access): predicates read them
        # in the model's inner loop.
        object.__setattr__(self, "tpp", tpp)
        object.__setattr__(self, "density", tpp / self.die_area_mm2)
        object.__setattr__(self, "h100_equivalents", self.bf16_tflops / H100_BF16_TFLOPS)


@dataclass(frozen=True, slots=True)
class CatalogChip:
    """A catalog entry: identity, the sourced value of each spec field (None when absent)."""

    name: str
    vendor: str
    vendor_country: str
    values: Mapping[str, SourcedValue | None]
    notes: str = ""

    def value(self, field_name: str) -> SourcedValue | None:
        """The sourced value of ``field_name`` (one of :data:`SPEC_FIELDS`), or None."""
        if field_name not in SPEC_FIELDS:
            raise KeyError(f"{field_name!r} is not a spec field; fields: {', '.join(SPEC_FIELDS)}")
        return self.values.get(field_name)

    def attributes(self, pick: Callable[[SourcedValue], float]) -> ChipAttributes:
        """Concrete attributes with ``pick`` choosing a number from each sourced value
        (e.g. a draw within the range); absent precisions are 0, an absent die area nan."""
        specs: dict[str, float] = {}
        for name in SPEC_FIELDS:
            sourced = self.values.get(name)
            if sourced is None:
                specs[name] = math.nan if name == "die_area_mm2" else 0.0
            else:
                specs[name] = float(pick(sourced))
        return ChipAttributes(
            name=self.name, vendor=self.vendor, vendor_country=self.vendor_country, **specs
        )

    def nominal_attributes(self) -> ChipAttributes:
        """Concrete attributes at the midpoint of every range."""
        return self.attributes(lambda v: v.nominal)


def suggest(name: str, choices: list[str] | tuple[str, ...]) -> str:
    """``" (did you mean 'H100'?)"`` for the closest choice, or ``""`` when none is close."""
    by_fold = {c.casefold(): c for c in choices}
    if name.casefold() in by_fold:
        return f" (did you mean {by_fold[name.casefold()]!r}?)"
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    if not close:
        folded = difflib.get_close_matches(name.casefold(), list(by_fold), n=1, cutoff=0.6)
        close = [by_fold[f] for f in folded]
    return f" (did you mean {close[0]!r}?)" if close else ""


def _sourced(chip: str, name: str, raw: Any) -> SourcedValue | None:
    where = f"chips.yaml: {chip}.{name}"
    if raw is None:
        if name not in _OPTIONAL:
            raise CapexsimError(f"{where}: is required and may not be null")
        return None
    if not isinstance(raw, dict):
        raise CapexsimError(f"{where}: must be a mapping with value (or low/high) and source")
    allowed = {"value", "low", "high", "source", "confidence", "note"}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise CapexsimError(f"{where}: unknown keys {unknown}; allowed: {sorted(allowed)}")
    if "value" in raw:
        if "low" in raw or "high" in raw:
            raise CapexsimError(f"{where}: give either value or low/high, not both")
        low = high = raw["value"]
    elif "low" in raw and "high" in raw:
        low, high = raw["low"], raw["high"]
    else:
        raise CapexsimError(f"{where}: needs value, or both low and high")
    for key in ("source", "confidence"):
        if not isinstance(raw.get(key), str):
            raise CapexsimError(f"{where}: {key} must be given as text")
    try:
        return SourcedValue(
            low, high, raw["source"], raw["confidence"], str(raw.get("note", ""))
        )
    except ValueError as exc:
        raise CapexsimError(f"{where}: {exc}") from None


def _parse_chip(name: str, raw: Any) -> CatalogChip:
    if not isinstance(raw, dict):
        raise CapexsimError(f"chips.yaml: {name}: must be a mapping")
    allowed = {"vendor", "vendor_country", "notes", *SPEC_FIELDS}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise CapexsimError(f"chips.yaml: {name}: unknown keys {unknown}")
    missing = [k for k in ("vendor", "vendor_country", *SPEC_FIELDS) if k not in raw]
    if missing:
        raise CapexsimError(f"chips.yaml: {name}: missing keys {missing} (write null if absent)")
    if raw["vendor_country"] not in ("US", "CN"):
        raise CapexsimError(f"chips.yaml: {name}.vendor_country must be 'US' or 'CN'")
    values = {f: _sourced(name, f, raw[f]) for f in SPEC_FIELDS}
    return CatalogChip(
        name=name,
        vendor=str(raw["vendor"]),
        vendor_country=str(raw["vendor_country"]),
        values=MappingProxyType(values),
        notes=str(raw.get("notes", "")),
    )


def load_packaged_yaml(text: str) -> Any:
    """A built-in YAML file's data, read with libyaml's parser where PyYAML has it (several times
    faster than the pure-Python one; the same safe constructor and resolvers, so the same data)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@lru_cache(maxsize=1)
def load_catalog() -> Mapping[str, CatalogChip]:
    """The built-in catalog, by chip name, in file order (read and validated once)."""
    text = resources.files("sim.catalog").joinpath("chips.yaml").read_text(encoding="utf-8")
    data = load_packaged_yaml(text)
    if not isinstance(data, dict) or set(data) != {"chips"} or not isinstance(data["chips"], dict):
        raise CapexsimError("chips.yaml: must hold one mapping, 'chips', of chip name to entry")
    chips = {str(name): _parse_chip(str(name), raw) for name, raw in data["chips"].items()}
    return MappingProxyType(chips)


def get_chip(name: str) -> CatalogChip:
    """The catalog entry ``name``; an unknown name raises :class:`CapexsimError` with the
    closest known name."""
    catalog = load_catalog()
    try:
        return catalog[name]
    except KeyError:
        names = tuple(catalog)
        raise CapexsimError(
            f"unknown chip {name!r}{suggest(name, names)}; built-in chips: {', '.join(names)}"
        ) from None


def chip_attributes(name: str) -> ChipAttributes:
    """Nominal attributes of the built-in chip ``name``."""
    return get_chip(name).nominal_attributes()
