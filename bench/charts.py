"""Draw the benchmark charts (PNG) from the figures `make bench` wrote; never edit them by hand.

Reads bench/charts/handler.json (bench/handler_bench.py) and bench/charts/filter.json
(bench/filter_bench.py) and writes, next to them:

- filter.png: invocations and records each mapping received, filtered against unfiltered;
- handler.png: the handler's speed ratios against boto3 and Powertools, with their spread;
- cost.png: what one insert costs as the batch grows, filtered against unfiltered.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any

import matplotlib as mpl

mpl.use("Agg")  # files only, no display
import matplotlib.pyplot as plt

CHARTS = Path(__file__).resolve().parent / "charts"
COLOURS = {"filtered": "#2a7ab0", "unfiltered": "#c8553d"}
# Fixed metadata, so the same figures give the same bytes.
PNG = {"metadata": {"Software": None}, "dpi": 110}


def filter_chart(figures: dict[str, Any]) -> plt.Figure:
    """Two panels, invocations and records, a pair of bars (filtered, unfiltered) per workload."""
    scenarios = list(figures)
    figure, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for axis, measure in zip(axes, ("invocations", "records"), strict=True):
        for offset, kind in ((-0.2, "filtered"), (0.2, "unfiltered")):
            values = [
                figures[s][kind]["invocations"]
                if measure == "invocations"
                else sum(figures[s][kind]["records"].values())
                for s in scenarios
            ]
            bars = axis.bar(
                [i + offset for i in range(len(scenarios))],
                values,
                width=0.4,
                color=COLOURS[kind],
                label=kind,
            )
            axis.bar_label(bars, padding=2)
        axis.set_xticks(range(len(scenarios)), [_workload(s, figures[s]) for s in scenarios])
        axis.set_title(f"{measure} the function received")
        axis.margins(y=0.15)
    axes[0].legend(frameon=False)
    figure.suptitle("What the insert-only filter saves (LocalStack; a third of the writes insert)")
    figure.tight_layout()
    return figure


def _workload(name: str, figures: dict[str, Any]) -> str:
    return f"{name}\n{sum(figures['writes'].values())} writes"


def handler_chart(figures: dict[str, Any]) -> plt.Figure:
    """Median speed-up per comparison, whiskers from the slowest to the fastest run, goals."""
    rows = [
        (f"deserialise an image\nvs {figures['deserialize']['reference']}", figures["deserialize"]),
        (f"10,000-record batch\nvs {figures['batch']['reference']}", figures["batch"]),
    ]
    figure, axis = plt.subplots(figsize=(9, 3.6))
    for index, (_, row) in enumerate(rows):
        ratios = row["ratios"]
        median = statistics.median(ratios)
        axis.barh(index + 0.08, median - 1, left=1, color=COLOURS["filtered"], height=0.4)
        axis.errorbar(
            median,
            index + 0.08,
            xerr=[[median - min(ratios)], [max(ratios) - median]],
            color="black",
            capsize=5,
        )
        axis.plot([row["goal"]] * 2, [index - 0.15, index + 0.32], color=COLOURS["unfiltered"])
        axis.annotate(
            f"median {median:.2f}x, runs {min(ratios):.2f}-{max(ratios):.2f}x (n={len(ratios)}),"
            f" goal {row['goal']:g}x",
            (1.03, index - 0.33),
            va="center",
        )
    axis.set_yticks(range(len(rows)), [label for label, _ in rows])
    axis.set_ylim(len(rows) - 0.5, -0.75)  # top to bottom, room for the first label
    # Ratios on a log scale, from parity (1x): a run twice as fast and one half as fast sit
    # equally far from it, and one outlier run does not squeeze the rest.
    axis.set_xscale("log")
    axis.axvline(1, color="grey", linewidth=0.8)
    low = min(0.5, min(min(row["ratios"]) for _, row in rows) / 1.5)
    high = max(max(row["ratios"]) for _, row in rows) * 2
    axis.set_xlim(low, high)
    ticks = [t for t in (0.1, 0.2, 0.5, 1, 2, 3, 5, 10, 20, 50, 100) if low <= t <= high]
    axis.set_xticks(ticks, [f"{tick:g}x" for tick in ticks])
    axis.minorticks_off()
    axis.set_xlabel(
        "times faster than the reference (bar: median; whiskers: slowest to fastest run)"
    )
    axis.set_title(
        f"The handler against the common tools (red: the goal)\nPython {figures['python']}, "
        f"{figures['build']} build, load {figures.get('load', '?')}"
    )
    figure.tight_layout()
    return figure


def cost_chart(figures: dict[str, Any]) -> plt.Figure:
    """Cost per million inserts against batch size, log-log, one line per mapping."""
    cost = figures["cost"]
    figure, axis = plt.subplots(figsize=(8, 3.8))
    for kind in ("filtered", "unfiltered"):
        sizes = [point["batch_size"] for point in cost["points"]]
        dollars = [point[kind]["cost_per_insert"] * 1e6 for point in cost["points"]]
        axis.plot(sizes, dollars, marker="o", color=COLOURS[kind], label=_cost_label(kind))
        for size, value in zip(sizes, dollars, strict=True):
            axis.annotate(f"${value:.3g}", (size, value), xytext=(4, 4), textcoords="offset points")
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("records per invocation (batch size)")
    axis.set_ylabel("$ per million inserts")
    axis.set_title(
        f"Lambda cost of one insert: request + billed duration ({cost['memory_mb']} MB arm64, "
        "list price)"
    )
    axis.legend(frameon=False)
    figure.tight_layout()
    return figure


def _cost_label(kind: str) -> str:
    if kind == "filtered":
        return "filtered: every record an insert"
    return "unfiltered: a third inserts, the rest skipped"


def main() -> int:
    """Write each chart whose figures exist; say which were missing."""
    drawn = {
        "filter.json": [("filter.png", filter_chart)],
        "handler.json": [("handler.png", handler_chart), ("cost.png", cost_chart)],
    }
    for source, charts in drawn.items():
        path = CHARTS / source
        if not path.exists():
            print(f"charts: {path} missing (run make bench); its charts were not drawn")
            continue
        figures = json.loads(path.read_text())
        for name, draw in charts:
            figure = draw(figures)
            figure.savefig(CHARTS / name, **PNG)
            plt.close(figure)
            print(f"charts: wrote bench/charts/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
