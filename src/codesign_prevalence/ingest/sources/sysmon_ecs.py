"""Sysmon through Elastic Agent or Winlogbeat: ECS documents with ``winlog.*`` from the Sysmon provider.

The ECS walk of :class:`~.document.DocumentReader` reads these fields beside the Elastic Defend ones; the
adapter gets them through ``get`` (column name -> text or None).
"""

from __future__ import annotations

from collections.abc import Callable

from codesign_prevalence.ingest.sources.record import (
    ALL_FIELDS,
    RECORD_PROCESS_START,
    SIGNATURE_FIELDS,
    SOURCE_SYSMON_ECS,
    Fields,
    base_name,
    host_id_or_name,
    skipped_record,
)
from codesign_prevalence.ingest.sources.sysmon import (
    SYSMON_IMAGE_LOAD,
    SYSMON_PROCESS_CREATE,
    is_sysmon_text,
    own_image_load,
    sysmon_event_id,
    sysmon_join_key,
)
from codesign_prevalence.ingest.vocabulary import UNKNOWN, Signature, parse_hashes, sysmon_signature

Getter = Callable[[str], str | None]

# What the ECS walk also reads, for Sysmon through Elastic Agent / Winlogbeat.
SYSMON_ECS_FIELDS: dict[str, str] = {
    "_winlog_event_id": "winlog.event_id",
    "_winlog_provider": "winlog.provider_name",
    "_winlog_channel": "winlog.channel",
    "_winlog_computer": "winlog.computer_name",
    "_event_module": "event.module",
    "_event_provider": "event.provider",
    "_event_code": "event.code",
    "_ed_signed": "winlog.event_data.Signed",
    "_ed_status": "winlog.event_data.SignatureStatus",
    "_ed_signature": "winlog.event_data.Signature",
    "_ed_hashes": "winlog.event_data.Hashes",
    "_ed_image_loaded": "winlog.event_data.ImageLoaded",
    "_file_path": "file.path",
    "_dll_path": "dll.path",
    "_file_cs_status": "file.code_signature.status",
    "_file_cs_subject": "file.code_signature.subject_name",
    "_file_cs_exists": "file.code_signature.exists",
    "_file_cs_valid": "file.code_signature.valid",
    "_file_cs_trusted": "file.code_signature.trusted",
    "_dll_cs_status": "dll.code_signature.status",
    "_dll_cs_subject": "dll.code_signature.subject_name",
    "_dll_cs_exists": "dll.code_signature.exists",
    "_dll_cs_valid": "dll.code_signature.valid",
    "_dll_cs_trusted": "dll.code_signature.trusted",
}


def is_sysmon_ecs(get: Getter) -> bool:
    """Whether an ECS document (as walked) is Sysmon through Elastic Agent or Winlogbeat."""
    if get("_winlog_event_id") is None:
        return False
    names = ("_winlog_provider", "_winlog_channel", "_event_module", "_event_provider")
    return any(is_sysmon_text(get(name)) for name in names)


def _walked_signature(get: Getter) -> Signature:
    """The Event ID 7 verdict: Sysmon's own words from ``winlog.event_data`` when present, else the
    ``file.code_signature``/``dll.code_signature`` fields the shipper wrote (status is Sysmon's text)."""
    signed, status, signer = get("_ed_signed"), get("_ed_status"), get("_ed_signature")
    for prefix in ("_file", "_dll"):
        status = status or get(f"{prefix}_cs_status")
        signer = signer or get(f"{prefix}_cs_subject")
        if signed is None:
            exists = get(f"{prefix}_cs_exists") or get(f"{prefix}_cs_valid")
            signed = exists
    if signed is None and status is None and signer is None:
        return UNKNOWN
    return sysmon_signature(signed, status, signer)


def adapt_sysmon_ecs(get: Getter) -> list[str | None]:
    """An ECS document from Sysmon (walked over the reader's fields, read through ``get``) -> the output
    columns."""
    event_id = get("_winlog_event_id") or get("_event_code")
    if event_id not in (SYSMON_PROCESS_CREATE, SYSMON_IMAGE_LOAD):
        return skipped_record(SOURCE_SYSMON_ECS)
    host_id = host_id_or_name(get("host_id"), get("host_name"), get("_hostname"), get("_winlog_computer"))
    guid, image = get("entity_id"), get("executable")
    hashes = parse_hashes(get("_ed_hashes"))
    if event_id == SYSMON_IMAGE_LOAD:
        loaded = get("_file_path") or get("_dll_path") or get("_ed_image_loaded")
        return own_image_load(
            SOURCE_SYSMON_ECS, host_id, guid, image, loaded, lambda: _walked_signature(get), get("_timestamp"),
            hashes,
        )
    # The start's own ECS fields, but not its signature nor certificate (an ECS Sysmon start has none).
    record = Fields(**{column: get(column) for column in ALL_FIELDS if column not in SIGNATURE_FIELDS})
    record._source, record._record = SOURCE_SYSMON_ECS, RECORD_PROCESS_START
    record.event_id = get("event_id") or sysmon_event_id(host_id, guid)
    record.host_id = host_id
    record.sha256 = get("sha256") or hashes.get("sha256")
    record.sha1 = get("sha1") or hashes.get("sha1")
    record.process_name = get("process_name") or base_name(image)
    record._join_key = sysmon_join_key(host_id, guid, image)
    record._category = record._type = record._kind = None
    return record.values()
