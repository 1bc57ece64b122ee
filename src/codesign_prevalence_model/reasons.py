"""Why a binary scored high: a contribution per present fact, on a scale that does not saturate, as phrases.

Every model feature is one-sided: 0 where its fact is absent, up to 1 where it is as suspicious as it gets.
The contribution of feature ``j`` to a binary with features ``x`` is

    ``(s(x) - s(x with x_j = 0)) + x_j / k``

the drop of the model's score ``s`` when that one fact is taken away (occlusion), plus the fact's own share
of the additive score (its value over the ``k`` features). The first term follows the model: how much less
anomalous the binary would look without that fact. It saturates: a binary that three facts already isolate
at the root of every tree is isolated no sooner by a fourth, so occluding any one of them leaves the forest's
score where it was, and occlusion alone would name none of them. The second term never saturates: it keeps
every present fact in the list and orders the facts where the forest has no preference.
Every present fact (value above 0) whose contribution is at least ``min_contribution`` is a *reason*; a
binary keeps its ``top_n`` largest, largest first. A binary with no suspicious fact has no reasons.
Occlusion is not a Shapley value (correlated facts are not additive): it answers "which single fact, taken
away, would lower the score most", the question an analyst triaging a row asks.

Each reason is rendered from the binary's raw candidate columns ("hash seen on 1 of 412 hosts",
"certificate revoked", "runs from a Temp folder, where this signer's other binaries never run").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from codesign_prevalence_model.features import (
    KnownName,
    certificate_names_its_user,
    declares_test_certificate,
    names_a_publisher,
    path_file_name,
    random_folder_of,
    well_known_name,
)

ScoreFunction = Callable[[np.ndarray], np.ndarray]

STATUS_PHRASES: dict[str, str] = {
    "revoked": "certificate revoked",
    "expired": "certificate expired",
    "untrusted_root": "certificate chains to an untrusted root (self-signed or private CA)",
    "chaining": "certificate chain cannot be built",
    "bad_digest": "file changed after signing (bad digest)",
    "invalid": "signature invalid",
    "other": "unusual signature status",
    "trusted": "certificate trusted",
    "unsigned_or_unknown": "signature status unknown",
}
PATH_CLASS_PHRASES: dict[str, str] = {
    "temp": "a Temp folder",
    "downloads": "Downloads",
    "users_public": "C:\\Users\\Public",
    "appdata": "AppData",
    "programdata": "ProgramData",
    "program_files": "Program Files",
    "system": "the Windows folder",
    "other": "an unusual folder",
}


def occlusion_contributions(
    score: ScoreFunction, features: pd.DataFrame, baseline: Mapping[str, float]
) -> pd.DataFrame:
    """Per row and feature: score drop when that feature alone is set to its baseline (0: the fact absent)."""
    matrix = features.to_numpy(dtype="float64", copy=True)
    full = score(matrix)
    drops: dict[str, np.ndarray] = {}
    for position, name in enumerate(features.columns):
        occluded = matrix.copy()
        occluded[:, position] = baseline[name]
        drops[name] = full - score(occluded)
    return pd.DataFrame(drops, index=features.index)


def fact_contributions(
    score: ScoreFunction, features: pd.DataFrame, baseline: Mapping[str, float]
) -> pd.DataFrame:
    """Per row and feature: the occlusion drop of ``score`` plus the feature's share of the additive score."""
    drops = occlusion_contributions(score, features, baseline)
    shares = features.sub(pd.Series(baseline), axis="columns").clip(lower=0.0) / max(1, features.shape[1])
    return drops + shares.loc[:, drops.columns]


def _text(value: Any, default: str = "?") -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return default
    return str(value)


def _count(value: Any) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0


