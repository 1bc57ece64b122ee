"""Ranking quality against a labels file, for the model and for simple baselines, computed in Spark.

Labels: a CSV with a header and at least ``sha256,label``; a binary is malicious when its label is
``malicious`` (case-insensitive). Binaries absent from the labels file count as benign (the simulator labels
every hash it emits; a real labels file lists what analysts confirmed, and unconfirmed binaries are assumed
benign, which can only understate precision).

Rankers (every one scores the same rows of gold/scored_binaries; higher = earlier in the list):

- ``model``: ``anomaly_score``;
- ``seed_rule``: 1 for a seed-rule match, 0 otherwise. The rule gives an unranked list: inside the ``rule``
  population every binary ties, so its average precision is the prevalence of malicious binaries among
  the rule's matches (the AP of a random order of that list);
- ``single_host``: 1 for a binary seen on exactly one host (Elastic's rarity hunt), 0 otherwise;
- ``host_count_ascending``: ``-host_count`` (fewer hosts first, ties unranked).

Metrics, per population and ranker, with ties handled as a random order within a tie:

- ``average_precision``: scikit-learn's definition (precision at each distinct score threshold, weighted by
  the recall it adds); a block of tied scores is one threshold;
- ``precision_at_k``: expected precision of the first k binaries, k = the number of malicious binaries in
  the population (R-precision);
- ``recall_at_k``: expected share of the malicious binaries among the first ``evaluate.top_k`` (default 20).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from codesign_prevalence.errors import UserError

MALICIOUS = "malicious"
MODEL_RANKER = "model"
MODEL_SCORE = "anomaly_score"
MAX_CURVE_POINTS = 5000
LABELS_SCHEMA = StructType([StructField("sha256", StringType(), True), StructField("label", StringType(), True)])


def baseline_rankers() -> dict[str, Column]:
    """The baselines' scores, from gold/scored_binaries columns (module docstring)."""
    return {
        "seed_rule": F.col("rule_match").cast("double"),
        "single_host": (F.col("host_count") == F.lit(1)).cast("double"),
        "host_count_ascending": -F.col("host_count").cast("double"),
    }


def model_and_baselines() -> dict[str, Column]:
    """The model's ``anomaly_score`` and the baselines, from gold/scored_binaries columns."""
    return {MODEL_RANKER: F.col(MODEL_SCORE), **baseline_rankers()}


@dataclass(frozen=True)
class RankingMetrics:
    population: str
    ranker: str
    rows: int
    positives: int
    average_precision: float | None
    precision_at_k: float | None
    recall_at_k: float | None

    def as_dict(self) -> dict[str, object]:
        return {
            "population": self.population,
            "ranker": self.ranker,
            "rows": self.rows,
            "positives": self.positives,
            "average_precision": self.average_precision,
            "precision_at_k": self.precision_at_k,
            "recall_at_k": self.recall_at_k,
        }


# Each metric of a :class:`RankingMetrics` by name: the names of the MLflow metrics and of the promotion metric.
METRIC_VALUES: Mapping[str, Callable[[RankingMetrics], float | None]] = {
    "average_precision": lambda metrics: metrics.average_precision,
    "precision_at_k": lambda metrics: metrics.precision_at_k,
    "recall_at_k": lambda metrics: metrics.recall_at_k,
}
METRICS: tuple[str, ...] = tuple(METRIC_VALUES)


@dataclass(frozen=True)
class RankingEvaluation:
    """Several rankers measured on the same labelled rows: metrics per (population, ranker), and the
    precision-recall curves when asked for (else empty)."""

    metrics: tuple[RankingMetrics, ...]
    curves: dict[tuple[str, str], list[tuple[float, float]]] = field(default_factory=dict)


