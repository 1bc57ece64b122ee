"""The model's features: one-sided "suspicion" transforms of the gold/candidates columns (pure pandas).

Part of the registered model's own code (see the package docstring): numpy and pandas only.

Why not the raw counts: an IsolationForest isolates whatever is sparse, and on raw prevalence the sparse
regions are at *both* ends (a binary on 1 host and one on every host are equally "isolated"). Every feature
here is therefore a suspicion value in ``[0, 1]``: 0 is the unsuspicious side, where all ordinary binaries
pile up into one dense value, and only the suspicious side can be extreme. The forest can then only find
binaries that are unusual in a suspicious direction.

Rarity gate. Every other feature is multiplied by ``min(1, hash_rarity / knee)`` (``model.rarity_gate_knee``):
0 for a hash seen on the rarity ceiling or more hosts, 1 for one seen on up to about ``C ** (1 - knee)``
hosts. A binary that runs on a fifth of the fleet is not a stolen-certificate implant however odd its
signature (an internal tool signed by a private CA, a popular app whose certificate lapsed); gating
collapses all common binaries onto the origin, so the forest ranks only among rare ones. The knee keeps the
gate from ranking *among* the rare ones: with the rarity itself as the gate (knee 1), a revoked,
renamed implant on 4 hosts would show its facts at half strength and fall behind an odd benign tool on one
host; rarity has its own feature for that. The facts of ``ungated`` (``model.ungated_facts``: ``known_name``,
``document_lure``) are the exception: a well-known program's file name under a signer that is not its publisher
(``chromeupdater.exe`` signed by a stranger) is an impersonation however widely it runs, and a campaign that reached
a twentieth of the fleet is no less one for it; a document's name on an executable (``Invoice_6982.exe``) is a lure
on a third of the hosts as on one. No common benign binary of the generators' fleets carries either (sessions 40,
41).

``hash_rarity``
    ``log(C / hash_host_count) / log(C)`` clipped to [0, 1], where the ceiling ``C = max(min_hosts,
    fraction * fleet_hosts)``: 1 on one host, 0 at ``C`` hosts or more. The floor (10 hosts by default) keeps
    small fleets from calling a binary common because it runs on a handful of hosts: in a 50-host fleet a
    revoked implant launched by mshta on 6 hosts is a campaign, not software everyone runs (with a floor of
    5 it sat at the origin with the fleet's everyday binaries).
``signer_obscurity``
    the same log scale on ``1 + signer_widest_other_host_count`` (leave-one-out: hosts of the signer's most
    widespread *other* binary): 1 for a signer the fleet knows only through this binary, near 0 for one that
    runs some binary on many hosts. The widest binary, not the hosts of all the others together: a campaign of
    near-identical hashes under a front company's certificate, each on 2-3 hosts, would count each other's
    hosts and make each other look known, although nothing the signer signs is widespread. Without the figure
    (candidates written before it) ``signer_other_host_count``, the hosts of all the other binaries.
``signer_spread``
    the signer reaches more hosts than its most widespread other binary does, through sibling hashes that each
    run on a few hosts of their own: ``log((1 + signer_other_host_count) / (1 + signer_widest_other_host_count))
    / log(4)`` clipped to [0, 1] (four times the widest binary's hosts is as spread as it gets), times
    ``min(1, signer_other_host_count / signer_other_hash_count)`` (the siblings sit on hosts of their own, not
    builds piling up on one developer's machine). A campaign under a stolen or bought certificate ships a new
    hash to each few victims (polymorphism): each hash is rare, and the signer's footprint is the sum of them.
    A vendor's footprint is its widespread binaries' (near 0), a developer's test certificate signs dozens of
    builds on one or two hosts (the second factor), a niche tool's vendor reaches its few hosts with the same
    hash (near 0). ``signer_obscurity`` reads how widespread the widest sibling is, this feature how far the
    siblings reach together; 0 without ``signer_widest_other_host_count``. In the default list since session 36
    (benchmarks/README.md, "Session 36": lost its judgements of sessions 16 and 35, won its third once the
    simulator carried careful actors' campaigns).
``status_severity``
    certificate status as an ordinal: trusted/unsigned 0, expired/other 0.25, chaining/untrusted root/
    invalid/bad digest 0.5, revoked 1.
``status_surprise``
    a bad status from a signer whose other binaries are validly signed: ``surprise * (1 -
    signer_anomalous_status_share)``, and 0 when the signer has no other binary (nothing to compare with).
    Self-signed "Google LLC", a stolen vendor certificate revoked mid-window, a phishing file signed with an
    old certificate of a vendor the fleet knows. A developer's test-signing CA, whose every binary is
    untrusted, scores 0. ``surprise`` is 1 for a revoked certificate and for one that does not chain or
    verify (untrusted root, chaining, invalid, bad digest: another certificate under a name the fleet knows
    as validly signed), 0.25 for a lapsed one (an old build left on one host is the common case).
``certificate_impostor``
    a certificate that does not verify (chaining, untrusted root, invalid, bad digest: :data:`UNVERIFIED_STATUSES`)
    under a name the fleet knows, and not the certificate that name's other binaries carry: 1 where the name runs
    some other binary on the rarity ceiling or more hosts (``signer_obscurity`` 0), else 0, times ``1 -
    certificate_other_host_count / signer_other_host_count`` (the share of the name's other hosts that ran one of
    its binaries under this very thumbprint) clipped to [0, 1]; and 1 wherever the name is a well-known publisher's
    (:func:`names_a_publisher`, from the catalogue: ``known_names.PUBLISHER_WORDS``), known to the fleet or not,
    whose certificates chain to public roots. A self-signed "Microsoft Corporation" in
    ``AppData\\Roaming\\Microsoft\\OneDrive\\``: the name is on every host, this certificate on none of
    Microsoft's binaries (T1588.003's impostor; ``status_surprise`` says only that the name's other binaries
    verify). An enterprise CA's tool that does not chain on a host without the root carries the certificate its
    siblings carry on the other hosts (near 0), as does a vendor's binary whose file was damaged (bad digest under
    the vendor's own certificate). A name the fleet knows only from a few hosts is not known enough to be
    impersonated: a long-tail vendor's portable tool whose private root a host lacks (session 29, judged with the
    name's obscurity read on its log scale, ``1 - signer_obscurity``, lost by 0.001 to such a tool; judged again in
    session 30 with the ceiling). 0 without ``certificate_other_host_count`` (sources without a thumbprint, Sysmon;
    candidates written before it): nothing to judge.
``publisher_lapsed`` (available, not in the default list: benchmarks/README.md, "Session 44")
    1 where the certificate has lapsed (``status_category`` ``expired``) and the signer's name is a well-known
    publisher's (:func:`names_a_publisher`), else 0. Publishers timestamp their signatures, so a build they signed
    while the certificate was valid still verifies after it lapses; one that reports the certificate expired was
    signed after it lapsed, with a certificate that left its owner (the certificates leaked from NVIDIA in 2022,
    used to sign malware long after they expired: ATT&CK T1588.003). A long-tail vendor's lapsed certificate is
    the common case (an old build, a vendor that stopped timestamping) and weighs only as a status; a revoked
    publisher's certificate is not counted either: a vendor revokes its own after a breach, and its genuine builds
    then run under the revoked certificate (AnyDesk's, 2024), as the outside generators' fleets have them too.
``path_surprise``
    ``1 - signer_path_class_share``: the binary runs from a folder class where the signer's other binaries
    (almost) never run; 0 when the signer has no other binary.
``signer_not_in_path``
    none of the binary's paths names its signer: ``1 - path_names_signer`` (gold/candidates: a folded path holds
    a distinctive word of the signer's name, as ``...\\lumora\\deskhub\\lumoradeskhub.exe`` does for "Lumora
    Systems Oy"; a name without such a word by its acronym as a whole word, ``...\\programdata\\hp\\`` for
    "HP Inc."). A vendor installs into a folder named after itself or its product, and its file names carry
    the brand; an implant signed with a stolen or bought certificate is named after the lure or a system
    component (``ProgramData\\DriverUpdate\\DriverUpdate.exe``). 0 when the signer's name has no distinctive
    word or acronym, or without the figure (candidates written before it): nothing to judge. Common among
    benign binaries too (a product named unlike its vendor, "Dynalist" shipping Obsidian, a download named after
    the tool, ``rufus-4.5.exe`` by "Akeo Consulting"), which its surprisal weight reads from the reference
    population.
``path_impersonation``
    a path of the binary names a widespread vendor that is not its signer, and none names its signer: the log
    scale of ``hash_rarity`` read the other way on ``1 + path_vendor_host_count`` (0 when no other signer is
    named, 1 when the one named runs on the rarity ceiling or more hosts), times ``1 - path_names_signer`` (null:
    not named). An implant hides in a widespread vendor's folder (``ProgramData\\Microsoft\\Network\\``,
    ``AppData\\Local\\NVIDIA\\Telemetry\\``) under a stolen or bought certificate of someone else (ATT&CK
    T1036.005, match a legitimate location). 0 without the figures (candidates written before them).
``name_impersonation``
    the binary's file name holds a product word of another signer, or a misspelling of one, and no path names
    its own: the same scale on ``1 + name_owner_host_count`` (gold/candidates: the signer whose binaries with that
    word in their file name run on at least 90 % of the hosts that run one, the judged binary's signer's left out,
    and on twice the judged signer's, as Microsoft's ``teams.exe`` owns "teams"), times ``1 - path_names_signer``.
    An implant named after a binary the fleet runs (``downloads\\teams_windows_x64.exe``,
    ``roaming\\microsoft\\network\\svchost.exe``, ``programdata\\windowsupdate\\svchostt.exe``) under someone
    else's certificate (ATT&CK T1036.005, match a legitimate name); a vendor's add-in named after the product it
    extends sits in its own folder. 0 without the figures (candidates written before them).
``name_copy``
    1 when another signer runs binaries under the very file name of this one on at least
    :data:`NAME_COPY_FLEET_SHARE` of the fleet's hosts (``name_copy_host_count``, gold/candidates: names holding a
    product word only), whatever folder this one runs from: a copy of a Windows component's or the fleet's
    standard software's name (``userinit.exe``, ``RuntimeBroker.exe``, ``MicrosoftEdgeUpdate.exe``) under someone
    else's certificate (ATT&CK T1036.005). ``name_impersonation`` is silent where a path names the binary's own
    signer, as a vendor's add-in named after the product it extends does; an implant under a stolen certificate
    installed into ``ProgramData\\<the certificate's vendor>\\Update\\userinit.exe`` is such a path too. A vendor
    names its own programs after themselves; what half the fleet runs under one name is not a third party's to
    ship under it. 0 without the figure (candidates written before it).
``known_name``
    1 when the file name of ``example_path`` is a well-known one (:mod:`codesign_prevalence_model.known_names`: a
    Windows component's stem, a widely used program's prefix) and the signer holds none of its publishers' words:
    ``AnyDeskSetup.exe`` under a front company's certificate where the fleet runs no AnyDesk, which the fleet-read
    name facts cannot know (ATT&CK T1036.005). A name that imitates a Windows system process's by one character or
    a short suffix counts as that name (``rundl132.exe``, ``svchostt.exe``, ``dllhostex.exe``:
    :func:`imitated_process`). 0 without a path (candidates written before the model read it).
``document_lure``
    ``lure_name``: a file name of the binary is a document lure's, a document extension before its own
    (``Scan_00417.pdf.exe``, T1036.007) or a business document's word and a number of 3 or more digits
    (``Invoice_2026-11.exe``, ``PO_73460.exe``): a dropper sent by mail or chat, named as what it pretends to be
    (T1204.002). A program is named after itself, its version dotted. 0 without the figure (candidates written
    before it).
``random_folder``
    1 when a folder of ``example_path`` has a random name directly under a folder where programs keep folders
    named after their vendor or product (:func:`random_folder_of`: ``AppData\\Roaming\\1f689584\\``,
    ``ProgramData\\66df264b\\``): a dropper's staging folder. Not ``Temp``, where installers unpack into folders
    of random names, nor a vendor's hashed sub-folders under its own (``ProgramData\\Dell\\TechHub\\Plugins\\
    3f03edd854d90e0b``, ClickOnce's ``AppData\\Local\\Apps\\2.0\\E11A18A4``). 0 without a path (session 47).
``company_mismatch``
    ``pe_company_mismatch``: the PE header names another company than the certificate's signer.
``renamed``
    ``original_name_mismatch``: the file runs under another name than the one compiled into its header.
    Kept apart from ``company_mismatch`` (one feature each) because they are different behaviours of
    different weight: niche tools are often renamed on download (``tool-1.2-portable.exe``), while a
    header claiming "Zoom Video Communications" under a stranger's certificate is an impersonation; a
    binary doing both is rarer than one doing either, which one averaged column cannot show the forest.
``company_surprise``
    ``company_mismatch`` weighed by how unusual the pairing is: the log scale of ``hash_rarity`` on ``1 +
    company_other_host_count`` (leave-one-out: hosts that ran *another* binary of the signer naming the same
    company). A vendor whose certificate carries a person's or an organisation's legal name and whose headers
    carry its brand ("Nir Sofer" / "NirSoft", an enterprise CA / the company) labels binaries all over the fleet
    so: near 0. A stolen certificate's implant names a company its vendor's other binaries never name: 1.
    Without the figure (candidates written before it) the plain mismatch. The hosts of all those binaries
    together, not the most widespread one as for ``signer_obscurity``: a vendor labelling dozens of portable
    tools, each on a host or two, with its brand ("Sysinternals" under Microsoft's certificate) has made a
    habit of the pairing however rare each tool is (reading the widest one lost on the independent fleets).
    0 where the company shares a distinctive word with the signer (:func:`related_company`): a subsidiary naming
    its parent ("Cisco Webex LLC" / "Cisco Systems, Inc."), a rebranded vendor its former or fuller name ("Zoom
    Communications" / "Zoom Video Communications"), an enterprise's code-signing CA its IT department ("Proseware
    Code Signing" / "Proseware IT"), or a brand of the catalogue under its publisher's legal name ("AnyDesk Software
    GmbH" / "philandro Software GmbH"). Such a header names the signer's own family, however rarely; in the kept fleets
    of all four generators, 390 benign binaries of the ``rule`` and ``hunt`` populations and no attack (session 45).
``company_impersonation``
    ``company_surprise`` where the company the header names signs binaries of its own in the fleet
    (``company_signer_host_count`` above 0): the file claims to come from a vendor the fleet knows by that
    vendor's certificate, and carries someone else's. A subsidiary or OEM naming its parent does so on many
    binaries and hosts (``company_surprise`` near 0), an implant under a stolen certificate on its own.
``masquerade`` (available, not in the default list)
    mean of the two above.
``lolbin_parent``
    ``lolbin_parent_share``: share of its executions started by a LOLBin or an Office application.
``remote_parent``
    1 when a parent that starts programs for someone elsewhere started the binary on some host
    (``remote_parent_host_count`` above 0; gold/candidates' ``REMOTE_PARENTS``: WMI's provider host, WinRM's plug-in
    and remote shell hosts, WMI's script event consumer): lateral movement through WMI or PowerShell remoting, or a
    WMI subscription's persistence. An IT team's deployment through the same channels carries it too, on binaries
    its rarity gate mostly sets aside. 0 without the column (candidates written before session 43).
``issuer_rarity``
    the log scale of ``hash_rarity`` on ``1 + issuer_other_host_count`` (leave-one-out: hosts that ran *another*
    binary chaining to this binary's certificate issuer): 1 for an issuer the fleet knows only through this
    binary (a self-signed certificate, an obscure CA). 0 when the source carries no issuer (Elastic Defend,
    Sysmon).
``cert_age``
    ``1 - cert_age_days / cert_age_horizon_days`` clipped to [0, 1]: the certificate was issued days before
    the binary first ran (front companies buy certificates shortly before the first payload). 0 past the
    horizon, 0 when the first run precedes the certificate's not-valid-before (clock or data error, not
    evidence), 0 without validity dates.
``cert_short_lifetime``
    ``1 - cert_lifetime_days / cert_short_lifetime_days`` clipped to [0, 1]: a certificate valid for far less
    than the one to three years public CAs issue for. 0 without validity dates.
``ci_enforcement``
    Code Integrity (WDAC) blocked the hash on some host: 1; audited it (would have blocked) but never
    blocked: 0.5; neither, or no Code Integrity events ingested: 0.
``signer_recency``
    ``1 - signer_days_since_first_seen / recency_days`` clipped to [0, 1]: the signer is new to the fleet
    (front companies' certificates, a stolen certificate of a vendor the fleet never ran). Only where the
    fleet was watched for ``recency_days`` before the signer appeared (``fleet_history_days -
    signer_days_since_first_seen >= recency_days``): on a young history every signer looks new, and a signer
    seen since the first watched day is as old as the data can tell. 0 for a binary without a canonical
    signer, and 0 without ``fleet_history_days`` (candidates written before it: the age cannot be judged).
``hash_new``
    1 where the fleet first ran the hash after its first watched day (``fleet_history_days -
    hash_days_since_first_seen >= 1``) and less than ``hash_new_days`` ago, else 0: the binary arrived during the
    period under review rather than before it. An attack's binary is new when it is scored (88-99 % of the
    attacks of every generator's fleets, against 49-79 % of their benign binaries, benchmarks/README.md, "Session
    38"); a tool installed before the watch began, or more than ``hash_new_days`` ago (30, the default look-back),
    is established. Many benign binaries are new too (installers, updates, one-off downloads), which its
    surprisal weight, per folder class, reads from the reference population. 0 without the columns (candidates
    written before the model read them).

Three discounts follow the gate. A developer's churn (:func:`developer_churn_discount`, ``churn_discount``) and a
test certificate (:func:`declared_test_certificate`, ``test_certificate_discount``: a certificate that does not
chain to a trusted root, whose name says test or debug or names the user whose profile runs the binary) explain
some of the facts above, and a trusted certificate of a publisher the world knows (:func:`known_publisher`,
``known_publisher_discount``) every fact but the rarity; each multiplies those it explains (:data:`CHURN_EXPLAINS`,
:data:`TEST_CERTIFICATE_EXPLAINS`, :data:`KNOWN_PUBLISHER_EXPLAINS`). The last is applied when a binary is scored,
not when the model is fitted (``SuspicionForestModel.observed_features``).
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from codesign_prevalence_model.known_names import (
    BRAND_PREFIXES,
    GENERIC_SIGNER_WORDS,
    KNOWN_PUBLISHERS,
    LOOKALIKE_EDIT_MIN,
    LOOKALIKE_SUFFIX_MAX,
    LOOKALIKE_SUFFIX_MIN,
    MICROSOFT,
    PUBLISHER_WORDS,
    SIGNER_WORD_MIN_LENGTH,
    SYSTEM_PROCESS_STEMS,
    WINDOWS_STEMS,
)

# Certificate status category (features/normalize.py) -> severity in [0, 1]; unknown categories count as "other".
STATUS_SEVERITY: dict[str, float] = {
    "trusted": 0.0,
    "unsigned_or_unknown": 0.0,
    "other": 0.25,
    "expired": 0.25,
    "chaining": 0.5,
    "untrusted_root": 0.5,
    "invalid": 0.5,
    "bad_digest": 0.5,
    "revoked": 1.0,
}
UNKNOWN_STATUS_SEVERITY = STATUS_SEVERITY["other"]
# A certificate in one of these states does not verify: a self-made or damaged one, whatever name it carries
# (status_surprise, certificate_impostor). Revoked and lapsed certificates verified once (a vendor's own, stolen or
# old).
UNVERIFIED_STATUSES: tuple[str, ...] = ("chaining", "untrusted_root", "invalid", "bad_digest")
# The same status under a signer whose other binaries are validly signed (status_surprise): a lapsed
# certificate there is an old build, but a certificate that does not chain or verify is another certificate
# carrying a name the fleet knows (self-signed "Google LLC"), as much an impostor as a revoked one.
STATUS_SURPRISE: dict[str, float] = {**STATUS_SEVERITY, **dict.fromkeys(UNVERIFIED_STATUSES, 1.0)}

# task_parent: the processes the Task Scheduler starts a task's program from (svchost.exe hosting the Schedule
# service on Windows 10 and later, taskhostw.exe / taskhost.exe, taskeng.exe before Windows 10).
TASK_PARENTS = frozenset({"svchost.exe", "taskhostw.exe", "taskhost.exe", "taskeng.exe"})

# name_copy: another signer's binaries run under the name on at least this share of the fleet's hosts (a Windows
# component, the fleet's standard software), not on the few hosts a bundled tool reaches.
NAME_COPY_FLEET_SHARE = 0.5

# signer_spread: a signer whose other binaries reach this many times the hosts of the widest of them is as
# spread as it gets (1).
SPREAD_FULL_RATIO = 4.0

# gold/candidates columns the model reads, with the type the model signature declares for each.
NUMERIC_INPUTS: tuple[str, ...] = (
    "hash_host_count",
    "fleet_hosts",
    "signer_other_host_count",
    "signer_other_hash_count",
    "signer_days_since_first_seen",
    "signer_anomalous_status_share",
    "signer_path_class_share",
    "lolbin_parent_share",
)
BOOLEAN_INPUTS: tuple[str, ...] = ("pe_company_mismatch", "original_name_mismatch")
STRING_INPUTS: tuple[str, ...] = ("signer", "status_category", "path_class", "example_parent")
# Added with the certificate and Code Integrity features: optional (a model input frame or a gold/candidates
# written before them lacks them; they then count as null, and every feature reading them as 0), and null
# wherever a source carries no such field (NaN in pandas, never filled with 0: 0 days is a fact).
OPTIONAL_NUMERIC_INPUTS: tuple[str, ...] = (
    "issuer_other_host_count",
    "cert_age_days",
    "cert_lifetime_days",
    "ci_blocked_host_count",
    "ci_audited_host_count",
    "fleet_history_days",
    "company_other_host_count",
    "company_signer_host_count",
    "signer_widest_other_host_count",
    "path_names_signer",  # a flag: 1.0 / 0.0, null when the signer's name has no distinctive word or acronym
    "path_vendor_host_count",
    "name_owner_host_count",
    "certificate_other_host_count",
    "lure_name",  # a flag: 1.0 / 0.0
    "name_copy_host_count",
    "hash_days_since_first_seen",
    "remote_parent_host_count",
)
OPTIONAL_STRING_INPUTS: tuple[str, ...] = (
    "issuer",
    "mismatched_company",
    "path_vendor",
    "name_owner",
    "name_owner_word",
    "name_word",
    "name_copy_signer",
    "remote_parent",
    "example_path",  # a path the binary ran from (declared_test_certificate reads the profile's user from it)
)
OPTIONAL_INPUTS: tuple[str, ...] = (*OPTIONAL_NUMERIC_INPUTS, *OPTIONAL_STRING_INPUTS)
REQUIRED_INPUTS: tuple[str, ...] = (*NUMERIC_INPUTS, *BOOLEAN_INPUTS, *STRING_INPUTS)
INPUT_COLUMNS: tuple[str, ...] = (*REQUIRED_INPUTS, *OPTIONAL_INPUTS)


def fold_signer(name: str) -> str:
    """A certificate subject name folded as gold/candidates' ``signer`` is (``features.normalize.canonical_signer``,
    in Spark): lower case, invisible format characters (zero-width space...) removed, each run of white space,
    punctuation, symbols and control characters one space, trimmed: "Oracle America, Inc." -> "oracle america inc";
    "" where nothing is left."""
    words: list[str] = []
    word: list[str] = []
    for char in name.lower():
        category = unicodedata.category(char)
        if category == "Cf":
            continue
        if char.isspace() or category[0] in "PS" or category == "Cc":
            if word:
                words.append("".join(word))
                word = []
            continue
        word.append(char)
    if word:
        words.append("".join(word))
    return " ".join(words)


def fold_signers(names: Sequence[str]) -> tuple[str, ...]:
    """The names folded (:func:`fold_signer`), sorted, without duplicates or names that fold to nothing."""
    return tuple(sorted({fold_signer(name) for name in names} - {""}))


@dataclass(frozen=True)
class FeatureParams:
    """The transforms' constants (``model.*`` in the configuration; ``codesign_prevalence.models.features.
    feature_params`` reads them from it); they travel inside the logged model."""

    rarity_ceiling_fraction: float = 0.05
    rarity_ceiling_min_hosts: float = 10.0
    recency_days: float = 7.0
    gate_knee: float = 0.25
    cert_age_horizon_days: float = 30.0
    cert_short_lifetime_days: float = 365.0
    churn_discount: float = 1.0
    test_certificate_discount: float = 0.5
    hash_new_days: float = 30.0
    known_publisher_discount: float = 1.0
    known_publishers: tuple[str, ...] = fold_signers(KNOWN_PUBLISHERS)  # folded, as the ``signer`` column
    ungated: tuple[str, ...] = ("known_name", "document_lure")  # facts the rarity does not gate

    def __setstate__(self, state: dict[str, object]) -> None:
        """Models pickled before the knee existed keep the gate they had (the rarity itself); those pickled
        before the churn discount, the test certificate's or the known publishers', none; those pickled before
        ungated facts gate every fact."""
        object.__setattr__(self, "gate_knee", 1.0)
        object.__setattr__(self, "ungated", ())
        object.__setattr__(self, "churn_discount", 0.0)
        object.__setattr__(self, "test_certificate_discount", 0.0)
        object.__setattr__(self, "known_publisher_discount", 0.0)
        for name, value in state.items():
            object.__setattr__(self, name, value)


def _clip01(values: pd.Series) -> pd.Series:
    return values.clip(lower=0.0, upper=1.0)


def _numeric(frame: pd.DataFrame, column: str, default: float = 0.0) -> pd.Series:
    return pd.to_numeric(frame[column], errors="coerce").astype("float64").fillna(default)


def _flag(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].fillna(False).astype(bool).astype("float64")


def rarity_ceiling(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    """Hosts from which a binary counts as common: ``max(min_hosts, fraction * fleet_hosts)``, at least 2."""
    by_fleet = params.rarity_ceiling_fraction * _numeric(frame, "fleet_hosts")
    return by_fleet.clip(lower=max(2.0, params.rarity_ceiling_min_hosts))


def _log_scale(count: pd.Series, ceiling: pd.Series) -> pd.Series:
    """1 at one, 0 at ``ceiling`` or more, logarithmic in between."""
    return _clip01(np.log(ceiling / count.clip(lower=1.0)) / np.log(ceiling))


def hash_rarity(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    return _log_scale(_numeric(frame, "hash_host_count", 1.0), rarity_ceiling(frame, params))


def _has_other_binaries(frame: pd.DataFrame) -> pd.Series:
    return (_numeric(frame, "signer_other_hash_count") > 0).astype("float64")


def _severity(frame: pd.DataFrame, scale: Mapping[str, float] = STATUS_SEVERITY) -> pd.Series:
    """The status category read on ``scale``; categories it does not know count as "other"."""
    return frame["status_category"].map(scale).astype("float64").fillna(UNKNOWN_STATUS_SEVERITY)


def signer_obscurity(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    """Read on the widest other binary where the candidates have it, else on the hosts of all the others."""
    widest = _optional(frame, "signer_widest_other_host_count")
    other_hosts = 1.0 + widest.fillna(_numeric(frame, "signer_other_host_count"))
    return _log_scale(other_hosts, rarity_ceiling(frame, params))


def signer_spread(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    other_hosts = _numeric(frame, "signer_other_host_count")
    widest = _optional(frame, "signer_widest_other_host_count").fillna(other_hosts)
    beyond_widest = np.log((1.0 + other_hosts) / (1.0 + widest.clip(upper=other_hosts)))
    own_hosts = _clip01(other_hosts / _numeric(frame, "signer_other_hash_count").clip(lower=1.0))
    return _clip01(beyond_widest / np.log(SPREAD_FULL_RATIO)) * own_hosts


def status_severity(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    return _severity(frame)


def status_surprise(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    signer_good_share = _clip01(1.0 - _numeric(frame, "signer_anomalous_status_share", 1.0))
    return _severity(frame, STATUS_SURPRISE) * signer_good_share * _has_other_binaries(frame)


def certificate_impostor(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    unverified = frame["status_category"].isin(UNVERIFIED_STATUSES).astype("float64")
    known_name = (signer_obscurity(frame, params) <= 0.0).astype("float64")
    name_hosts = _numeric(frame, "signer_other_host_count").clip(lower=1.0)
    this_certificate = _optional(frame, "certificate_other_host_count")
    other_certificate = (1.0 - _clip01(this_certificate / name_hosts)).fillna(0.0)  # NaN: no thumbprint
    publisher = frame["signer"].map(names_a_publisher).astype("float64")
    return unverified * np.maximum(known_name * other_certificate, publisher)


def publisher_lapsed(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    lapsed = frame["status_category"].eq("expired").astype("float64")
    return lapsed * frame["signer"].map(names_a_publisher).astype("float64")


def names_a_publisher(signer: object) -> bool:
    """Whether a (folded) signer name holds, as a whole word, a well-known publisher's word
    (:data:`~codesign_prevalence_model.known_names.PUBLISHER_WORDS`): "zoom video communications inc", "adobe inc"."""
    return isinstance(signer, str) and any(word in PUBLISHER_WORDS for word in signer.split())


def path_surprise(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    unusual_here = _clip01(1.0 - _numeric(frame, "signer_path_class_share", 1.0))
    return unusual_here * _has_other_binaries(frame)


def masquerade(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    return (_flag(frame, "pe_company_mismatch") + _flag(frame, "original_name_mismatch")) / 2.0


def signer_not_in_path(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    named = _optional(frame, "path_names_signer")
    return (1.0 - _clip01(named)).fillna(0.0)


def _impersonation(frame: pd.DataFrame, params: FeatureParams, hosts_column: str) -> pd.Series:
    """How widespread the other signer that ``hosts_column`` counts is (0 at no host, 1 at the rarity ceiling),
    where no path of the binary names its own signer."""
    hosts = _optional(frame, hosts_column).fillna(0.0)
    widespread = 1.0 - _log_scale(1.0 + hosts, rarity_ceiling(frame, params))  # 0 at no host
    not_own = 1.0 - _clip01(_optional(frame, "path_names_signer").fillna(0.0))
    return widespread * not_own


def path_impersonation(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    return _impersonation(frame, params, "path_vendor_host_count")


def name_impersonation(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    return _impersonation(frame, params, "name_owner_host_count")


def name_copy(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    hosts = _optional(frame, "name_copy_host_count").fillna(0.0)
    widespread = NAME_COPY_FLEET_SHARE * _numeric(frame, "fleet_hosts").clip(lower=2.0)  # at least 1 host
    return (hosts >= widespread).astype("float64")


def known_name(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    names = _optional_text(frame, "example_path").map(well_known_name)
    values = [
        float(name is not None and not (isinstance(signer, str) and any(word in signer for word in name.publishers)))
        for signer, name in zip(frame["signer"], names, strict=True)
    ]
    return pd.Series(values, index=frame.index, dtype="float64")


_EXTENSION = re.compile(r"\.[a-z0-9]+$")
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")
_PATH_SEPARATOR = re.compile(r"[\\/]")


def path_file_name(path: str) -> str:
    """The last part of a Windows or POSIX path, as written (the whole text when it has no separator)."""
    return _PATH_SEPARATOR.split(path)[-1]


@dataclass(frozen=True)
class KnownName:
    """What :func:`well_known_name` found: the publishers' signer words, and the Windows process's stem that a
    lookalike imitates (None where the name is the well-known one itself)."""

    publishers: tuple[str, ...]
    imitated: str | None = None


def well_known_name(path: object) -> KnownName | None:
    """The well-known name the path's file carries (:mod:`known_names`), or None: its stem (lower case, without
    the extension) a Windows component's, else its letters and digits starting with a program's prefix, else the
    stem a lookalike of a Windows system process's (:func:`imitated_process`)."""
    if not isinstance(path, str) or not path:
        return None
    stem = _EXTENSION.sub("", path_file_name(path).lower())
    if stem in WINDOWS_STEMS:
        return KnownName(MICROSOFT)
    core = _NOT_LETTER_OR_DIGIT.sub("", stem)
    for prefix, publishers in BRAND_PREFIXES.items():
        if core.startswith(prefix):
            return KnownName(publishers)
    imitated = imitated_process(stem)
    return KnownName(MICROSOFT, imitated) if imitated is not None else None


