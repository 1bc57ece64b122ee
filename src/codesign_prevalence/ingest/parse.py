"""Classified rows -> bronze rows, quarantine rows and signature verdicts: the Spark side of the ingest.

The lines are parsed and classified in the reader's Python tasks (:mod:`codesign_prevalence.ingest.classify`,
which holds the type coercions of the ingest's contract); what reaches Spark is one row per accepted event,
signature record or quarantined line (typed columns, raw text only for quarantined lines), and count rows
for the blank lines and the skipped events.
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from codesign_prevalence.ingest.classify import (
    OUTCOME_ACCEPTED,
    OUTCOME_BLANK,
    OUTCOME_FIELD_NULLED,
    OUTCOME_QUARANTINED,
    OUTCOME_SIGNATURE,
    OUTCOME_SKIPPED,
    REASON_TIMESTAMP_RANGE,
    ROWS_DDL,
    SIGNATURE_COLUMNS,
    Rules,
    classify_lines,
)
from codesign_prevalence.ingest.sources.record import JOIN_KEY_COLUMN, SOURCE_ELASTIC
from codesign_prevalence.schema import BRONZE_SCHEMA, QUARANTINE_SCHEMA

__all__ = [
    "OUTCOME_ACCEPTED",
    "OUTCOME_BLANK",
    "OUTCOME_FIELD_NULLED",
    "OUTCOME_QUARANTINED",
    "OUTCOME_SIGNATURE",
    "OUTCOME_SKIPPED",
    "REASON_TIMESTAMP_RANGE",
    "classified",
    "signature_records",
    "to_bronze",
    "to_quarantine",
    "with_signatures",
]


def classified(lines: DataFrame, rules: Rules) -> DataFrame:
    """Numbered lines (the reader's columns) -> classified rows (:data:`~.classify.ROWS_DDL`), in Python tasks."""
    return lines.mapInArrow(classify_lines(rules), ROWS_DDL)


def to_bronze(
    rows: DataFrame, ingested_at: dt.datetime, keep: tuple[str, ...] = (), source: str = SOURCE_ELASTIC
) -> DataFrame:
    """Accepted rows as bronze rows (the schema of :data:`BRONZE_SCHEMA`).

    Reads: the classified rows. Output: exactly ``BRONZE_SCHEMA``, then ``keep``.
    """
    typed: dict[str, Column] = {
        "source": F.coalesce(F.col("source"), F.lit(source)),
        "ingested_at": F.lit(ingested_at),
    }
    return rows.where(F.col("outcome") == F.lit(OUTCOME_ACCEPTED)).select(
        *[typed.get(field.name, F.col(field.name)).cast(field.dataType).alias(field.name) for field in BRONZE_SCHEMA],
        *[F.col(column) for column in keep],
    )


def to_quarantine(rows: DataFrame, ingested_at: dt.datetime) -> DataFrame:
    """Quarantined lines with their reason (the schema of :data:`QUARANTINE_SCHEMA`); the raw text was cut
    to ``ingest.raw_quarantine_chars`` and hashed (before the cut) in the classifying task."""
    quarantined = rows.where(F.col("outcome") == F.lit(OUTCOME_QUARANTINED))
    return quarantined.withColumn("ingested_at", F.lit(ingested_at)).select(
        *[F.col(field.name).cast(field.dataType) for field in QUARANTINE_SCHEMA.fields]
    )


def signature_records(rows: DataFrame) -> DataFrame:
    """One signature verdict per join key: ``_join_key`` and the typed ``cs_*`` columns of
    :data:`SIGNATURE_COLUMNS`. Of several records with one key, the first by (source file, line) wins, so
    reruns agree.

    Reads: the classified rows.
    """
    order = F.struct(F.col("source_file"), F.col("line_number"))
    verdict = F.struct(*[F.col(column) for column in SIGNATURE_COLUMNS])
    return (
        rows.where((F.col("outcome") == F.lit(OUTCOME_SIGNATURE)) & F.col(JOIN_KEY_COLUMN).isNotNull())
        .groupBy(JOIN_KEY_COLUMN)
        .agg(F.min_by(verdict, order).alias("verdict"))
        .select(F.col(JOIN_KEY_COLUMN), *[F.col(f"verdict.{column}").alias(column) for column in SIGNATURE_COLUMNS])
    )


def with_signatures(bronze_rows: DataFrame, signatures: DataFrame) -> DataFrame:
    """Process starts with the signature of their own image filled in from ``signatures``.

    Reads: bronze rows with ``_join_key``; ``signatures`` from :func:`signature_records`. A start whose
    own signature fields are set keeps them (Elastic Defend); one without, and without a matching signature
    record, keeps them null (unknown, never false). Output: the columns of ``bronze_rows``.
    """
    found = signatures.select(
        F.col(JOIN_KEY_COLUMN).alias("_signature_key"),
        *[F.col(column).alias(f"_signature_{column}") for column in SIGNATURE_COLUMNS],
    )
    has_own = F.col("cs_exists").isNotNull() | F.col("cs_status").isNotNull() | F.col("cs_subject_name").isNotNull()
    joined = bronze_rows.join(found, on=F.col(JOIN_KEY_COLUMN) == F.col("_signature_key"), how="left")
    filled = {
        column: F.when(has_own, F.col(column)).otherwise(F.col(f"_signature_{column}")).alias(column)
        for column in SIGNATURE_COLUMNS
    }
    return joined.select(*[filled.get(column, F.col(column)) for column in bronze_rows.columns])
