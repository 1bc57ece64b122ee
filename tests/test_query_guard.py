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
        ("WITH x AS (SELECT 2 AS a) INSERT INTO guarded SELECT * FROM x", "INSERT"),
        ("FROM guarded INSERT INTO guarded SELECT *", "INSERT"),
        ("/* note */ FROM guarded INSERT OVERWRITE TABLE guarded SELECT a + 1", "INSERT"),
        ("CACHE TABLE guarded", ""),  # refused by its first keyword already
        ("WITH x AS (SELECT 1 AS a) DELETE FROM guarded WHERE a = 1", ""),
        ("SELECT 1; DROP TABLE guarded", "2 statements"),
        ("SELECT a FROM guarded; INSERT INTO guarded SELECT 9", "2 statements"),
        ("FROM guarded SELECT a WHERE a > 0 INSERT INTO guarded SELECT a", "not understood by the guard"),
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
        "VALUES (1), (2)",
        "(SELECT a FROM guarded) UNION (SELECT 2)",
        "SELECT 'O''Brien; DROP TABLE guarded' AS a, a FROM guarded",
        "-- a comment\nSELECT a FROM guarded LATERAL VIEW explode(array(1, 2)) t AS c",
    ],
)
def test_reading_statements_run(spark: SparkSession, table: str, query: str) -> None:
    assert run_query(spark, query).collect() is not None
    assert [tuple(row) for row in spark.read.format("delta").load(table).collect()] == [(1,)]
