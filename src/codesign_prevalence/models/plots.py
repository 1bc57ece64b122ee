"""The precision-recall plot of an evaluation (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

Curve = Sequence[tuple[float, float]]


def precision_recall_plot(curves: Mapping[tuple[str, str], Curve], populations: Sequence[str], path: Path) -> Path:
    """One panel per population, one step line per ranker (recall on x, precision on y); saved as PNG."""
    figure, axes = plt.subplots(1, len(populations), figsize=(6 * len(populations), 4.5), squeeze=False)
    for axis, population in zip(axes[0], populations, strict=True):
        for (curve_population, ranker), points in sorted(curves.items()):
            if curve_population != population or not points:
                continue
            recall = [0.0, *[point[0] for point in points]]
            precision = [points[0][1], *[point[1] for point in points]]
            axis.step(recall, precision, where="post", label=ranker, linewidth=2 if ranker == "model" else 1)
        axis.set_title(f"population: {population}")
        axis.set_xlabel("recall")
        axis.set_ylabel("precision")
        axis.set_xlim(0.0, 1.02)
        axis.set_ylim(0.0, 1.02)
        axis.grid(alpha=0.3)
        axis.legend(loc="lower left", fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
