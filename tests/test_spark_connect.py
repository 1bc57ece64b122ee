"""Every stage through Spark Connect, with the tables as catalog tables (issue 16).

A local Spark Connect server (pip's pyspark ships it; ``python -m codesign_prevalence.spark connect-server``
builds the same command) runs with the cached Delta jars and a Hive metastore under the test's root, so that
its catalog persists when the server is restarted. The command line then runs as a Connect client (no JVM of
its own): ``run`` (ingest -> features -> train -> score -> report) on the shared run's inputs with
``spark.remote`` and ``storage.catalog``/``storage.schema`` set, then ``sql`` on the ``alerts`` view, then
``verdict add``; the server is restarted and ``sql`` reads the same tables by name from a new server process.
The scored table must equal the classic local run's (``pipeline_run``: paths, no Connect) row for row.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from codesign_prevalence.config import SparkConfig
from codesign_prevalence.spark import local_connect_server
from codesign_prevalence.storage import GOLD_SCORED
from pipeline_helpers import PipelineInputs, PipelineRun

pytestmark = [pytest.mark.slow, pytest.mark.jvm]

SCHEMA = "codesign"
# Columns that differ between any two runs: when and by which MLflow run/version they were scored.
RUN_COLUMNS = ("scored_at", "mlflow_run_id", "model_version")
# The server's session: spark.fast_start, as the suite's other subprocess JVMs.
SERVER = SparkConfig(master="local[2]", driver_memory="1g", shuffle_partitions=2, fast_start=True)


def _cli(remote: str, options: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    """The command line as a Connect client of ``remote`` (its own Python process; the JVM is the server's)."""
    command = [sys.executable, "-m", "codesign_prevalence.cli", "--set", f"spark.remote={remote}", *options, *args]
    environment = {key: value for key, value in os.environ.items() if not key.startswith("MLFLOW_")}
    return subprocess.run(command, capture_output=True, text=True, timeout=900, env=environment, check=False)


def test_every_stage_through_spark_connect_on_catalog_tables(
    spark: SparkSession, pipeline_inputs: PipelineInputs, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    root = tmp_path / "connect"
    root.mkdir()
    options = [
        *pipeline_inputs.options(root),
        "--set", "storage.catalog=spark_catalog",
        "--set", f"storage.schema={SCHEMA}",
    ]
    log = tmp_path / "server.log"
    with local_connect_server(SERVER, root, log) as remote:
        ran = _cli(remote, options, "run", "--input", *pipeline_inputs.inputs, "--json")
        assert ran.returncode == 0, ran.stderr[-3000:] + log.read_text(errors="replace")[-3000:]
        summary = json.loads(ran.stdout)
        # The classic local run of the same inputs, built meanwhile by the other worker (conftest.py).
        pipeline_run: PipelineRun = request.getfixturevalue("pipeline_run")
        assert summary["score"]["rows"] == pipeline_run.summary["score"]["rows"]

        alerts = _cli(remote, options, "sql", "SELECT sha256 FROM alerts ORDER BY population, rank")
        assert alerts.returncode == 0, alerts.stderr[-3000:]
        classic_alerts = spark.read.format("delta").load(str(pipeline_run.root / GOLD_SCORED)).where("alert")
        expected = sorted(row["sha256"] for row in classic_alerts.collect())
        assert expected and all(sha256 in alerts.stdout for sha256 in expected)

        refused = _cli(remote, options, "sql", "DROP TABLE gold_scored_binaries")
        assert refused.returncode != 0 and "Traceback" not in refused.stderr

        scored = spark.read.format("delta").load(str(root / "warehouse" / f"{SCHEMA}.db" / "gold_scored_binaries"))
        first = scored.where("population = 'rule'").orderBy("rank").first()
        assert first is not None
        verdict = _cli(
            remote, options, "verdict", "add", "--sha256", first["sha256"], "--verdict", "benign", "--note", "test"
        )
        assert verdict.returncode == 0, verdict.stderr[-3000:]

    with local_connect_server(SERVER, root, log) as remote:  # a new server process: the tables are found by name
        # One client for both tables (each client process costs seconds).
        query = "SELECT (SELECT count(*) FROM scored_binaries) AS n, (SELECT max(verdict) FROM verdicts) AS verdict"
        again = _cli(remote, options, "sql", query)
        assert again.returncode == 0 and "benign" in again.stdout, again.stderr[-3000:]

    classic = pipeline_run.rows(spark, GOLD_SCORED, drop=RUN_COLUMNS)
    through_connect = sorted(repr(row) for row in scored.drop(*RUN_COLUMNS).collect())
    assert through_connect == classic
    assert str(len(classic)) in again.stdout
