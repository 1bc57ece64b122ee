"""Entry point: ``codesign-prevalence report [--as-of DATE] [--out DIR]``.

Writes a self-contained HTML page about one as-of date of gold/scored_binaries (default: the newest) and
its plots as PNG files beside it (the page embeds them too), by default under
``<storage.root>/reports/<as-of>/``, and logs those files as artifacts (``report/``) of the MLflow run of
the ``score`` that produced the date (found by tag); when no such run exists (a table scored before
scoring runs were logged) a run of kind ``report`` is created for them instead, and the output says so.
On a quiet day (features found no candidates for the date, so nothing was scored) the page says so and
shows the counts per stage, and the files go to a run of kind ``report``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from codesign_prevalence.features.events import window_start
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.models.evaluation import evaluate_rankers, model_and_baselines, read_labels
from codesign_prevalence.models.inputs import QuietDay, resolve_as_of
from codesign_prevalence.models.registry import RUN_KIND_TAG
from codesign_prevalence.models.scoring_run import AS_OF_TAG, latest_scoring_run
from codesign_prevalence.models.tracking import Tracking, connect, ensure_experiment
from codesign_prevalence.ops import ingest_totals
from codesign_prevalence.reporting import figures
from codesign_prevalence.reporting.data import (
    MAX_ALERT_ROWS,
    Evaluation,
    ReportData,
    StageCount,
    alert_rows,
    alert_thresholds,
    collect_histogram,
    collect_scatter,
    scatter_sample,
    score_histogram,
    stage_counts_from,
    with_signer_age,
)
from codesign_prevalence.reporting.page import render
from codesign_prevalence.storage import (
    BRONZE_EVENTS,
    BRONZE_QUARANTINE,
    GOLD_CANDIDATES,
    GOLD_SCORED,
    OPS_INGEST_RUNS,
    SILVER_RULE_MATCHES,
)

REPORTS_DIR = "reports"
PAGE_FILE = "report.html"
ARTIFACT_DIR = "report"
POPULATIONS: tuple[str, ...] = ("rule", "hunt")


@dataclass(frozen=True)
class ReportResult:
    as_of: dt.date
    path: Path
    files: tuple[Path, ...]
    mlflow_run_id: str
    logged_to_scoring_run: bool
    alerts: int
    nothing_scored: str | None = None  # a quiet day: the one line saying why

    def as_dict(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "path": str(self.path),
            "files": [str(f) for f in self.files],
            "mlflow_run_id": self.mlflow_run_id,
            "logged_to_scoring_run": self.logged_to_scoring_run,
            "alerts": self.alerts,
            "nothing_scored": self.nothing_scored,
        }


def default_output_dir(context: JobContext, as_of: dt.date) -> Path:
    return context.lakehouse.root / REPORTS_DIR / as_of.isoformat()


def _by_population(frame: DataFrame, value: Column) -> dict[str, int]:
    return {row["population"]: int(row["n"]) for row in frame.groupBy("population").agg(value.alias("n")).collect()}


def _ingest_counts(context: JobContext) -> tuple[dict[str, int] | None, dict[str, int] | None]:
    spark, lakehouse = context.spark, context.lakehouse
    if not lakehouse.exists(spark, OPS_INGEST_RUNS):
        return None, None
    runs = lakehouse.read(spark, OPS_INGEST_RUNS)
    latest = runs.orderBy(F.col("ingested_at").desc()).limit(1).collect()
    totals = ingest_totals(runs).collect()
    latest_counts = {key: int(value) for key, value in latest[0].asDict().items() if isinstance(value, int)}
    total_counts = {key: int(value or 0) for key, value in totals[0].asDict().items()}
    return (latest_counts if latest else None), total_counts


def _count_where(context: JobContext, table: str, condition: Column) -> int | None:
    if not context.lakehouse.exists(context.spark, table):
        return None
    return context.lakehouse.read(context.spark, table).where(condition).count()


def _stage_counts(context: JobContext, scored: DataFrame | None, as_of: dt.date) -> list[StageCount]:
    """The counts per stage of one as-of date (``scored``: its rows of gold/scored_binaries; None: none)."""
    spark, lakehouse = context.spark, context.lakehouse
    latest, totals = _ingest_counts(context)
    first_day = window_start(as_of, context.config.features.lookback_days)
    same_day = F.col("as_of") == F.lit(as_of)
    candidates = (
        _by_population(lakehouse.read(spark, GOLD_CANDIDATES).where(same_day), F.count(F.lit(1)))
        if lakehouse.exists(spark, GOLD_CANDIDATES)
        else {}
    )
    return stage_counts_from(
        ingest_latest=latest,
        ingest_totals=totals,
        quarantine_rows=_count_where(context, BRONZE_QUARANTINE, F.lit(True)),
        window=(
            first_day,
            as_of,
            _count_where(context, BRONZE_EVENTS, F.col("event_date").between(F.lit(first_day), F.lit(as_of))),
        ),
        rule_matches=_count_where(context, SILVER_RULE_MATCHES, same_day),
        candidates=candidates,
        scored={} if scored is None else _by_population(scored, F.count(F.lit(1))),
        alerts={} if scored is None else _by_population(scored, F.count_if(F.col("alert"))),
        populations=POPULATIONS,
    )


def _scatter(context: JobContext, scored: DataFrame) -> DataFrame:
    spark, lakehouse = context.spark, context.lakehouse
    if lakehouse.exists(spark, GOLD_CANDIDATES):
        with_age = scored.transform(with_signer_age(lakehouse.read(spark, GOLD_CANDIDATES)))
    else:
        with_age = scored.select("*", F.lit(0.0).alias("signer_age_days"))
    return scatter_sample(with_age)


def _evaluation(context: JobContext, scored: DataFrame) -> Evaluation | None:
    labels = context.config.evaluate.labels
    if not labels:
        return None
    top_k = context.config.evaluate.top_k
    evaluation = evaluate_rankers(
        scored, read_labels(context.spark, Path(labels)), model_and_baselines(), top_k, curves=True
    )
    return Evaluation(labels=labels, top_k=top_k, metrics=evaluation.metrics, curves=evaluation.curves)


def collect_report_data(
    context: JobContext, scored: DataFrame, as_of: dt.date, scoring_run_id: str | None
) -> ReportData:
    """Everything the page shows, for the rows of one as-of date of gold/scored_binaries."""
    model = context.config.model
    versions = tuple(sorted(str(row[0]) for row in scored.select("model_version").distinct().limit(20).collect()))
    return ReportData(
        as_of=as_of,
        generated_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        storage_root=str(context.lakehouse.root),
        model_name=model.name,
        model_versions=versions,
        scoring_run_id=scoring_run_id,
        alert_top_n=model.alert_top_n,
        alert_min_score=model.alert_min_score,
        alerts=tuple(alert_rows(scored, MAX_ALERT_ROWS)),
        alerts_shown_limit=MAX_ALERT_ROWS,
        histogram=tuple(collect_histogram(score_histogram(scored))),
        thresholds=alert_thresholds(scored),
        scatter=tuple(collect_scatter(_scatter(context, scored))),
        stage_counts=tuple(_stage_counts(context, scored, as_of)),
        evaluation=_evaluation(context, scored),
        populations=POPULATIONS,
    )


def quiet_report_data(context: JobContext, quiet: QuietDay) -> ReportData:
    """The page of a quiet day: nothing scored (the one line why) and the counts per stage."""
    model = context.config.model
    return ReportData(
        as_of=quiet.as_of,
        generated_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        storage_root=str(context.lakehouse.root),
        model_name=model.name,
        model_versions=(),
        scoring_run_id=None,
        alert_top_n=model.alert_top_n,
        alert_min_score=model.alert_min_score,
        alerts=(),
        alerts_shown_limit=MAX_ALERT_ROWS,
        histogram=(),
        thresholds={},
        scatter=(),
        stage_counts=tuple(_stage_counts(context, None, quiet.as_of)),
        populations=POPULATIONS,
        nothing_scored=quiet.message("nothing was scored"),
    )


def render_images(data: ReportData) -> dict[str, bytes]:
    if data.nothing_scored is not None:
        return {}
    images = {
        "score_distribution": figures.score_distribution(
            data.histogram, data.thresholds, data.alert_min_score, data.populations
        ),
        "prevalence": figures.prevalence_scatter(data.scatter, data.populations),
    }
    evaluation = data.evaluation
    if evaluation is not None:
        populations = sorted({m.population for m in evaluation.metrics})
        if populations:
            images["precision_recall"] = figures.precision_recall(evaluation.curves, populations)
    return images


def write_report(data: ReportData, images: dict[str, bytes], out_dir: Path) -> tuple[Path, ...]:
    """The page and its PNGs under ``out_dir`` (replacing an earlier report there); returns the files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, png in images.items():
        path = out_dir / f"{name}.png"
        path.write_bytes(png)
        written.append(path)
    page = out_dir / PAGE_FILE
    page.write_text(render(data, images), encoding="utf-8")
    return (page, *written)


