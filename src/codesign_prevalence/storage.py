"""Where the tables live, and the few ways this project writes them (all through Delta's transaction log).

Every write is one of: an insert-only MERGE on a key (ingest: re-ingesting adds nothing), a MERGE that
updates or inserts on a key (scoring), or an atomic ``replaceWhere`` overwrite of one as-of date's slice
(features). Each is idempotent, and a run killed half-way leaves the previous table version intact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from delta.tables import DeltaTable
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from codesign_prevalence.errors import MissingTableError

BRONZE_EVENTS = "bronze/process_events"
BRONZE_QUARANTINE = "bronze/quarantine"
SILVER_RULE_MATCHES = "silver/rule_matches"
GOLD_HASH_PREVALENCE = "gold/hash_prevalence"
GOLD_SIGNER_PREVALENCE = "gold/signer_prevalence"
GOLD_CANDIDATES = "gold/candidates"
GOLD_SCORED = "gold/scored_binaries"
OPS_VERDICTS = "ops/verdicts"
OPS_INGEST_RUNS = "ops/ingest_runs"

# Which command writes each table, for the message when it is missing.
PRODUCED_BY: dict[str, str] = {
    BRONZE_EVENTS: "ingest",
    BRONZE_QUARANTINE: "ingest",
    SILVER_RULE_MATCHES: "features",
    GOLD_HASH_PREVALENCE: "features",
    GOLD_SIGNER_PREVALENCE: "features",
    GOLD_CANDIDATES: "features",
    GOLD_SCORED: "score",
    OPS_VERDICTS: "verdict add",
    OPS_INGEST_RUNS: "ingest",
}


@dataclass(frozen=True)
class Lakehouse:
    """The storage root and the path of each table under it."""

    root: Path

    def path(self, table: str) -> str:
        return str(self.root / table)

    def exists(self, spark: SparkSession, table: str) -> bool:
        location = self.root / table
        return (location / "_delta_log").is_dir() and DeltaTable.isDeltaTable(spark, str(location))

    def read(self, spark: SparkSession, table: str) -> DataFrame:
        """The table as a DataFrame, or a one-line error naming the command that writes it."""
        if not self.exists(spark, table):
            stage = PRODUCED_BY.get(table, "the stage that writes it")
            raise MissingTableError(f"table {table} does not exist under {self.root}; run '{stage}' first")
        return spark.read.format("delta").load(self.path(table))

    def version(self, spark: SparkSession, table: str) -> int | None:
        """The table's current Delta version (for lineage), or None when it does not exist."""
        if not self.exists(spark, table):
            return None
        return _current_version(DeltaTable.forPath(spark, self.path(table)))

    def ensure(
        self, spark: SparkSession, table: str, schema: StructType, partition_by: Sequence[str] = ()
    ) -> DeltaTable:
        """Create the (empty) table if it does not exist yet, and return it."""
        builder = DeltaTable.createIfNotExists(spark).location(self.path(table)).addColumns(schema)
        if partition_by:
            builder = builder.partitionedBy(*partition_by)
        return builder.execute()


def _key_match(keys: Sequence[str]) -> Column:
    condition = F.lit(True)
    for key in keys:
        condition = condition & (F.col(f"target.{key}") == F.col(f"source.{key}"))
    return condition


def _current_version(target: DeltaTable) -> int:
    latest = target.history(1).select("version").head()
    return int(latest[0]) if latest is not None else -1


def insert_new(target: DeltaTable, rows: DataFrame, keys: Sequence[str], prune: Column | None = None) -> int:
    """Insert the rows whose key is not in the table yet (an insert-only MERGE); return how many were inserted.

    ``prune`` is an extra condition on ``target.*`` columns that lets Delta skip files (a date range).
    """
    condition = _key_match(keys) if prune is None else _key_match(keys) & prune
    before = _current_version(target)
    (target.alias("target").merge(rows.alias("source"), condition).whenNotMatchedInsertAll().execute())
    history = target.history(1).select("version", "operation", "operationMetrics").head()
    if history is None or int(history["version"]) == before:
        return 0  # a MERGE that changes nothing commits nothing
    return int((history["operationMetrics"] or {}).get("numTargetRowsInserted", "0"))


def upsert(
    target: DeltaTable,
    rows: DataFrame,
    keys: Sequence[str],
    prune: Column | None = None,
    evolve_schema: bool = False,
) -> None:
    """Update the rows whose key is in the table, insert the others (a MERGE).

    With ``evolve_schema`` the columns of ``rows`` that the table lacks are added to it (older rows get null).
    """
    condition = _key_match(keys) if prune is None else _key_match(keys) & prune
    merge = target.alias("target").merge(rows.alias("source"), condition)
    if evolve_schema:
        merge = merge.withSchemaEvolution()
    merge.whenMatchedUpdateAll().whenNotMatchedInsertAll().execute()


def replace_as_of(
    rows: DataFrame, path: str, as_of: dt.date, partition_by: Sequence[str] = ("as_of",)
) -> None:
    """Atomically replace one as-of date's slice of a table with ``rows`` (whose ``as_of`` must all equal it).

    The predicate is built from a ``datetime.date`` (its ISO form has no quotes), never from data values.
    """
    if not isinstance(as_of, dt.date):
        raise TypeError(f"as_of must be a datetime.date, not {type(as_of).__name__}")
    (
        rows.write.format("delta")
        .mode("overwrite")
        .option("replaceWhere", f"as_of = DATE'{as_of.isoformat()}'")
        .partitionBy(*partition_by)
        .save(path)
    )
