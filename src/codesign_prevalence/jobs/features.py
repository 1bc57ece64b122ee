"""Entry point: ``codesign-prevalence features [--as-of DATE]``.

Reads bronze/process_events. First brings silver/daily_binaries up to date: the event dates whose bronze files
changed since the bronze version the rollup was made from (``features.rollup.dates_to_roll``) are rolled again
from that bronze version and replace their days (``replaceWhere`` on those dates), so a daily run aggregates
the new day's events, and a late event re-rolls its own day only; the rolled days' sightings are MERGEd into
gold/first_seen (the fleet's history of each hash, signer and thumbprint) before the rollup is written, so a run
that ends between the two rolls those days again. Then writes silver/rule_matches,
gold/hash_prevalence, gold/signer_prevalence and gold/candidates from the window's rollup rows, each
partitioned by ``as_of`` and written with an atomic ``replaceWhere`` on that date, so a rerun for the same
date leaves the same tables; appends the run to ops/features_runs. A window without candidates (a quiet day)
is a successful run that says so in one line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, Observation, SparkSession
from pyspark.sql import functions as F

from codesign_prevalence.errors import UserError
from codesign_prevalence.features.candidates import POPULATIONS, SCORED_POPULATIONS
from codesign_prevalence.features.events import window_start
from codesign_prevalence.features.pipeline import (
    FeatureTables,
    RuleLists,
    daily_rollup,
    feature_tables_from_daily,
)
from codesign_prevalence.features.rollup import dates_to_roll, fleet_sightings, merge_first_seen_columns, on_dates
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.models.inputs import QuietDay
from codesign_prevalence.ops import FeaturesRun, record_features_run
from codesign_prevalence.schema import BRONZE_SCHEMA, FIRST_SEEN_SCHEMA
from codesign_prevalence.storage import (
    BRONZE_CODEINTEGRITY,
    BRONZE_EVENTS,
    GOLD_CANDIDATES,
    GOLD_FIRST_SEEN,
    GOLD_HASH_PREVALENCE,
    GOLD_SIGNER_PREVALENCE,
    SILVER_DAILY_BINARIES,
    SILVER_RULE_MATCHES,
    Lakehouse,
    Table,
    replace_as_of,
    replace_dates,
)


@dataclass(frozen=True)
class FeaturesReport:
    """What one features run did: the window it used and the rows it wrote per table and population."""

    as_of: dt.date
    window_start: dt.date
    lookback_days: int
    events_in_window: int
    fleet_hosts: int
    rule_matches: int
    hash_prevalence: int
    signer_prevalence: int
    candidates: dict[str, int] = field(default_factory=dict)
    quiet: str | None = None  # the one line saying that the window held no candidate

    def as_dict(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "window_start": self.window_start.isoformat(),
            "lookback_days": self.lookback_days,
            "events_in_window": self.events_in_window,
            "fleet_hosts": self.fleet_hosts,
            "rule_matches": self.rule_matches,
            "hash_prevalence": self.hash_prevalence,
            "signer_prevalence": self.signer_prevalence,
            "candidates": dict(self.candidates),
            "quiet": self.quiet,
        }


def newest_event_date(refreshed: Refreshed) -> dt.date:
    """The date of the newest event in bronze (the default as-of date), as the up-to-date rollup holds it."""
    if refreshed.newest is None:
        raise UserError(f"table {BRONZE_EVENTS} holds no events; run 'ingest' first")
    return refreshed.newest


def _write_observed(frame: DataFrame, table: Table, as_of: dt.date, **metrics: Column) -> dict[str, int]:
    """Replace ``as_of``'s slice of ``table`` with ``frame``, and return ``metrics`` (aggregates over
    the rows written) observed while the write ran: no second pass, no read-back to count."""
    observation = Observation()
    observed = frame.observe(observation, *[column.alias(name) for name, column in metrics.items()])
    replace_as_of(observed, table, as_of)
    return {name: int(value or 0) for name, value in observation.get.items()}


def write_tables(tables: FeatureTables, lakehouse: Lakehouse, as_of: dt.date, lookback_days: int) -> FeaturesReport:
    """Write the four tables of ``as_of``, gold/candidates last; the report's counts are observed while they are
    written.

    Events and hosts are the sum of the hashes' executions and the window's fleet size (the hash table's
    ``fleet_hosts``); rule matches are the rows of silver/rule_matches.
    """
    rows = F.count(F.lit(1))
    matches = _write_observed(tables.rule_matches, lakehouse.table(SILVER_RULE_MATCHES), as_of, rows=rows)
    hashes = _write_observed(
        tables.hash_prevalence,
        lakehouse.table(GOLD_HASH_PREVALENCE),
        as_of,
        rows=rows,
        events=F.sum("exec_count"),
        hosts=F.max("fleet_hosts"),
    )
    signers = _write_observed(tables.signer_prevalence, lakehouse.table(GOLD_SIGNER_PREVALENCE), as_of, rows=rows)
    populations = _write_observed(
        tables.candidates,
        lakehouse.table(GOLD_CANDIDATES),
        as_of,
        **{name: F.count_if(F.col("population") == F.lit(name)) for name in POPULATIONS},
    )
    return FeaturesReport(
        as_of=as_of,
        window_start=window_start(as_of, lookback_days),
        lookback_days=lookback_days,
        events_in_window=hashes["events"],
        fleet_hosts=hashes["hosts"],
        rule_matches=matches["rows"],
        hash_prevalence=hashes["rows"],
        signer_prevalence=signers["rows"],
        candidates=populations,
    )


@dataclass(frozen=True)
class Refreshed:
    """What :func:`refresh_daily` did: bronze as of the version rolled, the event dates rolled, and the newest
    event date the rollup holds (the default as-of date; None when bronze holds no events)."""

    bronze: DataFrame
    dates: list[dt.date]
    newest: dt.date | None


def refresh_daily(context: JobContext) -> Refreshed:
    """Bring silver/daily_binaries up to date with bronze (module docstring)."""
    spark, lakehouse = context.spark, context.lakehouse
    version = lakehouse.version(spark, BRONZE_EVENTS)
    if version is None:
        raise lakehouse.missing(BRONZE_EVENTS)
    bronze = _bronze_at(spark, lakehouse, version)
    rolled_version, newest = rollup_state(spark, lakehouse)
    if rolled_version == version:
        return Refreshed(bronze, [], newest)
    rolled_files = None if rolled_version is None else _bronze_at(spark, lakehouse, rolled_version).inputFiles()
    dates = dates_to_roll(bronze.inputFiles(), rolled_files)
    if dates is None:  # bronze is not partitioned by event_date: every date, found by a scan
        dates = {row[0] for row in bronze.select("event_date").distinct().collect()}
    if not dates:
        return Refreshed(bronze, [], newest)
    rule = context.config.rule
    rows = daily_rollup(
        bronze.transform(on_dates(sorted(dates))),
        RuleLists(rule.anomalous_statuses, rule.path_patterns, rule.allowed_publishers),
        context.config.features.lolbin_parents,
        version,
    )
    # gold/first_seen first: the rollup's bronze version is what says a date is rolled, so a run that ends between
    # the two writes rolls its dates again next time, and merging the same sightings twice changes nothing.
    rows = rows.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        update_first_seen(lakehouse, rows)
        replace_dates(rows, lakehouse.table(SILVER_DAILY_BINARIES), sorted(dates))
    finally:
        rows.unpersist()
    return Refreshed(bronze, sorted(dates), max([*dates, *([newest] if newest else [])]))


def _daily(context: JobContext, refreshed: Refreshed) -> DataFrame:
    """silver/daily_binaries; when bronze has never held an event (no rollup yet), no rows of its columns."""
    spark, lakehouse = context.spark, context.lakehouse
    if lakehouse.exists(spark, SILVER_DAILY_BINARIES):
        return lakehouse.read(spark, SILVER_DAILY_BINARIES)
    rule = context.config.rule
    rules = RuleLists(rule.anomalous_statuses, rule.path_patterns, rule.allowed_publishers)
    return daily_rollup(refreshed.bronze.limit(0), rules, context.config.features.lolbin_parents)


def _bronze_at(spark: SparkSession, lakehouse: Lakehouse, version: int) -> DataFrame:
    """Bronze at ``version``, with every column of :data:`BRONZE_SCHEMA` (those a bronze of an earlier version
    lacks, until the next ingest adds them, read as null)."""
    bronze = lakehouse.read(spark, BRONZE_EVENTS, version=version)
    present = set(bronze.columns)
    missing = [
        F.lit(None).cast(field.dataType).alias(field.name) for field in BRONZE_SCHEMA if field.name not in present
    ]
    return bronze.select("*", *missing) if missing else bronze


def rollup_state(spark: SparkSession, lakehouse: Lakehouse) -> tuple[int | None, dt.date | None]:
    """The bronze version silver/daily_binaries was last brought up to date with and the newest event date it
    holds, in one pass over the rollup (None, None: no rollup yet)."""
    if not lakehouse.exists(spark, SILVER_DAILY_BINARIES):
        return None, None
    state = lakehouse.read(spark, SILVER_DAILY_BINARIES).agg(F.max("bronze_version"), F.max("event_date")).head()
    if state is None or state[0] is None:
        return None, None
    return int(state[0]), state[1]


def update_first_seen(lakehouse: Lakehouse, rolled: DataFrame) -> None:
    """MERGE the sightings of the rolled days into gold/first_seen (min, max, union of host sketches: merging
    a day again, after a late event, changes only what the late event adds)."""
    sightings = rolled.transform(fleet_sightings)
    lakehouse.upsert(GOLD_FIRST_SEEN, FIRST_SEEN_SCHEMA, sightings, ("kind", "key"), update=merge_first_seen_columns())


def features_run(report: FeaturesReport, bronze: DataFrame) -> FeaturesRun:
    """The ops/features_runs record of ``report``; on a quiet day with what bronze holds (partition metadata)."""
    candidates = sum(report.candidates.get(population, 0) for population in SCORED_POPULATIONS)
    run = FeaturesRun(report.as_of, report.lookback_days, report.events_in_window, candidates)
    if candidates:
        return run
    held = bronze.agg(F.count(F.lit(1)), F.min("event_date"), F.max("event_date")).head()
    if held is None:
        return run
    return replace(run, bronze_events=int(held[0]), oldest_event_date=held[1], newest_event_date=held[2])


def run(context: JobContext, as_of: dt.date | None = None) -> FeaturesReport:
    """Compute and write the features of one as-of date (default: the date of the newest bronze event)."""
    with context.stage("features") as counts:
        spark = context.spark
        lakehouse = context.lakehouse
        refreshed = refresh_daily(context)
        as_of = as_of or newest_event_date(refreshed)
        lookback_days = context.config.features.lookback_days
        codeintegrity = lakehouse.read_if_exists(spark, BRONZE_CODEINTEGRITY)
        history = lakehouse.read_if_exists(spark, GOLD_FIRST_SEEN)
        tables = feature_tables_from_daily(_daily(context, refreshed), as_of, lookback_days, codeintegrity, history)
        # Shared by the hash, signer and candidate tables: computed once, by the first write that needs them.
        cached = [tables.host_binary, tables.hash_prevalence, tables.signer_prevalence]
        for frame in cached:
            frame.persist(StorageLevel.MEMORY_AND_DISK)
        try:
            report = write_tables(tables, lakehouse, as_of, lookback_days)
        finally:
            for frame in cached:
                frame.unpersist()
        record = features_run(report, refreshed.bronze)
        record_features_run(spark, lakehouse, record, dt.datetime.now(dt.UTC))
        if record.candidates == 0:
            report = replace(report, quiet=QuietDay(record).message())
        counts.update(
            as_of=as_of.isoformat(),
            days_rolled=len(refreshed.dates),
            events=report.events_in_window,
            hosts=report.fleet_hosts,
            rule_matches=report.rule_matches,
            hashes=report.hash_prevalence,
            signers=report.signer_prevalence,
            **{f"candidates_{name}": rows for name, rows in report.candidates.items()},
        )
    if report.quiet:
        context.say(f"[features] {report.quiet}")
    for table in (SILVER_RULE_MATCHES, GOLD_HASH_PREVALENCE, GOLD_SIGNER_PREVALENCE, GOLD_CANDIDATES):
        context.detail(f"  {table}: {lakehouse.location(table)}")
    return report
