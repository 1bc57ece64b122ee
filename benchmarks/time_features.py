"""Time ``jobs.features.run`` alone on kept lakehouses, one after the other in one Spark session.

    .venv/bin/python benchmarks/time_features.py LAKE [LAKE ...]

For A/B comparisons of two versions of the code on the same bronze data (the lakehouses that
``bench_features.py --keep DIR`` leaves under ``DIR/events-N/lake``; put a small one first as a warm-up). Each
lakehouse's feature tables are rewritten for the newest as-of date (``replaceWhere``: the same rows). Prints
one line per lakehouse: wall seconds, the JVM's CPU seconds, the rule matches and candidates per population.
To time an older commit: ``git worktree add /tmp/base COMMIT`` and run this file with ``PYTHONPATH=/tmp/base/src``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from codesign_prevalence.config import SparkConfig, load_config
from codesign_prevalence.jobs import features
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.spark import get_spark


def main() -> None:
    lakes = sys.argv[1:]
    if not lakes:
        raise SystemExit("usage: time_features.py LAKE [LAKE ...]")
    spark = get_spark(SparkConfig(master="local[2]", driver_memory="8g", shuffle_partitions=8))
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    pid = int(jvm.java.lang.ProcessHandle.current().pid())

    def cpu_seconds() -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    for lake in lakes:
        context = JobContext(load_config(None, [f"storage.root={lake}"]), verbosity=0, _spark=spark)
        wall, cpu = time.monotonic(), cpu_seconds()
        report = features.run(context, None)
        print(
            f"{lake}: wall {time.monotonic() - wall:.1f} s, cpu {cpu_seconds() - cpu:.1f} s, "
            f"rule matches {report.rule_matches}, candidates {report.candidates}",
            flush=True,
        )


if __name__ == "__main__":
    main()
