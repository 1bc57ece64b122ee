"""Entry point: ``codesign-prevalence evaluate --labels FILE [--as-of DATE]``.

Joins one as-of date of gold/scored_binaries with the labels file and measures, per population, the model's
ranking beside the baselines (see :mod:`codesign_prevalence.models.evaluation`); logs an MLflow run with the
metrics, a markdown table and a precision-recall plot.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pyspark.sql import functions as F

from codesign_prevalence.jobs.context import JobContext, Skipped
from codesign_prevalence.models.evaluation import (
    MODEL_RANKER,
    RankingMetrics,
    evaluate_rankers,
    markdown_table,
    metrics_as_mlflow,
    model_and_baselines,
    read_labels,
)
from codesign_prevalence.models.inputs import resolve_as_of
from codesign_prevalence.models.plots import precision_recall_plot
from codesign_prevalence.models.registry import RUN_KIND_TAG
from codesign_prevalence.models.tracking import connect
from codesign_prevalence.storage import GOLD_SCORED

PLOT_FILE = "precision_recall.png"
TABLE_FILE = "metrics.md"


@dataclass(frozen=True)
class EvaluateReport:
    as_of: dt.date
    labels: str
    model_versions: tuple[str, ...]
    run_id: str
    top_k: int
    metrics: tuple[RankingMetrics, ...] = field(default_factory=tuple)

    def metric(self, population: str, ranker: str) -> RankingMetrics | None:
        return next((m for m in self.metrics if m.population == population and m.ranker == ranker), None)

    def as_dict(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "labels": self.labels,
            "model_versions": list(self.model_versions),
            "run_id": self.run_id,
            "top_k": self.top_k,
            "metrics": [m.as_dict() for m in self.metrics],
        }


def run(context: JobContext, labels: Path, as_of: dt.date | None = None) -> EvaluateReport | Skipped:
    """Evaluate one as-of date of gold/scored_binaries (default: the newest) against ``labels``."""
    top_k = context.config.evaluate.top_k
    with context.stage("evaluate") as counts:
        spark, lakehouse = context.spark, context.lakehouse
        resolved = resolve_as_of(spark, lakehouse, GOLD_SCORED, as_of)
        as_of = resolved.date
        if resolved.quiet is not None:
            return context.skip("evaluate", as_of, resolved.quiet.message("nothing to evaluate"))
        scored = lakehouse.read(spark, GOLD_SCORED)
        on_date = scored.where(F.col("as_of") == F.lit(as_of))
        evaluation = evaluate_rankers(on_date, read_labels(spark, labels), model_and_baselines(), top_k, curves=True)
        results = evaluation.metrics
        versions = tuple(sorted(str(row[0]) for row in on_date.select("model_version").distinct().limit(100).collect()))
        run_id = _log_run(context, as_of, labels, versions, results, evaluation.curves, top_k)
        counts.update(as_of=as_of.isoformat(), **_headline(results))
    context.say(markdown_table(results, top_k).rstrip())
    return EvaluateReport(as_of, str(labels), versions, run_id, top_k, results)


def _headline(results: tuple[RankingMetrics, ...]) -> dict[str, str]:
    return {
        f"{r.population}_ap": "n/a" if r.average_precision is None else f"{r.average_precision:.3f}"
        for r in results
        if r.ranker == MODEL_RANKER
    }


def _log_run(
    context: JobContext,
    as_of: dt.date,
    labels: Path,
    versions: tuple[str, ...],
    results: tuple[RankingMetrics, ...],
    curves: dict[tuple[str, str], list[tuple[float, float]]],
    top_k: int,
) -> str:
    tracking = connect(context.config)
    populations = sorted({r.population for r in results})
    with tracking.run(f"evaluate {as_of.isoformat()}", {RUN_KIND_TAG: "evaluate"}) as run:
        run.params(
            {
                "as_of": as_of.isoformat(),
                "labels": str(labels),
                "model_name": context.config.model.name,
                "model_versions": ",".join(versions),
                "top_k": str(top_k),
                "delta_version.gold/scored_binaries": str(context.lakehouse.version(context.spark, GOLD_SCORED)),
            }
        )
        run.metrics(metrics_as_mlflow(results))
        run.text(markdown_table(results, top_k), TABLE_FILE)
        if populations:
            with tempfile.TemporaryDirectory(prefix="evaluate-") as scratch:
                plot = precision_recall_plot(curves, populations, Path(scratch) / PLOT_FILE)
                run.artifact(plot)
    return run.run_id
