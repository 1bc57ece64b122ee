"""Raw NDJSON lines -> classified ECS records -> bronze rows or quarantine rows.

Type coercions (the ingest's contract, tested in ``tests/test_ingest_parse.py``):

- Every field is first read as text, whatever its JSON type, so one odd value never nulls a whole record.
- String fields accept any JSON value: strings as they are, numbers and booleans as their JSON text,
  objects and arrays as their compact JSON text. An empty string counts as missing.
- Boolean fields (``code_signature.exists/trusted/valid``) accept JSON booleans and the strings
  ``"true"``/``"false"``/``"1"``/``"0"`` in any case; any other value sends the record to quarantine with
  ``wrong_type:<field>``.
- ``@timestamp`` accepts ISO-8601 (``T`` or space, any fraction, ``Z`` or an offset; read as UTC when no
  zone is given) and epoch seconds (10 digits, optional fraction) or milliseconds (13 digits). Anything
  else is ``bad_timestamp``; dates before ``ingest.min_event_date`` or more than
  ``ingest.max_future_hours`` after the ingest time are ``timestamp_out_of_range``.
- ``event.category`` / ``event.type`` accept a string or an array of strings; values compare exactly.
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, StringType

from codesign_prevalence.ingest.extract import BLANK_COLUMN, PARSE_ERROR_COLUMN, fields_from_lines, records_ddl
from codesign_prevalence.ingest.reader import LINES_ARROW_SCHEMA, LINES_DDL
from codesign_prevalence.ingest.sources import (
    ALL_FIELDS,  # noqa: F401  (re-exported: the fields the ingest reads)
    EXTRA_FIELDS,  # noqa: F401
    JOIN_KEY_COLUMN,
    MODE_AUTO,
    RECORD_COLUMN,
    RECORD_PROCESS_START,
    RECORD_SIGNATURE,
    SOURCE_COLUMN,
    DocumentReader,
)
from codesign_prevalence.schema import (
    BRONZE_SCHEMA,
    ECS_BOOLEAN_FIELDS,
    ECS_EVENT_CATEGORY,
    ECS_STRING_FIELDS,
    ECS_TIMESTAMP,
    QUARANTINE_SCHEMA,
    REASON_BAD_TIMESTAMP,
    REASON_MISSING_PREFIX,
    REASON_WRONG_TYPE_PREFIX,
    REQUIRED_COLUMNS,
)

REASON_TIMESTAMP_RANGE = "timestamp_out_of_range"
OUTCOME_ACCEPTED = "accepted"
OUTCOME_QUARANTINED = "quarantined"
OUTCOME_SKIPPED = "skipped_not_process_start"
OUTCOME_BLANK = "blank_line"

OUTCOME_SIGNATURE = "signature_record"

PROCESS_CATEGORY = "process"
START_TYPE = "start"
EVENT_KINDS_KEPT = ("event",)
SIGNATURE_COLUMNS = ("cs_exists", "cs_trusted", "cs_valid", "cs_status", "cs_subject_name")


def with_ecs_fields(lines: DataFrame, source: str = MODE_AUTO) -> DataFrame:
    """Parse ``raw`` as JSON and add one text column per entry of :data:`OUTPUT_COLUMNS`.

    Reads: the columns of the reader (``raw``, ``read_error``, ...). Adds: the columns of
    :data:`~codesign_prevalence.ingest.sources.OUTPUT_COLUMNS` (the ECS fields, ``_source``, ``_record``,
    ``_join_key``), ``_parse_error`` (``not_json``/``not_an_object``/``not_<source>_document`` or null) and
    ``_is_blank``. The parsing is :class:`~codesign_prevalence.ingest.sources.DocumentReader`'s, in Python
    tasks; ``source`` is ``auto`` or a forced ``elastic``/``sysmon``/``defender``.
    """
    reader = DocumentReader(source)
    return lines.mapInArrow(fields_from_lines(reader, LINES_ARROW_SCHEMA), records_ddl(reader.names, LINES_DDL))


def text_as_boolean(text: Column) -> Column:
    """``true``/``false``/``1``/``0`` (any case, JSON boolean or string) -> boolean; anything else null."""
    folded = F.lower(F.trim(text))
    return F.when(folded.isin("true", "1"), F.lit(True)).when(folded.isin("false", "0"), F.lit(False))


def text_as_timestamp(text: Column) -> Column:
    """ISO-8601 text or epoch seconds/milliseconds -> timestamp (UTC); null when unreadable."""
    trimmed = F.trim(text)
    is_epoch_seconds = trimmed.rlike(r"^[0-9]{9,10}(\.[0-9]+)?$")
    is_epoch_millis = trimmed.rlike(r"^[0-9]{12,13}$")
    return (
        F.when(is_epoch_millis, F.timestamp_millis(trimmed.try_cast("long")))
        .when(is_epoch_seconds, F.timestamp_micros((trimmed.try_cast("double") * 1_000_000).cast("long")))
        .otherwise(trimmed.try_cast("timestamp"))
    )


def text_as_string_array(text: Column) -> Column:
    """A JSON array's text -> array of strings; a plain string -> a one-element array."""
    return F.when(F.trim(text).startswith("["), F.from_json(text, ArrayType(StringType()))).when(
        text.isNotNull(), F.array(text)
    )


