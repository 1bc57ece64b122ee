"""Time ``generate_fleet`` on about one million events; print events/s, MB written and peak RSS.

CPU seconds cover both the generating and the compressing thread; on a busy machine wall time varies.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/bench_generate.py [--hosts 1000 --days 10 --rate 100]``
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from codesign_prevalence.simulator import generate_fleet


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--rate", type=float, default=100.0, help="events per host and day")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-generate-") as tmp:
        began, cpu_began = time.perf_counter(), time.process_time()
        summary = generate_fleet(
            Path(tmp), hosts=args.hosts, days=args.days, seed=args.seed, events_per_host_day=args.rate
        )
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu_began
        size_mb = summary.events_path.stat().st_size / 1e6
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"hosts={args.hosts} days={args.days} rate={args.rate} seed={args.seed}")
    print(
        f"lines={summary.lines_written} process_starts={summary.process_start_events} "
        f"binaries={summary.binaries} malicious={summary.malicious_binaries}"
    )
    print(
        f"seconds={elapsed:.1f} cpu_seconds={cpu:.1f} (both threads) "
        f"events_per_s={summary.lines_written / elapsed:,.0f} "
        f"gzip_mb={size_mb:.1f} peak_rss_mb={peak_mb:.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
