"""Training: a bounded sample of gold/candidates reaches the driver, the forest is fitted on its features.

Only ``model.max_training_rows`` rows of one as-of date and one population (``model.training_population``;
default ``hunt``: every signed binary seen in a user-writable folder, overwhelmingly benign) are brought to
the driver, chosen by ``orderBy(rand(seed)).limit(cap)`` (a per-partition top-k, not a full sort).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from sklearn.ensemble import IsolationForest

from codesign_prevalence.config import ModelConfig
from codesign_prevalence.models.features import check_feature_names, fact_priors, feature_params, graded_facts
from codesign_prevalence.models.scoring import absent_optional_inputs
from codesign_prevalence_model.features import (
    INPUT_COLUMNS,
    OPTIONAL_INPUTS,
    REQUIRED_INPUTS,
    known_publisher_discounted,
)
from codesign_prevalence_model.forest import (
    PARENT_COLUMN,
    PEER_GROUP_COLUMN,
    ReasonSettings,
    SuspicionForestModel,
    fact_surprisals,
    level_table,
    model_input_frame,
    parent_factors,
    peer_surprisals,
)

ALL_POPULATIONS = "all"
ABSENT = 0.0  # a suspicion feature's value when its fact is absent
SCORE_QUANTILES: tuple[float, ...] = (0.5, 0.9, 0.99)


@dataclass(frozen=True)
class TrainingResult:
    """The fitted python model, the sample it saw (input columns only) and that sample's scores."""

    model: SuspicionForestModel
    sample: pd.DataFrame
    scores: np.ndarray


def training_rows(candidates: DataFrame, as_of: dt.date, population: str) -> DataFrame:
    """The rows of one as-of date in the training population (``all``: both, one row per binary).

    Reads: ``as_of``, ``population``, ``sha256``, ``signer`` and :data:`INPUT_COLUMNS` of gold/candidates.
    Output: :data:`INPUT_COLUMNS` (the optional inputs that a gold/candidates written before them lacks, null).
    """
    on_date = candidates.where(F.col("as_of") == F.lit(as_of))
    if population == ALL_POPULATIONS:
        chosen = on_date.dropDuplicates(["sha256", "signer"])
    else:
        chosen = on_date.where(F.col("population") == F.lit(population))
    absent = absent_optional_inputs(chosen.columns)  # present columns keep their types (the sample hashes them)
    return chosen.select(*[absent.get(name, F.col(name)) for name in INPUT_COLUMNS])


def training_frame(candidates: pd.DataFrame, config: ModelConfig) -> pd.DataFrame:
    """The training rows of one as-of date's candidates already in pandas (benchmarks, tests): as
    :func:`training_rows`, ordered by (sha256, signer), at most ``max_training_rows`` of them; the optional
    inputs that candidates written before them lack are null (the quality benchmark's kept fleets)."""
    population = config.training_population
    if population == ALL_POPULATIONS:
        chosen = candidates.drop_duplicates(["sha256", "signer"])
    else:
        chosen = candidates[candidates["population"] == population]
    ordered = chosen.sort_values(["sha256", "signer"], na_position="first", kind="stable")
    present = [*REQUIRED_INPUTS, *(name for name in OPTIONAL_INPUTS if name in ordered.columns)]
    rows = ordered.head(config.max_training_rows).loc[:, present]  # a required column absent: KeyError
    return rows.reindex(columns=list(INPUT_COLUMNS)).reset_index(drop=True)


def bounded_sample(rows: DataFrame, cap: int, seed: int) -> pd.DataFrame:
    """At most ``cap`` rows, uniformly at random with a fixed seed, as pandas (the only collect of training).

    The random order is a hash of each row's values and the seed, not of its position in a partition (as
    ``rand(seed)`` would be): the same rows give the same sample in the same order, hence the same forest,
    however the table's files are laid out and however many executors read them.
    """
    columns = [F.col(name) for name in rows.columns]
    return rows.orderBy(F.xxhash64(F.lit(seed), *columns), *columns).limit(cap).toPandas()


def _max_samples(setting: int | float | str, rows: int) -> int | float | str:
    """The forest's ``max_samples``: an int above the row count means all rows (sklearn would warn)."""
    if isinstance(setting, int) and not isinstance(setting, bool):
        return min(setting, rows)
    return setting


