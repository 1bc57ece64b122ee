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
from collections.abc import Iterable, Mapping

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, StringType, StructField, StructType

from codesign_prevalence.schema import (
    BRONZE_SCHEMA,
    ECS_BOOLEAN_FIELDS,
    ECS_EVENT_CATEGORY,
    ECS_EVENT_TYPE,
    ECS_HOST_HOSTNAME,
    ECS_PROCESS_PID,
    ECS_STRING_FIELDS,
    ECS_TIMESTAMP,
    QUARANTINE_SCHEMA,
    REASON_BAD_TIMESTAMP,
    REASON_MISSING_PREFIX,
    REASON_NOT_JSON,
    REASON_NOT_OBJECT,
    REASON_WRONG_TYPE_PREFIX,
    REQUIRED_COLUMNS,
)

CORRUPT_COLUMN = "_corrupt_record"
REASON_TIMESTAMP_RANGE = "timestamp_out_of_range"
OUTCOME_ACCEPTED = "accepted"
OUTCOME_QUARANTINED = "quarantined"
OUTCOME_SKIPPED = "skipped_not_process_start"
OUTCOME_BLANK = "blank_line"

PROCESS_CATEGORY = "process"
START_TYPE = "start"
EVENT_KIND = "event.kind"
EVENT_KINDS_KEPT = ("event",)

# Every ECS field the ingest reads, by a column name of our own.
EXTRA_FIELDS: dict[str, str] = {
    "_timestamp": ECS_TIMESTAMP,
    "_category": ECS_EVENT_CATEGORY,
    "_type": ECS_EVENT_TYPE,
    "_kind": EVENT_KIND,
    "_hostname": ECS_HOST_HOSTNAME,
    "_pid": ECS_PROCESS_PID,
}
ALL_FIELDS: dict[str, str] = {**ECS_STRING_FIELDS, **ECS_BOOLEAN_FIELDS, **EXTRA_FIELDS}


def key_variants(dotted: str) -> list[tuple[str, ...]]:
    """Every way a dotted ECS name can be spelled as nested keys: ``a.b.c`` -> (a,b,c), (a.b,c), (a,b.c), (a.b.c)."""
    parts = dotted.split(".")
    variants: list[tuple[str, ...]] = []
    for mask in range(2 ** (len(parts) - 1)):
        keys: list[str] = [parts[0]]
        for index, part in enumerate(parts[1:]):
            if mask & (1 << index):
                keys[-1] = f"{keys[-1]}.{part}"
            else:
                keys.append(part)
        variants.append(tuple(keys))
    # Nested first: when a document has both spellings, the nested one wins.
    return sorted(variants, key=len, reverse=True)


def _insert(tree: dict[str, object], keys: tuple[str, ...]) -> None:
    node = tree
    for key in keys[:-1]:
        child = node.setdefault(key, {})
        if not isinstance(child, dict):  # a leaf and a struct under one name: keep the leaf
            return
        node = child
    node.setdefault(keys[-1], None)


def _to_struct(tree: Mapping[str, object]) -> StructType:
    fields = [
        StructField(name, _to_struct(child) if isinstance(child, dict) else StringType(), True)
        for name, child in sorted(tree.items())
    ]
    return StructType(fields)


def ecs_read_schema(dotted_fields: Iterable[str]) -> StructType:
    """A ``from_json`` schema with a text leaf for each spelling of each field, plus the corrupt-record column."""
    tree: dict[str, object] = {}
    for dotted in dotted_fields:
        for keys in key_variants(dotted):
            _insert(tree, keys)
    schema = _to_struct(tree)
    return schema.add(StructField(CORRUPT_COLUMN, StringType(), True))


def _field(document: Column, dotted: str) -> Column:
    """The first non-empty spelling of a field in a parsed document."""
    spellings = []
    for keys in key_variants(dotted):
        column = document
        for key in keys:
            column = column.getField(key)
        spellings.append(F.when(column != F.lit(""), column))
    return F.coalesce(*spellings) if len(spellings) > 1 else spellings[0]


def with_ecs_fields(lines: DataFrame, fields: Mapping[str, str] = ALL_FIELDS) -> DataFrame:
    """Parse ``raw`` as JSON and add one text column per entry of ``fields`` (column name -> ECS field).

    Reads: ``raw``. Adds: each key of ``fields``, ``_corrupt``, ``_is_blank``.
    """
    schema = ecs_read_schema(fields.values())
    options = {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT_COLUMN}
    parsed = lines.withColumn("_doc", F.from_json(F.col("raw"), schema, options))
    document = F.col("_doc")
    return parsed.select(
        "*",
        *[_field(document, dotted).alias(name) for name, dotted in fields.items()],
        document.getField(CORRUPT_COLUMN).isNotNull().alias("_corrupt"),
        (F.trim(F.coalesce(F.col("raw"), F.lit(""))) == F.lit("")).alias("_is_blank"),
    ).drop("_doc")


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


def _not_json_reason(raw: Column) -> Column:
    parses_as_json = F.get_json_object(raw, "$").isNotNull() | (F.trim(raw) == F.lit("null"))
    starts_as_object = F.ltrim(raw).startswith("{")
    return F.when(~starts_as_object & parses_as_json, F.lit(REASON_NOT_OBJECT)).otherwise(
        F.lit(REASON_NOT_JSON)
    )


def classify_records(
    records: DataFrame,
    ingested_at: dt.datetime,
    min_event_date: dt.date,
    max_future_hours: int,
) -> DataFrame:
    """Decide each line's fate: accepted, quarantined (with a reason), skipped, or blank.

    Reads: ``raw``, ``read_error`` and the columns of :func:`with_ecs_fields`.
    Adds: ``timestamp``, typed boolean columns, ``outcome``, ``reason``.
    """
    timestamp = text_as_timestamp(F.col("_timestamp"))
    categories = text_as_string_array(F.col("_category"))
    types = text_as_string_array(F.col("_type"))
    is_process_start = (
        F.coalesce(F.array_contains(categories, PROCESS_CATEGORY), F.lit(False))
        & F.coalesce(F.array_contains(types, START_TYPE), F.lit(False))
        & (F.col("_kind").isNull() | F.col("_kind").isin(*EVENT_KINDS_KEPT))
    )
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
        .when(F.col("_is_blank"), F.lit(None))
        .when(F.col("_corrupt"), _not_json_reason(F.col("raw")))
        .when(F.col("_category").isNull(), F.lit(REASON_MISSING_PREFIX + ECS_EVENT_CATEGORY))
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
        .when(F.col("_is_blank"), F.lit(OUTCOME_BLANK))
        .when(F.col("reason").isNotNull(), F.lit(OUTCOME_QUARANTINED))
        .when(~is_process_start, F.lit(OUTCOME_SKIPPED))
        .otherwise(F.lit(OUTCOME_ACCEPTED))
    )
    return (
        records.withColumn("timestamp", timestamp).withColumn("reason", reason).withColumn("outcome", outcome)
    )


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


def to_bronze(
    classified: DataFrame, source: str, ingested_at: dt.datetime, keep: tuple[str, ...] = ()
) -> DataFrame:
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
        "source": F.lit(source),
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
