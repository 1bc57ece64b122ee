"""Two model versions on the same candidates: rank agreement and top-k overlap, per population (in Spark).

- ``spearman``: Pearson correlation of the two scores' ranks (tied scores share their average rank);
- ``top_k_overlap``: share of the first k binaries of one model (by score, ties by sha256) that are also in
  the other's first k; k = ``evaluate.top_k`` (or the population size when smaller).
"""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from codesign_prevalence.models.scoring import model_input_columns

CHAMPION_SCORE = "champion_score"
CHALLENGER_SCORE = "challenger_score"


def with_both_scores(
    champion: Callable[..., Column], challenger: Callable[..., Column]
) -> Callable[[DataFrame], DataFrame]:
    """A transform: candidates -> ``population, sha256, signer, rule_match, host_count`` and both scores."""

    def transform(candidates: DataFrame) -> DataFrame:
        inputs = model_input_columns()
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
