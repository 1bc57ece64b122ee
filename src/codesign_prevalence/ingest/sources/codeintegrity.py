"""Windows Code Integrity (``Microsoft-Windows-CodeIntegrity/Operational``) as Winlogbeat or Elastic Agent
ship it: ``winlog.channel``, ``winlog.provider_name``, ``winlog.event_id``, ``winlog.record_id``,
``winlog.activity_id`` (the event's Correlation ActivityID), ``winlog.event_data.*``, ``host.*``,
``@timestamp``.

The event data's names are Microsoft's (WDAC "Understanding Application Control event IDs" and "event
tags"); exports spell some without spaces (``SHA256FlatHash``, ``FileNameBuffer``), and both are read:

- 3033 (blocked: did not meet the signing level) and 3077 (blocked by an enforced WDAC policy) are
  ``blocked`` enforcement facts, 3034 and 3076 (their audit-mode equivalents: would have been blocked) are
  ``audited`` ones: ``File Name``, ``Process Name``, ``SHA256 Flat Hash`` (the file's SHA-256, the one
  process events carry), ``SHA1 Flat Hash``, ``SHA256 Hash`` (the Authenticode hash), ``PolicyName``,
  ``PolicyID``/``PolicyGUID``, ``Requested Signing Level``, ``Validated Signing Level``, ``Status``;
- 3089 is the signature information of the file of such an event, one per signature (``Signature`` is its
  index of ``TotalSignatureCount``; an unsigned file has one with a count of 0), correlated by the activity
  id: ``PublisherName``, ``IssuerName``, ``PublisherTBSHash``, ``IssuerTBSHash``, ``NotValidBefore``,
  ``NotValidAfter``, ``SignatureType``, ``VerificationError``;
- every other event of the channel (policy activation, 3004 kernel loads, ...) is skipped.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from codesign_prevalence.ingest.sources.record import (
    RECORD_CODEINTEGRITY_EVENT,
    RECORD_CODEINTEGRITY_SIGNATURE,
    SOURCE_CODEINTEGRITY,
    Fields,
    host_id_or_name,
    skipped_record,
)

Getter = Callable[[str], str | None]

CODEINTEGRITY_PROVIDER = "Microsoft-Windows-CodeIntegrity"
CODEINTEGRITY_CHANNEL = "Microsoft-Windows-CodeIntegrity/Operational"
ACTION_BLOCKED = "blocked"
ACTION_AUDITED = "audited"
ENFORCEMENT_EVENTS: dict[str, str] = {
    "3033": ACTION_BLOCKED,
    "3034": ACTION_AUDITED,
    "3076": ACTION_AUDITED,
    "3077": ACTION_BLOCKED,
}
SIGNATURE_EVENT = "3089"
_DATA = "winlog.event_data."
# Each value of an event: the spellings of its event data name, first found wins.
_SPELLINGS: dict[str, tuple[str, ...]] = {
    "file_name": ("File Name", "FileName", "FileNameBuffer"),
    "process_name": ("Process Name", "ProcessName", "ProcessNameBuffer"),
    "sha256_flat": ("SHA256 Flat Hash", "SHA256FlatHash"),
    "sha1_flat": ("SHA1 Flat Hash", "SHA1FlatHash"),
    "sha256_authenticode": ("SHA256 Hash", "SHA256Hash"),
    "policy_name": ("PolicyName", "Policy Name", "PolicyNameBuffer"),
    "policy_id": ("PolicyID", "PolicyId", "PolicyGUID"),
    "requested_level": ("Requested Signing Level", "RequestedSigningLevel"),
    "validated_level": ("Validated Signing Level", "ValidatedSigningLevel"),
    "status": ("Status",),
    "total_signatures": ("TotalSignatureCount",),
    "signature_index": ("Signature",),
    "signature_type": ("SignatureType",),
    "verification_error": ("VerificationError",),
    "not_before": ("NotValidBefore",),
    "not_after": ("NotValidAfter",),
    "publisher": ("PublisherName",),
    "issuer": ("IssuerName",),
    "publisher_tbs": ("PublisherTBSHash",),
    "issuer_tbs": ("IssuerTBSHash",),
}
CODEINTEGRITY_FIELDS: dict[str, str] = {
    "_winlog_record_id": "winlog.record_id",
    "_winlog_activity_id": "winlog.activity_id",
    **{f"_ci_{name}_{index}": _DATA + spelling for name, spellings in _SPELLINGS.items()
       for index, spelling in enumerate(spellings)},
}
# SignatureType of 3089 (event tags): 1 embedded; 3-6 a catalog (cached, uncached, hinted, AppX/MSIX).
_SIGNATURE_TYPES = {"1": "embedded", "3": "catalog", "4": "catalog", "5": "catalog", "6": "catalog"}


def is_codeintegrity(get: Getter) -> bool:
    """Whether an ECS document (as walked) is a Code Integrity event shipped by Winlogbeat / Elastic Agent."""
    if get("_winlog_event_id") is None:
        return False
    names = (get("_winlog_channel"), get("_winlog_provider"), get("_event_provider"))
    return any(name is not None and "codeintegrity" in name.lower() for name in names)


def _value(get: Getter, name: str) -> str | None:
    for index in range(len(_SPELLINGS[name])):
        found = get(f"_ci_{name}_{index}")
        if found is not None and found.strip():
            return found
    return None


def _hex(text: str | None) -> str | None:
    return text.strip().lower() if text else None


def signature_type(code: str | None) -> str | None:
    """3089's numeric ``SignatureType`` -> ``embedded`` / ``catalog``; 0 (unsigned) none; others as they are."""
    if code is None or code.strip() == "0":
        return None
    return _SIGNATURE_TYPES.get(code.strip(), code.strip())


