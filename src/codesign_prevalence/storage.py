"""Where the tables live, and the few ways this project writes them (all through Delta's transaction log).

A table is named either by its path under the storage root (``delta.`<root>/gold/scored_binaries```, the
default) or, with ``storage.catalog`` and ``storage.schema`` set, by its catalog name
(``<catalog>.<schema>.gold_scored_binaries``: Unity Catalog on Databricks, the session catalog locally).
Everything here goes through SQL on temporary views and the DataFrame API, never the ``DeltaTable`` Python
API nor the JVM, so that it runs the same on a classic session and under Spark Connect (Databricks serverless
jobs and shared clusters), where ``DeltaTable`` needs a Delta server plugin. Identifiers go into SQL quoted;
values never do (the only literals are dates rendered from ``datetime.date`` and the project's own column
names and expressions).

Every write is one of: an insert-only MERGE on a key (ingest: re-ingesting adds nothing; a table's very first
rows are written as its creating commit instead, :func:`create_with`), a MERGE that
updates or inserts on a key (scoring), an atomic ``replaceWhere`` overwrite of one as-of date's slice
(features), or an append (run logs, verdicts). Each is idempotent where it has to be, and a run killed
half-way leaves the previous table version intact.

Two runs writing the same table at once: Delta lets one commit and fails the other with a commit conflict
(``ConcurrentAppendException`` and its kin); the loser redoes its write on the new table version, up to
:data:`COMMIT_ATTEMPTS` times, which for these idempotent writes gives the same table as running them one
after the other. Past that it stops with a one-line :class:`ConcurrentWriteError`.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pyspark.errors import AnalysisException
from pyspark.sql import DataFrame, DataFrameWriter, SparkSession
from pyspark.sql.types import ArrayType, DataType, MapType, StructType

from codesign_prevalence.errors import ConcurrentWriteError, MissingTableError, UserError

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
OPS_CERTIFICATE_INTEL = "ops/certificate_intel"

T = TypeVar("T")
COMMIT_ATTEMPTS = 6
# A commit file of a Delta log (``00000000000000000012.json``; not a checkpoint, checksum or compacted log).
_COMMIT_FILE = re.compile(r"\d{20}\.json")

# What a run sees when another is creating the same table at that moment: a half-made table, a folder that
# already holds the other's files but no commit yet, or (catalog tables) the other's entry in the catalog.
# Retried like a commit conflict.
CREATE_RACES = (
    "DELTA_TABLE_NOT_FOUND",
    "DELTA_CREATE_TABLE_WITH_NON_EMPTY_LOCATION",
    "TABLE_OR_VIEW_ALREADY_EXISTS",
    "SCHEMA_ALREADY_EXISTS",
)
# What a write in mode "error" meets when the table is there already (a path, or a catalog name).
TABLE_EXISTS = ("DELTA_PATH_EXISTS", "DELTA_TABLE_ALREADY_EXISTS", "TABLE_OR_VIEW_ALREADY_EXISTS")
# Delta's commit conflicts by error class and class name: a classic session raises the Python classes below
# (``delta.exceptions.captured``); under Spark Connect they arrive as generic errors carrying these names.
DELTA_CONFLICT_CLASSES = (
    "ConcurrentAppendException",
    "ConcurrentDeleteDeleteException",
    "ConcurrentDeleteReadException",
    "ConcurrentTransactionException",
    "ConcurrentWriteException",
    "DeltaConcurrentModificationException",
    "MetadataChangedException",
    "ProtocolChangedException",
)
CONFLICT_NAMES = ("DELTA_CONCURRENT_", "DELTA_METADATA_CHANGED", "DELTA_PROTOCOL_CHANGED", *DELTA_CONFLICT_CLASSES)


class _CreateRace(Exception):
    """Two runs created the same table at once: the loser may see a half-made table (``DELTA_TABLE_NOT_FOUND``)."""


def _delta_conflicts() -> tuple[type[Exception], ...]:
    """Delta's commit-conflict classes, when its Python package is there (a classic session raises them; a
    Databricks serverless environment may not ship the package, and its errors carry the names instead)."""
    try:
        import delta.exceptions.captured  # turns Delta's JVM commit conflicts into delta.exceptions' classes
    except ImportError:
        return ()
    return tuple(getattr(delta.exceptions, name) for name in DELTA_CONFLICT_CLASSES)


COMMIT_CONFLICTS: tuple[type[Exception], ...] = (_CreateRace, *_delta_conflicts())

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
    OPS_CERTIFICATE_INTEL: "intel add",
}


def quote(name: str) -> str:
    """One identifier part, backtick-quoted for Spark SQL (a backtick inside is doubled)."""
    return "`" + name.replace("`", "``") + "`"


@dataclass(frozen=True)
class Table:
    """One of the project's tables where it lives: a Delta path, or a catalog table.

    ``name`` is the project's name (``gold/scored_binaries``); ``identifier`` names it in SQL, quoted
    (``delta.`/lake/gold/scored_binaries``` or ```main`.`codesign`.`gold_scored_binaries```); ``location``
    says where it is, for messages.
    """

    name: str
    identifier: str
    location: str
    path: str | None  # the Delta path; None for a catalog table
    namespace: str | None = None  # a catalog table's `catalog`.`schema`, created with its first table

    def __str__(self) -> str:
        return self.location


@dataclass(frozen=True)
class DatesIn:
    """A condition ``target.<column> IN (<dates>)`` that lets a MERGE skip the table's other partitions.

    Rendered from ``datetime.date`` values (ISO forms without quotes), never from other data.
    """

    column: str
    dates: tuple[dt.date, ...]

    def __init__(self, column: str, dates: Sequence[dt.date] | dt.date) -> None:
        days = (dates,) if isinstance(dates, dt.date) else tuple(dates)
        if not all(isinstance(day, dt.date) for day in days):
            raise TypeError("DatesIn takes datetime.date values")
        object.__setattr__(self, "column", column)
        object.__setattr__(self, "dates", tuple(sorted(set(days))))

    def sql(self, alias: str | None = None) -> str:
        if not self.dates:
            return "FALSE"
        listed = ", ".join(f"DATE'{day.isoformat()}'" for day in self.dates)
        column = quote(self.column) if alias is None else f"{alias}.{quote(self.column)}"
        return f"{column} IN ({listed})"


@dataclass(frozen=True)
class Lakehouse:
    """Where the tables are: paths under ``root``, or catalog tables ``<catalog>.<schema>.<table>``.

    ``root`` also holds what is not a table (the default MLflow store, reports) in both cases.
    """

    root: Path
    catalog: str | None = None
    schema: str | None = None

    def __post_init__(self) -> None:
        if (self.catalog is None) != (self.schema is None):
            raise UserError("storage.catalog and storage.schema are set together (or neither)")

    @property
    def by_name(self) -> bool:
        """True when the tables are catalog tables rather than paths."""
        return self.catalog is not None

    def table(self, name: str) -> Table:
        if self.catalog is not None and self.schema is not None:
            table_name = name.replace("/", "_")
            identifier = ".".join(quote(part) for part in (self.catalog, self.schema, table_name))
            namespace = f"{quote(self.catalog)}.{quote(self.schema)}"
            return Table(name, identifier, f"{self.catalog}.{self.schema}.{table_name}", None, namespace)
        path = str(self.root / name)
        return Table(name, f"delta.{quote(path)}", path, path)

    def location(self, name: str) -> str:
        """Where the table is, for messages: its path or its catalog name."""
        return self.table(name).location

    @property
    def where(self) -> str:
        """Where the tables are, for messages."""
        return f"catalog schema {self.catalog}.{self.schema}" if self.by_name else str(self.root)

    def exists(self, spark: SparkSession, name: str) -> bool:
        table = self.table(name)
        if table.path is None:
            return bool(spark.catalog.tableExists(table.identifier))
        # Committed at least once (a half-made table's log holds no commit yet); no Spark job needed.
        return _newest_commit(table.path) is not None

    def missing(self, name: str) -> MissingTableError:
        """The one-line error for a table that does not exist, naming the command that writes it."""
        stage = PRODUCED_BY.get(name, "the stage that writes it")
        return MissingTableError(f"table {name} does not exist under {self.where}; run '{stage}' first")

    def read(self, spark: SparkSession, name: str, version: int | None = None) -> DataFrame:
        """The table (at ``version``, Delta time travel, when given), or a one-line error naming the command
        that writes it."""
        if not self.exists(spark, name):
            raise self.missing(name)
        return _load(spark, self.table(name), version)

    def read_if_exists(self, spark: SparkSession, name: str) -> DataFrame | None:
        """The table, or None when it has never been written (an optional input: Code Integrity events,
        certificate intelligence, the fleet's history); one existence check, where ``read`` after ``exists``
        makes two."""
        return _load(spark, self.table(name)) if self.exists(spark, name) else None

    def version(self, spark: SparkSession, name: str) -> int | None:
        """The table's current Delta version (for lineage), or None when it does not exist.

        A path table's is its newest commit file (:func:`_newest_commit`): no Spark job. A catalog table's comes
        from ``DESCRIBE HISTORY``."""
        table = self.table(name)
        if table.path is not None:
            return _newest_commit(table.path)
        if not self.exists(spark, name):
            return None
        latest = spark.sql(f"DESCRIBE HISTORY {table.identifier} LIMIT 1").select("version").head()
        return int(latest[0]) if latest is not None else None

    def ensure(
        self,
        spark: SparkSession,
        name: str,
        schema: StructType,
        partition_by: Sequence[str] = (),
        properties: Mapping[str, str] | None = None,
    ) -> Table:
        """Create the (empty) table if it does not exist yet, and return it.

        ``properties`` (the project's own constants, never data values) are the new table's Delta properties.
        """
        table = self.table(name)
        if self.exists(spark, name):  # committed already: no create command to plan and run
            return table
        _ensure_namespace(spark, table)
        columns = ", ".join(_column_ddl(field.name, field.dataType, field.nullable) for field in schema.fields)
        statement = f"CREATE TABLE IF NOT EXISTS {table.identifier} ({columns}) USING delta"
        if partition_by:
            statement += f" PARTITIONED BY ({', '.join(quote(column) for column in partition_by)})"
        if properties:
            pairs = ", ".join(f"'{key}' = '{value}'" for key, value in _checked_properties(properties).items())
            statement += f" TBLPROPERTIES ({pairs})"
        retry_on_conflict(table, lambda: _create(spark, statement))
        return table

    def insert_new(
        self,
        name: str,
        schema: StructType,
        rows: DataFrame,
        keys: Sequence[str],
        prune: DatesIn | None = None,
        partition_by: Sequence[str] = (),
        properties: Mapping[str, str] | None = None,
        shuffle: bool = True,
    ) -> int:
        """Insert the ``rows`` whose key is not in the table ``name`` yet; return how many were inserted.

        The table's first rows create it (:func:`create_with`: one commit, no MERGE; ``shuffle`` as there).
        Once it exists, it gains the columns of ``schema`` it lacks (a table of an earlier version), then an
        insert-only MERGE (:func:`insert_new`) adds the new rows; ``rows`` must hold one row per key.
        """
        created = self._create(name, rows, partition_by, properties, shuffle)
        if created is not None:
            return created
        table = self.ensure(rows.sparkSession, name, schema, partition_by, properties)
        add_missing_columns(rows.sparkSession, table, schema)
        return insert_new(table, rows, keys, prune=prune)

    def upsert(
        self,
        name: str,
        schema: StructType,
        rows: DataFrame,
        keys: Sequence[str],
        prune: DatesIn | None = None,
        partition_by: Sequence[str] = (),
        evolve_schema: bool = False,
        update: Mapping[str, str] | None = None,
    ) -> None:
        """:func:`upsert` into the table ``name``, whose first rows create it (:func:`create_with`)."""
        if self._create(name, rows, partition_by) is None:
            table = self.ensure(rows.sparkSession, name, schema, partition_by)
            upsert(table, rows, keys, prune=prune, evolve_schema=evolve_schema, update=update)

    def append(self, name: str, schema: StructType, rows: DataFrame) -> None:
        """:func:`append` to the table ``name``, whose first rows create it (:func:`create_with`)."""
        if self._create(name, rows) is None:
            append(rows, self.ensure(rows.sparkSession, name, schema))

    def _create(
        self,
        name: str,
        rows: DataFrame,
        partition_by: Sequence[str] = (),
        properties: Mapping[str, str] | None = None,
        shuffle: bool = True,
    ) -> int | None:
        """:func:`create_with` when the table ``name`` does not exist yet; None when it does (or when a concurrent
        run created it first)."""
        if self.exists(rows.sparkSession, name):
            return None
        return create_with(rows, self.table(name), partition_by, properties, shuffle)


_PROPERTY_TEXT = re.compile(r"[A-Za-z0-9_.,-]+")


def _checked_properties(properties: Mapping[str, str] | None) -> Mapping[str, str]:
    """Table properties as given, once each name and value is plain text (the project's own constants)."""
    unsafe = [item for pair in (properties or {}).items() for item in pair if not _PROPERTY_TEXT.fullmatch(item)]
    if unsafe:
        raise ValueError(f"not a table property name or value: {unsafe[0]!r}")
    return properties or {}


def _ensure_namespace(spark: SparkSession, table: Table) -> None:
    """A catalog table's schema, created if it does not exist yet (nothing to do for a path)."""
    if table.namespace is not None:
        statement = f"CREATE SCHEMA IF NOT EXISTS {table.namespace}"
        retry_on_conflict(table, lambda: _create(spark, statement))


def _newest_commit(path: str) -> int | None:
    """The version of the newest commit file in the ``_delta_log`` of the table at ``path``; None before the
    first commit (every commit writes ``<version>.json``, and the newest is never cleaned up)."""
    log = Path(path) / "_delta_log"
    versions = [int(entry.name[:-5]) for entry in log.glob("*.json") if _COMMIT_FILE.fullmatch(entry.name)]
    return max(versions) if versions else None


def _load(spark: SparkSession, table: Table, version: int | None = None) -> DataFrame:
    reader = spark.read.format("delta")
    if version is not None:
        reader = reader.option("versionAsOf", version)
    return reader.load(table.path) if table.path is not None else reader.table(table.identifier)


def _type_ddl(data_type: DataType) -> str:
    if isinstance(data_type, StructType):
        inner = ", ".join(f"{quote(f.name)}: {_type_ddl(f.dataType)}" for f in data_type.fields)
        return f"STRUCT<{inner}>"
    if isinstance(data_type, ArrayType):
        return f"ARRAY<{_type_ddl(data_type.elementType)}>"
    if isinstance(data_type, MapType):
        return f"MAP<{_type_ddl(data_type.keyType)}, {_type_ddl(data_type.valueType)}>"
    return data_type.simpleString()


def _column_ddl(name: str, data_type: DataType, nullable: bool) -> str:
    return f"{quote(name)} {_type_ddl(data_type)}{'' if nullable else ' NOT NULL'}"


def _racing(call: Callable[[], T]) -> T:
    """``call()``; an error that means another run is creating the same table at this moment
    (:data:`CREATE_RACES`) becomes a :class:`_CreateRace`, which :func:`retry_on_conflict` retries."""
    try:
        return call()
    except AnalysisException as exc:
        if any(race in str(exc) for race in CREATE_RACES):
            raise _CreateRace(str(exc)) from None
        raise


def _create(spark: SparkSession, statement: str) -> None:
    _racing(lambda: spark.sql(statement))


def _is_conflict(error: Exception) -> bool:
    return isinstance(error, COMMIT_CONFLICTS) or any(name in str(error) for name in CONFLICT_NAMES)


def retry_on_conflict(table: Table | str, write: Callable[[], T], attempts: int = COMMIT_ATTEMPTS) -> T:
    """``write()``, redone when a concurrent commit to the table conflicts with it (module docstring)."""
    for attempt in range(1, attempts + 1):
        try:
            return write()
        except Exception as error:
            if not _is_conflict(error):
                raise
            if attempt == attempts:
                raise ConcurrentWriteError(
                    f"another run kept writing {table} ({type(error).__name__}, {attempts} attempts); "
                    "wait for it to finish and run this command again (the rerun is safe)"
                ) from None
            time.sleep(random.uniform(0.2, 1.0) * attempt)
    raise AssertionError("unreachable")


@contextmanager
def _as_view(rows: DataFrame) -> Iterator[str]:
    """``rows`` as a temporary view for the length of one statement; yields its (quoted) name."""
    name = f"codesign_source_{uuid.uuid4().hex}"
    rows.createOrReplaceTempView(name)
    try:
        yield quote(name)
    finally:
        rows.sparkSession.catalog.dropTempView(name)


def _merge_condition(keys: Sequence[str], prune: DatesIn | None) -> str:
    terms = [f"target.{quote(key)} = source.{quote(key)}" for key in keys]
    if prune is not None:
        terms.append(prune.sql("target"))
    return " AND ".join(terms)


def _inserted(result: DataFrame) -> int:
    row = result.head()
    if row is None or "num_inserted_rows" not in row.asDict():
        return 0
    value = row["num_inserted_rows"]
    return int(value) if value is not None else 0


def insert_new(target: Table, rows: DataFrame, keys: Sequence[str], prune: DatesIn | None = None) -> int:
    """Insert the rows whose key is not in the table yet (an insert-only MERGE); return how many were inserted.

    ``prune`` restricts the match to some of the table's dates, so that Delta skips the other files.
    """
    spark = rows.sparkSession
    condition = _merge_condition(keys, prune)

    def merge() -> int:
        with _as_view(rows) as source:
            # The MERGE's own metrics, not the table's history: a concurrent run may have committed since.
            return _inserted(
                spark.sql(
                    f"MERGE INTO {target.identifier} AS target USING {source} AS source ON {condition} "
                    "WHEN NOT MATCHED THEN INSERT *"
                )
            )

    return retry_on_conflict(target, merge)


def create_with(
    rows: DataFrame,
    target: Table,
    partition_by: Sequence[str] = (),
    properties: Mapping[str, str] | None = None,
    shuffle: bool = True,
) -> int | None:
    """Create ``target`` holding ``rows``, in one Delta commit, and return how many rows it holds; None when the
    table exists already (made before, or by a concurrent run a moment ago): the caller then inserts into it
    (:func:`insert_new`), which deduplicates against what is there.

    The first write of a new table costs one commit where :meth:`Lakehouse.ensure` and a MERGE into the empty
    table cost two, and no MERGE is planned (the larger part of a small ingest's time in a new JVM). Two runs
    creating the table at once: Delta commits one, the other's commit of the same first version fails, and it
    returns None (as on a half-made table, :data:`CREATE_RACES`, which ``ensure`` then waits out; the loser's
    uncommitted files are not part of the table, and ``VACUUM`` removes them). The new table's columns are all
    nullable (Delta takes a written DataFrame's schema so), where ``ensure`` declares the schema's NOT NULL
    columns. ``properties`` as for ``ensure``.

    With ``shuffle`` a partitioned table's rows are first shuffled by its partition columns: one file per
    partition value (as the MERGE's own repartition gives). Without it each task writes the values its rows
    hold, as they lie: one file per task and value, and no pass over every row to move it (for a caller whose
    rows lie in few tasks).
    """
    spark = rows.sparkSession
    if partition_by and shuffle:
        rows = rows.repartition(*[rows[column] for column in partition_by])
    writer = rows.write.format("delta").mode("error").partitionBy(*partition_by)
    for key, value in _checked_properties(properties).items():
        writer = writer.option(key, value)
    if target.path is None:
        _ensure_namespace(spark, target)
    try:
        _save(writer, target, retried=False)
    except Exception as error:
        if _is_conflict(error) or any(name in str(error) for name in (*TABLE_EXISTS, *CREATE_RACES)):
            return None
        raise
    return _rows_written(spark, target, 0)


def _rows_written(spark: SparkSession, target: Table, version: int) -> int:
    """How many rows the commit ``version`` of ``target`` wrote, by its own metrics: read from the commit file
    of a table on this machine, else through ``DESCRIBE HISTORY``."""
    commit = Path(target.path) / "_delta_log" / f"{version:020d}.json" if target.path is not None else None
    if commit is not None and commit.is_file():
        actions = [json.loads(line) for line in commit.read_text(encoding="utf-8").splitlines() if line.strip()]
        infos = [action["commitInfo"] for action in actions if "commitInfo" in action]
        metrics = (infos[0].get("operationMetrics") if infos else None) or {}
    else:
        history = spark.sql(f"DESCRIBE HISTORY {target.identifier}")
        row = history.where(history["version"] == version).select("operationMetrics").head()
        metrics = (row[0] if row is not None else None) or {}
    if "numOutputRows" in metrics:
        return int(metrics["numOutputRows"])
    return _load(spark, target, version).count()  # metrics off (spark.databricks.delta.history.metricsEnabled)


def upsert(
    target: Table,
    rows: DataFrame,
    keys: Sequence[str],
    prune: DatesIn | None = None,
    evolve_schema: bool = False,
    update: Mapping[str, str] | None = None,
) -> None:
    """Update the rows whose key is in the table, insert the others (a MERGE).

    With ``evolve_schema`` the columns of ``rows`` that the table lacks are added to it (older rows get null).
    ``update`` (column -> the project's own SQL expression on ``target.*`` / ``source.*`` columns) replaces
    "every column from the source" for the rows whose key is in the table.
    """
    spark = rows.sparkSession
    condition = _merge_condition(keys, prune)
    assignments = ", ".join(f"target.{quote(column)} = {expression}" for column, expression in (update or {}).items())
    matched = "UPDATE SET *" if update is None else f"UPDATE SET {assignments}"

    def merge() -> None:
        if evolve_schema:
            add_missing_columns(spark, target, rows.schema)
        with _as_view(rows) as source:
            spark.sql(
                f"MERGE INTO {target.identifier} AS target USING {source} AS source ON {condition} "
                f"WHEN MATCHED THEN {matched} WHEN NOT MATCHED THEN INSERT *"
            )

    retry_on_conflict(target, merge)


def replace_as_of(rows: DataFrame, target: Table, as_of: dt.date, partition_by: Sequence[str] = ("as_of",)) -> None:
    """Atomically replace one as-of date's slice of a table with ``rows`` (whose ``as_of`` must all equal it);
    the table is created on first use.

    The predicate is built from a ``datetime.date`` (its ISO form has no quotes), never from data values.
    """
    if not isinstance(as_of, dt.date):
        raise TypeError(f"as_of must be a datetime.date, not {type(as_of).__name__}")
    _replace_where(rows, target, DatesIn("as_of", as_of).sql(), partition_by)


def replace_dates(rows: DataFrame, target: Table, dates: Sequence[dt.date], column: str = "event_date") -> None:
    """Atomically replace the rows of a table partitioned by ``column`` whose ``column`` is one of ``dates``
    with ``rows`` (whose ``column`` must be one of them); the table is created on first use.

    The predicate is built from ``datetime.date`` values (ISO forms without quotes), never from other data.
    """
    if not dates or not all(isinstance(day, dt.date) for day in dates):
        raise TypeError("dates must be a non-empty sequence of datetime.date")
    _replace_where(rows, target, DatesIn(column, dates).sql(), (column,))


def _replace_where(rows: DataFrame, target: Table, predicate: str, partition_by: Sequence[str]) -> None:
    """Atomically replace the rows of ``target`` matching ``predicate`` with ``rows``."""
    writer = (
        rows.write.format("delta")
        .mode("overwrite")
        .option("replaceWhere", predicate)
        .option("mergeSchema", "true")  # columns added since the table was made are added to it (older rows null)
        .partitionBy(*partition_by)
    )
    if target.path is None:
        _ensure_namespace(rows.sparkSession, target)
    _save(writer, target)


def append(rows: DataFrame, target: Table) -> None:
    """Append ``rows`` to an existing table in one Delta commit (logs of runs and verdicts: every call adds)."""
    _save(rows.write.format("delta").mode("append"), target)


def _save(writer: DataFrameWriter, target: Table, retried: bool = True) -> None:
    """Run ``writer`` against ``target``: its path, or its catalog name; redone on a commit conflict unless not
    ``retried``."""
    path = target.path

    def write() -> None:
        if path is not None:
            writer.save(path)
        else:
            writer.saveAsTable(target.identifier)

    if retried:
        retry_on_conflict(target, write)
    else:
        write()


def add_missing_columns(spark: SparkSession, target: Table, schema: StructType) -> list[str]:
    """Add to ``target`` the columns of ``schema`` it lacks (nullable, at the end: older rows read null), by
    ``ALTER TABLE ... ADD COLUMNS``; return their names. A table written by an earlier version of the job gains
    the columns added since, and keeps its rows. The statement names only ``schema``'s own columns and types."""

    def alter() -> list[str]:
        # Right after two runs created the table at once, the loser may still read it as not there: retried.
        present = {name.lower() for name in _racing(lambda: _load(spark, target)).columns}
        missing = [field for field in schema.fields if field.name.lower() not in present]
        if missing:
            columns = ", ".join(_column_ddl(field.name, field.dataType, True) for field in missing)
            spark.sql(f"ALTER TABLE {target.identifier} ADD COLUMNS ({columns})")
        return [field.name for field in missing]

    return retry_on_conflict(target, alter)
