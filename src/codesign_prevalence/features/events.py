"""Per-event transforms: the as-of window and the event-level columns every aggregate needs.

The as-of window (:func:`in_window`) holds the events of the ``lookback_days`` days that end with the as-of
day, both ends included: ``window_start = as_of - (lookback_days - 1)``, and an event is in when
``window_start <= to_date(timestamp) <= as_of`` (UTC, the session time zone; ``event_date`` is the same date
and is also filtered on so that Delta skips the other partitions). Nothing after the as-of day is ever read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from codesign_prevalence.features.normalize import LOOKUP_VALUE, canonical_signer, file_name, renamed_file, with_lookup


def _companies(values: DataFrame) -> DataFrame:
    return values.select(LOOKUP_VALUE, canonical_signer(F.col(LOOKUP_VALUE)).alias("company"))


def window_start(as_of: dt.date, lookback_days: int) -> dt.date:
    """The first day of the as-of window (``lookback_days`` days ending with ``as_of``)."""
    if lookback_days < 1:
        raise ValueError(f"lookback_days must be at least 1, not {lookback_days}")
    return as_of - dt.timedelta(days=lookback_days - 1)


def in_window(as_of: dt.date, lookback_days: int) -> Callable[[DataFrame], DataFrame]:
    """A transform keeping the events of the as-of window (module docstring); columns unchanged.

    Reads: ``event_date``, ``timestamp``.
    """
    first_day = window_start(as_of, lookback_days)

    def transform(events: DataFrame) -> DataFrame:
        event_day = F.to_date(F.col("timestamp"))
        in_partitions = F.col("event_date").between(F.lit(first_day), F.lit(as_of))
        in_days = event_day.between(F.lit(first_day), F.lit(as_of))
        return events.where(in_partitions & in_days).select("*")

    return transform


def with_event_attributes(lolbin_parents: Sequence[str]) -> Callable[[DataFrame], DataFrame]:
    """A transform adding the per-event columns that the prevalence aggregates read.

    Reads: ``parent_name``, ``parent_executable``, ``pe_original_file_name``, ``process_name``,
    ``executable``, ``pe_company``, ``user_name``, ``cs_exists``, ``cs_subject_name``.
    Adds:

    - ``parent`` (string): the parent's file name, lower case (``parent_name``, else the last part of
      ``parent_executable``); null when neither is known;
    - ``lolbin_parent`` (boolean, never null): ``parent`` is in ``lolbin_parents`` (case-insensitive);
    - ``original_name_mismatch`` (boolean, never null): ``pe_original_file_name`` is present and names
      another file than the process name (``process_name``, else the last part of ``executable``): not only
      by case, extension or a download's decoration (:func:`~codesign_prevalence.features.normalize.
      renamed_file`);
    - ``company`` (string): ``pe_company`` folded like a signer name (:func:`canonical_signer`), computed once
      per distinct value (row order is not kept);
    - ``user`` (string): ``user_name`` in lower case;
    - ``is_signed`` (boolean, never null): ``cs_exists`` is true or ``cs_subject_name`` is present.
    """
    lolbins = sorted({name.lower() for name in lolbin_parents})

    def transform(events: DataFrame) -> DataFrame:
        parent_file = file_name(F.col("parent_executable"))
        parent = F.lower(F.coalesce(F.col("parent_name"), F.when(parent_file != F.lit(""), parent_file)))
        lolbin = F.coalesce(parent.isin(*lolbins), F.lit(False)) if lolbins else F.lit(False)
        process_file = F.coalesce(F.col("process_name"), F.col("executable"))
        renamed = renamed_file(F.col("pe_original_file_name"), process_file)
        signed = F.coalesce(F.col("cs_exists"), F.lit(False)) | F.col("cs_subject_name").isNotNull()
        return (
            events.select(
                "*", parent.alias("parent"), lolbin.alias("lolbin_parent"), renamed.alias("original_name_mismatch")
            )
            .transform(with_lookup("pe_company", _companies))
            .select("*", F.lower(F.col("user_name")).alias("user"), signed.alias("is_signed"))
        )

    return transform
