"""Entry point: ``codesign-prevalence features [--as-of DATE]``.

Reads bronze/process_events; writes silver/rule_matches, gold/hash_prevalence, gold/signer_prevalence and
gold/candidates, each partitioned by ``as_of`` and written with an atomic ``replaceWhere`` on that date, so a
rerun for the same date leaves the same tables; appends the run to ops/features_runs. A window without
candidates (a quiet day) is a successful run that says so in one line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from pyspark import StorageLevel
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from codesign_prevalence.errors import UserError
from codesign_prevalence.features.candidates import POPULATIONS, SCORED_POPULATIONS
from codesign_prevalence.features.events import window_start
from codesign_prevalence.features.pipeline import FeatureTables, RuleLists, feature_tables
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.models.inputs import QuietDay
from codesign_prevalence.ops import FeaturesRun, record_features_run
from codesign_prevalence.storage import (
    BRONZE_EVENTS,
    GOLD_CANDIDATES,
    GOLD_HASH_PREVALENCE,
    GOLD_SIGNER_PREVALENCE,
    SILVER_RULE_MATCHES,
    replace_as_of,
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
    """The report's counts, from the persisted aggregates (no second pass over the events).

    Rule matches are the sum of the per-(host, binary) match counts: the same events, the same rule.
    """
    totals = tables.host_binary.agg(
        F.sum("executions").alias("events"),
        F.count_distinct("host_id").alias("hosts"),
        F.sum("rule_match_count").alias("rule_matches"),
    ).head()
    populations = {population: 0 for population in POPULATIONS}
    for row in tables.candidates.groupBy("population").count().collect():
        populations[row["population"]] = int(row["count"])
    return FeaturesReport(
        as_of=as_of,
        window_start=window_start(as_of, lookback_days),
        lookback_days=lookback_days,
        events_in_window=int(totals["events"] or 0) if totals else 0,
        fleet_hosts=int(totals["hosts"] or 0) if totals else 0,
        rule_matches=int(totals["rule_matches"] or 0) if totals else 0,
        hash_prevalence=tables.hash_prevalence.count(),
        signer_prevalence=tables.signer_prevalence.count(),
        candidates=populations,
    )


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
        rule = context.config.rule
        tables = feature_tables(
            bronze,
            as_of,
            lookback_days,
            RuleLists(rule.anomalous_statuses, rule.path_patterns, rule.allowed_publishers),
            context.config.features.lolbin_parents,
        )
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
