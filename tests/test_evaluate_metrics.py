"""Ranking metrics on hand-made examples with known answers, labels reading, and the baselines' definitions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from chispa import assert_approx_df_equality, assert_df_equality
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType, IntegerType, LongType, StringType, StructField, StructType
from sklearn.metrics import average_precision_score

from codesign_prevalence.errors import UserError
from codesign_prevalence.models.evaluation import (
    baseline_rankers,
    collect_metrics,
    curve_points,
    evaluate_rankers,
    long_scores,
    markdown_table,
    metrics_as_mlflow,
    model_and_baselines,
    ranking_metrics,
    read_labels,
    with_labels,
)

SCORES_SCHEMA = StructType(
    [
        StructField("population", StringType(), False),
        StructField("ranker", StringType(), False),
        StructField("score", DoubleType(), True),
        StructField("is_malicious", IntegerType(), False),
    ]
)
METRICS_SCHEMA = StructType(
    [
        StructField("population", StringType(), False),
        StructField("ranker", StringType(), False),
        StructField("rows", LongType(), True),
        StructField("positives", LongType(), True),
        StructField("average_precision", DoubleType(), True),
        StructField("precision_at_k", DoubleType(), True),
        StructField("recall_at_k", DoubleType(), True),
    ]
)


def _scores(spark: SparkSession, rows: list[tuple[str, str, float | None, int]]) -> DataFrame:
    return spark.createDataFrame(rows, schema=SCORES_SCHEMA)


def test_known_average_precision_precision_and_recall(spark: SparkSession) -> None:
    ranked = [0.9, 0.8, 0.7, 0.6, 0.5]
    labels = [1, 0, 1, 0, 0]
    rows = [("rule", "model", s, y) for s, y in zip(ranked, labels, strict=True)]
    rows += [("rule", "seed_rule", 1.0, y) for y in labels]  # an unranked list: every binary ties
    rows += [("hunt", "model", s, 0) for s in (0.3, 0.2)]  # nothing malicious: metrics undefined
    actual = ranking_metrics(_scores(spark, rows), top_k=3)
    expected = spark.createDataFrame(
        [
            # AP = (1/1 + 2/3) / 2; first k=2: one hit; first 3 hold both
            ("rule", "model", 5, 2, (1.0 + 2.0 / 3.0) / 2.0, 0.5, 1.0),
            # one threshold: AP = prevalence; expected hits in the first 2 = 2 * 2/5, in the first 3 = 3 * 2/5
            ("rule", "seed_rule", 5, 2, 0.4, 0.4, 0.6),
            ("hunt", "model", 2, 0, None, None, None),
        ],
        schema=METRICS_SCHEMA,
    )
    assert_approx_df_equality(actual, expected, precision=1e-12, ignore_row_order=True)


def test_average_precision_matches_scikit_learn_with_ties(spark: SparkSession) -> None:
    rng = np.random.default_rng(5)
    scores = rng.integers(0, 6, size=60).astype(float)  # many ties
    labels = (rng.random(60) < 0.3).astype(int)
    rows = [("hunt", "model", float(s), int(y)) for s, y in zip(scores, labels, strict=True)]
    (result,) = collect_metrics(ranking_metrics(_scores(spark, rows), top_k=20))
    assert result.average_precision == pytest.approx(average_precision_score(labels, scores), abs=1e-12)
    assert result.positives == labels.sum()


def test_null_scores_rank_last(spark: SparkSession) -> None:
    rows = [("rule", "model", None, 1), ("rule", "model", 0.5, 0), ("rule", "model", 0.1, 0)]
    (result,) = collect_metrics(ranking_metrics(_scores(spark, rows), top_k=2))
    assert result.average_precision == pytest.approx(1.0 / 3.0)
    assert result.recall_at_k == 0.0


def test_labels_file_reading(spark: SparkSession, tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "sha256,label,scenario,signer,description\n"
        'AA,MALICIOUS,front_company_cert,"Kalina, Ltd.","payload, signed ""as"" Kalina"\n'
        "bb,benign,common_software,Contoso,app\n"
        "bb,malicious,stolen_cert_revoked,Contoso,a second row for the same hash\n"
        "cc,benign,os,Microsoft,\n"
    )
    actual = read_labels(spark, labels)
    expected = spark.createDataFrame(
        [("aa", 1), ("bb", 1), ("cc", 0)],
        schema=StructType(
            [StructField("sha256", StringType(), True), StructField("is_malicious", IntegerType(), True)]
        ),
    )
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_labels_file_errors(spark: SparkSession, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="labels file not found"):
        read_labels(spark, tmp_path / "missing.csv")
    headerless = tmp_path / "bad.csv"
    headerless.write_text("aa,malicious\n")
    with pytest.raises(UserError, match="no column"):
        read_labels(spark, headerless)


def test_baselines_and_absent_labels(spark: SparkSession, tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text("sha256,label\naa,malicious\n")
    scored = spark.createDataFrame(
        [("rule", "aa", True, 1, 0.9), ("rule", "bb", True, 7, 0.2), ("hunt", "cc", False, 1, 0.5)],
        schema="population string, sha256 string, rule_match boolean, host_count long, anomaly_score double",
    )
    labelled = scored.transform(with_labels(read_labels(spark, labels)))
    assert sorted(labelled.select("sha256", "is_malicious").collect()) == [("aa", 1), ("bb", 0), ("cc", 0)]
    actual = long_scores(labelled, {"model": F.col("anomaly_score"), **baseline_rankers()})
    expected = spark.createDataFrame(
        [
            ("rule", "model", 0.9, 1),
            ("rule", "seed_rule", 1.0, 1),
            ("rule", "single_host", 1.0, 1),
            ("rule", "host_count_ascending", -1.0, 1),
            ("rule", "model", 0.2, 0),
            ("rule", "seed_rule", 1.0, 0),
            ("rule", "single_host", 0.0, 0),
            ("rule", "host_count_ascending", -7.0, 0),
            ("hunt", "model", 0.5, 0),
            ("hunt", "seed_rule", 0.0, 0),
            ("hunt", "single_host", 1.0, 0),
            ("hunt", "host_count_ascending", -1.0, 0),
        ],
        schema=SCORES_SCHEMA,
    )
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_evaluate_rankers_is_labels_then_long_scores_then_metrics(spark: SparkSession, tmp_path: Path) -> None:
    labels_file = tmp_path / "labels.csv"
    labels_file.write_text("sha256,label\naa,malicious\ndd,malicious\n")
    labels = read_labels(spark, labels_file)
    scored = spark.createDataFrame(
        [
            ("rule", "aa", True, 1, 0.9),
            ("rule", "bb", True, 7, 0.2),
            ("hunt", "cc", False, 1, 0.5),
            ("hunt", "dd", False, 3, None),
        ],
        schema="population string, sha256 string, rule_match boolean, host_count long, anomaly_score double",
    )
    evaluation = evaluate_rankers(scored, labels, model_and_baselines(), top_k=1, curves=True)
    chained = long_scores(scored.transform(with_labels(labels)), model_and_baselines())
    assert evaluation.metrics == tuple(collect_metrics(ranking_metrics(chained, top_k=1)))
    assert evaluation.curves == curve_points(chained)
    assert [(m.population, m.ranker) for m in evaluation.metrics] == [
        (population, ranker)
        for population in ("hunt", "rule")
        for ranker in ("host_count_ascending", "model", "seed_rule", "single_host")
    ]
    assert evaluate_rankers(scored, labels, model_and_baselines(), top_k=1).curves == {}


def test_metric_names_and_table(spark: SparkSession) -> None:
    rows = [("rule", "model", 0.9, 1), ("rule", "model", 0.1, 0)]
    results = collect_metrics(ranking_metrics(_scores(spark, rows), top_k=20))
    assert metrics_as_mlflow(results) == {
        "rule_model_average_precision": 1.0,
        "rule_model_precision_at_k": 1.0,
        "rule_model_recall_at_k": 1.0,
        "rule_positives": 1.0,
        "rule_rows": 2.0,
    }
    assert "| rule | model | 2 | 1 | 1.000 | 1.000 | 1.000 |" in markdown_table(results, 20)
