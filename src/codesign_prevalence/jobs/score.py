"""Entry point: ``codesign-prevalence score [--as-of DATE] [--model-alias champion] [--rescore-since DATE]``.

Reads gold/candidates (one as-of date, both populations), applies the certificate intelligence in force on
that date (ops/certificate_intel, when it exists), scores them on the executors with the registered model
under the alias, applies the analysts' verdicts (ops/verdicts, when it exists), and MERGEs the result into
gold/scored_binaries. A quiet day (features found no candidates for the date) writes nothing and says so.

``--rescore-since DATE`` then re-scores the other as-of dates on or after DATE that gold/candidates and
gold/scored_binaries both hold *and whose intel changed*: some scored binary of the date would now get
another intel entry than the one its row records (``intel_id``: an entry added, superseded or cleared since
the date was scored). Finding them is a join of the candidates with the few intel entries, no model; an
unchanged date is not rewritten, so running it twice re-scores nothing the second time. The changed dates
are scored whole (ranks and alerts are per date and population) with the same model, and MERGEd with the
as-of date in one commit, so their earlier scores stay readable with Delta time travel (``versionAsOf`` the
version the summary names). The summary lists the binaries that newly alert: they alert now, on a date that
was scored before this run, and did not alert then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import reduce

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from codesign_prevalence.features.candidates import SCORED_POPULATIONS
from codesign_prevalence.jobs.context import JobContext, Skipped
from codesign_prevalence.jobs.printing import escape_invisible
from codesign_prevalence.models.inputs import features_ever_ran, resolve_as_of
from codesign_prevalence.models.intel import changed_dates, with_certificate_intel
from codesign_prevalence.models.scoring import (
    ModelRef,
    load_python_model,
    read_verdicts,
    score_udf,
    scored_binaries,
    write_scored,
)
from codesign_prevalence.models.scoring_run import log_scoring_run
from codesign_prevalence.models.tracking import Tracking, connect, version_by_alias, version_uri
from codesign_prevalence.storage import GOLD_CANDIDATES, GOLD_SCORED, OPS_CERTIFICATE_INTEL

ALERT_KEY: tuple[str, ...] = ("as_of", "population", "sha256", "subject_name")


@dataclass(frozen=True)
class Rescore:
    """What ``--rescore-since`` did: the dates re-scored, the table versions before and after, new alerts."""

    since: dt.date
    dates: tuple[dt.date, ...] = ()
    previous_version: int | None = None
    table_version: int | None = None
    newly_alerting: tuple[dict[str, object], ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "since": self.since.isoformat(),
            "dates": [day.isoformat() for day in self.dates],
            "previous_version": self.previous_version,
            "table_version": self.table_version,
            "newly_alerting": [dict(row) for row in self.newly_alerting],
        }


@dataclass(frozen=True)
class ScoreReport:
    as_of: dt.date
    model_name: str
    model_alias: str
    model_version: str
    run_id: str
    rows: dict[str, int] = field(default_factory=dict)
    alerts: dict[str, int] = field(default_factory=dict)
    table_version: int | None = None
    suppressed: dict[str, int] = field(default_factory=dict)
    scoring_run_id: str = ""
    rescore: Rescore | None = None

    def as_dict(self) -> dict[str, object]:
        shown: dict[str, object] = {
            "as_of": self.as_of.isoformat(),
            "model_name": self.model_name,
            "model_alias": self.model_alias,
            "model_version": self.model_version,
            "run_id": self.run_id,
            "rows": dict(self.rows),
            "alerts": dict(self.alerts),
            "table_version": self.table_version,
            "suppressed": dict(self.suppressed),
            "scoring_run_id": self.scoring_run_id,
        }
        if self.rescore is not None:
            shown["rescore"] = self.rescore.as_dict()
        return shown


@dataclass(frozen=True)
class Scorer:
    """The model under the alias and what scoring applies beside it (verdicts, intel, alert settings)."""

    context: JobContext
    tracking: Tracking
    alias: str
    model: ModelRef
    udf: Callable[..., Column]
    verdicts: DataFrame
    intel: DataFrame | None  # None when no entry was ever added (scoring then skips the intel lookups)

    def rows(self, candidates: DataFrame, as_of: dt.date) -> DataFrame:
        """Rows of gold/scored_binaries for the candidates of ``as_of``."""
        config = self.context.config
        return candidates.where(F.col("as_of") == F.lit(as_of)).transform(
            scored_binaries(
                self.udf,
                self.model,
                config.model.alert_top_n,
                config.model.alert_min_score,
                self.verdicts,
                as_of,
                self.intel,
                config.rule.allowed_publishers,
            )
        )

    def log(self, as_of: dt.date, rows: dict[str, int], alerts: dict[str, int], table_version: int | None) -> str:
        """Log the scoring of ``as_of`` as an MLflow run; return its id."""
        model = (self.model.name, self.alias, self.model.version, self.model.run_id)
        return log_scoring_run(self.tracking, as_of, model, rows, alerts, table_version)


Counts = dict[str, int]  # population -> number


def _counts(context: JobContext, dates: Sequence[dt.date]) -> dict[dt.date, tuple[Counts, Counts, Counts]]:
    """Per as-of date: rows, alerts and suppressed rows per population in gold/scored_binaries."""
    per_population = (
        context.lakehouse.read(context.spark, GOLD_SCORED)
        .where(F.col("as_of").isin(*[F.lit(day) for day in dates]))
        .groupBy("as_of", "population")
        .agg(
            F.count(F.lit(1)).alias("rows"),
            F.count_if(F.col("alert")).alias("alerts"),
            F.count_if(F.coalesce(F.col("suppressed"), F.lit(False))).alias("suppressed"),
        )
        .collect()
    )
    counted: dict[dt.date, tuple[Counts, Counts, Counts]] = {day: ({}, {}, {}) for day in dates}
    for row in per_population:
        rows, alerts, suppressed = counted[row["as_of"]]
        rows[row["population"]] = int(row["rows"])
        alerts[row["population"]] = int(row["alerts"])
        suppressed[row["population"]] = int(row["suppressed"])
    return counted


def _scorer(context: JobContext, tracking: Tracking, model_alias: str) -> Scorer:
    spark, lakehouse, name = context.spark, context.lakehouse, context.config.model.name
    version = version_by_alias(tracking, name, model_alias)
    model = ModelRef(name, str(version.version), str(version.run_id))
    udf = score_udf(load_python_model(tracking, version_uri(version)), with_reasons=True)
    verdicts = read_verdicts(spark, lakehouse)
    intel = lakehouse.read_if_exists(spark, OPS_CERTIFICATE_INTEL)
    return Scorer(context, tracking, model_alias, model, udf, verdicts, intel)


def run(
    context: JobContext,
    as_of: dt.date | None = None,
    model_alias: str = "champion",
    rescore_since: dt.date | None = None,
) -> ScoreReport | Skipped:
    """Score one as-of date of gold/candidates (default: the newest) with ``model.name@model_alias``; with
    ``rescore_since``, also re-score the earlier dates whose intel changed (module docstring)."""
    config = context.config.model
    with context.stage("score") as counts:
        tracking = connect(context.config)
        if not features_ever_ran(context.lakehouse):  # no quiet day possible: a missing model fails before Spark
            version_by_alias(tracking, config.name, model_alias)
        spark, lakehouse = context.spark, context.lakehouse
        resolved = resolve_as_of(spark, lakehouse, GOLD_CANDIDATES, as_of)
        as_of = resolved.date
        if resolved.quiet is not None and rescore_since is None:  # needs no model
            return context.skip("score", as_of, resolved.quiet.message())
        scorer = _scorer(context, tracking, model_alias)
        candidates = lakehouse.read(spark, GOLD_CANDIDATES)
        changed = _changed_dates(context, scorer, candidates, rescore_since, as_of) if rescore_since else []
        dates = sorted({*changed, *([] if resolved.quiet is not None else [as_of])})
        written = _score_dates(context, scorer, candidates, dates) if dates else None
        rescored = None
        if rescore_since is not None:
            rescored = _said(context, Rescore(rescore_since, tuple(changed)), written, dates)
        if resolved.quiet is not None or written is None:
            return context.skip("score", as_of, resolved.quiet.message() if resolved.quiet else "nothing to score")
        population_rows, alerts, suppressed = written.counts[as_of]
        report = ScoreReport(
            as_of=as_of,
            model_name=config.name,
            model_alias=model_alias,
            model_version=scorer.model.version,
            run_id=scorer.model.run_id,
            rows=population_rows,
            alerts=alerts,
            table_version=written.table_version,
            suppressed=suppressed,
            scoring_run_id=written.run_ids[as_of],
            rescore=rescored,
        )
        counts.update(
            as_of=as_of.isoformat(),
            model=f"{config.name}@{model_alias}=v{scorer.model.version}",
            **{f"rows_{name}": number for name, number in population_rows.items()},
            **{f"alerts_{name}": number for name, number in alerts.items()},
            **{f"suppressed_{name}": number for name, number in suppressed.items() if number},
            **({"rescored": len(rescored.dates), "newly_alerting": len(rescored.newly_alerting)} if rescored else {}),
        )
    context.detail(f"  {GOLD_SCORED}: {lakehouse.location(GOLD_SCORED)}")
    return report


def _changed_dates(
    context: JobContext, scorer: Scorer, candidates: DataFrame, since: dt.date, scored_now: dt.date
) -> list[dt.date]:
    """The as-of dates on or after ``since`` (but ``scored_now``) that gold/candidates and gold/scored_binaries
    hold and whose applied intel changed (module docstring)."""
    spark, lakehouse = context.spark, context.lakehouse
    if scorer.intel is None or not lakehouse.exists(spark, GOLD_SCORED):
        return []
    found = candidates.where(F.col("as_of") >= F.lit(since)).select("as_of").distinct().collect()
    dates = sorted(row[0] for row in found if row[0] != scored_now)
    if not dates:
        return []
    in_dates = F.col("as_of").isin(*[F.lit(day) for day in dates])
    applied = candidates.where(in_dates & F.col("population").isin(*SCORED_POPULATIONS)).transform(
        with_certificate_intel(scorer.intel, dates, context.config.rule.allowed_publishers)
    )
    return sorted(row[0] for row in changed_dates(applied, lakehouse.read(spark, GOLD_SCORED)).collect())


@dataclass(frozen=True)
class Written:
    """One MERGE of several as-of dates: the table versions before and after, counts and MLflow runs per date,
    and the binaries that alert now on a date scored before and did not alert then."""

    previous_version: int | None
    table_version: int | None
    counts: dict[dt.date, tuple[Counts, Counts, Counts]]
    run_ids: dict[dt.date, str]
    newly_alerting: tuple[dict[str, object], ...]


def _alerting(scored: DataFrame, dates: Sequence[dt.date]) -> DataFrame:
    return scored.where(F.col("as_of").isin(*[F.lit(day) for day in dates]) & F.col("alert"))


def _score_dates(context: JobContext, scorer: Scorer, candidates: DataFrame, dates: Sequence[dt.date]) -> Written:
    """Score the as-of dates and MERGE them into gold/scored_binaries in one commit; log one MLflow run each."""
    spark, lakehouse = context.spark, context.lakehouse
    previous_version = lakehouse.version(spark, GOLD_SCORED)
    before: set[tuple[object, ...]] = set()
    scored_before: list[dt.date] = []
    if previous_version is not None:
        previous = lakehouse.read(spark, GOLD_SCORED).where(F.col("as_of").isin(*[F.lit(day) for day in dates]))
        scored_before = sorted(row[0] for row in previous.select("as_of").distinct().collect())
        before = {tuple(row) for row in _alerting(previous, dates).select(*ALERT_KEY).collect()}
    rows = reduce(DataFrame.unionByName, [scorer.rows(candidates, day) for day in dates])
    write_scored(lakehouse, rows, dates)
    table_version = lakehouse.version(spark, GOLD_SCORED)
    counted = _counts(context, dates)
    run_ids = {day: scorer.log(day, counted[day][0], counted[day][1], table_version) for day in dates}
    newly: tuple[dict[str, object], ...] = ()
    if scored_before:
        shown = ("rank", "anomaly_score", "intel_status", "intel_source")
        now = _alerting(lakehouse.read(spark, GOLD_SCORED), scored_before).select(*ALERT_KEY, *shown)
        newly = tuple(
            {**row.asDict(), "as_of": row["as_of"].isoformat()}
            for row in now.orderBy("as_of", "population", "rank").collect()
            if tuple(row[name] for name in ALERT_KEY) not in before
        )
    return Written(previous_version, table_version, counted, run_ids, newly)


def _said(context: JobContext, rescore: Rescore, written: Written | None, dates: Sequence[dt.date]) -> Rescore:
    """Say what ``--rescore-since`` did (the run summary) and return it with the versions and new alerts."""
    since = rescore.since.isoformat()
    if not rescore.dates or written is None:
        context.say(f"[score] no as-of date since {since} has new certificate intel; nothing re-scored")
        return rescore
    listed = ", ".join(day.isoformat() for day in rescore.dates)
    context.say(
        f"[score] re-scored {len(rescore.dates)} earlier as-of date(s) with new certificate intel: {listed}; "
        f"the previous scores are {GOLD_SCORED} versionAsOf {written.previous_version}"
    )
    for row in written.newly_alerting:
        intel = f" (intel: {row['intel_status']}, {row['intel_source']})" if row["intel_status"] else ""
        context.say(
            f"[score] newly alerting: {row['as_of']} {row['population']} #{row['rank']} {row['sha256']} "
            f"'{escape_invisible(str(row['subject_name']))}'{escape_invisible(intel)}"
        )
    if not written.newly_alerting:
        context.say(f"[score] no binary newly alerts on the dates scored ({', '.join(d.isoformat() for d in dates)})")
    return Rescore(
        rescore.since, rescore.dates, written.previous_version, written.table_version, written.newly_alerting
    )
