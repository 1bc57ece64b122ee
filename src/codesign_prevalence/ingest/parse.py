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
    OUTCOME_CODEINTEGRITY,
    OUTCOME_CODEINTEGRITY_SIGNATURE,
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
from codesign_prevalence.ingest.sources.record import JOIN_KEY_COLUMN, SOURCE_CODEINTEGRITY, SOURCE_ELASTIC
from codesign_prevalence.schema import (
    BRONZE_SCHEMA,
    CODEINTEGRITY_DETAIL_COLUMNS,
    CODEINTEGRITY_SCHEMA,
    QUARANTINE_SCHEMA,
)

__all__ = [
    "OUTCOME_ACCEPTED",
    "OUTCOME_BLANK",
    "OUTCOME_CODEINTEGRITY",
    "OUTCOME_CODEINTEGRITY_SIGNATURE",
    "OUTCOME_FIELD_NULLED",
    "OUTCOME_QUARANTINED",
    "OUTCOME_SIGNATURE",
    "OUTCOME_SKIPPED",
    "REASON_TIMESTAMP_RANGE",
    "classified",
    "codeintegrity_signatures",
    "signature_records",
    "to_bronze",
    "to_codeintegrity",
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


_CODEINTEGRITY_SIGNATURE_FIELDS: dict[str, str] = {
    "signature_count": "ci_total_signatures",
    "publisher_name": "cs_subject_name",
    "issuer_name": "cs_issuer_name",
    "publisher_tbs_hash": "cs_signer_hash",
    "issuer_tbs_hash": "cs_issuer_thumbprint",
    "not_before": "cs_not_before",
    "not_after": "cs_not_after",
    "signature_type": "cs_signature_type",
    "verification_error": "ci_verification_error",
}
_FIRST_INDEX_LAST = 1 << 30  # a 3089 without a signature index sorts after the numbered ones


def codeintegrity_signatures(rows: DataFrame) -> DataFrame:
    """One 3089 per Code Integrity join key (host and activity id): the first signature (the smallest
    ``Signature`` index; of equal ones the first by source file and line, so reruns agree).

    Reads: the classified rows. Output: ``_join_key`` and the columns of ``_CODEINTEGRITY_SIGNATURE_FIELDS``.
    """
    index = F.coalesce(F.col("ci_signature_index").try_cast("int"), F.lit(_FIRST_INDEX_LAST))
    order = F.struct(index, F.col("source_file"), F.col("line_number"))
    info = F.struct(*[F.col(source).alias(name) for name, source in _CODEINTEGRITY_SIGNATURE_FIELDS.items()])
    return (
        rows.where((F.col("outcome") == F.lit(OUTCOME_CODEINTEGRITY_SIGNATURE)) & F.col(JOIN_KEY_COLUMN).isNotNull())
        .groupBy(JOIN_KEY_COLUMN)
        .agg(F.min_by(info, order).alias("info"))
        .select(
            F.col(JOIN_KEY_COLUMN), *[F.col(f"info.{name}").alias(name) for name in _CODEINTEGRITY_SIGNATURE_FIELDS]
        )
    )


def to_codeintegrity(rows: DataFrame, ingested_at: dt.datetime, signatures: DataFrame | None = None) -> DataFrame:
    """Code Integrity enforcement events as rows of bronze/codeintegrity_events (:data:`CODEINTEGRITY_SCHEMA`),
    with the signature information of their 3089 (``signatures``, from :func:`codeintegrity_signatures`) where
    one arrived in the same run, then ``line_number``.

    Reads: the classified rows.
    """
    events = rows.where(F.col("outcome") == F.lit(OUTCOME_CODEINTEGRITY))
    if signatures is not None:
        found = signatures.withColumnRenamed(JOIN_KEY_COLUMN, "_signature_key")
        events = events.join(found, on=F.col(JOIN_KEY_COLUMN) == F.col("_signature_key"), how="left")
    columns: dict[str, Column] = {
        "file_path": F.col("executable"),
        "source": F.coalesce(F.col("source"), F.lit(SOURCE_CODEINTEGRITY)),
        "ingested_at": F.lit(ingested_at),
        **{name: F.col(f"ci_{name}") for name in CODEINTEGRITY_DETAIL_COLUMNS if name in CODEINTEGRITY_SCHEMA.names},
        **{
            name: F.col(name) if signatures is not None else F.lit(None)
            for name in _CODEINTEGRITY_SIGNATURE_FIELDS
        },
    }
    return events.select(
        *[columns.get(field.name, F.col(field.name)).cast(field.dataType).alias(field.name)
          for field in CODEINTEGRITY_SCHEMA.fields],
        F.col("line_number"),
    )
