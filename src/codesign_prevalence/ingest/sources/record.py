"""The record every source adapter fills (one document read into the ingest's columns), and the helpers the
adapters share."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import fields as dataclass_fields

from codesign_prevalence.ingest.vocabulary import Signature
from codesign_prevalence.schema import (
    CERTIFICATE_COLUMNS,
    ECS_BOOLEAN_FIELDS,
    ECS_CERTIFICATE_FIELDS,
    ECS_EVENT_CATEGORY,
    ECS_EVENT_TYPE,
    ECS_HOST_HOSTNAME,
    ECS_PROCESS_PID,
    ECS_STRING_FIELDS,
    ECS_TIMESTAMP,
)

SOURCE_ELASTIC = "elastic_defend"
SOURCE_SYSMON_ECS = "sysmon_ecs"
SOURCE_SYSMON = "sysmon"
SOURCE_WINDOWS_EVENT = "windows_event"
SOURCE_DEFENDER = "defender"
SOURCE_CODEINTEGRITY = "codeintegrity"

RECORD_PROCESS_START = "process_start"
RECORD_SIGNATURE = "signature"
RECORD_OTHER = "other"
# Code Integrity: an enforcement event (a row of bronze/codeintegrity_events) and a 3089 signature record.
RECORD_CODEINTEGRITY_EVENT = "codeintegrity_event"
RECORD_CODEINTEGRITY_SIGNATURE = "codeintegrity_signature"

SOURCE_COLUMN = "_source"
RECORD_COLUMN = "_record"
JOIN_KEY_COLUMN = "_join_key"
DETAIL_COLUMN = "_detail"  # what only one source has, as JSON text (Code Integrity's policy and levels)
ADAPTER_COLUMNS = (SOURCE_COLUMN, RECORD_COLUMN, JOIN_KEY_COLUMN, DETAIL_COLUMN)

EVENT_KIND = "event.kind"
# Every ECS field the ingest reads, by a column name of our own.
EXTRA_FIELDS: dict[str, str] = {
    "_timestamp": ECS_TIMESTAMP,
    "_category": ECS_EVENT_CATEGORY,
    "_type": ECS_EVENT_TYPE,
    "_kind": EVENT_KIND,
    "_hostname": ECS_HOST_HOSTNAME,
    "_pid": ECS_PROCESS_PID,
}
ALL_FIELDS: dict[str, str] = {**ECS_STRING_FIELDS, **ECS_BOOLEAN_FIELDS, **ECS_CERTIFICATE_FIELDS, **EXTRA_FIELDS}
# Certificate columns that no ECS field carries: only the adapters of the sources that have them fill them.
ADAPTER_CERTIFICATE_COLUMNS: tuple[str, ...] = tuple(
    column for column in CERTIFICATE_COLUMNS if column not in ECS_CERTIFICATE_FIELDS
)
OUTPUT_COLUMNS: tuple[str, ...] = (*ALL_FIELDS, *ADAPTER_CERTIFICATE_COLUMNS, *ADAPTER_COLUMNS)

# A process's signature: its verdict and its certificate's details (all from one record, never mixed).
SIGNATURE_FIELDS: tuple[str, ...] = (
    "cs_exists", "cs_trusted", "cs_valid", "cs_status", "cs_subject_name", *CERTIFICATE_COLUMNS
)


@dataclass(slots=True)
class Fields:
    """One document read into the ingest's columns, by name (:data:`OUTPUT_COLUMNS`, in that order); None is
    missing. Adapters build it by keyword, so a misspelt column fails the type check (or at the call), instead
    of filling the wrong position."""

    event_id: str | None = None
    host_id: str | None = None
    host_name: str | None = None
    executable: str | None = None
    process_name: str | None = None
    sha256: str | None = None
    sha1: str | None = None
    cs_status: str | None = None
    cs_subject_name: str | None = None
    cs_thumbprint_sha256: str | None = None
    pe_original_file_name: str | None = None
    pe_company: str | None = None
    pe_product: str | None = None
    pe_file_version: str | None = None
    parent_executable: str | None = None
    parent_name: str | None = None
    user_name: str | None = None
    user_domain: str | None = None
    command_line: str | None = None
    entity_id: str | None = None
    cs_exists: str | None = None
    cs_trusted: str | None = None
    cs_valid: str | None = None
    cs_signing_time: str | None = None
    cs_digest_algorithm: str | None = None
    _timestamp: str | None = None
    _category: str | None = None
    _type: str | None = None
    _kind: str | None = None
    _hostname: str | None = None
    _pid: str | None = None
    cs_issuer_name: str | None = None
    cs_serial_number: str | None = None
    cs_issuer_thumbprint: str | None = None
    cs_signer_hash: str | None = None
    cs_not_before: str | None = None
    cs_not_after: str | None = None
    cs_signature_type: str | None = None
    cs_root_microsoft: str | None = None
    _source: str | None = None
    _record: str | None = None
    _join_key: str | None = None
    _detail: str | None = None

    def values(self) -> list[str | None]:
        """The values in the order of :data:`OUTPUT_COLUMNS`."""
        return [getattr(self, name) for name in OUTPUT_COLUMNS]

    def signed(self, signature: Signature) -> Fields:
        """These fields with the ``cs_*`` columns of a signature verdict."""
        self.cs_exists, self.cs_trusted, self.cs_valid, self.cs_status, self.cs_subject_name = signature.texts()
        return self


if tuple(spec.name for spec in dataclass_fields(Fields)) != OUTPUT_COLUMNS:
    raise RuntimeError("Fields must name the columns of OUTPUT_COLUMNS, in their order")


def as_text(value: object) -> str | None:
    """A raw document value as text; empty and Sysmon's ``-`` placeholder are missing."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    written = value if isinstance(value, str) else str(value)
    return None if written.strip() in ("", "-") else written


def base_name(path: str | None) -> str | None:
    if not path:
        return None
    return path.replace("/", "\\").rsplit("\\", 1)[-1] or None


def split_user(written: str | None) -> tuple[str | None, str | None]:
    """``DOMAIN\\name`` -> (name, domain)."""
    if not written:
        return None, None
    domain, slash, name = written.rpartition("\\")
    return (name or None, domain or None) if slash else (written, None)


def host_id_or_name(given: str | None, *names: str | None) -> str | None:
    """``host.id`` when the source has one, else the first host name, lower case (raw Sysmon has only names)."""
    if given:
        return given
    for name in names:
        if name:
            return name.strip().lower()
    return None


def skipped_record(source: str) -> list[str | None]:
    """A document of a known source that is neither a process start nor a signature record (skipped)."""
    return Fields(_source=source, _record=RECORD_OTHER).values()
