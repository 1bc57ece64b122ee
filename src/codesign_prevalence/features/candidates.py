"""gold/candidates: one row per binary (sha256 x canonical signer) per scoring population, with its features.

Populations (a binary can be in both):

- ``rule``: at least one of its events in the window matches the seed rule;
- ``hunt``: it is signed (``code_signature.exists`` true or a subject name, on any of its events) and ran at
  least once from a user-writable path class (appdata, temp, downloads, users_public, programdata), whatever
  its trust status and whether or not its signer is allow-listed;
- ``reference``: it is signed, wherever it ran. Not scored: the model is fitted on it, so that it learns what
  ordinary signed software looks like even on a fleet with a handful of ``hunt`` binaries (common binaries
  collapse onto the origin of the model's features, rare ordinary ones sit near it).

Columns (all figures over the as-of window, except the first sightings, which are the fleet's over all its
history where gold/first_seen holds it, :func:`with_fleet_history`; "executions" are events):

- key: ``as_of``, ``population``, ``sha256``, ``signer`` (canonical);
- certificate: ``subject_name`` (raw, most frequent), ``thumbprint`` (most frequent), ``rule_match`` (at
  least one seed-rule match), ``status_category`` (worst seen: trusted < unsigned_or_unknown < other <
  expired < chaining < untrusted_root < invalid < bad_digest < revoked), ``any_untrusted``, ``any_invalid``;
- the binary: ``host_count``, ``exec_count``;
- its hash: ``hash_host_count``, ``hash_fleet_fraction`` (hosts / ``fleet_hosts``), ``hash_exec_count``,
  ``hash_first_seen``, ``hash_days_since_first_seen``, ``hash_active_days``, ``hash_path_count`` (distinct
  normalised paths), ``hash_user_count``, ``hash_signer_count``;
- its signer: ``signer_host_count``, ``signer_hash_count``, ``signer_first_seen``,
  ``signer_days_since_first_seen`` (the whole signer), ``signer_other_host_count`` /
  ``signer_other_hash_count`` (leave-one-out: hosts that ran another binary of the signer, and its other
  hashes; a front company with one binary has 0 and 0, a famous signer whose stolen certificate signed one
  odd binary keeps its profile), ``signer_widest_other_host_count`` (leave-one-out maximum: hosts of the
  signer's most widespread *other* binary; a campaign of rare sibling hashes under a front company's
  certificate counts each other's hosts in ``signer_other_host_count`` but none of them is widespread),
  ``signer_user_writable_hash_share``, ``signer_anomalous_status_share``;
- departure from the signer's profile: ``path_class`` (the binary's most frequent, ties by name),
  ``signer_path_class_share`` (share of the signer's *other* binaries' executions that ran from that path
  class; 0.0 = the signer never runs from here), ``pe_company_mismatch`` (some ``pe.company``, folded like a
  signer name, names another company: ``normalize.names_another_company``, neither name holding the other's
  words once legal forms are set aside), ``original_name_mismatch``
  (``pe.original_file_name`` differs from the process name, ignoring case and extension, on some event),
  ``lolbin_parent_share`` (share of executions whose parent is in ``features.lolbin_parents``),
  ``parent_distinct_count``, ``path_names_signer`` (one of the binary's folded paths holds a distinctive word
  of its signer's name, as a vendor's install folder does and an implant's seldom: ``normalize.
  path_names_signer``; a name with no such word, ``"hp inc"``, by its acronym as a whole word of a path; null
  when the name has neither, ``"the co ltd"``), ``path_vendor`` / ``path_vendor_host_count``
  (the most widespread *other* signer one of whose distinctive words a path of the binary holds as a whole
  word, and its hosts: an implant in ``...\\nvidia\\telemetry\\`` under another's certificate; null / 0 when
  none: :func:`path_vendor_prevalence`), ``name_owner`` / ``name_owner_host_count`` (the most widespread
  *other* signer that owns a product word of the binary's file name, and its hosts: ``teams_windows_x64.exe``
  under a certificate that is not Microsoft's; null / 0 when none: :func:`name_owner_prevalence`),
  ``name_copy_signer`` / ``name_copy_host_count`` (the most widespread *other* signer whose binaries run under the
  very file name of one of the binary's, and its hosts: ``userinit.exe`` under a certificate that is not
  Microsoft's, whatever the folder; null / 0 when none: :func:`name_copy_prevalence`);
- for the analyst: ``example_path`` (raw, smallest), ``example_host`` (host name), ``example_parent`` (most
  frequent parent name), ``host_names`` (up to 5, sorted), ``first_seen``, ``last_seen``, ``fleet_hosts``
  (hosts with any event in the window);
- the certificate's details where a source carries them (labels, not model features): ``issuer``,
  ``serial_number``, ``cert_not_before``, ``cert_not_after`` (timestamps), ``signing_time`` (timestamp: the
  signature's countersignature or ECS ``code_signature.timestamp``), ``signature_type`` (``embedded`` /
  ``catalog`` / the source's value);
- the certificate's and Code Integrity's figures, raw inputs of the model's certificate features (null where
  the sources carry nothing: Elastic Defend and Sysmon have no issuer or validity): ``issuer_host_count`` /
  ``issuer_other_host_count`` (hosts that ran any binary whose issuer label is this binary's issuer; the
  leave-one-out form, as for the signer), ``cert_age_days`` (``hash_first_seen - cert_not_before``, in days:
  how new the certificate was when the fleet first ran the hash; without the fleet's history, the window's
  first sighting, which can only make the certificate look older, never newer), ``cert_lifetime_days``
  (``cert_not_after - cert_not_before``),
  ``ci_blocked_host_count`` / ``ci_audited_host_count`` (hosts on which Code Integrity blocked / audited the
  hash in the window; 0 without such events, null when no Code Integrity events were ingested);
- ``fleet_history_days``: days from the fleet's first event (any binary, any host; the window's without the
  fleet's history) to the as-of date, how long the fleet has been watched; a signer first seen on the
  fleet's first day is as old as the fleet can tell, not new;
- the company a mismatching pe.company names (null when ``pe_company_mismatch`` is false):
  ``mismatched_company`` (folded like a signer name; of several, the one fewest other hosts pair with the
  signer, ties by name), ``company_other_host_count`` (leave-one-out, as ``signer_other_host_count``: hosts
  that ran *another* binary of this signer naming that company; a vendor whose certificate names a person or
  a parent labels many binaries so, a stolen certificate's implant names a company its vendor's binaries
  never name), ``company_signer_host_count`` (hosts that ran a binary *signed* by that company: the header
  claims a vendor the fleet knows by its own certificate; 0 when no binary is signed by it);
- ``certificate_other_host_count`` (leave-one-out, as ``signer_other_host_count``: hosts that ran *another*
  binary of this signer under the same certificate thumbprint; null without a signer or a thumbprint, as in
  Sysmon's events): a name the fleet knows on a certificate none of that name's binaries carry is a self-signed
  impostor's (:func:`certificate_prevalence`);
- ``lure_name`` (never null): a file name of the binary is a document lure's, ``Invoice_2026-11.exe`` or
  ``Scan_00417.pdf.exe`` (``normalize.lure_name``);
- ``remote_parent`` / ``remote_parent_host_count``: the first, by name, of the binary's parents that start programs
  for a remote operator or a WMI subscription (:data:`REMOTE_PARENTS`), and the hosts where such a parent started
  it (null / 0 when none): lateral movement through WMI or WinRM, or WMI persistence.

Null handling (every feature column is filled; only analyst columns may be null):

- a binary without a canonical signer (a signed file whose subject is missing or folds to nothing) has no
  signer profile: ``signer_host_count``, ``signer_hash_count``, ``signer_other_*``, ``signer_widest_*`` and
  ``signer_days_since_first_seen`` are 0, ``signer_path_class_share`` 0.0, ``signer_first_seen`` null,
  ``pe_company_mismatch`` false (nothing to compare with);
- a signer with no other binary: ``signer_other_host_count`` = ``signer_other_hash_count`` =
  ``signer_widest_other_host_count`` = 0 and
  ``signer_path_class_share`` = 0.0 (no other binary runs from here);
- ``pe_company_mismatch`` / ``original_name_mismatch`` are false when ``pe.company`` /
  ``pe.original_file_name`` is absent;
- ``subject_name``, ``thumbprint``, ``example_parent`` and the certificate's details (each the binary's value
  with the most executions, ties by the smallest value) and ``signer_first_seen`` may be null; ``host_names`` is an
  empty array when no event has a host name, and ``example_host`` then falls back to the smallest host id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from codesign_prevalence.features.frames import by
from codesign_prevalence.features.normalize import (
    NOT_LETTER_OR_DIGIT,
    file_name,
    file_name_words,
    lure_name,
    names_another_company,
    path_names_signer,
    signer_words,
    status_of_rank,
)
from codesign_prevalence.features.prevalence import (
    LABEL_SOURCES,
    PATH_CLASS_COUNT_COLUMNS,
    days_since,
    path_class_map,
    path_classes_by_count,
    user_writable_count,
)
from codesign_prevalence.features.rollup import KIND_HASH, KIND_SIGNER

POPULATION_RULE = "rule"
POPULATION_HUNT = "hunt"
POPULATION_REFERENCE = "reference"
# The populations that are scored (gold/scored_binaries); ``reference`` is only trained on.
SCORED_POPULATIONS: tuple[str, ...] = (POPULATION_RULE, POPULATION_HUNT)
POPULATIONS: tuple[str, ...] = (*SCORED_POPULATIONS, POPULATION_REFERENCE)
EXAMPLE_HOSTS = 5
CERTIFICATE_LABELS: tuple[str, ...] = (
    "issuer", "serial_number", "cert_not_before", "cert_not_after", "signing_time", "signature_type"
)
# The certificate's and Code Integrity's figures (raw model inputs, null where the sources carry nothing).
ISSUER_FIGURES: tuple[str, ...] = ("issuer_host_count", "issuer_other_host_count")
CERTIFICATE_FIGURES: tuple[str, ...] = (
    *ISSUER_FIGURES,
    "cert_age_days",
    "cert_lifetime_days",
    "ci_blocked_host_count",
    "ci_audited_host_count",
)
SECONDS_PER_DAY = 86_400.0
COMPANY_FIGURES: tuple[str, ...] = ("mismatched_company", "company_other_host_count", "company_signer_host_count")
PATH_VENDOR_FIGURES: tuple[str, ...] = ("path_vendor", "path_vendor_host_count")
NAME_OWNER_FIGURES: tuple[str, ...] = ("name_owner", "name_owner_host_count", "name_owner_word", "name_word")
CERTIFICATE_SIGNER_FIGURES: tuple[str, ...] = ("certificate_other_host_count",)
NAME_COPY_FIGURES: tuple[str, ...] = ("name_copy_signer", "name_copy_host_count")
# Parents that start programs for someone elsewhere (lower case, as events.with_event_attributes folds a parent):
# WMI's provider host (Win32_Process.Create, wmic /node, Impacket's wmiexec: ATT&CK T1047), WinRM's plug-in host and
# remote shell host (PowerShell remoting, winrs: T1021.006), and WMI's script event consumer (a permanent WMI
# subscription: T1546.003). services.exe is not one: it starts every service, an installed vendor's too.
REMOTE_PARENTS: tuple[str, ...] = ("scrcons.exe", "winrshost.exe", "wmiprvse.exe", "wsmprovhost.exe")
# name_copy_prevalence joins back a file name's this many most widespread signers: the binary's own, one of its
# vendor's family, and the widest other.
NAME_COPY_WIDEST = 3
# A file-name word belongs to the signer whose binaries with it run on at least this share of the hosts that
# run a binary with it (summed over signers other than the judged binary's): "teams" is Microsoft's, "helper"
# nobody's. It must also run it on at least NAME_OWNER_OVER_OWN times the judged binary's signer's hosts: of two
# signers sharing a word on a comparable number of hosts (two developers' builds of one tool, two vendors'
# "syncer"), neither owns it against the other.
NAME_OWNER_SHARE = 0.9
NAME_OWNER_OVER_OWN = 2.0
# A file-name word one edit from another (a letter added, dropped, replaced, or two neighbours swapped) also holds
# that word, when the shorter of the two has at least this many characters and they differ by more than digits:
# "svchostt" and "rundl132" hold "svchost" and "rundll32"; "notepad2" does not hold "notepad", nor "tool64" "tool32".
NEAR_NAME_MIN_LENGTH = 6
# Longer words are not paired: a product's name is shorter, and an attacker's file name of any length must not cost
# the square of its length (each word is keyed by its one-character deletions).
NEAR_NAME_MAX_LENGTH = 40

# Columns of gold/candidates, in order.
CANDIDATE_COLUMNS: tuple[str, ...] = (
    "as_of",
    "population",
    "sha256",
    "signer",
    "subject_name",
    "thumbprint",
    "rule_match",
    "status_category",
    "any_untrusted",
    "any_invalid",
    "host_count",
    "exec_count",
    "hash_host_count",
    "hash_fleet_fraction",
    "hash_exec_count",
    "hash_first_seen",
    "hash_days_since_first_seen",
    "hash_active_days",
    "hash_path_count",
    "hash_user_count",
    "hash_signer_count",
    "signer_host_count",
    "signer_hash_count",
    "signer_first_seen",
    "signer_days_since_first_seen",
    "signer_other_host_count",
    "signer_other_hash_count",
    "signer_user_writable_hash_share",
    "signer_anomalous_status_share",
    "path_class",
    "signer_path_class_share",
    "pe_company_mismatch",
    "original_name_mismatch",
    "lolbin_parent_share",
    "parent_distinct_count",
    "example_path",
    "example_host",
    "example_parent",
    "host_names",
    "first_seen",
    "last_seen",
    "fleet_hosts",
    # The certificate's details, per binary the value with the most executions (labels, not model features;
    # null where the sources carry none: Sysmon, and ECS but for the signing time). At the end, where a
    # replaceWhere with mergeSchema adds them to an older table.
    *CERTIFICATE_LABELS,
    # Raw inputs of the certificate and Code Integrity features (null where the sources carry nothing).
    *CERTIFICATE_FIGURES,
    # Days since the window's first event (gold/hash_prevalence): ``signer_recency`` counts a signer as new
    # only when the fleet was watched long enough before it appeared.
    "fleet_history_days",
    # The company a mismatching pe.company names, and how established that naming is (null without a mismatch).
    *COMPANY_FIGURES,
    # How widespread the signer's most widespread other binary is (_with_signer_widest_other).
    "signer_widest_other_host_count",
    # Whether a path of the binary names its signer (null: the signer's name has no distinctive word or acronym).
    "path_names_signer",
    # The most widespread other signer a path of the binary names (path_vendor_prevalence).
    *PATH_VENDOR_FIGURES,
    # The most widespread other signer that owns a word of the binary's file name (name_owner_prevalence).
    *NAME_OWNER_FIGURES,
    # Hosts that ran another binary of the signer under the same certificate (certificate_prevalence).
    *CERTIFICATE_SIGNER_FIGURES,
    # Whether a file name of the binary is a document lure's (normalize.lure_name).
    "lure_name",
    # The most widespread other signer whose binaries run under a file name of the binary (name_copy_prevalence).
    *NAME_COPY_FIGURES,
    # A parent that starts programs for a remote operator or a WMI subscription, and on how many hosts.
    "remote_parent",
    "remote_parent_host_count",
)


def _remote_parents() -> Column:
    return F.array(*[F.lit(name) for name in REMOTE_PARENTS])


def binary_prevalence(host_binary: DataFrame) -> DataFrame:
    """One row per binary (sha256 x signer), from the per-(host, binary) table.

    Reads: the output of :func:`~codesign_prevalence.features.prevalence.host_binary_prevalence`.
    Output: ``sha256``, ``signer``, ``host_count``, ``exclusive_hosts`` (hosts where this is the signer's
    only binary: the hosts the signer would lose without it), ``exec_count``, ``first_seen``, ``last_seen``,
    ``pc_<class>``, ``rule_match_count``, ``lolbin_parent_count``, ``status_rank``, ``any_untrusted``,
    ``any_invalid``, ``any_signed``, ``any_original_name_mismatch``, ``any_path_names_signer`` (null when the
    signer's name has no distinctive word or acronym: ``normalize.path_names_signer``), ``any_lure_name``
    (``normalize.lure_name``, null when no path is known), ``parents``,
    ``remote_parent_host_count`` (hosts where a parent of :data:`REMOTE_PARENTS` started it), ``example_path``
    (smallest raw path), ``host_names`` (all, sorted), ``first_host_id``.
    """
    per_signer_host = Window.partitionBy("signer", "host_id")
    counted = host_binary.select(
        "*", F.count(F.lit(1)).over(per_signer_host).alias("signer_binaries_on_host")
    )
    aggregated = counted.groupBy(*by("sha256", "signer")).agg(
        F.count(F.lit(1)).alias("host_count"),
        F.count_if(F.col("signer_binaries_on_host") == F.lit(1)).alias("exclusive_hosts"),
        F.sum("executions").alias("exec_count"),
        F.min("first_seen").alias("first_seen"),
        F.max("last_seen").alias("last_seen"),
        *[F.sum(column).alias(column) for column in PATH_CLASS_COUNT_COLUMNS],
        F.sum("rule_match_count").alias("rule_match_count"),
        F.sum("lolbin_parent_count").alias("lolbin_parent_count"),
        F.max("status_rank").alias("status_rank"),
        F.bool_or("any_untrusted").alias("any_untrusted"),
        F.bool_or("any_invalid").alias("any_invalid"),
        F.bool_or("any_signed").alias("any_signed"),
        F.bool_or("any_original_name_mismatch").alias("any_original_name_mismatch"),
        F.bool_or(path_names_signer(F.col("paths"), F.col("signer"))).alias("any_path_names_signer"),
        F.bool_or(F.exists(F.col("paths"), lure_name)).alias("any_lure_name"),
        F.array_sort(F.array_distinct(F.flatten(F.collect_list("parents")))).alias("parents"),
        F.count_if(F.arrays_overlap(F.col("parents"), _remote_parents())).alias("remote_parent_host_count"),
        F.min("example_path").alias("example_path"),
        F.array_sort(F.collect_set("host_name")).alias("host_names"),
        F.min("host_id").alias("first_host_id"),
    )
    return aggregated


def _hash_columns(hash_prevalence: DataFrame) -> DataFrame:
    renamed = {
        "host_count": "hash_host_count",
        "fleet_fraction": "hash_fleet_fraction",
        "exec_count": "hash_exec_count",
        "first_seen": "hash_first_seen",
        "days_since_first_seen": "hash_days_since_first_seen",
        "active_days": "hash_active_days",
        "path_count": "hash_path_count",
        "user_count": "hash_user_count",
        "signer_count": "hash_signer_count",
    }
    return hash_prevalence.select(
        F.col("sha256"),
        F.col("fleet_hosts"),
        F.col("fleet_history_days"),
        *[F.col(old).alias(new) for old, new in renamed.items()],
    )


def _signer_columns(signer_prevalence: DataFrame) -> DataFrame:
    renamed = {
        "host_count": "signer_host_count",
        "hash_count": "signer_hash_count",
        "exec_count": "signer_exec_count",
        "first_seen": "signer_first_seen",
        "days_since_first_seen": "signer_days_since_first_seen",
        "user_writable_hash_share": "signer_user_writable_hash_share",
        "anomalous_status_share": "signer_anomalous_status_share",
        "path_class_executions": "signer_path_class_executions",
    }
    return signer_prevalence.select(F.col("signer"), *[F.col(old).alias(new) for old, new in renamed.items()])


def _with_labels(binaries: DataFrame, labels: DataFrame) -> DataFrame:
    """Join the binary labels on (sha256, signer), a null signer matching a null signer."""
    keyed = labels.select(
        F.col("sha256").alias("_label_sha256"),
        F.col("signer").alias("_label_signer"),
        *[F.col(label) for label in LABEL_SOURCES],
    )
    same_binary = (F.col("sha256") == F.col("_label_sha256")) & F.col("signer").eqNullSafe(F.col("_label_signer"))
    return binaries.join(keyed, on=same_binary, how="left").drop("_label_sha256", "_label_signer")


def _with_signer_widest_other(binaries: DataFrame) -> DataFrame:
    """``signer_widest_other_host_count``: the largest ``host_count`` among the signer's *other* binaries
    (leave-one-out maximum), 0 without a signer or another binary.

    Where ``signer_other_host_count`` counts the hosts of all the other binaries together, this is the one
    most widespread binary. They part where it matters: a campaign of four near-identical hashes under a
    front company's certificate, each on 2-3 hosts, gives each hash 6-7 "other hosts" (the siblings make each
    other look known), while none of the signer's binaries runs beyond 3 hosts; a vendor the fleet knows runs
    some binary on many. Two binaries sharing the largest count each see the other's.

    A binary without a signer is a group of its own (keyed by its hash too), so the unsigned binaries do not
    all land in one window partition to be sorted together, and each finds no other binary (0).
    """
    alone_if_unsigned = F.when(F.col("signer").isNull(), F.col("sha256"))
    ranked = (
        Window.partitionBy("signer", alone_if_unsigned)
        .orderBy(F.col("host_count").desc())
        .rowsBetween(Window.unboundedPreceding, Window.unboundedFollowing)
    )
    largest, second = F.max("host_count").over(ranked), F.nth_value("host_count", 2).over(ranked)
    widest = F.when(F.col("host_count") == largest, second).otherwise(largest)
    return binaries.select("*", _zero_if_null(widest).cast("long").alias("signer_widest_other_host_count"))


def _leave_one_out_hosts(pairs: DataFrame, group: list[str]) -> DataFrame:
    """Per binary and group (an issuer; a signer and the company its headers name), the group's hosts and the
    leave-one-out count, as ``signer_other_host_count``.

    Reads: ``host_id``, ``sha256``, ``signer`` and the ``group`` columns (non-null), one row per host, binary
    and group value. Output: ``sha256``, ``signer``, the ``group`` columns, ``group_hosts`` (distinct hosts that
    ran a binary of the group) and ``other_hosts`` (hosts that ran *another* binary of the group: those where
    this binary is not the group's only one).
    """
    on_host = F.count(F.lit(1)).over(Window.partitionBy(*group, "host_id"))
    counted = pairs.select("host_id", "sha256", "signer", *group, on_host.alias("binaries_on_host"))
    group_hosts = counted.groupBy(*by(*group)).agg(F.count_distinct("host_id").alias("group_hosts"))
    exclusive = counted.groupBy(*by("sha256", "signer", *group)).agg(
        F.count_if(F.col("binaries_on_host") == F.lit(1)).alias("exclusive_hosts")
    )
    joined = exclusive.join(group_hosts, on=group, how="inner")
    return joined.select(
        "sha256",
        "signer",
        *group,
        "group_hosts",
        (F.col("group_hosts") - F.col("exclusive_hosts")).alias("other_hosts"),
    )


def company_prevalence(host_binary: DataFrame, signer_prevalence: DataFrame) -> DataFrame:
    """Per binary whose pe.company names another company than its signer: which company, and how established.

    Reads: ``host_id``, ``sha256``, ``signer``, ``companies`` of the per-(host, binary) table and ``signer``,
    ``host_count`` of ``signer_prevalence``.
    Output: ``sha256``, ``signer`` and :data:`COMPANY_FIGURES` (see the module docstring); only binaries with
    a mismatching company (the others get nulls from the left join in :func:`candidates`).
    """
    pairs = host_binary.where(F.col("signer").isNotNull()).select(
        "host_id", "sha256", "signer", F.explode("companies").alias("company")
    )
    mismatching = pairs.where(names_another_company(F.col("company"), F.col("signer")))
    others = _leave_one_out_hosts(mismatching, ["signer", "company"])
    least = others.groupBy(*by("sha256", "signer")).agg(F.min(F.struct("other_hosts", "company")).alias("least"))
    company_signers = signer_prevalence.select(
        F.col("signer").alias("_company"), F.col("host_count").alias("_company_signer_hosts")
    )
    joined = least.join(company_signers, on=F.col("least.company") == F.col("_company"), how="left")
    return joined.select(
        "sha256",
        "signer",
        F.col("least.company").alias("mismatched_company"),
        F.col("least.other_hosts").cast("long").alias("company_other_host_count"),
        _zero_if_null(F.col("_company_signer_hosts")).cast("long").alias("company_signer_host_count"),
    )


def _with_binary_figures(binaries: DataFrame, figures: DataFrame, columns: tuple[str, ...]) -> DataFrame:
    """``binaries`` with ``columns`` of ``figures`` (keyed by sha256 and signer, a null signer matching a null
    signer; null where it has no row)."""
    keyed = figures.select(F.col("sha256").alias("_of_sha256"), F.col("signer").alias("_of_signer"), *columns)
    same_binary = (F.col("sha256") == F.col("_of_sha256")) & F.col("signer").eqNullSafe(F.col("_of_signer"))
    return binaries.join(keyed, on=same_binary, how="left").drop("_of_sha256", "_of_signer")


def _signed_paths(host_binary: DataFrame, *columns: str) -> DataFrame:
    """Each path (``_path``) of each signed binary of the per-(host, binary) table, beside its ``columns``."""
    return host_binary.where(F.col("signer").isNotNull()).select(*columns, F.explode("paths").alias("_path"))


def path_vendor_prevalence(host_binary: DataFrame, signer_prevalence: DataFrame) -> DataFrame:
    """Per binary one of whose paths holds, as a whole word, a distinctive word (``normalize.signer_words``) of
    *another* signer's name: that signer, the most widespread of them (``path_vendor``), and its hosts
    (``path_vendor_host_count``). An implant hides in a widespread vendor's folder (``...\\nvidia\\telemetry\\``)
    under another's certificate; a vendor's binaries sit in its own. Words its own signer's name shares do not
    count. An equi-join of path words with signer words, not a substring search.

    Reads: ``sha256``, ``signer``, ``paths`` of the per-(host, binary) table; ``signer``, ``host_count`` of
    ``signer_prevalence``. Output: ``sha256``, ``signer``, :data:`PATH_VENDOR_FIGURES`; only binaries that name
    another signer (the others get nulls from the left join in :func:`candidates`).
    """
    words_of_paths = (
        _signed_paths(host_binary, "sha256", "signer")
        .select("sha256", "signer", F.explode(F.split(F.col("_path"), NOT_LETTER_OR_DIGIT + "+")).alias("_word"))
        .distinct()
    )
    vendor_words = signer_prevalence.where(F.col("signer").isNotNull()).select(
        F.col("signer").alias("_vendor"),
        F.col("host_count").alias("_vendor_hosts"),
        F.explode(signer_words(F.col("signer"))).alias("_vendor_word"),
    )
    # A word of the binary's own signer's name names no other signer (and so the own signer never counts).
    named = words_of_paths.join(vendor_words, on=F.col("_word") == F.col("_vendor_word")).where(
        ~F.array_contains(signer_words(F.col("signer")), F.col("_word"))
    )
    return _widest_per_binary(named, "_vendor", "_vendor_hosts", PATH_VENDOR_FIGURES)


def name_owner_prevalence(host_binary: DataFrame) -> DataFrame:
    """Per binary whose file name holds a product word (``normalize.file_name_words``) that belongs to *another*
    signer: that signer, the most widespread such (``name_owner``), the hosts that run its binaries with the word
    (``name_owner_host_count``), the word as the owner spells it (``name_owner_word``) and as the binary's file name
    does (``name_word``: the same, or a misspelling of it). A word belongs to the signer whose binaries with it in
    their file name run on the most hosts, if they hold at least :data:`NAME_OWNER_SHARE` of the hosts summed over
    signers: a product's name (``teams``, ``svchost``, ``vpnagent``), not a word many vendors use. The share is
    counted without the judged binary's own signer's hosts: a campaign named after a product does not dilute the
    product's share with its own hosts (in a 15-host fleet, Microsoft's OneDrive on 15 hosts and a stolen
    certificate's ``onedriveupdate.exe`` on 3 would leave Microsoft 83 % of the word). The owner must then also run
    the word on at least :data:`NAME_OWNER_OVER_OWN` times the judged signer's hosts, so that of two signers sharing
    a word alike (two developers' builds of one tool on a host each) neither owns it against the other. An implant
    named after a binary the fleet runs (``downloads\\teams_windows_x64.exe``,
    ``roaming\\microsoft\\network\\svchost.exe``), glued of one and a generic word (``onedriveupdate.exe``), or
    misspelling one (``svchostt.exe``, ``rundl132.exe``: :func:`near_words`), under someone else's certificate
    (ATT&CK T1036.005, match a legitimate name).

    Reads: ``host_id``, ``sha256``, ``signer``, ``paths`` of the per-(host, binary) table. Output: ``sha256``,
    ``signer``, :data:`NAME_OWNER_FIGURES`; only binaries whose name holds another signer's word (the others
    get nulls from the left join in :func:`candidates`).
    """
    spelt = (
        _signed_paths(host_binary, "host_id", "sha256", "signer")
        .select("host_id", "sha256", "signer", F.explode(file_name_words(F.col("_path"))).alias("_word"))
        .distinct()
    )
    # A misspelt name holds the word it misspells: ``svchostt.exe`` under a stranger's certificate is judged
    # against Microsoft's "svchost" as ``svchost.exe`` would be. A word's owner and share are counted on its exact
    # spellings only, so that neither a misspelling nor a word one edit from it dilutes them.
    near = near_words(spelt.select("_word").distinct())
    misspelt = spelt.join(F.broadcast(near), on="_word").select(
        "host_id", "sha256", "signer", F.col("_near").alias("_word"), F.col("_word").alias("_spelt")
    )
    words = spelt.select("*", F.col("_word").alias("_spelt"), F.lit(True).alias("_exact")).unionByName(
        misspelt.withColumn("_exact", F.lit(False))
    )
    # Per (word, signer): its hosts with the word spelt exactly, and with it or a misspelling of it; over the word,
    # the signer with the most hosts spelling it exactly, and the hosts of all of them.
    per_word = Window.partitionBy("_word")
    per_signer = (
        words.groupBy(*by("_word", "signer"))
        .agg(
            F.count_distinct(F.when(F.col("_exact"), F.col("host_id"))).alias("_exact_hosts"),
            F.count_distinct("host_id").alias("_own_hosts"),
        )
        .select(
            "_word",
            "signer",
            "_exact_hosts",
            "_own_hosts",
            F.max(F.struct(F.col("_exact_hosts").alias("_hosts"), "signer")).over(per_word).alias("_top"),
            F.sum("_exact_hosts").over(per_word).alias("_all_hosts"),
        )
    )
    named = (
        words.select("sha256", "signer", "_word", "_spelt")
        .distinct()
        .join(per_signer, on=["_word", "signer"])
        .where(
            (F.col("_top.signer") != F.col("signer"))
            & (F.col("_top._hosts") >= F.lit(NAME_OWNER_SHARE) * (F.col("_all_hosts") - F.col("_exact_hosts")))
            & (F.col("_top._hosts") >= F.lit(NAME_OWNER_OVER_OWN) * F.col("_own_hosts"))
        )
        .select(
            "sha256",
            "signer",
            F.col("_top.signer").alias("_owner"),
            F.col("_top._hosts").alias("_owner_hosts"),
            "_word",
            "_spelt",
        )
    )
    return _widest_per_binary(named, "_owner", "_owner_hosts", NAME_OWNER_FIGURES, words=("_word", "_spelt"))


def name_copy_prevalence(host_binary: DataFrame) -> DataFrame:
    """Per binary that runs under the very file name (lower case, its extension included) under which *another*
    signer's binaries run: the most widespread such signer (``name_copy_signer``) and the hosts that run its
    binaries under that name (``name_copy_host_count``). Only names that hold a product word count
    (``normalize.file_name_words``): ``userinit.exe``, ``onedrivestandaloneupdater.exe``, not ``update.exe`` or
    ``setup.exe``, which every vendor's installer may be called.

    Where :func:`name_owner_prevalence` asks whose product a word of the name is, and a path naming the binary's own
    signer answers for it (a vendor's ``OutlookHelper.exe`` in its own folder), this asks whether the file is a
    copy of another's by its whole name: an implant under a stolen certificate called ``userinit.exe`` or
    ``MicrosoftEdgeUpdate.exe`` in ``ProgramData\\<the certificate's vendor>\\Update\\`` is named after a Windows
    component whatever folder it hides in (ATT&CK T1036.005, match a legitimate name). A signer whose name shares a
    distinctive word with the binary's (``normalize.signer_words``) is the same vendor, not another: "microsoft
    windows" and "microsoft corporation", a vendor's certificate renewed under a new legal name ("willow systems
    corporation", "willow solutions s a").

    Reads: ``host_id``, ``sha256``, ``signer``, ``paths`` of the per-(host, binary) table. Output: ``sha256``,
    ``signer``, :data:`NAME_COPY_FIGURES`; only binaries with such a name. Per name only its
    :data:`NAME_COPY_WIDEST` most widespread signers are joined back, so a name that many signers share costs rows in
    their number, not its square.
    """
    named = (
        _signed_paths(host_binary, "host_id", "sha256", "signer")
        .where(F.size(file_name_words(F.col("_path"))) > F.lit(0))
        .select("host_id", "sha256", "signer", F.lower(file_name(F.col("_path"))).alias("_name"))
        .distinct()
    )
    widest_first = Window.partitionBy("_name").orderBy(F.col("_hosts").desc(), F.col("_other").desc())
    widest = (
        named.groupBy(F.col("_name"), F.col("signer").alias("_other"))
        .agg(F.count_distinct("host_id").alias("_hosts"))
        .withColumn("_rank", F.row_number().over(widest_first))
        .where(F.col("_rank") <= F.lit(NAME_COPY_WIDEST))
    )
    copies = (
        named.select("sha256", "signer", "_name")
        .distinct()
        .join(widest, on="_name")
        .where(
            (F.col("_other") != F.col("signer"))
            & ~F.arrays_overlap(signer_words(F.col("_other")), signer_words(F.col("signer")))
        )
    )
    return _widest_per_binary(copies, "_other", "_hosts", NAME_COPY_FIGURES)


def near_words(words: DataFrame) -> DataFrame:
    """Pairs of distinct words (``_word``, ``_near``) one edit apart: a character added, dropped or replaced, or
    two neighbouring ones swapped (``svchostt``, ``svchots``, ``rundl132`` for ``svchost``, ``rundll32``), both
    ways round; the shorter at least :data:`NEAR_NAME_MIN_LENGTH` characters and the longer at most
    :data:`NEAR_NAME_MAX_LENGTH`, and not alike but for their digits (``notepad2``, ``tool64`` and ``tool32`` are
    versions or builds, not misspellings).

    Reads ``_word`` of ``words`` (distinct). Two words one edit apart share a key among themselves and their
    one-character deletions, so the words are paired by an equi-join on those keys, not compared all with all.
    """

    def deletions(word: Column) -> Column:
        dropped = F.transform(
            F.sequence(F.lit(1), F.length(word)),
            lambda i: F.concat(word.substr(F.lit(1), i - 1), word.substr(i + 1, F.length(word))),
        )
        return F.array_union(F.array(word), dropped)

    def swapped(word: Column) -> Column:  # of a paired word: NEAR_NAME_MIN_LENGTH characters or more
        return F.transform(
            F.sequence(F.lit(1), F.length(word) - 1),
            lambda i: F.concat(
                word.substr(F.lit(1), i - 1),
                word.substr(i + 1, F.lit(1)),
                word.substr(i, F.lit(1)),
                word.substr(i + 2, F.length(word)),
            ),
        )

    keyed = words.where(F.length("_word").between(NEAR_NAME_MIN_LENGTH, NEAR_NAME_MAX_LENGTH)).select(
        "_word", F.explode(deletions(F.col("_word"))).alias("_key")
    )
    pairs = (
        keyed.join(keyed.select(F.col("_word").alias("_near"), "_key"), on="_key")
        .where(F.col("_word") != F.col("_near"))
        .select("_word", "_near")
        .distinct()
    )

    def digits_dropped(word: str) -> Column:
        return F.regexp_replace(F.col(word), "[0-9]+", "")

    return pairs.where(
        ((F.levenshtein("_word", "_near") == F.lit(1)) | F.array_contains(swapped(F.col("_word")), F.col("_near")))
        & (digits_dropped("_word") != digits_dropped("_near"))
    )


def _widest_per_binary(
    named: DataFrame, other: str, hosts: str, figures: tuple[str, ...], words: tuple[str, ...] = ()
) -> DataFrame:
    """Per binary (``sha256``, ``signer``) of ``named``, the ``other`` signer with the most ``hosts`` (ties: the
    greatest name, then the greatest ``words``), as the ``figures``: its name, its hosts, then the ``words`` it
    was found by."""
    widest = named.groupBy(*by("sha256", "signer")).agg(F.max(F.struct(hosts, other, *words)).alias("_widest"))
    name, host_count, *by_words = figures
    return widest.select(
        "sha256",
        "signer",
        F.col(f"_widest.{other}").alias(name),
        F.col(f"_widest.{hosts}").cast("long").alias(host_count),
        *[F.col(f"_widest.{word}").alias(column) for word, column in zip(words, by_words, strict=True)],
    )


def _signer_path_class_share(path_class: Column) -> Column:
    """Share of the signer's other binaries' executions that ran from ``path_class`` (0.0 when none)."""
    signer_here = F.coalesce(F.try_element_at(F.col("signer_path_class_executions"), path_class), F.lit(0))
    own_here = F.coalesce(F.try_element_at(path_class_map(), path_class), F.lit(0))
    other_executions = F.col("signer_exec_count") - F.col("exec_count")
    share = F.try_divide(signer_here - own_here, other_executions)
    return F.coalesce(F.when(other_executions > F.lit(0), share), F.lit(0.0))


def _hosts_with_label(host_binary: DataFrame, labels: DataFrame, label: str) -> DataFrame:
    """``host_id``, ``sha256``, ``signer`` of the per-(host, binary) table with the binary's ``label`` (its value
    with the most executions, from the binary labels); only binaries with that label."""
    labelled = labels.where(F.col(label).isNotNull()).select(
        F.col("sha256").alias("_label_sha256"), F.col("signer").alias("_label_signer"), F.col(label)
    )
    same_binary = (F.col("sha256") == F.col("_label_sha256")) & F.col("signer").eqNullSafe(F.col("_label_signer"))
    pairs = host_binary.select("host_id", "sha256", "signer").join(labelled, on=same_binary, how="inner")
    return pairs.select("host_id", "sha256", "signer", label)


def issuer_prevalence(host_binary: DataFrame, labels: DataFrame) -> DataFrame:
    """Per binary, how widespread its certificate's issuer is: the hosts that ran any binary chaining to it.

    Reads: ``host_id``, ``sha256``, ``signer`` of the per-(host, binary) table and ``sha256``, ``signer``,
    ``issuer`` of the binary labels (each binary's issuer is its label: the value with the most executions).
    Output: ``sha256``, ``signer``, ``issuer_host_count`` (distinct hosts that ran a binary of this issuer),
    ``issuer_other_host_count`` (leave-one-out: hosts that ran *another* binary of this issuer, as
    ``signer_other_host_count``); only binaries with an issuer.
    """
    counted = _leave_one_out_hosts(_hosts_with_label(host_binary, labels, "issuer"), ["issuer"])
    return counted.select(
        "sha256",
        "signer",
        F.col("group_hosts").cast("long").alias("issuer_host_count"),
        F.col("other_hosts").cast("long").alias("issuer_other_host_count"),
    )


def certificate_prevalence(host_binary: DataFrame, labels: DataFrame) -> DataFrame:
    """Per signed binary with a certificate thumbprint: the hosts that ran *another* binary of its signer under
    that same certificate (``certificate_other_host_count``, leave-one-out as ``signer_other_host_count``).

    A name is anyone's to put in a self-made certificate; the certificate is not. "Microsoft Corporation" on a
    certificate no other binary of that name carries is another certificate under a name the fleet knows (a
    self-signed impostor), while an enterprise CA's tool that fails to chain on a host without the root carries
    the certificate its siblings carry on every host. Reads: ``host_id``, ``sha256``, ``signer`` of the
    per-(host, binary) table and ``sha256``, ``signer``, ``thumbprint`` of the binary labels (the binary's
    certificate: the value with the most executions). Output: ``sha256``, ``signer``,
    :data:`CERTIFICATE_SIGNER_FIGURES`; only binaries with a signer and a thumbprint (null for the others).
    """
    pairs = _hosts_with_label(host_binary, labels, "thumbprint").where(F.col("signer").isNotNull())
    counted = _leave_one_out_hosts(pairs, ["signer", "thumbprint"])
    return counted.select(
        "sha256", "signer", F.col("other_hosts").cast("long").alias("certificate_other_host_count")
    )


def _with_codeintegrity(binaries: DataFrame, codeintegrity: DataFrame | None) -> DataFrame:
    """The per-hash Code Integrity host counts (``prevalence.codeintegrity_hosts``): 0 for a hash without
    events, null for every hash when no Code Integrity events were ingested (``codeintegrity`` None)."""
    if codeintegrity is None:
        return binaries.select(
            "*",
            F.lit(None).cast("long").alias("ci_blocked_host_count"),
            F.lit(None).cast("long").alias("ci_audited_host_count"),
        )
    counts = ("ci_blocked_host_count", "ci_audited_host_count")
    joined = binaries.join(codeintegrity.select("sha256", *counts), on="sha256", how="left")
    return joined.withColumns({name: _zero_if_null(F.col(name)).cast("long") for name in counts})


def _days_between(later: Column, earlier: Column) -> Column:
    """``later - earlier`` in days (fractional), null when either is null."""
    return (F.unix_timestamp(later) - F.unix_timestamp(earlier)).cast("double") / F.lit(SECONDS_PER_DAY)


def _zero_if_null(column: Column) -> Column:
    return F.coalesce(column, F.lit(0))


def with_fleet_history(binaries: DataFrame, history: DataFrame | None, as_of: dt.date) -> DataFrame:
    """The first sightings over the fleet's whole history (rows of gold/first_seen: ``kind``, ``key``,
    ``first_seen``), where it holds them, instead of the window's: ``hash_first_seen``,
    ``signer_first_seen`` (and their days since), and ``fleet_history_days`` (days since the first sighting of
    anything). Each is the earlier of the window's and the history's, so it never moves forward; and a first
    sighting is a minimum, so sightings after ``as_of`` (the history of a later run) cannot lower it below
    the window's, which is at most ``as_of``: nothing from the future leaks in.

    Why: a signer the fleet last saw 40 days ago, back today, is new to a 30-day window but not to the fleet
    (a monthly payroll tool would read as a new signer every month); and a certificate is only as young as
    the hash's first run says.
    """
    if history is None:
        return binaries
    firsts = history.select("kind", "key", "first_seen")

    def first_of(kind: str, name: str) -> DataFrame:
        rows = firsts.where(F.col("kind") == F.lit(kind))
        return rows.select(F.col("key").alias(f"_history_{name}"), F.col("first_seen").alias(f"_history_{name}_first"))

    fleet = firsts.agg(F.min("first_seen").alias("_history_fleet_first"))
    joined = (
        binaries.join(first_of(KIND_HASH, "hash"), on=F.col("sha256") == F.col("_history_hash"), how="left")
        .join(first_of(KIND_SIGNER, "signer"), on=F.col("signer") == F.col("_history_signer"), how="left")
        .crossJoin(F.broadcast(fleet))
    )
    hash_first = F.least(F.col("hash_first_seen"), F.col("_history_hash_first"))
    signer_first = F.least(F.col("signer_first_seen"), F.col("_history_signer_first"))
    fleet_days = F.greatest(F.col("fleet_history_days"), days_since(as_of, F.col("_history_fleet_first")))
    replaced = {
        "hash_first_seen": hash_first,
        "hash_days_since_first_seen": days_since(as_of, hash_first),
        "signer_first_seen": signer_first,
        "signer_days_since_first_seen": days_since(as_of, signer_first),
        "fleet_history_days": fleet_days,
    }
    return joined.withColumns(replaced).drop(
        "_history_hash", "_history_hash_first", "_history_signer", "_history_signer_first", "_history_fleet_first"
    )


def candidates(
    hash_prevalence: DataFrame,
    signer_prevalence: DataFrame,
    labels: DataFrame,
    as_of: dt.date,
    codeintegrity: DataFrame | None = None,
    history: DataFrame | None = None,
) -> Callable[[DataFrame], DataFrame]:
    """A transform: the per-(host, binary) table -> rows of gold/candidates (:data:`CANDIDATE_COLUMNS`).

    Reads: the output of ``host_binary_prevalence``, and ``hash_prevalence`` / ``signer_prevalence`` /
    ``labels`` (the outputs of the transforms of those names, and of ``binary_labels``, for the same as-of
    date), ``codeintegrity`` (the output of ``prevalence.codeintegrity_hosts`` for that date; None when no
    Code Integrity events were ingested), ``history`` (rows of gold/first_seen, the fleet's first sightings
    over all history: :func:`with_fleet_history`; None: the window's first sightings).
    Output: :data:`CANDIDATE_COLUMNS`; see the module docstring for the populations and null handling.
    """

    def transform(host_binary: DataFrame) -> DataFrame:
        joined = (
            _with_labels(binary_prevalence(host_binary), labels)
            .join(_hash_columns(hash_prevalence), on="sha256", how="left")
            .join(_signer_columns(signer_prevalence), on="signer", how="left")
            .transform(lambda binaries: with_fleet_history(binaries, history, as_of))
            .transform(_with_signer_widest_other)
            .transform(
                lambda binaries: _with_binary_figures(
                    binaries, issuer_prevalence(host_binary, labels), ISSUER_FIGURES
                )
            )
            .transform(lambda binaries: _with_codeintegrity(binaries, codeintegrity))
            .transform(
                lambda binaries: _with_binary_figures(
                    binaries, company_prevalence(host_binary, signer_prevalence), COMPANY_FIGURES
                )
            )
            .transform(
                lambda binaries: _with_binary_figures(
                    binaries, path_vendor_prevalence(host_binary, signer_prevalence), PATH_VENDOR_FIGURES
                )
            )
            .transform(
                lambda binaries: _with_binary_figures(binaries, name_owner_prevalence(host_binary), NAME_OWNER_FIGURES)
            )
            .transform(
                lambda binaries: _with_binary_figures(
                    binaries, certificate_prevalence(host_binary, labels), CERTIFICATE_SIGNER_FIGURES
                )
            )
            .transform(
                lambda binaries: _with_binary_figures(binaries, name_copy_prevalence(host_binary), NAME_COPY_FIGURES)
            )
        )
        path_class = F.try_element_at(path_classes_by_count(), F.lit(1))
        rule_match = F.col("rule_match_count") > F.lit(0)
        hunt = F.col("any_signed") & (user_writable_count() > F.lit(0))
        reference = F.col("any_signed")
        populations = F.filter(
            F.array(
                F.when(rule_match, F.lit(POPULATION_RULE)),
                F.when(hunt, F.lit(POPULATION_HUNT)),
                F.when(reference, F.lit(POPULATION_REFERENCE)),
            ),
            lambda population: population.isNotNull(),
        )
        features = {
            "as_of": F.lit(as_of),
            "population": F.explode(populations),
            "sha256": F.col("sha256"),
            "signer": F.col("signer"),
            "subject_name": F.col("subject_name"),
            "thumbprint": F.col("thumbprint"),
            "rule_match": rule_match,
            "status_category": status_of_rank(F.col("status_rank")),
            "any_untrusted": F.col("any_untrusted"),
            "any_invalid": F.col("any_invalid"),
            "host_count": F.col("host_count"),
            "exec_count": F.col("exec_count"),
            "hash_host_count": F.col("hash_host_count"),
            "hash_fleet_fraction": F.col("hash_fleet_fraction"),
            "hash_exec_count": F.col("hash_exec_count"),
            "hash_first_seen": F.col("hash_first_seen"),
            "hash_days_since_first_seen": F.col("hash_days_since_first_seen"),
            "hash_active_days": F.col("hash_active_days"),
            "hash_path_count": F.col("hash_path_count"),
            "hash_user_count": F.col("hash_user_count"),
            "hash_signer_count": F.col("hash_signer_count"),
            "signer_host_count": _zero_if_null(F.col("signer_host_count")),
            "signer_hash_count": _zero_if_null(F.col("signer_hash_count")),
            "signer_first_seen": F.col("signer_first_seen"),
            "signer_days_since_first_seen": _zero_if_null(F.col("signer_days_since_first_seen")),
            "signer_other_host_count": _zero_if_null(F.col("signer_host_count") - F.col("exclusive_hosts")),
            "signer_other_hash_count": _zero_if_null(F.col("signer_hash_count") - F.lit(1)),
            "signer_user_writable_hash_share": F.coalesce(
                F.col("signer_user_writable_hash_share"), F.lit(0.0)
            ),
            "signer_anomalous_status_share": F.coalesce(F.col("signer_anomalous_status_share"), F.lit(0.0)),
            "path_class": path_class,
            "signer_path_class_share": _signer_path_class_share(path_class),
            # Some canonical pe.company names another company (company_prevalence found it, or none).
            "pe_company_mismatch": F.col("mismatched_company").isNotNull(),
            "original_name_mismatch": F.col("any_original_name_mismatch"),
            "lolbin_parent_share": F.try_divide(F.col("lolbin_parent_count"), F.col("exec_count")),
            "parent_distinct_count": F.size(F.col("parents")),
            "example_path": F.col("example_path"),
            "example_host": F.coalesce(F.try_element_at(F.col("host_names"), F.lit(1)), F.col("first_host_id")),
            "example_parent": F.col("example_parent"),
            "host_names": F.slice(F.col("host_names"), 1, EXAMPLE_HOSTS),
            "first_seen": F.col("first_seen"),
            "last_seen": F.col("last_seen"),
            "fleet_hosts": F.col("fleet_hosts"),
            **{label: F.col(label) for label in CERTIFICATE_LABELS},
            "issuer_host_count": F.col("issuer_host_count"),
            "issuer_other_host_count": F.col("issuer_other_host_count"),
            "cert_age_days": _days_between(F.col("hash_first_seen"), F.col("cert_not_before")),
            "cert_lifetime_days": _days_between(F.col("cert_not_after"), F.col("cert_not_before")),
            "ci_blocked_host_count": F.col("ci_blocked_host_count"),
            "ci_audited_host_count": F.col("ci_audited_host_count"),
            "fleet_history_days": F.col("fleet_history_days"),
            **{figure: F.col(figure) for figure in COMPANY_FIGURES},
            "signer_widest_other_host_count": F.col("signer_widest_other_host_count"),
            "path_names_signer": F.col("any_path_names_signer"),
            "path_vendor": F.col("path_vendor"),
            "path_vendor_host_count": _zero_if_null(F.col("path_vendor_host_count")),
            "name_owner": F.col("name_owner"),
            "name_owner_host_count": _zero_if_null(F.col("name_owner_host_count")),
            "name_owner_word": F.col("name_owner_word"),
            "name_word": F.col("name_word"),
            "certificate_other_host_count": F.col("certificate_other_host_count"),
            "lure_name": F.coalesce(F.col("any_lure_name"), F.lit(False)),
            "name_copy_signer": F.col("name_copy_signer"),
            "name_copy_host_count": _zero_if_null(F.col("name_copy_host_count")),
            "remote_parent": F.try_element_at(F.array_intersect(F.col("parents"), _remote_parents()), F.lit(1)),
            "remote_parent_host_count": F.col("remote_parent_host_count"),
        }
        return joined.select(*[features[column].alias(column) for column in CANDIDATE_COLUMNS])

    return transform
