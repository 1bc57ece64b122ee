"""Two model versions on the same candidates: rank agreement and top-k overlap, per population (in Spark).

- ``spearman``: Pearson correlation of the two scores' ranks (tied scores share their average rank);
- ``top_k_overlap``: share of the first k binaries of one model (by score, ties by sha256) that are also in
  the other's first k; k = ``evaluate.top_k`` (or the population size when smaller).

Which of two versions is better is judged by one metric of one population: ``evaluate.promote_metric``, one
of the names in :data:`PROMOTION_METRICS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from codesign_prevalence.errors import ConfigError
from codesign_prevalence.models.evaluation import METRIC_VALUES, RankingMetrics
from codesign_prevalence.models.scoring import model_input_columns

CHAMPION_SCORE = "champion_score"
CHALLENGER_SCORE = "challenger_score"
PROMOTION_POPULATIONS: tuple[str, ...] = ("rule", "hunt")


@dataclass(frozen=True)
class PromotionMetric:
    """One ranking metric of one population, read from a ranker's :class:`RankingMetrics`."""

    population: str
    metric: str

    def value(self, results: Sequence[RankingMetrics], ranker: str) -> float | None:
        """The metric of ``ranker`` in the population (None when absent or undefined)."""
        found = next((r for r in results if r.population == self.population and r.ranker == ranker), None)
        return None if found is None else METRIC_VALUES[self.metric](found)


# ``evaluate.promote_metric`` -> what it measures: ``<population>_<metric>``, every population and metric.
PROMOTION_METRICS: Mapping[str, PromotionMetric] = {
    f"{population}_{metric}": PromotionMetric(population, metric)
    for population in PROMOTION_POPULATIONS
    for metric in METRIC_VALUES
}


def promotion_metric(name: str) -> PromotionMetric:
    """The promotion metric called ``name``, or a one-line error naming the allowed ones."""
    if name not in PROMOTION_METRICS:
        raise ConfigError(f"evaluate.promote_metric '{name}' is not one of: {', '.join(PROMOTION_METRICS)}")
    return PROMOTION_METRICS[name]


def with_both_scores(
    champion: Callable[..., Column], challenger: Callable[..., Column]
) -> Callable[[DataFrame], DataFrame]:
    """A transform: candidates -> ``population, sha256, signer, rule_match, host_count`` and both scores."""

    def transform(candidates: DataFrame) -> DataFrame:
        inputs = model_input_columns(candidates.columns)
        return candidates.select(
            F.col("population"),
            F.col("sha256"),
            F.col("signer"),
            F.col("rule_match"),
            F.col("host_count"),
            champion(*inputs).alias(CHAMPION_SCORE),
            challenger(*inputs).alias(CHALLENGER_SCORE),
        )

    return transform


def _average_rank(score: str) -> Column:
    by_score = Window.partitionBy("population").orderBy(F.col(score).desc())
    ties = Window.partitionBy("population", score)
    return F.rank().over(by_score) + (F.count(F.lit(1)).over(ties) - F.lit(1)) / F.lit(2.0)


def spearman(scores: DataFrame, first: str, second: str) -> DataFrame:
    """Per population: ``spearman`` (null when a population has fewer than two rows or constant scores)."""
    ranked = scores.select(
        F.col("population"), _average_rank(first).alias("rank_a"), _average_rank(second).alias("rank_b")
    )
    return ranked.groupBy("population").agg(F.corr("rank_a", "rank_b").alias("spearman"))


def _in_top_k(score: str, k: int) -> Column:
    order = Window.partitionBy("population").orderBy(F.col(score).desc(), F.col("sha256"), F.col("signer"))
    return F.row_number().over(order) <= F.lit(k)


def top_k_overlap(scores: DataFrame, first: str, second: str, k: int) -> DataFrame:
    """Per population: ``top_k_overlap`` = |top-k(first) ∩ top-k(second)| / min(k, rows)."""
    flagged = scores.select(
        F.col("population"), _in_top_k(first, k).alias("top_a"), _in_top_k(second, k).alias("top_b")
    )
    counted = flagged.groupBy("population").agg(
        F.count_if(F.col("top_a") & F.col("top_b")).alias("both"), F.count(F.lit(1)).alias("rows")
    )
    return counted.select(
        F.col("population"), (F.col("both") / F.least(F.col("rows"), F.lit(k))).alias("top_k_overlap")
    )
