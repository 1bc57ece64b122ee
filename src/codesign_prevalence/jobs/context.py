"""What every entry point shares: the configuration, the lakehouse, a lazily built SparkSession, output."""

from __future__ import annotations

import datetime as dt
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pyspark.sql import SparkSession

from codesign_prevalence.config import Config
from codesign_prevalence.errors import UserError
from codesign_prevalence.spark import classic_context, get_spark, resolve_fast_start
from codesign_prevalence.storage import BRONZE_EVENTS, Lakehouse

PROGRESS_EVERY_SECONDS = 30.0


@dataclass(frozen=True)
class Skipped:
    """A stage that had nothing to do for an as-of date (a quiet day: no candidates), and the line saying so."""

    stage: str
    as_of: dt.date
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"as_of": self.as_of.isoformat(), "skipped": self.reason}


@dataclass
class JobContext:
    config: Config
    verbosity: int = 1  # 0 quiet, 1 normal, 2 verbose
    _spark: SparkSession | None = field(default=None, repr=False)
    progress_every_seconds: float = PROGRESS_EVERY_SECONDS
    # The files one command reads besides its tables (ingest's --input), declared by the command line; None (a
    # session used for whatever comes, as the benchmarks and notebooks use it): not known, so no fast start.
    reads: tuple[str, ...] | None = None
    _spark_start_seconds: float | None = field(default=None, repr=False)  # how long building the session took

    @property
    def lakehouse(self) -> Lakehouse:
        storage = self.config.storage
        return Lakehouse(storage.root_path, storage.catalog, storage.schema_name)

    @property
    def spark(self) -> SparkSession:
        if self._spark is None:
            self._check_storage_root()
            storage = self.config.storage
            spark_config = resolve_fast_start(self.config.spark, self._local_reads)
            started = time.monotonic()
            self._spark = get_spark(spark_config, storage.root_path if storage.catalog else None)
            self._spark_start_seconds = time.monotonic() - started
            context = classic_context(self._spark)
            where = f"master {context.master}" if context is not None else "Spark Connect"
            fast = ", fast start (spark.fast_start)" if spark_config.fast_start is True else ""
            self.detail(f"[spark] Spark {self._spark.version}, {where}{fast}")
        return self._spark

    def _local_reads(self) -> list[str | Path] | None:
        """What a command reads, for ``spark.fast_start=auto``: its input files and bronze's files under the
        storage root (None with catalog tables, whose files are the catalog's, and when the reads are not
        declared)."""
        if self.reads is None or self.config.storage.catalog:
            return None
        bronze = Path(self.lakehouse.location(BRONZE_EVENTS))
        return [*self.reads, *([bronze] if bronze.exists() else [])]

    def _check_storage_root(self) -> None:
        root = self.config.storage.root_path
        try:
            root.mkdir(parents=True, exist_ok=True)
            probe = root / ".write-test"
            probe.write_text("ok", encoding="utf-8")
            probe.unlink()
        except OSError as exc:
            raise UserError(
                f"storage root {root} is not writable ({exc.strerror}); choose another with --set storage.root=DIR"
            ) from None

    def say(self, message: str) -> None:
        if self.verbosity >= 1:
            print(message, file=sys.stderr, flush=True)

    def skip(self, stage: str, as_of: dt.date, reason: str) -> Skipped:
        """Say ``[stage] reason`` (one line) and return it as the stage's result."""
        self.say(f"[{stage}] {reason}")
        return Skipped(stage, as_of, reason)

    def detail(self, message: str) -> None:
        if self.verbosity >= 2:
            print(message, file=sys.stderr, flush=True)

    def progress_line(self, name: str, elapsed: float) -> str:
        """``[name] running 62s: Spark stage 14 7/8 tasks, ...`` from Spark's status tracker (active stages);
        without the stages under Spark Connect, which has no status tracker."""
        shown = ""
        context = classic_context(self._spark) if self._spark is not None else None
        if context is not None:
            tracker = context.statusTracker()
            stages = [tracker.getStageInfo(stage_id) for stage_id in sorted(tracker.getActiveStageIds())]
            shown = ", ".join(
                f"Spark stage {info.stageId} {info.numCompletedTasks}/{info.numTasks} tasks"
                for info in stages
                if info is not None
            )
        return f"[{name}] running {elapsed:.0f}s" + (f": {shown}" if shown else "")

    @contextmanager
    def _progress(self, name: str, started: float) -> Iterator[None]:
        """While the block runs, every ``progress_every_seconds`` one progress line (not when quiet)."""
        stop = threading.Event()

        def report() -> None:
            while not stop.wait(self.progress_every_seconds):
                try:
                    self.say(self.progress_line(name, time.monotonic() - started))
                except Exception:  # progress is best effort: the JVM may be shutting down
                    return

        thread = threading.Thread(target=report, name=f"progress-{name}", daemon=True)
        if self.verbosity >= 1:
            thread.start()
        try:
            yield
        finally:
            stop.set()
            if thread.is_alive():
                thread.join(timeout=5)

    @contextmanager
    def stage(self, name: str) -> Iterator[dict[str, object]]:
        """Print one line when a stage starts and one when it ends, with the counts it reports and seconds (and,
        when the stage was the one to start the Spark session, how many of them that took: a ``run``'s stages
        share one session); a long stage prints a progress line every ``progress_every_seconds`` meanwhile."""
        self.say(f"[{name}] started")
        started = time.monotonic()
        had_spark = self._spark is not None
        counts: dict[str, object] = {}
        with self._progress(name, started):
            yield counts
        if not had_spark and self._spark_start_seconds is not None:
            counts["spark_start"] = f"{self._spark_start_seconds:.1f}s"
        shown = ", ".join(f"{key}={value}" for key, value in counts.items())
        self.say(f"[{name}] done in {time.monotonic() - started:.1f}s" + (f": {shown}" if shown else ""))


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserError(f"'{text}' is not a date; use YYYY-MM-DD") from None