def _share(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if np.isnan(number) else number


def _hash_rarity(row: Mapping[str, Any]) -> str:
    return f"hash seen on {_count(row['hash_host_count'])} of {_count(row['fleet_hosts'])} hosts"


def _signer_obscurity(row: Mapping[str, Any]) -> str:
    signer, binaries = _text(row["signer"], "(no signer)"), _count(row["signer_other_hash_count"])
    if binaries == 0:
        return f"signer '{signer}' signs no other binary in the fleet"
    widest = row.get("signer_widest_other_host_count")
    if not pd.isna(widest):
        return (
            f"signer '{signer}' has no widespread binary: its other binaries ({binaries}) run on at most"
            f" {_plural(_count(widest), 'host')} each"
        )
    others = _count(row["signer_other_host_count"])
    if others == 0:
        return f"signer '{signer}' runs on no host beyond this binary's"
    return f"signer '{signer}' seen on only {_plural(others, 'other host')}"


def _signer_spread(row: Mapping[str, Any]) -> str:
    signer, binaries = _text(row["signer"], "(no signer)"), _count(row["signer_other_hash_count"])
    hosts, widest = _count(row["signer_other_host_count"]), _count(row.get("signer_widest_other_host_count"))
    others = f"{binaries} other {'binary' if binaries == 1 else 'binaries'}"
    return (
        f"signer '{signer}' reaches {_plural(hosts, 'other host')} through {others},"
        f" none of them on more than {_plural(widest, 'host')}"
    )


def _status_severity(row: Mapping[str, Any]) -> str:
    phrase = STATUS_PHRASES.get(_text(row["status_category"]), STATUS_PHRASES["other"])
    if declares_test_certificate(row["signer"], row["status_category"]):
        return f"{phrase}; its name says test certificate ('{_text(row['signer'])}')"
    user = certificate_names_its_user(row["signer"], row["status_category"], row.get("example_path"))
    if user is not None:
        return f"{phrase}; it is named after the user whose profile runs it ('{_text(row['signer'])}', '{user}')"
    return phrase


def _status_surprise(row: Mapping[str, Any]) -> str:
    good = 1.0 - _share(row["signer_anomalous_status_share"])
    return f"{_status_severity(row)}, although {good:.0%} of signer '{_text(row['signer'])}' runs are validly signed"


def _certificate_impostor(row: Mapping[str, Any]) -> str:
    hosts, same = _count(row["signer_other_host_count"]), _count(row.get("certificate_other_host_count"))
    if names_a_publisher(row["signer"]) and (hosts == 0 or same >= hosts):  # the catalogue's fact, not the fleet's
        return (
            f"{_status_severity(row)}, under '{_text(row['signer'])}', a well-known publisher's name, whose own"
            " certificates chain to a public root"
        )
    under = "none of them" if same == 0 else f"only {_plural(same, 'host')}"
    return (
        f"{_status_severity(row)}, and it is not the certificate of '{_text(row['signer'])}': that name's other"
        f" binaries run on {_plural(hosts, 'host')}, {under} under this certificate"
    )


def _publisher_lapsed(row: Mapping[str, Any]) -> str:
    return (
        f"certificate expired, under '{_text(row['signer'])}', a well-known publisher's name: publishers timestamp"
        " their signatures, so this one was signed after the certificate lapsed (a leaked certificate?)"
    )


def _path_surprise(row: Mapping[str, Any]) -> str:
    place = PATH_CLASS_PHRASES.get(_text(row["path_class"]), PATH_CLASS_PHRASES["other"])
    share = _share(row["signer_path_class_share"])
    if share <= 0.0:
        return f"runs from {place}, where this signer's other binaries never run"
    return f"runs from {place}, where this signer's other binaries rarely run ({share:.1%} of their runs)"


def _signer_not_in_path(row: Mapping[str, Any]) -> str:
    return f"path does not name signer '{_text(row['signer'])}' (no folder or file named after it)"


def _path_impersonation(row: Mapping[str, Any]) -> str:
    vendor, hosts = _text(row.get("path_vendor")), _count(row.get("path_vendor_host_count"))
    return (
        f"path names '{vendor}', a vendor whose own binaries run on {_plural(hosts, 'host')},"
        f" but the signer is '{_text(row['signer'])}'"
    )


def _name_impersonation(row: Mapping[str, Any]) -> str:
    owner, hosts = _text(row.get("name_owner")), _count(row.get("name_owner_host_count"))
    word, spelt = _text(row.get("name_owner_word"), ""), _text(row.get("name_word"), "")
    if not word:  # candidates written before the words were kept
        held = "the name of a product"
    elif spelt and spelt != word:
        held = f"'{spelt}', a misspelling of '{word}', the name of a product"
    else:
        held = f"'{word}', the name of a product"
    return (
        f"file name holds {held} of '{owner}', whose binaries with that name run on {_plural(hosts, 'host')},"
        f" but the signer is '{_text(row['signer'])}'"
    )


def _name_copy(row: Mapping[str, Any]) -> str:
    owner, hosts = _text(row.get("name_copy_signer")), _count(row.get("name_copy_host_count"))
    fleet = _count(row.get("fleet_hosts"))
    return (
        f"file name is that of binaries '{owner}' runs on {hosts} of {_plural(fleet, 'host')},"
        f" but the signer is '{_text(row['signer'])}'"
    )


def _known_name(row: Mapping[str, Any]) -> str:
    known = well_known_name(row.get("example_path")) or KnownName(())
    name = path_file_name(_text(row.get("example_path")))
    what = "a well-known program's" if known.imitated is None else f"an imitation of Windows' '{known.imitated}.exe'"
    return (
        f"file name '{name}' is {what}, published by {' or '.join(repr(w) for w in known.publishers)},"
        f" but the signer is '{_text(row['signer'], '(no signer)')}'"
    )


def _document_lure(row: Mapping[str, Any]) -> str:
    return (
        "file name is a document lure's: a document's extension before its own, or a business document's word and"
        " number"
    )


def _random_folder(row: Mapping[str, Any]) -> str:
    folder = random_folder_of(row.get("example_path")) or "?"
    return f"runs from a folder of a random name, '{folder}', where programs keep folders named after themselves"


def _masquerade(row: Mapping[str, Any]) -> str:
    company, renamed = bool(row["pe_company_mismatch"]), bool(row["original_name_mismatch"])
    parts = []
    if company:
        parts.append(f"pe.company does not match signer '{_text(row['signer'])}'")
    if renamed:
        parts.append("file renamed (pe.original_file_name differs)")
    return " and ".join(parts) if parts else "PE header does not match the file"


def _company_mismatch(row: Mapping[str, Any]) -> str:
    return f"pe.company does not match signer '{_text(row['signer'])}'"


def _company_surprise(row: Mapping[str, Any]) -> str:
    company, signer = _text(row.get("mismatched_company"), ""), _text(row["signer"])
    named = f"pe.company '{company}'" if company else "pe.company"
    if pd.isna(row.get("company_other_host_count")):
        return f"{named} does not match signer '{signer}'"
    others = _count(row.get("company_other_host_count"))
    if others == 0:
        return f"{named} does not match signer '{signer}', and no other binary of the signer names it"
    return f"{named} does not match signer '{signer}', paired with it on only {_plural(others, 'other host')}"


def _company_impersonation(row: Mapping[str, Any]) -> str:
    company, hosts = _text(row.get("mismatched_company"), "?"), _count(row.get("company_signer_host_count"))
    return (
        f"pe.company claims '{company}', a vendor whose own certificate signs binaries on {_plural(hosts, 'host')},"
        f" but the signer is '{_text(row['signer'])}'"
    )


def _renamed(row: Mapping[str, Any]) -> str:
    return "file renamed (pe.original_file_name differs)"


def _lolbin_parent(row: Mapping[str, Any]) -> str:
    share, parent = _share(row["lolbin_parent_share"]), _text(row["example_parent"], "unknown parent")
    return f"{share:.0%} of its runs started by a LOLBin or Office app (most frequent parent: {parent})"


def _task_parent(row: Mapping[str, Any]) -> str:
    parent = _text(row["example_parent"], "unknown parent")
    return f"most often started by {parent}, the process the Task Scheduler starts tasks from: a scheduled task?"


# How each of gold/candidates' REMOTE_PARENTS starts a program (remote_parent's reason).
REMOTE_CHANNELS: Mapping[str, str] = {
    "wmiprvse.exe": "WMI, from another host or a script",
    "wsmprovhost.exe": "PowerShell remoting, from another host",
    "winrshost.exe": "WinRS, from another host",
    "scrcons.exe": "a WMI event subscription (persistence)",
}


def _remote_parent(row: Mapping[str, Any]) -> str:
    parent, hosts = _text(row.get("remote_parent"), "unknown parent"), _count(row.get("remote_parent_host_count"))
    channel = REMOTE_CHANNELS.get(parent.lower(), "remote execution")
    return f"started by {parent} on {_plural(hosts, 'host')}: through {channel}?"


def _signer_recency(row: Mapping[str, Any]) -> str:
    days, history = _count(row["signer_days_since_first_seen"]), _count(row.get("fleet_history_days"))
    signer = _text(row["signer"])
    return f"signer '{signer}' new to the fleet: first seen {_ago(days)}, in {_plural(history, 'day')} of history"


def _hash_new(row: Mapping[str, Any]) -> str:
    days, history = _count(row.get("hash_days_since_first_seen")), _count(row.get("fleet_history_days"))
    return f"binary new to the fleet: first run {_ago(days)}, after {_plural(history - days, 'day')} of watching"


def _ago(days: int) -> str:
    return "today" if days == 0 else f"{_plural(days, 'day')} ago"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _issuer_rarity(row: Mapping[str, Any]) -> str:
    issuer, others = _text(row.get("issuer"), "(unknown issuer)"), _count(row.get("issuer_other_host_count"))
    if others == 0:
        return f"certificate issuer '{issuer}' signs nothing else seen in the fleet"
    return f"certificate issuer '{issuer}' signs binaries on only {_plural(others, 'other host')}"


def _cert_age(row: Mapping[str, Any]) -> str:
    days = _count(row.get("cert_age_days"))
    if days == 0:
        return "certificate issued the day this binary first ran"
    return f"certificate issued {_plural(days, 'day')} before this binary first ran"


def _cert_short_lifetime(row: Mapping[str, Any]) -> str:
    return f"certificate valid for only {_plural(_count(row.get('cert_lifetime_days')), 'day')}"


def _ci_enforcement(row: Mapping[str, Any]) -> str:
    blocked, audited = _count(row.get("ci_blocked_host_count")), _count(row.get("ci_audited_host_count"))
    if blocked and audited:
        return f"Code Integrity blocked it on {_plural(blocked, 'host')} and audited it on {_plural(audited, 'host')}"
    if blocked:
        return f"Code Integrity blocked it on {_plural(blocked, 'host')}"
    return f"Code Integrity audited it on {_plural(audited, 'host')} (an enforced policy would block it)"


PHRASES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "hash_rarity": _hash_rarity,
    "signer_obscurity": _signer_obscurity,
    "signer_spread": _signer_spread,
    "status_severity": _status_severity,
    "status_surprise": _status_surprise,
    "certificate_impostor": _certificate_impostor,
    "publisher_lapsed": _publisher_lapsed,
    "path_surprise": _path_surprise,
    "signer_not_in_path": _signer_not_in_path,
    "path_impersonation": _path_impersonation,
    "name_impersonation": _name_impersonation,
    "name_copy": _name_copy,
    "known_name": _known_name,
    "document_lure": _document_lure,
    "random_folder": _random_folder,
    "company_mismatch": _company_mismatch,
    "company_surprise": _company_surprise,
    "company_impersonation": _company_impersonation,
    "renamed": _renamed,
    "masquerade": _masquerade,
    "lolbin_parent": _lolbin_parent,
    "task_parent": _task_parent,
    "remote_parent": _remote_parent,
    "signer_recency": _signer_recency,
    "hash_new": _hash_new,
    "issuer_rarity": _issuer_rarity,
    "cert_age": _cert_age,
    "cert_short_lifetime": _cert_short_lifetime,
    "ci_enforcement": _ci_enforcement,
}