def classify_records(
    records: DataFrame,
    ingested_at: dt.datetime,
    min_event_date: dt.date,
    max_future_hours: int,
) -> DataFrame:
    """Decide each line's fate: accepted, quarantined (with a reason), signature record, skipped, or blank.

    A signature record (Sysmon's image load of a process's own image, Defender's certificate row) is not
    a bronze row: :func:`with_signatures` copies its verdict onto the process starts it belongs to.

    Reads: ``read_error`` and the columns of :func:`with_ecs_fields`.
    Adds: ``timestamp``, typed boolean columns, ``outcome``, ``reason``.
    """
    timestamp = text_as_timestamp(F.col("_timestamp"))
    categories = text_as_string_array(F.col("_category"))
    types = text_as_string_array(F.col("_type"))
    is_ecs_process_start = (
        F.coalesce(F.array_contains(categories, PROCESS_CATEGORY), F.lit(False))
        & F.coalesce(F.array_contains(types, START_TYPE), F.lit(False))
        & (F.col("_kind").isNull() | F.col("_kind").isin(*EVENT_KINDS_KEPT))
    )
    # Adapted sources say what a record is; Elastic Defend documents (no record kind) go by category/type.
    adapted = F.col(RECORD_COLUMN).isNotNull()
    is_process_start = F.when(adapted, F.col(RECORD_COLUMN) == F.lit(RECORD_PROCESS_START)).otherwise(
        is_ecs_process_start
    )
    is_signature = F.coalesce(F.col(RECORD_COLUMN) == F.lit(RECORD_SIGNATURE), F.lit(False))
    latest_allowed = F.lit(ingested_at + dt.timedelta(hours=max_future_hours))
    earliest_allowed = F.lit(dt.datetime.combine(min_event_date, dt.time.min))
    out_of_range = (F.col("timestamp") < earliest_allowed) | (F.col("timestamp") > latest_allowed)

    missing_required = [
        F.when(F.col(column).isNull(), F.lit(REASON_MISSING_PREFIX + ECS_STRING_FIELDS[column]))
        for column in REQUIRED_COLUMNS
    ]
    wrong_type = [
        F.when(
            F.col(column).isNotNull() & text_as_boolean(F.col(column)).isNull(),
            F.lit(REASON_WRONG_TYPE_PREFIX + dotted),
        )
        for column, dotted in ECS_BOOLEAN_FIELDS.items()
    ]
    reason = (
        F.when(F.col("read_error").isNotNull(), F.col("read_error"))
        .when(F.col(BLANK_COLUMN), F.lit(None))
        .when(F.col(PARSE_ERROR_COLUMN).isNotNull(), F.col(PARSE_ERROR_COLUMN))
        .when(~adapted & F.col("_category").isNull(), F.lit(REASON_MISSING_PREFIX + ECS_EVENT_CATEGORY))
        .when(~is_process_start, F.lit(None))
        .otherwise(
            F.coalesce(
                *missing_required,
                F.when(F.col("_timestamp").isNull(), F.lit(REASON_MISSING_PREFIX + ECS_TIMESTAMP)),
                F.when(F.col("timestamp").isNull(), F.lit(REASON_BAD_TIMESTAMP)),
                F.when(out_of_range, F.lit(REASON_TIMESTAMP_RANGE)),
                *wrong_type,
            )
        )
    )
    outcome = (
        F.when(F.col("read_error").isNotNull(), F.lit(OUTCOME_QUARANTINED))
        .when(F.col(BLANK_COLUMN), F.lit(OUTCOME_BLANK))
        .when(F.col("reason").isNotNull(), F.lit(OUTCOME_QUARANTINED))
        .when(is_signature, F.lit(OUTCOME_SIGNATURE))
        .when(~is_process_start, F.lit(OUTCOME_SKIPPED))
        .otherwise(F.lit(OUTCOME_ACCEPTED))
    )
    return records.withColumn("timestamp", timestamp).withColumn("reason", reason).withColumn("outcome", outcome)


