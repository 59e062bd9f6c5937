"""What the compute is for: training runs (listed or generated) and inference demand."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.distributions import FractionQuantity, NonNegativeQuantity, PositiveQuantity, quantity
from sim.schema.base import Bool, DateStr, Int, MonthStr, StrictModel
from sim.schema.common import ChipName, Identifier

__all__ = [
    "Allocation",
    "DemandPoint",
    "FixedSplit",
    "InferenceDemand",
    "InferenceFirst",
    "ReservedTraining",
    "RunGenerator",
    "ServedModel",
    "Training",
    "TrainingRun",
    "WorkConserving",
]

AtLeastOne = quantity(ge=1.0)


class _RunPlacement(StrictModel):
    min_chips: Int = Field(ge=1, le=10_000_000, description="Smallest cluster the run accepts.")
    max_chips: Int = Field(ge=1, le=10_000_000, description="Largest cluster the run can use.")
    chips: list[ChipName] | None = Field(
        default=None, description="Chip types the run may use (default: any)."
    )
    priority: Int = Field(default=0, description="Higher runs first; ties by arrival.")
    domestic_only: Bool = Field(
        default=False, description="Data residency: never on leased or overseas capacity."
    )

    @model_validator(mode="after")
    def _min_le_max(self) -> _RunPlacement:
        if self.min_chips > self.max_chips:
            raise ValueError(
                f"min_chips={self.min_chips} must not exceed max_chips={self.max_chips}"
            )
        return self


class TrainingRun(_RunPlacement):
    """A listed run: compute in FLOP, or parameters and tokens with C = 6 N D."""

    name: Identifier
    arrival: DateStr = Field(description="When the run is ready to start.")
    flop: PositiveQuantity | None = Field(default=None, description="Training compute, FLOP.")
    parameters: PositiveQuantity | None = Field(
        default=None, description="Active parameters N (with tokens: C = 6 N D)."
    )
    tokens: PositiveQuantity | None = Field(default=None, description="Training tokens D.")

    @model_validator(mode="after")
    def _one_size(self) -> TrainingRun:
        by_flop = self.flop is not None
        by_nd = self.parameters is not None or self.tokens is not None
        if by_flop == by_nd:
            raise ValueError("give either 'flop', or both 'parameters' and 'tokens'")
        if by_nd and (self.parameters is None or self.tokens is None):
            raise ValueError("'parameters' and 'tokens' go together (C = 6 N D)")
        return self


class RunGenerator(_RunPlacement):
    """Runs arriving on a cadence, each ``growth_per_year`` times larger per year."""

    name: Identifier
    first: DateStr = Field(description="Arrival of the first run.")
    every_months: PositiveQuantity = Field(description="Months between arrivals.")
    until: DateStr | None = Field(default=None, description="No arrivals after this date.")
    first_flop: PositiveQuantity = Field(description="Compute of the first run, FLOP.")
    growth_per_year: PositiveQuantity = Field(
        description="Factor by which run size grows per year, e.g. 4.0."
    )


class Training(StrictModel):
    """Training workload: runs, and the physics of running them."""

    reference_cluster_chips: Int = Field(
        default=1024, ge=1, description="Cluster size at which a chip's training_mfu holds."
    )
    restart_cost_hours: NonNegativeQuantity = Field(
        description="Wall-clock hours lost per hardware interruption (restart, lost work)."
    )
    runs: list[TrainingRun] = Field(default_factory=list)
    generators: list[RunGenerator] = Field(default_factory=list)


class ServedModel(StrictModel):
    """The served model, for the inference roofline."""

    active_params: PositiveQuantity = Field(description="Parameters active per token.")
    total_params: PositiveQuantity = Field(description="All parameters (weights held in HBM).")
    bytes_per_param: PositiveQuantity = Field(description="Weight bytes per parameter (FP8: 1).")
    kv_bytes_per_token: PositiveQuantity = Field(
        description="KV-cache bytes per context token, all layers."
    )
    attention_flop_per_context_token: NonNegativeQuantity = Field(
        description="Attention FLOP per generated token per token of context."
    )
    decode_batch: AtLeastOne = Field(  # type: ignore[valid-type]
        description="Sequences decoded together by one replica (may be uncertain; a real "
        "number, as a fleet-wide average)."
    )

    @model_validator(mode="after")
    def _active_le_total(self) -> ServedModel:
        from sim.distributions import nominal

        if nominal(self.active_params) > nominal(self.total_params):
            raise ValueError("active_params must not exceed total_params")
        return self


class DemandPoint(StrictModel):
    """A point of the demand path: tokens/day at the start of ``month``."""

    month: MonthStr
    tokens_per_day: PositiveQuantity = Field(description="Demand that month, tokens/day.")


class InferenceDemand(StrictModel):
    """Token demand: a growth path, agents taking a growing share with longer contexts,
    and serving efficiency improving each year."""

    tokens_per_day: PositiveQuantity = Field(
        description="Demand at the start, tokens/day (prompt and generated tokens)."
    )
    path: list[DemandPoint] = Field(
        default_factory=list,
        description="Later points of the demand path (months after the start, in order); "
        "demand grows log-linearly between points, and by growth_per_year after the last.",
    )
    ceiling_tokens_per_day: PositiveQuantity | None = Field(
        default=None,
        description="Saturation level: after the last path point demand follows a logistic "
        "curve that starts growing by growth_per_year and slows toward this level, "
        "tokens/day. Omitted: exponential growth without a ceiling.",
    )
    volatility_per_month: NonNegativeQuantity = Field(
        default=0.0,
        description="Standard deviation of log demand from month to month (a mean-one "
        "multiplier drawn each month from the keyed stream demand:volatility); 0: none.",
    )
    output_share: FractionQuantity = Field(
        description="Share of tokens that are generated (decode, memory-bound); the rest are "
        "prompt tokens (prefill, compute-bound)."
    )
    growth_per_year: PositiveQuantity = Field(
        description="Yearly demand factor after the last path point (from the start if no "
        "path), e.g. 3.0; with a ceiling, the early growth of the logistic tail."
    )
    agent_share_start: FractionQuantity = Field(description="Agent share of tokens at start.")
    agent_share_end: FractionQuantity = Field(description="Agent share at the horizon's end.")
    context_tokens: PositiveQuantity = Field(description="Mean context of chat tokens.")
    agent_context_tokens: PositiveQuantity = Field(description="Mean context of agent tokens.")
    context_growth_per_year: PositiveQuantity = Field(description="Yearly context factor.")
    efficiency_gain_per_year: AtLeastOne = Field(  # type: ignore[valid-type]
        description="Yearly factor by which FLOP and bytes per token fall."
    )
    domestic_only_share: FractionQuantity = Field(
        description="Share of demand that must be served from domestic sites."
    )
    model: ServedModel


class InferenceFirst(StrictModel):
    """Inference takes what it needs; training gets the rest."""

    policy: Literal["inference_first"]


class ReservedTraining(StrictModel):
    """At least ``training_share`` of compute is kept for training; inference first otherwise."""

    policy: Literal["reserved_training"]
    training_share: FractionQuantity


class WorkConserving(StrictModel):
    """``training_share`` of each pool is reserved for training, but serves inference while no
    training run holds it, and is taken back (preempted) when a run is placed."""

    policy: Literal["work_conserving"]
    training_share: FractionQuantity


class FixedSplit(StrictModel):
    """Exactly ``training_share`` of compute trains, the rest serves."""

    policy: Literal["fixed_split"]
    training_share: FractionQuantity


Allocation = Annotated[
    InferenceFirst | ReservedTraining | WorkConserving | FixedSplit,
    Field(discriminator="policy"),
]
