"""Analyst verdicts (ops/verdicts) and how scoring applies them to gold/scored_binaries.

A verdict is one row that an analyst appends with ``codesign-prevalence verdict add``: who (``analyst``), when
(``created_at``), why (``note``), ``benign`` or ``malicious``, an optional ``expires`` date, and its scope:

- ``sha256``: one file, whatever its signer;
- ``signer``: every binary whose canonical signer (:func:`~codesign_prevalence.features.normalize.canonical_signer`
  of the subject name the analyst typed) is the verdict's *and* whose certificate status category is the one
  the verdict was given for (``status_category``): a benign verdict given for "acme ltd" while its binaries
  were ``trusted`` never covers an "acme ltd" binary whose certificate is ``revoked``. With a ``thumbprint``
  the verdict covers only binaries whose (most frequent) certificate thumbprint is that one (compared in
  lower case, without spaces or colons).

A verdict is active for an as-of date when it has no ``expires`` date or ``as_of <= expires`` (the expiry
date is the last day it covers). When several active verdicts cover one binary, the most specific wins (a
hash verdict over a signer-and-thumbprint verdict over a signer verdict), then the newest. The winning
verdict is shown on the scored row (``verdict``, ``verdict_note``, ``verdict_by``, ``verdict_id``); only a
``benign`` one suppresses it (``suppressed`` true: the row stays in the table, ranked as before, and never
alerts). A ``malicious`` verdict is shown and changes nothing else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from codesign_prevalence.features.normalize import canonical_signer

VERDICT_BENIGN = "benign"
VERDICT_MALICIOUS = "malicious"
VERDICTS: tuple[str, ...] = (VERDICT_BENIGN, VERDICT_MALICIOUS)
SCOPE_SHA256 = "sha256"
SCOPE_SIGNER = "signer"


# The columns with_verdicts adds to a scored row, in order.
VERDICT_COLUMNS: tuple[str, ...] = ("suppressed", "verdict", "verdict_note", "verdict_by", "verdict_id")
_SHOWN = "_shown_verdict"


def thumbprint_key(thumbprint: Column) -> Column:
    """A thumbprint compared as lower-case hex: case, spaces and colons ignored; null when nothing is left."""
    folded = F.regexp_replace(F.lower(thumbprint), r"[\s:]+", "")
    return F.when(folded != F.lit(""), folded)


def active_verdicts(verdicts: DataFrame, as_of: dt.date) -> DataFrame:
    """The verdicts that cover ``as_of``: no expiry date, or ``as_of`` on or before it."""
    unexpired = F.col("expires").isNull() | (F.lit(as_of) <= F.col("expires"))
    return verdicts.where(unexpired)


def _newest(verdicts: DataFrame, keys: list[str]) -> DataFrame:
    """One verdict per key: the newest (ties by verdict_id), as a struct column ``_shown_verdict``."""
    order = Window.partitionBy(*keys).orderBy(F.col("created_at").desc(), F.col("verdict_id").desc())
    shown = F.struct(
        F.col("verdict"),
        F.col("note").alias("verdict_note"),
        F.col("analyst").alias("verdict_by"),
        F.col("verdict_id"),
    )
    numbered = verdicts.select(
        *[F.col(key) for key in keys], shown.alias(_SHOWN), F.row_number().over(order).alias("_n")
    )
    return numbered.where(F.col("_n") == F.lit(1)).drop("_n")


def _by_hash(verdicts: DataFrame) -> DataFrame:
    scoped = verdicts.where(F.col("scope") == F.lit(SCOPE_SHA256)).select(
        F.lower(F.col("sha256")).alias("_v_sha256"), "*"
    )
    return _newest(scoped, ["_v_sha256"])


def _by_signer(verdicts: DataFrame, with_thumbprint: bool) -> DataFrame:
    key = thumbprint_key(F.col("thumbprint"))
    scoped = verdicts.where(
        (F.col("scope") == F.lit(SCOPE_SIGNER)) & (key.isNotNull() if with_thumbprint else key.isNull())
    ).select(
        canonical_signer(F.col("subject_name")).alias("_v_signer"),
        F.col("status_category").alias("_v_status"),
        key.alias("_v_thumbprint"),
        "*",
    )
    keys = ["_v_signer", "_v_status", *(["_v_thumbprint"] if with_thumbprint else [])]
    return _newest(scoped.where(F.col("_v_signer").isNotNull() & F.col("_v_status").isNotNull()), keys)


def with_verdicts(verdicts: DataFrame, as_of: dt.date) -> Callable[[DataFrame], DataFrame]:
    """A transform adding the covering verdict to scored rows of ``as_of`` (rules: module docstring).

    Reads: ``sha256``, ``signer`` (canonical), ``thumbprint``, ``status_category`` of the scored rows, and the
    columns of :data:`VERDICTS_SCHEMA`. Adds: :data:`VERDICT_COLUMNS` (``suppressed`` never null; the others
    null when no active verdict covers the row). Verdicts are few, so each of the three lookups is broadcast.
    """

    def transform(scored: DataFrame) -> DataFrame:
        active = active_verdicts(verdicts, as_of)
        by_hash = _by_hash(active).withColumnRenamed(_SHOWN, "_v_hash")
        by_thumbprint = _by_signer(active, with_thumbprint=True).withColumnRenamed(_SHOWN, "_v_thumb")
        by_signer = _by_signer(active, with_thumbprint=False).withColumnRenamed(_SHOWN, "_v_sign")
        hash_match = F.lower(F.col("sha256")) == F.col("_v_sha256")
        signer_match = (F.col("signer") == F.col("_v_signer")) & (F.col("status_category") == F.col("_v_status"))
        thumbprint_match = signer_match & (thumbprint_key(F.col("thumbprint")) == F.col("_v_thumbprint"))
        joined = (
            scored.join(F.broadcast(by_hash), on=hash_match, how="left")
            .drop("_v_sha256")
            .join(F.broadcast(by_thumbprint), on=thumbprint_match, how="left")
            .drop("_v_signer", "_v_status", "_v_thumbprint")
            .join(F.broadcast(by_signer), on=signer_match, how="left")
            .drop("_v_signer", "_v_status")
        )
        shown = F.coalesce(F.col("_v_hash"), F.col("_v_thumb"), F.col("_v_sign"))
        is_benign = F.coalesce(shown.getField("verdict") == F.lit(VERDICT_BENIGN), F.lit(False))
        return joined.select(
            *[F.col(name) for name in scored.columns],
            is_benign.alias("suppressed"),
            shown.getField("verdict").alias("verdict"),
            shown.getField("verdict_note").alias("verdict_note"),
            shown.getField("verdict_by").alias("verdict_by"),
            shown.getField("verdict_id").alias("verdict_id"),
        )

    return transform


def without_verdicts(scored: DataFrame) -> DataFrame:
    """Adds :data:`VERDICT_COLUMNS` as for a row that no verdict covers (``suppressed`` false, the rest null)."""
    return scored.select(
        "*",
        F.lit(False).alias("suppressed"),
        *[F.lit(None).cast("string").alias(name) for name in VERDICT_COLUMNS if name != "suppressed"],
    )
