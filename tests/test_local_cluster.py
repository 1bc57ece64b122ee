"""A real multi-process run: ``run`` with Spark's ``local-cluster[2,1,1024]`` master (two executor JVMs, each
with its own Python workers) gives the same gold/scored_binaries as a ``local[2]`` run of the same input.

The cluster run is a subprocess calling the command line (the tests' own session is ``local[2]`` and one
process holds one SparkSession); its event log proves that two executors other than the driver ran tasks.
The ``local[2]`` run is the session's shared one (``pipeline_run``, tests/pipeline_helpers.py): the same inputs
and model settings, only read here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from chispa import assert_approx_df_equality
from pyspark.sql import DataFrame, SparkSession

from codesign_prevalence.storage import GOLD_CANDIDATES, GOLD_SCORED
from pipeline_helpers import END, MODEL_SETTINGS, PipelineRun

SRC = Path(__file__).resolve().parents[1] / "src"
# Columns that differ between two runs by nature: when they scored and the MLflow run that trained the model.
RUN_COLUMNS = ("scored_at", "mlflow_run_id")


def _cluster_run(inputs: list[str], root: Path, event_log: Path) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    environment["PYTHONPATH"] = os.pathsep.join([str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])])
    environment["PYSPARK_PYTHON"] = sys.executable
    event_log.mkdir()
    extra = json.dumps(
        {
            "spark.eventLog.enabled": "true",
            "spark.eventLog.dir": event_log.as_uri(),
            "spark.eventLog.compress": "false",  # Spark 4 writes zstd-compressed, rolling logs by default
            "spark.eventLog.rolling.enabled": "false",
        }
    )
    settings = [
        f"storage.root={root}",
        "spark.master=local-cluster[2,1,1024]",
        "spark.driver_memory=1g",
        "spark.shuffle_partitions=4",
        f"spark.extra={extra}",
        *MODEL_SETTINGS,
    ]
    command = [sys.executable, "-m", "codesign_prevalence.cli", "--quiet"]
    for setting in settings:
        command += ["--set", setting]
    command += ["run", "--input", *inputs, "--as-of", END.isoformat()]
    return subprocess.run(command, capture_output=True, text=True, timeout=1800, env=environment)


def _executors_with_tasks(event_log: Path) -> set[str]:
    executors: set[str] = set()
    for log in (path for path in event_log.rglob("*") if path.is_file()):
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                event = json.loads(line)
            except json.JSONDecodeError:  # the last line of a log whose application did not stop cleanly
                continue
            if event.get("Event") == "SparkListenerTaskEnd":
                executors.add(str(event["Task Info"]["Executor ID"]))
    return executors


def _table(spark: SparkSession, root: Path, table: str) -> DataFrame:
    return spark.read.format("delta").load(str(root / table)).drop(*RUN_COLUMNS)


@pytest.mark.slow
def test_local_cluster_run_matches_local_run(spark: SparkSession, pipeline_run: PipelineRun, tmp_path: Path) -> None:
    cluster = _cluster_run(pipeline_run.inputs, tmp_path / "cluster", tmp_path / "events-log")
    assert cluster.returncode == 0, cluster.stderr[-3000:]
    assert _executors_with_tasks(tmp_path / "events-log") == {"0", "1"}  # two executor processes, no driver

    for table in (GOLD_CANDIDATES, GOLD_SCORED):
        cluster_rows, local_rows = _table(spark, tmp_path / "cluster", table), _table(spark, pipeline_run.root, table)
        assert local_rows.count() > 0
        assert_approx_df_equality(
            cluster_rows, local_rows, precision=1e-9, ignore_row_order=True, ignore_nullable=True
        )
