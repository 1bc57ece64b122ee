"""The classification (Python tasks) and the bronze/quarantine transforms on small inline DataFrames."""

from __future__ import annotations

import datetime as dt
import json

from chispa import assert_df_equality
from hypothesis import given
from hypothesis import strategies as st
from pyspark.sql import DataFrame, SparkSession

from codesign_prevalence.ingest.classify import (
    Rules,
    text_as_boolean,
    text_as_micros,
    text_as_string_array,
    text_as_timestamp,
)
from codesign_prevalence.ingest.parse import classified, to_bronze, to_quarantine
from codesign_prevalence.ingest.reader import LINES_DDL
from codesign_prevalence.schema import BRONZE_SCHEMA, QUARANTINE_SCHEMA

NOW = dt.datetime(2026, 11, 27, 12, 0, 0)
SHA = "a" * 64


def _event(**overrides: object) -> dict[str, object]:
    event: dict[str, object] = {
        "@timestamp": "2026-11-20T10:00:00.1234567Z",
        "event": {"id": "e1", "category": ["process"], "type": ["start"], "kind": "event"},
        "host": {"id": "h1", "name": "WKS-1"},
        "user": {"name": "alice"},
        "process": {
            "executable": "C:\\Users\\alice\\AppData\\Local\\x.exe",
            "name": "x.exe",
            "hash": {"sha256": SHA},
            "code_signature": {
                "exists": True,
                "trusted": False,
                "status": "errorExpired",
                "subject_name": "Fabrikam, Inc.",
            },
        },
    }
    event.update(overrides)
    return event


def _lines(spark: SparkSession, raws: list[str | None], errors: list[str | None] | None = None) -> DataFrame:
    errors = errors or [None] * len(raws)
    rows = [("f.ndjson", n, raw, err) for n, (raw, err) in enumerate(zip(raws, errors, strict=True), start=1)]
    return spark.createDataFrame(rows, LINES_DDL)


def _classified(
    spark: SparkSession, raws: list[str | None], errors: list[str | None] | None = None, raw_chars: int = 65_536
) -> DataFrame:
    return classified(_lines(spark, raws, errors), Rules(NOW, dt.date(2000, 1, 1), 48, raw_chars, row_per_line=True))


def test_every_outcome_and_reason(spark: SparkSession) -> None:
    process = _event()
    raws: list[str | None] = [
        json.dumps(process),
        "",
        '{"broken": ',
        "[1, 2]",
        json.dumps({**process, "event": {"category": ["network"], "type": ["start"]}}),
        json.dumps({**process, "event": {"category": ["process"], "type": ["end"]}}),
        json.dumps({**process, "host": {"name": "no-id"}}),
        json.dumps({**process, "@timestamp": "yesterday"}),
        json.dumps({k: v for k, v in process.items() if k != "@timestamp"}),
        json.dumps({**process, "@timestamp": "1970-01-01T00:00:00Z"}),
        json.dumps({**process, "@timestamp": "2099-01-01T00:00:00Z"}),
        json.dumps({**process, "process": {**process["process"], "code_signature": {"trusted": "maybe"}}}),  # type: ignore[dict-item]
        json.dumps({k: v for k, v in process.items() if k != "event"}),
        None,
        json.dumps({**process, "event": {"category": ["process"], "type": ["start"], "kind": "alert"}}),
    ]
    errors: list[str | None] = [None] * 13 + ["truncated_gzip", None]
    actual = _classified(spark, raws, errors).select("line_number", "outcome", "reason")
    expected = spark.createDataFrame(
        [
            (1, "accepted", None),
            (2, "blank_line", None),
            (3, "quarantined", "not_json"),
            (4, "quarantined", "not_an_object"),
            (5, "skipped_not_process_start", None),
            (6, "skipped_not_process_start", None),
            (7, "quarantined", "missing_field:host.id"),
            (8, "quarantined", "bad_timestamp"),
            (9, "quarantined", "missing_field:@timestamp"),
            (10, "quarantined", "timestamp_out_of_range"),
            (11, "quarantined", "timestamp_out_of_range"),
            (12, "quarantined", "wrong_type:process.code_signature.trusted"),
            (13, "quarantined", "missing_field:event.category"),
            (14, "quarantined", "truncated_gzip"),
            (15, "skipped_not_process_start", None),
        ],
        "line_number bigint, outcome string, reason string",
    )
    assert_df_equality(actual, expected, ignore_nullable=True, ignore_row_order=True)


def test_dotted_nested_and_mixed_spellings_give_the_same_bronze_row(spark: SparkSession) -> None:
    nested = _event()
    flat = {
        "@timestamp": nested["@timestamp"],
        "event.id": "e1",
        "event.category": "process",
        "event.type": "start",
        "event.kind": "event",
        "host.id": "h1",
        "host.name": "WKS-1",
        "user.name": "alice",
        "process.executable": "C:\\Users\\alice\\AppData\\Local\\x.exe",
        "process.name": "x.exe",
        "process.hash.sha256": SHA,
        "process.code_signature.exists": "true",
        "process.code_signature.trusted": "FALSE",
        "process.code_signature.status": "errorExpired",
        "process.code_signature.subject_name": "Fabrikam, Inc.",
    }
    mixed = {
        **{k: v for k, v in nested.items() if k != "process"},
        "process": {
            "executable": "C:\\Users\\alice\\AppData\\Local\\x.exe",
            "name": "x.exe",
            "hash.sha256": SHA,
            "code_signature.exists": True,
            "code_signature": {"trusted": False, "status": "errorExpired"},
            "code_signature.subject_name": "Fabrikam, Inc.",
        },
    }
    lines = [json.dumps(doc) for doc in (nested, flat, mixed)]
    bronze = to_bronze(_classified(spark, lines), NOW).drop("source_file")
    rows = [row.asDict() for row in bronze.collect()]
    assert len(rows) == 3 and rows[0] == rows[1] == rows[2]
    assert rows[0]["cs_trusted"] is False and rows[0]["cs_exists"] is True and rows[0]["cs_valid"] is None
    assert rows[0]["timestamp"] == dt.datetime(2026, 11, 20, 10, 0, 0, 123456)
    assert rows[0]["event_date"] == dt.date(2026, 11, 20)


