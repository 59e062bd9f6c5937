"""Export-control and market-policy rules: the schema shared by the built-in rule sets
(``sim/catalog/rules.yaml``) and a scenario's own rules.

A rule says *when* it lands (a date, or an uncertain window, and a probability of landing at
all within the horizon), *which chips* (a predicate, see :mod:`sim.catalog.predicates`), *where*
(destinations) and *what* (an effect). Every number may be a constant or a distribution.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    WrapValidator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from sim.calendar import parse_date
from sim.catalog.predicates import Predicate, compile_predicate
from sim.distributions import FractionQuantity, NonNegativeQuantity
from sim.schema.base import DateStr, StrictModel
from sim.schema.common import Destination

__all__ = [
    "Authority",
    "DenyEffect",
    "Effect",
    "EffectiveDate",
    "LicenceEffect",
    "MinDomesticShareEffect",
    "PowerSubsidyEffect",
    "PredicateText",
    "QuotaEffect",
    "RevokeEffect",
    "Rule",
    "RuleId",
    "RuleSet",
    "SurchargeEffect",
    "UncertainDate",
]

_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


def _check_rule_id(value: str) -> str:
    if not _SNAKE.match(value):
        raise ValueError(
            f"{value!r} is not a valid rule id; use snake_case: lower-case letters, digits and "
            "'_', starting with a letter (e.g. 'us_2023_11_3a090a')"
        )
    return value


def _check_predicate(value: str) -> str:
    compile_predicate(value)  # PredicateError is a ValueError: pydantic reports it on the field
    return value


def _check_text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


RuleId = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(_check_rule_id)]
"""A rule or rule-set id, snake_case."""

PredicateText = Annotated[str, Field(max_length=2000), AfterValidator(_check_predicate)]
"""A chip predicate such as ``"vendor_country == 'US' and tpp >= 4800"``, checked at load."""

Text = Annotated[str, Field(max_length=2000), AfterValidator(_check_text)]

Authority = Literal["US", "CN"]
"""Who imposes a rule: the US (export side) or China (import and buyer side)."""


class UncertainDate(StrictModel):
    """A date known only to lie in a window; the model draws it uniformly between the ends."""

    earliest: DateStr
    latest: DateStr

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if parse_date(self.latest) < parse_date(self.earliest):
            raise ValueError(f"latest {self.latest!r} is before earliest {self.earliest!r}")
        return self


def _date_or_window(value: Any) -> str | None:
    if isinstance(value, str):
        return "date"
    if isinstance(value, Mapping | UncertainDate):
        return "window"
    return None


def _untagged(*tags: str) -> WrapValidator:
    """A wrap validator for a tagged union that drops the union's tag from error locations, so
    that errors point at keys that exist in the file (``effect.delay_months``, not
    ``effect.licence.delay_months``)."""

    def validate(value: Any, handler: Callable[[Any], Any]) -> Any:
        try:
            return handler(value)
        except ValidationError as error:
            details: list[InitErrorDetails] = []
            for line in error.errors():
                loc = tuple(line["loc"])
                if loc and loc[0] in tags:
                    loc = loc[1:]
                message = line["msg"].removeprefix("Value error, ")
                details.append(InitErrorDetails(
                    type=PydanticCustomError(line["type"], message), loc=loc, input=line["input"]
                ))
            raise ValidationError.from_exception_data(error.title, details) from None

    return WrapValidator(validate)


EffectiveDate = Annotated[
    Annotated[DateStr, Tag("date")] | Annotated[UncertainDate, Tag("window")],
    Discriminator(
        _date_or_window,
        custom_error_type="invalid_date",
        custom_error_message="expected a date 'YYYY-MM' or 'YYYY-MM-DD', or a window "
        "{earliest: date, latest: date}",
    ),
    _untagged("date", "window"),
]
"""When a rule lands: a fixed date, or a window it lands in (uniformly)."""


class DenyEffect(StrictModel):
    """Matching chips cannot be bought for (or shipped to) the destination."""

    kind: Literal["deny"] = "deny"


class LicenceEffect(StrictModel):
    """Each order needs a licence: granted with ``approval_probability`` after
    ``delay_months``, and with ``surcharge_fraction`` of the price due (a revenue share or duty;
    it may exceed 1 for a tariff above 100%)."""

    kind: Literal["licence"] = "licence"
    approval_probability: FractionQuantity
    delay_months: NonNegativeQuantity
    surcharge_fraction: NonNegativeQuantity = 0.0


class SurchargeEffect(StrictModel):
    """A revenue share, tariff or duty: ``fraction`` of the price is added (may exceed 1)."""

    kind: Literal["surcharge"] = "surcharge"
    fraction: NonNegativeQuantity


class QuotaEffect(StrictModel):
    """Supply of matching chips to this buyer is scaled by ``supply_factor``."""

    kind: Literal["quota"] = "quota"
    supply_factor: FractionQuantity


class RevokeEffect(StrictModel):
    """Leases of matching chips at the destination ``leased`` end when the rule lands, and no
    new lease of them is signed while it is in force."""

    kind: Literal["revoke"] = "revoke"


class PowerSubsidyEffect(StrictModel):
    """Sites running matching chips pay ``discount_fraction`` less for electricity."""

    kind: Literal["power_subsidy"] = "power_subsidy"
    discount_fraction: FractionQuantity


class MinDomesticShareEffect(StrictModel):
    """Matching chips get first call on ``share`` of each month's chip money at the
    destination (a priority, not a guarantee: what they cannot absorb, within their supply,
    goes to any chip)."""

    kind: Literal["min_domestic_share"] = "min_domestic_share"
    share: FractionQuantity


Effect = Annotated[
    DenyEffect | LicenceEffect | SurchargeEffect | QuotaEffect | RevokeEffect
    | PowerSubsidyEffect | MinDomesticShareEffect,
    Field(discriminator="kind"),
    _untagged(
        "deny", "licence", "surcharge", "quota", "revoke", "power_subsidy", "min_domestic_share"
    ),
]
"""What a rule does, selected by ``kind``."""


class Rule(StrictModel):
    """One dated rule: when, which chips, where, and what.

    ``source`` is a URL or citation, or text starting ``assumption:`` for a hypothetical rule.
    ``probability`` is the chance the rule lands at all within the horizon. A rule listed in
    ``supersedes`` is set aside, for a chip, while this rule is in force and matches that chip
    at the same destination.
    """

    id: RuleId
    title: Text
    authority: Authority
    source: Text
    effective: EffectiveDate
    probability: FractionQuantity = 1.0
    chips: PredicateText
    destinations: tuple[Destination, ...] = Field(min_length=1)
    effect: Effect
    supersedes: tuple[RuleId, ...] = ()
    known_from: DateStr | None = Field(
        default=None,
        description="When a rule with a fixed date and probability 1 becomes known to a buyer "
        "with foresight 'announced' (default: from the start). Rules with an uncertain date or "
        "probability are never foreseen.",
    )
    note: str = Field(default="", max_length=4000)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if len(set(self.destinations)) != len(self.destinations):
            raise ValueError(f"destinations {list(self.destinations)} lists one twice")
        if self.id in self.supersedes:
            raise ValueError(f"rule {self.id!r} cannot supersede itself")
        return self

    @property
    def predicate(self) -> Predicate:
        """The compiled ``chips`` predicate (compiled once per distinct text)."""
        return compile_predicate(self.chips)

    @property
    def announced(self) -> bool:
        """A fixed date and a certain landing: a buyer with foresight can plan for it."""
        return not isinstance(self.effective, UncertainDate) and isinstance(
            self.probability, float) and self.probability >= 1.0

    @property
    def effective_window(self) -> tuple[str, str]:
        """``(earliest, latest)`` dates; equal for a fixed date."""
        if isinstance(self.effective, UncertainDate):
            return self.effective.earliest, self.effective.latest
        return self.effective, self.effective


class RuleSet(StrictModel):
    """A named group of rules (one regulatory event, or a scenario's own rules)."""

    id: RuleId
    title: Text
    rules: tuple[Rule, ...]

    @model_validator(mode="after")
    def _unique(self) -> Self:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} appears twice in rule set {self.id!r}")
            seen.add(rule.id)
        return self
