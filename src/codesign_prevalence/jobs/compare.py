"""Entry point: ``codesign-prevalence compare [--as-of DATE] [--promote]``.

Scores one as-of date of gold/candidates with ``@champion`` and ``@challenger`` (on the executors, nothing
written), logs an MLflow run with both versions, the per-population Spearman correlation of their scores,
the overlap of their top-k lists and, when ``evaluate.labels`` is set, each one's precision and recall.
``--promote`` moves ``champion`` to the challenger's version when the challenger is at least as good on
``evaluate.promote_metric``; without labels there is nothing to judge by, and it says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from mlflow.entities.model_registry import ModelVersion
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from codesign_prevalence.features.candidates import SCORED_POPULATIONS
from codesign_prevalence.jobs.context import JobContext, Skipped
from codesign_prevalence.models.comparison import (
    CHALLENGER_SCORE,
    CHAMPION_SCORE,
    promotion_metric,
    spearman,
    top_k_overlap,
    with_both_scores,
)
from codesign_prevalence.models.evaluation import RankingMetrics, evaluate_rankers, metrics_as_mlflow, read_labels
from codesign_prevalence.models.inputs import resolve_as_of
from codesign_prevalence.models.registry import RUN_KIND_TAG
from codesign_prevalence.models.scoring import load_python_model, score_udf
from codesign_prevalence.models.tracking import (
    CHALLENGER,
    CHAMPION,
    Tracking,
    connect,
    version_by_alias,
    version_uri,
)
from codesign_prevalence.storage import GOLD_CANDIDATES

CHAMPION_RANKER = "champion"
CHALLENGER_RANKER = "challenger"


@dataclass(frozen=True)
class CompareReport:
    as_of: dt.date
    champion_version: str
    challenger_version: str
    run_id: str
    spearman: dict[str, float | None] = field(default_factory=dict)
    top_k_overlap: dict[str, float | None] = field(default_factory=dict)
    metrics: tuple[RankingMetrics, ...] = field(default_factory=tuple)
    promote_metric: str = ""
    promoted: bool = False
    decision: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "champion_version": self.champion_version,
            "challenger_version": self.challenger_version,
            "run_id": self.run_id,
            "spearman": dict(self.spearman),
            "top_k_overlap": dict(self.top_k_overlap),
            "metrics": [m.as_dict() for m in self.metrics],
            "promote_metric": self.promote_metric,
            "promoted": self.promoted,
            "decision": self.decision,
        }


def _per_population(frame: DataFrame, column: str) -> dict[str, float | None]:
    return {row["population"]: row[column] for row in frame.collect()}


def _labelled_metrics(context: JobContext, scores: DataFrame) -> tuple[RankingMetrics, ...]:
    labels_path = context.config.evaluate.labels
    if not labels_path:
        return ()
    rankers = {CHAMPION_RANKER: F.col(CHAMPION_SCORE), CHALLENGER_RANKER: F.col(CHALLENGER_SCORE)}
    labels = read_labels(context.spark, Path(labels_path))
    return evaluate_rankers(scores, labels, rankers, context.config.evaluate.top_k).metrics


def decide(
    promote: bool,
    champion: str,
    challenger: str,
    results: tuple[RankingMetrics, ...],
    promote_metric: str,
) -> tuple[bool, str]:
    """Whether to move ``champion`` to the challenger, and why (one line)."""
    measure = promotion_metric(promote_metric)
    if champion == challenger:
        return False, f"challenger is champion already (version {champion}); nothing to promote"
    if not results:
        return False, "not promoting: evaluate.labels is not set, so there is no measure of which is better"
    new, old = measure.value(results, CHALLENGER_RANKER), measure.value(results, CHAMPION_RANKER)
    if new is None:
        return False, f"not promoting: {promote_metric} is undefined (no malicious binary in that population)"
    if old is not None and new < old:
        return False, f"keeping champion v{champion}: {promote_metric} {old:.4f} > challenger v{challenger} {new:.4f}"
    shown_old = "n/a" if old is None else f"{old:.4f}"
    verdict = f"challenger v{challenger} {promote_metric} {new:.4f} >= champion v{champion} {shown_old}"
    if not promote:
        return False, f"{verdict}; run with --promote to make it champion"
    return True, f"promoted: {verdict}"


def _log_run(
    tracking: Tracking,
    as_of: dt.date,
    versions: tuple[ModelVersion, ModelVersion],
    report_values: dict[str, float],
    decision: str,
) -> str:
    champion, challenger = versions
    with tracking.run(f"compare {as_of.isoformat()}", {RUN_KIND_TAG: "compare", "decision": decision}) as run:
        run.params(
            {
                "as_of": as_of.isoformat(),
                "model_name": champion.name,
                "champion_version": str(champion.version),
                "challenger_version": str(challenger.version),
                "champion_run_id": str(champion.run_id),
                "challenger_run_id": str(challenger.run_id),
            }
        )
        run.metrics(report_values)
    return run.run_id


def run(context: JobContext, as_of: dt.date | None = None, promote: bool = False) -> CompareReport | Skipped:
    """Compare ``@champion`` and ``@challenger`` on one as-of date of gold/candidates (default: the newest)."""
    config, top_k = context.config, context.config.evaluate.top_k
    with context.stage("compare") as counts:
        tracking = connect(config)
        champion = version_by_alias(tracking, config.model.name, CHAMPION)
        challenger = version_by_alias(tracking, config.model.name, CHALLENGER)
        spark = context.spark
        resolved = resolve_as_of(spark, context.lakehouse, GOLD_CANDIDATES, as_of)
        as_of = resolved.date
        if resolved.quiet is not None:
            return context.skip("compare", as_of, resolved.quiet.message("nothing to compare"))
        candidates = context.lakehouse.read(spark, GOLD_CANDIDATES)
        both = with_both_scores(
            score_udf(load_python_model(tracking, version_uri(champion)), with_reasons=False),
            score_udf(load_python_model(tracking, version_uri(challenger)), with_reasons=False),
        )
        scored_populations = F.col("population").isin(*SCORED_POPULATIONS)  # not the reference (training) rows
        scores = candidates.where((F.col("as_of") == F.lit(as_of)) & scored_populations).transform(both).cache()
        try:
            correlation = _per_population(spearman(scores, CHAMPION_SCORE, CHALLENGER_SCORE), "spearman")
            overlap = _per_population(top_k_overlap(scores, CHAMPION_SCORE, CHALLENGER_SCORE, top_k), "top_k_overlap")
            results = _labelled_metrics(context, scores)
        finally:
            scores.unpersist()
        promoted, decision = decide(
            promote, str(champion.version), str(challenger.version), results, config.evaluate.promote_metric
        )
        values = {
            **{f"{p}_spearman": v for p, v in correlation.items() if v is not None},
            **{f"{p}_top_k_overlap": v for p, v in overlap.items() if v is not None},
            **metrics_as_mlflow(results),
        }
        run_id = _log_run(tracking, as_of, (champion, challenger), values, decision)
        if promoted:
            tracking.client.set_registered_model_alias(config.model.name, CHAMPION, str(challenger.version))
        counts.update(
            as_of=as_of.isoformat(),
            champion=f"v{champion.version}",
            challenger=f"v{challenger.version}",
            promoted=promoted,
        )
    context.say(f"  {decision}")
    return CompareReport(
        as_of=as_of,
        champion_version=str(champion.version),
        challenger_version=str(challenger.version),
        run_id=run_id,
        spearman=correlation,
        top_k_overlap=overlap,
        metrics=results,
        promote_metric=config.evaluate.promote_metric,
        promoted=promoted,
        decision=decision,
    )
