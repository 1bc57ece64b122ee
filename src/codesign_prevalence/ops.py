"""The run logs under ``ops/``, written through Delta like every other table; each run appends one row.

- ops/ingest_runs: one row per ingest run with its line accounting, so that later stages (the run report)
  can show what was read and quarantined without re-reading the input (a rerun on the same files is a new
  run that reads the same lines and accepts none).
- ops/features_runs: one row per features run, so that the stages after it can tell an as-of date whose
  window held no candidate (features ran and wrote an empty slice: a quiet day) from a date features never
  ran for. On a quiet day the row also holds what bronze held, for the one line that says so.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import astuple, dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from codesign_prevalence.ingest.pipeline import IngestReport
from codesign_prevalence.schema import FEATURES_RUNS_SCHEMA, INGEST_RUNS_SCHEMA
from codesign_prevalence.storage import OPS_FEATURES_RUNS, OPS_INGEST_RUNS, Lakehouse

COUNT_COLUMNS: tuple[str, ...] = ("files", "lines_read", "accepted", "quarantined", "duplicates", "skipped", "blank")


def ingest_run_row(spark: SparkSession, report: IngestReport, ingested_at: dt.datetime) -> DataFrame:
    """The one-row frame recording ``report``."""
    row = (
        uuid.uuid4().hex,
        ingested_at.replace(tzinfo=None),
        report.files,
        report.lines_read,
        report.accepted,
        report.quarantined,
        report.duplicates,
        report.skipped_not_process_start,
        report.blank_lines,
        report.newest_event_date,
    )
    return spark.createDataFrame([row], INGEST_RUNS_SCHEMA)


def record_ingest_run(
    spark: SparkSession, lakehouse: Lakehouse, report: IngestReport, ingested_at: dt.datetime
) -> None:
    """Append one row to ops/ingest_runs (created on first use)."""
    lakehouse.append(OPS_INGEST_RUNS, INGEST_RUNS_SCHEMA, ingest_run_row(spark, report, ingested_at))


def ingest_totals(runs: DataFrame) -> DataFrame:
    """One row: ``runs`` and the sum of every count column over all runs. Reads :data:`COUNT_COLUMNS`."""
    return runs.agg(
        F.count(F.lit(1)).alias("runs"), *[F.sum(F.col(name)).cast("long").alias(name) for name in COUNT_COLUMNS]
    )


@dataclass(frozen=True)
class FeaturesRun:
    """One features run: its as-of window, the events in it and the candidates it found to score (``rule`` and
    ``hunt``; the ``reference`` population is not counted).

    The bronze columns are filled when ``candidates`` is 0 (None otherwise: they cost a pass over bronze's
    metadata that a day with candidates does not need).
    """

    as_of: dt.date
    lookback_days: int
    events_in_window: int
    candidates: int
    bronze_events: int | None = None
    oldest_event_date: dt.date | None = None
    newest_event_date: dt.date | None = None


def record_features_run(spark: SparkSession, lakehouse: Lakehouse, run: FeaturesRun, ran_at: dt.datetime) -> None:
    """Append one row to ops/features_runs (created on first use)."""
    row = (uuid.uuid4().hex, ran_at.replace(tzinfo=None), *astuple(run))
    lakehouse.append(OPS_FEATURES_RUNS, FEATURES_RUNS_SCHEMA, spark.createDataFrame([row], FEATURES_RUNS_SCHEMA))


def latest_features_run(spark: SparkSession, lakehouse: Lakehouse, as_of: dt.date | None) -> FeaturesRun | None:
    """The latest features run for ``as_of`` (None: for the newest as-of date any run was for), or None when
    there is none (or no ops/features_runs table: a lakehouse from before it existed)."""
    if not lakehouse.exists(spark, OPS_FEATURES_RUNS):
        return None
    runs = lakehouse.read(spark, OPS_FEATURES_RUNS)
    if as_of is not None:
        runs = runs.where(F.col("as_of") == F.lit(as_of))
    latest = runs.orderBy(F.col("as_of").desc(), F.col("ran_at").desc()).limit(1).collect()
    if not latest:
        return None
    values = latest[0].asDict()
    return FeaturesRun(**{name: values[name] for name in FeaturesRun.__dataclass_fields__})
