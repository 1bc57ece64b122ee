"""A real multi-process run: ``run`` with Spark's ``local-cluster[2,1,1024]`` master (two executor JVMs, each
with its own Python workers) gives the same gold/scored_binaries as a ``local[2]`` run of the same input.

The cluster run is a subprocess calling the command line (the tests' own session is ``local[2]`` and one
process holds one SparkSession); its event log proves that two executors other than the driver ran tasks.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from chispa import assert_approx_df_equality
from pyspark.sql import DataFrame, SparkSession

from codesign_prevalence.config import load_config
from codesign_prevalence.jobs import features, ingest, score, train
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.simulator import generate_fleet
from codesign_prevalence.storage import GOLD_CANDIDATES, GOLD_SCORED

END = dt.date(2026, 11, 26)
MODEL = "cluster_iforest"
SRC = Path(__file__).resolve().parents[1] / "src"
# Columns that differ between two runs by nature: when they scored and the MLflow run that trained the model.
RUN_COLUMNS = ("scored_at", "mlflow_run_id")
MODEL_SETTINGS = (f"model.name={MODEL}", "model.n_estimators=50")


def _cluster_run(events: Path, root: Path, event_log: Path) -> subprocess.CompletedProcess[str]:
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
    command += ["run", "--input", str(events), "--as-of", END.isoformat()]
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


def _local_run(spark: SparkSession, events: Path, root: Path) -> None:
    config = load_config(None, [f"storage.root={root}", *MODEL_SETTINGS])
    context = JobContext(config=config, verbosity=0, _spark=spark)
    ingest.run(context, [str(events)])
    features.run(context, END)
    train.run(context, END)
    score.run(context, END, "champion")


def _table(spark: SparkSession, root: Path, table: str) -> DataFrame:
    return spark.read.format("delta").load(str(root / table)).drop(*RUN_COLUMNS)


@pytest.mark.slow
def test_local_cluster_run_matches_local_run(
    spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)
    fleet = generate_fleet(tmp_path / "fleet", hosts=15, days=3, seed=3, end_date=END, events_per_host_day=40)
    cluster = _cluster_run(fleet.events_path, tmp_path / "cluster", tmp_path / "events-log")
    assert cluster.returncode == 0, cluster.stderr[-3000:]
    assert _executors_with_tasks(tmp_path / "events-log") == {"0", "1"}  # two executor processes, no driver

    _local_run(spark, fleet.events_path, tmp_path / "local")

    for table in (GOLD_CANDIDATES, GOLD_SCORED):
        cluster_rows, local_rows = _table(spark, tmp_path / "cluster", table), _table(spark, tmp_path / "local", table)
        assert local_rows.count() > 0
        assert_approx_df_equality(
            cluster_rows, local_rows, precision=1e-9, ignore_row_order=True, ignore_nullable=True
        )
