"""Champion vs challenger: rank correlation, top-k overlap and the promotion decision."""

from __future__ import annotations

from typing import get_args

import pytest
from chispa import assert_approx_df_equality
from pyspark.sql import SparkSession

from codesign_prevalence.config import EvaluateConfig, load_config
from codesign_prevalence.errors import ConfigError
from codesign_prevalence.jobs.compare import decide
from codesign_prevalence.models.comparison import PROMOTION_METRICS, promotion_metric, spearman, top_k_overlap
from codesign_prevalence.models.evaluation import RankingMetrics

SCHEMA = "population string, sha256 string, signer string, a double, b double"


def test_spearman_and_overlap(spark: SparkSession) -> None:
    scores = spark.createDataFrame(
        [
            ("rule", "1", "s", 0.9, 0.9),
            ("rule", "2", "s", 0.8, 0.8),
            ("rule", "3", "s", 0.7, 0.7),
            ("hunt", "1", "s", 0.9, 0.1),
            ("hunt", "2", "s", 0.8, 0.2),
            ("hunt", "3", "s", 0.7, 0.3),
            ("hunt", "4", None, 0.6, 0.4),
        ],
        schema=SCHEMA,
    )
    correlation = spearman(scores, "a", "b")
    expected = spark.createDataFrame([("rule", 1.0), ("hunt", -1.0)], schema="population string, spearman double")
    assert_approx_df_equality(correlation, expected, precision=1e-12, ignore_row_order=True, ignore_nullable=True)
    overlap = top_k_overlap(scores, "a", "b", k=2)
    expected_overlap = spark.createDataFrame(
        [("rule", 1.0), ("hunt", 0.0)], schema="population string, top_k_overlap double"
    )
    assert_approx_df_equality(overlap, expected_overlap, precision=1e-12, ignore_row_order=True, ignore_nullable=True)


def test_spearman_uses_average_ranks_for_ties(spark: SparkSession) -> None:
    scores = spark.createDataFrame(
        [("rule", "1", "s", 1.0, 0.9), ("rule", "2", "s", 1.0, 0.8), ("rule", "3", "s", 0.0, 0.7)], schema=SCHEMA
    )
    (row,) = spearman(scores, "a", "b").collect()
    # ranks a = (1.5, 1.5, 3), b = (1, 2, 3): Pearson = 0.866...
    assert row["spearman"] == pytest.approx(0.8660254037844387)


def _metric(ranker: str, value: float | None) -> RankingMetrics:
    return RankingMetrics("rule", ranker, 10, 2, value, value, value)


@pytest.mark.parametrize(
    ("promote", "results", "promoted", "message"),
    [
        (True, (), False, "evaluate.labels is not set"),
        (True, (_metric("champion", 0.8), _metric("challenger", 0.8)), True, "promoted"),
        (True, (_metric("champion", 0.9), _metric("challenger", 0.8)), False, "keeping champion v1"),
        (False, (_metric("champion", 0.5), _metric("challenger", 0.8)), False, "run with --promote"),
        (True, (_metric("champion", 0.5), _metric("challenger", None)), False, "undefined"),
    ],
)
def test_promotion_decision(promote: bool, results: tuple[RankingMetrics, ...], promoted: bool, message: str) -> None:
    decision = decide(promote, "1", "2", results, "rule_average_precision")
    assert decision[0] is promoted
    assert message in decision[1]


def test_same_version_is_never_promoted() -> None:
    assert decide(True, "3", "3", (), "rule_average_precision") == (
        False,
        "challenger is champion already (version 3); nothing to promote",
    )


def test_promotion_metrics_are_the_configurable_ones() -> None:
    allowed = get_args(EvaluateConfig.model_fields["promote_metric"].annotation)
    assert tuple(PROMOTION_METRICS) == allowed
    results = (
        RankingMetrics("rule", "challenger", 10, 2, 0.1, 0.2, 0.3),
        RankingMetrics("hunt", "challenger", 10, 2, 0.4, 0.5, 0.6),
    )
    assert [PROMOTION_METRICS[name].value(results, "challenger") for name in allowed] == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    assert PROMOTION_METRICS["rule_average_precision"].value(results, "champion") is None


def test_unknown_promotion_metric_is_a_one_line_error_naming_the_allowed_ones() -> None:
    with pytest.raises(ConfigError, match=r"^evaluate\.promote_metric 'rule_auc' is not one of: rule_average"):
        promotion_metric("rule_auc")
    with pytest.raises(ConfigError, match=r"evaluate\.promote_metric") as raised:
        load_config(None, ["evaluate.promote_metric=rule_auc"])
    assert "\n" not in str(raised.value) and "hunt_recall_at_k" in str(raised.value)
