"""Entry point: ``codesign-prevalence train [--as-of DATE]``.

Reads gold/candidates (one as-of date, the training population, a bounded random sample), fits the
IsolationForest, logs the run to MLflow and registers a new version of ``model.name`` (alias ``challenger``;
the first version also ``champion``). With no rows to train on (a quiet day) it registers nothing, keeps the
champion and says so in one line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from codesign_prevalence.errors import ModelNotFoundError
from codesign_prevalence.features.candidates import POPULATION_REFERENCE
from codesign_prevalence.jobs.context import JobContext, Skipped
from codesign_prevalence.models.features import check_feature_names
from codesign_prevalence.models.inputs import resolve_as_of
from codesign_prevalence.models.registry import log_and_register
from codesign_prevalence.models.tracking import CHAMPION, Tracking, connect, version_by_alias
from codesign_prevalence.models.training import (
    ALL_POPULATIONS,
    bounded_sample,
    fit_model,
    random_state_spread,
    training_rows,
)
from codesign_prevalence.storage import GOLD_CANDIDATES

METRIC_KEY = re.compile(r"[a-z0-9_]{1,64}")  # a folder class logged in a metric's name (the features' vocabulary)


@dataclass(frozen=True)
class TrainReport:
    as_of: dt.date
    model_name: str
    model_version: str
    aliases: tuple[str, ...]
    run_id: str
    training_rows: int
    candidates_version: int | None
    tracking_uri: str
    metrics: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "model_name": self.model_name,
            "model_version": self.model_version,
            "aliases": list(self.aliases),
            "run_id": self.run_id,
            "training_rows": self.training_rows,
            "candidates_version": self.candidates_version,
            "tracking_uri": self.tracking_uri,
            "metrics": dict(self.metrics),
        }


def _kept(tracking: Tracking, name: str) -> str:
    """What stays in place when nothing is trained: the champion version, or that there is none yet."""
    try:
        champion = version_by_alias(tracking, name, CHAMPION)
    except ModelNotFoundError:
        return f"no model registered ({name}@{CHAMPION} does not exist yet)"
    return f"{name}@{CHAMPION} stays v{champion.version}"


def run(context: JobContext, as_of: dt.date | None = None) -> TrainReport | Skipped:
    """Train on one as-of date of gold/candidates (default: the newest) and register the model; with nothing
    to train on (a quiet day, or none of the training population), register nothing and say so."""
    config = context.config.model
    check_feature_names(config.features)
    with context.stage("train") as counts:
        spark, lakehouse = context.spark, context.lakehouse
        resolved = resolve_as_of(spark, lakehouse, GOLD_CANDIDATES, as_of)
        as_of = resolved.date
        if resolved.quiet is not None:
            kept = _kept(connect(context.config), config.name)
            return context.skip("train", as_of, resolved.quiet.message(f"nothing to train on; {kept}"))
        candidates = lakehouse.read(spark, GOLD_CANDIDATES)
        lineage = {GOLD_CANDIDATES: lakehouse.version(spark, GOLD_CANDIDATES)}
        rows = training_rows(candidates, as_of, config.training_population)
        sample = bounded_sample(rows, config.max_training_rows, config.random_state)
        if sample.empty and config.training_population == POPULATION_REFERENCE:
            # gold/candidates written before the reference population existed: its scored binaries, once each
            context.say(f"[train] no '{POPULATION_REFERENCE}' rows for as-of {as_of.isoformat()} (features of an "
                        "older version); training on the scored populations; rerun 'features' to train on it")
            rows = training_rows(candidates, as_of, ALL_POPULATIONS)
            sample = bounded_sample(rows, config.max_training_rows, config.random_state)
        if sample.empty:
            return context.skip(
                "train",
                as_of,
                f"no '{config.training_population}' candidates for as-of {as_of.isoformat()}: nothing to train on; "
                f"{_kept(connect(context.config), config.name)} (model.training_population chooses the population)",
            )
        result = fit_model(sample, config)
        extra = {
            "reference_rows": float(rows.count()) if len(sample) >= config.max_training_rows else float(len(sample)),
            **random_state_spread(result, config, config.alert_top_n),
            **{f"fact_weight_{name}": weight for name, weight in (result.model.fact_weights or {}).items()},
            **{
                f"peer_weight_{group}_{name}": weight
                for group, weights in (result.model.peer_weights or {}).items()
                if METRIC_KEY.fullmatch(group)
                for name, weight in weights.items()
            },
            # a graded fact's weight at the highest level a training row reaches (model.graded_facts)
            **{
                f"level_weight_{name}_top": float(table.surprisals[-2])
                for name, table in (result.model.level_weights or {}).items()
                if table.levels.size
            },
            # lolbin_parent's weight factor for a parent no training row had (model.parent_surprisal)
            **({"parent_factor_unseen": result.model.parent_factors.unseen} if result.model.parent_factors else {}),
        }
        tracking = connect(context.config)
        registered = log_and_register(tracking, result, config, as_of, lineage, extra)
        report = TrainReport(
            as_of=as_of,
            model_name=config.name,
            model_version=registered.version,
            aliases=registered.aliases,
            run_id=registered.run_id,
            training_rows=len(sample),
            candidates_version=lineage[GOLD_CANDIDATES],
            tracking_uri=tracking.tracking_uri,
            metrics=registered.metrics,
        )
        counts.update(
            as_of=as_of.isoformat(),
            rows=len(sample),
            version=registered.version,
            aliases="+".join(registered.aliases),
        )
    context.detail(f"  run {registered.run_id} in {tracking.tracking_uri}")
    return report
