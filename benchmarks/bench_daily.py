"""Daily runs: what each new day costs, beside a full recompute and DuckDB.

    .venv/bin/python benchmarks/bench_daily.py [--hosts 1250] [--days 30] [--events-per-host-day 120] \
        [--seed 7] [--dir DIR]

Generates one fleet of ``--hosts`` x ``--days`` with the simulator (1,250 hosts x 120 events = ~150,000 events
a day), splits its events into one file per day, then in one Spark session (``local[2]``):

- **day by day**: for each day, in one storage root, ``ingest`` that day's file, ``features`` (as of that day)
  and ``score``; the model is trained once, untimed, after the first day's features. Prints the seconds of
  each stage per day (wall, and the JVM's CPU seconds for features);
- **full recompute at the last day**: a fresh storage root, every day's file ingested at once, then
  ``features`` (the rollup of every day, then the window);
- **DuckDB's core aggregation** over the same bronze Parquet files (``bench_features.DUCKDB_PREVALENCE``:
  per-hash distinct hosts, per-signer distinct hosts and hashes, joined per binary), 2 threads.

Ends with one JSON document: the per-day rows, the full recompute, DuckDB, the ratios the issue asks for
(features on the last day / on day 5, the last day's increment / the full recompute, features alone and
with each side's ingest, the full recompute / DuckDB) and the load average after each part (the machine may
be shared: say so beside any figure).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from bench_features import Clock, _jvm_pid, _time_duckdb
from codesign_prevalence.config import SparkConfig, load_config
from codesign_prevalence.jobs import features, ingest, score, train
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.simulator import generate_fleet
from codesign_prevalence.spark import get_spark

END = dt.date(2026, 11, 26)


def split_by_day(events: Path, out_dir: Path) -> dict[dt.date, Path]:
    """One gzip NDJSON file per event day (``@timestamp``'s date; lines without one go to the first day)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lines: dict[dt.date | None, list[str]] = {}
    with gzip.open(events, "rt", encoding="utf-8", errors="surrogateescape") as handle:
        for line in handle:
            day: dt.date | None = None
            try:
                stamp = json.loads(line).get("@timestamp")
                day = dt.date.fromisoformat(str(stamp)[:10])
            except (ValueError, AttributeError, TypeError):
                day = None
            lines.setdefault(day, []).append(line)
    days = sorted(day for day in lines if day is not None)
    lines.setdefault(days[0], []).extend(lines.pop(None, []))
    files = {}
    for day in days:
        path = out_dir / f"events-{day.isoformat()}.ndjson.gz"
        with gzip.open(path, "wt", encoding="utf-8", errors="surrogateescape") as handle:
            handle.writelines(lines[day])
        files[day] = path
    return files


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _context(spark: Any, root: Path) -> JobContext:
    return JobContext(load_config(None, [f"storage.root={root}"]), verbosity=0, _spark=spark)


def day_by_day(spark: Any, files: dict[dt.date, Path], root: Path) -> list[dict[str, Any]]:
    context = _context(spark, root)
    pid = _jvm_pid(spark)
    rows = []
    for number, (day, path) in enumerate(sorted(files.items()), start=1):
        started = time.monotonic()
        ingested = ingest.run(context, [str(path)])
        ingest_seconds = time.monotonic() - started
        with Clock(pid) as clock:
            report = features.run(context, day)
        if number == 1:
            train.run(context, day)
        started = time.monotonic()
        score.run(context, day)
        score_seconds = time.monotonic() - started
        row = {
            "day": number,
            "date": day.isoformat(),
            "events_ingested": ingested.accepted,
            "events_in_window": report.events_in_window,
            "ingest_s": round(ingest_seconds, 1),
            "features_s": round(clock.wall, 1),
            "features_cpu_s": round(clock.cpu, 1),
            "score_s": round(score_seconds, 1),
            "load": _load(),
        }
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def full_recompute(spark: Any, files: dict[dt.date, Path], root: Path) -> dict[str, Any]:
    context = _context(spark, root)
    started = time.monotonic()
    ingested = ingest.run(context, [str(path) for path in files.values()])
    ingest_seconds = time.monotonic() - started
    with Clock(_jvm_pid(spark)) as clock:
        report = features.run(context, max(files))
    return {
        "events": ingested.accepted,
        "events_in_window": report.events_in_window,
        "ingest_s": round(ingest_seconds, 1),
        "features_s": round(clock.wall, 1),
        "features_cpu_s": round(clock.cpu, 1),
        "load": _load(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=1250)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--events-per-host-day", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/bench-daily"), help="work folder (replaced)")
    args = parser.parse_args()
    if args.dir.exists():
        shutil.rmtree(args.dir)
    fleet = generate_fleet(
        args.dir / "fleet", hosts=args.hosts, days=args.days, seed=args.seed, end_date=END,
        events_per_host_day=args.events_per_host_day,
    )
    files = split_by_day(fleet.events_path, args.dir / "days")
    spark = get_spark(SparkConfig(master="local[2]", driver_memory="8g", shuffle_partitions=8))
    daily = day_by_day(spark, files, args.dir / "daily-lake")
    full = full_recompute(spark, files, args.dir / "full-lake")
    duck = _time_duckdb(spark, args.dir / "full-lake", max(files), args.dir / "duckdb.parquet")
    last, fifth = daily[-1], daily[min(4, len(daily) - 1)]
    summary = {
        "hosts": args.hosts,
        "days": args.days,
        "days_rows": daily,
        "full_recompute": full,
        "duckdb_core_s": round(duck.wall, 2),
        "features_last_over_day5": round(last["features_s"] / fifth["features_s"], 2),
        "increment_over_full": round(last["features_s"] / full["features_s"], 3),
        # The same with each side's ingest: the last day's file against every day's files at once.
        "increment_over_full_with_ingest": round(
            (last["ingest_s"] + last["features_s"]) / (full["ingest_s"] + full["features_s"]), 3
        ),
        "full_over_duckdb": round(full["features_s"] / duck.wall, 1),
        "load_end": _load(),
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
