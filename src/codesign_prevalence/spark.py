"""The one module that builds a SparkSession.

On Databricks (or wherever a session is already active) the active session is reused and nothing is
added. With ``spark.remote`` set (``sc://host:port``) the session is a Spark Connect client of that server.
Under ``spark-submit`` the driver JVM is spark-submit's: its ``--master``, ``--jars`` and ``--conf``
settings are kept, and only the settings it was not given are added (see :func:`_session_under_spark_submit`).
Locally a session is built with the Delta Lake extension and catalog, UTC time, and sizes from
configuration; Delta's jars are loaded from a local cache that ``python -m codesign_prevalence.spark
fetch-jars`` (run by the setup step) fills from Maven Central once, so that job runs need no network.
When the tables are catalog tables (``storage.catalog``), a local session keeps its catalog in a Hive metastore
(Derby) and a warehouse under the storage root, so that the tables persist between runs
(:func:`local_catalog_settings`).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
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


# ``spark.fast_start``: for a process that runs one short command on a small input (a daily run of a small
# fleet, a test), the JVM's warm-up costs more than the rows. The C1 JIT compiler alone warms up with a fraction
# of the CPU the tiered C2 compiler spends (its code is slower once a JVM has run for a while), and needs a code
# cache larger than its 48 MB default, which Spark's generated classes fill; whole-stage code generation (a Janino
# compile per plan) costs more than it saves on a few thousand rows, and so does the code generated per expression
# (projections, predicates, orderings: Spark's interpreted implementations of the same expressions run instead,
# ``spark.sql.codegen.factoryMode=NO_CODEGEN``; Janino's compiles were the largest single share of a warm
# ``features`` run's driver samples). None of these changes a result (benchmarks/README.md, "The fixed cost
# again, session 8" and "Session 15").
FAST_START_JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=256m"
CODEGEN_FACTORY_MODE = "spark.sql.codegen.factoryMode"  # NO_CODEGEN: interpreted expressions, nothing compiled
FAST_START_SETTINGS = {"spark.sql.codegen.wholeStage": "false", CODEGEN_FACTORY_MODE: "NO_CODEGEN"}
# Without ``spark.fast_start``: the tiered JIT compiles a method once it has run 10x as often as the JVM's default
# thresholds. A stage of the job runs hundreds of short queries, each with its own generated classes, and the C2
# compiler spent about half of the JVM's CPU on a small fleet compiling code that ran a few thousand times; code
# that runs per row of a large input crosses the raised thresholds within milliseconds all the same
# (benchmarks/README.md, "Session 10").
JIT_THRESHOLD_OPTIONS = "-XX:CompileThresholdScaling=10"

# Settings a spark-submit run keeps from its own command line: the JVM already runs with them.
_SUBMIT_DECIDES = ("spark.master", "spark.driver.memory", "spark.driver.extraJavaOptions")


def _java_options(config: SparkConfig, options: str) -> str:
    """``options``, and the fast-start JIT options when ``spark.fast_start`` is on (else the raised JIT
    thresholds)."""
    return f"{options} {FAST_START_JVM_OPTIONS if config.fast_start is True else JIT_THRESHOLD_OPTIONS}"


def local_bytes(paths: Iterable[str | Path], stop_above: int | None = None) -> int | None:
    """The bytes of the files at ``paths`` (files, folders walked whole, or glob patterns) on this machine; None
    when one of them names nothing here (a URL, a pattern matching nothing). With ``stop_above``, the count stops
    as soon as it passes that many (a large lakehouse is not walked whole to learn that it is large)."""
    total = 0
    for path in paths:
        matches = [Path(path)] if Path(path).exists() else [Path(match) for match in glob.glob(str(path))]
        if not matches:
            return None
        for match in matches:
            folders = [(str(match.parent), [], [match.name])] if match.is_file() else os.walk(match)
            for folder, _, names in folders:
                total += sum((Path(folder) / name).stat().st_size for name in names)
                if stop_above is not None and total > stop_above:
                    return total
    return total


def resolve_fast_start(config: SparkConfig, reads: Callable[[], Iterable[str | Path] | None]) -> SparkConfig:
    """``config`` with ``spark.fast_start`` decided. "auto" is on for a session this process starts on a local
    master when the files the command reads (``reads()``: None when they are not all local paths) hold at most
    ``spark.fast_start_max_mb``; off under spark-submit, on Databricks, with Spark Connect or a cluster master,
    whose JVMs this process does not start. Up to that size the fast-start JVM was as fast or faster than the
    default one on every stage measured (benchmarks/README.md, "Session 17")."""
    if config.fast_start != "auto":
        return config
    local = config.master.startswith("local[") or config.master == "local"
    if not local or config.remote or _running_on_databricks() or _launched_by_spark_submit():
        return config.model_copy(update={"fast_start": False})
    paths = reads()
    limit = config.fast_start_max_mb * 1024 * 1024
    size = None if paths is None else local_bytes(paths, stop_above=limit)
    fast = size is not None and size <= limit
    return config.model_copy(update={"fast_start": fast})


def driver_java_options(config: SparkConfig) -> str:
    """The driver JVM's options: UTC, the project's log4j configuration, the fast-start JIT options (or the
    raised JIT thresholds), and the class archive when the setup step built one (:func:`class_archive_options`)."""
    options = _driver_options_without_archive(config)
    archive = class_archive_options()
    return f"{options} {archive}" if archive else options


def _driver_options_without_archive(config: SparkConfig) -> str:
    return _java_options(config, f"-Duser.timezone=UTC -Dlog4j.configurationFile={LOG4J_CONFIG}")


# A class-data-sharing archive (JDK 17's dynamic AppCDS) of the classes a job's driver JVM loads: Spark's, Delta's,
# Hadoop's, parsed and verified once by the setup step (``python -m codesign_prevalence.spark archive-classes``)
# and mapped by every later JVM instead of loaded from the jars. It saves a fresh process several seconds of
# start-up (benchmarks/README.md, "Session 14"). The JVM itself checks that the archive matches its own build
# and class path, and uses it only then; ``VerifySharedSpaces`` checks its content. A truncated archive is what
# JDK 17 does not survive, so its size is recorded beside it and an archive of another size is not used.
CLASS_ARCHIVE_QUIET = "-Xshare:auto -XX:+VerifySharedSpaces -Xlog:cds=off,cds+dynamic=off"


def class_archive() -> Path:
    """Where the setup step keeps the class archive (per pyspark version, beside the jar cache)."""
    return default_cache_dir() / "jvm" / f"pyspark-{version('pyspark')}.jsa"


def _beside(archive: Path, suffix: str) -> Path:
    """A file kept beside the archive: ``.size`` (its size as written), ``.partial`` (being written),
    ``.failed`` (this machine's JVM could not write one)."""
    return archive.with_name(archive.name + suffix)


def class_archive_options() -> str:
    """The driver JVM options that map the class archive, or "" when there is none (or it is not whole)."""
    archive = class_archive()
    try:
        whole = archive.stat().st_size == int(_beside(archive, ".size").read_text().strip())
    except (OSError, ValueError):
        return ""
    if not whole or any(character.isspace() for character in str(archive)):  # Spark splits options on spaces
        return ""
    return f"-XX:SharedArchiveFile={archive} {CLASS_ARCHIVE_QUIET}"


def build_class_archive(config: SparkConfig, workload: Callable[[SparkSession], None]) -> Path | None:
    """Build the class archive (unless there is one) from a JVM that runs ``workload`` and exits; return it,
    or None when the JVM could not write a usable one (the jobs then run without it)."""
    archive = class_archive()
    if class_archive_options():
        return archive
    archive.parent.mkdir(parents=True, exist_ok=True)
    partial = _beside(archive, ".partial")
    partial.unlink(missing_ok=True)
    options = f"{_driver_options_without_archive(config)} -XX:ArchiveClassesAtExit={partial} {CLASS_ARCHIVE_QUIET}"
    dumping = config.model_copy(update={"extra": {**config.extra, "spark.driver.extraJavaOptions": options}})
    session = get_spark(dumping)
    gateway_process = getattr(SparkContext._gateway, "proc", None)
    if gateway_process is None:  # not a JVM this process started: nothing to archive
        return None
    try:
        workload(session)
    finally:
        # The JVM writes the archive as it exits: stop the session, close the JVM's stdin, wait for it.
        session.stop()
        SparkContext._gateway.shutdown()  # type: ignore[union-attr]
        SparkContext._gateway = None
        SparkContext._jvm = None
        gateway_process.stdin.close()
        exit_code = gateway_process.wait(timeout=600)
    if exit_code != 0 or not partial.is_file():  # a JVM that did not exit cleanly may have left a partial archive
        partial.unlink(missing_ok=True)
        return None
    size = partial.stat().st_size
    partial.replace(archive)
    _beside(archive, ".size").write_text(f"{size}\n")
    return archive


def session_settings(config: SparkConfig, jars: list[Path]) -> dict[str, str]:
    """Every setting of a session this module builds (Delta, UTC, sizes, ``spark.fast_start``, then
    ``spark.extra``)."""
    settings = {
        "spark.master": config.master,
        "spark.app.name": config.app_name,
        "spark.jars": ",".join(str(jar) for jar in jars),
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.sql.session.timeZone": "UTC",
        "spark.driver.extraJavaOptions": driver_java_options(config),
        "spark.executor.extraJavaOptions": _java_options(config, "-Duser.timezone=UTC"),
        "spark.sql.shuffle.partitions": str(config.shuffle_partitions),
        "spark.driver.memory": config.driver_memory,
        "spark.ui.enabled": str(config.ui_enabled).lower(),
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.databricks.delta.snapshotPartitions": "2",
        "spark.databricks.delta.schema.autoMerge.enabled": "false",
        # PySpark's DataFrame call-site capture: 5 JVM round trips (~1.5 ms) for every DataFrame method and
        # column function the driver calls, ~1,100 of them to plan one features run; the origins it records
        # only decorate Spark's own error messages, which this job turns into one-line ones.
        "spark.python.sql.dataFrameDebugging.enabled": "false",
        **(FAST_START_SETTINGS if config.fast_start is True else {}),
    }
    settings.update(config.extra)
    return settings


def local_catalog_settings(root: Path) -> dict[str, str]:
    """A session catalog that persists between processes, under ``root``: Spark's built-in Hive metastore
    client on an embedded Derby database (``root/metastore_db``) and managed tables in ``root/warehouse``.
    One process at a time opens an embedded Derby database."""
    return {
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": str(root / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={root / 'metastore_db'};create=true",
        "spark.hadoop.hive.metastore.schema.verification": "false",
        "spark.hadoop.datanucleus.schema.autoCreateAll": "true",
    }


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


def get_spark(config: SparkConfig, catalog_root: Path | None = None) -> SparkSession:
    """The active session if there is one; a Spark Connect session with ``spark.remote``; else a local session
    with Delta, UTC and configured sizes (and, given ``catalog_root``, a persistent local catalog under it)."""
    if config.remote:
        return _connect_session(config, config.remote)
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
    settings = session_settings(config, jars)
    if catalog_root is not None:
        settings = {**settings, **local_catalog_settings(catalog_root), **config.extra}
        settings["spark.driver.extraJavaOptions"] += f" -Dderby.system.home={catalog_root}"
    builder = SparkSession.builder
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel(config.log_level)  # classic: a local session this process started
    return session


def _connect_session(config: SparkConfig, url: str) -> SparkSession:
    """A Spark Connect client session of ``spark.remote``; the server decides Delta, jars and sizes, the client
    sets only what is per session (UTC, Arrow, shuffle partitions, ``spark.extra``)."""
    try:
        session = SparkSession.builder.remote(url).getOrCreate()
    except Exception as exc:  # a missing client package or an unreachable server: one line, not a traceback
        raise UserError(f"cannot open a Spark Connect session at {url}: {exc}".splitlines()[0]) from None
    per_session = {
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": str(config.shuffle_partitions),
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        **config.extra,
    }
    for key, value in per_session.items():
        try:
            session.conf.set(key, value)
        except Exception as exc:  # a static setting, which only the server's own configuration can hold
            raise UserError(f"cannot set {key} on the Spark Connect session: {exc}".splitlines()[0]) from None
    return session


CONNECT_SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"


def connect_server_command(config: SparkConfig, port: int, host: str = "127.0.0.1") -> list[str]:
    """The command that runs a local Spark Connect server with Delta (pip's pyspark ships the server), for trying
    ``spark.remote`` on one machine: ``python -m codesign_prevalence.spark connect-server [PORT]``."""
    jars = cached_delta_jars(jars_dir(config))
    if not jars:
        raise UserError(f"Delta Lake jars are not in {jars_dir(config)}; run 'make setup' first")
    spark_home = Path(pyspark.__file__).parent
    settings = {
        key: value
        for key, value in session_settings(config, jars).items()
        if key not in {"spark.master", "spark.jars", "spark.driver.memory", "spark.driver.extraJavaOptions"}
    }
    settings["spark.connect.grpc.binding.address"] = host
    settings["spark.connect.grpc.binding.port"] = str(port)
    command = [str(spark_home / "bin" / "spark-submit"), "--master", config.master]
    command += ["--driver-memory", config.driver_memory, "--jars", ",".join(str(jar) for jar in jars)]
    command += ["--driver-java-options", driver_java_options(config)]
    for key, value in settings.items():
        command += ["--conf", f"{key}={value}"]
    return [*command, "--class", CONNECT_SERVER_CLASS, "spark-internal"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def local_connect_server(
    config: SparkConfig, root: Path, log: Path, catalog: bool = True, timeout: float = 180
) -> Iterator[str]:
    """A local Spark Connect server (:func:`connect_server_command`) on a free port, working in ``root``, its output
    appended to ``log``: yields its ``sc://`` URL once it listens, and stops it on leaving. With ``catalog``, its
    session catalog is a Hive metastore with a warehouse under ``root`` (:func:`local_catalog_settings`), which a
    later server on the same ``root`` finds again. For the tests and the benchmarks; raises RuntimeError when the
    server exits, or does not listen within ``timeout`` seconds."""
    port = _free_port()
    command = connect_server_command(config, port)
    if catalog:
        for key, value in local_catalog_settings(root).items():
            command[-3:-3] = ["--conf", f"{key}={value}"]  # before "--class <server> spark-internal"
    environment = {**os.environ, "PYSPARK_PYTHON": sys.executable, "SPARK_HOME": str(Path(command[0]).parents[1])}
    environment["SPARK_SUBMIT_OPTS"] = f"-Dderby.system.home={root}"
    with log.open("ab") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=environment, cwd=root)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the Connect server exited: {log.read_text(errors='replace')[-3000:]}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Connect server did not listen within {timeout:.0f} s")
            time.sleep(0.5)
        yield f"sc://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _archive_workload(spark: SparkSession) -> None:
    """What the class archive is made from: the ingest and the features on a tiny generated fleet, in this
    session (the stages that load most of Spark's and Delta's classes); the ingest twice, as the first ingest
    creates bronze by its write and a later one merges into it."""
    from codesign_prevalence.cli import main as cli  # the CLI imports this module

    with tempfile.TemporaryDirectory(prefix="codesign-prevalence-archive-") as scratch:
        fleet, root = Path(scratch) / "fleet", Path(scratch) / "lakehouse"
        quiet = ["--quiet"]
        cli([*quiet, "generate", "--out", str(fleet), "--hosts", "6", "--days", "2", "--seed", "1"])
        for _ in range(2):
            cli([*quiet, "--set", f"storage.root={root}", "ingest", "--input", str(fleet / "events.ndjson.gz")])
        cli([*quiet, "--set", f"storage.root={root}", "features"])


def main(argv: list[str]) -> int:
    if argv[:1] == ["connect-server"]:
        port = int(argv[1]) if len(argv) > 1 else 15002
        command = connect_server_command(SparkConfig(), port)
        os.environ.setdefault("SPARK_HOME", str(Path(pyspark.__file__).parent))
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        print(f"Spark Connect server on sc://127.0.0.1:{port} (Ctrl-C stops it)", file=sys.stderr)
        os.execv(command[0], command)
    if argv[:1] == ["archive-classes"]:
        failed = _beside(class_archive(), ".failed")
        if failed.is_file():  # this machine's JVM could not make one: not tried again
            return 0
        try:
            archive = build_class_archive(SparkConfig(), _archive_workload)
        except Exception as exc:  # optional: whatever fails here leaves the jobs as they were, once and for all
            print(f"class archive: {type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
            archive = None
        if archive is None:
            failed.parent.mkdir(parents=True, exist_ok=True)
            failed.touch()
        print(f"class archive: {archive}" if archive else "class archive: none (the JVM could not write one)")
        return 0
    if argv[:1] != ["fetch-jars"]:
        print(
            "usage: python -m codesign_prevalence.spark fetch-jars [DIR] | archive-classes | connect-server [PORT]",
            file=sys.stderr,
        )
        return 2
    target = Path(argv[1]) if len(argv) > 1 else default_cache_dir() / "jars"
    jars = fetch_delta_jars(target)
    print(f"Delta Lake jars ready in {target} ({len(jars)} jars)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