def test_bronze_schema_and_derived_ids_are_deterministic(spark: SparkSession) -> None:
    no_id = _event(event={"category": "process", "type": "start"})
    reordered = dict(reversed(list(no_id.items())))
    other = _event(event={"category": "process", "type": "start"}, host={"id": "h2"})
    lines = [json.dumps(no_id), json.dumps(reordered), json.dumps(other)]
    bronze = to_bronze(_classified(spark, lines), NOW)
    assert bronze.schema == BRONZE_SCHEMA or [f.name for f in bronze.schema] == BRONZE_SCHEMA.names
    ids = [row.event_id for row in bronze.orderBy("host_id").collect()]
    assert ids[0] == ids[1] != ids[2] and ids[0].startswith("sha256:")


def test_attacker_strings_pass_through_unchanged(spark: SparkSession) -> None:
    nasty = 'O\'Brien "Ltd"; DROP TABLE x; -- `${jndi:ldap://x}` \\\\?\\C:\\Temp\\ünï😀\u0007'
    doc = _event()
    doc["process"]["code_signature"]["subject_name"] = nasty  # type: ignore[index]
    doc["process"]["executable"] = "C:\\Users\\Public\\" + nasty + ".exe"  # type: ignore[index]
    bronze = to_bronze(_classified(spark, [json.dumps(doc)]), NOW)
    row = bronze.select("cs_subject_name", "executable").head()
    assert row is not None
    assert row.cs_subject_name == nasty and row.executable == "C:\\Users\\Public\\" + nasty + ".exe"


def test_non_string_values_are_kept_as_their_json_text(spark: SparkSession) -> None:
    doc = _event()
    doc["process"]["name"] = 12345  # type: ignore[index]
    doc["process"]["pe"] = {"company": {"odd": ["object"]}}  # type: ignore[index]
    row = (
        to_bronze(_classified(spark, [json.dumps(doc)]), NOW).select("process_name", "pe_company").head()
    )
    assert row is not None and (row.process_name, row.pe_company) == ("12345", '{"odd":["object"]}')


def test_text_coercions() -> None:
    cases = [
        ("true", "2026-11-20T10:00:00Z", '["process","x"]'),
        ("0", "1763632800", "process"),
        ("yes", "1763632800000", None),
        (None, "2026-11-20 10:00:00.5", '["a"]'),
        ("False", "2026-11-20T12:00:00+02:00", "[]"),
    ]
    actual = [(text_as_boolean(b), text_as_timestamp(t), text_as_string_array(a)) for b, t, a in cases]
    expected = [
        (True, dt.datetime(2026, 11, 20, 10), ["process", "x"]),
        (False, dt.datetime(2025, 11, 20, 10), ["process"]),
        (None, dt.datetime(2025, 11, 20, 10), None),
        (None, dt.datetime(2026, 11, 20, 10, 0, 0, 500000), ["a"]),
        (False, dt.datetime(2026, 11, 20, 10), []),
    ]
    assert actual == expected


def _digits(low: int, high: int, width: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda number: str(number).zfill(width))


@given(
    st.tuples(
        _digits(0, 9999, 4), _digits(0, 19, 2), _digits(0, 39, 2), _digits(0, 29, 2), _digits(0, 69, 2),
        _digits(0, 69, 2), st.none() | st.text("0123456789", min_size=0, max_size=12),
    )
)
def test_the_ecs_form_of_a_timestamp_reads_as_the_general_pattern_reads_it(
    parts: tuple[str, str, str, str, str, str, str | None],
) -> None:
    """``2026-11-20T10:00:00.1234567Z`` has a road of its own (no pattern with alternatives, no datetime); a
    leading space sends the same text down the general road: both must agree, on impossible dates too."""
    year, month, day, hour, minute, second, fraction = parts
    text = f"{year}-{month}-{day}T{hour}:{minute}:{second}{'' if fraction is None else '.' + fraction}Z"
    assert text_as_micros(text) == text_as_micros(" " + text)


def test_quarantine_rows_keep_source_line_reason_and_raw(spark: SparkSession) -> None:
    rows = _classified(spark, ['{"x": ', json.dumps(_event())], raw_chars=4)
    actual = to_quarantine(rows, NOW).drop("raw_sha256")
    expected = spark.createDataFrame(
        [("f.ndjson", 1, "not_json", '{"x"', NOW)],
        QUARANTINE_SCHEMA.fromJson(
            {
                **QUARANTINE_SCHEMA.jsonValue(),
                "fields": [f for f in QUARANTINE_SCHEMA.jsonValue()["fields"] if f["name"] != "raw_sha256"],
            }
        ),
    )
    assert_df_equality(actual, expected, ignore_nullable=True)
