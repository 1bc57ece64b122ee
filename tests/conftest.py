"""One SparkSession for the whole test run: local[2], two shuffle partitions, UTC, UI off, Delta on.

Adaptive query execution is off in the tests' session: with two shuffle partitions it has nothing to coalesce,
and it re-plans the query at every shuffle boundary and runs each shuffle stage as a job of its own: on the suite's
small tables that is driver time spent for nothing (benchmarks/README.md, "The test suite's wall time (session 11)").
The job itself keeps Spark's default (on), and so do the JVMs the suite starts in subprocesses (spark-submit, the
Spark Connect server, the crash and concurrency runs), which therefore still run the default plans end to end.
The session also runs with ``spark.fast_start``'s Spark settings (no whole-stage code generation, interpreted
expressions), as those JVMs do; the spark-submit test keeps per-expression code generation, the job's default
(benchmarks/README.md, "Session 15").

The README test command runs the suite in two pytest-xdist workers (``-n 2 --dist loadgroup
--no-loadscope-reorder``, scripts/test.sh): much of a test's time on this machine is one thread planning and
scheduling small Spark jobs, or a subprocess JVM starting, so a second worker fills the second core. Each
worker has its own session (and JVM). The tests that start JVMs of their own run in one worker, one
after another, first; the other end-to-end tests go next, so that the longest ones do not start last; other
tests are grouped by file, so that a file's module fixtures are built once
(:func:`pytest_collection_modifyitems`). The shared pipeline run is built once for both workers
(:func:`pipeline_run`). Run without ``-n``, the suite is the same tests in one process.
"""

from __future__ import annotations

import fcntl
import os
import pickle
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from pyspark.sql import SparkSession

from codesign_prevalence.config import SparkConfig
from codesign_prevalence.spark import FAST_START_SETTINGS, get_spark
from pipeline_helpers import PipelineInputs, PipelineRun, build_pipeline, write_pipeline_inputs

T = TypeVar("T")

SHARED_SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"


JVM_GROUP = "subprocess-jvms"


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which reads the groups into the node ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put every test in an xdist group, and the groups in the order they are handed out.

    The tests marked ``jvm`` (each starts Spark JVMs in subprocesses: killed runs, two runs at once, a Spark
    Connect server, spark-submit on a local cluster) are one group, first: one worker runs them one after
    another while the other runs the in-process tests (two of them at once overload two cores), beginning with
    the shared pipeline run, which the first of those tests need only at their end. Then the
    files of the other end-to-end tests (marked ``slow`` or reading the shared pipeline run), then the rest;
    every other test is grouped by its file, so that a file's module fixtures are built once.
    """

    def rank(item: pytest.Item) -> int:
        if item.get_closest_marker("jvm") is not None:
            return 0
        slow = item.get_closest_marker("slow") is not None
        return 1 if slow or "pipeline_run" in getattr(item, "fixturenames", ()) else 2

    file_rank: dict[Path, int] = {}
    for item in items:
        item_rank = rank(item)
        file_rank[item.path] = min(file_rank.get(item.path, 2), item_rank)
        item.add_marker(pytest.mark.xdist_group(JVM_GROUP if item_rank == 0 else item.path.name))
    # Stable: the files' order and each file's tests' order are kept otherwise. Within each rank, the tests that
    # need the shared run from their start go after those that do not: the JVM worker begins with the Spark
    # Connect and spark-submit tests, by whose end the other worker has built the run. (Applying this to the
    # first rank only was tried: 786 s of pytest on a fresh clone against 656 and 662 s; one run.)
    items.sort(key=lambda item: (file_rank[item.path], "pipeline_run" in getattr(item, "fixturenames", ())))


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
                # No code generated and compiled per query: the suite's queries run on a few rows each
                # (spark.fast_start's settings, spark.py).
                **FAST_START_SETTINGS,
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


def _built_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], T]) -> T:
    """``build(folder)``, once per test run: under xdist the first worker that asks builds it in the folder the
    workers' temporary folders share, holding a lock; the other waits for the lock and reads what was built."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return build(factory.mktemp(name))
    shared = factory.getbasetemp().parent
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        built = shared / f"{name}.pickle"
        if built.is_file():  # written by the other worker of this test run
            value: T = pickle.loads(built.read_bytes())
        else:
            value = build(shared / name)
            built.write_bytes(pickle.dumps(value))
    return value


@pytest.fixture(scope="session")
def pipeline_inputs(tmp_path_factory: pytest.TempPathFactory) -> PipelineInputs:
    """The shared run's input files (tests/pipeline_helpers.py), written once: a few seconds, no Spark."""
    return _built_once(tmp_path_factory, "pipeline-inputs", write_pipeline_inputs)


@pytest.fixture(scope="session")
def pipeline_run(
    spark: SparkSession, pipeline_inputs: PipelineInputs, tmp_path_factory: pytest.TempPathFactory
) -> PipelineRun:
    """The one end-to-end run on those inputs (tests/pipeline_helpers.py).

    Read its lakehouse only; a test that writes works on ``pipeline_helpers.copy_lake(pipeline_run.root, ...)``.
    A test that runs the pipeline in JVMs of its own (Spark Connect, spark-submit) asks for ``pipeline_inputs``
    and for this run only when it compares, so that its worker does not wait while the other builds it.
    """
    return _built_once(tmp_path_factory, "pipeline", lambda folder: build_pipeline(folder, pipeline_inputs))
