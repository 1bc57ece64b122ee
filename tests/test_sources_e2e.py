"""One generated fleet written as Elastic Defend and as raw Sysmon, each run end to end (ingest -> features
-> train/score) into its own lakehouse: the scored results agree on the binaries both can see.

The Elastic side is the session's shared run (``pipeline_run``, tests/pipeline_helpers.py: the fleet's Elastic
file and a file of hostile events). The Sysmon side converts the same fleet to raw Sysmon and ingests it with
the same hostile file (the documents are detected one by one), so both sides see the same events.

The Sysmon lakehouse scores with the model trained on the Elastic one (one MLflow store), so that any
difference comes from the ingest and the features, not from a second training run. That store is a copy's
(``copy_lake``, re-pointed at the copy): the Sysmon run's scoring and report runs never reach the shared one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from chispa import assert_approx_df_equality
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from codesign_prevalence.jobs import run
from codesign_prevalence.models.tracking import resolve_uris
from codesign_prevalence.simulator.formats import convert_events
from codesign_prevalence.storage import GOLD_SCORED, Lakehouse
from pipeline_helpers import PipelineRun, context_for, copy_lake, embedded_mlflow

COMPARED = ("sha256", "population", "rule_match", "host_count", "subject_name", "rank", "anomaly_score")


@pytest.mark.slow
def test_elastic_and_sysmon_fleets_score_alike(spark: SparkSession, pipeline_run: PipelineRun, tmp_path: Path) -> None:
    events, hostile = pipeline_run.inputs
    sysmon = tmp_path / "sysmon.ndjson.gz"
    convert_events(Path(events), sysmon, "sysmon")

    elastic = pipeline_run.summary
    elastic_copy = copy_lake(pipeline_run.root, tmp_path / "elastic")
    with embedded_mlflow():
        tracking_uri = resolve_uris(context_for(spark, elastic_copy).config)[0]
        sysmon_context = context_for(spark, tmp_path / "sysmon", f"mlflow.tracking_uri={tracking_uri}")
        from_sysmon = run.run(sysmon_context, [str(sysmon), hostile])

    assert "train" in elastic and "train" not in from_sysmon  # one model scores both
    elastic_ingest, sysmon_ingest = elastic["ingest"], from_sysmon["ingest"]
    assert isinstance(elastic_ingest, dict) and isinstance(sysmon_ingest, dict)
    assert sysmon_ingest["balanced"] and sysmon_ingest["accepted"] == elastic_ingest["accepted"]
    assert sysmon_ingest["signature_records"] > 0 and sysmon_ingest["skipped_not_process_start"] > 0

    def scored(root: Path) -> DataFrame:
        rows = Lakehouse(root).read(spark, GOLD_SCORED)
        return rows.select(*COMPARED).orderBy("population", "sha256")

    from_elastic, from_sysmon_rows = scored(pipeline_run.root), scored(tmp_path / "sysmon")
    both = from_elastic.join(from_sysmon_rows.select("sha256", "population"), ["sha256", "population"], "inner")
    assert both.count() == from_elastic.count() == from_sysmon_rows.count() > 20
    assert from_elastic.where(F.col("rule_match")).count() > 0
    assert_approx_df_equality(from_sysmon_rows, from_elastic, precision=1e-9, ignore_nullable=True)