_LOOKALIKE_SUFFIX = re.compile(rf"[a-z0-9_]{{1,{LOOKALIKE_SUFFIX_MAX}}}")
_SYSTEM_PROCESSES = tuple(sorted(SYSTEM_PROCESS_STEMS))
_LOOKALIKE_MAX_LENGTH = max(map(len, SYSTEM_PROCESS_STEMS)) + max(1, LOOKALIKE_SUFFIX_MAX)


def imitated_process(stem: str) -> str | None:
    """The Windows system process (:data:`~codesign_prevalence_model.known_names.SYSTEM_PROCESS_STEMS`) whose stem
    ``stem`` imitates, or None: one edit from a stem of ``LOOKALIKE_EDIT_MIN`` letters or more (``rundl132``,
    ``svchostt``, ``winlogin``), or a stem of ``LOOKALIKE_SUFFIX_MIN`` or more followed by one or two letters, digits
    or underscores (``dllhostex``, ``wuauclt_x``). The first such process in alphabetical order."""
    if len(stem) > _LOOKALIKE_MAX_LENGTH or stem in SYSTEM_PROCESS_STEMS:  # a long name imitates none, uncached
        return None
    return _imitated_process(stem)


@functools.lru_cache(maxsize=65_536)  # a fleet's file names repeat: each stem is compared with the list once
def _imitated_process(stem: str) -> str | None:
    for process in _SYSTEM_PROCESSES:
        if len(process) >= LOOKALIKE_EDIT_MIN and one_edit_apart(stem, process):
            return process
        if (
            len(process) >= LOOKALIKE_SUFFIX_MIN
            and stem.startswith(process)
            and _LOOKALIKE_SUFFIX.fullmatch(stem[len(process) :])
        ):
            return process
    return None


