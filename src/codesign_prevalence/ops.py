"""ops/ingest_runs: one row per ingest run with its line accounting, so that later stages (the run report)
can show what was read and quarantined without re-reading the input.

The table is a log: each run appends one row (a rerun on the same files is a new run that reads the same
lines and accepts none). It is written through Delta like every other table.
"""

from __future__ import annotations

import datetime as dt
import uuid

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DateType, LongType, StringType, StructField, StructType, TimestampType

from codesign_prevalence.ingest.pipeline import IngestReport
from codesign_prevalence.storage import OPS_INGEST_RUNS, Lakehouse, append

INGEST_RUNS_SCHEMA = StructType(
    [
        StructField("run_id", StringType(), False),
        StructField("ingested_at", TimestampType(), False),
        StructField("files", LongType(), False),
        StructField("lines_read", LongType(), False),
        StructField("accepted", LongType(), False),
        StructField("quarantined", LongType(), False),
        StructField("duplicates", LongType(), False),
        StructField("skipped", LongType(), False),
        StructField("blank", LongType(), False),
        StructField("newest_event_date", DateType(), True),
    ]
)
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
    lakehouse.ensure(spark, OPS_INGEST_RUNS, INGEST_RUNS_SCHEMA)
    append(ingest_run_row(spark, report, ingested_at), lakehouse.path(OPS_INGEST_RUNS))


def ingest_totals(runs: DataFrame) -> DataFrame:
    """One row: ``runs`` and the sum of every count column over all runs. Reads :data:`COUNT_COLUMNS`."""
    return runs.agg(
        F.count(F.lit(1)).alias("runs"), *[F.sum(F.col(name)).cast("long").alias(name) for name in COUNT_COLUMNS]
    )
