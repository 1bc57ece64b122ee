"""ingest -> features -> train -> score on the shared small fleet plus hand-made events whose strings are hostile.

Checks that attacker-controlled strings (path, host and subject names, ``pe`` fields) come out byte for byte
in bronze and gold/scored_binaries, that every stage run again on the same input leaves identical tables
(whole contents, not counts), and that scoring uses the version the configured registry holds under the alias.

The first run is the session's shared one (``pipeline_run``, tests/pipeline_helpers.py), read as it is. The
reruns (ingest, features, score, a second train) write, so they run on one copy of its lakehouse made for this
module (``copy_lake``: its MLflow store re-pointed at the copy), in file order; each rerun is asserted to leave
the tables equal to the shared run's, so the next rerun starts from the same state as on a fresh lakehouse.
The last test (certificate intel re-scoring an earlier as-of date) changes the copy and runs last.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from codesign_prevalence.jobs import features, ingest, score, train
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.jobs.entries import default_analyst
from codesign_prevalence.storage import BRONZE_EVENTS, BRONZE_QUARANTINE, GOLD_CANDIDATES, GOLD_SCORED, replace_as_of
from pipeline_helpers import (
    CI_BLOCKED_SHA,
    END,
    FEATURE_TABLES,
    HOSTILE,
    MODEL,
    PipelineRun,
    context_for,
    copy_lake,
    embedded_mlflow,
    hostile_sha256,
    run_cli,
    table_rows,
)

# Columns of gold/scored_binaries that legitimately differ between two scorings with the same model.
SCORED_RUN_COLUMNS = ("scored_at",)


@dataclass(frozen=True)
class Pipeline:
    root: Path
    inputs: list[str]
    context: JobContext
    tables: dict[str, list[str]]


@pytest.fixture(scope="module")
def pipeline(
    spark: SparkSession, pipeline_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pipeline]:
    """The shared run's tables, and a copy of its lakehouse for the reruns to write to."""
    root = copy_lake(pipeline_run.root, tmp_path_factory.mktemp("reliability") / "lake")
    tables = {table: pipeline_run.rows(spark, table) for table in (BRONZE_EVENTS, BRONZE_QUARANTINE, *FEATURE_TABLES)}
    tables[GOLD_SCORED] = pipeline_run.rows(spark, GOLD_SCORED, drop=SCORED_RUN_COLUMNS)
    with embedded_mlflow():
        yield Pipeline(root, pipeline_run.inputs, context_for(spark, root), tables)


def test_hostile_strings_come_out_unchanged(spark: SparkSession, pipeline_run: PipelineRun) -> None:
    bronze = spark.read.format("delta").load(str(pipeline_run.root / BRONZE_EVENTS))
    scored = spark.read.format("delta").load(str(pipeline_run.root / GOLD_SCORED))
    for index, text in enumerate(HOSTILE):
        event = bronze.where(F.col("event_id") == F.lit(f"hostile-{index}")).collect()
        assert len(event) == 1, f"hostile event {index} not in bronze"
        expected = {
            "host_name": f"host {text}",
            "user_name": f"user {text}",
            "executable": f"C:\\Users\\Public\\{text}\\payload.exe",
            "cs_subject_name": f"subject {text}",
            "pe_original_file_name": f"{text}.exe",
            "pe_company": f"company {text}",
        }
        assert {key: event[0][key] for key in expected} == expected
        rows = scored.where(F.col("sha256") == F.lit(hostile_sha256(index))).collect()
        assert {row["population"] for row in rows} == {"rule", "hunt"}, f"hostile binary {index} not scored"
        for row in rows:
            assert row["subject_name"] == f"subject {text}"
            assert row["example_path"] == f"C:\\Users\\Public\\{text}\\payload.exe"
            assert row["example_host"] == f"host {text}"
            assert row["host_names"] == [f"host {text}"]
            assert row["rule_match"] is True


def test_code_integrity_events_from_the_fixture_reach_the_scored_reasons(
    spark: SparkSession, pipeline_run: PipelineRun
) -> None:
    """Issue 17: the fixture's Code Integrity events, ingested beside the process starts, are named in the
    reasons of the binary they concern (the default model does not weigh them) and of no other."""
    scored = spark.read.format("delta").load(str(pipeline_run.root / GOLD_SCORED))
    rows = scored.where(F.col("sha256") == F.lit(CI_BLOCKED_SHA)).collect()
    assert {row["population"] for row in rows} == {"rule", "hunt"}
    for row in rows:
        assert "Code Integrity blocked it on 1 host" in row["reasons"], row["reasons"]
    named = scored.where(F.exists("reasons", lambda reason: reason.contains("Code Integrity")))
    assert {row["sha256"] for row in named.select("sha256").collect()} == {CI_BLOCKED_SHA}