def read_labels(spark: SparkSession, path: Path) -> DataFrame:
    """``sha256, is_malicious`` (1/0), one row per sha256, from the labels CSV (header required)."""
    if not path.is_file():
        raise UserError(f"labels file not found: {path}")
    raw = spark.read.option("header", True).option("escape", '"').csv(str(path))
    missing = [column for column in ("sha256", "label") if column not in raw.columns]
    if missing:
        raise UserError(f"labels file {path} has no column {', '.join(missing)}; expected a header 'sha256,label,...'")
    malicious = F.lower(F.trim(F.col("label"))) == F.lit(MALICIOUS)
    return (
        raw.where(F.col("sha256").isNotNull())
        .groupBy(F.lower(F.trim(F.col("sha256"))).alias("sha256"))
        .agg(F.max(F.coalesce(malicious, F.lit(False)).cast("int")).alias("is_malicious"))
    )


def with_labels(labels: DataFrame) -> Callable[[DataFrame], DataFrame]:
    """A transform adding ``is_malicious`` (0 when the sha256 is not in the labels). Reads ``sha256``."""

    def transform(rows: DataFrame) -> DataFrame:
        joined = rows.join(labels, on=F.lower(rows["sha256"]) == labels["sha256"], how="left").drop(labels["sha256"])
        return joined.select(
            *[F.col(name) for name in rows.columns], F.coalesce(F.col("is_malicious"), F.lit(0)).alias("is_malicious")
        )

    return transform


def long_scores(labelled: DataFrame, rankers: Mapping[str, Column]) -> DataFrame:
    """One row per (binary, ranker): ``population, ranker, score, is_malicious``.

    Reads ``population``, ``is_malicious`` and whatever the ranker columns read.
    """
    pairs = [
        F.struct(F.lit(name).alias("ranker"), score.cast("double").alias("score")) for name, score in rankers.items()
    ]
    stacked = F.explode(F.array(*pairs))
    exploded = labelled.select(F.col("population"), F.col("is_malicious"), stacked.alias("scored"))
    return exploded.select(
        F.col("population"),
        F.col("scored.ranker").alias("ranker"),
        F.coalesce(F.col("scored.score"), F.lit(float("-inf"))).alias("score"),
        F.col("is_malicious"),
    )


def evaluate_rankers(
    rows: DataFrame, labels: DataFrame, rankers: Mapping[str, Column], top_k: int, curves: bool = False
) -> RankingEvaluation:
    """Labels ``rows`` (see :func:`with_labels`), scores them with every ranker (:func:`long_scores`) and
    measures each ranking (:func:`ranking_metrics`; with ``curves``, :func:`curve_points` too).

    Reads ``population``, ``sha256`` and whatever the ranker columns read; collects only the metric rows and
    the (bounded) curve points.
    """
    scores = long_scores(rows.transform(with_labels(labels)), rankers)
    if not curves:
        return RankingEvaluation(tuple(collect_metrics(ranking_metrics(scores, top_k))))
    scores.persist()  # read twice: the metrics and the curves
    try:
        return RankingEvaluation(tuple(collect_metrics(ranking_metrics(scores, top_k))), curve_points(scores))
    finally:
        scores.unpersist()


def threshold_levels(scores: DataFrame) -> DataFrame:
    """Per (population, ranker) and distinct score, highest first: ``n``, ``tp`` and the counts above it.

    Output: ``population, ranker, score, n, tp, above_n, above_tp, cum_n, cum_tp, total_n, total_tp``.
    """
    levels = scores.groupBy("population", "ranker", "score").agg(
        F.count(F.lit(1)).alias("n"), F.sum("is_malicious").cast("long").alias("tp")
    )
    running = (
        Window.partitionBy("population", "ranker")
        .orderBy(F.col("score").desc())
        .rowsBetween(Window.unboundedPreceding, Window.currentRow)
    )
    whole = Window.partitionBy("population", "ranker")
    cumulative = levels.select(
        "*",
        F.sum("n").over(running).alias("cum_n"),
        F.sum("tp").over(running).alias("cum_tp"),
        F.sum("n").over(whole).alias("total_n"),
        F.sum("tp").over(whole).alias("total_tp"),
    )
    return cumulative.select(
        "*", (F.col("cum_n") - F.col("n")).alias("above_n"), (F.col("cum_tp") - F.col("tp")).alias("above_tp")
    )


