"""The report's plots as PNG bytes (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from codesign_prevalence.models.plots import precision_recall_plot
from codesign_prevalence.reporting.data import HistogramBin, ScatterPoint

DPI = 100
ALERT_COLOUR = "#d62728"
OTHER_COLOUR = "#1f77b4"
LOG_SCALE_ABOVE = 50  # histogram bars taller than this: log scale


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=DPI)
    plt.close(figure)
    return buffer.getvalue()


def score_distribution(
    bins: Sequence[HistogramBin],
    thresholds: Mapping[str, float | None],
    min_score: float | None,
    populations: Sequence[str],
) -> bytes:
    """One panel per population: the histogram of scores (alerted part in red), the alert threshold as a line."""
    figure, axes = plt.subplots(1, len(populations), figsize=(6 * len(populations), 3.8), squeeze=False)
    for axis, population in zip(axes[0], populations, strict=True):
        mine = [b for b in bins if b.population == population]
        if mine:
            lefts = [b.low for b in mine]
            widths = [max(b.high - b.low, 1e-9) for b in mine]
            axis.bar(
                lefts, [b.rows - b.alerts for b in mine], widths, align="edge", color=OTHER_COLOUR, label="not alerted"
            )
            axis.bar(
                lefts,
                [b.alerts for b in mine],
                widths,
                bottom=[b.rows - b.alerts for b in mine],
                align="edge",
                color=ALERT_COLOUR,
                label="alert",
            )
            if max(b.rows for b in mine) > LOG_SCALE_ABOVE:
                axis.set_yscale("log")
        else:
            axis.text(0.5, 0.5, "no scored binaries", ha="center", va="center", transform=axis.transAxes)
        threshold = thresholds.get(population)
        if threshold is not None:
            axis.axvline(threshold, color="black", linestyle="--", label=f"alert threshold {threshold:.3f}")
        if min_score is not None:
            axis.axvline(min_score, color="grey", linestyle=":", label=f"alert_min_score {min_score:.3f}")
        axis.set_title(f"anomaly score, population: {population}")
        axis.set_xlabel("anomaly_score (higher = more anomalous)")
        axis.set_ylabel("binaries" + (" (log)" if axis.get_yscale() == "log" else ""))
        if axis.get_legend_handles_labels()[0]:  # an empty panel has nothing to label
            axis.legend(loc="upper right", fontsize="small")
    return _png(figure)


def prevalence_scatter(points: Sequence[ScatterPoint], populations: Sequence[str]) -> bytes:
    """One panel per population: hosts that ran the binary against its signer's age, alerts highlighted."""
    figure, axes = plt.subplots(1, len(populations), figsize=(6 * len(populations), 4.2), squeeze=False)
    for axis, population in zip(axes[0], populations, strict=True):
        others = [p for p in points if p.population == population and not p.alert]
        alerts = [p for p in points if p.population == population and p.alert]
        axis.scatter(
            [p.signer_age_days for p in others], [p.host_count for p in others], s=8, alpha=0.4,
            color=OTHER_COLOUR, label=f"not alerted ({len(others)})",
        )
        axis.scatter(
            [p.signer_age_days for p in alerts], [p.host_count for p in alerts], s=36, marker="x",
            color=ALERT_COLOUR, label=f"alert ({len(alerts)})",
        )
        if others or alerts:
            axis.set_yscale("log")
            axis.set_xscale("symlog", linthresh=1.0)
        else:
            axis.text(0.5, 0.5, "no scored binaries", ha="center", va="center", transform=axis.transAxes)
        axis.set_title(f"host prevalence vs signer age, population: {population}")
        axis.set_xlabel("signer: days since first seen in the fleet")
        axis.set_ylabel("hosts that ran the binary (log)")
        axis.grid(alpha=0.3)
        axis.legend(loc="upper left", fontsize="small")
    return _png(figure)


def precision_recall(
    curves: Mapping[tuple[str, str], Sequence[tuple[float, float]]], populations: Sequence[str]
) -> bytes:
    """The evaluation's precision-recall plot (model against the baselines), as PNG bytes."""
    with tempfile.TemporaryDirectory(prefix="report-pr-") as scratch:
        path = precision_recall_plot(curves, populations, Path(scratch) / "precision_recall.png")
        return path.read_bytes()