# A reason whose phrase already says what another one would: keep only the first (the fuller one).
SUBSUMES: dict[str, tuple[str, ...]] = {
    "certificate_impostor": ("status_surprise", "status_severity"),
    "publisher_lapsed": ("status_surprise", "status_severity"),
    "status_surprise": ("status_severity",),
    "company_impersonation": ("company_surprise", "company_mismatch"),
    "company_surprise": ("company_mismatch",),
    "name_copy": ("name_impersonation",),
}

# Facts named whenever they are present, whether or not the model weighs them: a Code Integrity block or audit
# is an event a host logged about this very file, not a statistical oddity. A model that does not read it as a
# feature (``ci_enforcement`` is not in the default list: benchmarks/README.md) names it after its own reasons.
EVIDENCE: tuple[str, ...] = ("ci_enforcement",)


def top_reasons(
    contributions: pd.Series, features: pd.Series, baseline: Mapping[str, float], top_n: int, min_contribution: float
) -> list[str]:
    """Feature names of one row's reasons: value above the baseline, contribution >= the minimum, largest first."""
    eligible = [
        name
        for name in contributions.index
        if features[name] > baseline[name] and contributions[name] >= min_contribution
    ]
    eligible.sort(key=lambda name: (-contributions[name], name))
    subsumed = {other for name in eligible for other in SUBSUMES.get(name, ())}
    return [name for name in eligible if name not in subsumed][:top_n]


