"""The ingest end to end into Delta under tmp_path: accounting, idempotency, duplicates across files, samples."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest
from chispa import assert_df_equality
from pyspark.sql import SparkSession

from codesign_prevalence.config import IngestConfig
from codesign_prevalence.ingest.pipeline import UNCOMPRESSED_CACHE, IngestReport, ingest_files
from codesign_prevalence.ingest.reader import expand_inputs
from codesign_prevalence.storage import BRONZE_EVENTS, BRONZE_QUARANTINE, Lakehouse

NOW = dt.datetime(2026, 11, 27, 12, 0, 0)


def _event(event_id: str | None, host: str = "h1", day: int = 20) -> dict[str, object]:
    event: dict[str, object] = {"category": ["process"], "type": ["start"]}
    if event_id is not None:
        event["id"] = event_id
    return {
        "@timestamp": f"2026-11-{day:02d}T08:00:00Z",
        "event": event,
        "host": {"id": host, "name": host.upper()},
        "process": {
            "executable": "C:\\ProgramData\\x\\x.exe",
            "name": "x.exe",
            "hash": {"sha256": "b" * 64},
            "code_signature": {"exists": True, "trusted": True, "status": "trusted", "subject_name": "X Ltd"},
        },
    }


def _ingest(spark: SparkSession, root: Path, *paths: Path, config: IngestConfig | None = None) -> IngestReport:
    files = expand_inputs([str(p) for p in paths])
    return ingest_files(spark, Lakehouse(root), files, config or IngestConfig(), now=NOW)


# Read by this process (a small input, the default) or by Spark's Python tasks (ingest.in_driver_max_mb 0).
WHERE_READ = pytest.mark.parametrize("in_driver_max_mb", [8.0, 0.0], ids=["in_driver", "in_tasks"])


@WHERE_READ
def test_accounting_idempotency_and_duplicates_across_files(
    spark: SparkSession, tmp_path: Path, in_driver_max_mb: float
) -> None:
    """The first ingest creates bronze and quarantine with their rows; the second finds every line there already."""
    config = IngestConfig(in_driver_max_mb=in_driver_max_mb)
    first = [
        json.dumps(_event("a")),
        json.dumps(_event("b", day=21)),
        json.dumps(_event("a")),
        "not json",
        json.dumps({"event": {"category": "network", "type": "start"}}),
        "",
        json.dumps(_event(None)),
    ]
    second = [json.dumps(_event("b", day=21)), json.dumps(_event("c", host="h2")), "[]"]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "one.ndjson").write_text("\n".join(first) + "\n")
    (tmp_path / "in" / "two.ndjson.gz").write_bytes(gzip.compress(("\n".join(second) + "\n").encode()))
    root = tmp_path / "lake"

    cache_compressed = spark.conf.get(UNCOMPRESSED_CACHE, None)
    report = _ingest(spark, root, tmp_path / "in", config=config)
    assert spark.conf.get(UNCOMPRESSED_CACHE, None) == cache_compressed  # the run's own setting undone
    assert report.as_dict() == {
        "files": 2,
        "lines_read": 10,
        "accepted": 4,
        "quarantined": 2,
        "duplicates": 2,
        "skipped_not_process_start": 1,
        "blank_lines": 1,
        "signature_records": 0,
        "quarantine_reasons": {"not_an_object": 1, "not_json": 1},
        "newest_event_date": "2026-11-21",
        "sources": {"elastic_defend": 7},
        "fields_nulled": {},
        "codeintegrity_events": 0,
        "balanced": True,
    }
    lake = Lakehouse(root)
    bronze_before = lake.read(spark, BRONZE_EVENTS)
    quarantine_before = lake.read(spark, BRONZE_QUARANTINE)
    bronze_rows = bronze_before.select("event_id", "host_id", "event_date").orderBy("event_id").collect()
    assert [r.event_id for r in bronze_rows][:3] == ["a", "b", "c"] and len(bronze_rows) == 4
    assert bronze_rows[3].event_id.startswith("sha256:")
    quarantine = (
        quarantine_before.select("source_file", "line_number", "reason", "raw").orderBy("reason").collect()
    )
    assert [(Path(r.source_file).name, r.line_number, r.reason, r.raw) for r in quarantine] == [
        ("two.ndjson.gz", 3, "not_an_object", "[]"),
        ("one.ndjson", 4, "not_json", "not json"),
    ]
    bronze_snapshot = bronze_before.toPandas()
    quarantine_snapshot = quarantine_before.toPandas()

    again = _ingest(spark, root, tmp_path / "in", config=config)
    assert (again.accepted, again.duplicates, again.quarantined, again.balanced) == (0, 6, 2, True)
    bronze_after = lake.read(spark, BRONZE_EVENTS)
    assert_df_equality(
        bronze_after,
        spark.createDataFrame(bronze_snapshot, bronze_after.schema),
        ignore_row_order=True,
        ignore_nullable=True,
    )
    quarantine_after = lake.read(spark, BRONZE_QUARANTINE)
    assert_df_equality(
        quarantine_after,
        spark.createDataFrame(quarantine_snapshot, quarantine_after.schema),
        ignore_row_order=True,
        ignore_nullable=True,
    )
    partitions = {p.name for p in (root / BRONZE_EVENTS).iterdir() if p.name.startswith("event_date=")}
    assert partitions == {"event_date=2026-11-20", "event_date=2026-11-21"}


def test_elastic_defend_samples_keep_their_code_signature(
    spark: SparkSession, samples_dir: Path, tmp_path: Path
) -> None:
    lines = []
    expected = {}
    for sample in sorted(samples_dir.glob("elastic_endpoint_*_sample_event.json")):
        doc = json.loads(sample.read_text())
        lines.append(json.dumps(doc))
        event = doc.get("event", {})
        if (
            "process" in event.get("category", [])
            and "start" in event.get("type", [])
            and event.get("kind") in (None, "event")
        ):
            expected[event["id"]] = doc["process"]["code_signature"]
    assert expected, "the samples should hold at least one Elastic Defend process-start event"
    path = tmp_path / "samples.ndjson"
    path.write_text("\n".join(lines) + "\n")
    report = _ingest(spark, tmp_path / "lake", path)
    assert report.balanced and report.accepted == len(expected)
    rows = Lakehouse(tmp_path / "lake").read(spark, BRONZE_EVENTS).collect()
    for row in rows:
        signature = expected[row.event_id]
        assert (
            row.cs_exists,
            row.cs_trusted,
            row.cs_status,
            row.cs_subject_name,
            row.cs_thumbprint_sha256,
        ) == (
            signature["exists"],
            signature["trusted"],
            signature["status"],
            signature["subject_name"],
            signature["thumbprint_sha256"],
        )
        assert row.source == "elastic_defend"


def test_generated_fleet_accounting_matches_the_simulator(spark: SparkSession, tmp_path: Path) -> None:
    from codesign_prevalence.simulator import generate_fleet

    fleet = generate_fleet(tmp_path / "fleet", hosts=30, days=4, seed=3, events_per_host_day=50)
    assert fleet.malformed_lines >= 8 and fleet.duplicate_lines > 0 and fleet.dotted_key_docs > 0
    report = _ingest(spark, tmp_path / "lake", fleet.events_path)
    assert report.balanced
    assert (report.lines_read, report.accepted, report.duplicates, report.quarantined,
            report.skipped_not_process_start, report.blank_lines) == (
        fleet.lines_written, fleet.process_start_events, fleet.duplicate_lines, fleet.malformed_lines,
        fleet.non_process_events, 0,
    )
    assert set(report.quarantine_reasons) == {
        "not_json", "not_an_object", "missing_field:host.id", "missing_field:process.executable",
        "missing_field:process.hash.sha256", "bad_timestamp",
    }


@WHERE_READ
def test_one_broken_line_in_the_middle_of_a_batch_quarantines_exactly_that_line(
    spark: SparkSession, tmp_path: Path, in_driver_max_mb: float
) -> None:
    lines = [json.dumps(_event(f"id-{n}", host=f"h{n % 7}")) for n in range(1, 301)]
    broken = 150  # the middle of the second batch of 100 lines
    lines[broken - 1] = lines[broken - 1][:-40]  # cut short: not JSON
    path = tmp_path / "batch.ndjson"
    path.write_text("\n".join(lines) + "\n")
    config = IngestConfig(arrow_batch_lines=100, in_driver_max_mb=in_driver_max_mb)
    report = ingest_files(spark, Lakehouse(tmp_path / "lake"), expand_inputs([str(path)]), config, now=NOW)

    assert (report.lines_read, report.accepted, report.quarantined, report.quarantine_reasons) == (
        300, 299, 1, {"not_json": 1}
    )
    lake = Lakehouse(tmp_path / "lake")
    quarantined = lake.read(spark, BRONZE_QUARANTINE).select("line_number", "reason", "raw").collect()
    assert [(row.line_number, row.reason, row.raw) for row in quarantined] == [(broken, "not_json", lines[broken - 1])]
    ids = {row.event_id for row in lake.read(spark, BRONZE_EVENTS).select("event_id").collect()}
    assert ids == {f"id-{n}" for n in range(1, 301) if n != broken}


def test_the_dedupe_of_large_runs_keeps_the_same_rows_as_the_window_over_all(spark: SparkSession) -> None:
    from codesign_prevalence.ingest.classify import Rules
    from codesign_prevalence.ingest.parse import classified, to_bronze
    from codesign_prevalence.ingest.pipeline import _first_of_each_id, deduplicated, repeated_ids
    from codesign_prevalence.ingest.reader import LINES_DDL

    # "a" three times (b.ndjson line 1 comes first by file name), "b" twice in one file, "c" and "d" once.
    lines = [
        ("c.ndjson", 1, json.dumps(_event("a", host="h-c1"))),
        ("b.ndjson", 2, json.dumps(_event("a", host="h-b2"))),
        ("b.ndjson", 1, json.dumps(_event("a", host="h-b1"))),
        ("b.ndjson", 3, json.dumps(_event("b", host="h-b3"))),
        ("b.ndjson", 5, json.dumps(_event("b", host="h-b5"))),
        ("c.ndjson", 2, json.dumps(_event("c", host="h-c2"))),
        ("c.ndjson", 3, json.dumps(_event("d", host="h-c3"))),
    ]
    frame = spark.createDataFrame([(path, n, raw, None) for path, n, raw in lines], LINES_DDL)
    rows = to_bronze(classified(frame, Rules(NOW, dt.date(2000, 1, 1), 48, 65_536)), NOW, keep=("line_number",))
    repeated = repeated_ids(rows)
    assert sorted(row.event_id for row in repeated.collect()) == ["a", "b"]
    by_window = _first_of_each_id(rows)
    assert_df_equality(deduplicated(rows, repeated), by_window, ignore_row_order=True, ignore_nullable=True)
    assert sorted((row.event_id, row.host_id) for row in by_window.collect()) == [
        ("a", "h-b1"), ("b", "h-b3"), ("c", "h-c2"), ("d", "h-c3")
    ]
