"""Analyst verdicts applied to scored rows: which verdict covers which binary, and what suppression does."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
from chispa import assert_df_equality
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import BooleanType, StringType, StructField, StructType

from codesign_prevalence import schema
from codesign_prevalence.models.scoring import ModelRef, scored_binaries, write_scored
from codesign_prevalence.models.verdicts import with_verdicts
from codesign_prevalence.schema import VERDICTS_SCHEMA
from codesign_prevalence.storage import GOLD_SCORED, Lakehouse
from test_model_support import AS_OF, candidate, candidates_frame

WHEN = dt.datetime(2026, 11, 20, 9, 0, 0)
SCORED_SCHEMA_NAMES = schema.SCORED_SCHEMA.fieldNames()
SCORED_SCHEMA = StructType(
    [
        StructField("sha256", StringType(), False),
        StructField("signer", StringType(), True),
        StructField("thumbprint", StringType(), True),
        StructField("status_category", StringType(), True),
    ]
)
OUTPUT_SCHEMA = StructType(
    [
        *SCORED_SCHEMA.fields,
        StructField("suppressed", BooleanType(), False),
        StructField("verdict", StringType(), True),
        StructField("verdict_note", StringType(), True),
        StructField("verdict_by", StringType(), True),
        StructField("verdict_id", StringType(), True),
    ]
)


def verdict(verdict_id: str, verdict: str = "benign", **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "verdict_id": verdict_id,
        "created_at": WHEN,
        "analyst": "alice",
        "scope": "sha256" if fields.get("sha256") else "signer",
        "sha256": None,
        "subject_name": None,
        "signer": None,
        "thumbprint": None,
        "status_category": None,
        "verdict": verdict,
        "note": f"note {verdict_id}",
        "expires": None,
    }
    row.update(fields)
    return row


def verdicts_frame(spark: SparkSession, rows: list[dict[str, Any]]) -> DataFrame:
    names = VERDICTS_SCHEMA.fieldNames()
    return spark.createDataFrame([tuple(row[name] for name in names) for row in rows], schema=VERDICTS_SCHEMA)


def covered(verdict_id: str, verdict: str = "benign") -> tuple[bool, str, str, str, str]:
    return (verdict == "benign", verdict, f"note {verdict_id}", "alice", verdict_id)


NOT_COVERED = (False, None, None, None, None)


def test_which_verdict_covers_which_binary(spark: SparkSession) -> None:
    sha = {name: name[0] * 64 for name in ("hashed", "expired", "lastday", "malicious", "acme", "revoked", "thumb")}
    scored = spark.createDataFrame(
        [
            (sha["hashed"], "contoso ltd", None, "trusted"),
            (sha["expired"], "contoso ltd", None, "trusted"),
            (sha["lastday"], "contoso ltd", None, "trusted"),
            (sha["malicious"].upper(), "acme ltd", None, "trusted"),  # a hash verdict wins over a signer one
            (sha["acme"], "acme ltd", "AB" * 32, "trusted"),
            (sha["revoked"], "acme ltd", None, "revoked"),  # the signer's verdict was given for 'trusted'
            (sha["thumb"], "fabrikam", "12:34" * 16, "expired"),
            ("9" * 64, "fabrikam", "99" * 32, "expired"),  # another certificate of the same signer
            ("8" * 64, None, None, None),
        ],
        schema=SCORED_SCHEMA,
    )
    verdicts = verdicts_frame(
        spark,
        [
            verdict("v1", sha256=sha["hashed"]),
            verdict("v2", sha256=sha["expired"], expires=AS_OF - dt.timedelta(days=1)),
            verdict("v3", sha256=sha["lastday"], expires=AS_OF),
            verdict("v4", "malicious", sha256=sha["malicious"]),
            verdict("v5", subject_name="ACME  Ltd.", status_category="trusted"),
            verdict("v6", subject_name="Fabrikam", thumbprint="1234" * 16, status_category="expired"),
            verdict("v0", "malicious", sha256=sha["hashed"], created_at=WHEN - dt.timedelta(days=3)),  # older
        ],
    )
    expected = spark.createDataFrame(
        [
            (sha["hashed"], "contoso ltd", None, "trusted", *covered("v1")),
            (sha["expired"], "contoso ltd", None, "trusted", *NOT_COVERED),
            (sha["lastday"], "contoso ltd", None, "trusted", *covered("v3")),
            (sha["malicious"].upper(), "acme ltd", None, "trusted", *covered("v4", "malicious")),
            (sha["acme"], "acme ltd", "AB" * 32, "trusted", *covered("v5")),
            (sha["revoked"], "acme ltd", None, "revoked", *NOT_COVERED),
            (sha["thumb"], "fabrikam", "12:34" * 16, "expired", *covered("v6")),
            ("9" * 64, "fabrikam", "99" * 32, "expired", *NOT_COVERED),
            ("8" * 64, None, None, None, *NOT_COVERED),
        ],
        schema=OUTPUT_SCHEMA,
    )
    actual = scored.transform(with_verdicts(verdicts, AS_OF))
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_no_verdicts_covers_nothing(spark: SparkSession) -> None:
    scored = spark.createDataFrame([("a" * 64, "acme ltd", None, "trusted")], schema=SCORED_SCHEMA)
    actual = scored.transform(with_verdicts(verdicts_frame(spark, []), AS_OF))
    expected = spark.createDataFrame([("a" * 64, "acme ltd", None, "trusted", *NOT_COVERED)], schema=OUTPUT_SCHEMA)
    assert_df_equality(actual, expected, ignore_nullable=True)


def _by_host_count(*inputs: Column) -> Column:
    """Stands in for the model UDF: score = 1 / hash_host_count, one reason (a binary without one never alerts)."""
    return F.struct((F.lit(1.0) / inputs[0]).alias("anomaly_score"), F.array(F.lit("rare")).alias("reasons"))


def test_suppressed_binary_keeps_its_rank_and_gives_its_alert_to_the_next(spark: SparkSession) -> None:
    rows = [candidate(f"{number}" * 64, "hunt", hash_host_count=number) for number in (1, 2, 3, 4)]
    candidates = candidates_frame(spark, pd.DataFrame.from_records(rows))
    verdicts = verdicts_frame(spark, [verdict("v1", sha256="1" * 64), verdict("v2", "malicious", sha256="3" * 64)])
    scored = candidates.transform(
        scored_binaries(_by_host_count, ModelRef("m", "1", "r"), alert_top_n=2, alert_min_score=None,
                        verdicts=verdicts, as_of=AS_OF)
    )
    actual = scored.select("sha256", "rank", "alert", "suppressed", "verdict")
    expected = spark.createDataFrame(
        [
            ("1" * 64, 1, False, True, "benign"),
            ("2" * 64, 2, True, False, None),
            ("3" * 64, 3, True, False, "malicious"),
            ("4" * 64, 4, False, False, None),
        ],
        schema="sha256 string, rank int, alert boolean, suppressed boolean, verdict string",
    )
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_an_older_scored_table_gains_the_verdict_columns(spark: SparkSession, tmp_path: Path) -> None:
    """A gold/scored_binaries written before verdicts existed takes the new columns on the next MERGE."""
    lakehouse = Lakehouse(tmp_path)
    rows = [candidate(f"{number}" * 64, "hunt", hash_host_count=number) for number in (1, 2)]
    candidates = candidates_frame(spark, pd.DataFrame.from_records(rows))
    verdicts = verdicts_frame(spark, [verdict("v1", sha256="1" * 64)])
    model = ModelRef("m", "1", "r")
    old_columns = SCORED_SCHEMA_NAMES[: SCORED_SCHEMA_NAMES.index("scored_at") + 1]
    yesterday = AS_OF - dt.timedelta(days=1)
    old = (
        candidates.withColumn("as_of", F.lit(yesterday))
        .transform(scored_binaries(_by_host_count, model, alert_top_n=1, alert_min_score=None))
        .select(*old_columns)
    )
    old.write.format("delta").partitionBy("as_of").save(lakehouse.location(GOLD_SCORED))
    new = candidates.transform(scored_binaries(_by_host_count, model, 1, None, verdicts=verdicts, as_of=AS_OF))
    write_scored(lakehouse, new, AS_OF)

    table = spark.read.format("delta").load(lakehouse.location(GOLD_SCORED))
    assert table.columns == SCORED_SCHEMA_NAMES
    actual = table.select("as_of", "sha256", "alert", "suppressed", "verdict_id")
    expected = spark.createDataFrame(
        [
            (yesterday, "1" * 64, True, None, None),
            (yesterday, "2" * 64, False, None, None),
            (AS_OF, "1" * 64, False, True, "v1"),
            (AS_OF, "2" * 64, True, False, None),
        ],
        schema="as_of date, sha256 string, alert boolean, suppressed boolean, verdict_id string",
    )
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)
