"""Entry point: ``codesign-prevalence sql "SELECT ..." [--param NAME=VALUE]... [--limit N] [--format F]``.

Registers every lakehouse table as a view (:mod:`codesign_prevalence.query`), runs the query with its bound
parameters and prints the result on stdout. A query Spark rejects, or that fails while it runs, is a
one-line error.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException
from pyspark.logger import PySparkLogger

from codesign_prevalence.errors import UserError
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.jobs.printing import print_frame
from codesign_prevalence.query import check_read_only, first_line, register_views, run_query

PARAMETER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# PySpark logs every error of a query, with the JVM's stack trace, as JSON on stderr through these loggers.
QUERY_ERROR_LOGGERS: tuple[str, ...] = ("SQLQueryContextLogger", "DataFrameQueryContextLogger")


@contextmanager
def quiet_query_errors() -> Iterator[None]:
    """Keep PySpark from logging a query's error (the command prints its first line instead)."""
    loggers = [PySparkLogger.getLogger(name) for name in QUERY_ERROR_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def parse_params(texts: Sequence[str]) -> dict[str, object]:
    """``NAME=VALUE`` texts -> bound parameters (values are strings; cast them in SQL when needed)."""
    params: dict[str, object] = {}
    for text in texts:
        name, sep, value = text.partition("=")
        if not sep or not PARAMETER_NAME.match(name.strip()):
            raise UserError(f"--param {text!r} is not NAME=VALUE (NAME: letters, digits, underscores)")
        params[name.strip()] = value
    return params


def run(
    context: JobContext,
    query: str,
    params: dict[str, object],
    limit: int,
    output_format: str = "table",
    max_width: int = 0,
) -> int:
    """Run the query against the lakehouse's views and print its rows; return how many were printed."""
    if not query.strip():
        raise UserError("the query is empty")
    check_read_only(query)  # before the session starts: a mistyped command fails fast
    spark = context.spark
    views = register_views(spark, context.lakehouse)
    context.detail(f"views: {', '.join(views) or '(none: the lakehouse is empty)'}")
    try:
        with quiet_query_errors():
            result = run_query(spark, query, params)
            return print_frame(result, limit, output_format, max_width)
    except UserError as error:
        raise UserError(_with_views(str(error), views)) from None
    except (PySparkException, Py4JJavaError) as error:
        raise UserError(_with_views(f"query failed: {first_line(error)}", views)) from None


def _with_views(message: str, views: list[str]) -> str:
    if "TABLE_OR_VIEW_NOT_FOUND" in message:
        return f"{message} (views: {', '.join(views) or 'none; run the pipeline first'})"
    return message
