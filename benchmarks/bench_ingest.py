"""Ingest throughput: generate N events (default 1,000,000) once, then time `ingest` into a fresh lakehouse.

    .venv/bin/python benchmarks/bench_ingest.py [--events 1000000] [--files 1] [--keep DIR]

Prints lines read, seconds and events per second for a first ingest (into an empty bronze table) and for a
re-ingest of the same files (everything is a duplicate: the idempotency path). The Spark session is started
and warmed up before timing, as it would be for a scheduled job that runs several stages.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import tempfile
import time
from pathlib import Path

from codesign_prevalence.config import IngestConfig, SparkConfig
from codesign_prevalence.ingest.pipeline import ingest_files
from codesign_prevalence.ingest.reader import expand_inputs
from codesign_prevalence.simulator import generate_fleet
from codesign_prevalence.spark import get_spark
from codesign_prevalence.storage import Lakehouse

EVENTS_PER_HOST_DAY = 100.0
DAYS = 10


def _fleet(directory: Path, events: int, files: int) -> list[str]:
    hosts_total = max(1, round(events / (EVENTS_PER_HOST_DAY * DAYS)))
    paths = []
    for index in range(files):
        out = directory / f"part-{index}"
        if not (out / "events.ndjson.gz").is_file():
            generate_fleet(out, hosts=max(1, hosts_total // files), days=DAYS, seed=100 + index,
                           events_per_host_day=EVENTS_PER_HOST_DAY)
        paths.append(str(out / "events.ndjson.gz"))
    return expand_inputs(paths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=1, help="split the fleet over this many input files")
    parser.add_argument("--keep", type=Path, default=None, help="keep the generated input here for reruns")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    data_dir = args.keep or work / "input"
    try:
        started = time.monotonic()
        files = _fleet(data_dir, args.events, args.files)
        generated = time.monotonic() - started
        spark = get_spark(SparkConfig(master="local[2]", driver_memory="8g", shuffle_partitions=4))
        warm_root = work / "warm"
        warm = warm_root / "w.ndjson"
        warm.parent.mkdir(parents=True)
        warm.write_text('{"event":{"category":"process"}}\n')
        ingest_files(spark, Lakehouse(warm_root / "lake"), [str(warm)], IngestConfig())

        lake = Lakehouse(work / "lake")
        results = {}
        for label in ("first_ingest", "re_ingest"):
            started = time.monotonic()
            report = ingest_files(spark, lake, files, IngestConfig(), now=dt.datetime(2026, 11, 27))
            seconds = time.monotonic() - started
            results[label] = {
                "lines_read": report.lines_read,
                "accepted": report.accepted,
                "duplicates": report.duplicates,
                "quarantined": report.quarantined,
                "seconds": round(seconds, 1),
                "events_per_second": round(report.lines_read / seconds),
                "balanced": report.balanced,
            }
        print(json.dumps({"input_files": len(files), "generate_seconds": round(generated, 1), **results}, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
