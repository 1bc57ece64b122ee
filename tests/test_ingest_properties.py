"""Property tests of the ingest on generated bad input (hypothesis).

The pure-Python extractor is fed any text at all, many times. The whole ingest (one Spark run per example,
few examples, many generated lines per example) is fed one file of generated lines (valid events with every
accepted coercion, events with wrong types, bad or out-of-range timestamps and missing fields, JSON cut
short, JSON that is not an object, blank lines, repeats), an empty file and a gzip file cut short. Each
time: the run does not fail; every valid line is in bronze with its values; every bad line is in
quarantine with its reason; no bad line is in bronze; and read = accepted + quarantined + duplicates +
skipped + blank.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from codesign_prevalence.config import IngestConfig
from codesign_prevalence.ingest.extract import FieldExtractor
from codesign_prevalence.ingest.pipeline import ingest_files
from codesign_prevalence.ingest.sources.record import ALL_FIELDS
from codesign_prevalence.schema import REASON_NOT_JSON, REASON_NOT_OBJECT, REASON_TRUNCATED_GZIP
from codesign_prevalence.storage import BRONZE_EVENTS, BRONZE_QUARANTINE, Lakehouse

NOW = dt.datetime(2026, 11, 27, 12, 0, 0)
WHEN = dt.datetime(2026, 11, 20, 8, 0, 0)
EPOCH = int(WHEN.replace(tzinfo=dt.UTC).timestamp())
EXTRACTOR = FieldExtractor(ALL_FIELDS)

# Accepted spellings of @timestamp, all meaning WHEN (UTC).
ACCEPTED_TIMESTAMPS: tuple[object, ...] = (
    "2026-11-20T08:00:00Z",
    "2026-11-20T08:00:00.000Z",
    "2026-11-20 08:00:00",
    "2026-11-20T10:00:00+02:00",
    EPOCH,
    str(EPOCH),
    EPOCH * 1000,
    float(EPOCH),
)
ACCEPTED_BOOLEANS: tuple[tuple[object, bool], ...] = (
    (True, True), (False, False), ("true", True), ("FALSE", False), ("1", True), ("0", False), (" True ", True)
)
WRONG_BOOLEANS: tuple[object, ...] = ("yes", "no", 2, {"value": True}, [True], "truee")
BAD_TIMESTAMPS: tuple[tuple[object, str], ...] = (
    ("not a time", "bad_timestamp"),
    ("20/11/2026 08:00", "bad_timestamp"),
    ({"time": 1}, "bad_timestamp"),
    ("1970-01-02T00:00:00Z", "timestamp_out_of_range"),
    ("2099-01-01T00:00:00Z", "timestamp_out_of_range"),
)
NON_OBJECTS = ("[1, 2]", "42", "null", '"a string"', "true", "[]")
text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40)
# Values that stand where a string belongs, and the text the ingest keeps for each.
string_values = st.one_of(
    text.map(lambda value: (value, value)),
    st.integers(-(10**12), 10**12).map(lambda value: (value, str(value))),
    st.dictionaries(st.sampled_from(["a", "b"]), st.integers(-5, 5), min_size=1).map(
        lambda value: (value, json.dumps(value, separators=(",", ":")))
    ),
)


def event(index: int, trusted: object, timestamp: object, company: object, subject: object) -> dict[str, object]:
    return {
        "@timestamp": timestamp,
        "event": {"category": ["process"], "type": "start", "id": f"gen-{index}"},
        "host": {"id": f"host-{index % 3}", "name": "HOST"},
        "process": {
            "executable": "C:\\Users\\Public\\x.exe",
            "name": "x.exe",
            "hash": {"sha256": "c" * 64},
            "pe": {"company": company},
            "code_signature": {"exists": True, "trusted": trusted, "status": "trusted", "subject_name": subject},
        },
    }


@dataclass(frozen=True)
class Line:
    text: str
    event_id: str | None = None  # a line expected in bronze under this id
    expected: dict[str, object] | None = None  # bronze columns it must hold
    reason: str | None = None  # a line expected in quarantine with this reason
    absent_id: str | None = None  # the event id a bad line carries, which must not reach bronze


@st.composite
def valid_line(draw: st.DrawFn, index: int) -> Line:
    trusted, trusted_value = draw(st.sampled_from(ACCEPTED_BOOLEANS))
    company, company_text = draw(string_values)
    subject, subject_text = draw(string_values)
    timestamp = draw(st.sampled_from(ACCEPTED_TIMESTAMPS))
    document = event(index, trusted, timestamp, company, subject)
    expected = {"cs_trusted": trusted_value, "pe_company": company_text, "cs_subject_name": subject_text,
                "timestamp": WHEN}
    return Line(json.dumps(document, ensure_ascii=draw(st.booleans())), f"gen-{index}", expected)


@st.composite
def bad_line(draw: st.DrawFn, index: int) -> Line:
    line = _bad_line(draw, index)
    return Line(line.text, reason=line.reason, absent_id=f"gen-{index}")


def _bad_line(draw: st.DrawFn, index: int) -> Line:
    good = event(index, True, ACCEPTED_TIMESTAMPS[0], "Contoso", "Contoso")
    kind = draw(st.sampled_from(["boolean", "timestamp", "missing", "null", "truncated", "not_object"]))
    if kind == "boolean":
        good["process"]["code_signature"]["trusted"] = draw(st.sampled_from(WRONG_BOOLEANS))  # type: ignore[index]
        return Line(json.dumps(good), reason="wrong_type:process.code_signature.trusted")
    if kind == "timestamp":
        good["@timestamp"], reason = draw(st.sampled_from(BAD_TIMESTAMPS))
        return Line(json.dumps(good), reason=reason)
    if kind in ("missing", "null"):
        field = draw(st.sampled_from(["host.id", "process.executable", "process.hash.sha256", "@timestamp"]))
        *parents, leaf = field.split(".")
        node = good
        for parent in parents:
            node = node[parent]  # type: ignore[assignment]
        if kind == "missing":
            del node[leaf]
        else:
            node[leaf] = draw(st.sampled_from([None, ""]))
        return Line(json.dumps(good), reason=f"missing_field:{field}")
    if kind == "truncated":
        whole = json.dumps(good)
        return Line(whole[: draw(st.integers(1, len(whole) - 1))], reason=REASON_NOT_JSON)
    return Line(draw(st.sampled_from(NON_OBJECTS)), reason=REASON_NOT_OBJECT)


@st.composite
def input_lines(draw: st.DrawFn) -> list[Line]:
    lines: list[Line] = []
    for index in range(draw(st.integers(8, 30))):
        kind = draw(st.sampled_from(["valid", "valid", "bad", "bad", "blank", "repeat"]))
        if kind == "valid":
            lines.append(draw(valid_line(index)))
        elif kind == "bad":
            lines.append(draw(bad_line(index)))
        elif kind == "blank":
            lines.append(Line(draw(st.sampled_from(["", "  "]))))
        elif lines:
            again = draw(st.sampled_from(lines))  # a duplicate event, or the same bad line again
            lines.append(Line(again.text, reason=again.reason))
    return lines


@given(st.text())
def test_the_extractor_never_fails(line: str) -> None:
    values, error, blank = EXTRACTOR.extract(line)
    assert error in (None, REASON_NOT_JSON, REASON_NOT_OBJECT)
    assert len(values) == len(ALL_FIELDS) and all(value is None or isinstance(value, str) for value in values)
    assert not (blank and error)


def _truncated_gzip(path: Path) -> Path:
    whole = gzip.compress(("\n".join(json.dumps(event(1000 + i, True, EPOCH, "c", "s")) for i in range(50))).encode())
    path.write_bytes(whole[: len(whole) // 2])
    return path


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=input_lines())
def test_every_line_ends_in_bronze_or_quarantine_and_the_sum_holds(spark: SparkSession, lines: list[Line]) -> None:
    work = Path(tempfile.mkdtemp(prefix="ingest-property-"))
    generated = work / "generated.ndjson"
    generated.write_text("\n".join(line.text for line in lines) + "\n", encoding="utf-8")
    (work / "empty.ndjson").write_text("")
    files = [str(generated), str(work / "empty.ndjson"), str(_truncated_gzip(work / "cut.ndjson.gz"))]

    report = ingest_files(spark, Lakehouse(work / "lake"), files, IngestConfig(), now=NOW)

    assert report.balanced, report
    bronze = spark.read.format("delta").load(str(work / "lake" / BRONZE_EVENTS))
    quarantine = spark.read.format("delta").load(str(work / "lake" / BRONZE_QUARANTINE))
    assert report.accepted == bronze.count() and report.quarantined == quarantine.count()
    assert quarantine.where(F.col("reason").isNull()).count() == 0
    by_id = {row["event_id"]: row for row in bronze.collect()}
    reasons = {
        row["line_number"]: row["reason"]
        for row in quarantine.where(F.col("source_file") == F.lit(str(generated))).collect()
    }
    for number, line in enumerate(lines, start=1):
        if line.event_id is not None:
            row = by_id.get(line.event_id)
            assert row is not None, f"line {number} not in bronze: {line.text!r}"
            assert line.expected is not None
            assert {key: row[key] for key in line.expected} == line.expected, line.text
            assert number not in reasons
        if line.reason is not None:
            assert reasons.get(number) == line.reason, f"line {number}: {line.text!r}"
    assert not {line.absent_id for line in lines if line.absent_id} & set(by_id)
    assert [row["reason"] for row in quarantine.where(F.col("source_file").endswith("cut.ndjson.gz")).collect()] == [
        REASON_TRUNCATED_GZIP
    ]
    # Every line of the generated file is accounted for: a reason in quarantine, or bronze / duplicate / blank.
    blank = sum(1 for line in lines if line.text.strip(" ") == "")
    in_bronze_or_duplicate = len(lines) - blank - len(reasons)
    assert in_bronze_or_duplicate == sum(1 for line in lines if line.reason is None and line.text.strip(" "))
