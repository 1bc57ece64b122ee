"""Which as-of date a stage after ``features`` works on, and whether that date is a quiet day.

A quiet day is an as-of date that ``features`` ran for and whose window held no candidate: features wrote an
empty slice (so gold/candidates has no rows for it) and recorded the run in ops/features_runs. The stages
after it succeed with nothing to do and say so in one line (:meth:`QuietDay.message`). A date that features
never ran for is still a one-line :class:`UserError` naming the command to run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from codesign_prevalence.errors import UserError
from codesign_prevalence.features.events import window_start
from codesign_prevalence.ops import FeaturesRun, latest_features_run
from codesign_prevalence.storage import OPS_FEATURES_RUNS, PRODUCED_BY, Lakehouse

NOTHING_TO_SCORE = "nothing to score"


@dataclass(frozen=True)
class QuietDay:
    """A features run that found no candidate in its window."""

    run: FeaturesRun

    @property
    def as_of(self) -> dt.date:
        return self.run.as_of

    def message(self, outcome: str = NOTHING_TO_SCORE) -> str:
        """One line: what the window held, what bronze holds, and ``outcome``."""
        run = self.run
        window = f"the {run.lookback_days}-day window ending {run.as_of.isoformat()}"
        if run.events_in_window > 0:
            held = f"{run.events_in_window:,} of {run.bronze_events or 0:,} events in bronze"
            newest = f", newest {run.newest_event_date.isoformat()}" if run.newest_event_date else ""
            return f"no candidates in {window} ({held}{newest}): {outcome}"
        return f"no events in {window}; {self._where_bronze_is()}: {outcome}"

    def _where_bronze_is(self) -> str:
        """Where the events in bronze lie, seen from the window."""
        run = self.run
        first_day = window_start(run.as_of, run.lookback_days)
        oldest, newest = run.oldest_event_date, run.newest_event_date
        if oldest is None or newest is None:
            return "bronze holds no events"
        if newest < first_day:
            days = (first_day - newest).days
            return f"the newest event in bronze is {newest.isoformat()}, {days} day(s) before the window starts"
        if oldest > run.as_of:
            days = (oldest - run.as_of).days
            return f"the oldest event in bronze is {oldest.isoformat()}, {days} day(s) after the window ends"
        return f"bronze holds events from {oldest.isoformat()} to {newest.isoformat()}, none in the window"


@dataclass(frozen=True)
class AsOf:
    """The as-of date a stage works on; ``quiet`` when features ran for it and found no candidate."""

    date: dt.date
    quiet: QuietDay | None = None


def features_ever_ran(lakehouse: Lakehouse) -> bool:
    """Whether ops/features_runs may exist (if not, no quiet day is possible): a look at the folder, without
    Spark; catalog tables cannot be looked up without Spark, so for them the answer is "perhaps" (True)."""
    return lakehouse.by_name or (Path(lakehouse.location(OPS_FEATURES_RUNS)) / "_delta_log").is_dir()


def quiet_day(run: FeaturesRun | None) -> QuietDay | None:
    return QuietDay(run) if run is not None and run.candidates == 0 else None


def resolve_as_of(spark: SparkSession, lakehouse: Lakehouse, table_name: str, as_of: dt.date | None) -> AsOf:
    """``as_of`` if it is a quiet day or ``table_name`` has rows for it; when none is given, the newest ``as_of``
    in the table, or a quiet day at least as new.

    The quiet day comes first: gold/candidates keeps the ``reference`` rows of a window without candidates, and
    the latest features run of a date says what its candidates are now. Otherwise a one-line
    :class:`UserError` names the command that writes the missing date.
    """
    exists = lakehouse.exists(spark, table_name)
    table = lakehouse.read(spark, table_name) if exists else None
    if as_of is not None:
        quiet = quiet_day(latest_features_run(spark, lakehouse, as_of))
        if quiet is not None:
            return AsOf(as_of, quiet)
        if table is not None and table.where(F.col("as_of") == F.lit(as_of)).limit(1).count() > 0:
            return AsOf(as_of)
        raise _not_written(lakehouse, table_name, exists, as_of)
    newest_row = table.agg(F.max("as_of")).head() if table is not None else None
    newest: dt.date | None = newest_row[0] if newest_row is not None else None
    quiet = quiet_day(latest_features_run(spark, lakehouse, None))
    if quiet is not None and (newest is None or quiet.as_of >= newest):
        return AsOf(quiet.as_of, quiet)
    if newest is None:
        raise _not_written(lakehouse, table_name, exists, None)
    return AsOf(newest)


def _not_written(lakehouse: Lakehouse, table_name: str, exists: bool, as_of: dt.date | None) -> UserError:
    """The error for a table without rows for ``as_of`` (None: without rows), naming the command to run."""
    if not exists:
        return lakehouse.missing(table_name)
    stage = PRODUCED_BY.get(table_name, "the stage that writes it")
    if as_of is None:
        return UserError(f"table {table_name} is empty; run '{stage}' first")
    return UserError(f"table {table_name} has no rows for as-of {as_of.isoformat()}; run '{stage} --as-of {as_of}'")
