"""Prevalence aggregates: the window's events grouped once, then per (host, binary), per hash and per signer.

A *binary* is a sha256 signed by one canonical signer (``sha256 x signer``; ``signer`` is null for a file
without a usable subject name).

The events are read by one aggregation only, :func:`event_variants`: a hash aggregation (counts, min/max,
bit-or; no per-event regular expression) on the raw columns that every later expression depends on, so the
expensive normalisations (signer, path, status, parent) run once per *variant* (an event shape on a host:
same binary, subject, path, user, parent, status) instead of once per event, typically ten times fewer
rows.
:func:`host_binary_prevalence` then makes one row per (host, binary), and every other figure (per hash, per
signer, per binary) is derived from that much smaller table.

Active days are exact and cheap: each variant carries bit masks of the window days it ran on
(``day_bits_<k>``: bit ``d`` of word ``k`` = window day ``63k + d``), combined with ``bit_or`` and counted
with ``bit_count``.

Every figure covers the as-of window only (the events passed in): "first seen" is the first execution in
the window, not in the fleet's history.

Determinism: every aggregate here is order-independent (counts, sums, min/max, bit masks, sorted arrays,
``min_by`` with ties broken by value), so a rerun on the same bronze data writes the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from codesign_prevalence.features.events import window_start
from codesign_prevalence.features.frames import by
from codesign_prevalence.features.normalize import PATH_CLASSES, USER_WRITABLE_PATH_CLASSES

HOST_BINARY_KEY: tuple[str, ...] = ("host_id", "sha256", "signer")
# The raw columns that the rule, the normalisations, the per-event attributes and the labels read.
VARIANT_KEY: tuple[str, ...] = (
    "host_id",
    "host_name",
    "sha256",
    "cs_subject_name",
    "cs_thumbprint_sha256",
    "executable",
    "process_name",
    "pe_original_file_name",
    "pe_company",
    "parent_name",
    "parent_executable",
    "user_name",
    "cs_status",
    "cs_exists",
    "cs_trusted",
    "cs_valid",
    # Certificate details (labels only; null where the source has none).
    "cs_issuer_name",
    "cs_serial_number",
    "cs_not_before",
    "cs_not_after",
    "cs_signing_time",
    "cs_signature_type",
)
DAY_BITS_PREFIX = "day_bits_"
BITS_PER_WORD = 63  # the sign bit stays clear
_DAY_BIT_VALUES = tuple(1 << bit for bit in range(BITS_PER_WORD))

# How many values the signer profile lists (its most widespread parents and pe.company values).
PROFILE_TOP_N = 10


def path_class_count_column(path_class: str) -> str:
    """The name of the per-(host, binary) column that counts executions from ``path_class``."""
    return f"pc_{path_class}"


PATH_CLASS_COUNT_COLUMNS: tuple[str, ...] = tuple(path_class_count_column(name) for name in PATH_CLASSES)


def day_bits_columns(frame: DataFrame) -> list[str]:
    """The ``day_bits_<k>`` columns of a frame, in word order."""
    columns = [name for name in frame.columns if name.startswith(DAY_BITS_PREFIX)]
    return sorted(columns, key=lambda name: int(name[len(DAY_BITS_PREFIX) :]))


def active_days(columns: list[str]) -> Column:
    """The number of days set in the ``day_bits_<k>`` columns (null masks count as none)."""
    total: Column = F.lit(0)
    for name in columns:
        total = total + F.coalesce(F.bit_count(F.col(name)), F.lit(0))
    return total.cast("int")


def user_writable_count(prefix: str = "") -> Column:
    """The sum of the user-writable path class counts (columns ``{prefix}pc_<class>``)."""
    total: Column = F.lit(0)
    for name in USER_WRITABLE_PATH_CLASSES:
        total = total + F.col(prefix + path_class_count_column(name))
    return total


def path_class_map(prefix: str = "") -> Column:
    """Path class -> executions, for the classes with at least one execution (columns ``{prefix}pc_<class>``)."""
    full = F.map_from_arrays(
        F.array(*[F.lit(name) for name in PATH_CLASSES]),
        F.array(*[F.col(prefix + column).cast("long") for column in PATH_CLASS_COUNT_COLUMNS]),
    )
    return F.map_filter(full, lambda _, count: count > F.lit(0))


def path_classes_by_count(prefix: str = "") -> Column:
    """The path classes with executions, most executions first, ties by name."""
    ranked = F.array(
        *[
            F.struct((-F.col(prefix + path_class_count_column(name))).alias("order"), F.lit(name).alias("name"))
            for name in PATH_CLASSES
        ]
    )
    seen = F.filter(ranked, lambda item: item.getField("order") < F.lit(0))
    return F.transform(F.array_sort(seen), lambda item: item.getField("name"))


def day_bit_masks(day: Column, lookback_days: int) -> list[Column]:
    """Aggregate columns ``day_bits_0`` .. ``day_bits_<k>``: the bit-or of the bits of ``day`` (the window day,
    0 = its first), ``k`` = ceil(lookback_days / 63) - 1; days outside the window set no bit."""
    words = -(-lookback_days // BITS_PER_WORD)
    in_window = day.between(F.lit(0), F.lit(lookback_days - 1))
    powers = F.array(*[F.lit(value).cast("long") for value in _DAY_BIT_VALUES])
    bit = F.try_element_at(powers, day % F.lit(BITS_PER_WORD) + F.lit(1))
    word_of_day = (day / F.lit(BITS_PER_WORD)).cast("int")
    return [
        F.bit_or(F.when(in_window & (word_of_day == F.lit(word)), bit).otherwise(F.lit(0).cast("long")))
        .alias(f"{DAY_BITS_PREFIX}{word}")
        for word in range(words)
    ]


def _union_size(column: str) -> Column:
    return F.size(F.array_distinct(F.flatten(F.collect_list(F.col(column)))))


def _distinct_count(column: Column) -> Column:
    """The number of distinct non-null values: a set per group (one aggregation, no Expand of the rows that
    several ``count(DISTINCT ...)`` in one aggregation need)."""
    return F.size(F.collect_set(column)).cast("long")


def event_variants(
    as_of: dt.date, lookback_days: int, singled_out: Column | None = None
) -> Callable[[DataFrame], DataFrame]:
    """A transform: the window's events grouped by :data:`VARIANT_KEY` (the only aggregation of events).

    Every aggregate is fixed-width (count, min/max of timestamps, bit-or), so Spark runs it as a code-generated
    hash aggregation with map-side partial aggregation (a ``min`` of a string would force a sort instead).

    ``singled_out`` (a boolean column on the events, typically the seed rule) keeps each event for which it is
    true in a variant of its own, identified by ``rule_event_id`` / ``rule_event_date`` (its ``event_id`` and
    ``event_date``; null for every other variant): the event-level table of rule matches is then read from the
    variants, and the events are scanned once. Every other figure is a sum, min, max or bit-or over variants,
    so splitting a variant changes none of them.

    Reads: the columns of :data:`VARIANT_KEY`, ``timestamp``, ``event_date`` (and ``event_id`` with
    ``singled_out``).
    Output: :data:`VARIANT_KEY`, ``rule_event_id``, ``rule_event_date``, ``executions``, ``first_seen``,
    ``last_seen``, ``day_bits_0`` .. ``day_bits_<k>`` (bit masks of the window days with an execution;
    ``k`` = ceil(lookback_days / 63) - 1; days outside the window set no bit).
    """
    first_day = window_start(as_of, lookback_days)
    if singled_out is None:
        event_key, date_key = F.lit(None), F.lit(None)
    else:
        single = F.coalesce(singled_out, F.lit(False))
        event_key, date_key = F.when(single, F.col("event_id")), F.when(single, F.col("event_date"))

    def transform(events: DataFrame) -> DataFrame:
        masks = day_bit_masks(F.datediff(F.col("event_date"), F.lit(first_day)), lookback_days)
        return events.groupBy(
            *by(*VARIANT_KEY),
            event_key.cast("string").alias("rule_event_id"),
            date_key.cast("date").alias("rule_event_date"),
        ).agg(
            F.count(F.lit(1)).alias("executions"),
            F.min("timestamp").alias("first_seen"),
            F.max("timestamp").alias("last_seen"),
            *masks,
        )

    return transform


def _executions_where(condition: Column) -> Column:
    return F.sum(F.when(condition, F.col("executions")).otherwise(F.lit(0)))


def execution_aggregates() -> list[Column]:
    """Aggregates over a group of variants that both the window (:func:`host_binary_prevalence`) and the per-day
    rollup compute: ``pc_<class>`` (executions per path class), ``rule_match_count``,
    ``anomalous_status_count``, ``lolbin_parent_count`` (executions), ``status_rank`` (worst), and
    ``any_untrusted``, ``any_invalid``, ``any_signed``, ``any_original_name_mismatch`` (never null)."""
    flags = {
        "any_untrusted": F.col("cs_trusted") == F.lit(False),
        "any_invalid": F.col("cs_valid") == F.lit(False),
        "any_signed": F.col("is_signed"),
        "any_original_name_mismatch": F.col("original_name_mismatch"),
    }
    return [
        *[
            _executions_where(F.col("path_class") == F.lit(name)).alias(path_class_count_column(name))
            for name in PATH_CLASSES
        ],
        _executions_where(F.col("rule_match")).alias("rule_match_count"),
        _executions_where(F.col("anomalous_status")).alias("anomalous_status_count"),
        _executions_where(F.col("lolbin_parent")).alias("lolbin_parent_count"),
        F.max("status_rank").alias("status_rank"),
        *[F.coalesce(F.bool_or(condition), F.lit(False)).alias(name) for name, condition in flags.items()],
    ]


def host_binary_prevalence(variants: DataFrame) -> DataFrame:
    """One row per (host, binary), from the event variants with their attributes.

    Reads: the output of :func:`event_variants` plus ``signer``, ``path_norm``, ``path_class``, ``user``,
    ``parent``, ``company``, ``is_signed``, ``rule_match``, ``anomalous_status``, ``status_rank``,
    ``lolbin_parent``, ``original_name_mismatch`` (the per-event attribute transforms, applied to variants).
    Output: ``host_id, sha256, signer`` (the key), ``host_name`` (smallest), ``executions``, ``first_seen``,
    ``last_seen``, ``day_bits_<k>``, ``paths`` / ``users`` / ``parents`` / ``companies`` (distinct values),
    ``example_path`` (smallest raw path), ``pc_<class>`` (executions per path class), ``rule_match_count``,
    ``anomalous_status_count``, ``lolbin_parent_count`` (executions), ``status_rank`` (worst),
    ``any_untrusted``, ``any_invalid``, ``any_signed``, ``any_original_name_mismatch`` (booleans, never
    null), ``active_days``.
    """
    day_bits = day_bits_columns(variants)
    aggregated = variants.groupBy(*by(*HOST_BINARY_KEY)).agg(
        F.min("host_name").alias("host_name"),
        F.sum("executions").alias("executions"),
        F.min("first_seen").alias("first_seen"),
        F.max("last_seen").alias("last_seen"),
        *[F.bit_or(name).alias(name) for name in day_bits],
        F.collect_set("path_norm").alias("paths"),
        F.collect_set("user").alias("users"),
        F.collect_set("parent").alias("parents"),
        F.collect_set("company").alias("companies"),
        F.min("executable").alias("example_path"),
        *execution_aggregates(),
    )
    return aggregated.select("*", active_days(day_bits).alias("active_days"))


# The analyst-facing labels of a binary -> the raw column each is read from.
LABEL_SOURCES: dict[str, str] = {
    "subject_name": "cs_subject_name",
    "thumbprint": "cs_thumbprint_sha256",
    "example_parent": "parent",
    "issuer": "cs_issuer_name",
    "serial_number": "cs_serial_number",
    "cert_not_before": "cs_not_before",
    "cert_not_after": "cs_not_after",
    "signing_time": "cs_signing_time",
    "signature_type": "cs_signature_type",
}
# Labels that are not strings: counted as their text (one value type in the rollup's ``label_counts``; Spark's
# timestamp text sorts in time order), typed again when the best value is picked.
LABEL_TYPES: dict[str, str] = {
    "cert_not_before": "timestamp", "cert_not_after": "timestamp", "signing_time": "timestamp"
}


def label_value(source: str) -> Column:
    """The raw column ``source`` as a label value (text)."""
    return F.col(source).cast("string")


def binary_labels(variants: DataFrame) -> DataFrame:
    """Per binary, the raw values an analyst reads: each the value with the most executions, ties by value.

    Reads: ``sha256``, ``signer``, ``executions`` and the raw columns of :data:`LABEL_SOURCES`
    (``cs_subject_name``, ``cs_thumbprint_sha256``, ``parent``, the certificate's ``cs_*`` details).
    Output: ``sha256``, ``signer`` and the labels of :data:`LABEL_SOURCES` (each null when the binary never had
    one; ``cert_not_before``, ``cert_not_after``, ``signing_time`` timestamps, the others strings).
    """
    pairs = variants.select(
        F.col("sha256"),
        F.col("signer"),
        F.col("executions"),
        F.explode(
            F.array(*[F.struct(F.lit(label).alias("label"), label_value(source).alias("value"))
                      for label, source in LABEL_SOURCES.items()])
        ).alias("pair"),
    )
    return pairs.select(
        "sha256", "signer", F.col("pair.label").alias("label"), F.col("pair.value").alias("value"), "executions"
    ).transform(best_labels)


def best_labels(counts: DataFrame) -> DataFrame:
    """Per binary, each label's value with the most executions, ties by the smallest value.

    Reads: ``sha256``, ``signer``, ``label`` (a key of :data:`LABEL_SOURCES`), ``value`` (null values are
    left out), ``executions`` (one binary, label and value may come in several rows: they are summed).
    Output: ``sha256``, ``signer`` and the labels of :data:`LABEL_SOURCES`, typed by :data:`LABEL_TYPES`.
    """
    counted = (
        counts.where(F.col("value").isNotNull())
        .groupBy(*by("sha256", "signer", "label", "value"))
        .agg(F.sum("executions").alias("executions"))
    )
    best = counted.groupBy(*by("sha256", "signer")).agg(
        *[
            F.min_by(
                F.when(F.col("label") == F.lit(label), F.col("value")),
                F.when(F.col("label") == F.lit(label), F.struct(-F.col("executions"), F.col("value"))),
            ).alias(label)
            for label in LABEL_SOURCES
        ]
    )
    typed = [F.col(label).cast(LABEL_TYPES.get(label, "string")).alias(label) for label in LABEL_SOURCES]
    return best.select("sha256", "signer", *typed)


def days_since(as_of: dt.date, timestamp: Column) -> Column:
    """Whole days from the date of ``timestamp`` to ``as_of``."""
    return F.datediff(F.lit(as_of), F.to_date(timestamp))


def hash_prevalence(as_of: dt.date) -> Callable[[DataFrame], DataFrame]:
    """A transform: per sha256 figures from the per-(host, binary) table (rows of gold/hash_prevalence).

    Reads: the output of :func:`host_binary_prevalence`.
    Output: ``as_of``, ``sha256``, ``host_count`` (distinct hosts), ``fleet_hosts`` (distinct hosts with any
    event in the window), ``fleet_fraction`` (host_count / fleet_hosts), ``exec_count``, ``first_seen``,
    ``last_seen``, ``days_since_first_seen`` (as_of - date of first_seen), ``active_days`` (distinct event
    dates), ``path_count`` (distinct normalised paths), ``user_count`` (distinct lower-case user names; null
    users not counted), ``signer_count`` (distinct canonical signers; unsigned not counted), ``path_classes``
    (sorted), ``fleet_history_days`` (as_of - date of the window's first event: how long the fleet has been
    watched, which says whether "first seen N days ago" can mean "new").
    """

    def transform(host_binary: DataFrame) -> DataFrame:
        day_bits = day_bits_columns(host_binary)
        fleet = host_binary.agg(
            F.count_distinct("host_id").alias("fleet_hosts"), F.min("first_seen").alias("fleet_first_seen")
        )
        per_hash = host_binary.groupBy(F.col("sha256")).agg(
            _distinct_count(F.col("host_id")).alias("host_count"),
            F.sum("executions").alias("exec_count"),
            F.min("first_seen").alias("first_seen"),
            F.max("last_seen").alias("last_seen"),
            *[F.bit_or(name).alias(name) for name in day_bits],
            _union_size("paths").alias("path_count"),
            _union_size("users").alias("user_count"),
            _distinct_count(F.col("signer")).alias("signer_count"),
            *[F.sum(column).alias(column) for column in PATH_CLASS_COUNT_COLUMNS],
        )
        return per_hash.crossJoin(F.broadcast(fleet)).select(
            F.lit(as_of).alias("as_of"),
            F.col("sha256"),
            F.col("host_count"),
            F.col("fleet_hosts"),
            (F.col("host_count") / F.col("fleet_hosts")).alias("fleet_fraction"),
            F.col("exec_count"),
            F.col("first_seen"),
            F.col("last_seen"),
            days_since(as_of, F.col("first_seen")).alias("days_since_first_seen"),
            active_days(day_bits).alias("active_days"),
            F.col("path_count"),
            F.col("user_count"),
            F.col("signer_count"),
            F.array_sort(F.map_keys(path_class_map())).alias("path_classes"),
            days_since(as_of, F.col("fleet_first_seen")).alias("fleet_history_days"),
        )

    return transform


def _tagged(column: str) -> Column:
    """The array column's values as structs ``column, value`` (``column`` its name)."""
    tag = F.lit(column).alias("column")
    return F.transform(F.col(column), lambda value: F.struct(tag, value.alias("value")))


def _top_values(host_binary: DataFrame, columns: tuple[str, ...], top_n: int) -> DataFrame:
    """Per signer and array column, the ``top_n`` values seen on the most (host, binary) pairs, ties by value.

    One explode and two aggregations for all ``columns`` (each value tagged with its column).
    Output: ``signer`` and one array column per name in ``columns`` (null when the signer has no value).
    """
    tagged = F.flatten(F.array(*[_tagged(name) for name in columns]))
    pairs = host_binary.select(F.col("signer"), F.explode(tagged).alias("item"))
    counted = pairs.groupBy(
        F.col("signer"), F.col("item.column").alias("column"), F.col("item.value").alias("value")
    ).agg(F.count(F.lit(1)).alias("pairs"))
    ranked = counted.groupBy(F.col("signer")).agg(
        *[
            F.array_sort(
                F.collect_list(
                    F.when(F.col("column") == F.lit(name), F.struct((-F.col("pairs")).alias("order"), F.col("value")))
                )
            ).alias(name)
            for name in columns
        ]
    )
    return ranked.select(
        F.col("signer"),
        *[
            F.transform(F.slice(F.col(name), 1, top_n), lambda item: item.getField("value")).alias(name)
            for name in columns
        ],
    )


def signer_prevalence(as_of: dt.date, top_n: int = PROFILE_TOP_N) -> Callable[[DataFrame], DataFrame]:
    """A transform: per canonical signer figures and profile (rows of gold/signer_prevalence).

    Reads: the output of :func:`host_binary_prevalence`; rows without a signer are left out.
    Output: ``as_of``, ``signer``, ``host_count`` (distinct hosts), ``hash_count`` (distinct sha256),
    ``exec_count``, ``first_seen``, ``last_seen``, ``days_since_first_seen``, ``user_writable_hash_share``
    (share of its hashes seen at least once in a user-writable path class), ``anomalous_status_share`` (share
    of its events whose status is exactly one of the rule's anomalous statuses), and its profile:
    ``path_classes`` (most executions first), ``path_class_executions`` (map class -> executions),
    ``parents`` and ``pe_companies`` (the ``top_n`` values seen on the most (host, binary) pairs, most
    first, ties by value; ``pe_companies`` folded like signer names; empty arrays when none).
    """

    def transform(host_binary: DataFrame) -> DataFrame:
        signed = host_binary.where(F.col("signer").isNotNull())
        per_signer = signed.groupBy(F.col("signer")).agg(
            _distinct_count(F.col("host_id")).alias("host_count"),
            _distinct_count(F.col("sha256")).alias("hash_count"),
            _distinct_count(F.when(user_writable_count() > F.lit(0), F.col("sha256"))).alias("writable_hashes"),
            F.sum("executions").alias("exec_count"),
            F.min("first_seen").alias("first_seen"),
            F.max("last_seen").alias("last_seen"),
            F.sum("anomalous_status_count").alias("anomalous_events"),
            *[F.sum(column).alias(column) for column in PATH_CLASS_COUNT_COLUMNS],
        )
        profile = per_signer.join(_top_values(signed, ("parents", "companies"), top_n), on="signer", how="left")
        empty = F.array().cast("array<string>")
        return profile.select(
            F.lit(as_of).alias("as_of"),
            F.col("signer"),
            F.col("host_count"),
            F.col("hash_count"),
            F.col("exec_count"),
            F.col("first_seen"),
            F.col("last_seen"),
            days_since(as_of, F.col("first_seen")).alias("days_since_first_seen"),
            (F.col("writable_hashes") / F.col("hash_count")).alias("user_writable_hash_share"),
            (F.col("anomalous_events") / F.col("exec_count")).alias("anomalous_status_share"),
            path_classes_by_count().alias("path_classes"),
            path_class_map().alias("path_class_executions"),
            F.coalesce(F.col("parents"), empty).alias("parents"),
            F.coalesce(F.col("companies"), empty).alias("pe_companies"),
        )

    return transform


CI_ACTION_BLOCKED = "blocked"
CI_ACTION_AUDITED = "audited"


def codeintegrity_hosts(as_of: dt.date, lookback_days: int) -> Callable[[DataFrame], DataFrame]:
    """A transform: rows of bronze/codeintegrity_events -> per sha256, the hosts on which Code Integrity
    blocked or audited it within the as-of window (by ``event_date``).

    Reads: ``sha256``, ``host_id``, ``action``, ``event_date``.
    Output: ``sha256`` (lower case, as process events carry it), ``ci_blocked_host_count``,
    ``ci_audited_host_count`` (distinct hosts per action; a host both blocked and audited counts in each).
    """
    first_day = window_start(as_of, lookback_days)

    def transform(events: DataFrame) -> DataFrame:
        in_window = events.where(F.col("event_date").between(F.lit(first_day), F.lit(as_of)))
        per_hash = in_window.groupBy(F.lower(F.col("sha256")).alias("sha256")).agg(
            _distinct_count(F.when(F.col("action") == F.lit(CI_ACTION_BLOCKED), F.col("host_id")))
            .alias("ci_blocked_host_count"),
            _distinct_count(F.when(F.col("action") == F.lit(CI_ACTION_AUDITED), F.col("host_id")))
            .alias("ci_audited_host_count"),
        )
        return per_hash.select("sha256", "ci_blocked_host_count", "ci_audited_host_count")

    return transform
