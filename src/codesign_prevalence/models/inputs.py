"""Which as-of date a model stage works on, and the check that the table has rows for it."""

from __future__ import annotations

import datetime as dt

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from codesign_prevalence.errors import UserError
from codesign_prevalence.storage import PRODUCED_BY


def resolve_as_of(table: DataFrame, table_name: str, as_of: dt.date | None) -> dt.date:
    """``as_of`` if the table has rows for it, else the newest ``as_of`` in the table when none was given.

    A one-line :class:`UserError` names the command that writes the missing date.
    """
    stage = PRODUCED_BY.get(table_name, "the stage that writes it")
    if as_of is None:
        newest = table.agg(F.max("as_of")).head()
        if newest is None or newest[0] is None:
            raise UserError(f"table {table_name} is empty; run '{stage}' first")
        return newest[0]
    if table.where(F.col("as_of") == F.lit(as_of)).limit(1).count() == 0:
        raise UserError(f"table {table_name} has no rows for as-of {as_of.isoformat()}; run '{stage} --as-of {as_of}'")
    return as_of
