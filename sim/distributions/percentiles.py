"""The percentile form: a two-parameter family given by two of its percentiles, as elicited.

``{dist: lognormal, p5: 10, p95: 40}`` means "the 5th percentile is 10 and the 95th is 40". The two
parameters are fitted exactly to those quantiles. The model keeps the form the user wrote; use
:meth:`PercentileForm.parameters` or :meth:`PercentileForm.resolved` for the fitted parameters.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from collections.abc import Sequence
from typing import ClassVar, Self

from pydantic import Field

from sim.distributions._common import OptionalReal, article, fail, show
from sim.distributions.base import Truncatable

__all__ = ["PERCENTILES", "PercentileForm", "example"]

PERCENTILES: dict[str, float] = {
    "p5": 0.05,
    "p10": 0.10,
    "p25": 0.25,
    "p50": 0.50,
    "p75": 0.75,
    "p90": 0.90,
    "p95": 0.95,
}
"""The percentile fields a user may give, with their probabilities."""

_HELP = "Give exactly two percentiles instead of the parameters."


def example(kind: str, fields: Sequence[tuple[str, float | None]]) -> str:
    """A YAML flow mapping to suggest in a message; ``...`` stands for a value to fill in."""
    body = ", ".join(f"{name}: {'...' if value is None else show(value)}" for name, value in fields)
    return f"{{dist: {kind}, {body}}}"


class PercentileForm(Truncatable):
    """A family given either by its two parameters or by exactly two of ``p5 ... p95``."""

    parameter_names: ClassVar[tuple[str, str]]
    """The YAML names of the two parameters, e.g. ``("mean", "sd")``."""

    p5: OptionalReal = Field(default=None, description=f"5th percentile. {_HELP}")
    p10: OptionalReal = Field(default=None, description=f"10th percentile. {_HELP}")
    p25: OptionalReal = Field(default=None, description=f"25th percentile. {_HELP}")
    p50: OptionalReal = Field(default=None, description=f"Median. {_HELP}")
    p75: OptionalReal = Field(default=None, description=f"75th percentile. {_HELP}")
    p90: OptionalReal = Field(default=None, description=f"90th percentile. {_HELP}")
    p95: OptionalReal = Field(default=None, description=f"95th percentile. {_HELP}")

    @classmethod
    @abstractmethod
    def _fit(cls, lower: tuple[float, float], upper: tuple[float, float]) -> tuple[float, float]:
        """The parameters whose quantiles at ``lower = (p, x)`` and ``upper`` are exactly ``x``.

        Called with ``lower[0] < upper[0]`` and ``lower[1] < upper[1]``; may ``fail`` for values
        outside the family's range.
        """

    def parameters(self) -> tuple[float, float]:
        """The two parameters as written, or fitted to the two percentiles."""
        names = self.parameter_names
        given = self._given_parameters()
        quantiles: list[tuple[str, float]] = [
            (name, value) for name in PERCENTILES if (value := getattr(self, name)) is not None
        ]
        kind = self.kind
        if quantiles:
            if any(value is not None for value in given.values()):
                written = [n for n in names if given[n] is not None] + [n for n, _ in quantiles]
                pair: Sequence[tuple[str, float | None]] = (
                    quantiles if len(quantiles) == 2 else [("p5", None), ("p95", None)]
                )
                fail(
                    f"give either {names[0]} and {names[1]} or two percentiles, not both "
                    f"(got {', '.join(written)}); write {example(kind, list(given.items()))} "
                    f"or {example(kind, pair)}"
                )
            if len(quantiles) == 1:
                name, value = quantiles[0]
                other = "p5" if name == "p95" else "p95"
                pair = sorted([(name, value), (other, None)], key=lambda q: PERCENTILES[q[0]])
                fail(
                    f"{article(kind)} distribution needs exactly two percentiles, got only "
                    f"{name}={value!r}; add another, e.g. {example(kind, pair)}"
                )
            if len(quantiles) > 2:
                listed = ", ".join(f"{n}={v!r}" for n, v in quantiles)
                fail(
                    f"{article(kind)} distribution needs exactly two percentiles, got "
                    f"{len(quantiles)} ({listed}); keep two, e.g. "
                    f"{example(kind, [quantiles[0], quantiles[-1]])}"
                )
            (low_name, low_value), (high_name, high_value) = quantiles
            if not low_value < high_value:
                fail(
                    f"{low_name}={low_value!r} must be less than {high_name}={high_value!r}",
                    at=low_name,
                    value=low_value,
                )
            fitted = self._fit(
                (PERCENTILES[low_name], low_value), (PERCENTILES[high_name], high_value)
            )
            if not all(math.isfinite(p) for p in fitted):
                fail(
                    f"{low_name}={low_value!r} and {high_name}={high_value!r} give "
                    f"{article(kind)} distribution whose parameters overflow"
                )
            return fitted
        missing = [name for name in names if given[name] is None]
        if missing:
            fail(
                f"{article(kind)} distribution needs {' and '.join(missing)}: write "
                f"{example(kind, list(given.items()))}, or give two percentiles such as "
                f"{example(kind, [('p5', None), ('p95', None)])}"
            )
        first, second = (given[name] for name in names)
        if first is None or second is None:  # unreachable: reported as missing above
            raise AssertionError(names)
        return first, second

    def _given_parameters(self) -> dict[str, float | None]:
        # Keyed by the YAML name: LogNormal's ``median`` is the attribute ``median_``.
        by_name = {
            field.alias or attr: getattr(self, attr)
            for attr, field in type(self).model_fields.items()
        }
        return {name: by_name[name] for name in self.parameter_names}

    def resolved(self) -> Self:
        """The same distribution written with its parameters (and truncation) instead."""
        first, second = self.parameters()
        a, b = self.parameter_names
        return type(self).model_validate(
            {"dist": self.kind, a: first, b: second, "truncate": self.truncate}
        )
