"""The features stage as one composition of transforms: bronze events -> the four output tables.

Pure (no I/O, no session lookups): :func:`feature_tables` returns lazy DataFrames; the job persists the
event variants and the aggregates derived from them, counts them and writes the four tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pyspark.sql import DataFrame

from codesign_prevalence.features.candidates import candidates
from codesign_prevalence.features.events import in_window, with_event_attributes
from codesign_prevalence.features.normalize import with_path_normalization, with_signer, with_status_category
from codesign_prevalence.features.prevalence import (
    binary_labels,
    event_variants,
    hash_prevalence,
    host_binary_prevalence,
    signer_prevalence,
)
from codesign_prevalence.features.rule import rule_matches_from_variants, seed_rule, with_rule_match


@dataclass(frozen=True)
class RuleLists:
    """The seed rule's lists (``rule.*`` in the configuration)."""

    anomalous_statuses: Sequence[str]
    path_patterns: Sequence[str]
    allowed_publishers: Sequence[str]


@dataclass(frozen=True)
class FeatureTables:
    """The lazy outputs of one as-of date.

    ``variants`` (the window's events grouped by their raw columns, with every attribute, each normalisation
    looked up once per distinct value) is the only plan that reads events; ``rule_matches`` reads the variants
    in which the seed rule singled out each matching event; ``host_binary`` (one row per host and binary) is
    the aggregate that the hash, signer and candidate tables derive from; ``labels`` holds each binary's
    analyst-facing raw values.
    """

    rule_matches: DataFrame
    variants: DataFrame
    host_binary: DataFrame
    labels: DataFrame
    hash_prevalence: DataFrame
    signer_prevalence: DataFrame
    candidates: DataFrame


def variant_attributes(rule: RuleLists, lolbin_parents: Sequence[str]) -> Callable[[DataFrame], DataFrame]:
    """A transform: event variants -> the same with every attribute (rule, signer, path, status, parent...)."""

    def transform(variants: DataFrame) -> DataFrame:
        return (
            variants.transform(with_rule_match(rule.anomalous_statuses, rule.path_patterns, rule.allowed_publishers))
            .transform(with_signer)
            .transform(with_path_normalization)
            .transform(with_status_category)
            .transform(with_event_attributes(lolbin_parents))
        )

    return transform


def feature_tables(
    bronze: DataFrame,
    as_of: dt.date,
    lookback_days: int,
    rule: RuleLists,
    lolbin_parents: Sequence[str],
) -> FeatureTables:
    """Every table of the features stage for ``as_of``, as lazy DataFrames.

    The events are read once, by one hash aggregation into variants (each event that matches the seed rule
    kept as a variant of its own, from which silver/rule_matches is read); everything else derives from the
    variants. Persisting ``variants``, ``host_binary`` (and the hash, signer and label tables, which
    candidates join) before the first action makes Spark reuse them: the cache is matched by plan.
    """
    singled_out = seed_rule(rule.anomalous_statuses, rule.path_patterns, rule.allowed_publishers)
    grouped = bronze.transform(in_window(as_of, lookback_days)).transform(
        event_variants(as_of, lookback_days, singled_out=singled_out)
    )
    variants = grouped.transform(variant_attributes(rule, lolbin_parents))
    matches = variants.transform(rule_matches_from_variants(as_of))
    host_binary = variants.transform(host_binary_prevalence)
    hashes = host_binary.transform(hash_prevalence(as_of))
    signers = host_binary.transform(signer_prevalence(as_of))
    labels = variants.transform(binary_labels)
    return FeatureTables(
        rule_matches=matches,
        variants=variants,
        host_binary=host_binary,
        labels=labels,
        hash_prevalence=hashes,
        signer_prevalence=signers,
        candidates=host_binary.transform(candidates(hashes, signers, labels, as_of)),
    )
