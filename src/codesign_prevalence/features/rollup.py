"""Per-day rollups (silver/daily_binaries) and the window's tables merged from them.

A daily run should cost what the new day costs. The events of one day are aggregated once, into one row per
event date and (host, binary) (:func:`daily_binaries`): additive figures (executions, path-class, rule,
status and parent counts), min/max timestamps, the sets of normalised values, the per-value execution counts
the labels need, and the day's seed-rule matches, each kept as an event of its own. The window's per-(host,
binary) table, labels and rule matches are then merged from the rollup rows of the window's days
(:func:`host_binary_from_daily`, :func:`labels_from_daily`, :func:`rule_matches_from_daily`), and the hash,
signer and candidate tables derive from them exactly as they do from the events
(``features.pipeline.feature_tables``): the same rows, checked by ``tests/test_rollup.py``.

Every figure of a rollup row merges across days without loss: sums, min/max, bit-or of the day's bit, unions
of sets and of per-value counts. Arrays are sorted, so a re-roll of the same events writes the same rows.

Which days to roll (:func:`dates_to_roll`): the event dates whose bronze data files changed since the bronze
version the rollup was made from (``bronze_version``, kept per row; bronze is partitioned by ``event_date``, so
a file's path names its date and no data is read to find them): a daily ingest re-rolls its own day, a late
event re-rolls the day it happened on, and nothing else. Bronze's ``event_date`` is ``to_date(timestamp)``
(the ingest's contract), so a day's rows are the events of that day.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from codesign_prevalence.features.events import window_start
from codesign_prevalence.features.frames import by
from codesign_prevalence.features.normalize import PATH_CLASSES
from codesign_prevalence.features.prevalence import (
    HOST_BINARY_KEY,
    LABEL_SOURCES,
    VARIANT_KEY,
    active_days,
    best_labels,
    day_bit_masks,
    day_bits_columns,
    execution_aggregates,
    label_value,
    path_class_count_column,
)
from codesign_prevalence.features.rule import RULE_MATCH_COLUMNS

DAILY_KEY: tuple[str, ...] = ("event_date", *HOST_BINARY_KEY)
# The raw columns of a seed-rule match that are not in the rollup's key (rows of silver/rule_matches).
RULE_EVENT_FIELDS: tuple[str, ...] = tuple(
    name for name in RULE_MATCH_COLUMNS if name not in {"as_of", "event_date", *HOST_BINARY_KEY}
)
_COUNT_COLUMNS: tuple[str, ...] = (
    "executions",
    *(path_class_count_column(name) for name in PATH_CLASSES),
    "rule_match_count",
    "anomalous_status_count",
    "lolbin_parent_count",
)
_FLAG_COLUMNS: tuple[str, ...] = ("any_untrusted", "any_invalid", "any_signed", "any_original_name_mismatch")
_SET_COLUMNS: tuple[str, ...] = ("paths", "users", "parents", "companies")


def _sorted_set(column: Column) -> Column:
    return F.array_sort(F.collect_set(column))


def daily_variants(singled_out: Column) -> Callable[[DataFrame], DataFrame]:
    """A transform: events -> variants per event date (the one aggregation of the events of the days rolled).

    As ``prevalence.event_variants`` (the same key; each event for which ``singled_out`` is true a variant of
    its own, identified by ``rule_event_id``), with ``event_date`` in the key instead of day bit masks.

    Reads: ``event_date``, ``event_id``, ``timestamp`` and the columns of
    :data:`~codesign_prevalence.features.prevalence.VARIANT_KEY`.
    Output: ``event_date``, :data:`VARIANT_KEY`, ``rule_event_id``, ``executions``, ``first_seen``,
    ``last_seen``.
    """
    single = F.coalesce(singled_out, F.lit(False))

    def transform(events: DataFrame) -> DataFrame:
        return events.groupBy(
            *by("event_date", *VARIANT_KEY), F.when(single, F.col("event_id")).cast("string").alias("rule_event_id")
        ).agg(
            F.count(F.lit(1)).alias("executions"),
            F.min("timestamp").alias("first_seen"),
            F.max("timestamp").alias("last_seen"),
        )

    return transform


def daily_binaries(bronze_version: int) -> Callable[[DataFrame], DataFrame]:
    """One row per event date and (host, binary): the rows of silver/daily_binaries.

    Reads: the output of :func:`daily_variants` with the variant attributes
    (``features.pipeline.variant_attributes``).
    Output: ``event_date``, ``host_id``, ``sha256``, ``signer``, ``host_name`` (smallest), ``executions``,
    ``first_seen``, ``last_seen``, ``paths`` / ``users`` / ``parents`` / ``companies`` (sorted distinct
    values), ``example_path`` (smallest raw path), ``pc_<class>``, ``rule_match_count``,
    ``anomalous_status_count``, ``lolbin_parent_count`` (executions), ``status_rank`` (worst),
    ``any_untrusted``, ``any_invalid``, ``any_signed``, ``any_original_name_mismatch`` (never null),
    ``label_counts`` (sorted structs ``label, value, executions``: executions under each raw subject name,
    thumbprint, parent and certificate detail (:data:`~.prevalence.LABEL_SOURCES`, as text); one entry per
    variant, so a value may come several times: they are summed when the window is read), ``rule_events``
    (sorted structs of :data:`RULE_EVENT_FIELDS`: the day's seed-rule matches, one per event),
    ``bronze_version`` (the version of bronze the row was rolled from).
    """

    def transform(variants: DataFrame) -> DataFrame:
        # Per variant, its executions under each raw label value; summed per value when the window is read.
        label_entries = F.filter(
            F.array(
                *[
                    F.struct(F.lit(label).alias("label"), label_value(source).alias("value"), F.col("executions"))
                    for label, source in LABEL_SOURCES.items()
                ]
            ),
            lambda entry: entry.getField("value").isNotNull(),
        )
        # A singled-out variant is one event: its id is the variant's rule_event_id, its timestamp first_seen.
        event_columns = {"event_id": F.col("rule_event_id"), "timestamp": F.col("first_seen")}
        rule_event = F.struct(*[event_columns.get(name, F.col(name)).alias(name) for name in RULE_EVENT_FIELDS])
        aggregated = variants.groupBy(*by(*DAILY_KEY)).agg(
            F.min("host_name").alias("host_name"),
            F.sum("executions").alias("executions"),
            F.min("first_seen").alias("first_seen"),
            F.max("last_seen").alias("last_seen"),
            *[_sorted_set(F.col(source)).alias(name) for name, source in
              zip(_SET_COLUMNS, ("path_norm", "user", "parent", "company"), strict=True)],
            F.min("executable").alias("example_path"),
            *execution_aggregates(),
            F.array_sort(F.flatten(F.collect_list(label_entries))).alias("label_counts"),
            F.array_sort(F.collect_list(F.when(F.col("rule_event_id").isNotNull(), rule_event))).alias("rule_events"),
        )
        return aggregated.select("*", F.lit(bronze_version).cast("long").alias("bronze_version"))

    return transform


def in_window_days(as_of: dt.date, lookback_days: int) -> Callable[[DataFrame], DataFrame]:
    """A transform keeping the rollup rows of the as-of window's days (``event_date``); columns unchanged."""
    first_day = window_start(as_of, lookback_days)

    def transform(daily: DataFrame) -> DataFrame:
        return daily.where(F.col("event_date").between(F.lit(first_day), F.lit(as_of))).select("*")

    return transform


def host_binary_from_daily(as_of: dt.date, lookback_days: int) -> Callable[[DataFrame], DataFrame]:
    """A transform: the window's rollup rows -> one row per (host, binary), the output of
    ``prevalence.host_binary_prevalence`` on the window's events (same columns, same values).

    Reads: the columns of :func:`daily_binaries` (only the window's days: :func:`in_window_days`).
    """
    first_day = window_start(as_of, lookback_days)

    def transform(daily: DataFrame) -> DataFrame:
        masks = day_bit_masks(F.datediff(F.col("event_date"), F.lit(first_day)), lookback_days)
        merged = daily.groupBy(*by(*HOST_BINARY_KEY)).agg(
            F.min("host_name").alias("host_name"),
            F.sum("executions").alias("executions"),
            F.min("first_seen").alias("first_seen"),
            F.max("last_seen").alias("last_seen"),
            *masks,
            *[F.array_distinct(F.flatten(F.collect_list(name))).alias(name) for name in _SET_COLUMNS],
            F.min("example_path").alias("example_path"),
            *[F.sum(name).alias(name) for name in _COUNT_COLUMNS if name != "executions"],
            F.max("status_rank").alias("status_rank"),
            *[F.bool_or(name).alias(name) for name in _FLAG_COLUMNS],
        )
        day_bits = day_bits_columns(merged)
        return merged.select(
            *HOST_BINARY_KEY,
            "host_name",
            "executions",
            "first_seen",
            "last_seen",
            *day_bits,
            *_SET_COLUMNS,
            "example_path",
            *[name for name in _COUNT_COLUMNS if name != "executions"],
            "status_rank",
            *_FLAG_COLUMNS,
            active_days(day_bits).alias("active_days"),
        )

    return transform


def labels_from_daily(daily: DataFrame) -> DataFrame:
    """The window's binary labels (the output of ``prevalence.binary_labels``) from its rollup rows.

    Reads: ``sha256``, ``signer``, ``label_counts``.
    """
    counts = daily.select(F.col("sha256"), F.col("signer"), F.explode(F.col("label_counts")).alias("pair"))
    return counts.select(
        F.col("sha256"),
        F.col("signer"),
        F.col("pair.label").alias("label"),
        F.col("pair.value").alias("value"),
        F.col("pair.executions").alias("executions"),
    ).transform(best_labels)


def rule_matches_from_daily(as_of: dt.date) -> Callable[[DataFrame], DataFrame]:
    """A transform: the window's rollup rows -> rows of silver/rule_matches (one per matching event).

    Reads: ``event_date``, ``host_id``, ``sha256``, ``signer``, ``rule_events``.
    Output: :data:`~codesign_prevalence.features.rule.RULE_MATCH_COLUMNS`.
    """

    def transform(daily: DataFrame) -> DataFrame:
        events = daily.where(F.size(F.col("rule_events")) > F.lit(0)).select(
            *DAILY_KEY, F.explode(F.col("rule_events")).alias("match")
        )
        computed = {"as_of": F.lit(as_of), **{name: F.col(f"match.{name}") for name in RULE_EVENT_FIELDS}}
        return events.select(
            *[computed.get(name, F.col(name)).alias(name) for name in RULE_MATCH_COLUMNS]
        )

    return transform


_PARTITION_DATE = re.compile(r"(?:^|/)event_date=(\d{4}-\d{2}-\d{2})(?:/|$)")


def partition_dates(files: Iterable[str]) -> set[dt.date] | None:
    """The ``event_date`` partition values in the paths of a Delta table's data files; None when a path holds
    none (a table that is not partitioned by ``event_date``: the caller re-rolls every date)."""
    dates: set[dt.date] = set()
    for path in files:
        found = _PARTITION_DATE.search(path)
        if found is None:
            return None
        dates.add(dt.date.fromisoformat(found.group(1)))
    return dates


def dates_to_roll(current_files: Iterable[str], rolled_files: Iterable[str] | None) -> set[dt.date] | None:
    """The event dates whose bronze files changed since the rollup was made (files added or removed: new
    events, late events, a compaction); every date when ``rolled_files`` is None (no rollup yet); None when
    the files do not say (see :func:`partition_dates`)."""
    current = set(current_files)
    changed = current if rolled_files is None else current.symmetric_difference(rolled_files)
    return partition_dates(changed)


def on_dates(dates: Sequence[dt.date]) -> Callable[[DataFrame], DataFrame]:
    """A transform keeping the rows whose ``event_date`` is one of ``dates`` (partition pruning)."""

    def transform(frame: DataFrame) -> DataFrame:
        return frame.where(F.col("event_date").isin(*[F.lit(day) for day in dates])).select("*")

    return transform


# gold/first_seen: what the fleet has seen of each hash, canonical signer and certificate thumbprint, over all
# history (not the window).
KIND_HASH = "hash"
KIND_SIGNER = "signer"
KIND_THUMBPRINT = "thumbprint"
HOSTS_SKETCH_LG_K = 12  # exact (list mode) for the small host counts that matter here


def fleet_sightings(daily: DataFrame) -> DataFrame:
    """Rollup rows (any set of days) -> the fleet's sightings in them, rows of gold/first_seen.

    Reads: ``host_id``, ``sha256``, ``signer``, ``first_seen``, ``last_seen``, ``label_counts``.
    Output: ``kind`` (``hash``, ``signer`` or ``thumbprint``), ``key`` (the sha256, canonical signer or raw
    thumbprint), ``first_seen``, ``last_seen``, ``hosts`` (a mergeable HLL sketch of the host ids, exact for
    small counts), ``host_count`` (its estimate). Rows from several runs merge by min, max and sketch union
    (:func:`merge_first_seen_columns`).
    """
    def sighting(kind: str, key: Column) -> Column:
        return F.struct(F.lit(kind).alias("kind"), key.alias("key"))

    thumbprints = F.transform(
        F.filter(F.col("label_counts"), lambda entry: entry.getField("label") == F.lit("thumbprint")),
        lambda entry: sighting(KIND_THUMBPRINT, entry.getField("value")),
    )
    keys = F.array_distinct(
        F.concat(F.array(sighting(KIND_HASH, F.col("sha256")), sighting(KIND_SIGNER, F.col("signer"))), thumbprints)
    )
    seen = daily.select("host_id", "first_seen", "last_seen", F.explode(keys).alias("seen")).where(
        F.col("seen.key").isNotNull()
    )
    grouped = seen.groupBy(F.col("seen.kind").alias("kind"), F.col("seen.key").alias("key")).agg(
        F.min("first_seen").alias("first_seen"),
        F.max("last_seen").alias("last_seen"),
        F.hll_sketch_agg("host_id", HOSTS_SKETCH_LG_K).alias("hosts"),
    )
    return grouped.select(
        "kind", "key", "first_seen", "last_seen", "hosts", F.hll_sketch_estimate("hosts").alias("host_count")
    )


def merge_first_seen_columns() -> dict[str, str]:
    """The MERGE's update of a matched gold/first_seen row (``target``) with new sightings (``source``):
    column expressions on column names only."""
    return {
        "first_seen": "least(target.first_seen, source.first_seen)",
        "last_seen": "greatest(target.last_seen, source.last_seen)",
        "hosts": "hll_union(target.hosts, source.hosts)",
        "host_count": "hll_sketch_estimate(hll_union(target.hosts, source.hosts))",
    }
