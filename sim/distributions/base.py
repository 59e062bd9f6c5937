"""The base of every distribution model: validation builds the quantile engine, the API reads it."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator
from typing import Annotated, Any, ClassVar, Self

import numpy as np
import numpy.typing as npt
from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from sim.distributions._common import OptionalReal, article, fail, fmt, show
from sim.distributions.engines import Engine, FloatArray
from sim.schema.base import StrictModel

__all__ = ["BaseDistribution", "Truncatable"]


def _rank(name: str) -> int:
    # dist first, then the parameters, then percentiles, then truncate.
    if name == "dist":
        return 0
    if name == "truncate":
        return 3
    return 2 if name[:1] == "p" and name[1:].isdigit() else 1


def _tidy_schema(schema: dict[str, Any]) -> None:
    # For an editor: ``dist`` is required (the union needs it) and the properties read in order.
    properties = schema.get("properties", {})
    schema["properties"] = {name: properties[name] for name in sorted(properties, key=_rank)}
    required = schema.setdefault("required", [])
    if "dist" in properties and "dist" not in required:
        required.insert(0, "dist")


class BaseDistribution(StrictModel):
    """An uncertain number: a validated YAML mapping that also offers a quantile function.

    Subclasses declare ``dist: Literal["<kind>"] = "<kind>"`` and their parameters, and implement
    :meth:`_make_base_engine`, which checks the parameters (raising via ``fail``) and returns the
    engine. The engine is built once, when the model is validated.

    Equality and hashing compare the fields only. Build variants with ``model_validate``, not
    ``model_copy(update=...)``, which would skip validation and keep the old engine.
    """

    model_config = ConfigDict(json_schema_extra=_tidy_schema)

    kind: ClassVar[str] = ""
    """The ``dist`` tag, taken from the subclass's ``dist`` field."""

    _engine: Engine | None = PrivateAttr(default=None)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        field = cls.model_fields.get("dist")
        if field is not None:
            cls.kind = str(field.default)

    @abstractmethod
    def _make_base_engine(self) -> Engine:
        """Check the parameters and build the untruncated engine."""

    def _make_engine(self) -> Engine:
        return self._make_base_engine()

    @model_validator(mode="after")
    def _build_engine(self) -> Self:
        self._engine = self._make_engine()
        return self

    def _get_engine(self) -> Engine:
        if self._engine is None:  # built by model_construct, which skips validation
            self._engine = self._make_engine()
        return self._engine

    def ppf(self, u: npt.ArrayLike) -> FloatArray:
        """The quantile function at ``u``, element-wise, as float64 of the same shape.

        ``u`` must lie in [0, 1] (``ValueError`` otherwise). The result is non-decreasing in ``u``
        and within :meth:`support`. It is finite even at 0 and 1: a family unbounded on either side
        clips ``u`` to ``[2**-53, 1 - 2**-53]`` (about ±8.2 sd for a normal, and a lognormal never
        returns 0), while a finite bound of a bounded family or of a truncation is returned exactly.
        """
        points = np.asarray(u, dtype=np.float64)
        if points.size and not (points.min() >= 0.0 and points.max() <= 1.0):
            raise ValueError("ppf takes probabilities in [0, 1]")
        return self._get_engine().ppf(points)

    def support(self) -> tuple[float, float]:
        """The smallest and largest possible values after truncation (either may be infinite)."""
        engine = self._get_engine()
        return engine.lower, engine.upper

    def reaches_down_to(self, x: float) -> bool:
        """Whether ``ppf(0) <= x``: the distribution can produce ``x`` or a smaller value."""
        return self._get_engine().reaches_down_to(x)

    def reaches_up_to(self, x: float) -> bool:
        """Whether ``ppf(1) >= x``: the distribution can produce ``x`` or a larger value."""
        return self._get_engine().reaches_up_to(x)

    def median(self) -> float:
        """The 50% quantile: the nominal value shown to users and used by one-off runs."""
        return self._get_engine().median()

    def _field_values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in type(self).model_fields)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BaseDistribution):
            return NotImplemented
        return type(self) is type(other) and self._field_values() == other._field_values()

    def __hash__(self) -> int:
        return hash((type(self), self._field_values()))

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Fields left at None (the unused form, no truncation) are omitted, so a dump reads as the
        # user wrote it and validates back to an equal model.
        data: dict[str, Any] = handler(self)
        for attr, field in type(self).model_fields.items():
            if field.alias and attr in data:  # LogNormal.median_ is written ``median``
                data[field.alias] = data.pop(attr)
        names = sorted(data, key=_rank)
        return {name: data[name] for name in names if data[name] is not None}

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        fields = type(self).model_fields
        for attr in sorted(fields, key=_rank):
            value = getattr(self, attr)
            if attr != "dist" and value is not None:
                yield fields[attr].alias or attr, value


def _pair(value: object) -> object:
    if value is not None and not (isinstance(value, list | tuple) and len(value) == 2):
        fail(f"truncate must be [lo, hi] (null = open), e.g. [0, null]; got {show(value)}")
    return value


class Truncatable(BaseDistribution):
    """A distribution that accepts ``truncate: [lo, hi]`` (either end may be null).

    Truncation conditions the distribution on ``lo <= X <= hi``: the quantile function becomes
    ``u -> F^-1(F(lo) + u (F(hi) - F(lo)))``. Parameters and percentiles describe the distribution
    before truncation. An interval with zero probability is an error.
    """

    truncate: Annotated[tuple[OptionalReal, OptionalReal] | None, BeforeValidator(_pair)] = Field(
        default=None,
        description="Condition on [lo, hi]; null leaves that end open.",
        examples=[[0, None]],
    )

    def _make_engine(self) -> Engine:
        engine = self._make_base_engine()
        if self.truncate is None:
            return engine
        lo, hi = self.truncate
        if lo is None and hi is None:
            message = "truncate: [null, null] truncates nothing; remove it"
            fail(message, at="truncate", value=[None, None])
        if lo is not None and hi is not None and not lo < hi:
            fail(
                f"truncate=[{lo!r}, {hi!r}]: lower bound must be less than upper bound",
                at="truncate",
                value=[lo, hi],
            )
        truncated = engine.truncated(lo, hi)
        if truncated is None:
            fail(
                f"truncate: [{fmt(lo)}, {fmt(hi)}] has zero probability under "
                f"{article(self.kind)} distribution with support "
                f"[{fmt(engine.lower)}, {fmt(engine.upper)}]",
                at="truncate",
                value=[lo, hi],
            )
        return truncated
