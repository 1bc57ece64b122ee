"""Features speed: Spark's `features` stage beside DuckDB's equivalent prevalence aggregation, same bronze data.

    .venv/bin/python benchmarks/bench_features.py [--events 10000000] [--small 1000000] [--keep DIR]

For each size (``--small`` first, for the growth figure, unless it is 0; then ``--events``) the script
generates a fleet with the simulator, ingests it with ``ingest_files`` into a fresh lakehouse, and times:

- ``spark_features``: the whole ``features`` job (``jobs.features.run``): the seed rule, normalisation, the
  per-(host, binary) aggregate and every prevalence table and candidate feature, written to four Delta tables;
- ``duckdb_prevalence``: DuckDB on the same bronze Parquet files (the Delta table's active files, read from
  its log) computing the core prevalence aggregation, per (host, binary), then per hash (distinct hosts,
  executions, first seen), per signer (distinct hosts and hashes) joined back per binary, written to Parquet;
- ``spark_prevalence``: the same core aggregation in Spark (the engine-to-engine comparison).

Both engines use 2 threads; the Spark session (``local[2]``, 8g driver) is warmed up on a tiny fleet first,
as it would be in a scheduled job that runs several stages. Prints one JSON document with wall and CPU
seconds (the JVM's for Spark, this process's for DuckDB, read around each step), the ratios Spark / DuckDB,
the growth from the small to the large size, and the machine's load average after each size (other
processes on a shared machine slow both engines; CPU seconds are much less sensitive to them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from codesign_prevalence.config import IngestConfig, SparkConfig, load_config
from codesign_prevalence.features.events import window_start
from codesign_prevalence.features.normalize import canonical_signer
from codesign_prevalence.ingest.pipeline import ingest_files
from codesign_prevalence.jobs import features
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.simulator import generate_fleet
from codesign_prevalence.spark import get_spark
from codesign_prevalence.storage import BRONZE_EVENTS, Lakehouse

DAYS = 14
EVENTS_PER_HOST_DAY = 120.0
END = dt.date(2026, 11, 26)
NOW = dt.datetime(2026, 11, 27, 12, 0, 0)
LOOKBACK = 30

# DuckDB's canonical signer: the same folding as features.normalize.canonical_signer for ASCII names.
DUCKDB_PREVALENCE = """
COPY (
  WITH events AS (
    SELECT host_id, sha256, timestamp,
           nullif(trim(regexp_replace(lower(cs_subject_name), '[[:space:][:punct:]]+', ' ', 'g')), '') AS signer
    FROM read_parquet($files, hive_partitioning = true)
    WHERE event_date BETWEEN $first_day AND $as_of
  ),
  host_binary AS (
    SELECT host_id, sha256, signer, count(*) AS executions, min(timestamp) AS first_seen
    FROM events GROUP BY host_id, sha256, signer
  ),
  fleet AS (SELECT count(DISTINCT host_id) AS fleet_hosts FROM host_binary),
  hashes AS (
    SELECT sha256, count(DISTINCT host_id) AS hash_host_count, sum(executions) AS hash_exec_count,
           min(first_seen) AS hash_first_seen
    FROM host_binary GROUP BY sha256
  ),
  signers AS (
    SELECT signer, count(DISTINCT host_id) AS signer_host_count, count(DISTINCT sha256) AS signer_hash_count
    FROM host_binary WHERE signer IS NOT NULL GROUP BY signer
  ),
  binaries AS (
    SELECT sha256, signer, count(*) AS host_count, sum(executions) AS exec_count
    FROM host_binary GROUP BY sha256, signer
  )
  SELECT b.*, h.hash_host_count, h.hash_host_count / f.fleet_hosts AS hash_fleet_fraction,
         h.hash_exec_count, h.hash_first_seen, s.signer_host_count, s.signer_hash_count
  FROM binaries b
  JOIN hashes h USING (sha256)
  LEFT JOIN signers s USING (signer)
  CROSS JOIN fleet f
) TO '{out}' (FORMAT parquet)
"""


def spark_prevalence(bronze: DataFrame, as_of: dt.date) -> DataFrame:
    """The DuckDB query above, in Spark (the engine-to-engine comparison; not the features job)."""
    events = bronze.where(F.col("event_date").between(F.lit(window_start(as_of, LOOKBACK)), F.lit(as_of))).select(
        "host_id", "sha256", "timestamp", canonical_signer(F.col("cs_subject_name")).alias("signer")
    )
    host_binary = (
        events.groupBy("host_id", "sha256", "signer")
        .agg(F.count(F.lit(1)).alias("executions"), F.min("timestamp").alias("first_seen"))
        .cache()  # read by four aggregates below: computed from bronze once, as DuckDB's CTE is
    )
    fleet = host_binary.agg(F.count_distinct("host_id").alias("fleet_hosts"))
    hashes = host_binary.groupBy("sha256").agg(
        F.count_distinct("host_id").alias("hash_host_count"),
        F.sum("executions").alias("hash_exec_count"),
        F.min("first_seen").alias("hash_first_seen"),
    )
    signers = (
        host_binary.where(F.col("signer").isNotNull())
        .groupBy("signer")
        .agg(F.count_distinct("host_id").alias("signer_host_count"),
             F.count_distinct("sha256").alias("signer_hash_count"))
    )
    binaries = host_binary.groupBy("sha256", "signer").agg(
        F.count(F.lit(1)).alias("host_count"), F.sum("executions").alias("exec_count")
    )
    return (
        binaries.join(hashes, on="sha256", how="inner")
        .join(signers, on="signer", how="left")
        .crossJoin(F.broadcast(fleet))
        .withColumn("hash_fleet_fraction", F.col("hash_host_count") / F.col("fleet_hosts"))
    )


def _generate_and_ingest(spark: SparkSession, directory: Path, events: int, parts: int) -> dict[str, Any]:
    """The fleet is generated as ``parts`` sub-fleets (seeds 42, 43, ...), one file each, so that the ingest
    reads files in parallel as it would a fleet's daily or per-shipper exports."""
    hosts = max(1, round(events / (EVENTS_PER_HOST_DAY * DAYS)))
    started = time.monotonic()
    files = []
    for part in range(parts):
        fleet_dir = directory / f"fleet-{part}"
        if not (fleet_dir / "events.ndjson.gz").is_file():
            generate_fleet(fleet_dir, hosts=max(1, hosts // parts), days=DAYS, seed=42 + part, end_date=END,
                           events_per_host_day=EVENTS_PER_HOST_DAY)
        files.append(str(fleet_dir / "events.ndjson.gz"))
    generated = time.monotonic() - started
    lakehouse = Lakehouse(directory / "lake")
    started = time.monotonic()
    if not lakehouse.exists(spark, BRONZE_EVENTS):
        ingest_files(spark, lakehouse, files, IngestConfig(), now=NOW)
    ingested = time.monotonic() - started
    bronze_rows = lakehouse.read(spark, BRONZE_EVENTS).count()
    return {"hosts": hosts, "bronze_events": bronze_rows, "generate_seconds": round(generated, 1),
            "ingest_seconds": round(ingested, 1)}


class Clock:
    """Wall seconds and CPU seconds of one engine (the JVM's process for Spark, this process for DuckDB).

    On a shared machine the wall time grows with other processes' load; the CPU time much less.
    """

    def __init__(self, pid: int | None = None) -> None:
        self.pid = pid

    def _cpu(self) -> float:
        if self.pid is None:
            return time.process_time()
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.monotonic(), self._cpu()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall, self.cpu = time.monotonic() - self.wall, self._cpu() - self.cpu


def _jvm_pid(spark: SparkSession) -> int:
    return int(spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid())  # type: ignore[union-attr]


def _time_features(spark: SparkSession, lake: Path) -> tuple[Clock, dict[str, object]]:
    context = JobContext(load_config(None, [f"storage.root={lake}"]), verbosity=0, _spark=spark)
    with Clock(_jvm_pid(spark)) as clock:
        report = features.run(context, None)
    return clock, report.as_dict()


def _time_duckdb(spark: SparkSession, lake: Path, as_of: dt.date, out: Path) -> Clock:
    files = sorted(DeltaTable.forPath(spark, str(lake / BRONZE_EVENTS)).toDF().inputFiles())
    with Clock() as clock:
        connection = duckdb.connect()
        connection.execute("SET threads = 2")
        connection.execute(
            DUCKDB_PREVALENCE.format(out=str(out)),
            {"files": files, "first_day": window_start(as_of, LOOKBACK), "as_of": as_of},
        )
        connection.close()
    return clock


def _time_spark_prevalence(spark: SparkSession, lake: Path, as_of: dt.date, out: Path) -> Clock:
    with Clock(_jvm_pid(spark)) as clock:
        bronze = spark.read.format("delta").load(str(lake / BRONZE_EVENTS))
        spark_prevalence(bronze, as_of).write.mode("overwrite").parquet(str(out))
    return clock


def _measure(spark: SparkSession, directory: Path, events: int, parts: int) -> dict[str, Any]:
    result = _generate_and_ingest(spark, directory, events, parts)
    lake = directory / "lake"
    spark_clock, report = _time_features(spark, lake)
    as_of = dt.date.fromisoformat(str(report["as_of"]))
    duck = _time_duckdb(spark, lake, as_of, directory / "duckdb_prevalence.parquet")
    core = _time_spark_prevalence(spark, lake, as_of, directory / "spark_prevalence.parquet")
    result.update(
        spark_features_seconds=round(spark_clock.wall, 1),
        spark_features_cpu_seconds=round(spark_clock.cpu, 1),
        duckdb_prevalence_seconds=round(duck.wall, 2),
        duckdb_prevalence_cpu_seconds=round(duck.cpu, 2),
        spark_prevalence_seconds=round(core.wall, 1),
        spark_prevalence_cpu_seconds=round(core.cpu, 1),
        features_over_duckdb=round(spark_clock.wall / duck.wall, 1),
        features_over_duckdb_cpu=round(spark_clock.cpu / max(duck.cpu, 0.01), 1),
        spark_prevalence_over_duckdb=round(core.wall / duck.wall, 1),
        load_average_after=os.getloadavg(),
        features_report=report,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--small", type=int, default=1_000_000, help="a smaller size for the growth figure (0: skip)")
    parser.add_argument("--shuffle-partitions", type=int, default=8)
    parser.add_argument("--parts", type=int, default=4, help="input files (sub-fleets) per size")
    parser.add_argument("--keep", type=Path, default=None, help="keep generated input and lakehouses here for reruns")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-features-"))
    try:
        spark_config = SparkConfig(master="local[2]", driver_memory="8g", shuffle_partitions=args.shuffle_partitions)
        spark = get_spark(spark_config)
        warm = work / "warm"
        generate_fleet(warm / "fleet", hosts=10, days=2, seed=1, end_date=END)
        ingest_files(spark, Lakehouse(warm / "lake"), [str(warm / "fleet" / "events.ndjson.gz")], IngestConfig(),
                     now=NOW)
        _time_features(spark, warm / "lake")

        sizes = [size for size in (args.small, args.events) if size > 0]
        results = {f"{size}": _measure(spark, work / f"events-{size}", size, args.parts) for size in sizes}
        summary: dict[str, Any] = {"sizes": results, "cpu_count": os.cpu_count()}
        if len(sizes) == 2:
            small, large = (results[f"{size}"] for size in sizes)
            summary["growth"] = {
                "events_ratio": round(large["bronze_events"] / small["bronze_events"], 2),
                "spark_features_ratio": round(large["spark_features_seconds"] / small["spark_features_seconds"], 2),
                "spark_features_cpu_ratio": round(
                    large["spark_features_cpu_seconds"] / small["spark_features_cpu_seconds"], 2
                ),
                "duckdb_ratio": round(large["duckdb_prevalence_seconds"] / small["duckdb_prevalence_seconds"], 2),
            }
        print(json.dumps(summary, indent=2, default=str))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
