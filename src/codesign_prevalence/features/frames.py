"""Building the features' plans so that Spark Connect need not analyse them half-way.

Under Spark Connect (``spark.remote``; Databricks serverless) the client builds a DataFrame's plan locally, and
whatever needs the plan's schema is a round trip in which the server analyses the whole plan built so far:
``frame.columns`` and ``frame.schema``, and a ``groupBy`` by column *name* (pyspark checks the name against the
frame's schema). Such round trips, most of them on the candidates' plan, took nearly half of a `features` run
through Connect (34 of 72 s; benchmarks/README.md, "Session 46"). So the transforms group by unresolved columns
(:func:`by`), drop their helper columns by name rather than select the others from ``frame.columns``, and add
columns to ``"*"``.
In classic PySpark every DataFrame is analysed as it is built, and the same code does the same work.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F


def by(*names: str) -> list[Column]:
    """Columns by name, for ``frame.groupBy(*by("sha256", "signer"))``: resolved with the aggregation, on the
    server, instead of one schema round trip per frame grouped."""
    return [F.col(name) for name in names]