def test_scored_rows_come_from_the_configured_registry_and_alias(
    spark: SparkSession, pipeline_run: PipelineRun
) -> None:
    store = f"sqlite:///{pipeline_run.root}/mlflow/mlflow.db"
    client = MlflowClient(tracking_uri=store, registry_uri=store)
    champion = client.get_model_version_by_alias(MODEL, "champion")
    scored = spark.read.format("delta").load(str(pipeline_run.root / GOLD_SCORED))
    used = {tuple(row) for row in scored.select("model_name", "model_version", "mlflow_run_id").distinct().collect()}
    assert used == {(MODEL, str(champion.version), champion.run_id)}


def test_ingest_twice_leaves_identical_tables(spark: SparkSession, pipeline: Pipeline) -> None:
    report = ingest.run(pipeline.context, pipeline.inputs)
    assert report.accepted == 0 and report.duplicates > 0 and report.balanced
    for table in (BRONZE_EVENTS, BRONZE_QUARANTINE):
        assert table_rows(spark, pipeline.root, table) == pipeline.tables[table], table


def test_features_twice_leaves_identical_tables(spark: SparkSession, pipeline: Pipeline) -> None:
    features.run(pipeline.context, END)
    for table in FEATURE_TABLES:
        assert table_rows(spark, pipeline.root, table) == pipeline.tables[table], table


def test_score_twice_leaves_identical_rows_apart_from_scored_at(spark: SparkSession, pipeline: Pipeline) -> None:
    before = spark.read.format("delta").load(str(pipeline.root / GOLD_SCORED)).agg(F.max("scored_at")).head()
    score.run(pipeline.context, END, "champion")
    assert table_rows(spark, pipeline.root, GOLD_SCORED, drop=SCORED_RUN_COLUMNS) == pipeline.tables[GOLD_SCORED]
    after = spark.read.format("delta").load(str(pipeline.root / GOLD_SCORED)).agg(F.min("scored_at")).head()
    assert before is not None and after is not None and after[0] > before[0]  # every row was rewritten


def test_train_again_then_score_by_alias(spark: SparkSession, pipeline: Pipeline) -> None:
    """A second train adds version 2 as challenger; scoring follows the alias it is given, and scoring with
    champion again restores the first rows exactly (the MERGE replaces, never appends)."""
    second = train.run(pipeline.context, END)
    assert (second.model_version, second.aliases) == ("2", ("challenger",))
    score.run(pipeline.context, END, "challenger")
    versions = spark.read.format("delta").load(str(pipeline.root / GOLD_SCORED)).select("model_version").distinct()
    assert [row[0] for row in versions.collect()] == ["2"]
    score.run(pipeline.context, END, "champion")
    assert table_rows(spark, pipeline.root, GOLD_SCORED, drop=SCORED_RUN_COLUMNS) == pipeline.tables[GOLD_SCORED]


def _scored_version(spark: SparkSession, root: Path, version: int) -> DataFrame:
    return spark.read.format("delta").option("versionAsOf", version).load(str(root / GOLD_SCORED))


def _rescore_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("[score] ") and "done in" not in line]


