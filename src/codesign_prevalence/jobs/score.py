"""Entry point: ``codesign-prevalence score [--as-of DATE] [--model-alias champion]``.

Reads gold/candidates (one as-of date, both populations), scores them on the executors with the registered
model under the alias, applies the analysts' verdicts (ops/verdicts, when it exists), and MERGEs the result
into gold/scored_binaries. A quiet day (features found no candidates for the date) writes nothing and says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pyspark.sql import functions as F

from codesign_prevalence.jobs.context import JobContext, Skipped
from codesign_prevalence.models.inputs import features_ever_ran, resolve_as_of
from codesign_prevalence.models.scoring import (
    ModelRef,
    load_python_model,
    no_verdicts,
    score_udf,
    scored_binaries,
    write_scored,
)
from codesign_prevalence.models.scoring_run import log_scoring_run
from codesign_prevalence.models.tracking import connect, version_by_alias, version_uri
from codesign_prevalence.storage import GOLD_CANDIDATES, GOLD_SCORED, OPS_VERDICTS


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

    def as_dict(self) -> dict[str, object]:
        return {
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


def _counts(context: JobContext, as_of: dt.date) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Rows, alerts and suppressed rows per population of one as-of date in gold/scored_binaries."""
    per_population = (
        context.lakehouse.read(context.spark, GOLD_SCORED)
        .where(F.col("as_of") == F.lit(as_of))
        .groupBy("population")
        .agg(
            F.count(F.lit(1)).alias("rows"),
            F.count_if(F.col("alert")).alias("alerts"),
            F.count_if(F.coalesce(F.col("suppressed"), F.lit(False))).alias("suppressed"),
        )
        .collect()
    )
    rows = {row["population"]: int(row["rows"]) for row in per_population}
    alerts = {row["population"]: int(row["alerts"]) for row in per_population}
    suppressed = {row["population"]: int(row["suppressed"]) for row in per_population}
    return rows, alerts, suppressed


def run(
    context: JobContext, as_of: dt.date | None = None, model_alias: str = "champion"
) -> ScoreReport | Skipped:
    """Score one as-of date of gold/candidates (default: the newest) with ``model.name@model_alias``."""
    config = context.config.model
    with context.stage("score") as counts:
        tracking = connect(context.config)
        if not features_ever_ran(context.lakehouse):  # no quiet day possible: a missing model fails before Spark
            version_by_alias(tracking, config.name, model_alias)
        spark, lakehouse = context.spark, context.lakehouse
        resolved = resolve_as_of(spark, lakehouse, GOLD_CANDIDATES, as_of)
        as_of = resolved.date
        if resolved.quiet is not None:  # needs no model
            return context.skip("score", as_of, resolved.quiet.message())
        version = version_by_alias(tracking, config.name, model_alias)
        candidates = lakehouse.read(spark, GOLD_CANDIDATES)
        model = ModelRef(config.name, str(version.version), str(version.run_id))
        udf = score_udf(load_python_model(tracking, version_uri(version)), with_reasons=True)
        has_verdicts = lakehouse.exists(spark, OPS_VERDICTS)
        verdicts = lakehouse.read(spark, OPS_VERDICTS) if has_verdicts else no_verdicts(spark)
        rows = candidates.where(F.col("as_of") == F.lit(as_of)).transform(
            scored_binaries(udf, model, config.alert_top_n, config.alert_min_score, verdicts, as_of)
        )
        write_scored(spark, lakehouse, rows, as_of)
        population_rows, alerts, suppressed = _counts(context, as_of)
        table_version = lakehouse.version(spark, GOLD_SCORED)
        scoring_run_id = log_scoring_run(
            tracking, as_of, (config.name, model_alias, model.version, model.run_id), population_rows, alerts,
            table_version,
        )
        report = ScoreReport(
            as_of=as_of,
            model_name=config.name,
            model_alias=model_alias,
            model_version=model.version,
            run_id=model.run_id,
            rows=population_rows,
            alerts=alerts,
            table_version=table_version,
            suppressed=suppressed,
            scoring_run_id=scoring_run_id,
        )
        counts.update(
            as_of=as_of.isoformat(),
            model=f"{config.name}@{model_alias}=v{model.version}",
            **{f"rows_{name}": number for name, number in population_rows.items()},
            **{f"alerts_{name}": number for name, number in alerts.items()},
            **{f"suppressed_{name}": number for name, number in suppressed.items() if number},
        )
    context.detail(f"  {GOLD_SCORED}: {lakehouse.location(GOLD_SCORED)}")
    return report
