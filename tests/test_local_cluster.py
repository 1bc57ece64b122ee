"""A real multi-process run through PySpark's own ``spark-submit`` (the README's command): ``run`` on Spark's
``local-cluster[1,1,1024]`` master (an executor JVM of its own, with its own Python workers) gives the same
gold/candidates and gold/scored_binaries as the ``local[2]`` run of the same input.

One subprocess proves three things at once (one JVM fewer than two tests would start): the session keeps
spark-submit's master and configuration rather than the configured one; Delta comes from ``--jars`` (no
``--packages``, no network); and the work really runs on an executor process other than the driver (the event
log says which executors ran tasks: all on executor 0, none on the driver), so nothing the tasks need may live
in the driver's memory only. One executor proves that as well as two did, for one JVM fewer (benchmarks/README.md,
"The test suite's wall time"). The ``local[2]`` run is the session's shared one (``pipeline_run``,
tests/pipeline_helpers.py): the same inputs and model settings, only read here.
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

from codesign_prevalence.config import SparkConfig
from codesign_prevalence.spark import (
    CODEGEN_FACTORY_MODE,
    FAST_START_JVM_OPTIONS,
    FAST_START_SETTINGS,
    cached_delta_jars,
    jars_dir,
)
from codesign_prevalence.storage import GOLD_CANDIDATES, GOLD_SCORED
from pipeline_helpers import END, MODEL_SETTINGS, PipelineInputs, PipelineRun

ROOT = Path(__file__).resolve().parents[1]
ENTRY = ROOT / "src" / "codesign_prevalence" / "__main__.py"
MASTER = "local-cluster[1,1,1024]"
# Columns that differ between two runs by nature: when they scored and the MLflow run that trained the model.
RUN_COLUMNS = ("scored_at", "mlflow_run_id")


def _spark_submit() -> Path:
    beside_python = Path(sys.executable).parent / "spark-submit"
    if beside_python.is_file():
        return beside_python
    import pyspark

    return Path(pyspark.__file__).parent / "bin" / "spark-submit"


def _submitted_run(inputs: list[str], root: Path, event_log: Path) -> subprocess.CompletedProcess[str]:
    jars = cached_delta_jars(jars_dir(SparkConfig()))
    assert jars, "Delta jars are not cached; run scripts/setup.sh"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    for variable in ("PYSPARK_GATEWAY_PORT", "PYSPARK_GATEWAY_SECRET"):
        environment.pop(variable, None)
    environment["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])
    environment["PYSPARK_PYTHON"] = sys.executable
    event_log.mkdir()
    command = [
        str(_spark_submit()),
        "--master", MASTER,
        "--driver-memory", "1g",
        "--jars", ",".join(str(jar) for jar in jars),
        # spark.fast_start's JVM options (spark-submit, not the session, starts these JVMs) and no whole-stage
        # code generation, but Spark's code generated per expression as the job's default runs it: the only run
        # of the suite that does, checked against the suite's session, which interprets the same expressions.
        "--conf", f"spark.driver.extraJavaOptions=-Duser.timezone=UTC {FAST_START_JVM_OPTIONS}",
        "--conf", f"spark.executor.extraJavaOptions=-Duser.timezone=UTC {FAST_START_JVM_OPTIONS}",
        *[
            part for key, value in FAST_START_SETTINGS.items() if key != CODEGEN_FACTORY_MODE
            for part in ("--conf", f"{key}={value}")
        ],
        "--conf", "spark.eventLog.enabled=true",
        "--conf", f"spark.eventLog.dir={event_log.as_uri()}",
        "--conf", "spark.eventLog.compress=false",  # Spark 4 writes zstd-compressed, rolling logs by default
        "--conf", "spark.eventLog.rolling.enabled=false",
        str(ENTRY),
        "--verbose",
        "run", "--input", *inputs, "--as-of", END.isoformat(), "--json",
        "--set", f"storage.root={root}", "--set", "spark.shuffle_partitions=4",
    ]
    for setting in MODEL_SETTINGS:
        command += ["--set", setting]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=1800, cwd=root.parent, env=environment, check=False
    )


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
@pytest.mark.jvm
def test_spark_submit_on_a_local_cluster_matches_the_local_run(
    spark: SparkSession, pipeline_inputs: PipelineInputs, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    submitted = _submitted_run(pipeline_inputs.inputs, tmp_path / "cluster", tmp_path / "events-log")
    assert submitted.returncode == 0, (submitted.stdout[-3000:], submitted.stderr[-3000:])
    # spark-submit's PythonRunner merges the Python driver's stderr into its stdout: the stage lines, then
    # the JSON summary (which starts on a line of its own).
    output = submitted.stdout
    assert f"[spark] Spark 4.0.1, master {MASTER}" in output  # spark-submit's master, not the configured one
    assert "[ingest] started" in output and "[report] done in " in output
    summary = json.loads(output[output.rindex("\n{\n") + 1 :])
    assert summary["ingest"]["accepted"] > 0 and Path(summary["report"]["path"]).is_file()
    assert _executors_with_tasks(tmp_path / "events-log") == {"0"}  # the executor process, never the driver

    pipeline_run: PipelineRun = request.getfixturevalue("pipeline_run")  # built meanwhile by the other worker
    for table in (GOLD_CANDIDATES, GOLD_SCORED):
        cluster_rows, local_rows = _table(spark, tmp_path / "cluster", table), _table(spark, pipeline_run.root, table)
        assert local_rows.count() > 0
        assert_approx_df_equality(
            cluster_rows, local_rows, precision=1e-9, ignore_row_order=True, ignore_nullable=True
        )
