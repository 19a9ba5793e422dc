"""Figures beside their references, as Markdown appended to docs/benchmarks.md."""

import math
from dataclasses import dataclass, field

from bench.lib.stats import ratio


@dataclass(frozen=True)
class Figure:
    """One measured value, the reference it was measured beside, and the target if any.

    ``higher_is_better`` orients the verdict against ``target``.
    """

    name: str
    value: float
    unit: str
    reference: float | None = None
    reference_name: str = ""
    target: float | None = None
    higher_is_better: bool = True

    @property
    def ratio(self) -> float | None:
        return None if self.reference is None else ratio(self.value, self.reference)

    def verdict(self) -> str:
        if self.target is None or math.isnan(self.value):
            return ""
        met = self.value >= self.target if self.higher_is_better else self.value <= self.target
        sign = "≥" if self.higher_is_better else "≤"
        return f"{'met' if met else 'MISSED'} ({sign} {_number(self.target)})"

    def row(self) -> str:
        reference = (
            f"{_number(self.reference)} {self.unit} ({self.reference_name})"
            if self.reference is not None
            else "—"
        )
        times = "\u00d7"  # the multiplication sign
        quoted = f"{self.ratio:.3g}{times}" if self.ratio is not None else "—"
        return (
            f"| {self.name} | {_number(self.value)} {self.unit} | {reference} | {quoted} "
            f"| {self.verdict() or '—'} |"
        )


def _number(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.3g}"


@dataclass
class Section:
    """One benchmark's results: figures, free-form tables, method notes, and what was skipped."""

    title: str
    figures: list[Figure] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    method: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    error: str | None = None

    def markdown(self) -> str:
        lines = [f"### {self.title}", ""]
        if self.error:
            lines += [f"**Failed:** {self.error}", ""]
        if self.figures:
            lines += [
                "| figure | value | reference (same run) | ratio | target |",
                "|---|---|---|---|---|",
                *(figure.row() for figure in self.figures),
                "",
            ]
        for table in self.tables:
            lines += [table, ""]
        if self.skipped:
            lines += [*(f"- Skipped: {reason}" for reason in self.skipped), ""]
        if self.method:
            lines += ["Method:", "", *(f"- {note}" for note in self.method), ""]
        return "\n".join(lines)


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def mib(value: float) -> str:
    return f"{value / 1024 / 1024:,.0f} MiB"
