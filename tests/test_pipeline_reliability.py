"""ingest -> features -> train -> score on the shared small fleet plus hand-made events whose strings are hostile.

Checks that attacker-controlled strings (path, host and subject names, ``pe`` fields) come out byte for byte
in bronze and gold/scored_binaries, that every stage run again on the same input leaves identical tables
(whole contents, not counts), and that scoring uses the version the configured registry holds under the alias.

The first run is the session's shared one (``pipeline_run``, tests/pipeline_helpers.py), read as it is. The
reruns (ingest, features, score, a second train) write, so they run on one copy of its lakehouse made for this
module (``copy_lake``: its MLflow store re-pointed at the copy), in file order; each rerun is asserted to leave
the tables equal to the shared run's, so the next rerun starts from the same state as on a fresh lakehouse.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from codesign_prevalence.jobs import features, ingest, score, train
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.storage import BRONZE_EVENTS, BRONZE_QUARANTINE, GOLD_SCORED
from pipeline_helpers import (
    END,
    FEATURE_TABLES,
    HOSTILE,
    MODEL,
    PipelineRun,
    context_for,
    copy_lake,
    embedded_mlflow,
    hostile_sha256,
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