def codeintegrity_key(host_id: str | None, activity_id: str | None) -> str | None:
    """The key that joins an enforcement event to its 3089 signature records: host and activity id."""
    if not (host_id and activity_id):
        return None
    return f"codeintegrity|{host_id.lower()}|{activity_id.strip().strip('{}').lower()}"


def _event_id(host_id: str | None, record: str | None, code: str | None) -> str | None:
    """One id per event of one host's log (its record id, else its activity id), whichever shipper sent it."""
    if not (host_id and record):
        return None
    return f"codeintegrity:{host_id.lower()}:{record.strip().strip('{}').lower()}:{code}"


def adapt_codeintegrity(get: Getter) -> list[str | None]:
    """A Code Integrity ECS document (walked, read through ``get``) -> the output columns: an enforcement
    event, a signature record (3089), or a skipped record. ``_detail`` holds what only this source has, as
    JSON text."""
    code = get("_winlog_event_id") or get("_event_code")
    host_id = host_id_or_name(get("host_id"), get("host_name"), get("_hostname"), get("_winlog_computer"))
    activity = get("_winlog_activity_id")
    key = codeintegrity_key(host_id, activity)
    if code == SIGNATURE_EVENT:
        detail = {name: _value(get, name) for name in ("signature_index", "total_signatures", "verification_error")}
        return Fields(
            _source=SOURCE_CODEINTEGRITY,
            _record=RECORD_CODEINTEGRITY_SIGNATURE,
            _join_key=key,
            host_id=host_id,
            _timestamp=get("_timestamp"),
            cs_subject_name=_value(get, "publisher"),
            cs_issuer_name=_value(get, "issuer"),
            cs_signer_hash=_hex(_value(get, "publisher_tbs")),
            cs_issuer_thumbprint=_hex(_value(get, "issuer_tbs")),
            cs_not_before=_value(get, "not_before"),
            cs_not_after=_value(get, "not_after"),
            cs_signature_type=signature_type(_value(get, "signature_type")),
            _detail=json.dumps(detail, separators=(",", ":")),
        ).values()
    action = ENFORCEMENT_EVENTS.get(code or "")
    if action is None:
        return skipped_record(SOURCE_CODEINTEGRITY)
    record_id = get("_winlog_record_id")
    detail = {
        "event_code": code,
        "action": action,
        "process_path": _value(get, "process_name"),
        "authenticode_sha256": _hex(_value(get, "sha256_authenticode")),
        "policy_name": _value(get, "policy_name"),
        "policy_id": _value(get, "policy_id"),
        "requested_signing_level": _value(get, "requested_level"),
        "validated_signing_level": _value(get, "validated_level"),
        "status": _value(get, "status"),
        "activity_id": activity,
    }
    file_name = _value(get, "file_name") or get("_file_path")
    return Fields(
        _source=SOURCE_CODEINTEGRITY,
        _record=RECORD_CODEINTEGRITY_EVENT,
        _join_key=key,
        event_id=_event_id(host_id, record_id or activity, code),
        host_id=host_id,
        host_name=get("host_name") or get("_winlog_computer"),
        executable=file_name,
        sha256=_hex(_value(get, "sha256_flat")),
        sha1=_hex(_value(get, "sha1_flat")),
        _timestamp=get("_timestamp"),
        _detail=json.dumps(detail, separators=(",", ":")),
    ).values()
