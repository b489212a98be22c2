"""Latency figures per step, and the table the rush prints."""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

# The steps of a parent's visit, in order.
STEPS = ("login page", "login", "grid", "toggle", "grid again")


def percentile(values: Iterable[float], fraction: float) -> float:
    """Nearest rank: defined for any number of samples, and always an observed value."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no samples")
    if not 0 < fraction <= 1:
        raise ValueError("fraction must be in (0, 1]")
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass
class Recorder:
    """What the client saw: a latency per answered request, errors per step, retries."""

    samples: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STEPS, 0))
    # Requests sent again after a cut connection, per step.
    retried: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STEPS, 0))
    # The first few error messages, to print.
    messages: list[str] = field(default_factory=list)

    def ok(self, step: str, milliseconds: float) -> None:
        self.samples[step].append(milliseconds)

    def error(self, step: str, message: str) -> None:
        self.errors[step] += 1
        if len(self.messages) < 10:
            self.messages.append(f"{step}: {message}")

    @property
    def retries(self) -> int:
        return sum(self.retried.values())

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.samples.values()) + sum(self.errors.values())

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def step_rows(recorder: Recorder) -> list[dict]:
    rows = []
    for step in STEPS:
        values = recorder.samples[step]
        row: dict = {"step": step, "requests": len(values), "errors": recorder.errors[step]}
        for name, fraction in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
            row[f"{name}_ms"] = round(percentile(values, fraction), 1) if values else None
        rows.append(row)
    return rows


def table(rows: list[dict]) -> list[str]:
    """Aligned lines: step, requests, errors, p50, p95, p99."""

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    cells = [("step", "ok", "errors", "p50 ms", "p95 ms", "p99 ms")] + [
        (
            row["step"],
            str(row["requests"]),
            str(row["errors"]),
            ms(row["p50_ms"]),
            ms(row["p95_ms"]),
            ms(row["p99_ms"]),
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(cells[0]))]
    return [
        "  ".join(
            [line[0].ljust(widths[0])]
            + [cell.rjust(width) for cell, width in zip(line[1:], widths[1:], strict=True)]
        )
        for line in cells
    ]
