"""The evidence notebook's plots: matplotlib figures of `timeline`'s tables, each with its sentence.

Readable without colour: every state has its own marker shape (and fill), bars their own hatch;
colour only repeats what the shape says. Figures are made with `matplotlib.figure.Figure` (no
pyplot, no global state, no display needed); `png(plot)` gives the bytes the notebook shows and
its HTML export embeds. matplotlib is the `notebook` extra: imported here only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from . import timeline

__all__ = ["Plot", "checks_plot", "countdown_plot", "drift_plot", "durations_plot", "facts_plot", "findings_plot",
           "png", "staleness_plot", "trend_plot"]

# state -> (marker, filled, size, colour, legend label)
VERDICTS = {"fail": ("X", True, 90, "#b2182b", "fail"), "pass": ("o", True, 28, "#1a1a1a", "pass"),
            "expected-denied": ("s", False, 34, "#2166ac", "refused as expected"),
            "skipped": ("_", True, 40, "#878787", "skipped")}
FACTS = {"contradicted": ("X", True, 90, "#b2182b", "contradicted"), "confirmed": ("o", True, 28, "#1a1a1a",
                                                                                 "confirmed")}
SEVERITIES = {"high": ("^", True, 70, "#b2182b", "high"), "medium": ("D", True, 45, "#d6604d", "medium"),
              "low": ("v", False, 45, "#4393c3", "low"), "info": ("o", False, 35, "#1a1a1a", "info")}


@dataclass(frozen=True)
class Plot:
    """A figure and the sentence that says what it shows."""

    figure: Figure
    sentence: str


def png(plot: Plot) -> bytes:
    """The plot as PNG bytes (96 dpi)."""
    buffer = io.BytesIO()
    plot.figure.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    return buffer.getvalue()


def _grid(grid: timeline.Grid, marks: dict[str, tuple[str, bool, int, str, str]], title: str) -> Plot:
    figure = Figure(figsize=(max(5.0, 1.2 + 0.55 * len(grid.runs)), 1.2 + 0.24 * max(len(grid.rows), 1)))
    axes = figure.subplots()
    for state, (marker, filled, size, colour, label) in marks.items():
        points = [(i, y) for y, row in enumerate(grid.rows) for i, cell in enumerate(grid.cells[row]) if cell == state]
        if points:
            xs, ys = zip(*points, strict=True)
            axes.scatter(xs, ys, marker=marker, s=size, label=label, linewidths=1.2, **_paint(marker, filled, colour))
    axes.set_yticks(range(len(grid.rows)), grid.rows, fontsize=7)
    axes.set_xticks(range(len(grid.runs)), grid.runs, fontsize=7)
    axes.set_ylim(len(grid.rows) - 0.5, -0.5)
    axes.set_xlim(-0.5, len(grid.runs) - 0.5)
    axes.set_xlabel("run (number, date)")
    axes.set_title(title, fontsize=10)
    axes.grid(True, axis="x", linestyle=":", linewidth=0.5)
    if axes.collections:
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7, frameon=False)
    return Plot(figure, grid.sentence)


def _paint(marker: str, filled: bool, colour: str) -> dict[str, Any]:
    """How a marker is coloured: a line marker (`_`, `x`) has no face, a hollow one no fill."""
    if marker in ("_", "x", "|", "+"):
        return {"color": colour}
    return {"facecolors": colour if filled else "none", "edgecolors": colour}


def checks_plot(tenant: dict[str, Any]) -> Plot:
    return _grid(timeline.checks_grid(tenant), VERDICTS, f"{tenant['name']}: each check's verdict per run")


def facts_plot(tenant: dict[str, Any]) -> Plot:
    return _grid(timeline.facts_grid(tenant), FACTS, f"{tenant['name']}: facts confirmed and contradicted per run")


def findings_plot(tenant: dict[str, Any]) -> Plot:
    return _grid(timeline.findings_grid(tenant), SEVERITIES, f"{tenant['name']}: findings per run")


def _line_figure(title: str, ylabel: str) -> tuple[Figure, Any]:
    figure = Figure(figsize=(7, 2.8))
    axes = figure.subplots()
    axes.set_title(title, fontsize=10)
    axes.set_ylabel(ylabel)
    axes.grid(True, linestyle=":", linewidth=0.5)
    return figure, axes


def countdown_plot(tenant: dict[str, Any]) -> Plot:
    points, sentence = timeline.countdown(tenant)
    figure, axes = _line_figure(f"{tenant['name']}: migration countdown to 2027-04-30", "days left")
    xs = list(range(len(points)))
    axes.plot(xs, [p["days_left"] for p in points], color="#1a1a1a", linewidth=1)
    for state, face, label in (("enabled", "#1a1a1a", "API token accepted"), ("disabled", "none", "API token refused"),
                               (None, "none", "no API token tried")):
        chosen = [(x, p["days_left"]) for x, p in zip(xs, points, strict=True) if p["api_token_access"] == state]
        if chosen:
            marker = "o" if state else "x"
            axes.scatter(*zip(*chosen, strict=True), marker=marker, s=50, label=label, zorder=3,
                         **_paint(marker, face != "none", "#1a1a1a"))
    axes.set_xticks(xs, [p["date"] for p in points], fontsize=7, rotation=30)
    axes.set_ylim(bottom=0)
    axes.legend(fontsize=7, frameon=False)
    return Plot(figure, sentence)


def drift_plot(tenant: dict[str, Any]) -> Plot:
    numbers, sentence = timeline.drift(tenant)
    figure, axes = _line_figure(f"{tenant['name']}: recording used per run", "recording")
    xs = [r["run"] for r in tenant["runs"]]
    axes.step(xs, [n or 0 for n in numbers], where="post", color="#1a1a1a", linewidth=1)
    axes.scatter(xs, [n or 0 for n in numbers], marker="s", s=30, color="#1a1a1a")
    axes.set_xticks(xs)
    axes.set_xlabel("run")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    return Plot(figure, sentence)


def staleness_plot(tenant: dict[str, Any]) -> Plot:
    ages, limit, sentence = timeline.staleness(tenant)
    figure, axes = _line_figure(f"{tenant['name']}: age of the recording at each run", "days")
    xs = [r["run"] for r in tenant["runs"]]
    axes.bar(xs, [a or 0 for a in ages], color="white", edgecolor="#1a1a1a", hatch="//", label="oldest cassette")
    axes.axhline(limit, color="#1a1a1a", linestyle="--", linewidth=1, label=f"stale after {limit} days")
    axes.set_xticks(xs)
    axes.set_xlabel("run")
    axes.legend(fontsize=7, frameon=False)
    return Plot(figure, sentence)


def trend_plot(history: dict[str, Any]) -> Plot:
    """Per week: tenants that ran and those that accepted an API token."""
    trends = history["trends"]
    figure, axes = _line_figure("Tenants accepting API tokens, per week", "tenants")
    xs = list(range(len(trends)))
    axes.bar(xs, [t["tenants"] for t in trends], color="white", edgecolor="#1a1a1a", label="tenants that ran")
    axes.bar(xs, [len(t["api_token_enabled"]) for t in trends], color="#bbbbbb", edgecolor="#1a1a1a", hatch="xx",
             label="API token access enabled")
    axes.set_xticks(xs, [t["week"] for t in trends], fontsize=7, rotation=30)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7, frameon=False)
    sentence = ("Per ISO week, the tenants that ran (white bar) and, hatched, those whose last run that week "
                "accepted an API token: " + "; ".join(f"{t['week']}: {t['summary']}" for t in trends) + ".")
    return Plot(figure, sentence)


def durations_plot(evidence: dict[str, Any]) -> Plot:
    """One run's check durations in run order, failed checks hatched."""
    checks = evidence["checks"]
    figure = Figure(figsize=(7, 1 + 0.16 * len(checks)))
    axes = figure.subplots()
    ys = range(len(checks))
    axes.barh(ys, [c["duration_seconds"] * 1000 for c in checks], color="white", edgecolor="#1a1a1a",
              hatch=["xx" if c["verdict"] == "fail" else "" for c in checks])
    axes.set_yticks(ys, [c["check_id"] for c in checks], fontsize=6)
    axes.invert_yaxis()
    axes.set_xlabel("milliseconds")
    axes.set_title("Each check's duration, in run order (hatched: failed)", fontsize=10)
    failed = sum(c["verdict"] == "fail" for c in checks)
    slowest = max(checks, key=lambda c: c["duration_seconds"], default=None)
    sentence = (f"How long each of the run's {len(checks)} checks took ({failed} failed, hatched)"
                + (f"; the slowest: {slowest['check_id']}, {slowest['duration_seconds'] * 1000:.0f} ms." if slowest
                   else "."))
    return Plot(figure, sentence)
