"""One generated fleet written as Elastic Defend and as raw Sysmon, each run end to end (ingest -> features
-> train/score) into its own lakehouse: the scored results agree on the binaries both can see.

The Sysmon lakehouse scores with the model trained on the Elastic one (one MLflow store), so that any
difference comes from the ingest and the features, not from a second training run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from chispa import assert_approx_df_equality
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from codesign_prevalence.config import load_config
from codesign_prevalence.jobs import run
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.models.tracking import resolve_uris
from codesign_prevalence.simulator import generate_fleet
from codesign_prevalence.simulator.formats import convert_events
from codesign_prevalence.storage import GOLD_SCORED, Lakehouse

COMPARED = ("sha256", "population", "rule_match", "host_count", "subject_name", "rank", "anomaly_score")


def _context(spark: SparkSession, root: Path, *overrides: str) -> JobContext:
    config = load_config(
        None, [f"storage.root={root}", "model.name=sources_e2e_iforest", "model.n_estimators=50", *overrides]
    )
    return JobContext(config=config, verbosity=0, _spark=spark)


@pytest.mark.slow
def test_elastic_and_sysmon_fleets_score_alike(
    spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)
    fleet = generate_fleet(tmp_path / "fleet", hosts=15, days=3, seed=11, events_per_host_day=40)
    sysmon = tmp_path / "fleet" / "sysmon.ndjson.gz"
    convert_events(fleet.events_path, sysmon, "sysmon")

    elastic_context = _context(spark, tmp_path / "elastic")
    elastic = run.run(elastic_context, [str(fleet.events_path)])
    tracking_uri = resolve_uris(elastic_context.config)[0]
    sysmon_context = _context(spark, tmp_path / "sysmon", f"mlflow.tracking_uri={tracking_uri}")
    from_sysmon = run.run(sysmon_context, [str(sysmon)])

    assert "train" in elastic and "train" not in from_sysmon  # one model scores both
    elastic_ingest, sysmon_ingest = elastic["ingest"], from_sysmon["ingest"]
    assert isinstance(elastic_ingest, dict) and isinstance(sysmon_ingest, dict)
    assert sysmon_ingest["balanced"] and sysmon_ingest["accepted"] == elastic_ingest["accepted"]
    assert sysmon_ingest["signature_records"] > 0 and sysmon_ingest["skipped_not_process_start"] > 0

    def scored(root: Path) -> DataFrame:
        rows = Lakehouse(root).read(spark, GOLD_SCORED)
        return rows.select(*COMPARED).orderBy("population", "sha256")

    from_elastic, from_sysmon_rows = scored(tmp_path / "elastic"), scored(tmp_path / "sysmon")
    both = from_elastic.join(from_sysmon_rows.select("sha256", "population"), ["sha256", "population"], "inner")
    assert both.count() == from_elastic.count() == from_sysmon_rows.count() > 20
    assert from_elastic.where(F.col("rule_match")).count() > 0
    assert_approx_df_equality(from_sysmon_rows, from_elastic, precision=1e-9, ignore_nullable=True)
