"""Microsoft Defender advanced hunting: ``DeviceProcessEvents`` (process starts) and
``DeviceFileCertificateInfo`` (the certificate of a file, joined to the starts on SHA1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from codesign_prevalence.ingest.sources.record import (
    RECORD_PROCESS_START,
    RECORD_SIGNATURE,
    SOURCE_DEFENDER,
    Fields,
    as_text,
    base_name,
    host_id_or_name,
    skipped_record,
)
from codesign_prevalence.ingest.vocabulary import defender_signature

DEFENDER_PROCESS_TABLE = "DeviceProcessEvents"
DEFENDER_CERTIFICATE_TABLE = "DeviceFileCertificateInfo"
DEFENDER_PROCESS_ACTION = "ProcessCreated"
_DEFENDER_CERTIFICATE_KEYS = ("IsTrusted", "Signer", "CertificateSerialNumber", "IsSigned", "SignerHash")
_DEFENDER_PROCESS_KEYS = ("FolderPath", "ActionType", "ProcessCommandLine", "InitiatingProcessFileName")


def defender_row(document: Mapping[str, Any]) -> tuple[str | None, Mapping[str, Any]]:
    """(table name or None, the row's columns) of a Defender export document, else (None, document).

    Understands the Streaming API's wrapper (``{"category": "AdvancedHunting-<Table>", "properties": {..}}``),
    a Log Analytics ``Type`` column, and bare advanced-hunting rows (the table told by its columns).
    """
    category = document.get("category")
    properties = document.get("properties")
    if isinstance(category, str) and category.startswith("AdvancedHunting-") and isinstance(properties, dict):
        return category[len("AdvancedHunting-") :], properties
    if "DeviceId" not in document and "DeviceName" not in document:
        return None, document
    table = document.get("Type") or document.get("$table") or document.get("Table")
    if isinstance(table, str) and table:
        return table, document
    if any(key in document for key in _DEFENDER_CERTIFICATE_KEYS):
        return DEFENDER_CERTIFICATE_TABLE, document
    if any(key in document for key in _DEFENDER_PROCESS_KEYS):
        return DEFENDER_PROCESS_TABLE, document
    return None, document


def defender_join_key(sha1: str | None) -> str | None:
    return f"defender|{sha1.strip().lower()}" if sha1 else None


def signature_type(written: str | None) -> str | None:
    """Defender's ``SignatureType`` (``Embedded``/``Catalog``) in lower case; any other value as it is."""
    if written is None:
        return None
    folded = written.strip().lower()
    return folded if folded in ("embedded", "catalog") else written


def _certificate(row: Mapping[str, Any], timestamp: str | None) -> list[str | None]:
    """A ``DeviceFileCertificateInfo`` row: a signature record (the verdict and the certificate's details)."""
    sha1 = as_text(row.get("SHA1"))
    signature = defender_signature(
        row.get("IsSigned"),
        row.get("IsTrusted"),
        as_text(row.get("Signer")),
        as_text(row.get("CertificateExpirationTime")),
        timestamp,
        as_text(row.get("SignatureState")),
    )
    certificate = Fields(
        _source=SOURCE_DEFENDER,
        _record=RECORD_SIGNATURE,
        _join_key=defender_join_key(sha1),
        sha1=sha1.lower() if sha1 else None,
        _timestamp=timestamp,
        cs_issuer_name=as_text(row.get("Issuer")),
        cs_issuer_thumbprint=as_text(row.get("IssuerHash")),
        cs_serial_number=as_text(row.get("CertificateSerialNumber")),
        cs_signer_hash=as_text(row.get("SignerHash")),
        cs_not_before=as_text(row.get("CertificateCreationTime")),
        cs_not_after=as_text(row.get("CertificateExpirationTime")),
        cs_signing_time=as_text(row.get("CertificateCountersignatureTime")),
        cs_signature_type=signature_type(as_text(row.get("SignatureType"))),
        cs_root_microsoft=as_text(row.get("IsRootSignerMicrosoft")),
    )
    return certificate.signed(signature).values()


def adapt_defender(document: Mapping[str, Any]) -> list[str | None] | None:
    """A Defender advanced-hunting row -> the output columns; None when it is not a Defender row."""
    table, row = defender_row(document)
    if table is None:
        return None
    timestamp = as_text(row.get("Timestamp")) or as_text(row.get("TimeGenerated"))
    if table == DEFENDER_CERTIFICATE_TABLE:
        return _certificate(row, timestamp)
    action = as_text(row.get("ActionType"))
    if table != DEFENDER_PROCESS_TABLE or (action is not None and action != DEFENDER_PROCESS_ACTION):
        return skipped_record(SOURCE_DEFENDER)
    device_id, report_id = as_text(row.get("DeviceId")), as_text(row.get("ReportId"))
    folder, file_name = as_text(row.get("FolderPath")), as_text(row.get("FileName"))
    executable = folder
    if folder and file_name and not folder.lower().endswith(file_name.lower()):
        executable = folder.rstrip("\\") + "\\" + file_name
    parent = as_text(row.get("InitiatingProcessFolderPath"))
    parent_name = as_text(row.get("InitiatingProcessFileName"))
    if parent and parent_name and not parent.lower().endswith(parent_name.lower()):
        parent = parent.rstrip("\\") + "\\" + parent_name
    sha1, sha256 = as_text(row.get("SHA1")), as_text(row.get("SHA256"))
    event_id = f"defender:{device_id}:{timestamp}:{report_id}" if device_id and report_id else None
    return Fields(
        _source=SOURCE_DEFENDER,
        _record=RECORD_PROCESS_START,
        event_id=event_id,
        host_id=host_id_or_name(device_id, as_text(row.get("DeviceName"))),
        host_name=as_text(row.get("DeviceName")),
        executable=executable,
        process_name=file_name or base_name(executable),
        sha256=sha256.lower() if sha256 else None,
        sha1=sha1.lower() if sha1 else None,
        pe_original_file_name=as_text(row.get("ProcessVersionInfoOriginalFileName")),
        pe_company=as_text(row.get("ProcessVersionInfoCompanyName")),
        pe_product=as_text(row.get("ProcessVersionInfoProductName")),
        pe_file_version=as_text(row.get("ProcessVersionInfoProductVersion")),
        parent_executable=parent,
        parent_name=parent_name or base_name(parent),
        user_name=as_text(row.get("AccountName")),
        user_domain=as_text(row.get("AccountDomain")),
        command_line=as_text(row.get("ProcessCommandLine")),
        _timestamp=timestamp,
        _pid=as_text(row.get("ProcessId")),
        _join_key=defender_join_key(sha1),
    ).values()
