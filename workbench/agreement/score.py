"""The result type shared by every agreement metric: a value, or the reason there is none."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Score:
    """An agreement value, or the reason it is undefined; exactly one of the two is set.

    Metrics never return NaN, never raise on data that merely leaves a coefficient
    undefined (every pairable value one category, fewer than two coders, no spans), and never
    substitute a conventional 1.0 or 0.0: they return ``Score.undefined_because(reason)``.
    """

    value: float | None
    undefined: str | None = None

    def __post_init__(self) -> None:
        if (self.value is None) == (self.undefined is None):
            raise ValueError("a Score holds either a value or the reason it is undefined")
        if self.value is not None and not math.isfinite(self.value):
            raise ValueError(f"a Score value must be finite, got {self.value!r}")
        if self.undefined is not None and not self.undefined.strip():
            raise ValueError("an undefined Score must say why")

    @classmethod
    def of(cls, value: float) -> Score:
        """Wrap a computed value (as a plain ``float``)."""
        return cls(float(value))

    @classmethod
    def undefined_because(cls, reason: str) -> Score:
        """Report that the metric has no value on this data, and why."""
        return cls(None, reason)

    @property
    def is_defined(self) -> bool:
        """Whether the metric has a value."""
        return self.value is not None

    @property
    def defined_value(self) -> float:
        """The value; raises ``ValueError`` carrying the reason if it is undefined."""
        if self.value is None:
            raise ValueError(f"undefined: {self.undefined}")
        return self.value

    def value_or(self, default: float) -> float:
        """The value, or ``default`` if it is undefined."""
        return default if self.value is None else self.value

    def formatted(self, digits: int = 3) -> str:
        """The value rounded for display, or ``undefined (reason)``."""
        if self.value is None:
            return f"undefined ({self.undefined})"
        return f"{self.value:.{digits}f}"

    def __str__(self) -> str:
        return self.formatted()
