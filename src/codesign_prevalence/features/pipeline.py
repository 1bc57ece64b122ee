"""The features stage as one composition of transforms: bronze events -> the four output tables.

Pure (no I/O, no session lookups). Two ways to the same tables:

- :func:`feature_tables`: the whole window from bronze's events (the reference computation);
- :func:`daily_rollup` (the events of some days -> rows of silver/daily_binaries) and
  :func:`feature_tables_from_daily` (the window's rollup rows -> the tables): what the job runs, so that a
  daily run aggregates the new day's events only. ``tests/test_rollup.py`` checks that both give the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame

from codesign_prevalence.features.candidates import candidates
from codesign_prevalence.features.events import in_window, with_event_attributes
from codesign_prevalence.features.normalize import with_path_normalization, with_signer, with_status_category
from codesign_prevalence.features.prevalence import (
    binary_labels,
    codeintegrity_hosts,
    event_variants,
    hash_prevalence,
    host_binary_prevalence,
    signer_prevalence,
)
from codesign_prevalence.features.rollup import (
    daily_binaries,
    daily_variants,
    host_binary_from_daily,
    in_window_days,
    labels_from_daily,
    rule_matches_from_daily,
)
from codesign_prevalence.features.rule import rule_matches_from_variants, seed_rule, with_singled_out_verdict


@dataclass(frozen=True)
class RuleLists:
    """The seed rule's lists (``rule.*`` in the configuration)."""

    anomalous_statuses: Sequence[str]
    path_patterns: Sequence[str]
    allowed_publishers: Sequence[str]


@dataclass(frozen=True)
class FeatureTables:
    """The lazy outputs of one as-of date.

    ``variants`` is the only plan that reads the source: the window's events grouped by their raw columns,
    with every attribute, each normalisation looked up once per distinct value (:func:`feature_tables`), or
    the window's rollup rows (:func:`feature_tables_from_daily`); ``rule_matches`` reads it (each matching
    event was singled out by the seed rule); ``host_binary`` (one row per host and binary) is the aggregate
    that the hash, signer and candidate tables derive from; ``labels`` holds each binary's analyst-facing raw
    values.
    """

    rule_matches: DataFrame
    variants: DataFrame
    host_binary: DataFrame
    labels: DataFrame
    hash_prevalence: DataFrame
    signer_prevalence: DataFrame
    candidates: DataFrame


def variant_attributes(rule: RuleLists, lolbin_parents: Sequence[str]) -> Callable[[DataFrame], DataFrame]:
    """A transform: event variants -> the same with every attribute (rule, signer, path, status, parent...).

    The variants must come from a grouping that singled out the seed rule's matches (``singled_out`` of
    ``event_variants`` / ``daily_variants``, with :func:`singled_out_rule`): the rule runs once, per event.
    """

    def transform(variants: DataFrame) -> DataFrame:
        return (
            variants.transform(with_singled_out_verdict(rule.anomalous_statuses))
            .transform(with_signer)
            .transform(with_path_normalization)
            .transform(with_status_category)
            .transform(with_event_attributes(lolbin_parents))
        )

    return transform


def singled_out_rule(rule: RuleLists) -> Column:
    """The seed rule on bronze columns: the events that the variant groupings keep as variants of their own."""
    return seed_rule(rule.anomalous_statuses, rule.path_patterns, rule.allowed_publishers)


def _derived_tables(
    variants: DataFrame,
    host_binary: DataFrame,
    labels: DataFrame,
    matches: DataFrame,
    as_of: dt.date,
    codeintegrity: DataFrame | None,
    history: DataFrame | None,
) -> FeatureTables:
    hashes = host_binary.transform(hash_prevalence(as_of))
    signers = host_binary.transform(signer_prevalence(as_of))
    return FeatureTables(
        rule_matches=matches,
        variants=variants,
        host_binary=host_binary,
        labels=labels,
        hash_prevalence=hashes,
        signer_prevalence=signers,
        candidates=host_binary.transform(candidates(hashes, signers, labels, as_of, codeintegrity, history)),
    )


def feature_tables(
    bronze: DataFrame,
    as_of: dt.date,
    lookback_days: int,
    rule: RuleLists,
    lolbin_parents: Sequence[str],
    codeintegrity: DataFrame | None = None,
    history: DataFrame | None = None,
) -> FeatureTables:
    """Every table of the features stage for ``as_of``, as lazy DataFrames, from the window's events
    (and the rows of bronze/codeintegrity_events, None when none were ingested; and of gold/first_seen, the
    fleet's first sightings over all history, which gold/candidates' first-seen figures read: None, the
    window's).

    The events are read once, by one hash aggregation into variants (each event that matches the seed rule
    kept as a variant of its own, from which silver/rule_matches is read); everything else derives from the
    variants. Persisting ``variants``, ``host_binary`` (and the hash, signer and label tables, which
    candidates join) before the first action makes Spark reuse them: the cache is matched by plan.
    """
    grouped = bronze.transform(in_window(as_of, lookback_days)).transform(
        event_variants(as_of, lookback_days, singled_out=singled_out_rule(rule))
    )
    variants = grouped.transform(variant_attributes(rule, lolbin_parents))
    return _derived_tables(
        variants,
        variants.transform(host_binary_prevalence),
        variants.transform(binary_labels),
        variants.transform(rule_matches_from_variants(as_of)),
        as_of,
        _codeintegrity_hosts(codeintegrity, as_of, lookback_days),
        history,
    )


def daily_rollup(
    events: DataFrame, rule: RuleLists, lolbin_parents: Sequence[str], bronze_version: int = 0
) -> DataFrame:
    """The rows of silver/daily_binaries for the event dates of ``events`` (bronze rows, every event of each
    date they hold, read from bronze version ``bronze_version``): one aggregation of the events into per-day
    variants, the attributes looked up once per distinct value, then one row per date and (host, binary)
    (``rollup.daily_binaries``)."""
    return (
        events.transform(daily_variants(singled_out_rule(rule)))
        .transform(variant_attributes(rule, lolbin_parents))
        .transform(daily_binaries(bronze_version))
    )


def _codeintegrity_hosts(codeintegrity: DataFrame | None, as_of: dt.date, lookback_days: int) -> DataFrame | None:
    return None if codeintegrity is None else codeintegrity.transform(codeintegrity_hosts(as_of, lookback_days))


def feature_tables_from_daily(
    daily: DataFrame,
    as_of: dt.date,
    lookback_days: int,
    codeintegrity: DataFrame | None = None,
    history: DataFrame | None = None,
) -> FeatureTables:
    """Every table of the features stage for ``as_of`` from silver/daily_binaries (the same rows as
    :func:`feature_tables` on the events the rollup was made from); only the window's days are read. Code
    Integrity events (``codeintegrity``, None when none were ingested) are few: the window's are read as
    they are, in both ways; so is ``history`` (gold/first_seen)."""
    window = daily.transform(in_window_days(as_of, lookback_days))
    return _derived_tables(
        window,
        window.transform(host_binary_from_daily(as_of, lookback_days)),
        labels_from_daily(window),
        window.transform(rule_matches_from_daily(as_of)),
        as_of,
        _codeintegrity_hosts(codeintegrity, as_of, lookback_days),
        history,
    )
