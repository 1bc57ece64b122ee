"""One SparkSession for the whole test run: local[2], two shuffle partitions, UTC, UI off, Delta on.

Adaptive query execution is off in the tests' session: with two shuffle partitions it has nothing to coalesce,
and it re-plans the query at every shuffle boundary and runs each shuffle stage as a job of its own: on the suite's
small tables that is driver time spent for nothing (benchmarks/README.md, "The test suite's wall time (session 11)").
The job itself keeps Spark's default (on), and so do the JVMs the suite starts in subprocesses (spark-submit, the
Spark Connect server, the crash and concurrency runs), which therefore still run the default plans end to end.
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
