"""One SparkSession for the whole test run: local[2], two shuffle partitions, UTC, UI off, Delta on.

Adaptive query execution is off in the tests' session: with two shuffle partitions it has nothing to coalesce,
and it re-plans the query at every shuffle boundary and runs each shuffle stage as a job of its own: on the suite's
small tables that is driver time spent for nothing (benchmarks/README.md, "The test suite's wall time (session 11)").
The job itself keeps Spark's default (on), and so do the JVMs the suite starts in subprocesses (spark-submit, the
Spark Connect server, the crash and concurrency runs), which therefore still run the default plans end to end.

The README test command runs the suite in two pytest-xdist workers (``-n 2 --dist loadgroup``, scripts/test.sh):
much of a test's time on this machine is one thread planning and scheduling small Spark jobs, or a subprocess
JVM starting, so a second worker fills the second core. Each worker has its own session (and JVM). Tests are
grouped by file, so that a file's module fixtures are built once, and every file that reads the shared pipeline
run (``pipeline_run``) is in one group, so that it is built once (:func:`pytest_collection_modifyitems`). Run
without ``-n``, the suite is the same tests in one process.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from codesign_prevalence.config import SparkConfig
from codesign_prevalence.spark import get_spark
from pipeline_helpers import PipelineRun, build_pipeline

SHARED_SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"


PIPELINE_GROUP = "pipeline-run"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put every test in an xdist group: its file's, or :data:`PIPELINE_GROUP` for every test of a file in
    which any test reads ``pipeline_run`` (the session fixture that costs a minute: one worker builds it)."""
    pipeline_files = {item.path for item in items if "pipeline_run" in getattr(item, "fixturenames", ())}
    for item in items:
        group = PIPELINE_GROUP if item.path in pipeline_files else item.path.name
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    os.environ.setdefault("PYARROW_IGNORE_TIMEZONE", "1")
    session = get_spark(
        SparkConfig(
            master="local[2]",
            app_name="codesign-prevalence-tests",
            driver_memory="2g",
            shuffle_partitions=2,
            extra={
                "spark.default.parallelism": "2",
                "spark.databricks.delta.snapshotPartitions": "1",
                "spark.sql.adaptive.enabled": "false",
                # Catalog tables of the tests (storage.catalog) live in a temporary warehouse, not the checkout.
                "spark.sql.warehouse.dir": tempfile.mkdtemp(prefix="codesign-warehouse-"),
            },
        )
    )
    yield session
    session.stop()


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """../shared/samples beside the checkout; tests that need it skip when it is absent (a user's clone)."""
    if not SHARED_SAMPLES.is_dir():
        pytest.skip("../shared/samples is not present beside this checkout")
    return SHARED_SAMPLES


@pytest.fixture(scope="session")
def pipeline_run(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    """The one end-to-end run on a small generated fleet plus hostile events (tests/pipeline_helpers.py).

    Read its lakehouse only; a test that writes works on ``pipeline_helpers.copy_lake(pipeline_run.root, ...)``.
    """
    return build_pipeline(tmp_path_factory.mktemp("pipeline"))
