"""The analysts' SQL session: every lakehouse table as a temporary view under its short name, plus ``alerts``.

Views (each only when its table exists), one per table the project writes under the last part of its path:
``process_events`` (also ``events``), ``quarantine``, ``codeintegrity_events``, ``rule_matches``, ``daily_binaries``,
``hash_prevalence``, ``signer_prevalence``, ``candidates``, ``first_seen``, ``scored_binaries``, ``verdicts``,
``ingest_runs``, ``features_runs``, and ``alerts`` (:func:`latest_alerts`). A query is the user's own SQL text,
passed to ``spark.sql`` as it is; values go in as bound parameters (``:name`` markers with ``args``), never
pasted into the text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import PurePosixPath

import sqlglot
import sqlglot.errors
from pyspark.errors import PySparkException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from sqlglot import exp

from codesign_prevalence.errors import UserError
from codesign_prevalence.storage import BRONZE_EVENTS, GOLD_SCORED, PRODUCED_BY, Lakehouse

ALERTS_VIEW = "alerts"
# Short names beside each table's own (the last part of its path).
VIEW_ALIASES: dict[str, str] = {"events": BRONZE_EVENTS}
ALERT_COLUMNS: tuple[str, ...] = (
    "as_of",
    "population",
    "rank",
    "anomaly_score",
    "sha256",
    "subject_name",
    "signer",
    "status_category",
    "reasons",
    "verdict",
    "verdict_note",
    "host_count",
    "first_seen",
    "example_path",
    "example_host",
    "host_names",
    "rule_match",
)
# What a query may start with: a read. (The views are Delta tables underneath; this keeps a mistyped DELETE
# or INSERT from changing them. It is a guard against accidents, not a security boundary.)
READ_STATEMENT = re.compile(r"^\s*(?:\(\s*)*(?:SELECT|WITH|VALUES|TABLE|FROM|SHOW|DESCRIBE|DESC|EXPLAIN)\b", re.I)
_LEADING_COMMENTS = re.compile(r"^(?:\s*(?:--[^\n]*(?:\n|$)|/\*.*?\*/))*", re.S)


def view_names() -> dict[str, str]:
    """View name -> table path (relative to the storage root), for every table the project writes."""
    names = {PurePosixPath(table).name: table for table in PRODUCED_BY}
    return {**names, **VIEW_ALIASES}


def latest_alerts(scored: DataFrame) -> DataFrame:
    """The newest as-of date's alerted, unsuppressed binaries, by population and rank.

    Reads gold/scored_binaries (``alert``, ``suppressed`` and :data:`ALERT_COLUMNS`); a table written before
    verdicts existed has no ``suppressed``/``verdict*`` columns and gets them as nulls.
    """
    for name in ("suppressed", "verdict", "verdict_note"):
        if name not in scored.columns:
            scored = scored.withColumn(name, F.lit(None).cast("boolean" if name == "suppressed" else "string"))
    newest = scored.agg(F.max("as_of").alias("as_of"))
    shown = F.col("alert") & ~F.coalesce(F.col("suppressed"), F.lit(False))
    return (
        scored.join(newest, on="as_of", how="inner")
        .where(shown)
        .select(*[F.col(name) for name in ALERT_COLUMNS])
        .orderBy(F.col("population").asc(), F.col("rank").asc())
    )


def register_views(spark: SparkSession, lakehouse: Lakehouse) -> list[str]:
    """Register a temporary view for every existing table (and ``alerts``); return the names registered."""
    registered = []
    frames: dict[str, DataFrame] = {}
    for name, table in sorted(view_names().items()):
        if table not in frames and lakehouse.exists(spark, table):
            frames[table] = lakehouse.read(spark, table)
        if table in frames:
            frames[table].createOrReplaceTempView(name)
            registered.append(name)
    if GOLD_SCORED in frames:
        latest_alerts(frames[GOLD_SCORED]).createOrReplaceTempView(ALERTS_VIEW)
        registered.append(ALERTS_VIEW)
    return sorted(registered)


def first_line(error: BaseException) -> str:
    """The first non-empty line of an error's message (Spark's messages go on with plans and hints)."""
    java = getattr(error, "java_exception", None)  # a Py4JJavaError that PySpark did not convert
    text = str(java.getMessage()) if java is not None else str(error)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def check_read_only(query: str) -> None:
    """A :class:`UserError` unless the query starts (after comments) with a reading keyword."""
    body = _LEADING_COMMENTS.sub("", query, count=1)
    if not READ_STATEMENT.match(body):
        raise UserError("only queries are run (SELECT, WITH, VALUES, TABLE, FROM, SHOW, DESCRIBE, EXPLAIN)")


# Statements that read, as sqlglot parses them (Spark dialect); SHOW and EXPLAIN come back as a generic
# ``Command`` (EXPLAIN runs nothing, SHOW only reads), ``TABLE t`` is matched on its text.
_READING_STATEMENTS: tuple[type[exp.Expr], ...] = (exp.Select, exp.SetOperation, exp.Values, exp.Describe)
_READING_COMMANDS = frozenset({"SHOW", "EXPLAIN"})
_TABLE_STATEMENT = re.compile(r"^\s*TABLE\s+[\w.`]+\s*;?\s*$", re.I)
# Nodes that write or change state, wherever they sit (``WITH x AS (...) INSERT``, ``FROM t INSERT``).
_WRITING_NODES: tuple[type[exp.Expr], ...] = (
    exp.DDL,
    exp.DML,
    exp.MultitableInserts,
    exp.Command,
    exp.Cache,
    exp.Uncache,
    exp.TruncateTable,
    exp.Drop,
    exp.Alter,
    exp.Set,
    exp.Use,
    exp.LoadData,
    exp.Refresh,
    exp.Analyze,
    exp.Grant,
)


def _statement_name(node: exp.Expr) -> str:
    if isinstance(node, (exp.Insert, exp.MultitableInserts)):
        return "INSERT"
    if isinstance(node, exp.Command):
        return str(node.this).upper()
    return node.key.upper()


def writing_statement(query: str) -> str | None:
    """The kind of the first statement or clause of ``query`` that would write or change state, else None.

    A reading first keyword is not enough: ``WITH x AS (...) INSERT INTO ...`` and ``FROM t INSERT INTO ...``
    start like queries. sqlglot parses the text (Spark dialect, no Spark session needed, so this works the
    same under Spark Connect); only one statement that reads is let through. Text sqlglot cannot parse is
    refused too: the guard lets through only what it understands.
    """
    if _TABLE_STATEMENT.match(_LEADING_COMMENTS.sub("", query, count=1)):
        return None
    sqlglot_logger = logging.getLogger("sqlglot")
    level = sqlglot_logger.level
    sqlglot_logger.setLevel(logging.ERROR)  # "falling back to parsing as a Command" is expected for SHOW/EXPLAIN
    try:
        statements = [statement for statement in sqlglot.parse(query, read="spark") if statement is not None]
    except sqlglot.errors.SqlglotError as error:
        return f"not understood by the guard: {first_line(error)}"
    finally:
        sqlglot_logger.setLevel(level)
    if len(statements) != 1:
        return f"{len(statements)} statements; one query at a time"
    statement = statements[0]
    if isinstance(statement, exp.Command) and str(statement.this).upper() in _READING_COMMANDS:
        return None
    if not isinstance(statement, _READING_STATEMENTS):
        return _statement_name(statement)
    for node in statement.walk():
        if isinstance(node, _WRITING_NODES):
            return _statement_name(node)
    return None


def run_query(spark: SparkSession, query: str, params: Mapping[str, object] | None = None) -> DataFrame:
    """The query's result (analysed, not yet run), or a one-line :class:`UserError` when Spark rejects it."""
    check_read_only(query)
    writing = writing_statement(query)
    if writing is not None:
        raise UserError(f"only queries are run, and this one writes or changes state ({writing})")
    try:
        return spark.sql(query, args=dict(params) if params else None)
    except PySparkException as error:
        raise UserError(f"query failed: {first_line(error)}") from None
