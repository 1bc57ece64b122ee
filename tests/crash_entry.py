"""The command line with a crash injected from outside: the entry point of the crash tests' killed runs.

    python tests/crash_entry.py TABLE <codesign-prevalence arguments...>

Before the jobs are imported, every write function of :mod:`codesign_prevalence.storage` that takes the rows it
writes (a ``rows`` parameter) and its table (``target``, a :class:`~codesign_prevalence.storage.Table`) is
wrapped: when the table's location ends with ``TABLE`` (``gold/scored_binaries``, say), the write's first task
SIGKILLs this process and its JVM while the write runs, before Delta commits it.
The production code has no hook for this.
"""

from __future__ import annotations

import functools
import inspect
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pandas as pd
from pyspark.sql import DataFrame

from codesign_prevalence import storage


def _path(table: Any) -> str:
    return table if isinstance(table, str) else str(table.location)


def _killing(rows: DataFrame) -> DataFrame:
    """``rows``, whose first task kills the driver (this process) and its JVM, and never finishes."""
    from pyspark import SparkContext

    gateway = getattr(SparkContext, "_gateway", None)
    victims = [os.getpid(), *([gateway.proc.pid] if gateway is not None and gateway.proc is not None else [])]

    def kill(batches: Iterable[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            for pid in victims:
                os.kill(pid, signal.SIGKILL)
            time.sleep(600)  # never finish this task: the write must not commit
            yield batch

    return rows.mapInPandas(kill, rows.schema)


def _wrapped(function: Callable[..., Any], wanted: str) -> Callable[..., Any]:
    signature = inspect.signature(function)

    @functools.wraps(function)
    def write(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        table = bound.arguments.get("target")
        if table is not None and _path(table).rstrip("/").endswith(wanted.strip("/")):
            bound.arguments["rows"] = _killing(bound.arguments["rows"])
        return function(*bound.args, **bound.kwargs)

    return write


def main(argv: list[str]) -> int:
    wanted, arguments = argv[0], argv[1:]
    writes = [
        name
        for name, function in vars(storage).items()
        if inspect.isfunction(function)
        and function.__module__ == storage.__name__
        and "rows" in inspect.signature(function).parameters
        and "target" in inspect.signature(function).parameters
    ]
    if not writes:
        raise SystemExit("crash_entry: no write function with rows and a table found in codesign_prevalence.storage")
    for name in writes:
        setattr(storage, name, _wrapped(getattr(storage, name), wanted))
    from codesign_prevalence.cli import main as cli_main  # the jobs import the wrapped functions

    return cli_main(arguments)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
