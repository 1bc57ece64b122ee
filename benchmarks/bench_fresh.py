"""A fresh process's ingest and features, as the stages report them, under each ``spark.fast_start`` setting.

    .venv/bin/python benchmarks/bench_fresh.py [--input FILE ...] [--modes false auto true] [--rounds 2] \
        [--dir DIR] [--in-session N | --floor]

Without ``--input``, generates the small fleet of the issues (``generate --hosts 10 --days 3 --seed 1``, 3,699
lines) under ``--dir``. Each round runs, for each mode in turn, on a new storage root: ``codesign-prevalence
--set spark.fast_start=MODE ingest --input FILE ...`` then ``features`` on the same root, each a new process
(JVM start included). Prints one line per pair: the stage's own "done in" figure (and how much of it was the
Spark session's start, as the stage says), the process's wall seconds and the load average after it (the
machine may be shared: say so beside any figure). Modes alternate, so a drift of the machine's speed falls on
every mode alike.

With ``--in-session N``, the same stages run N times in this one process and session instead (the first mode
only): what a scheduler that keeps its session pays for each run after the first.

With ``--floor``, the floor under a fresh ``features`` instead: the input ingested once, then ``--rounds`` fresh
processes, each starting the job's Spark session (the first of ``--modes``) and doing only the skeleton of the
stage's table work, no features logic: read bronze and count it, write six small Delta tables (a per-hash
aggregate, overwritten), MERGE it into one of them. A features stage writes seven tables, one of them by a MERGE.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DONE = re.compile(r"\[(\w+)\] done in ([0-9.]+)s")
SPARK_START = re.compile(r"spark_start=([0-9.]+)s")
CLI = [sys.executable, "-m", "codesign_prevalence.cli"]


def stage(root: Path, mode: str, command: list[str]) -> tuple[str, float]:
    """One fresh process: (the stage's "done in" seconds and, of them, the Spark session's start, or "failed";
    the wall seconds)."""
    started = time.monotonic()
    completed = subprocess.run(
        [*CLI, "--set", f"storage.root={root}", "--set", f"spark.fast_start={mode}", *command],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.monotonic() - started
    found = DONE.findall(completed.stderr)
    if completed.returncode != 0 or not found:
        print(completed.stderr[-2000:], file=sys.stderr)
        return "failed", wall
    start = SPARK_START.findall(completed.stderr)
    return f"{found[-1][1]}s" + (f" (spark_start {start[-1]}s)" if start else ""), wall


def small_fleet(directory: Path) -> list[str]:
    fleet = directory / "small"
    events = fleet / "events.ndjson.gz"
    if not events.is_file():
        subprocess.run(
            [*CLI, "generate", "--hosts", "10", "--days", "3", "--seed", "1", "--out", str(fleet), "--quiet"],
            check=True,
        )
    return [str(events)]


def in_one_session(inputs: list[str], mode: str, directory: Path, runs: int) -> None:
    """``--in-session``: ``runs`` ingests then ``features`` runs of the same input, each on a new storage root, in
    this one process and its one Spark session (the stages' own timing: the first pays the session's start and
    the JVM's first run of each plan, the later ones what a started session pays)."""
    from codesign_prevalence.config import load_config
    from codesign_prevalence.jobs import features, ingest
    from codesign_prevalence.jobs.context import JobContext

    session = None
    for run in range(1, runs + 1):
        root = directory / f"session-{mode}-{run}"
        shutil.rmtree(root, ignore_errors=True)
        config = load_config(None, [f"storage.root={root}", f"spark.fast_start={mode}"])
        context = JobContext(config, verbosity=0, reads=tuple(inputs), _spark=session)
        started = time.monotonic()
        ingest.run(context, inputs)
        ingested = time.monotonic()
        features.run(context)
        timings = [f"ingest {ingested - started:.1f}s", f"features {time.monotonic() - ingested:.1f}s"]
        if session is None:
            timings.append(f"(the session's start {context._spark_start_seconds:.1f}s of the first ingest)")
        session = context.spark
        load = " ".join(f"{value:.2f}" for value in os.getloadavg())
        print(f"in one session, fast_start={mode}, run {run}: {', '.join(timings)}; load {load}", flush=True)
        shutil.rmtree(root, ignore_errors=True)


FLOOR_WRITES = 6


def floor_child(root: Path, mode: str) -> None:
    """One fresh process's skeleton of a features stage (module docstring), timed step by step."""
    from pyspark.sql import functions as F

    from codesign_prevalence.config import load_config
    from codesign_prevalence.jobs.context import JobContext
    from codesign_prevalence.storage import BRONZE_EVENTS

    begun = time.monotonic()
    config = load_config(None, [f"storage.root={root}", f"spark.fast_start={mode}"])
    context = JobContext(config, verbosity=0, reads=())
    spark = context.spark
    started = time.monotonic()
    bronze = context.lakehouse.read(spark, BRONZE_EVENTS)
    rows = bronze.count()
    counted = time.monotonic()
    per_hash = bronze.groupBy("sha256").agg(F.count_distinct("host_id").alias("hosts"), F.count(F.lit(1)).alias("n"))
    out = root / "floor"
    for number in range(FLOOR_WRITES):
        per_hash.write.format("delta").mode("overwrite").save(str(out / f"t{number}"))
    written = time.monotonic()
    per_hash.createOrReplaceTempView("floor_source")
    target = spark.read.format("delta").load(str(out / "t0"))
    target.createOrReplaceTempView("floor_target")
    spark.sql(
        "MERGE INTO floor_target t USING floor_source s ON t.sha256 = s.sha256 "
        "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *"
    )
    merged = time.monotonic()
    print(
        f"session start {started - begun:.2f}s; read and count bronze ({rows:,} rows) {counted - started:.2f}s; "
        f"{FLOOR_WRITES} Delta writes {written - counted:.2f}s; one MERGE {merged - written:.2f}s; "
        f"after the start {merged - started:.2f}s; in all {merged - begun:.2f}s",
        flush=True,
    )


def floor(inputs: list[str], mode: str, directory: Path, rounds: int) -> None:
    """``--floor``: ingest once, then ``rounds`` fresh processes of :func:`floor_child`."""
    root = directory / f"floor-{mode}"
    shutil.rmtree(root, ignore_errors=True)
    ingested, _ = stage(root, mode, ["ingest", "--input", *inputs])
    print(f"ingest done in {ingested}", flush=True)
    for round_number in range(1, rounds + 1):
        started = time.monotonic()
        completed = subprocess.run(
            [sys.executable, __file__, "--floor-child", str(root), "--modes", mode],
            capture_output=True, text=True, check=False,
        )
        wall = time.monotonic() - started
        lines = [line for line in completed.stdout.splitlines() if line.startswith("session start")]
        if completed.returncode != 0 or not lines:
            print(completed.stderr[-2000:], file=sys.stderr)
            raise SystemExit(f"floor round {round_number} failed")
        load = " ".join(f"{value:.2f}" for value in os.getloadavg())
        print(f"floor round {round_number} fast_start={mode}: {lines[-1]}; wall {wall:.1f}s; load {load}", flush=True)
    shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", nargs="+", metavar="FILE")
    parser.add_argument("--modes", nargs="+", default=["false", "auto"], choices=["false", "auto", "true"])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--dir", type=Path, default=None, help="scratch folder (default: a new temporary one)")
    parser.add_argument(
        "--in-session", type=int, default=0, metavar="N",
        help="instead: N ingest + features runs in one process and session, with the first of --modes",
    )
    parser.add_argument("--floor", action="store_true", help="instead: the floor under a fresh features process")
    parser.add_argument("--floor-child", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor_child is not None:
        floor_child(args.floor_child, args.modes[0])
        return 0
    directory = args.dir or Path(tempfile.mkdtemp(prefix="bench-fresh-"))
    directory.mkdir(parents=True, exist_ok=True)
    inputs = args.input or small_fleet(directory)
    print(f"input: {' '.join(inputs)}", flush=True)
    if args.in_session:
        in_one_session(inputs, args.modes[0], directory, args.in_session)
        return 0
    if args.floor:
        floor(inputs, args.modes[0], directory, args.rounds)
        return 0
    for round_number in range(1, args.rounds + 1):
        for mode in args.modes:
            root = directory / f"root-{mode}"
            shutil.rmtree(root, ignore_errors=True)
            ingest, ingest_wall = stage(root, mode, ["ingest", "--input", *inputs])
            features, features_wall = stage(root, mode, ["features"])
            load = " ".join(f"{value:.2f}" for value in os.getloadavg())
            print(
                f"round {round_number} fast_start={mode}: ingest done in {ingest}, wall {ingest_wall:.1f}s; "
                f"features done in {features}, wall {features_wall:.1f}s; load {load}",
                flush=True,
            )
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