def one_edit_apart(first: str, second: str) -> bool:
    """Whether two different strings are one substitution, insertion, deletion or swap of neighbours apart."""
    if first == second or abs(len(first) - len(second)) > 1:
        return False
    if len(first) == len(second):
        differ = [i for i, (a, b) in enumerate(zip(first, second, strict=True)) if a != b]
        if len(differ) == 1:
            return True
        i = differ[0]
        return differ == [i, i + 1] and first[i] == second[i + 1] and first[i + 1] == second[i]
    shorter, longer = sorted((first, second), key=len)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def document_lure(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    return _clip01(_optional(frame, "lure_name").fillna(0.0))


# Folders directly under which programs keep a folder named after their vendor or product: a user's roaming and
# local application data, the machine's program data, the public profile. Not Temp, where installers unpack into
# folders of random names (MSI7EF7, 7zS4A21, {GUID}).
NAMED_FOLDER_ROOTS = frozenset({"roaming", "local", "locallow", "programdata", "public"})
_RANDOM_TOKEN = re.compile(r"(?=.*[0-9])(?=.*[a-f])[0-9a-f]{6,16}")


def random_folder_of(path: object) -> str | None:
    """The folder of a random name on the path, with the folder it sits in (``Roaming\\1f689584``), or None: a
    folder that holds the path's file, or one above it, named by a random token (6 to 16 hexadecimal digits, letters
    and digits both) directly under a folder of :data:`NAMED_FOLDER_ROOTS`:
    ``AppData\\Roaming\\1f689584\\svcupdate.exe``, ``C:\\ProgramData\\66df264b\\chromeupdater.exe``. Not a
    vendor's own hashed sub-folders (``ProgramData\\Dell\\TechHub\\Plugins\\3f03edd854d90e0b``,
    ``AppData\\Local\\Apps\\2.0\\E11A18A4``, ClickOnce's), nor a version (``12345678``)."""
    if not isinstance(path, str) or not path:
        return None
    folders = _PATH_SEPARATOR.split(path)[:-1]
    for parent, folder in itertools.pairwise(folders):
        if parent.lower() in NAMED_FOLDER_ROOTS and _RANDOM_TOKEN.fullmatch(folder.lower()) is not None:
            return f"{parent}\\{folder}"
    return None


def random_folder(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    return _optional_text(frame, "example_path").map(lambda path: random_folder_of(path) is not None).astype("float64")


def company_mismatch(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    return _flag(frame, "pe_company_mismatch")


def company_surprise(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    other_hosts = _optional(frame, "company_other_host_count")
    unusual = _log_scale(1.0 + other_hosts.fillna(0.0), rarity_ceiling(frame, params))
    return company_mismatch(frame, params) * unusual.where(other_hosts.notna(), 1.0) * (1.0 - related_company(frame))


_LATIN_LETTER_OR_DIGIT = re.compile("[a-z0-9]")


def distinctive_words(name: object) -> frozenset[str]:
    """A folded name's distinctive words, as ``features.normalize.signer_words`` reads a signer's in Spark: words
    of at least ``SIGNER_WORD_MIN_LENGTH`` characters, not in ``GENERIC_SIGNER_WORDS``, holding a Latin letter or
    a digit ("cisco webex llc" -> {"cisco", "webex"}; "hp inc" -> none). Empty for a missing name."""
    if not isinstance(name, str):
        return frozenset()
    return frozenset(
        word
        for word in name.split(" ")
        if len(word) >= SIGNER_WORD_MIN_LENGTH
        and word not in GENERIC_SIGNER_WORDS
        and _LATIN_LETTER_OR_DIGIT.search(word)
    )


def related_company(frame: pd.DataFrame) -> pd.Series:
    """1.0 where the company a mismatching pe.company names (``mismatched_company``, folded) is the signer's own:
    the two share a distinctive word (:func:`distinctive_words`), or a word of the company is a brand of the
    catalogue (``known_names.BRAND_PREFIXES``) one of whose publishers' words the signer's name holds ("anydesk
    software gmbh" under "philandro software gmbh"); else 0.0, and 0.0 without the column."""
    companies = _optional_text(frame, "mismatched_company")
    related = [
        isinstance(company, str) and _companies_related(company, signer)
        for company, signer in zip(companies, frame["signer"], strict=True)
    ]
    return pd.Series(related, index=frame.index, dtype="float64")


def _companies_related(company: str, signer: object) -> bool:
    signer_words = distinctive_words(signer)
    company_words = distinctive_words(company)
    return bool(company_words & signer_words) or any(
        not signer_words.isdisjoint(BRAND_PREFIXES.get(word, ())) for word in company_words
    )


def company_impersonation(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    known = (_optional(frame, "company_signer_host_count").fillna(0.0) > 0).astype("float64")
    return company_surprise(frame, params) * known


def renamed(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    return _flag(frame, "original_name_mismatch")


def lolbin_parent(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    return _clip01(_numeric(frame, "lolbin_parent_share"))


def task_parent(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    return frame["example_parent"].map(fold_parent).isin(TASK_PARENTS).astype("float64")


def remote_parent(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    return (_optional(frame, "remote_parent_host_count").fillna(0.0) > 0).astype("float64")


def fold_parent(parent: object) -> str | None:
    """A parent process's name as the model compares it (``task_parent``, ``parent_factors``): the file name, lower
    case, without surrounding spaces (a full path keeps its last component); None for a missing one."""
    if parent is None or (isinstance(parent, float) and np.isnan(parent)):
        return None
    return path_file_name(str(parent)).strip().lower() or None


def _optional(frame: pd.DataFrame, column: str) -> pd.Series:
    """An optional numeric input as float, NaN where null or absent from the frame."""
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")


def _optional_text(frame: pd.DataFrame, column: str) -> pd.Series:
    """An optional string input as it is, None throughout where absent from the frame."""
    if column not in frame.columns:
        return pd.Series(None, index=frame.index, dtype=object)
    return frame[column]


def issuer_rarity(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    other_hosts = _optional(frame, "issuer_other_host_count")
    scaled = _log_scale(1.0 + other_hosts.fillna(0.0), rarity_ceiling(frame, params))
    return scaled.where(other_hosts.notna(), 0.0)


def cert_age(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    days = _optional(frame, "cert_age_days")
    young = _clip01(1.0 - days / max(params.cert_age_horizon_days, 1e-9))
    return young.where(days >= 0.0, 0.0).fillna(0.0)


def cert_short_lifetime(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    days = _optional(frame, "cert_lifetime_days")
    return _clip01(1.0 - days / max(params.cert_short_lifetime_days, 1e-9)).fillna(0.0)


def ci_enforcement(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    blocked = _optional(frame, "ci_blocked_host_count").fillna(0.0) > 0
    audited = _optional(frame, "ci_audited_host_count").fillna(0.0) > 0
    return pd.Series(np.where(blocked, 1.0, np.where(audited, 0.5, 0.0)), index=frame.index, dtype="float64")


def signer_recency(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    days = _numeric(frame, "signer_days_since_first_seen", params.recency_days)
    watched_before = _optional(frame, "fleet_history_days") - days
    has_signer = frame["signer"].fillna("").astype(str).str.len() > 0
    judged = (watched_before >= params.recency_days) & has_signer
    return _clip01(1.0 - days / params.recency_days).where(judged, 0.0)


def hash_new(frame: pd.DataFrame, params: FeatureParams) -> pd.Series:
    days = _optional(frame, "hash_days_since_first_seen")
    watched_before = _optional(frame, "fleet_history_days") - days
    new = (watched_before >= 1.0) & (days < params.hash_new_days)  # False where either is NaN
    return new.astype("float64")


DEFAULT_PARAMS = FeatureParams()
FeatureFunction = Callable[[pd.DataFrame, FeatureParams], pd.Series]
FEATURE_FUNCTIONS: Mapping[str, FeatureFunction] = {
    "hash_rarity": hash_rarity,
    "signer_obscurity": signer_obscurity,
    "signer_spread": signer_spread,
    "status_severity": status_severity,
    "status_surprise": status_surprise,
    "certificate_impostor": certificate_impostor,
    "publisher_lapsed": publisher_lapsed,
    "path_surprise": path_surprise,
    "signer_not_in_path": signer_not_in_path,
    "path_impersonation": path_impersonation,
    "name_impersonation": name_impersonation,
    "name_copy": name_copy,
    "known_name": known_name,
    "document_lure": document_lure,
    "random_folder": random_folder,
    "company_mismatch": company_mismatch,
    "company_surprise": company_surprise,
    "company_impersonation": company_impersonation,
    "renamed": renamed,
    "masquerade": masquerade,
    "lolbin_parent": lolbin_parent,
    "task_parent": task_parent,
    "remote_parent": remote_parent,
    "signer_recency": signer_recency,
    "hash_new": hash_new,
    "issuer_rarity": issuer_rarity,
    "cert_age": cert_age,
    "cert_short_lifetime": cert_short_lifetime,
    "ci_enforcement": ci_enforcement,
}
RARITY_GATE = "hash_rarity"


def suspicion_features(
    candidates: pd.DataFrame, names: Sequence[str], params: FeatureParams = DEFAULT_PARAMS
) -> pd.DataFrame:
    """The model matrix: one float column per feature name, each in [0, 1] and gated by hash rarity (but those of
    ``params.ungated``).

    Reads :data:`INPUT_COLUMNS` of ``candidates`` (raw, as in gold/candidates; nulls tolerated; the
    :data:`OPTIONAL_INPUTS` may be absent, and then count as null).
    """
    missing = [column for column in REQUIRED_INPUTS if column not in candidates.columns]
    if missing:
        raise ValueError(f"candidate columns missing from the model input: {', '.join(missing)}")
    rarity = hash_rarity(candidates, params)
    gate = _clip01(rarity / params.gate_knee)
    columns = {
        name: rarity if name == RARITY_GATE else FEATURE_FUNCTIONS[name](candidates, params) * (
            1.0 if name in params.ungated else gate
        )
        for name in names
    }
    if params.churn_discount > 0.0:
        _discount(columns, CHURN_EXPLAINS, developer_churn_discount(candidates, params.churn_discount))
    if params.test_certificate_discount > 0.0:
        share = min(params.test_certificate_discount, 1.0)
        _discount(columns, TEST_CERTIFICATE_EXPLAINS, 1.0 - share * declared_test_certificate(candidates))
    features = pd.DataFrame(columns, index=candidates.index).astype("float64")
    return known_publisher_discounted(features, candidates, params)


def _discount(columns: dict[str, pd.Series], explained: Sequence[str], factor: pd.Series) -> None:
    """Multiply the ``explained`` facts among ``columns`` by ``factor``, in place."""
    for name in explained:
        if name in columns:
            columns[name] = columns[name] * factor


# The facts a developer's churn explains: an unknown signer, a header naming the developer's organisation
# rather than the certificate's subject, a test certificate's untrusted root.
CHURN_EXPLAINS: tuple[str, ...] = ("signer_obscurity", "company_surprise", "status_severity")


def developer_churn_discount(candidates: pd.DataFrame, strength: float) -> pd.Series:
    """``1 / (1 + strength * log2(max(1, signer_other_hash_count / max(1, signer_other_host_count))))``: 1 for a
    signer whose other binaries reach at least as many hosts as there are of them, 1/2 (at strength 1) for two
    other hashes per host, 1/(1 + log2 20) = 0.19 for a developer's twenty builds on one machine. A developer's
    test certificate signs a new hash per build, all on the developer's host; a campaign ships a new hash to
    each few victims, a vendor reaches many hosts with each binary."""
    hashes = _numeric(candidates, "signer_other_hash_count")
    hosts = _numeric(candidates, "signer_other_host_count").clip(lower=1.0)
    churn = (hashes / hosts).clip(lower=1.0)
    return pd.Series(1.0 / (1.0 + strength * np.log2(churn)), index=candidates.index, dtype="float64")


# A certificate that names itself a test or development one (folded signer, whole words) and does not chain to a
# trusted root: Visual Studio's and the WDK's "WDKTestCert <user>,<number>", "<Org> Dev Test CA", "CN=<project>
# Debug". A stolen or bought certificate carries a real company's name, an impostor's a brand's. So does one named
# after the user whose profile runs the binary (ClickOnce's "CN=<DOMAIN>\<user>", a developer's certificate in their
# own name, "Farid Fischer" in C:\Users\ffischer\): neither a vendor nor an impostor names the local account of the
# machine it lands on.
TEST_CERTIFICATE_WORDS: tuple[str, ...] = ("test", "testing", "debug", "dev", "devtest", "wdktestcert", "development")
TEST_CERTIFICATE_STATUSES: tuple[str, ...] = ("untrusted_root", "chaining")
_TEST_CERTIFICATE_NAME = re.compile(r"\b(?:" + "|".join(TEST_CERTIFICATE_WORDS) + r")\b", re.IGNORECASE)
# The facts such a certificate explains: its status, that the fleet does not know its signer, that no path
# names it and that the header names someone else (a developer's organisation, not a vendor's certificate).
TEST_CERTIFICATE_EXPLAINS: tuple[str, ...] = (
    "status_severity",
    "status_surprise",
    "signer_obscurity",
    "signer_not_in_path",
    "company_surprise",
)


# Every fact but the rarity: a trusted signature of a publisher the world knows (``known_publishers``: the seed rule's
# allow-list and Windows' own components by default) answers what this technique asks, whose certificate signed
# the binary. What the fleet alone says of the signer is moot (a 12-host capture that never ran Microsoft's
# widespread binaries makes Microsoft look obscure; a stolen certificate of Microsoft's that still verifies would be
# news far beyond one fleet), and so is what the binary does (Sysinternals' tools started by cmd.exe, a Microsoft
# installer new this week in Temp): another technique's evidence, not a stolen certificate's. Such a binary stays
# in the hunt population, ranked by its rarity alone.
KNOWN_PUBLISHER_EXPLAINS: tuple[str, ...] = tuple(name for name in FEATURE_FUNCTIONS if name != RARITY_GATE)


def known_publisher_discounted(features: pd.DataFrame, candidates: pd.DataFrame, params: FeatureParams) -> pd.DataFrame:
    """``features`` (the candidates' facts, by row) with the known publishers' discount of ``params`` applied: the
    last step of :func:`suspicion_features`, and the one the model applies to the facts as observed when it
    scores (``SuspicionForestModel.features``). The frame itself when the discount is off or its list empty."""
    if params.known_publisher_discount <= 0.0 or not params.known_publishers:
        return features
    factor = 1.0 - min(params.known_publisher_discount, 1.0) * known_publisher(candidates, params.known_publishers)
    explained = [name for name in KNOWN_PUBLISHER_EXPLAINS if name in features.columns]
    discounted = features.copy()
    discounted[explained] = features[explained].mul(factor, axis=0)
    return discounted


def known_publisher(candidates: pd.DataFrame, publishers: Sequence[str]) -> pd.Series:
    """1.0 where the certificate verifies (``status_category`` trusted) and the signer is one of ``publishers``
    (folded), else 0.0. Only a trusted status counts: a self-signed or damaged "Microsoft Corporation" is an
    impostor (``certificate_impostor``), a lapsed or revoked one a certificate that may have left its owner."""
    trusted = candidates["status_category"].eq("trusted") & candidates["signer"].isin(list(publishers))
    return trusted.astype("float64")


def declared_test_certificate(candidates: pd.DataFrame) -> pd.Series:
    """1.0 where the status is one of :data:`TEST_CERTIFICATE_STATUSES` (it does not chain to a trusted root) and
    the signer's folded name holds one of :data:`TEST_CERTIFICATE_WORDS` as a whole word or names the user of the
    profile folder the binary ran from (:func:`names_profile_user`, read on ``example_path``), else 0.0.

    The name is the certificate's own claim, which anyone signing with a self-made certificate can make: it
    halves the facts it would explain (``model.test_certificate_discount`` 0.5), it does not clear them, and it
    never touches the rarity, the folder, the parent, a renamed file or an impersonated vendor."""
    unchained = candidates["status_category"].isin(TEST_CERTIFICATE_STATUSES)
    test = pd.Series(0.0, index=candidates.index, dtype="float64")
    if unchained.any():  # the names of the few rows that do not chain only
        rows = candidates.loc[unchained]
        paths = _optional_text(rows, "example_path")
        test[unchained] = [
            float(
                declares_test_certificate(signer, status)
                or certificate_names_its_user(signer, status, path) is not None
            )
            for signer, status, path in zip(rows["signer"], rows["status_category"], paths, strict=True)
        ]
    return test


def declares_test_certificate(signer: object, status_category: object) -> bool:
    """Whether the signer's name says test (:data:`TEST_CERTIFICATE_WORDS`) on a certificate that does not chain
    (the reasons' phrases; the other claim is :func:`certificate_names_its_user`'s)."""
    return status_category in TEST_CERTIFICATE_STATUSES and _names_a_test(signer)


def certificate_names_its_user(signer: object, status_category: object, path: object) -> str | None:
    """The profile's user a certificate that does not chain is named after (:func:`names_profile_user`), or None
    (the reasons' phrases)."""
    return names_profile_user(signer, path) if status_category in TEST_CERTIFICATE_STATUSES else None


# A path in a user's profile: the drive, "Users", the profile folder's name (any case, either separator).
_PROFILE_USER = re.compile(r"^[a-z]:[\\/]users[\\/]([^\\/]+)[\\/]", re.IGNORECASE)
# Profile folders that belong to no one person.
SHARED_PROFILES: frozenset[str] = frozenset(("public", "default", "default user", "all users"))
PROFILE_USER_MIN_LENGTH = 3


def names_profile_user(signer: object, path: object) -> str | None:
    """The profile folder's user that the signer's folded name names, or None.

    The user is the folder under ``<drive>:\\Users\\`` of ``path`` (not a shared profile, at least
    :data:`PROFILE_USER_MIN_LENGTH` letters or digits). The signer names it when the folder's name, lower case, is
    one of its words ("contoso ffischer", ClickOnce's "CN=CONTOSO\\ffischer" folded), or when the signer has two or
    three words first ... last and the folder's letters and digits are first + last, first's initial + last or
    last + first ("farid fischer": ``ffischer``, ``farid.fischer``, ``faridfischer``, ``fischerfarid``).
    """
    if not isinstance(signer, str) or not isinstance(path, str):
        return None
    match = _PROFILE_USER.match(path)
    if match is None:
        return None
    user = match.group(1).lower()
    compact = _NOT_LETTER_OR_DIGIT.sub("", user)
    if user in SHARED_PROFILES or len(compact) < PROFILE_USER_MIN_LENGTH:
        return None
    words = [word for word in _NOT_LETTER_OR_DIGIT.split(signer.lower()) if word]
    if user in words or compact in words:
        return user
    if 2 <= len(words) <= 3:
        first, last = words[0], words[-1]
        if compact in (first + last, first[0] + last, last + first):
            return user
    return None


def _names_a_test(signer: object) -> bool:
    """The signer's name holds one of :data:`TEST_CERTIFICATE_WORDS` as a whole word (no name: no)."""
    return isinstance(signer, str) and _TEST_CERTIFICATE_NAME.search(signer) is not None


def additive_score(features: pd.DataFrame) -> pd.Series:
    """The plain sum of the suspicion features: the baseline the forest must beat (``forest_weight`` blends its
    mean into the model's score)."""
    return features.sum(axis=1).astype("float64")
