"""Raw Sysmon JSON (flat keys: ``EventID``, ``Image``, ``Hashes``, ``UtcTime``, ...), and what the Sysmon
adapters share with :mod:`.sysmon_ecs`: the join of a process start (Event ID 1) to the image load of its
own image (Event ID 7), which carries its signature."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from codesign_prevalence.ingest.sources.record import (
    RECORD_PROCESS_START,
    RECORD_SIGNATURE,
    SOURCE_SYSMON,
    Fields,
    as_text,
    base_name,
    host_id_or_name,
    skipped_record,
    split_user,
)
from codesign_prevalence.ingest.vocabulary import Signature, parse_hashes, sysmon_signature

SYSMON_PROCESS_CREATE = "1"
SYSMON_IMAGE_LOAD = "7"


def is_sysmon_text(value: object) -> bool:
    return isinstance(value, str) and "sysmon" in value.lower()


def sysmon_join_key(host_id: str | None, process_guid: str | None, image: str | None) -> str | None:
    """The key that joins a Sysmon process start (Event ID 1) to the image load of its own image (ID 7)."""
    if not (host_id and process_guid and image):
        return None
    return f"sysmon|{host_id.lower()}|{process_guid.strip().lower()}|{image.strip().lower()}"


def sysmon_event_id(host_id: str | None, process_guid: str | None) -> str | None:
    """One id per Sysmon process, whichever shipper wrote it (so copies of one event deduplicate)."""
    if not (host_id and process_guid):
        return None
    return f"sysmon:{host_id.lower()}:{process_guid.strip().lower()}"


def sysmon_utc_time(text: str | None) -> str | None:
    """Sysmon's ``UtcTime`` (``2021-06-12 01:07:17.666``, UTC without a zone) as ISO-8601 with ``Z``."""
    if not text:
        return None
    value = text.strip()
    if len(value) >= 19 and value[10] in " T" and not value.endswith(("Z", "z")) and "+" not in value[10:]:
        return value[:10] + "T" + value[11:] + "Z"
    return value


def own_image_load(
    source: str,
    host_id: str | None,
    process_guid: str | None,
    image: str | None,
    loaded: str | None,
    signature: Callable[[], Signature],
    timestamp: str | None,
    hashes: Mapping[str, str],
) -> list[str | None]:
    """A Sysmon image load (Event ID 7), raw or through ECS: a signature record when the process loaded its
    own image (the verdict of the process's executable), else a skipped record (a DLL, another file)."""
    if not (image and loaded and image.strip().lower() == loaded.strip().lower()):
        return skipped_record(source)
    record = Fields(
        _source=source,
        _record=RECORD_SIGNATURE,
        _join_key=sysmon_join_key(host_id, process_guid, loaded),
        sha256=hashes.get("sha256"),
        sha1=hashes.get("sha1"),
        host_id=host_id,
        executable=loaded,
        _timestamp=timestamp,
    )
    return record.signed(signature()).values()


def sysmon_timestamp(document: Mapping[str, Any]) -> str | None:
    """The event time of a raw Sysmon document: ``UtcTime`` (Sysmon's own, UTC), else ``@timestamp``, else
    ``TimeCreated``, else NXLog's ``EventTime`` (both read as UTC when they carry no zone)."""
    utc = sysmon_utc_time(as_text(document.get("UtcTime")))
    if utc:
        return utc
    for key in ("@timestamp", "TimeCreated", "EventTime"):
        value = as_text(document.get(key))
        if value:
            return value
    return None


def adapt_raw_sysmon(document: Mapping[str, Any], source: str = SOURCE_SYSMON) -> list[str | None]:
    """A raw Sysmon (or other Windows event) JSON document with flat keys -> the output columns."""
    event_id = as_text(document.get("EventID"))
    if source != SOURCE_SYSMON or event_id not in (SYSMON_PROCESS_CREATE, SYSMON_IMAGE_LOAD):
        return skipped_record(source)
    image = as_text(document.get("Image"))
    guid = as_text(document.get("ProcessGuid"))
    host_name = as_text(document.get("Hostname")) or as_text(document.get("Computer"))
    host_id = host_id_or_name(None, host_name)
    hashes = parse_hashes(as_text(document.get("Hashes")))
    if event_id == SYSMON_IMAGE_LOAD:

        def signature() -> Signature:
            signed, status = as_text(document.get("Signed")), as_text(document.get("SignatureStatus"))
            return sysmon_signature(signed, status, as_text(document.get("Signature")))

        loaded = as_text(document.get("ImageLoaded"))
        return own_image_load(source, host_id, guid, image, loaded, signature, sysmon_timestamp(document), hashes)
    user_name, user_domain = split_user(as_text(document.get("User")))
    parent = as_text(document.get("ParentImage"))
    return Fields(
        _source=source,
        _record=RECORD_PROCESS_START,
        event_id=sysmon_event_id(host_id, guid),
        host_id=host_id,
        host_name=host_name,
        executable=image,
        process_name=base_name(image),
        sha256=hashes.get("sha256"),
        sha1=hashes.get("sha1"),
        pe_original_file_name=as_text(document.get("OriginalFileName")),
        pe_company=as_text(document.get("Company")),
        pe_product=as_text(document.get("Product")),
        pe_file_version=as_text(document.get("FileVersion")),
        parent_executable=parent,
        parent_name=base_name(parent),
        user_name=user_name,
        user_domain=user_domain,
        command_line=as_text(document.get("CommandLine")),
        entity_id=guid,
        _timestamp=sysmon_timestamp(document),
        _pid=as_text(document.get("ProcessId")),
        _join_key=sysmon_join_key(host_id, guid, image),
    ).values()
