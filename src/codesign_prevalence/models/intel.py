"""Certificate intelligence (ops/certificate_intel) and how scoring applies it to the candidates of an as-of date.

An entry (``codesign-prevalence intel add`` / ``intel import``) says that a certificate is ``revoked``,
``malicious`` or ``trusted`` from an ``effective`` date on, according to a ``source``. It names the
certificate one of three ways (its ``scope``):

- ``thumbprint``: the candidates' ``thumbprint`` (the binary's most frequent certificate thumbprint), both
  compared as lower-case hex without spaces or colons (:func:`~codesign_prevalence.models.verdicts.thumbprint_key`);
- ``serial_issuer``: the candidates' ``serial_number`` and ``issuer``; serial numbers compared as hex
  (:func:`serial_key`: case, spaces, colons, dashes and leading zeros ignored), issuers as signers are
  (:func:`~codesign_prevalence.features.normalize.canonical_signer`: case, white space and punctuation folded);
  a candidates table without those columns matches no such entry;
- ``signer``: the candidates' canonical ``signer`` (else the canonical form of their ``subject_name``) equals
  the canonical form of the name given.

Which entry applies to a binary on an as-of date: among the entries whose ``effective`` date is on or before
it, per certificate key the latest (the greatest ``effective`` date, then the newest ``created_at``): so a
``trusted`` entry effective after a ``revoked`` one clears it. When the binary matches keys of several scopes,
the most specific wins (thumbprint, then serial and issuer, then signer), as with analyst verdicts. A winning
``trusted`` entry applies nothing: it only clears intel; the status the endpoint itself reported stays (to
silence a binary, an analyst adds a benign verdict).

A winning ``revoked`` or ``malicious`` entry, before the model sees the row:

- raises ``status_category`` to ``revoked``, the status whose severity the model's ``status_severity`` and
  ``status_surprise`` features read as the worst (a source's own ``revoked`` does exactly this);
- makes ``rule_match`` true when the seed rule's other conditions hold for the binary: it ran from a
  user-writable folder (it is in the ``hunt`` population, whose path classes are the seed rule's folders)
  and its subject name is not an allow-listed publisher (``rule.allowed_publishers``, case-insensitive, as
  the rule compares them). Intel adds no row and removes none: a binary that intel makes a rule match is
  ranked in the populations the features put it in, and shows ``rule_match`` true there;
- is recorded on the row: ``intel_status``, ``intel_source``, ``intel_effective``, ``intel_id``
  (:data:`INTEL_COLUMNS`, null when no entry applies).

After the model, :func:`with_intel_reasons` names the entry in the reasons: the model's "certificate revoked"
becomes "certificate revoked (intel: <source>, effective 2026-11-20)" ("certificate reported malicious (intel:
...)" for ``malicious``), and a row whose reasons lack the status gets that phrase as its last reason.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from codesign_prevalence.features.normalize import STATUS_REVOKED, canonical_signer
from codesign_prevalence.features.rule import in_lowered_list
from codesign_prevalence.models.verdicts import thumbprint_key
from codesign_prevalence.schema import CERTIFICATE_INTEL_SCHEMA
from codesign_prevalence_model.reasons import STATUS_PHRASES

INTEL_REVOKED = "revoked"
INTEL_MALICIOUS = "malicious"
INTEL_TRUSTED = "trusted"
INTEL_STATUSES: tuple[str, ...] = (INTEL_REVOKED, INTEL_MALICIOUS, INTEL_TRUSTED)
# The statuses that raise a binary's certificate status (a winning ``trusted`` only clears).
RAISING_STATUSES: tuple[str, ...] = (INTEL_REVOKED, INTEL_MALICIOUS)
SCOPE_THUMBPRINT = "thumbprint"
SCOPE_SERIAL_ISSUER = "serial_issuer"
SCOPE_SIGNER = "signer"
INTEL_SCOPES: tuple[str, ...] = (SCOPE_THUMBPRINT, SCOPE_SERIAL_ISSUER, SCOPE_SIGNER)
POPULATION_USER_WRITABLE = "hunt"

# The columns with_certificate_intel adds to a candidate row, in order.
INTEL_COLUMNS: tuple[str, ...] = ("intel_status", "intel_source", "intel_effective", "intel_id")
# The reason phrase of each raising status; the first is the model's own phrase for a revoked certificate.
INTEL_PHRASES: dict[str, str] = {
    INTEL_REVOKED: STATUS_PHRASES[STATUS_REVOKED],
    INTEL_MALICIOUS: "certificate reported malicious",
}
MODEL_REVOKED_PHRASE = STATUS_PHRASES[STATUS_REVOKED]
_WINNER = "_intel_winner"
_SERIAL_SEPARATORS = re.compile(r"[\s:\-]+")


def no_intel(spark: SparkSession) -> DataFrame:
    """An empty ops/certificate_intel, for scoring when no entry was ever added."""
    return spark.createDataFrame([], schema=CERTIFICATE_INTEL_SCHEMA)


def serial_text(serial: str) -> str:
    """A serial number as :func:`serial_key` compares it, in Python: lower-case hex, no separators or leading
    zeros ("" when nothing is left)."""
    folded = _SERIAL_SEPARATORS.sub("", serial.lower())
    stripped = folded.lstrip("0")
    return stripped or ("0" if folded else "")


def serial_key(serial: Column) -> Column:
    """A certificate serial number compared as hex: case, white space, colons, dashes and leading zeros ignored;
    null when nothing is left."""
    folded = F.regexp_replace(F.lower(serial), r"[\s:\-]+", "")
    stripped = F.regexp_replace(folded, r"^0+(?=.)", "")
    return F.when(stripped != F.lit(""), stripped)


def issuer_key(issuer: Column) -> Column:
    """An issuer name compared as signer names are (canonical_signer); null when nothing is left."""
    return canonical_signer(issuer)


def _optional(frame: DataFrame, name: str) -> Column:
    """A column of ``frame``, or a null string when the table predates it (serial_number, issuer)."""
    return F.col(name) if name in frame.columns else F.lit(None).cast("string")


def _winners(intel: DataFrame, dates: Sequence[dt.date], scope: str, keys: dict[str, Column]) -> DataFrame:
    """Per as-of date and certificate key of one scope: the latest entry effective on that date, as a struct
    column ``_intel_winner`` (status, source, effective, intel_id), beside ``_intel_as_of`` and the keys."""
    entry = F.struct(
        F.col("status").alias("status"),
        F.col("source").alias("source"),
        F.col("effective").alias("effective"),
        F.col("intel_id").alias("intel_id"),
    )
    per_date = intel.where(F.col("scope") == F.lit(scope)).select(
        F.explode(F.array(*[F.lit(day) for day in sorted(set(dates))])).alias("_intel_as_of"),
        *[column.alias(name) for name, column in keys.items()],
        entry.alias(_WINNER),
        F.col("effective"),
        F.col("created_at"),
        F.col("intel_id"),
    )
    known_key = F.lit(True)
    for name in keys:
        known_key = known_key & F.col(name).isNotNull()
    in_force = per_date.where(known_key & (F.col("effective") <= F.col("_intel_as_of")))
    latest = Window.partitionBy("_intel_as_of", *keys).orderBy(
        F.col("effective").desc(), F.col("created_at").desc(), F.col("intel_id").desc()
    )
    numbered = in_force.select("_intel_as_of", *keys, _WINNER, F.row_number().over(latest).alias("_n"))
    return numbered.where(F.col("_n") == F.lit(1)).drop("_n")


def _joined(
    candidates: DataFrame, winners: DataFrame, match: Column, renamed: str, keys: Sequence[str]
) -> DataFrame:
    same_date = F.col("as_of") == F.col("_intel_as_of")
    return (
        candidates.join(F.broadcast(winners.withColumnRenamed(_WINNER, renamed)), on=same_date & match, how="left")
        .drop("_intel_as_of", *keys)
    )


def with_certificate_intel(
    intel: DataFrame, dates: Sequence[dt.date], allowed_publishers: Sequence[str]
) -> Callable[[DataFrame], DataFrame]:
    """A transform applying the intel entries in force on each row's ``as_of`` (rules: module docstring).

    ``dates`` are the as-of dates of the candidates given (the entries are expanded over them; a row of
    another date matches nothing).
    Reads: ``as_of``, ``population``, ``thumbprint``, ``signer``, ``subject_name``, ``status_category``,
    ``rule_match``, and ``serial_number`` / ``issuer`` when present; the columns of ops/certificate_intel.
    Output: the input's columns (``status_category`` and ``rule_match`` as raised by the intel) followed by
    :data:`INTEL_COLUMNS`. Entries are few, so each of the three lookups is broadcast.
    """

    def transform(candidates: DataFrame) -> DataFrame:
        by_thumbprint = _winners(intel, dates, SCOPE_THUMBPRINT, {"_i_thumbprint": thumbprint_key(F.col("thumbprint"))})
        by_serial = _winners(
            intel,
            dates,
            SCOPE_SERIAL_ISSUER,
            {"_i_serial": serial_key(F.col("serial_number")), "_i_issuer": issuer_key(F.col("issuer"))},
        )
        by_signer = _winners(intel, dates, SCOPE_SIGNER, {"_i_signer": canonical_signer(F.col("subject_name"))})
        thumbprint_match = thumbprint_key(F.col("thumbprint")) == F.col("_i_thumbprint")
        serial_match = (serial_key(_optional(candidates, "serial_number")) == F.col("_i_serial")) & (
            issuer_key(_optional(candidates, "issuer")) == F.col("_i_issuer")
        )
        signer_match = F.coalesce(F.col("signer"), canonical_signer(F.col("subject_name"))) == F.col("_i_signer")
        with_thumbprint = _joined(candidates, by_thumbprint, thumbprint_match, "_w_thumbprint", ["_i_thumbprint"])
        with_serial = _joined(with_thumbprint, by_serial, serial_match, "_w_serial", ["_i_serial", "_i_issuer"])
        joined = _joined(with_serial, by_signer, signer_match, "_w_signer", ["_i_signer"])
        winner = F.coalesce(F.col("_w_thumbprint"), F.col("_w_serial"), F.col("_w_signer"))
        applied = F.when(winner.getField("status").isin(*RAISING_STATUSES), winner)
        raises = applied.isNotNull()
        user_writable = F.col("population") == F.lit(POPULATION_USER_WRITABLE)
        subject = F.lower(F.col("subject_name"))
        publisher_not_allowed = subject.isNotNull() & ~in_lowered_list(subject, allowed_publishers)
        intel_rule_match = F.coalesce(raises & user_writable & publisher_not_allowed, F.lit(False))
        raised = {
            "status_category": F.when(raises, F.lit(STATUS_REVOKED)).otherwise(F.col("status_category")),
            "rule_match": F.col("rule_match") | intel_rule_match,
        }
        return joined.select(
            *[raised.get(name, F.col(name)).alias(name) for name in candidates.columns],
            applied.getField("status").alias("intel_status"),
            applied.getField("source").alias("intel_source"),
            applied.getField("effective").alias("intel_effective"),
            applied.getField("intel_id").alias("intel_id"),
        )

    return transform


def without_intel(candidates: DataFrame) -> DataFrame:
    """Adds :data:`INTEL_COLUMNS` as for a row that no entry covers (all null)."""
    return candidates.select(
        "*",
        F.lit(None).cast("string").alias("intel_status"),
        F.lit(None).cast("string").alias("intel_source"),
        F.lit(None).cast("date").alias("intel_effective"),
        F.lit(None).cast("string").alias("intel_id"),
    )


def intel_reason() -> Column:
    """The phrase naming a row's applied entry: "certificate revoked (intel: <source>, effective <date>)"; null
    when no entry applies."""
    phrase = F.when(F.col("intel_status") == F.lit(INTEL_MALICIOUS), F.lit(INTEL_PHRASES[INTEL_MALICIOUS])).when(
        F.col("intel_status") == F.lit(INTEL_REVOKED), F.lit(INTEL_PHRASES[INTEL_REVOKED])
    )
    return F.concat(
        phrase,
        F.lit(" (intel: "),
        F.col("intel_source"),
        F.lit(", effective "),
        F.date_format(F.col("intel_effective"), "yyyy-MM-dd"),
        F.lit(")"),
    )


def with_intel_reasons(scored: DataFrame) -> DataFrame:
    """Name the applied intel entry in the reasons (module docstring). Reads ``reasons`` and
    :data:`INTEL_COLUMNS`; replaces ``reasons`` (same position); rows without intel keep theirs."""
    named = intel_reason()
    prefix_length = len(MODEL_REVOKED_PHRASE)

    def annotated(reason: Column) -> Column:
        rest = reason.substr(F.lit(prefix_length + 1), F.length(reason))
        return F.when(reason.startswith(MODEL_REVOKED_PHRASE), F.concat(named, rest)).otherwise(reason)

    reasons = F.col("reasons")
    has_status = F.exists(reasons, lambda reason: reason.startswith(MODEL_REVOKED_PHRASE))
    rewritten = F.when(has_status, F.transform(reasons, annotated)).otherwise(F.concat(reasons, F.array(named)))
    result = F.when(F.col("intel_id").isNotNull() & named.isNotNull(), rewritten).otherwise(reasons)
    return scored.select(*[result.alias(name) if name == "reasons" else F.col(name) for name in scored.columns])


def changed_dates(applied: DataFrame, scored: DataFrame) -> DataFrame:
    """The as-of dates (column ``as_of``) where the entry that applies to a binary now differs from the one its
    scored row records: an entry added, superseded or cleared since the date was scored.

    ``applied``: scored-population candidate rows after :func:`with_certificate_intel` (``as_of``,
    ``population``, ``sha256``, ``subject_name``, ``intel_id``); ``scored``: gold/scored_binaries (a table
    scored before intel existed has no ``intel_id``: nothing applied then). Only the dates that ``scored``
    holds count (a date never scored is not re-scored), and a binary scored under another key (none) counts
    as recording no entry.
    """
    key = ["as_of", "population", "sha256", "subject_name"]
    recorded = scored.select(*[F.col(name) for name in key], _optional(scored, "intel_id").alias("_recorded"))
    scored_dates = scored.select("as_of").distinct()
    now = applied.select(
        F.col("as_of"),
        F.col("population"),
        F.col("sha256"),
        F.coalesce(F.col("subject_name"), F.lit("")).alias("subject_name"),
        F.col("intel_id").alias("_now"),
    ).join(scored_dates, on="as_of", how="left_semi")
    compared = now.join(recorded, on=key, how="left")
    changed = compared.where(~F.col("_now").eqNullSafe(F.col("_recorded")))
    return changed.select("as_of").distinct()
