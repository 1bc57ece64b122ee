"""The one module that builds a SparkSession.

On Databricks (or wherever a session is already active) the active session is reused and nothing is
added. Under ``spark-submit`` the driver JVM is spark-submit's: its ``--master``, ``--jars`` and ``--conf``
settings are kept, and only the settings it was not given are added (see :func:`_session_under_spark_submit`).
Locally a session is built with the Delta Lake extension and catalog, UTC time, and sizes from
configuration; Delta's jars are loaded from a local cache that ``python -m codesign_prevalence.spark
fetch-jars`` (run by the setup step) fills from Maven Central once, so that job runs need no network.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

import pyspark
from pyspark import SparkConf, SparkContext
from pyspark.errors import PySparkNotImplementedError
from pyspark.sql import SparkSession

from codesign_prevalence.config import SparkConfig
from codesign_prevalence.errors import UserError

SCALA_BINARY_VERSION = "2.13"
CACHE_ENV_VAR = "CODESIGN_PREVALENCE_CACHE"
LOG4J_CONFIG = Path(__file__).with_name("log4j2.properties")


def delta_maven_coordinates() -> str:
    """The Maven coordinates of the Delta jar that matches the installed ``delta-spark`` package."""
    return f"io.delta:delta-spark_{SCALA_BINARY_VERSION}:{version('delta-spark')}"


def default_cache_dir() -> Path:
    """Where the jars live: ``$CODESIGN_PREVALENCE_CACHE``, else ``.cache`` in a source checkout, else ~/.cache."""
    from_env = os.environ.get(CACHE_ENV_VAR)
    if from_env:
        return Path(from_env)
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file():
        return checkout / ".cache"
    return Path.home() / ".cache" / "codesign-prevalence"


def jars_dir(config: SparkConfig) -> Path:
    return Path(config.jars_dir) if config.jars_dir else default_cache_dir() / "jars"


def cached_delta_jars(directory: Path) -> list[Path]:
    """The cached jars, or an empty list when the matching delta-spark jar is not there."""
    wanted = f"io.delta_delta-spark_{SCALA_BINARY_VERSION}-{version('delta-spark')}.jar"
    if not (directory / wanted).is_file():
        return []
    return sorted(directory.glob("*.jar"))


def fetch_delta_jars(directory: Path) -> list[Path]:
    """Resolve Delta's jars with Spark's own resolver (Ivy) and copy them into ``directory``."""
    existing = cached_delta_jars(directory)
    if existing:
        return existing
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ivy-") as ivy_home:
        session = (
            SparkSession.builder.master("local[1]")
            .appName("codesign-prevalence-fetch-jars")
            .config("spark.jars.packages", delta_maven_coordinates())
            .config("spark.jars.ivy", ivy_home)
            .config("spark.ui.enabled", "false")
            .getOrCreate()
        )
        session.stop()
        for jar in Path(ivy_home, "jars").glob("*.jar"):
            shutil.copy2(jar, directory / jar.name)
    jars = cached_delta_jars(directory)
    if not jars:
        raise UserError(f"could not fetch {delta_maven_coordinates()} from Maven Central into {directory}")
    return jars


def _running_on_databricks() -> bool:
    return "DATABRICKS_RUNTIME_VERSION" in os.environ


def _launched_by_spark_submit() -> bool:
    """Python started by spark-submit (or the pyspark shell) talks to a JVM that is already running."""
    return "PYSPARK_GATEWAY_PORT" in os.environ and SparkContext._active_spark_context is None


# Settings a spark-submit run keeps from its own command line: the JVM already runs with them.
_SUBMIT_DECIDES = ("spark.master", "spark.driver.memory", "spark.driver.extraJavaOptions")


def session_settings(config: SparkConfig, jars: list[Path]) -> dict[str, str]:
    """Every setting of a session this module builds (Delta, UTC, sizes, then ``spark.extra``)."""
    settings = {
        "spark.master": config.master,
        "spark.app.name": config.app_name,
        "spark.jars": ",".join(str(jar) for jar in jars),
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.sql.session.timeZone": "UTC",
        "spark.driver.extraJavaOptions": f"-Duser.timezone=UTC -Dlog4j.configurationFile={LOG4J_CONFIG}",
        "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
        "spark.sql.shuffle.partitions": str(config.shuffle_partitions),
        "spark.driver.memory": config.driver_memory,
        "spark.ui.enabled": str(config.ui_enabled).lower(),
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.databricks.delta.snapshotPartitions": "2",
        "spark.databricks.delta.schema.autoMerge.enabled": "false",
    }
    settings.update(config.extra)
    return settings


def _session_under_spark_submit(config: SparkConfig) -> SparkSession:
    """A session on spark-submit's JVM: what spark-submit was given wins; the rest comes from
    :func:`session_settings`. Delta's jars must be on that JVM's class path (``--jars``, or ``--packages``);
    when ``--jars`` was not given the cached jars are added as ``spark.jars`` for the executors."""
    SparkContext._ensure_initialized()
    submitted = SparkConf()  # loads the spark.* properties spark-submit set on its JVM
    builder = SparkSession.builder
    for key, value in session_settings(config, cached_delta_jars(jars_dir(config))).items():
        if key in _SUBMIT_DECIDES or submitted.contains(key) or (key == "spark.jars" and not value):
            continue
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel(config.log_level)  # classic: a session on spark-submit's own JVM
    return session


def classic_context(spark: SparkSession) -> SparkContext | None:
    """The SparkContext behind a classic session; None under Spark Connect, whose sessions have none."""
    try:
        return spark.sparkContext
    except (PySparkNotImplementedError, AttributeError):
        return None


def default_parallelism(spark: SparkSession) -> int:
    """How many tasks keep the cluster busy: the SparkContext's figure on a classic session; under Spark Connect
    (no SparkContext) ``spark.default.parallelism`` if the session sets it, else ``spark.sql.shuffle.partitions``."""
    context = classic_context(spark)
    if context is not None:
        return int(context.defaultParallelism)
    configured = spark.conf.get("spark.default.parallelism", None) or spark.conf.get("spark.sql.shuffle.partitions")
    return max(1, int(configured or 1))


def get_spark(config: SparkConfig) -> SparkSession:
    """The active session if there is one, else a local session with Delta, UTC and configured sizes."""
    active = SparkSession.getActiveSession()
    if active is not None or _running_on_databricks():
        return active or SparkSession.builder.getOrCreate()
    if _launched_by_spark_submit():
        return _session_under_spark_submit(config)
    jars = cached_delta_jars(jars_dir(config))
    if not jars:
        raise UserError(
            f"Delta Lake jars are not in {jars_dir(config)}; run 'make setup' "
            "(or 'python -m codesign_prevalence.spark fetch-jars') once with network access"
        )
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if config.master.startswith("local-cluster"):
        # Separate executor JVMs on this machine: their launcher needs a Spark home; pip's pyspark is one.
        os.environ.setdefault("SPARK_HOME", str(Path(pyspark.__file__).parent))
    builder = SparkSession.builder
    for key, value in session_settings(config, jars).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel(config.log_level)  # classic: a local session this process started
    return session


def main(argv: list[str]) -> int:
    if argv[:1] != ["fetch-jars"]:
        print("usage: python -m codesign_prevalence.spark fetch-jars [DIR]", file=sys.stderr)
        return 2
    target = Path(argv[1]) if len(argv) > 1 else default_cache_dir() / "jars"
    jars = fetch_delta_jars(target)
    print(f"Delta Lake jars ready in {target} ({len(jars)} jars)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
