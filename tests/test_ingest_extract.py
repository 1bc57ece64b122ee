"""The JSON field extractor (pure Python): text semantics, spellings, precedence and parse errors."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from codesign_prevalence.ingest.classify import OUTCOME_BLANK, LineClassifier, Rules
from codesign_prevalence.ingest.extract import FieldExtractor
from codesign_prevalence.ingest.reader import LINES_ARROW_SCHEMA, LineRun
from codesign_prevalence.schema import REASON_NOT_JSON, REASON_NOT_OBJECT

FIELDS = {"pid": "process.pid", "status": "process.code_signature.status", "name": "host.name", "ts": "@timestamp"}
EXTRACTOR = FieldExtractor(FIELDS)


def _values(text: str | None) -> dict[str, str | None]:
    values, error, blank = EXTRACTOR.extract(text)
    assert error is None and not blank
    return dict(zip(FIELDS, values, strict=True))


def test_every_json_type_becomes_text() -> None:
    doc = {
        "process": {"pid": 12, "code_signature": {"status": True}},
        "host": {"name": [1, {"a": "ü"}]},
        "@timestamp": 1.5,
    }
    assert _values(json.dumps(doc)) == {"pid": "12", "status": "true", "name": '[1,{"a":"ü"}]', "ts": "1.5"}


def test_empty_string_and_null_are_missing() -> None:
    assert _values('{"process": {"pid": "", "code_signature": null}, "host": {"name": null}}') == dict.fromkeys(FIELDS)


@pytest.mark.parametrize(
    "text",
    [
        '{"process": {"code_signature": {"status": "s"}}}',
        '{"process.code_signature.status": "s"}',
        '{"process.code_signature": {"status": "s"}}',
        '{"process": {"code_signature.status": "s"}}',
    ],
)
def test_nested_dotted_and_mixed_spellings(text: str) -> None:
    assert _values(text)["status"] == "s"


def test_the_most_nested_spelling_wins_whatever_the_key_order() -> None:
    for text in (
        '{"process.pid": 1, "process": {"pid": 2}}',
        '{"process": {"pid": 2}, "process.pid": 1}',
        '{"process": {"pid": 2}, "process.pid": 1, "process.code_signature.status": ""}',
    ):
        assert _values(text)["pid"] == "2"
    assert _values('{"process.pid": 1, "process": {"pid": ""}}')["pid"] == "1"  # an empty value is no value


def test_a_sub_object_of_the_wrong_type_hides_only_its_fields() -> None:
    assert _values('{"process": "x", "host": {"name": "h"}}') == {**dict.fromkeys(FIELDS), "name": "h"}


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("{", REASON_NOT_JSON),
        ('{"a": 1} x', REASON_NOT_JSON),
        ("[1]", REASON_NOT_OBJECT),
        ("null", REASON_NOT_OBJECT),
        ("12", REASON_NOT_OBJECT),
        ('"s"', REASON_NOT_OBJECT),
        ('{"a": "\x01"}', REASON_NOT_JSON),
    ],
)
def test_parse_errors(text: str, error: str) -> None:
    assert EXTRACTOR.extract(text)[1:] == (error, False)


@pytest.mark.parametrize("text", [None, "", "   "])
def test_blank_lines(text: str | None) -> None:
    assert EXTRACTOR.extract(text)[1:] == (None, True)


def test_lenient_documents_python_json_accepts() -> None:
    values = _values('{"process": {"pid": NaN}, "host": {"name": "a\\ud800b"}, "@timestamp": 123456789012345678901234}')
    assert values["pid"] == "NaN" and values["name"] == "a\ufffdb" and values["ts"] == "123456789012345678901234"


def test_deeply_nested_documents_do_not_crash() -> None:
    text = '{"process": ' + "[" * 5000 + "]" * 5000 + "}"
    values, error, _ = EXTRACTOR.extract(text)
    assert error in (None, REASON_NOT_JSON) and values[0] is None


@given(st.text())
def test_attacker_strings_round_trip(value: str) -> None:
    clean = "".join(c if not "\ud800" <= c <= "\udfff" else "\ufffd" for c in value)
    expected = clean or None
    assert _values(json.dumps({"host": {"name": value}}))["name"] == expected
    assert _values(json.dumps({"host": {"name": value}}, ensure_ascii=False))["name"] == expected


def test_batches_keep_read_errors_unparsed() -> None:
    document = '{"@timestamp": "2026-11-20T08:00:00Z", "event": {"category": "process", "type": "start"}}'
    batch = pa.RecordBatch.from_pylist(
        [
            {"source_file": "f", "line_number": 1, "raw": document, "read_error": None},
            {"source_file": "f", "line_number": 2, "raw": document, "read_error": "line_too_long"},
        ],
        schema=LINES_ARROW_SCHEMA,
    )
    rules = Rules(dt.datetime(2026, 11, 27), dt.date(2000, 1, 1), 48, 65_536)
    out = LineClassifier(rules).rows(batch).to_pylist()
    # The first line was parsed (its source is known, and it lacks host.id); the second keeps its read error.
    assert [(row["line_number"], row["source"], row["reason"]) for row in out] == [
        (1, "elastic_defend", "missing_field:host.id"),
        (2, None, "line_too_long"),
    ]
    assert out[1]["raw"] == document


def test_derived_event_ids_are_the_ones_earlier_versions_wrote() -> None:
    """Ids of documents without ``event.id``, as the Spark ``to_json`` + ``sha2`` of earlier versions made them
    (computed with commit 09f2815 on these two documents), so re-ingesting old files still deduplicates."""
    base = {"@timestamp": "2026-11-20T10:00:00.1234567Z", "event": {"category": "process", "type": "start"},
            "host": {"id": "h1", "name": "WKS"},
            "process": {"executable": "C:\\x\\y.exe", "hash": {"sha256": "a" * 64}, "pid": 42}}
    odd = json.loads(json.dumps(base))
    odd["@timestamp"] = "2026-11-20 10:00:00.5"
    odd["process"]["name"] = 'O\'Brien "Ltd"\u0007\u001f\n\t\\ ünï😀 /'
    lines = [json.dumps(base), json.dumps(odd)]
    batch = pa.RecordBatch.from_pylist(
        [{"source_file": "f", "line_number": n, "raw": line, "read_error": None} for n, line in enumerate(lines, 1)],
        schema=LINES_ARROW_SCHEMA,
    )
    rules = Rules(dt.datetime(2026, 11, 27), dt.date(2000, 1, 1), 48, 65_536)
    ids = [row["event_id"] for row in LineClassifier(rules).rows(batch).to_pylist()]
    assert ids == [
        "sha256:6b92dd615fd2b10955d686be920623de0426c268aeeb880db64539cbe29e7bb5",
        "sha256:bff603b5ae478f4aaf59faa8403511761819eed0dd9d53d5aa5676ebe702e7b4",
    ]


def test_a_run_read_in_the_task_classifies_as_its_arrow_batch_does() -> None:
    """The ingest hands the reader's runs of lines to the classifier without Arrow in between; they must give
    the rows that the same lines as an Arrow batch give (blank, broken, read-error and good lines, counts)."""
    good = ('{"@timestamp": "2026-11-20T08:00:00Z", "event": {"category": "process", "type": "start"}, '
            '"host": {"id": "h1"}, "process": {"executable": "C:\\\\a.exe", "hash": {"sha256": "' + "b" * 64 + '"}}}')
    run = LineRun("f.ndjson", 7, [good, "", '{"broken": ', None, good.replace("h1", "h2"), "[1]"],
                  [None, None, None, "bad_encoding", None, None])
    rules = Rules(dt.datetime(2026, 11, 27), dt.date(2000, 1, 1), 48, 65_536)
    from_run = LineClassifier(rules).rows_of(run).to_pylist()
    assert from_run == LineClassifier(rules).rows(run.to_arrow()).to_pylist()
    fates = [(row["line_number"], row["outcome"], row["reason"]) for row in from_run if row["line_number"]]
    assert fates == [(7, "accepted", None), (9, "quarantined", REASON_NOT_JSON), (10, "quarantined", "bad_encoding"),
                     (11, "accepted", None), (12, "quarantined", REASON_NOT_OBJECT)]
    blank = [(row["source_file"], row["lines"]) for row in from_run if row["outcome"] == OUTCOME_BLANK]
    assert blank == [("f.ndjson", 1)]
