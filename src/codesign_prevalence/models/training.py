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
from codesign_prevalence.models.features import INPUT_COLUMNS, FeatureParams, check_feature_names
from codesign_prevalence.models.pyfunc import ReasonSettings, SuspicionForestModel, model_input_frame

ALL_POPULATIONS = "all"
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
    Output: :data:`INPUT_COLUMNS`.
    """
    on_date = candidates.where(F.col("as_of") == F.lit(as_of))
    if population == ALL_POPULATIONS:
        chosen = on_date.dropDuplicates(["sha256", "signer"])
    else:
        chosen = on_date.where(F.col("population") == F.lit(population))
    return chosen.select(*INPUT_COLUMNS)


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
    """Fit the forest on the sample's suspicion features; the training medians become the reasons' baseline."""
    names = check_feature_names(config.features)
    frame = model_input_frame(sample)
    model = SuspicionForestModel(
        forest=IsolationForest(
            n_estimators=config.n_estimators,
            max_samples=_max_samples(config.max_samples, len(frame)),
            max_features=config.max_features,
            random_state=config.random_state,
        ),
        feature_names=names,
        feature_params=FeatureParams.from_config(config),
        baseline={},
        reasons=ReasonSettings(config.reasons_per_binary, config.reason_min_contribution),
    )
    features = model.features(frame)
    model.forest.fit(features.to_numpy(dtype="float64"))
    model.baseline = {name: float(features[name].median()) for name in names}
    return TrainingResult(model=model, sample=frame, scores=model.score_matrix(features.to_numpy(dtype="float64")))


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
