"""What the run report shows, as small driver-side values computed by bounded Spark aggregates.

Nothing here collects a whole table: the alert table is the alerted rows (capped), the score distribution
is a histogram aggregated in Spark, the prevalence scatter keeps every alert and a capped, deterministic
sample of the other binaries, and the stage counts are single-row aggregates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from codesign_prevalence.models.evaluation import RankingMetrics

DEFAULT_BINS = 40
MAX_ALERT_ROWS = 200
MAX_SCATTER_POINTS = 5000


@dataclass(frozen=True)
class AlertRow:
    population: str
    rank: int
    anomaly_score: float
    sha256: str
    subject_name: str
    signer: str | None
    status_category: str | None
    host_count: int
    first_seen: dt.datetime | None
    example_path: str | None
    example_host: str | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class HistogramBin:
    population: str
    low: float
    high: float
    rows: int
    alerts: int


@dataclass(frozen=True)
class ScatterPoint:
    population: str
    host_count: int
    signer_age_days: float
    alert: bool


@dataclass(frozen=True)
class StageCount:
    stage: str
    measure: str
    value: int | None
    note: str = ""


@dataclass(frozen=True)
class Evaluation:
    labels: str
    top_k: int
    metrics: tuple[RankingMetrics, ...]
    curves: dict[tuple[str, str], list[tuple[float, float]]]


@dataclass(frozen=True)
class ReportData:
    as_of: dt.date
    generated_at: dt.datetime
    storage_root: str
    model_name: str
    model_versions: tuple[str, ...]
    scoring_run_id: str | None
    alert_top_n: int
    alert_min_score: float | None
    alerts: tuple[AlertRow, ...]
    alerts_shown_limit: int
    histogram: tuple[HistogramBin, ...]
    thresholds: dict[str, float | None]
    scatter: tuple[ScatterPoint, ...]
    stage_counts: tuple[StageCount, ...]
    evaluation: Evaluation | None = None
    populations: tuple[str, ...] = field(default=("rule", "hunt"))
    nothing_scored: str | None = None  # a quiet day: the one line saying why nothing was scored


def alert_rows(scored: DataFrame, limit: int = MAX_ALERT_ROWS) -> list[AlertRow]:
    """The alerted rows, population then rank, at most ``limit`` per population.

    Reads the gold/scored_binaries columns named in :class:`AlertRow` and ``alert``.
    """
    per_population = Window.partitionBy("population").orderBy(F.col("rank").asc())
    rows = (
        scored.where(F.col("alert"))
        .select("*", F.row_number().over(per_population).alias("_shown"))
        .where(F.col("_shown") <= F.lit(limit))
        .orderBy("population", "rank")
        .select(*AlertRow.__dataclass_fields__.keys())
        .collect()
    )
    return [
        AlertRow(
            population=row["population"],
            rank=int(row["rank"]),
            anomaly_score=float(row["anomaly_score"]),
            sha256=row["sha256"],
            subject_name=row["subject_name"],
            signer=row["signer"],
            status_category=row["status_category"],
            host_count=int(row["host_count"]),
            first_seen=row["first_seen"],
            example_path=row["example_path"],
            example_host=row["example_host"],
            reasons=tuple(row["reasons"] or ()),
        )
        for row in rows
    ]


def score_histogram(scored: DataFrame, bins: int = DEFAULT_BINS) -> DataFrame:
    """Per population, ``bins`` equal-width bins of ``anomaly_score`` between its minimum and maximum.

    Reads ``population``, ``anomaly_score``, ``alert``. Output: ``population, bin, low, high, rows, alerts``
    (only non-empty bins; ``bin`` in 0..bins-1; a population whose scores are all equal has one bin).
    """
    bounds = scored.groupBy("population").agg(
        F.min("anomaly_score").alias("low_all"), F.max("anomaly_score").alias("high_all")
    )
    width = (F.col("high_all") - F.col("low_all")) / F.lit(bins)
    position = F.floor((F.col("anomaly_score") - F.col("low_all")) / width).cast("int")
    bin_number = F.when(width > F.lit(0.0), F.least(position, F.lit(bins - 1))).otherwise(F.lit(0))
    binned = scored.join(bounds, on="population", how="inner").select(
        F.col("population"), F.col("alert"), F.col("low_all"), width.alias("width"), bin_number.alias("bin")
    )
    counted = binned.groupBy("population", "bin").agg(
        F.first("low_all").alias("low_all"),
        F.first("width").alias("width"),
        F.count(F.lit(1)).alias("rows"),
        F.count_if(F.col("alert")).alias("alerts"),
    )
    return counted.select(
        F.col("population"),
        F.col("bin"),
        (F.col("low_all") + F.col("bin") * F.col("width")).alias("low"),
        (F.col("low_all") + (F.col("bin") + F.lit(1)) * F.col("width")).alias("high"),
        F.col("rows").cast("long").alias("rows"),
        F.col("alerts").cast("long").alias("alerts"),
    )


def collect_histogram(histogram: DataFrame) -> list[HistogramBin]:
    return [
        HistogramBin(row["population"], float(row["low"]), float(row["high"]), int(row["rows"]), int(row["alerts"]))
        for row in histogram.orderBy("population", "bin").collect()
    ]


def alert_thresholds(scored: DataFrame) -> dict[str, float | None]:
    """Per population, the lowest score that alerted (None when nothing alerted). Reads ``population``,
    ``anomaly_score``, ``alert``."""
    rows = (
        scored.groupBy("population")
        .agg(F.min(F.when(F.col("alert"), F.col("anomaly_score"))).alias("threshold"))
        .collect()
    )
    return {row["population"]: (None if row["threshold"] is None else float(row["threshold"])) for row in rows}


def with_signer_age(candidates: DataFrame) -> Callable[[DataFrame], DataFrame]:
    """A transform adding ``signer_age_days`` (the signer's days since first seen, from gold/candidates of
    the same as-of and population; 0 when unknown) to scored rows.

    Reads ``as_of``, ``population``, ``sha256``, ``signer`` on both sides and
    ``signer_days_since_first_seen`` from ``candidates``.
    """
    ages = candidates.select(
        F.col("as_of").alias("_as_of"),
        F.col("population").alias("_population"),
        F.col("sha256").alias("_sha256"),
        F.col("signer").alias("_signer"),
        F.col("signer_days_since_first_seen").cast("double").alias("_age"),
    )

    def transform(scored: DataFrame) -> DataFrame:
        same_binary = (
            (F.col("as_of") == F.col("_as_of"))
            & (F.col("population") == F.col("_population"))
            & (F.col("sha256") == F.col("_sha256"))
            & F.col("signer").eqNullSafe(F.col("_signer"))
        )
        joined = scored.join(ages, on=same_binary, how="left")
        return joined.select(
            *[F.col(name) for name in scored.columns], F.coalesce(F.col("_age"), F.lit(0.0)).alias("signer_age_days")
        )

    return transform


def scatter_sample(scored_with_age: DataFrame, max_points: int = MAX_SCATTER_POINTS) -> DataFrame:
    """Every alert plus at most ``max_points`` other rows per population (chosen by a hash of the sha256,
    so the same rows each time). Reads ``population``, ``sha256``, ``host_count``, ``signer_age_days``,
    ``alert``."""
    order = Window.partitionBy("population").orderBy(F.xxhash64(F.col("sha256")), F.col("sha256"))
    others = (
        scored_with_age.where(~F.col("alert"))
        .select("*", F.row_number().over(order).alias("_n"))
        .where(F.col("_n") <= F.lit(max_points))
        .drop("_n")
    )
    return scored_with_age.where(F.col("alert")).unionByName(others).select(
        "population", "host_count", "signer_age_days", "alert"
    )


def collect_scatter(sample: DataFrame) -> list[ScatterPoint]:
    return [
        ScatterPoint(row["population"], int(row["host_count"]), float(row["signer_age_days"]), bool(row["alert"]))
        for row in sample.collect()
    ]


def per_population(frame: DataFrame, value: Column, name: str) -> DataFrame:
    """``population, <name>`` aggregated from ``frame``. Reads ``population``."""
    return frame.groupBy("population").agg(value.alias(name))


def stage_counts_from(
    ingest_latest: dict[str, int] | None,
    ingest_totals: dict[str, int] | None,
    quarantine_rows: int | None,
    window: tuple[dt.date, dt.date, int | None],
    rule_matches: int | None,
    candidates: dict[str, int],
    scored: dict[str, int],
    alerts: dict[str, int],
    populations: Sequence[str],
) -> list[StageCount]:
    """The counts-per-stage table, in pipeline order (None = the table that holds it does not exist)."""
    counts: list[StageCount] = []
    if ingest_latest is None:
        counts.append(StageCount("ingest", "lines read (latest run)", None, "no ops/ingest_runs table"))
    else:
        for key, label in (
            ("lines_read", "lines read"),
            ("accepted", "accepted (new events)"),
            ("quarantined", "quarantined"),
            ("duplicates", "duplicates"),
            ("skipped", "skipped (not a process start)"),
        ):
            counts.append(StageCount("ingest", f"{label}, latest run", ingest_latest.get(key)))
    if ingest_totals is not None:
        note = f"over {ingest_totals.get('runs', 0)} ingest run(s)"
        counts.append(StageCount("ingest", "lines read, all runs", ingest_totals.get("lines_read"), note))
    counts.append(StageCount("ingest", "rows in bronze/quarantine", quarantine_rows))
    first_day, last_day, events = window
    counts.append(StageCount("features", "events in window", events, f"{first_day} .. {last_day}"))
    counts.append(StageCount("features", "seed-rule matches", rule_matches))
    for population in populations:
        counts.append(StageCount("features", f"candidates ({population})", candidates.get(population, 0)))
    for population in populations:
        counts.append(StageCount("score", f"scored ({population})", scored.get(population, 0)))
        counts.append(StageCount("score", f"alerts ({population})", alerts.get(population, 0)))
    return counts
