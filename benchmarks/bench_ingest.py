"""Ingest throughput beside DuckDB: the same generated NDJSON files, timed in one run.

    .venv/bin/python benchmarks/bench_ingest.py [--events 1000000] [--files 1 4] [--keep DIR] [--no-cli]

For each input (the fleet as one gzip file, and split over four), on the same files:

- DuckDB's ``read_ndjson`` into one Parquet file, 2 threads (what a user would reach for instead);
- the project's ``codesign-prevalence ingest`` as a fresh process (JVM start included), into an empty
  storage root, with the stage's own "done in" figure beside the wall time;
- the project's ingest in a warmed-up session (as a scheduled job that runs several stages): a first
  ingest into an empty lakehouse and a re-ingest of the same files (every event a duplicate). The inputs
  run in the order given: with ``--files 1 4`` the four files are ingested by a JVM that has ingested the
  one file twice (its JIT warm on this work: 28.6 s in session 21), with ``--files 4`` alone by one that has
  ingested only the small fleet (36.4 s the same evening);
- the fixed cost: the ingest stage on a small fleet (``generate --hosts 10 --days 3 --seed 1``), the first
  ingest of the warm session's lakehouse.

It prints seconds, events per second, project / DuckDB ratios, and the peak memory (RSS) of the driver
JVM, of the driver's Python process and of the Python workers (the largest sum over the workers alive at
one time), sampled every 0.2 s. One Spark JVM at a time: the fresh processes run before the warm session
starts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import duckdb

from codesign_prevalence.config import load_config
from codesign_prevalence.ingest.pipeline import ingest_files
from codesign_prevalence.ingest.reader import expand_inputs
from codesign_prevalence.jobs import ingest as ingest_job
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.simulator import generate_fleet
from codesign_prevalence.spark import get_spark
from codesign_prevalence.storage import Lakehouse

EVENTS_PER_HOST_DAY = 100.0
DAYS = 10
CLI = Path(sys.executable).with_name("codesign-prevalence")
T = TypeVar("T")


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


# ---------------------------------------------------------------------------------------------- memory


def _processes() -> dict[int, tuple[int, str, int]]:
    """pid -> (parent pid, command name, RSS bytes) of every process we can read."""
    page = os.sysconf("SC_PAGE_SIZE")
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry)] = (int(fields[1]), name, int(fields[21]) * page)
    return found


@dataclass
class Peaks:
    """Peak RSS (bytes) of a process tree: the JVM, the root Python process, the Python workers together."""

    jvm: int = 0
    driver_python: int = 0
    workers: int = 0

    def as_dict(self) -> dict[str, float]:
        mib = 1024 * 1024
        return {"jvm_mib": round(self.jvm / mib), "driver_python_mib": round(self.driver_python / mib),
                "python_workers_mib": round(self.workers / mib)}


@dataclass
class Sampler:
    root: int
    peaks: Peaks = field(default_factory=Peaks)

    def sample(self) -> None:
        table = _processes()
        children: dict[int, list[int]] = {}
        for pid, (parent, _, _) in table.items():
            children.setdefault(parent, []).append(pid)
        tree, stack = [], [self.root]
        while stack:
            pid = stack.pop()
            tree.append(pid)
            stack.extend(children.get(pid, []))
        workers = 0
        for pid in tree:
            _, name, rss = table.get(pid, (0, "", 0))
            if name == "java":
                self.peaks.jvm = max(self.peaks.jvm, rss)
            elif pid == self.root:
                self.peaks.driver_python = max(self.peaks.driver_python, rss)
            elif name.startswith("python"):
                workers += rss
        self.peaks.workers = max(self.peaks.workers, workers)


@contextmanager
def sampled(root: int) -> Iterator[Sampler]:
    sampler = Sampler(root)
    done = threading.Event()

    def loop() -> None:
        while not done.is_set():
            sampler.sample()
            done.wait(0.2)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield sampler
    finally:
        done.set()
        thread.join()


def _timed(action: Callable[[], T]) -> tuple[T, float, Peaks]:
    with sampled(os.getpid()) as sampler:
        started = time.monotonic()
        result = action()
        seconds = time.monotonic() - started
    return result, seconds, sampler.peaks


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


# ---------------------------------------------------------------------------------------------- the runs


def duckdb_to_parquet(files: list[str], out: Path) -> dict[str, object]:
    """DuckDB's ``read_ndjson`` of ``files`` into one Parquet file with 2 threads; rows and seconds."""
    connection = duckdb.connect()
    connection.execute("SET threads = 2")
    started = time.monotonic()
    relation = connection.read_json(files, format="newline_delimited", ignore_errors=True,
                                    maximum_object_size=1 << 24)
    relation.write_parquet(str(out))
    seconds = time.monotonic() - started
    rows = connection.read_parquet(str(out)).aggregate("count(*)").fetchone()
    connection.close()
    return {"seconds": round(seconds, 1), "rows": rows[0] if rows else None, "load_after": _load()}