def test_intel_revocation_rescores_history(
    spark: SparkSession, pipeline: Pipeline, pipeline_run: PipelineRun, tmp_path: Path
) -> None:
    """Issue 17's flow: a binary trusted at first (its certificate listed ``trusted`` by a feed, imported from a
    file); a revocation effective 5 days back; ``score --rescore-since`` raises its back-scored rows, whose
    reasons name the intel; the earlier scores stay readable with time travel; a second run re-scores nothing.

    The earlier as-of date is the shared run's candidates and scores written again under the day before (the
    fleet's window is two days; the same candidates scored by the same model give the same rows).
    """
    root, options = pipeline.root, pipeline_run.options(pipeline.root)
    yesterday, effective = END - dt.timedelta(days=1), END - dt.timedelta(days=5)
    for table in (GOLD_CANDIDATES, GOLD_SCORED):
        today = spark.read.format("delta").load(str(root / table)).where(F.col("as_of") == F.lit(END))
        replace_as_of(today.withColumn("as_of", F.lit(yesterday)), pipeline.context.lakehouse.table(table), yesterday)
    scored = spark.read.format("delta").load(str(root / GOLD_SCORED))
    allowed = [name.lower() for name in pipeline.context.config.rule.allowed_publishers]
    trusted = (
        scored.where(
            (F.col("as_of") == F.lit(yesterday)) & (F.col("population") == F.lit("hunt"))
            & (F.col("status_category") == F.lit("trusted")) & ~F.col("rule_match") & ~F.col("alert")
            & F.col("thumbprint").isNotNull() & ~F.lower(F.col("subject_name")).isin(*allowed)
        )
        .orderBy(F.col("host_count").asc(), F.col("sha256").asc())
        .first()
    )
    assert trusted is not None, "the shared fleet has no trusted binary in a user-writable folder"
    sha, thumbprint = trusted["sha256"], trusted["thumbprint"]

    feed = tmp_path / "vendor-feed.json"
    feed.write_text(json.dumps([{"thumbprint": thumbprint.upper(), "status": "trusted", "source": "vendor list",
                                 "effective": (END - dt.timedelta(days=20)).isoformat()}]), encoding="utf-8")
    imported = run_cli(*options, "intel", "import", str(feed))
    assert imported.code == 0 and "read=1, added=1, duplicates=0" in imported.stderr, imported.stderr

    source = "CERT-Ü \"stolen certs\" feed, O'Brien"
    added = run_cli(*options, "intel", "add", "--thumbprint", thumbprint, "--status", "revoked", "--effective",
                    effective.isoformat(), "--source", source, "--by", "carol")
    assert added.code == 0, added.stderr
    revocation = added.stdout.strip()
    before = pipeline.context.lakehouse.version(spark, GOLD_SCORED)
    assert before is not None
    rescored = run_cli(*options, "score", "--rescore-since", effective.isoformat())
    assert rescored.code == 0, rescored.stderr

    now = spark.read.format("delta").load(str(root / GOLD_SCORED))
    old = _scored_version(spark, root, before)
    mine = (F.col("sha256") == F.lit(sha)) & (F.col("population") == F.lit("hunt"))
    columns = ("as_of", "status_category", "rule_match", "intel_id", "anomaly_score", "reasons")
    after_rows = {row["as_of"]: row for row in now.where(mine).select(*columns).collect()}
    before_rows = {row["as_of"]: row for row in old.where(mine).select(*columns).collect()}
    named = f"certificate revoked (intel: {source}, effective {effective.isoformat()})"
    for day in (yesterday, END):
        row, earlier = after_rows[day], before_rows[day]
        assert (row["status_category"], row["rule_match"], row["intel_id"]) == ("revoked", True, revocation), day
        assert any(reason.startswith(named) for reason in row["reasons"]), row["reasons"]
        assert row["anomaly_score"] > earlier["anomaly_score"], day
        assert (earlier["status_category"], earlier["intel_id"]) == ("trusted", None)  # time travel: as it was
        assert not any("intel:" in reason for reason in earlier["reasons"])

    lines = _rescore_lines(rescored.stderr)
    said = [line for line in lines if "re-scored 1 earlier as-of date(s) with new certificate intel:" in line]
    assert said == [f"[score] re-scored 1 earlier as-of date(s) with new certificate intel: {yesterday.isoformat()}; "
                    f"the previous scores are {GOLD_SCORED} versionAsOf {before}"], lines
    key = ["as_of", "population", "sha256", "subject_name"]
    newly = sorted(
        (row["as_of"].isoformat(), row["population"], row["sha256"])
        for row in now.where(F.col("alert")).select(*key).subtract(old.where(F.col("alert")).select(*key)).collect()
    )
    alerting_lines = (line.split() for line in lines if line.startswith("[score] newly alerting: "))
    listed = sorted((words[3], words[4], words[6]) for words in alerting_lines)  # date, population, sha256
    assert listed == newly and (yesterday.isoformat(), "hunt", sha) in newly, lines  # the revoked binary alerts now
    version = pipeline.context.lakehouse.version(spark, GOLD_SCORED)
    again = run_cli(*options, "score", "--rescore-since", effective.isoformat())
    assert again.code == 0 and any("nothing re-scored" in line for line in _rescore_lines(again.stderr))
    unchanged_day = F.col("as_of") == F.lit(yesterday)
    assert sorted(map(repr, _scored_version(spark, root, version).where(unchanged_day).collect())) == sorted(
        map(repr, spark.read.format("delta").load(str(root / GOLD_SCORED)).where(unchanged_day).collect())
    )

    listing = run_cli(*options, "intel", "list", "--format", "json")
    entries = [json.loads(line) for line in listing.stdout.splitlines()]
    assert [(entry["status"], entry["source"], entry["added_by"], entry["imported_from"]) for entry in entries] == [
        ("revoked", source, "carol", None),
        ("trusted", "vendor list", default_analyst(), "vendor-feed.json"),
    ]
    again_imported = run_cli(*options, "intel", "import", str(feed))
    assert again_imported.code == 0 and "added=0, duplicates=1" in again_imported.stderr
