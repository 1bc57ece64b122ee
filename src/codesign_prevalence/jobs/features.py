"""Entry point: ``codesign-prevalence features [--as-of DATE]``.

Reads bronze/process_events. First brings silver/daily_binaries up to date: the event dates of the bronze rows
ingested since the rollup's newest ``max_ingested_at`` are rolled again from bronze and replace their days
(``replaceWhere`` on those dates), so a daily run aggregates the new day's events, and a late event re-rolls
its own day only. Then writes silver/rule_matches, gold/hash_prevalence, gold/signer_prevalence and
gold/candidates from the window's rollup rows, each partitioned by ``as_of`` and written with an atomic
``replaceWhere`` on that date, so a rerun for the same date leaves the same tables; appends the run to
ops/features_runs. A window without candidates (a quiet day) is a successful run that says so in one line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
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
from codesign_prevalence.features.rollup import dates_to_roll, on_dates
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.models.inputs import QuietDay
from codesign_prevalence.ops import FeaturesRun, record_features_run
from codesign_prevalence.storage import (
    BRONZE_EVENTS,
    GOLD_CANDIDATES,
    GOLD_HASH_PREVALENCE,
    GOLD_SIGNER_PREVALENCE,
    SILVER_DAILY_BINARIES,
    SILVER_RULE_MATCHES,
    Lakehouse,
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


def newest_event_date(bronze: DataFrame) -> dt.date:
    """The date of the newest event in bronze (the default as-of date)."""
    newest = bronze.agg(F.max("event_date")).head()
    if newest is None or newest[0] is None:
        raise UserError(f"table {BRONZE_EVENTS} holds no events; run 'ingest' first")
    newest_date: dt.date = newest[0]
    return newest_date


def _count(tables: FeatureTables, as_of: dt.date, lookback_days: int) -> FeaturesReport:
    """The report's counts, from the persisted aggregates, in one action (no second pass over the events).

    Events, hosts and rule matches are sums over the per-(host, binary) table (the rule matches are the
    executions of the matching variants: the same events, the same rule).
    """
    totals = tables.host_binary.agg(
        F.sum("executions").alias("events"),
        F.count_distinct("host_id").alias("hosts"),
        F.sum("rule_match_count").alias("rule_matches"),
    )
    hashes = tables.hash_prevalence.agg(F.count(F.lit(1)).alias("hashes"))
    signers = tables.signer_prevalence.agg(F.count(F.lit(1)).alias("signers"))
    populations = tables.candidates.agg(
        *[F.count_if(F.col("population") == F.lit(name)).alias(name) for name in POPULATIONS]
    )
    row = totals.crossJoin(hashes).crossJoin(signers).crossJoin(populations).head()
    assert row is not None  # global aggregates always have one row
    return FeaturesReport(
        as_of=as_of,
        window_start=window_start(as_of, lookback_days),
        lookback_days=lookback_days,
        events_in_window=int(row["events"] or 0),
        fleet_hosts=int(row["hosts"] or 0),
        rule_matches=int(row["rule_matches"] or 0),
        hash_prevalence=int(row["hashes"]),
        signer_prevalence=int(row["signers"]),
        candidates={name: int(row[name]) for name in POPULATIONS},
    )


def refresh_daily(context: JobContext, bronze: DataFrame) -> list[dt.date]:
    """Bring silver/daily_binaries up to date with bronze; return the event dates rolled (module docstring)."""
    spark, lakehouse = context.spark, context.lakehouse
    watermark = rollup_watermark(lakehouse, spark)
    dates = dates_to_roll(bronze, watermark)
    if dates:
        rule = context.config.rule
        rows = daily_rollup(
            bronze.transform(on_dates(dates)),
            RuleLists(rule.anomalous_statuses, rule.path_patterns, rule.allowed_publishers),
            context.config.features.lolbin_parents,
        )
        replace_dates(rows, lakehouse.path(SILVER_DAILY_BINARIES), dates)
    return dates


def rollup_watermark(lakehouse: Lakehouse, spark: SparkSession) -> dt.datetime | None:
    """The newest ``ingested_at`` that silver/daily_binaries holds (None: no rollup yet, roll every date)."""
    if not lakehouse.exists(spark, SILVER_DAILY_BINARIES):
        return None
    newest = lakehouse.read(spark, SILVER_DAILY_BINARIES).agg(F.max("max_ingested_at")).head()
    return None if newest is None else newest[0]


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
        bronze = lakehouse.read(spark, BRONZE_EVENTS)
        as_of = as_of or newest_event_date(bronze)
        lookback_days = context.config.features.lookback_days
        rolled = refresh_daily(context, bronze)
        tables = feature_tables_from_daily(lakehouse.read(spark, SILVER_DAILY_BINARIES), as_of, lookback_days)
        cached = [
            tables.variants,
            tables.host_binary,
            tables.labels,
            tables.hash_prevalence,
            tables.signer_prevalence,
            tables.candidates,
        ]
        for frame in cached:
            frame.persist(StorageLevel.MEMORY_AND_DISK)
        try:
            report = _count(tables, as_of, lookback_days)
            replace_as_of(tables.rule_matches, lakehouse.path(SILVER_RULE_MATCHES), as_of)
            replace_as_of(tables.hash_prevalence, lakehouse.path(GOLD_HASH_PREVALENCE), as_of)
            replace_as_of(tables.signer_prevalence, lakehouse.path(GOLD_SIGNER_PREVALENCE), as_of)
            replace_as_of(tables.candidates, lakehouse.path(GOLD_CANDIDATES), as_of)
        finally:
            for frame in cached:
                frame.unpersist()
        record = features_run(report, bronze)
        record_features_run(spark, lakehouse, record, dt.datetime.now(dt.UTC))
        if record.candidates == 0:
            report = replace(report, quiet=QuietDay(record).message())
        counts.update(
            as_of=as_of.isoformat(),
            days_rolled=len(rolled),
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
        context.detail(f"  {table}: {lakehouse.path(table)}")
    return report