def fit_model(sample: pd.DataFrame, config: ModelConfig) -> TrainingResult:
    """Fit the forest on the sample's suspicion features.

    The reasons' baseline is 0 for every feature: the unsuspicious side of a one-sided suspicion feature, where
    the fact it measures is absent (:mod:`codesign_prevalence_model.reasons`).
    """
    names = check_feature_names(config.features)
    graded = graded_facts(config)  # checked before the forest is grown
    priors = fact_priors(config)
    frame = model_input_frame(sample)
    model = SuspicionForestModel(
        forest=IsolationForest(
            n_estimators=config.n_estimators,
            max_samples=_max_samples(config.max_samples, len(frame)),
            max_features=config.max_features,
            random_state=config.random_state,
        ),
        feature_names=names,
        feature_params=feature_params(config),
        baseline={},
        reasons=ReasonSettings(config.reasons_per_binary, config.reason_min_contribution),
        forest_weight=config.forest_weight,
        additive_includes_gate=config.additive_includes_rarity,
    )
    features = model.observed_features(frame)
    model.forest.fit(features.to_numpy(dtype="float64"))
    if config.additive_weights == "surprisal":
        # Each weight is the fact's surprisal (how rare it is in this fleet) times its prior (how much it says
        # "attack"), baked in: a logged model scores with the weights it was trained with.
        weights = fact_surprisals(features, config.surprisal_power)
        model.fact_weights = {name: weight * priors[name] for name, weight in weights.items()}
        if config.peer_prior_rows is not None:
            groups = frame[PEER_GROUP_COLUMN].to_numpy(dtype=object)
            peers = peer_surprisals(features, groups, config.surprisal_power, config.peer_prior_rows)
            model.peer_weights = {
                group: {name: weight * priors[name] for name, weight in facts.items()}
                for group, facts in peers.items()
            } or None
        levels = {name: level_table(features[name], config.surprisal_power) for name in graded}
        model.level_weights = {
            name: table._replace(surprisals=table.surprisals * priors[name]) for name, table in levels.items()
        } or None
        if config.parent_surprisal:
            model.parent_factors = parent_factors(features, frame[PARENT_COLUMN], config.surprisal_power)
    model.baseline = dict.fromkeys(names, ABSENT)
    scored = known_publisher_discounted(features, frame, model.feature_params)  # as model.features(frame)
    matrix = scored.to_numpy(dtype="float64")
    scores = model.score_matrix(matrix, model.peer_groups(frame), model.parent_weight_factors(frame))
    return TrainingResult(model=model, sample=frame, scores=scores)


SPREAD_STATES = 4  # forests with other random states, fitted to measure how much the ranking depends on it


def random_state_spread(result: TrainingResult, config: ModelConfig, top_n: int) -> dict[str, float]:
    """How much the ranking of the training rows moves with ``random_state``: ``SPREAD_STATES`` more forests.

    Metrics: the smallest Spearman correlation of their scores with the trained model's, and the smallest
    share of the trained model's top ``top_n`` rows that each other forest also puts in its top ``top_n``.
    """
    rows = len(result.sample)
    if rows < 3:
        return {}
    top = min(max(1, top_n), rows)
    own_order = np.argsort(-result.scores, kind="stable")
    own_top = set(own_order[:top].tolist())
    own_ranks = pd.Series(result.scores).rank().to_numpy()
    correlations, overlaps = [], []
    for offset in range(1, SPREAD_STATES + 1):
        other_config = config.model_copy(update={"random_state": config.random_state + offset})
        other = fit_model(result.sample, other_config).scores
        other_ranks = pd.Series(other).rank().to_numpy()
        correlation = np.corrcoef(own_ranks, other_ranks)[0, 1] if np.std(other_ranks) > 0 else 1.0
        correlations.append(float(correlation) if np.isfinite(correlation) else 1.0)
        overlaps.append(len(own_top & set(np.argsort(-other, kind="stable")[:top].tolist())) / top)
    return {
        "random_state_spearman_min": float(min(correlations)),
        f"random_state_top{top}_overlap_min": float(min(overlaps)),
    }


def training_metrics(scores: np.ndarray, alert_top_n: int, alert_min_score: float | None) -> dict[str, float]:
    """Rows, score quantiles and how many training rows would alert (above the minimum score, or the top-N cut)."""
    metrics: dict[str, float] = {"training_rows": float(len(scores))}
    if len(scores) == 0:
        return metrics
    for quantile in SCORE_QUANTILES:
        metrics[f"score_p{round(quantile * 100)}"] = float(np.quantile(scores, quantile))
    metrics["score_max"] = float(scores.max())
    if alert_top_n > 0:
        ordered = np.sort(scores)[::-1]
        metrics["score_at_alert_top_n"] = float(ordered[min(alert_top_n, len(ordered)) - 1])
    if alert_min_score is not None:
        metrics["training_rows_above_alert_min_score"] = float((scores >= alert_min_score).sum())
    return metrics