def fresh_process_ingest(files: list[str], root: Path) -> dict[str, object]:
    """``codesign-prevalence ingest`` in a new process (a new JVM); wall seconds and the stage's own figure."""
    command = [str(CLI), "--set", f"storage.root={root}", "ingest", "--input", *files]
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with sampled(process.pid) as sampler:
        _, stderr = process.communicate()
    seconds = time.monotonic() - started
    if process.returncode != 0:
        raise RuntimeError(f"ingest failed ({process.returncode}): {stderr[-2000:]}")
    stage = re.search(r"\[ingest\] done in ([0-9.]+)s: (.*)", stderr)
    return {"wall_seconds": round(seconds, 1), "stage_seconds": float(stage.group(1)) if stage else None,
            "counts": stage.group(2) if stage else None, "memory": sampler.peaks.as_dict(), "load_after": _load()}


def warm_ingests(context: JobContext, files: list[str], root: Path) -> dict[str, object]:
    """A first ingest into an empty lakehouse and a re-ingest of the same files, in the warm session."""
    results: dict[str, object] = {}
    config = context.config.ingest
    for label in ("first_ingest", "re_ingest"):
        report, seconds, peaks = _timed(
            lambda: ingest_files(context.spark, Lakehouse(root), files, config, now=dt.datetime(2026, 11, 27))
        )
        results[label] = {
            "lines_read": report.lines_read, "accepted": report.accepted, "duplicates": report.duplicates,
            "quarantined": report.quarantined, "balanced": report.balanced, "seconds": round(seconds, 1),
            "events_per_second": round(report.lines_read / seconds), "memory": peaks.as_dict(),
            "load_after": _load(),
        }
    return results


def fixed_cost(context: JobContext, small: Path, root: Path) -> dict[str, object]:
    """The ingest stage (``jobs.ingest.run``: ingest and the run record) on the small fleet, warm session."""
    config = load_config(None, [f"storage.root={root}"])
    here = JobContext(config, verbosity=0, _spark=context.spark)
    report, seconds, _ = _timed(lambda: ingest_job.run(here, [str(small)]))
    return {"lines_read": report.lines_read, "accepted": report.accepted, "stage_seconds": round(seconds, 2),
            "load_after": _load()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, nargs="+", default=[1, 4], help="split the fleet over N files")
    parser.add_argument("--keep", type=Path, default=None, help="keep the generated input here for reruns")
    parser.add_argument("--no-cli", action="store_true", help="skip the fresh-process ingests")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    data_dir = args.keep or work / "input"
    results: dict[str, dict[str, object]] = {}
    try:
        inputs = {count: _fleet(data_dir / f"{count}-files", args.events, count) for count in args.files}
        small = data_dir / "small"
        if not (small / "events.ndjson.gz").is_file():
            generate_fleet(small, hosts=10, days=3, seed=1)
        print(f"load before: {_load()}", file=sys.stderr, flush=True)
        for count, files in inputs.items():
            results[f"{count}_files"] = {"duckdb": duckdb_to_parquet(files, work / f"duck-{count}.parquet")}
            print(f"duckdb {count} file(s): {results[f'{count}_files']['duckdb']}", file=sys.stderr, flush=True)
        if not args.no_cli:
            for count, files in inputs.items():
                results[f"{count}_files"]["fresh_process"] = fresh_process_ingest(files, work / f"cli-{count}")
                print(f"fresh process {count}: {results[f'{count}_files']['fresh_process']}", file=sys.stderr,
                      flush=True)
            results["small_fleet"] = {"fresh_process": fresh_process_ingest([str(small)], work / "cli-small")}

        config = load_config(None, [])
        context = JobContext(config, verbosity=0, _spark=get_spark(config.spark))
        warm = work / "warm.ndjson"
        warm.write_text('{"event":{"category":"process"}}\n')
        ingest_files(context.spark, Lakehouse(work / "warm-lake"), [str(warm)], config.ingest)
        results.setdefault("small_fleet", {})["warm_session"] = fixed_cost(context, small / "events.ndjson.gz",
                                                                           work / "small-lake")
        for count, files in inputs.items():
            results[f"{count}_files"]["warm_session"] = warm_ingests(context, files, work / f"lake-{count}")
            print(f"warm {count}: {results[f'{count}_files']['warm_session']}", file=sys.stderr, flush=True)
        print(json.dumps({"events": args.events, **results, "ratios": _ratios(results)}, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _ratios(results: dict[str, dict[str, object]]) -> dict[str, float]:
    """Project seconds over DuckDB's first read of the same files."""
    ratios: dict[str, float] = {}
    for name, result in results.items():
        duck = result.get("duckdb")
        if not isinstance(duck, dict):
            continue
        base = float(duck["seconds"])
        warm = result.get("warm_session")
        if isinstance(warm, dict):
            for label in ("first_ingest", "re_ingest"):
                ratios[f"{name} warm {label}"] = round(float(warm[label]["seconds"]) / base, 2)
        fresh = result.get("fresh_process")
        if isinstance(fresh, dict):
            ratios[f"{name} fresh process (wall)"] = round(float(fresh["wall_seconds"]) / base, 2)
    return ratios


if __name__ == "__main__":
    main()
