"""Where the tables live, and the few ways this project writes them (all through Delta's transaction log).

Every write is one of: an insert-only MERGE on a key (ingest: re-ingesting adds nothing), a MERGE that
updates or inserts on a key (scoring), or an atomic ``replaceWhere`` overwrite of one as-of date's slice
(features). Each is idempotent, and a run killed half-way leaves the previous table version intact.

Two runs writing the same table at once: Delta lets one commit and fails the other with a commit conflict
(``ConcurrentAppendException`` and its kin); the loser redoes its write on the new table version, up to
:data:`COMMIT_ATTEMPTS` times, which for these idempotent writes gives the same table as running them one
after the other. Past that it stops with a one-line :class:`ConcurrentWriteError`.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import delta.exceptions.captured  # noqa: F401  (turns Delta's commit conflicts into the Python classes below)
from delta.exceptions import (
    ConcurrentAppendException,
    ConcurrentDeleteDeleteException,
    ConcurrentDeleteReadException,
    ConcurrentTransactionException,
    ConcurrentWriteException,
    DeltaConcurrentModificationException,
    MetadataChangedException,
    ProtocolChangedException,
)
from delta.tables import DeltaTable
from pyspark.errors import AnalysisException
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from codesign_prevalence.errors import ConcurrentWriteError, MissingTableError

BRONZE_EVENTS = "bronze/process_events"
BRONZE_QUARANTINE = "bronze/quarantine"
BRONZE_CODEINTEGRITY = "bronze/codeintegrity_events"
SILVER_RULE_MATCHES = "silver/rule_matches"
SILVER_DAILY_BINARIES = "silver/daily_binaries"
GOLD_HASH_PREVALENCE = "gold/hash_prevalence"
GOLD_SIGNER_PREVALENCE = "gold/signer_prevalence"
GOLD_CANDIDATES = "gold/candidates"
GOLD_FIRST_SEEN = "gold/first_seen"
GOLD_SCORED = "gold/scored_binaries"
OPS_VERDICTS = "ops/verdicts"
OPS_INGEST_RUNS = "ops/ingest_runs"
OPS_FEATURES_RUNS = "ops/features_runs"

T = TypeVar("T")
COMMIT_ATTEMPTS = 6


# What a run sees when another is creating the same table at that moment: a half-made table, or a folder
# that already holds the other's files but no commit yet. Retried like a commit conflict.
CREATE_RACES = ("DELTA_TABLE_NOT_FOUND", "DELTA_CREATE_TABLE_WITH_NON_EMPTY_LOCATION")


class _CreateRace(Exception):
    """Two runs created the same table at once: the loser may see a half-made table (``DELTA_TABLE_NOT_FOUND``)."""


COMMIT_CONFLICTS: tuple[type[Exception], ...] = (
    _CreateRace,
    ConcurrentAppendException,
    ConcurrentDeleteDeleteException,
    ConcurrentDeleteReadException,
    ConcurrentTransactionException,
    ConcurrentWriteException,
    DeltaConcurrentModificationException,
    MetadataChangedException,
    ProtocolChangedException,
)

# Which command writes each table, for the message when it is missing.
PRODUCED_BY: dict[str, str] = {
    BRONZE_EVENTS: "ingest",
    BRONZE_QUARANTINE: "ingest",
    BRONZE_CODEINTEGRITY: "ingest",
    SILVER_RULE_MATCHES: "features",
    SILVER_DAILY_BINARIES: "features",
    GOLD_HASH_PREVALENCE: "features",
    GOLD_SIGNER_PREVALENCE: "features",
    GOLD_CANDIDATES: "features",
    GOLD_FIRST_SEEN: "features",
    GOLD_SCORED: "score",
    OPS_VERDICTS: "verdict add",
    OPS_INGEST_RUNS: "ingest",
    OPS_FEATURES_RUNS: "features",
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

    def missing(self, table: str) -> MissingTableError:
        """The one-line error for a table that does not exist, naming the command that writes it."""
        stage = PRODUCED_BY.get(table, "the stage that writes it")
        return MissingTableError(f"table {table} does not exist under {self.root}; run '{stage}' first")

    def read(self, spark: SparkSession, table: str) -> DataFrame:
        """The table as a DataFrame, or a one-line error naming the command that writes it."""
        if not self.exists(spark, table):
            raise self.missing(table)
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
        log = self.root / table / "_delta_log"
        if log.is_dir() and any(log.glob("*.json")):  # committed already: no create command to plan and run
            return DeltaTable.forPath(spark, self.path(table))
        builder = DeltaTable.createIfNotExists(spark).location(self.path(table)).addColumns(schema)
        if partition_by:
            builder = builder.partitionedBy(*partition_by)
        return retry_on_conflict(self.path(table), lambda: _create(builder.execute))


def _create(execute: Callable[[], DeltaTable]) -> DeltaTable:
    try:
        return execute()
    except AnalysisException as exc:
        if any(race in str(exc) for race in CREATE_RACES):
            raise _CreateRace(str(exc)) from None
        raise


def retry_on_conflict(table: str | DeltaTable, write: Callable[[], T], attempts: int = COMMIT_ATTEMPTS) -> T:
    """``write()``, redone when a concurrent commit to the table conflicts with it (module docstring)."""
    for attempt in range(1, attempts + 1):
        try:
            return write()
        except COMMIT_CONFLICTS as conflict:
            if attempt == attempts:
                kind, name = type(conflict).__name__, table if isinstance(table, str) else _table_path(table)
                raise ConcurrentWriteError(
                    f"another run kept writing {name} ({kind}, {attempts} attempts); "
                    "wait for it to finish and run this command again (the rerun is safe)"
                ) from None
            time.sleep(random.uniform(0.2, 1.0) * attempt)
    raise AssertionError("unreachable")


def _key_match(keys: Sequence[str]) -> Column:
    condition = F.lit(True)
    for key in keys:
        condition = condition & (F.col(f"target.{key}") == F.col(f"source.{key}"))
    return condition


def _table_path(target: DeltaTable) -> str:
    location = target.detail().select("location").head()
    return str(location[0]) if location is not None else "the Delta table"


def _current_version(target: DeltaTable) -> int:
    latest = target.history(1).select("version").head()
    return int(latest[0]) if latest is not None else -1


def insert_new(target: DeltaTable, rows: DataFrame, keys: Sequence[str], prune: Column | None = None) -> int:
    """Insert the rows whose key is not in the table yet (an insert-only MERGE); return how many were inserted.

    ``prune`` is an extra condition on ``target.*`` columns that lets Delta skip files (a date range).
    """
    condition = _key_match(keys) if prune is None else _key_match(keys) & prune

    def merge() -> int:
        # The MERGE's own metrics, not the table's history: a concurrent run may have committed since.
        metrics = target.alias("target").merge(rows.alias("source"), condition).whenNotMatchedInsertAll().execute()
        row = metrics.head()
        return int(row["num_inserted_rows"]) if row is not None and row["num_inserted_rows"] is not None else 0

    return retry_on_conflict(target, merge)


def upsert(
    target: DeltaTable,
    rows: DataFrame,
    keys: Sequence[str],
    prune: Column | None = None,
    evolve_schema: bool = False,
    update: Mapping[str, str | Column] | None = None,
) -> None:
    """Update the rows whose key is in the table, insert the others (a MERGE).

    With ``evolve_schema`` the columns of ``rows`` that the table lacks are added to it (older rows get null).
    ``update`` (column -> expression on ``target.*`` / ``source.*`` columns) replaces "every column from the
    source" for the rows whose key is in the table.
    """
    condition = _key_match(keys) if prune is None else _key_match(keys) & prune

    def merge() -> None:
        builder = target.alias("target").merge(rows.alias("source"), condition)
        if evolve_schema:
            builder = builder.withSchemaEvolution()
        matched = builder.whenMatchedUpdateAll() if update is None else builder.whenMatchedUpdate(set=dict(update))
        matched.whenNotMatchedInsertAll().execute()

    retry_on_conflict(target, merge)


def replace_as_of(
    rows: DataFrame, path: str, as_of: dt.date, partition_by: Sequence[str] = ("as_of",)
) -> None:
    """Atomically replace one as-of date's slice of a table with ``rows`` (whose ``as_of`` must all equal it).

    The predicate is built from a ``datetime.date`` (its ISO form has no quotes), never from data values.
    """
    if not isinstance(as_of, dt.date):
        raise TypeError(f"as_of must be a datetime.date, not {type(as_of).__name__}")
    _replace_where(rows, path, f"as_of = DATE'{as_of.isoformat()}'", partition_by)


def _replace_where(rows: DataFrame, path: str, predicate: str, partition_by: Sequence[str]) -> None:
    """Atomically replace the rows of the table at ``path`` matching ``predicate`` with ``rows``."""
    writer = (
        rows.write.format("delta")
        .mode("overwrite")
        .option("replaceWhere", predicate)
        .option("mergeSchema", "true")  # columns added since the table was made are added to it (older rows null)
        .partitionBy(*partition_by)
    )
    retry_on_conflict(path, lambda: writer.save(path))


def replace_dates(rows: DataFrame, path: str, dates: Sequence[dt.date], column: str = "event_date") -> None:
    """Atomically replace the rows of a table partitioned by ``column`` whose ``column`` is one of ``dates``
    with ``rows`` (whose ``column`` must be one of them); the table is created on first use.

    The predicate is built from ``datetime.date`` values (ISO forms without quotes), never from other data.
    """
    if not dates or not all(isinstance(day, dt.date) for day in dates):
        raise TypeError("dates must be a non-empty sequence of datetime.date")
    listed = ", ".join(f"DATE'{day.isoformat()}'" for day in sorted(set(dates)))
    _replace_where(rows, path, f"{column} IN ({listed})", (column,))


def append(rows: DataFrame, path: str) -> None:
    """Append ``rows`` to an existing table in one Delta commit (logs of runs and verdicts: every call adds)."""
    retry_on_conflict(path, lambda: rows.write.format("delta").mode("append").save(path))


def _quoted(identifier: str) -> str:
    """A SQL identifier in backticks (a backtick inside doubled): a table path or a column name of ours."""
    return "`" + identifier.replace("`", "``") + "`"


def add_missing_columns(spark: SparkSession, path: str, schema: StructType) -> list[str]:
    """Add to the table at ``path`` the columns of ``schema`` it lacks (nullable, at the end: older rows read
    null), by ``ALTER TABLE ... ADD COLUMNS``; return their names. A table written by an earlier version of
    the job gains the columns added since, and keeps its rows.

    The statement names only ``schema``'s own columns and types and the table's path, never data values.
    """

    def alter() -> list[str]:
        present = set(spark.read.format("delta").load(path).columns)
        missing = [field for field in schema.fields if field.name not in present]
        if missing:
            columns = ", ".join(f"{_quoted(field.name)} {field.dataType.simpleString()}" for field in missing)
            spark.sql(f"ALTER TABLE delta.{_quoted(path)} ADD COLUMNS ({columns})")
        return [field.name for field in missing]

    return retry_on_conflict(path, alter)