def _expected_hits(k: Column) -> Column:
    """Expected positives this level adds to the first ``k`` rows (random order within the level)."""
    room = F.greatest(F.least(k - F.col("above_n"), F.col("n")), F.lit(0))
    return room * F.col("tp") / F.col("n")


def ranking_metrics(scores: DataFrame, top_k: int) -> DataFrame:
    """Per (population, ranker): ``rows, positives, average_precision, precision_at_k, recall_at_k``.

    Null when undefined (no malicious binary in the population). See the module docstring.
    """
    levels = threshold_levels(scores)
    positives = F.col("total_tp")
    ap_term = F.try_divide(F.col("tp"), positives) * (F.col("cum_tp") / F.col("cum_n"))
    aggregated = levels.groupBy("population", "ranker").agg(
        F.first("total_n").alias("rows"),
        F.first("total_tp").alias("positives"),
        F.sum(ap_term).alias("ap"),
        F.sum(_expected_hits(positives)).alias("hits_at_r"),
        F.sum(_expected_hits(F.lit(top_k))).alias("hits_at_top_k"),
    )
    defined = F.col("positives") > F.lit(0)
    return aggregated.select(
        F.col("population"),
        F.col("ranker"),
        F.col("rows").cast("long").alias("rows"),
        F.col("positives").cast("long").alias("positives"),
        F.when(defined, F.col("ap")).alias("average_precision"),
        F.when(defined, F.try_divide(F.col("hits_at_r"), F.col("positives"))).alias("precision_at_k"),
        F.when(defined, F.try_divide(F.col("hits_at_top_k"), F.col("positives"))).alias("recall_at_k"),
    )


def collect_metrics(metrics: DataFrame) -> list[RankingMetrics]:
    """The (few) metric rows, ordered by population then ranker."""
    rows = metrics.orderBy("population", "ranker").collect()
    return [
        RankingMetrics(
            population=row["population"],
            ranker=row["ranker"],
            rows=int(row["rows"]),
            positives=int(row["positives"]),
            average_precision=row["average_precision"],
            precision_at_k=row["precision_at_k"],
            recall_at_k=row["recall_at_k"],
        )
        for row in rows
    ]


def curve_points(scores: DataFrame) -> dict[tuple[str, str], list[tuple[float, float]]]:
    """(recall, precision) after each score level, per (population, ranker): the first levels only (bounded)."""
    levels = threshold_levels(scores).where(
        (F.col("total_tp") > F.lit(0)) & (F.col("above_n") < F.lit(MAX_CURVE_POINTS))
    )
    points = levels.select(
        "population",
        "ranker",
        "cum_n",
        F.try_divide(F.col("cum_tp"), F.col("total_tp")).alias("recall"),
        (F.col("cum_tp") / F.col("cum_n")).alias("precision"),
    ).orderBy("population", "ranker", "cum_n")
    curves: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for row in points.toLocalIterator():
        point = (float(row["recall"]), float(row["precision"]))
        curves.setdefault((row["population"], row["ranker"]), []).append(point)
    return curves


def metrics_as_mlflow(results: Sequence[RankingMetrics]) -> dict[str, float]:
    """``<population>_<ranker>_<metric>`` -> value, for the defined metrics."""
    logged: dict[str, float] = {}
    for result in results:
        for metric, read in METRIC_VALUES.items():
            value = read(result)
            if value is not None:
                logged[f"{result.population}_{result.ranker}_{metric}"] = float(value)
        logged[f"{result.population}_positives"] = float(result.positives)
        logged[f"{result.population}_rows"] = float(result.rows)
    return logged


def markdown_table(results: Sequence[RankingMetrics], top_k: int) -> str:
    """The metrics as a markdown table (one row per population and ranker)."""
    header = (
        f"| population | ranker | rows | malicious | AP | precision@k | recall@{top_k} |\n"
        "|---|---|---|---|---|---|---|\n"
    )

    def shown(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    lines = [
        f"| {r.population} | {r.ranker} | {r.rows} | {r.positives} | {shown(r.average_precision)} | "
        f"{shown(r.precision_at_k)} | {shown(r.recall_at_k)} |"
        for r in results
    ]
    return header + "\n".join(lines) + "\n"
