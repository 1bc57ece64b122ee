"""The per-day rollup (silver/daily_binaries): the window's tables merged from it are the tables computed from
the events, row by row, and a late event re-rolls its own day only.

The first test works on the inline fleet of ``test_features.py`` (no Delta); the second on a copy of the
session's shared lakehouse (``pipeline_run``: a generated fleet plus hostile events), through the job.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from codesign_prevalence.config import IngestConfig, load_config
from codesign_prevalence.features.pipeline import (
    FeatureTables,
    daily_rollup,
    feature_tables,
    feature_tables_from_daily,
)
from codesign_prevalence.features.rollup import dates_to_roll, partition_dates
from codesign_prevalence.ingest.pipeline import ingest_files
from codesign_prevalence.jobs import features
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.storage import (
    BRONZE_CODEINTEGRITY,
    BRONZE_EVENTS,
    GOLD_CANDIDATES,
    GOLD_FIRST_SEEN,
    GOLD_HASH_PREVALENCE,
    GOLD_SIGNER_PREVALENCE,
    SILVER_DAILY_BINARIES,
    SILVER_RULE_MATCHES,
    Lakehouse,
)
from pipeline_helpers import END, PipelineRun, copy_lake
from test_features import (
    AS_OF,
    CONTOSO,
    EVENTS,
    EXPIRED,
    LOLBINS,
    LOOKBACK,
    PATH_E,
    RULE,
    bronze_frame,
    event,
    persisted,
    updater,
)

OUTPUTS = ("rule_matches", "hash_prevalence", "signer_prevalence", "candidates")
TABLES = {
    "rule_matches": SILVER_RULE_MATCHES,
    "hash_prevalence": GOLD_HASH_PREVALENCE,
    "signer_prevalence": GOLD_SIGNER_PREVALENCE,
    "candidates": GOLD_CANDIDATES,
}


def rows_of(frame: DataFrame) -> list[str]:
    """The whole frame as a sorted list of row reprs (arrays and maps included)."""
    return sorted(repr(row) for row in frame.collect())


def assert_same_tables(actual: FeatureTables, expected: FeatureTables, names: tuple[str, ...]) -> None:
    for name in names:
        got, wanted = getattr(actual, name), getattr(expected, name)
        assert got.columns == wanted.columns, name
        assert rows_of(got) == rows_of(wanted), name


def test_partition_dates_of_changed_files() -> None:
    old = ["event_date=2026-11-24/part-0.parquet", "event_date=2026-11-25/part-0.parquet"]
    new = [*old, "event_date=2026-11-25/part-1.parquet", "event_date=2026-11-27/part-0.parquet"]
    assert dates_to_roll(new, old) == {dt.date(2026, 11, 25), dt.date(2026, 11, 27)}
    assert dates_to_roll(new, None) == {dt.date(2026, 11, d) for d in (24, 25, 27)}
    assert dates_to_roll(old, old) == set()
    # A compaction that rewrote a day's files re-rolls that day; an unpartitioned file says nothing.
    assert dates_to_roll([*old[:1], "event_date=2026-11-25/part-9.parquet"], old) == {dt.date(2026, 11, 25)}
    assert partition_dates(["part-0.parquet"]) is None


def test_tables_from_rollups_equal_tables_from_events(spark: SparkSession) -> None:
    """Row by row, every output table and the labels: identical event shapes (several events of one variant,
    two identical seed-rule matches), events outside the window on both sides, days rolled in two parts, the
    certificate figures and Code Integrity events."""
    again = [{**row, "event_id": row["event_id"] + "-again"} for row in EVENTS if row["event_id"] in {"a1", "b1"}]
    more = [
        event("b3", "2026-11-20 08:00:00", "h1", "b", updater("alice"), **CONTOSO, **EXPIRED, host_name="WS1",
              user_name="alice", parent_name="explorer.exe", pe_original_file_name="update.exe"),
        event("e2", "2026-10-30 12:00:00", "h5", "e", PATH_E, cs_subject_name="Evil LLC", cs_trusted=False,
              host_name="WS5", parent_name="mshta.exe"),
    ]
    bronze = bronze_frame(spark, [*EVENTS, *again, *more])
    codeintegrity = spark.createDataFrame(
        [("e", "h2", "blocked", dt.date(2026, 11, 20)), ("B", "h4", "audited", dt.date(2026, 11, 1))],
        "sha256 string, host_id string, action string, event_date date",
    )
    expected = feature_tables(bronze, AS_OF, LOOKBACK, RULE, LOLBINS, codeintegrity)
    # The days rolled in two batches (as two daily runs would), then read together.
    early = F.col("event_date") < F.lit(dt.date(2026, 11, 19))
    daily = daily_rollup(bronze.where(early), RULE, LOLBINS, 1).unionByName(
        daily_rollup(bronze.where(~early), RULE, LOLBINS, 2)
    )
    rolled = daily.collect()
    # One row per day and (host, binary).
    assert len({(row["event_date"], row["host_id"], row["sha256"], row["signer"]) for row in rolled}) == len(rolled)
    stored = spark.createDataFrame(rolled, daily.schema)  # the rollup as read back: computed once
    with persisted(expected), persisted(feature_tables_from_daily(stored, AS_OF, LOOKBACK, codeintegrity)) as actual:
        assert_same_tables(actual, expected, (*OUTPUTS, "labels"))
        assert {row["event_id"] for row in actual.rule_matches.collect()} == {"b1", "b1-again", "b2", "b3", "e1", "e2"}


def _late_events(host_id: str, day: dt.date) -> str:
    """One event of a new binary on ``day``, twice with one id (a duplicate), and once more with another id."""
    def late(event_id: str) -> str:
        return json.dumps(
            {
                "@timestamp": f"{day.isoformat()}T13:00:00Z",
                "event": {"category": ["process"], "type": ["start"], "id": event_id},
                "host": {"id": host_id, "name": "LATE"},
                "process": {
                    "executable": "C:\\Users\\Public\\late.exe",
                    "name": "late.exe",
                    "hash": {"sha256": "e" * 64},
                    "code_signature": {"exists": True, "trusted": False, "status": "revoked",
                                       "subject_name": "Late Signer"},
                },
            }
        )

    return "\n".join([late("late-1"), late("late-1"), late("late-2")]) + "\n"


def _rollup_by_date(spark: SparkSession, lakehouse: Lakehouse) -> dict[dt.date, list[str]]:
    rows = lakehouse.read(spark, SILVER_DAILY_BINARIES).collect()
    by_date: dict[dt.date, list[str]] = {}
    for row in rows:
        by_date.setdefault(row["event_date"], []).append(repr(row))
    return {day: sorted(texts) for day, texts in by_date.items()}


def _history(spark: SparkSession, lakehouse: Lakehouse) -> dict[tuple[str, str], tuple[object, ...]]:
    rows = lakehouse.read(spark, GOLD_FIRST_SEEN).collect()
    return {(row["kind"], row["key"]): (row["first_seen"], row["last_seen"], row["host_count"]) for row in rows}


def test_a_late_event_rerolls_its_day_and_the_window_equals_a_full_computation(
    spark: SparkSession, pipeline_run: PipelineRun, tmp_path: Path
) -> None:
    """An event for day d that arrives on day d+3 changes day d's rollup and the next window's features, and
    nothing else; the job's tables then equal the tables computed from all of bronze's events, row by row."""
    root = copy_lake(pipeline_run.root, tmp_path / "lake")
    lakehouse = Lakehouse(root)
    context = JobContext(load_config(None, [f"storage.root={root}"]), verbosity=0)
    late_day = END - dt.timedelta(days=1)
    before = _rollup_by_date(spark, lakehouse)
    assert late_day in before and END in before
    history_before = _history(spark, lakehouse)
    host = lakehouse.read(spark, BRONZE_EVENTS).where(F.col("event_date") == F.lit(late_day)).head()
    assert host is not None
    report_before = pipeline_run.summary["features"]  # the shared run's features, as of END

    late = tmp_path / "late.ndjson"
    late.write_text(_late_events(host["host_id"], late_day), encoding="utf-8")
    ingested = ingest_files(spark, lakehouse, [str(late)], IngestConfig(), now=dt.datetime(2026, 11, 28, 12))
    assert (ingested.accepted, ingested.duplicates) == (2, 1)

    refreshed = features.refresh_daily(context)
    assert refreshed.dates == [late_day]
    after = _rollup_by_date(spark, lakehouse)
    assert {day: rows for day, rows in after.items() if day != late_day} == {
        day: rows for day, rows in before.items() if day != late_day
    }
    assert after[late_day] != before[late_day]
    late_rows = lakehouse.read(spark, SILVER_DAILY_BINARIES).where(F.col("sha256") == F.lit("e" * 64)).collect()
    assert [(row["event_date"], row["executions"], len(row["rule_events"])) for row in late_rows] == [
        (late_day, 2, 2)
    ]
    assert features.refresh_daily(context).dates == []  # a rerun rolls nothing
    # The fleet's history gains the late binary and its signer; nothing else in it changes.
    history = _history(spark, lakehouse)
    late_seen = dt.datetime.combine(late_day, dt.time(13))
    assert {key: value for key, value in history.items() if key not in history_before} == {
        ("hash", "e" * 64): (late_seen, late_seen, 1),
        ("signer", "late signer"): (late_seen, late_seen, 1),
    }
    assert {key: history[key] for key in history_before} == history_before

    report = features.run(context, END)
    assert report_before["as_of"] == END.isoformat()
    assert report.events_in_window == report_before["events_in_window"] + 2
    assert report.rule_matches == report_before["rule_matches"] + 2
    assert report.hash_prevalence == report_before["hash_prevalence"] + 1
    # The job's configuration is the default one, the rule lists and lolbin parents of test_features.
    codeintegrity = lakehouse.read(spark, BRONZE_CODEINTEGRITY)  # the shared run ingested the Code Integrity fixture
    from_events = feature_tables(
        refreshed.bronze, END, context.config.features.lookback_days, RULE, LOLBINS, codeintegrity
    )
    with persisted(from_events):
        for name, table in TABLES.items():
            written = lakehouse.read(spark, table).where(F.col("as_of") == F.lit(END))
            expected = getattr(from_events, name)
            assert rows_of(written.select(*expected.columns)) == rows_of(expected), table
