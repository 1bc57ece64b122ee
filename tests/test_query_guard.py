"""The analysts' ``sql`` runs queries only: statements that write are refused before Spark runs anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from codesign_prevalence.errors import UserError
from codesign_prevalence.query import run_query


@pytest.fixture
def table(spark: SparkSession, tmp_path: Path) -> str:
    path = tmp_path / "t"
    spark.createDataFrame([(1,)], "a int").write.format("delta").save(str(path))
    spark.read.format("delta").load(str(path)).createOrReplaceTempView("guarded")
    return str(path)


@pytest.mark.parametrize(
    ("query", "refused"),
    [
        ("WITH x AS (SELECT 2 AS a) INSERT INTO guarded SELECT * FROM x", "InsertIntoStatement"),
        ("FROM guarded INSERT INTO guarded SELECT *", "InsertIntoStatement"),
        ("/* note */ FROM guarded INSERT OVERWRITE TABLE guarded SELECT a + 1", "InsertIntoStatement"),
        ("CACHE TABLE guarded", ""),  # refused by its first keyword already
    ],
)
def test_statements_that_write_are_refused_and_change_nothing(
    spark: SparkSession, table: str, query: str, refused: str
) -> None:
    with pytest.raises(UserError, match=f"only queries are run.*{refused}"):
        run_query(spark, query)
    assert [tuple(row) for row in spark.read.format("delta").load(table).collect()] == [(1,)]
    assert not spark.catalog.isCached("guarded")


@pytest.mark.parametrize(
    "query",
    [
        "SELECT a FROM guarded",
        "WITH x AS (SELECT a FROM guarded) SELECT * FROM x",
        "FROM guarded SELECT a",
        "TABLE guarded",
        "SHOW TABLES",
        "DESCRIBE guarded",
        "EXPLAIN INSERT INTO guarded SELECT 3",
    ],
)
def test_reading_statements_run(spark: SparkSession, table: str, query: str) -> None:
    assert run_query(spark, query).collect() is not None
    assert [tuple(row) for row in spark.read.format("delta").load(table).collect()] == [(1,)]