def _log_artifacts(tracking: Tracking, as_of: dt.date, scoring_run_id: str | None, files: tuple[Path, ...]) -> str:
    client = tracking.client
    run_id = scoring_run_id
    if run_id is None:
        created = client.create_run(
            ensure_experiment(tracking),
            tags={RUN_KIND_TAG: "report", AS_OF_TAG: as_of.isoformat()},
            run_name=f"report {as_of.isoformat()}",
        )
        run_id = str(created.info.run_id)
        client.set_terminated(run_id)
    for path in files:
        client.log_artifact(run_id, str(path), ARTIFACT_DIR)
    return run_id


def run(context: JobContext, as_of: dt.date | None = None, out_dir: Path | None = None) -> ReportResult:
    """Write the report of one as-of date (default: the newest scored) and log it to MLflow."""
    with context.stage("report") as counts:
        spark, lakehouse = context.spark, context.lakehouse
        resolved = resolve_as_of(spark, lakehouse, GOLD_SCORED, as_of)
        as_of = resolved.date
        tracking = connect(context.config)
        if resolved.quiet is not None:
            scoring_run_id, data = None, quiet_report_data(context, resolved.quiet)
        else:
            scoring_run_id = latest_scoring_run(tracking, as_of)
            scored = lakehouse.read(spark, GOLD_SCORED).where(F.col("as_of") == F.lit(as_of)).cache()
            try:
                data = collect_report_data(context, scored, as_of, scoring_run_id)
            finally:
                scored.unpersist()
        files = write_report(data, render_images(data), out_dir or default_output_dir(context, as_of))
        run_id = _log_artifacts(tracking, as_of, scoring_run_id, files)
        counts.update(as_of=as_of.isoformat(), alerts=len(data.alerts), plots=len(files) - 1, mlflow_run=run_id)
    if data.nothing_scored is not None:
        context.say(f"[report] {data.nothing_scored}")
    elif scoring_run_id is None:
        context.say(f"[report] no MLflow scoring run for {as_of.isoformat()}; logged to a new report run {run_id}")
    for path in files:
        context.detail(f"  {path}")
    context.detail(f"  MLflow run {run_id}, artifacts under '{ARTIFACT_DIR}/' ({tracking.tracking_uri})")
    return ReportResult(
        as_of, files[0], files, run_id, scoring_run_id is not None, len(data.alerts), data.nothing_scored
    )