def _canonical_event_id() -> Column:
    """A deterministic id for a document without ``event.id``: SHA-256 of its parsed, ordered fields.

    The same document always gets the same id, however its keys are ordered or spelled (nested or dotted).
    """
    identity = F.struct(
        F.col("timestamp").cast("string").alias("timestamp"),
        *[F.col(column) for column in sorted(ECS_STRING_FIELDS) if column != "event_id"],
        *[F.col(column) for column in sorted(ECS_BOOLEAN_FIELDS)],
        F.col("_pid"),
    )
    return F.concat(F.lit("sha256:"), F.sha2(F.to_json(identity), 256))


def to_bronze(classified: DataFrame, source: str, ingested_at: dt.datetime, keep: tuple[str, ...] = ()) -> DataFrame:
    """Accepted records as bronze rows (the schema of :data:`BRONZE_SCHEMA`).

    Reads: the columns of :func:`classify_records`. Output: exactly ``BRONZE_SCHEMA``, then ``keep``.
    """
    accepted = classified.where(F.col("outcome") == F.lit(OUTCOME_ACCEPTED))
    typed = {
        **{column: F.col(column) for column in ECS_STRING_FIELDS},
        **{column: text_as_boolean(F.col(column)) for column in ECS_BOOLEAN_FIELDS},
        "event_id": F.coalesce(F.col("event_id"), _canonical_event_id()),
        "host_name": F.coalesce(F.col("host_name"), F.col("_hostname")),
        "timestamp": F.col("timestamp"),
        "source": F.coalesce(F.col(SOURCE_COLUMN), F.lit(source)),
        "source_file": F.col("source_file"),
        "ingested_at": F.lit(ingested_at),
        "event_date": F.to_date(F.col("timestamp")),
    }
    return accepted.select(
        *[typed[field.name].cast(field.dataType).alias(field.name) for field in BRONZE_SCHEMA.fields],
        *[F.col(column) for column in keep],
    )


def to_quarantine(classified: DataFrame, ingested_at: dt.datetime, raw_chars: int) -> DataFrame:
    """Quarantined lines with their reason (the schema of :data:`QUARANTINE_SCHEMA`)."""
    quarantined = classified.where(F.col("outcome") == F.lit(OUTCOME_QUARANTINED))
    return quarantined.select(
        F.col("source_file"),
        F.col("line_number"),
        F.col("reason"),
        F.substring(F.col("raw"), 1, raw_chars).alias("raw"),
        F.sha2(F.coalesce(F.col("raw"), F.lit("")), 256).alias("raw_sha256"),
        F.lit(ingested_at).alias("ingested_at"),
    ).select(*[F.col(field.name).cast(field.dataType) for field in QUARANTINE_SCHEMA.fields])


def signature_records(classified: DataFrame) -> DataFrame:
    """One signature verdict per join key: ``_join_key`` and the typed ``cs_*`` columns of
    :data:`SIGNATURE_COLUMNS`. Of several records with one key, the first by (source file, line) wins, so
    reruns agree.

    Reads: the columns of :func:`classify_records`.
    """
    order = F.struct(F.col("source_file"), F.col("line_number"))
    verdict = F.struct(
        *[text_as_boolean(F.col(column)).alias(column) for column in ("cs_exists", "cs_trusted", "cs_valid")],
        F.col("cs_status"),
        F.col("cs_subject_name"),
    )
    return (
        classified.where((F.col("outcome") == F.lit(OUTCOME_SIGNATURE)) & F.col(JOIN_KEY_COLUMN).isNotNull())
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
