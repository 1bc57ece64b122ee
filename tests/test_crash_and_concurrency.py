"""Runs killed mid-write and runs at the same time, through the command line in subprocesses.

The reference lakehouse is the session's shared run (``pipeline_run``, tests/pipeline_helpers.py: ingest ->
features -> train -> score on a small generated fleet plus hostile events, in this process). Then:

- crashes: ``ingest``, ``features`` and ``score`` subprocesses are SIGKILLed while their Delta write runs, before
  it commits (the fault is injected from outside: they run through ``tests/crash_entry.py``, which wraps the
  storage layer's writes); the killed write leaves no visible trace, and a rerun leaves the tables equal to the
  reference;
- concurrency: two ``score`` runs on the same as-of, and two ``ingest`` runs of the same files, at once: each
  finishes or fails with one line, and the tables hold no duplicate row and equal the reference.

The reference is never written: the killed ingest and features and the two ingests start from an empty
lakehouse under ``tmp_path``; the killed score (run beside the killed ingest) and the two scores run on copies of
the reference (``copy_lake``, its MLflow store re-pointed).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from codesign_prevalence.jobs import features, ingest, score, train
from codesign_prevalence.storage import (
    BRONZE_EVENTS,
    BRONZE_QUARANTINE,
    GOLD_CANDIDATES,
    GOLD_FIRST_SEEN,
    GOLD_SCORED,
    SILVER_DAILY_BINARIES,
    SILVER_RULE_MATCHES,
    Lakehouse,
)
from pipeline_helpers import (
    END,
    FAST_START,
    FEATURE_TABLES,
    MODEL_SETTINGS,
    PipelineRun,
    context_for,
    copy_lake,
    embedded_mlflow,
)

SRC = Path(__file__).resolve().parents[1] / "src"
CRASH_ENTRY = Path(__file__).resolve().parent / "crash_entry.py"
SUBPROCESS_SETTINGS = ("spark.master=local[2]", "spark.driver_memory=1g", "spark.shuffle_partitions=2", FAST_START)
# Columns that differ between two runs on the same input by nature (a timestamp of the run, the training run).
RUN_COLUMNS = {
    BRONZE_EVENTS: ("ingested_at",),
    BRONZE_QUARANTINE: ("ingested_at",),
    GOLD_SCORED: ("scored_at", "mlflow_run_id"),
    SILVER_DAILY_BINARIES: ("bronze_version",),  # bronze's versions count its writes, not its rows
    GOLD_FIRST_SEEN: ("hosts",),  # a host sketch's bytes depend on the order of its unions; host_count is kept
}
ROLLUP_TABLES = (SILVER_DAILY_BINARIES, GOLD_FIRST_SEEN)
ALL_TABLES = (BRONZE_EVENTS, BRONZE_QUARANTINE, *ROLLUP_TABLES, *FEATURE_TABLES, GOLD_SCORED)
KEYS = {BRONZE_EVENTS: ("event_id",), GOLD_SCORED: ("sha256", "subject_name", "population", "as_of")}


def table_rows(spark: SparkSession, root: Path, table: str, keep_run_columns: bool = False) -> list[str]:
    frame = spark.read.format("delta").load(str(root / table))
    if not keep_run_columns:
        frame = frame.drop(*RUN_COLUMNS.get(table, ()))
    return sorted(repr(row) for row in frame.collect())


def duplicate_keys(spark: SparkSession, root: Path, table: str) -> int:
    frame = spark.read.format("delta").load(str(root / table))
    return frame.groupBy(*KEYS[table]).count().where(F.col("count") > F.lit(1)).count()


def start_cli(root: Path, *args: str, kill_during_write: str | None = None) -> subprocess.Popen[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    environment["PYTHONPATH"] = os.pathsep.join([str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])])
    entry = [str(CRASH_ENTRY), kill_during_write] if kill_during_write else ["-m", "codesign_prevalence.cli"]
    command = [sys.executable, *entry, "--quiet", "--set", f"storage.root={root}"]
    for setting in (*MODEL_SETTINGS, *SUBPROCESS_SETTINGS):
        command += ["--set", setting]
    return subprocess.Popen(
        [*command, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment,
        start_new_session=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    try:
        _, stderr = process.communicate(timeout=900)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise
    return process.returncode, stderr


def assert_killed(process: subprocess.Popen[str], table: str) -> None:
    code, stderr = finish(process)
    assert code == -signal.SIGKILL, f"expected the run to be killed while writing {table}: {code} {stderr[-2000:]}"


def run_killed(root: Path, table: str, *args: str) -> None:
    assert_killed(start_cli(root, *args, kill_during_write=table), table)


@dataclass(frozen=True)
class Reference:
    inputs: list[str]
    root: Path
    tables: dict[str, list[str]]


@pytest.fixture(scope="module")
def reference(spark: SparkSession, pipeline_run: PipelineRun) -> Iterator[Reference]:
    tables = {table: pipeline_run.rows(spark, table, RUN_COLUMNS.get(table, ())) for table in ALL_TABLES}
    with embedded_mlflow():
        yield Reference(pipeline_run.inputs, pipeline_run.root, tables)


@pytest.mark.slow
@pytest.mark.jvm
def test_runs_killed_mid_write_are_repaired_by_a_rerun(
    spark: SparkSession, reference: Reference, tmp_path: Path
) -> None:
    root, lakehouse = tmp_path / "lake", Lakehouse(tmp_path / "lake")
    context = context_for(spark, root)
    # Killed while scoring again (the MERGE that updates every row) on a copy of the reference, a scored
    # lakehouse like the one the reruns below end with: the table keeps the previous run's rows exactly,
    # scored_at included. It runs beside the killed ingest (one subprocess JVM's wait fewer); its lakehouse is
    # its own. (A write killed on a table it was to create is the ingest's case: the table is not there.)
    scored_root = copy_lake(reference.root, tmp_path / "scored")
    scored_before = table_rows(spark, scored_root, GOLD_SCORED, keep_run_columns=True)
    killed_score = start_cli(scored_root, "score", "--as-of", END.isoformat(), kill_during_write=GOLD_SCORED)
    try:
        run_killed(root, BRONZE_EVENTS, "ingest", "--input", *reference.inputs)
        assert not lakehouse.exists(spark, BRONZE_EVENTS)  # the killed write, bronze's first commit, never committed
        ingest.run(context, reference.inputs)
        for table in (BRONZE_EVENTS, BRONZE_QUARANTINE):
            assert table_rows(spark, root, table) == reference.tables[table], table
    finally:
        assert_killed(killed_score, GOLD_SCORED)
    assert table_rows(spark, scored_root, GOLD_SCORED, keep_run_columns=True) == scored_before

    # Killed while merging the rolled days into gold/first_seen: the rollup is written after it, so the next run
    # rolls those days again (were the rollup written first, no later run would bring them into first_seen).
    run_killed(root, GOLD_FIRST_SEEN, "features", "--as-of", END.isoformat())
    assert not lakehouse.exists(spark, SILVER_DAILY_BINARIES)
    run_killed(root, GOLD_CANDIDATES, "features", "--as-of", END.isoformat())
    assert not lakehouse.exists(spark, GOLD_CANDIDATES)  # the last of the four writes; the others committed
    assert table_rows(spark, root, SILVER_RULE_MATCHES) == reference.tables[SILVER_RULE_MATCHES]
    features.run(context, END)
    for table in (*ROLLUP_TABLES, *FEATURE_TABLES):
        assert table_rows(spark, root, table) == reference.tables[table], table

    train.run(context, END)
    score.run(context, END, "champion")
    assert table_rows(spark, root, GOLD_SCORED) == reference.tables[GOLD_SCORED]


def _assert_finished_or_one_line(code: int, stderr: str) -> None:
    if code == 0:
        return
    # The JVM's own start-up lines (log level, incubator modules) are not ours; the rest is one error line.
    errors = [line for line in stderr.splitlines() if line.startswith("codesign-prevalence: ")]
    assert "Traceback" not in stderr and len(errors) == 1 and "error: " in errors[0], stderr[-3000:]


@pytest.mark.slow
@pytest.mark.jvm
def test_two_scores_at_once(spark: SparkSession, reference: Reference, tmp_path: Path) -> None:
    root = copy_lake(reference.root, tmp_path / "lake")
    runs = [start_cli(root, "score", "--as-of", END.isoformat()) for _ in range(2)]
    results = [finish(run) for run in runs]
    for code, stderr in results:
        _assert_finished_or_one_line(code, stderr)
        # The JVM logs through the project's log4j2.properties: no Spark shell banner on a command's stderr.
        assert "Setting default log level" not in stderr, stderr[-2000:]
    assert any(code == 0 for code, _ in results), results
    assert duplicate_keys(spark, root, GOLD_SCORED) == 0
    assert table_rows(spark, root, GOLD_SCORED) == reference.tables[GOLD_SCORED]


@pytest.mark.slow
@pytest.mark.jvm
def test_two_ingests_at_once(spark: SparkSession, reference: Reference, tmp_path: Path) -> None:
    root = tmp_path / "lake"
    runs = [start_cli(root, "ingest", "--input", *reference.inputs) for _ in range(2)]
    results = [finish(run) for run in runs]
    for code, stderr in results:
        _assert_finished_or_one_line(code, stderr)
    assert any(code == 0 for code, _ in results), results
    assert duplicate_keys(spark, root, BRONZE_EVENTS) == 0
    for table in (BRONZE_EVENTS, BRONZE_QUARANTINE):
        assert table_rows(spark, root, table) == reference.tables[table], table
