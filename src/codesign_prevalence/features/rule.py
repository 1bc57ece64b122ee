"""The seed rule (Elastic's EQL rule for ATT&CK T1588.003) as a Spark column, and the silver rule matches.

The EQL, with the lists that ``conf/`` holds (``rule.anomalous_statuses``, ``rule.path_patterns``,
``rule.allowed_publishers``)::

    process where event.type == "start" and
      (process.code_signature.trusted == false or process.code_signature.valid == false or
       process.code_signature.status in (<anomalous_statuses>)) and
      process.executable like~ (<path_patterns>) and
      not process.code_signature.subject_name in~ (<allowed_publishers>)

On bronze columns (the ingest keeps only process starts, so ``event.type == "start"`` always holds):

- ``cs_trusted == false`` / ``cs_valid == false``: a null boolean is not false;
- statuses compare exactly (``"Expired"`` is not ``"expired"``), as DESIGN.md says;
- ``like~``: ``*`` any run of characters (new lines included), ``?`` exactly one character, every other
  character literal, case-insensitive (both sides lower-cased: the pattern by Python, the path by Spark);
- ``not subject_name in~ (...)``: case-insensitive exact equality (no trimming); a missing or null subject
  name never matches, not even the negation;
- three-valued logic as in EQL, and an unknown result is "no match": ``rule_match`` is never null.

Where the reference implementation (the ``eql`` package) differs, see ``tests/test_rule_eql_parity.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from codesign_prevalence.features.normalize import canonical_signer

GLOB_ANY = "*"
GLOB_ONE = "?"

# Columns of silver/rule_matches, in order.
RULE_MATCH_COLUMNS: tuple[str, ...] = (
    "as_of",
    "event_id",
    "timestamp",
    "event_date",
    "host_id",
    "host_name",
    "sha256",
    "executable",
    "process_name",
    "cs_subject_name",
    "signer",
    "cs_status",
    "cs_trusted",
    "cs_valid",
    "cs_thumbprint_sha256",
    "user_name",
    "parent_executable",
)


def glob_to_regex(pattern: str) -> str:
    """A Java regular expression that matches exactly what the glob ``pattern`` matches, lower-cased.

    ``*`` -> ``.*``, ``?`` -> ``.``, anchored at both ends, ``.`` matching new lines too (``(?s)``). Every
    ASCII character that is neither a letter nor a digit is escaped with a backslash (Java reads an escaped
    non-alphabetic character as itself), so ``\\``, ``.``, ``%``, ``_``, ``[``, ``$``, ``(``, ``{`` and the
    like in a path are literal. Non-ASCII characters are never regex syntax and are kept as they are.
    """
    pieces = ["(?s)^"]
    for char in pattern.lower():
        if char == GLOB_ANY:
            pieces.append(".*")
        elif char == GLOB_ONE:
            pieces.append(".")
        elif char.isascii() and not char.isalnum():
            pieces.append("\\" + char)
        else:
            pieces.append(char)
    pieces.append("$")
    return "".join(pieces)


def _literal_glob(pattern: str) -> tuple[str, str] | None:
    """``(kind, text)`` when the lower-cased glob is a plain text test, else None (it needs a regex).

    ``*text*`` -> contains, ``text*`` -> startswith, ``*text`` -> endswith, ``text`` -> equals, where ``text``
    holds no ``*`` or ``?``. The seed's patterns are all of the first kind.
    """
    lowered = pattern.lower()
    if GLOB_ONE in lowered:
        return None
    starts, ends = lowered.startswith(GLOB_ANY), lowered.endswith(GLOB_ANY)
    core = lowered[1 if starts else 0 : len(lowered) - 1 if ends and len(lowered) > 1 else len(lowered)]
    if GLOB_ANY in core:
        return None
    if starts and ends:
        return "contains", core
    if starts:
        return "endswith", core
    if ends:
        return "startswith", core
    return "equals", core


def glob_matches_lowered(lowered: Column, patterns: Sequence[str]) -> Column:
    """Whether an already lower-cased value matches any glob in ``patterns`` (null for a null value).

    Plain-text globs become ``contains``/``startswith``/``endswith``/equality tests; the others are combined
    into one anchored regular expression (:func:`glob_to_regex`). Both read the glob the same way.
    """
    if not patterns:
        return F.when(lowered.isNotNull(), F.lit(False))
    tests: list[Column] = []
    regexes: list[str] = []
    for pattern in patterns:
        shape = _literal_glob(pattern)
        if shape is None:
            regexes.append(glob_to_regex(pattern))
            continue
        kind, text = shape
        if kind == "contains":
            tests.append(lowered.contains(text))
        elif kind == "startswith":
            tests.append(lowered.startswith(text))
        elif kind == "endswith":
            tests.append(lowered.endswith(text))
        else:
            tests.append(lowered == F.lit(text))
    if regexes:
        tests.append(lowered.rlike("|".join(f"(?:{regex})" for regex in regexes)))
    matches = tests[0]
    for test in tests[1:]:
        matches = matches | test
    return matches


def glob_matches_any(value: Column, patterns: Sequence[str]) -> Column:
    """Whether ``value`` matches any glob in ``patterns``, case-insensitively (null for a null value)."""
    return glob_matches_lowered(F.lower(value), patterns)


def in_list_case_insensitive(value: Column, names: Sequence[str]) -> Column:
    """``value in~ (names)``: exact equality after lower-casing both sides (null for a null value)."""
    return in_lowered_list(F.lower(value), names)


def in_lowered_list(lowered: Column, names: Sequence[str]) -> Column:
    """Whether an already lower-cased value equals one of ``names`` lower-cased (null for a null value)."""
    folded = sorted({name.lower() for name in names})
    if not folded:
        return F.when(lowered.isNotNull(), F.lit(False))
    return lowered.isin(*folded)


def seed_rule(
    anomalous_statuses: Sequence[str],
    path_patterns: Sequence[str],
    allowed_publishers: Sequence[str],
    executable_lower: Column | None = None,
    subject_lower: Column | None = None,
) -> Column:
    """The seed rule on bronze columns, as a boolean column that is never null (see the module docstring).

    ``executable_lower`` / ``subject_lower`` may name columns that already hold ``lower(executable)`` /
    ``lower(cs_subject_name)``, so that each is computed once per row.
    """
    executable = F.lower(F.col("executable")) if executable_lower is None else executable_lower
    subject = F.lower(F.col("cs_subject_name")) if subject_lower is None else subject_lower
    untrusted = F.col("cs_trusted") == F.lit(False)
    invalid = F.col("cs_valid") == F.lit(False)
    anomalous_status = F.col("cs_status").isin(*anomalous_statuses) if anomalous_statuses else F.lit(False)
    bad_signature = untrusted | invalid | anomalous_status
    in_watched_path = glob_matches_lowered(executable, path_patterns)
    publisher_not_allowed = subject.isNotNull() & ~in_lowered_list(subject, allowed_publishers)
    return F.coalesce(bad_signature & in_watched_path & publisher_not_allowed, F.lit(False))


def with_rule_match(
    anomalous_statuses: Sequence[str], path_patterns: Sequence[str], allowed_publishers: Sequence[str]
) -> Callable[[DataFrame], DataFrame]:
    """A transform that adds the seed rule's verdict and the exact-status flag.

    Reads: ``cs_trusted``, ``cs_valid``, ``cs_status``, ``executable``, ``cs_subject_name``.
    Adds: ``rule_match`` (boolean, never null), ``anomalous_status`` (boolean, never null: the status is
    exactly one of ``anomalous_statuses``).
    """
    statuses = tuple(anomalous_statuses)
    rule = seed_rule(
        statuses, path_patterns, allowed_publishers, F.col("_executable_lower"), F.col("_subject_lower")
    )

    def transform(events: DataFrame) -> DataFrame:
        lowered = events.select(
            "*",
            F.lower(F.col("executable")).alias("_executable_lower"),
            F.lower(F.col("cs_subject_name")).alias("_subject_lower"),
        )
        anomalous = F.coalesce(F.col("cs_status").isin(*statuses), F.lit(False)) if statuses else F.lit(False)
        return lowered.select("*", rule.alias("rule_match"), anomalous.alias("anomalous_status")).drop(
            "_executable_lower", "_subject_lower"
        )

    return transform


def with_singled_out_verdict(anomalous_statuses: Sequence[str]) -> Callable[[DataFrame], DataFrame]:
    """A transform that adds the seed rule's verdict of variants whose matching events were singled out.

    The grouping of the events into variants evaluated the rule once per event (``event_variants`` with
    :func:`seed_rule` as ``singled_out``): a variant holds a match exactly when it has a ``rule_event_id``.
    (Every column the rule reads is in the variant key, so the rule's verdict on a variant is the verdict on
    each of its events; evaluating it again per variant would give the same column.)

    Reads: ``rule_event_id``, ``cs_status``.
    Adds: ``rule_match`` and ``anomalous_status`` (booleans, never null), as :func:`with_rule_match`.
    """
    statuses = tuple(anomalous_statuses)
    anomalous = F.coalesce(F.col("cs_status").isin(*statuses), F.lit(False)) if statuses else F.lit(False)

    def transform(variants: DataFrame) -> DataFrame:
        return variants.select(
            "*", F.col("rule_event_id").isNotNull().alias("rule_match"), anomalous.alias("anomalous_status")
        )

    return transform


def _rule_match_rows(matched: DataFrame, **computed: Column) -> DataFrame:
    """``matched`` as rows of silver/rule_matches: :data:`RULE_MATCH_COLUMNS` in order, each the column of that
    name unless ``computed`` gives it."""
    return matched.select(*[computed.get(column, F.col(column)).alias(column) for column in RULE_MATCH_COLUMNS])


def rule_matches(as_of: dt.date) -> Callable[[DataFrame], DataFrame]:
    """A transform: the events that match the seed rule, as rows of silver/rule_matches.

    Reads: ``rule_match`` and the bronze columns of :data:`RULE_MATCH_COLUMNS`.
    Output: :data:`RULE_MATCH_COLUMNS` (``as_of`` is the date given, ``signer`` the canonical signer, computed
    on the matches only).
    """

    def transform(events: DataFrame) -> DataFrame:
        matched = events.where(F.col("rule_match"))
        return _rule_match_rows(matched, as_of=F.lit(as_of), signer=canonical_signer(F.col("cs_subject_name")))

    return transform


def rule_matches_from_variants(as_of: dt.date) -> Callable[[DataFrame], DataFrame]:
    """A transform: event variants whose events were singled out by the seed rule -> rows of silver/rule_matches.

    The same rows as :func:`rule_matches` on the events, from the one scan of the events: each matching event
    is a variant of its own (``event_variants`` with the seed rule as ``singled_out``), so its ``event_id`` and
    ``event_date`` are the variant's ``rule_event_id`` / ``rule_event_date``, its timestamp the variant's
    ``first_seen``, and every other column a key of the variant.

    Reads: ``rule_event_id``, ``rule_event_date``, ``first_seen``, ``signer`` (canonical, as
    :func:`canonical_signer` folds ``cs_subject_name``) and the other columns of :data:`RULE_MATCH_COLUMNS`.
    Output: :data:`RULE_MATCH_COLUMNS`.
    """

    def transform(variants: DataFrame) -> DataFrame:
        matched = variants.where(F.col("rule_event_id").isNotNull())
        return _rule_match_rows(
            matched,
            as_of=F.lit(as_of),
            event_id=F.col("rule_event_id"),
            timestamp=F.col("first_seen"),
            event_date=F.col("rule_event_date"),
        )

    return transform