def render_reasons(
    candidates: pd.DataFrame,
    features: pd.DataFrame,
    contributions: pd.DataFrame,
    baseline: Mapping[str, float],
    top_n: int,
    min_contribution: float,
    evidence: pd.DataFrame | None = None,
) -> list[list[str]]:
    """For each row, its reasons as phrases (see the module docstring), most important first.

    ``evidence``: one column per :data:`EVIDENCE` fact the model does not read as a feature (values as the
    feature's, 0 where absent); each present one is named after the model's reasons, beyond ``top_n``.
    """
    present = evidence.gt(0.0) if evidence is not None else pd.DataFrame(index=candidates.index)
    rendered: list[list[str]] = []
    for index in candidates.index:
        row = candidates.loc[index]
        names = top_reasons(contributions.loc[index], features.loc[index], baseline, top_n, min_contribution)
        names += [name for name in present.columns[present.loc[index].to_numpy(dtype=bool)] if name not in names]
        rendered.append([PHRASES[name](row) for name in names])
    return rendered


def reason_names(
    features: pd.DataFrame,
    contributions: pd.DataFrame,
    baseline: Mapping[str, float],
    top_n: int,
    min_contribution: float,
) -> Sequence[list[str]]:
    """The feature names behind each row's reasons (for tests and analysis), most important first."""
    return [
        top_reasons(contributions.loc[index], features.loc[index], baseline, top_n, min_contribution)
        for index in features.index
    ]
