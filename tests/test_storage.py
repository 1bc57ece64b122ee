"""The storage layer on both kinds of table it supports: Delta paths under the root and catalog tables by name.

Everything goes through SQL on temporary views and the DataFrame API (no ``DeltaTable``), so the same calls
run under Spark Connect; the identifiers are quoted, so a root or a name holding backticks and quotes is data.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DateType, LongType, StringType, StructField, StructType

from codesign_prevalence.errors import MissingTableError, UserError
from codesign_prevalence.storage import (
    DatesIn,
    Lakehouse,
    append,
    create_with,
    insert_new,
    quote,
    replace_as_of,
    replace_dates,
    upsert,
)

SCHEMA = StructType(
    [
        StructField("id", StringType(), False),
        StructField("value", LongType(), True),
        StructField("as_of", DateType(), False),
    ]
)
D1, D2 = dt.date(2026, 11, 1), dt.date(2026, 11, 2)
ODD = "we`ird 'name\" ü"


@pytest.fixture(params=["path", "catalog"])
def lakehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Lakehouse:
    root = tmp_path / ODD
    if request.param == "path":
        return Lakehouse(root)
    return Lakehouse(root, "spark_catalog", f"codesign_test_{uuid.uuid4().hex[:8]}")


def _rows(spark: SparkSession, lakehouse: Lakehouse, version: int | None = None) -> list[tuple[object, ...]]:
    frame = lakehouse.read(spark, "gold/things", version=version)
    return sorted((row["id"], row["value"], row["as_of"]) for row in frame.collect())


def test_a_new_table_gets_its_properties_and_unsafe_ones_are_refused(
    spark: SparkSession, lakehouse: Lakehouse
) -> None:
    table = lakehouse.ensure(spark, "gold/things", SCHEMA, properties={"delta.dataSkippingStatsColumns": "value"})
    shown = {row["key"]: row["value"] for row in spark.sql(f"SHOW TBLPROPERTIES {table.identifier}").collect()}
    assert shown["delta.dataSkippingStatsColumns"] == "value"
    with pytest.raises(ValueError, match="not a table property"):
        lakehouse.ensure(spark, "gold/others", SCHEMA, properties={"delta.dataSkippingStatsColumns": "value') --"})
    assert not lakehouse.exists(spark, "gold/others")


def test_create_merge_replace_append_and_time_travel(spark: SparkSession, lakehouse: Lakehouse) -> None:
    with pytest.raises(MissingTableError, match=r"gold/things does not exist.*run"):
        lakehouse.read(spark, "gold/things")
    assert lakehouse.version(spark, "gold/things") is None

    table = lakehouse.ensure(spark, "gold/things", SCHEMA, partition_by=("as_of",))
    assert lakehouse.exists(spark, "gold/things") and lakehouse.version(spark, "gold/things") == 0
    assert lakehouse.ensure(spark, "gold/things", SCHEMA) == table and lakehouse.version(spark, "gold/things") == 0
    read_back = lakehouse.read(spark, "gold/things").schema
    assert [(f.name, f.dataType, f.nullable) for f in read_back.fields] == [
        (f.name, f.dataType, f.nullable) for f in SCHEMA.fields
    ]

    first = spark.createDataFrame([("a", 1, D1), ("b", 2, D1), (ODD, 3, D2)], SCHEMA)
    assert insert_new(table, first, ["id", "as_of"]) == 3
    again = spark.createDataFrame([("a", 10, D1), ("c", 4, D1)], SCHEMA)
    assert insert_new(table, again, ["id", "as_of"], prune=DatesIn("as_of", [D1])) == 1  # "a" is there already
    assert _rows(spark, lakehouse) == sorted([(ODD, 3, D2), ("a", 1, D1), ("b", 2, D1), ("c", 4, D1)])

    upsert(table, spark.createDataFrame([("a", 100, D1), ("d", 5, D2)], SCHEMA), ["id", "as_of"])
    upsert(
        table,
        spark.createDataFrame([("b", 7, D1)], SCHEMA),
        ["id", "as_of"],
        prune=DatesIn("as_of", D1),
        update={"value": "target.value + source.value"},
    )
    assert _rows(spark, lakehouse) == sorted([(ODD, 3, D2), ("a", 100, D1), ("b", 9, D1), ("c", 4, D1), ("d", 5, D2)])
    before_replace = lakehouse.version(spark, "gold/things")

    replace_as_of(spark.createDataFrame([("z", 0, D2)], SCHEMA), table, D2)
    assert _rows(spark, lakehouse) == [("a", 100, D1), ("b", 9, D1), ("c", 4, D1), ("z", 0, D2)]
    append(spark.createDataFrame([("y", None, D2)], SCHEMA), table)
    assert ("y", None, D2) in _rows(spark, lakehouse)

    assert before_replace is not None
    assert (ODD, 3, D2) in _rows(spark, lakehouse, version=before_replace)  # the earlier version stays readable
    assert lakehouse.version(spark, "gold/things") == before_replace + 2
    # A path table's version is read from its log's file names, a catalog table's from its history: both agree
    # with Delta's own history.
    history = spark.sql(f"DESCRIBE HISTORY {table.identifier}").agg(F.max("version")).head()
    assert history is not None and lakehouse.version(spark, "gold/things") == history[0] == before_replace + 2


def test_a_tables_first_rows_create_it_in_one_commit_and_later_rows_are_merged(
    spark: SparkSession, lakehouse: Lakehouse
) -> None:
    first = spark.createDataFrame([("a", 1, D1), ("b", 2, D2), (ODD, 3, D2)], SCHEMA)
    properties = {"delta.dataSkippingStatsColumns": "value"}
    created = lakehouse.insert_new("gold/things", SCHEMA, first, ["id", "as_of"], None, ("as_of",), properties)
    assert created == 3 and lakehouse.version(spark, "gold/things") == 0  # one commit: the table with its rows
    table = lakehouse.table("gold/things")
    shown = {row["key"]: row["value"] for row in spark.sql(f"SHOW TBLPROPERTIES {table.identifier}").collect()}
    detail = spark.sql(f"DESCRIBE DETAIL {table.identifier}").head()
    assert shown["delta.dataSkippingStatsColumns"] == "value" and detail is not None
    assert list(detail["partitionColumns"]) == ["as_of"]

    assert create_with(first, table) is None and lakehouse.version(spark, "gold/things") == 0  # there: no write
    again = spark.createDataFrame([("a", 10, D1), ("c", 4, D1)], SCHEMA)
    assert lakehouse.insert_new("gold/things", SCHEMA, again, ["id", "as_of"], DatesIn("as_of", [D1])) == 1
    assert _rows(spark, lakehouse) == sorted([(ODD, 3, D2), ("a", 1, D1), ("b", 2, D2), ("c", 4, D1)])


def test_a_new_table_is_written_by_date_after_a_shuffle_or_as_its_rows_lie(
    spark: SparkSession, lakehouse: Lakehouse
) -> None:
    rows = spark.createDataFrame([(f"id{n}", n, D1 if n % 2 else D2) for n in range(12)], SCHEMA).repartition(3)
    for name, shuffle, files_per_date in (("gold/shuffled", True, 1), ("gold/as_read", False, 3)):
        assert lakehouse.insert_new(name, SCHEMA, rows, ["id"], None, ("as_of",), shuffle=shuffle) == 12
        detail = spark.sql(f"DESCRIBE DETAIL {lakehouse.table(name).identifier}").head()
        assert detail is not None and detail["numFiles"] == 2 * files_per_date  # two dates
        assert sorted(row["id"] for row in lakehouse.read(spark, name).collect()) == sorted(f"id{n}" for n in range(12))


def test_upsert_adds_the_columns_the_table_lacks(spark: SparkSession, lakehouse: Lakehouse) -> None:
    table = lakehouse.ensure(spark, "gold/things", SCHEMA)
    insert_new(table, spark.createDataFrame([("a", 1, D1)], SCHEMA), ["id"])
    wider = StructType([*SCHEMA.fields, StructField("note", StringType(), True)])
    upsert(table, spark.createDataFrame([("b", 2, D1, "new")], wider), ["id"], evolve_schema=True)
    rows = {row["id"]: row["note"] for row in lakehouse.read(spark, "gold/things").collect()}
    assert rows == {"a": None, "b": "new"}


def test_replace_dates_creates_the_table_and_replaces_only_the_dates_given(
    spark: SparkSession, lakehouse: Lakehouse
) -> None:
    schema = StructType([StructField("id", StringType(), False), StructField("event_date", DateType(), False)])
    table = lakehouse.table("silver/days")
    replace_dates(spark.createDataFrame([("a", D1), ("b", D2)], schema), table, [D1, D2])
    replace_dates(spark.createDataFrame([("c", D2)], schema), table, [D2])
    rows = sorted((row["id"], row["event_date"]) for row in lakehouse.read(spark, "silver/days").collect())
    assert rows == [("a", D1), ("c", D2)]


def test_names_and_identifiers() -> None:
    assert quote("a`b") == "`a``b`"
    by_path = Lakehouse(Path("/lake")).table("gold/scored_binaries")
    assert by_path.identifier == "delta.`/lake/gold/scored_binaries`" and by_path.path == "/lake/gold/scored_binaries"
    by_name = Lakehouse(Path("/lake"), "main", "sec ops").table("gold/scored_binaries")
    assert by_name.identifier == "`main`.`sec ops`.`gold_scored_binaries`" and by_name.path is None
    assert by_name.location == "main.sec ops.gold_scored_binaries"
    assert DatesIn("as_of", [D2, D1, D2]).sql("target") == "target.`as_of` IN (DATE'2026-11-01', DATE'2026-11-02')"
    with pytest.raises(TypeError):
        DatesIn("as_of", ["2026-11-01'; DROP TABLE x; --"])  # type: ignore[list-item]
    with pytest.raises(UserError):
        Lakehouse(Path("/lake"), "main", None)
