"""Scoring transforms with a stand-in for the model UDF: ranks, ties, alerts, the MERGE key, the output contract."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from chispa import assert_df_equality
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from codesign_prevalence.models.scoring import ModelRef, one_row_per_key, scored_binaries, with_alert
from codesign_prevalence.schema import SCORED_SCHEMA
from test_model_support import AS_OF, candidate, candidates_frame


def fake_model(*inputs: Column) -> Column:
    """Stands in for the pyfunc UDF: score = 1 / hash_host_count (the first input), one reason."""
    score = F.lit(1.0) / inputs[0]
    return F.struct(score.alias("anomaly_score"), F.array(F.concat(F.lit("hosts="), inputs[0])).alias("reasons"))


def _candidates(spark: SparkSession) -> DataFrame:
    rows = [
        candidate("c" * 64, "hunt", hash_host_count=2),
        candidate("a" * 64, "hunt", hash_host_count=1, subject_name=None, signer=None),
        candidate("b" * 64, "hunt", hash_host_count=1),  # ties with aaaa..: sha256 breaks the tie
        candidate("d" * 64, "rule", hash_host_count=4),
        candidate("e" * 64, "reference", hash_host_count=1),  # trained on, never scored
    ]
    return candidates_frame(spark, pd.DataFrame.from_records(rows))


def test_scored_rows(spark: SparkSession) -> None:
    model = ModelRef("m", "3", "run-1")
    actual = _candidates(spark).transform(scored_binaries(fake_model, model, alert_top_n=2, alert_min_score=None))
    assert actual.schema.fieldNames() == SCORED_SCHEMA.fieldNames()
    seen = dt.datetime(2026, 11, 1, 8, 0, 0)

    def row(population: str, rank: int, sha: str, subject: str, signer: str | None, score: float, hosts: int) -> tuple:
        path = f"C:\\Users\\bob\\AppData\\Local\\Contoso\\{sha * 6}.exe"
        return (
            AS_OF,
            population,
            rank,
            sha * 64,
            subject,
            signer,
            score,
            rank <= 2,
            [f"hosts={hosts}.0"],
            population == "rule",
            "trusted",
            hosts,
            seen,
            path,
            "WKS-0001",
            ["WKS-0001"],
            "m",
            "3",
            "run-1",
            "ab" * 32,
            False,
            None,
            None,
            None,
            None,
            None,  # no certificate intel applied: intel_status, intel_source, intel_effective, intel_id
            None,
            None,
            None,
        )

    contoso = ("Contoso Software Ltd.", "contoso software ltd")
    expected = spark.createDataFrame(
        [
            row("hunt", 1, "a", "", None, 1.0, 1),
            row("hunt", 2, "b", *contoso, 1.0, 1),
            row("hunt", 3, "c", *contoso, 0.5, 2),
            row("rule", 1, "d", *contoso, 0.25, 4),
        ],
        schema=StructType([field for field in SCORED_SCHEMA.fields if field.name != "scored_at"]),
    )
    assert_df_equality(
        actual.drop("scored_at"), expected, ignore_row_order=True, ignore_nullable=True, ignore_column_order=False
    )


def test_alert_by_minimum_score_and_top_n(spark: SparkSession) -> None:
    ranked = spark.createDataFrame([(1, 0.9), (2, 0.6), (3, 0.5)], schema="rank int, anomaly_score double")

    def alerts(top_n: int, min_score: float | None) -> list[bool]:
        rows = ranked.transform(with_alert(top_n, min_score)).orderBy("rank").collect()
        return [row["alert"] for row in rows]

    assert alerts(2, None) == [True, True, False]
    assert alerts(2, 0.7) == [True, False, False]
    assert alerts(0, 0.55) == [True, True, False]
    assert alerts(0, None) == [False, False, False]


def test_a_binary_without_a_reason_never_alerts(spark: SparkSession) -> None:
    """Rank 1 has nothing suspicious to say (a population smaller than the top N): the next two alert."""
    ranked = spark.createDataFrame(
        [
            (AS_OF, "hunt", 1, 0.9, []),
            (AS_OF, "hunt", 2, 0.6, ["hash seen on 1 of 20 hosts"]),
            (AS_OF, "hunt", 3, 0.5, ["certificate revoked"]),
            (AS_OF, "hunt", 4, 0.4, ["file renamed"]),
            (AS_OF, "rule", 1, 0.3, None),
        ],
        schema="as_of date, population string, rank int, anomaly_score double, reasons array<string>",
    )
    rows = ranked.transform(with_alert(2, None, require_reason=True)).orderBy("population", "rank").collect()
    assert [row["alert"] for row in rows] == [False, True, True, False, False]
    without = ranked.transform(with_alert(2, None)).orderBy("population", "rank").collect()
    assert [row["alert"] for row in without] == [True, True, False, False, True]


def test_one_row_per_merge_key(spark: SparkSession) -> None:
    scored = spark.createDataFrame(
        [
            ("a", "Acme", "rule", AS_OF, "acme", 0.4),
            ("a", "Acme", "rule", AS_OF, "acme inc", 0.7),
            ("a", "Acme", "hunt", AS_OF, "acme", 0.1),
        ],
        schema="sha256 string, subject_name string, population string, as_of date, signer string, anomaly_score double",
    )
    expected = spark.createDataFrame(
        [("a", "Acme", "rule", AS_OF, "acme inc", 0.7), ("a", "Acme", "hunt", AS_OF, "acme", 0.1)],
        schema=scored.schema,
    )
    assert_df_equality(scored.transform(one_row_per_key), expected, ignore_row_order=True)
