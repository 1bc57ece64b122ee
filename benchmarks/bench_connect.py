"""Time the stages through Spark Connect, and count the round trips in which the server analyses a plan.

    .venv/bin/python benchmarks/bench_connect.py [--hosts 10] [--days 2] [--repeat 2] [--catalog] [--keep DIR]

Starts a local Spark Connect server (``python -m codesign_prevalence.spark connect-server``'s command, with
``spark.fast_start``), generates a small fleet, then runs the command line in this process as a Connect client:
``ingest``, then ``features`` ``--repeat`` times (the first rolls the days up, the others only recompute the
window), then ``train``, ``score`` and ``report``. Per stage it prints the wall time and the client's round trips
by kind: ``analyze`` (the server analyses a plan to answer a schema, ``columns``, ``isStreaming`` or ``persist``
question) and ``execute``, with the seconds each kind took and the source lines that asked most. With
``--catalog`` the tables are catalog tables (``storage.catalog=spark_catalog``, a Hive metastore under the kept
folder), as on Databricks. The default MLflow store is the embedded one under the storage root.

To compare two versions of the code: run it once per version with ``PYTHONPATH=<checkout>/src``.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import functools
import os
import tempfile
import time
import traceback
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path
from typing import Any

import pyspark.sql.connect.client.core as connect_core

from codesign_prevalence.cli import main as cli_main
from codesign_prevalence.config import SparkConfig
from codesign_prevalence.simulator import generate_fleet
from codesign_prevalence.spark import local_connect_server

KINDS = {"_analyze": "analyze", "_execute_and_fetch": "execute", "_execute": "execute"}


class RoundTrips:
    """The Connect client's calls, timed, by kind and by the project's source line that made them."""

    def __init__(self) -> None:
        self.kinds: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0.0])
        self.sites: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0.0])
        self._depth = 0

    def wrap(self, name: str) -> None:
        method = getattr(connect_core.SparkConnectClient, name)
        kind = KINDS[name]

        @functools.wraps(method)
        def timed(client: Any, *args: Any, **kwargs: Any) -> Any:
            self._depth += 1
            started = time.perf_counter()
            try:
                return method(client, *args, **kwargs)
            finally:
                self._depth -= 1
                if self._depth == 0:  # a wrapped call made inside another is part of it: the outer one counts
                    self._count(kind, time.perf_counter() - started)

        setattr(connect_core.SparkConnectClient, name, timed)

    def _count(self, kind: str, seconds: float) -> None:
        frames = [frame for frame in traceback.extract_stack() if "codesign_prevalence" in frame.filename]
        frame = frames[-1] if frames else None
        site = f"{frame.filename.split('codesign_prevalence/')[-1]}:{frame.lineno}" if frame else "?"
        for table, key in ((self.kinds, kind), (self.sites, f"{kind} {site}")):
            table[key][0] += 1
            table[key][1] += seconds

    def reset(self) -> None:
        self.kinds.clear()
        self.sites.clear()


def _run(trips: RoundTrips, label: str, command: Callable[[], int]) -> None:
    trips.reset()
    out, err = StringIO(), StringIO()
    started = time.perf_counter()
    with redirect_stdout(out), redirect_stderr(err):
        code = command()
    wall = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"{label} failed ({code}): {err.getvalue()[-2000:]}")
    summary = "  ".join(f"{kind} {int(n)} in {seconds:.1f} s" for kind, (n, seconds) in sorted(trips.kinds.items()))
    print(f"{label}: {wall:.1f} s  ({summary})", flush=True)
    for site, (n, seconds) in sorted(trips.sites.items(), key=lambda item: -item[1][1])[:8]:
        print(f"    {seconds:6.1f} s {int(n):3d}x  {site}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2, help="features runs after the ingest (default 2)")
    parser.add_argument("--catalog", action="store_true", help="catalog tables (a local Hive metastore)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-connect-"))
    root.mkdir(parents=True, exist_ok=True)
    fleet = generate_fleet(root / "fleet", hosts=args.hosts, days=args.days, seed=3,
                           end_date=dt.date(2026, 11, 26), events_per_host_day=30)
    code = Path(cli_main.__code__.co_filename).parents[1]
    print(f"load {os.getloadavg()[0]:.2f}; fleet {fleet.events_path}; code {code}")
    trips = RoundTrips()
    for name in KINDS:
        trips.wrap(name)
    server = SparkConfig(master="local[2]", shuffle_partitions=2, fast_start=True)
    with local_connect_server(server, root, root / "server.log", catalog=args.catalog) as remote:
        options = ["--set", f"spark.remote={remote}", "--set", f"storage.root={root / 'lake'}"]
        if args.catalog:
            options += ["--set", "storage.catalog=spark_catalog", "--set", "storage.schema=bench"]
        _run(trips, "ingest", functools.partial(cli_main, [*options, "ingest", "--input", str(fleet.events_path)]))
        for index in range(args.repeat):
            _run(trips, f"features #{index + 1}", functools.partial(cli_main, [*options, "features"]))
        for stage in ("train", "score", "report"):
            _run(trips, stage, functools.partial(cli_main, [*options, stage]))
    print(f"load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
