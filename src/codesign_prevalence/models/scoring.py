"""Distributed scoring: gold/candidates -> gold/scored_binaries, through the registered pyfunc on the executors.

The model is loaded by alias (``models:/<name>@<alias>``) from the registry on the driver and shipped to the
executors inside a pandas UDF's closure (no RDD broadcast, so this works under Spark Connect too): each scores
its partitions in Arrow batches, and nothing but the per-population ranks is computed across rows. The rows
are written with a Delta MERGE on (``sha256``, ``subject_name``, ``population``, ``as_of``): scoring an as-of
date again updates its rows in place.

``rank`` is 1 for the most anomalous binary within an as-of date and population; ties are broken by
``sha256`` then ``subject_name`` (ascending), so ranks are a permutation of 1..n. ``alert`` is true for the
top ``model.alert_top_n`` of each population (all rows when 0) whose score is at least
``model.alert_min_score`` (no minimum when unset); with ``alert_top_n = 0`` and no minimum nothing alerts.
Binaries covered by an active benign analyst verdict (ops/verdicts, :mod:`codesign_prevalence.models.verdicts`)
are ``suppressed``: they keep their row and their rank, never alert, and take no place in the top
``alert_top_n`` (the next binary alerts instead). A binary without any reason (nothing about it more
suspicious than the typical signed binary) never alerts either. The covering verdict, benign or malicious, is shown in
``verdict``, ``verdict_note``, ``verdict_by`` and ``verdict_id``.
Certificate intelligence (ops/certificate_intel, :mod:`codesign_prevalence.models.intel`) in force on the
as-of date is applied to the candidates before the model (a ``revoked`` or ``malicious`` entry raises the
binary's certificate status and, where the seed rule's other conditions hold, its ``rule_match``) and named in
the reasons after it; the entry applied is shown in ``intel_status``, ``intel_source``, ``intel_effective``
and ``intel_id``. The model's input contract (feature columns in, score out) is unchanged.
A null ``subject_name`` (a signed file without a subject) is stored as an empty string, so that the MERGE
key never holds a null.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass

import pandas as pd
from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import (
    ArrayType,
    DoubleType,
    StringType,
    StructField,
    StructType,
)

from codesign_prevalence.features.candidates import SCORED_POPULATIONS
from codesign_prevalence.models.intel import with_certificate_intel, with_intel_reasons, without_intel
from codesign_prevalence.models.tracking import Tracking
from codesign_prevalence.models.verdicts import with_verdicts, without_verdicts
from codesign_prevalence.schema import SCORED_SCHEMA, VERDICTS_SCHEMA
from codesign_prevalence.storage import GOLD_SCORED, OPS_VERDICTS, DatesIn, Lakehouse
from codesign_prevalence_model.features import (
    BOOLEAN_INPUTS,
    INPUT_COLUMNS,
    NUMERIC_INPUTS,
    OPTIONAL_NUMERIC_INPUTS,
    OPTIONAL_STRING_INPUTS,
    STRING_INPUTS,
)
from codesign_prevalence_model.forest import REASONS_COLUMN, SCORE_COLUMN, WITH_REASONS, SuspicionForestModel

SCORED_KEY: tuple[str, ...] = ("sha256", "subject_name", "population", "as_of")
PREDICTION = "_prediction"

PREDICTION_TYPE = StructType(
    [StructField(SCORE_COLUMN, DoubleType(), True), StructField(REASONS_COLUMN, ArrayType(StringType()), True)]
)


@dataclass(frozen=True)
class ModelRef:
    """Which registered version scored a row."""

    name: str
    version: str
    run_id: str


def absent_optional_inputs(available: Collection[str]) -> dict[str, Column]:
    """The optional model inputs that ``available`` (a frame's columns) lacks, as a gold/candidates written
    before them does: typed nulls, by name."""
    kinds = {**dict.fromkeys(OPTIONAL_NUMERIC_INPUTS, "double"), **dict.fromkeys(OPTIONAL_STRING_INPUTS, "string")}
    return {name: F.lit(None).cast(kind).alias(name) for name, kind in kinds.items() if name not in available}


def model_input_columns(available: Collection[str] | None = None) -> list[Column]:
    """The candidate columns in the model signature's types: numbers as double, flags never null; the
    optional inputs that ``available`` (the candidates' columns; None: all) lacks are null."""
    absent = absent_optional_inputs(available) if available is not None else {}

    def optional(name: str, kind: str) -> Column:
        return absent.get(name, F.col(name)).cast(kind).alias(name)

    return [
        *[F.col(name).cast("double").alias(name) for name in NUMERIC_INPUTS],
        *[F.coalesce(F.col(name), F.lit(False)).alias(name) for name in BOOLEAN_INPUTS],
        *[F.col(name).cast("string").alias(name) for name in STRING_INPUTS],
        *[optional(name, "double") for name in OPTIONAL_NUMERIC_INPUTS],
        *[optional(name, "string") for name in OPTIONAL_STRING_INPUTS],
    ]


def load_python_model(tracking: Tracking, model_uri: str) -> SuspicionForestModel:
    """The registered model's python object, loaded on the driver through MLflow (``models:/name/version``)."""
    pyfunc_logger = logging.getLogger("mlflow.pyfunc")
    level = pyfunc_logger.level
    pyfunc_logger.setLevel(logging.ERROR)
    try:
        loaded = tracking.load_model(model_uri)
    finally:
        pyfunc_logger.setLevel(level)
    model = loaded.unwrap_python_model()
    if not isinstance(model, SuspicionForestModel):
        raise TypeError(f"{model_uri} is not a codesign-prevalence model ({type(model).__name__})")
    return model


def score_udf(model: SuspicionForestModel, with_reasons: bool) -> Callable[..., Column]:
    """The registered model as a pandas UDF over :func:`model_input_columns`: a double, or score and reasons.

    The model (:func:`load_python_model`, once on the driver) is pickled into the UDF's closure (about 10 MB
    for 1,000 trees; Spark ships a large task binary as a broadcast itself), and the executors call its
    ``predict`` on Arrow batches. A closure rather than ``sparkContext.broadcast``: Spark Connect sessions have
    no SparkContext. Unlike ``mlflow.pyfunc.spark_udf`` this keeps MLflow out of the Python
    workers, which would otherwise each open the tracking store (its migrations' log lines, a stray
    ``./mlruns``) only to load a model the driver already has.
    """
    names = list(INPUT_COLUMNS)
    params = {WITH_REASONS: True} if with_reasons else None

    def predict(batches: Iterator[tuple[pd.Series, ...]]) -> Iterator[pd.DataFrame]:
        for columns in batches:
            yield model.predict(None, pd.DataFrame(dict(zip(names, columns, strict=True))), params)

    def predict_score(batches: Iterator[tuple[pd.Series, ...]]) -> Iterator[pd.Series]:
        for frame in predict(batches):
            yield frame[SCORE_COLUMN]

    if with_reasons:
        return F.pandas_udf(predict, PREDICTION_TYPE)  # type: ignore[call-overload]
    return F.pandas_udf(predict_score, DoubleType())  # type: ignore[call-overload]


def with_prediction(udf: Callable[..., Column]) -> Callable[[DataFrame], DataFrame]:
    """A transform adding ``anomaly_score`` and ``reasons`` from a score-and-reasons UDF (:func:`score_udf`).

    Reads: the model's input columns of gold/candidates. Adds: ``anomaly_score``, ``reasons``.
    """

    def transform(candidates: DataFrame) -> DataFrame:
        predicted = candidates.select("*", udf(*model_input_columns(candidates.columns)).alias(PREDICTION))
        return predicted.select(
            *[F.col(name) for name in candidates.columns],
            F.col(f"{PREDICTION}.{SCORE_COLUMN}").alias(SCORE_COLUMN),
            F.coalesce(F.col(f"{PREDICTION}.{REASONS_COLUMN}"), F.array().cast("array<string>")).alias(REASONS_COLUMN),
        )

    return transform


def one_row_per_key(scored: DataFrame) -> DataFrame:
    """Guard the MERGE: keep one row per (sha256, subject_name, population, as_of), the highest score.

    Reads: the key columns (``subject_name`` already non-null), ``anomaly_score``, ``signer``.
    """
    order = Window.partitionBy(*SCORED_KEY).orderBy(F.col(SCORE_COLUMN).desc(), F.col("signer").asc_nulls_last())
    numbered = scored.select("*", F.row_number().over(order).alias("_key_row"))
    return numbered.where(F.col("_key_row") == F.lit(1)).drop("_key_row")


def with_rank(scored: DataFrame) -> DataFrame:
    """Adds ``rank``: 1 = most anomalous within (as_of, population); ties by sha256, then subject_name."""
    order = Window.partitionBy("as_of", "population").orderBy(
        F.col(SCORE_COLUMN).desc(), F.col("sha256").asc(), F.col("subject_name").asc()
    )
    return scored.select("*", F.row_number().over(order).alias("rank"))


def with_alert(
    top_n: int, min_score: float | None, skip_suppressed: bool = False, require_reason: bool = False
) -> Callable[[DataFrame], DataFrame]:
    """A transform adding ``alert`` (module docstring). Reads ``rank`` and ``anomaly_score``.

    With ``skip_suppressed`` it also reads ``suppressed``, ``as_of`` and ``population``: a suppressed row never
    alerts, and the top ``top_n`` are counted among the rows that are not suppressed. With ``require_reason``
    it also reads ``reasons``: a row with no reason (nothing about it is more suspicious than typical, as
    happens in a population smaller than ``top_n``) never alerts either.
    """

    def transform(ranked: DataFrame) -> DataFrame:
        position = F.col("rank")
        eligible = F.lit(True)
        if skip_suppressed:
            eligible = eligible & ~F.coalesce(F.col("suppressed"), F.lit(False))
        if require_reason:
            eligible = eligible & (F.coalesce(F.size(F.col(REASONS_COLUMN)), F.lit(0)) > F.lit(0))
        if skip_suppressed or require_reason:
            among_eligible = Window.partitionBy("as_of", "population", eligible).orderBy(F.col("rank").asc())
            position = F.row_number().over(among_eligible)
        in_top = position <= F.lit(top_n) if top_n > 0 else F.lit(min_score is not None)
        above = F.col(SCORE_COLUMN) >= F.lit(min_score) if min_score is not None else F.lit(True)
        return ranked.select("*", (eligible & in_top & above).alias("alert"))

    return transform


def no_verdicts(spark: SparkSession) -> DataFrame:
    """An empty verdicts table, for scoring when ops/verdicts does not exist yet."""
    return spark.createDataFrame([], schema=VERDICTS_SCHEMA)


def read_verdicts(spark: SparkSession, lakehouse: Lakehouse) -> DataFrame:
    """ops/verdicts, or an empty table of its schema before the first verdict (one existence check)."""
    verdicts = lakehouse.read_if_exists(spark, OPS_VERDICTS)
    return verdicts if verdicts is not None else no_verdicts(spark)


def scored_binaries(
    udf: Callable[..., Column],
    model: ModelRef,
    alert_top_n: int,
    alert_min_score: float | None,
    verdicts: DataFrame | None = None,
    as_of: dt.date | None = None,
    intel: DataFrame | None = None,
    allowed_publishers: Sequence[str] = (),
) -> Callable[[DataFrame], DataFrame]:
    """A transform: one as-of date of gold/candidates -> rows of gold/scored_binaries (:data:`SCORED_SCHEMA`).

    Only the scored populations (``rule``, ``hunt``) are scored; the ``reference`` rows are the training set.

    ``intel`` (rows of ops/certificate_intel) in force on ``as_of`` raise certificate statuses and seed-rule
    matches before the model and are named in the reasons after it (:mod:`codesign_prevalence.models.intel`;
    ``allowed_publishers`` is the seed rule's allow-list); without them (or without ``as_of``) the intel
    columns are null. ``verdicts`` (rows of ops/verdicts) active on ``as_of`` suppress or annotate rows;
    without them (or without ``as_of``) no row is suppressed and the verdict columns are null.
    """

    def transform(candidates: DataFrame) -> DataFrame:
        scored_populations = candidates.where(F.col("population").isin(*SCORED_POPULATIONS))
        if intel is not None and as_of is not None:
            informed = scored_populations.transform(with_certificate_intel(intel, [as_of], allowed_publishers))
        else:
            informed = scored_populations.transform(without_intel)
        keyed = informed.withColumn("subject_name", F.coalesce(F.col("subject_name"), F.lit("")))
        predicted = keyed.transform(with_prediction(udf))
        if intel is not None and as_of is not None:
            predicted = predicted.transform(with_intel_reasons)
        ranked = predicted.transform(one_row_per_key).transform(with_rank)
        if verdicts is not None and as_of is not None:
            annotated = ranked.transform(with_verdicts(verdicts, as_of))
        else:
            annotated = ranked.transform(without_verdicts)
        rows = annotated.transform(
            with_alert(alert_top_n, alert_min_score, skip_suppressed=True, require_reason=True)
        )
        metadata = {
            "model_name": F.lit(model.name),
            "model_version": F.lit(model.version),
            "mlflow_run_id": F.lit(model.run_id),
            "scored_at": F.current_timestamp(),
            "rank": F.col("rank").cast("int"),
            "host_count": F.col("host_count").cast("long"),
        }
        return rows.select(
            *[metadata.get(field.name, F.col(field.name)).alias(field.name) for field in SCORED_SCHEMA.fields]
        )

    return transform


def write_scored(lakehouse: Lakehouse, rows: DataFrame, as_of: dt.date | Sequence[dt.date]) -> None:
    """MERGE the rows of one as-of date (or of several, in one commit) into gold/scored_binaries (created,
    partitioned by as_of, if absent)."""
    prune = DatesIn("as_of", as_of)
    lakehouse.upsert(GOLD_SCORED, SCORED_SCHEMA, rows, SCORED_KEY, prune, ("as_of",), evolve_schema=True)
