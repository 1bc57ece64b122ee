"""Source adapters: each source's documents -> the same extracted fields, in Python on the executors.

Every document is read into the columns of :data:`ALL_FIELDS` (named after the Elastic Defend ECS fields
they come from) plus three of the adapters' own:

- ``_source``: where the document came from (``elastic_defend``, ``sysmon_ecs``, ``sysmon``,
  ``windows_event``, ``defender``);
- ``_record``: what it is for the ingest. ``process_start`` (a bronze row), ``signature`` (a record that
  carries the signature of a process start: Sysmon's Event ID 7 of a process's own image, Defender's
  ``DeviceFileCertificateInfo``), ``other`` (skipped), or null for Elastic Defend documents, which the
  Spark step classifies by ``event.category``/``event.type`` as before;
- ``_join_key``: the key that joins a process start to its signature record (Sysmon: host, ProcessGuid and
  image path, lower case; Defender: SHA1).

``--source auto`` decides per document (:func:`detect`); a forced source reads every document with that
source's adapter, and a document it cannot read is quarantined as ``not_<source>_document``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from typing import Any

from codesign_prevalence.ingest.extract import FieldExtractor, load_document
from codesign_prevalence.ingest.vocabulary import (
    UNKNOWN,
    Signature,
    defender_signature,
    parse_hashes,
    sysmon_signature,
)
from codesign_prevalence.schema import (
    ECS_BOOLEAN_FIELDS,
    ECS_EVENT_CATEGORY,
    ECS_EVENT_TYPE,
    ECS_HOST_HOSTNAME,
    ECS_PROCESS_PID,
    ECS_STRING_FIELDS,
    ECS_TIMESTAMP,
    REASON_NOT_OBJECT,
)

SOURCE_ELASTIC = "elastic_defend"
SOURCE_SYSMON_ECS = "sysmon_ecs"
SOURCE_SYSMON = "sysmon"
SOURCE_WINDOWS_EVENT = "windows_event"
SOURCE_DEFENDER = "defender"

MODE_AUTO = "auto"
MODE_ELASTIC = "elastic"
MODE_SYSMON = "sysmon"
MODE_DEFENDER = "defender"
SOURCE_MODES = (MODE_AUTO, MODE_ELASTIC, MODE_SYSMON, MODE_DEFENDER)
MODE_OF_SOURCE = {
    SOURCE_ELASTIC: MODE_ELASTIC,
    SOURCE_SYSMON_ECS: MODE_SYSMON,
    SOURCE_SYSMON: MODE_SYSMON,
    SOURCE_WINDOWS_EVENT: MODE_SYSMON,
    SOURCE_DEFENDER: MODE_DEFENDER,
}

RECORD_PROCESS_START = "process_start"
RECORD_SIGNATURE = "signature"
RECORD_OTHER = "other"
REASON_NOT_SOURCE = "not_{mode}_document"

SOURCE_COLUMN = "_source"
RECORD_COLUMN = "_record"
JOIN_KEY_COLUMN = "_join_key"
ADAPTER_COLUMNS = (SOURCE_COLUMN, RECORD_COLUMN, JOIN_KEY_COLUMN)

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
ALL_FIELDS: dict[str, str] = {**ECS_STRING_FIELDS, **ECS_BOOLEAN_FIELDS, **EXTRA_FIELDS}
OUTPUT_COLUMNS: tuple[str, ...] = (*ALL_FIELDS, *ADAPTER_COLUMNS)

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
WALKED_FIELDS: dict[str, str] = {**ALL_FIELDS, **SYSMON_ECS_FIELDS}

_SIGNATURE_COLUMNS = ("cs_exists", "cs_trusted", "cs_valid", "cs_status", "cs_subject_name")


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
    _timestamp: str | None = None
    _category: str | None = None
    _type: str | None = None
    _kind: str | None = None
    _hostname: str | None = None
    _pid: str | None = None
    _source: str | None = None
    _record: str | None = None
    _join_key: str | None = None

    def values(self) -> list[str | None]:
        """The values in the order of :data:`OUTPUT_COLUMNS`."""
        return [getattr(self, name) for name in OUTPUT_COLUMNS]

    def signed(self, signature: Signature) -> Fields:
        """These fields with the ``cs_*`` columns of a signature verdict."""
        self.cs_exists, self.cs_trusted, self.cs_valid, self.cs_status, self.cs_subject_name = signature.texts()
        return self


if tuple(spec.name for spec in dataclass_fields(Fields)) != OUTPUT_COLUMNS:
    raise RuntimeError("Fields must name the columns of OUTPUT_COLUMNS, in their order")
_WALKED = {name: index for index, name in enumerate(WALKED_FIELDS)}

SYSMON_PROCESS_CREATE = "1"
SYSMON_IMAGE_LOAD = "7"
DEFENDER_PROCESS_TABLE = "DeviceProcessEvents"
DEFENDER_CERTIFICATE_TABLE = "DeviceFileCertificateInfo"
DEFENDER_PROCESS_ACTION = "ProcessCreated"
_DEFENDER_CERTIFICATE_KEYS = ("IsTrusted", "Signer", "CertificateSerialNumber", "IsSigned", "SignerHash")
_DEFENDER_PROCESS_KEYS = ("FolderPath", "ActionType", "ProcessCommandLine", "InitiatingProcessFileName")


# ---------------------------------------------------------------------------------------------- detection


def _is_sysmon_text(value: object) -> bool:
    return isinstance(value, str) and "sysmon" in value.lower()


def _defender_row(document: Mapping[str, Any]) -> tuple[str | None, Mapping[str, Any]]:
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


def detect(document: Mapping[str, Any]) -> str:
    """The source of one parsed document, from its shape (``--source auto``).

    Raw Windows event JSON has a top-level ``EventID`` (Sysmon when its provider or channel says so);
    Defender rows have ``DeviceId``/``DeviceName`` and Defender's columns (or the Streaming API wrapper);
    Sysmon through Elastic Agent or Winlogbeat has ``winlog.*`` from the Sysmon provider (nested or dotted);
    everything else is read as Elastic Defend.
    """
    if "EventID" in document:
        names = (document.get(key) for key in ("SourceName", "ProviderName", "Channel", "Provider_Name"))
        return SOURCE_SYSMON if any(_is_sysmon_text(name) for name in names) else SOURCE_WINDOWS_EVENT
    if _defender_row(document)[0] is not None:
        return SOURCE_DEFENDER
    return SOURCE_ELASTIC  # Sysmon-through-ECS is told apart after the ECS walk (see DocumentReader)


# ---------------------------------------------------------------------------------------------- helpers


def _text(value: object) -> str | None:
    """A raw document value as text; empty and Sysmon's ``-`` placeholder are missing."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value if isinstance(value, str) else str(value)
    return None if text.strip() in ("", "-") else text


def _base_name(path: str | None) -> str | None:
    if not path:
        return None
    return path.replace("/", "\\").rsplit("\\", 1)[-1] or None


def _user(text: str | None) -> tuple[str | None, str | None]:
    """``DOMAIN\\name`` -> (name, domain)."""
    if not text:
        return None, None
    domain, slash, name = text.rpartition("\\")
    return (name or None, domain or None) if slash else (text, None)


def _host_id(host_id: str | None, *names: str | None) -> str | None:
    """``host.id`` when the source has one, else the first host name, lower case (raw Sysmon has only names)."""
    if host_id:
        return host_id
    for name in names:
        if name:
            return name.strip().lower()
    return None


def sysmon_join_key(host_id: str | None, process_guid: str | None, image: str | None) -> str | None:
    """The key that joins a Sysmon process start (Event ID 1) to the image load of its own image (ID 7)."""
    if not (host_id and process_guid and image):
        return None
    return f"sysmon|{host_id.lower()}|{process_guid.strip().lower()}|{image.strip().lower()}"


def defender_join_key(sha1: str | None) -> str | None:
    return f"defender|{sha1.strip().lower()}" if sha1 else None


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


def _other(source: str) -> list[str | None]:
    """A document of a known source that is neither a process start nor a signature record (skipped)."""
    return Fields(_source=source, _record=RECORD_OTHER).values()


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
        return _other(source)
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


# ---------------------------------------------------------------------------------------------- raw Sysmon


def sysmon_timestamp(document: Mapping[str, Any]) -> str | None:
    """The event time of a raw Sysmon document: ``UtcTime`` (Sysmon's own, UTC), else ``@timestamp``, else
    ``TimeCreated``, else NXLog's ``EventTime`` (both read as UTC when they carry no zone)."""
    utc = sysmon_utc_time(_text(document.get("UtcTime")))
    if utc:
        return utc
    for key in ("@timestamp", "TimeCreated", "EventTime"):
        value = _text(document.get(key))
        if value:
            return value
    return None


def adapt_raw_sysmon(document: Mapping[str, Any], source: str = SOURCE_SYSMON) -> list[str | None]:
    """A raw Sysmon (or other Windows event) JSON document with flat keys -> the output columns."""
    event_id = _text(document.get("EventID"))
    if source != SOURCE_SYSMON or event_id not in (SYSMON_PROCESS_CREATE, SYSMON_IMAGE_LOAD):
        return _other(source)
    image = _text(document.get("Image"))
    guid = _text(document.get("ProcessGuid"))
    host_name = _text(document.get("Hostname")) or _text(document.get("Computer"))
    host_id = _host_id(None, host_name)
    hashes = parse_hashes(_text(document.get("Hashes")))
    if event_id == SYSMON_IMAGE_LOAD:

        def signature() -> Signature:
            signed, status = _text(document.get("Signed")), _text(document.get("SignatureStatus"))
            return sysmon_signature(signed, status, _text(document.get("Signature")))

        loaded = _text(document.get("ImageLoaded"))
        return own_image_load(source, host_id, guid, image, loaded, signature, sysmon_timestamp(document), hashes)
    user_name, user_domain = _user(_text(document.get("User")))
    parent = _text(document.get("ParentImage"))
    return Fields(
        _source=source,
        _record=RECORD_PROCESS_START,
        event_id=sysmon_event_id(host_id, guid),
        host_id=host_id,
        host_name=host_name,
        executable=image,
        process_name=_base_name(image),
        sha256=hashes.get("sha256"),
        sha1=hashes.get("sha1"),
        pe_original_file_name=_text(document.get("OriginalFileName")),
        pe_company=_text(document.get("Company")),
        pe_product=_text(document.get("Product")),
        pe_file_version=_text(document.get("FileVersion")),
        parent_executable=parent,
        parent_name=_base_name(parent),
        user_name=user_name,
        user_domain=user_domain,
        command_line=_text(document.get("CommandLine")),
        entity_id=guid,
        _timestamp=sysmon_timestamp(document),
        _pid=_text(document.get("ProcessId")),
        _join_key=sysmon_join_key(host_id, guid, image),
    ).values()


# ---------------------------------------------------------------------------------------------- Sysmon in ECS


def is_sysmon_ecs(walked: list[str | None]) -> bool:
    """Whether an ECS document (as walked) is Sysmon through Elastic Agent or Winlogbeat."""
    if walked[_WALKED["_winlog_event_id"]] is None:
        return False
    names = ("_winlog_provider", "_winlog_channel", "_event_module", "_event_provider")
    return any(_is_sysmon_text(walked[_WALKED[name]]) for name in names)


def _walked_signature(walked: list[str | None]) -> Signature:
    """The Event ID 7 verdict: Sysmon's own words from ``winlog.event_data`` when present, else the
    ``file.code_signature``/``dll.code_signature`` fields the shipper wrote (status is Sysmon's text)."""

    def get(name: str) -> str | None:
        return walked[_WALKED[name]]

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


def adapt_sysmon_ecs(walked: list[str | None]) -> list[str | None]:
    """An ECS document from Sysmon (walked over :data:`WALKED_FIELDS`) -> the output columns."""

    def get(name: str) -> str | None:
        return walked[_WALKED[name]]

    event_id = get("_winlog_event_id") or get("_event_code")
    if event_id not in (SYSMON_PROCESS_CREATE, SYSMON_IMAGE_LOAD):
        return _other(SOURCE_SYSMON_ECS)
    host_id = _host_id(get("host_id"), get("host_name"), get("_hostname"), get("_winlog_computer"))
    guid, image = get("entity_id"), get("executable")
    hashes = parse_hashes(get("_ed_hashes"))
    if event_id == SYSMON_IMAGE_LOAD:
        loaded = get("_file_path") or get("_dll_path") or get("_ed_image_loaded")
        return own_image_load(
            SOURCE_SYSMON_ECS, host_id, guid, image, loaded, lambda: _walked_signature(walked), get("_timestamp"),
            hashes,
        )
    # The start's own ECS fields, but not its signature (an ECS Sysmon start carries none of its own).
    record = Fields(**{column: get(column) for column in ALL_FIELDS if column not in _SIGNATURE_COLUMNS})
    record._source, record._record = SOURCE_SYSMON_ECS, RECORD_PROCESS_START
    record.event_id = get("event_id") or sysmon_event_id(host_id, guid)
    record.host_id = host_id
    record.sha256 = get("sha256") or hashes.get("sha256")
    record.sha1 = get("sha1") or hashes.get("sha1")
    record.process_name = get("process_name") or _base_name(image)
    record._join_key = sysmon_join_key(host_id, guid, image)
    record._category = record._type = record._kind = None
    return record.values()


# ---------------------------------------------------------------------------------------------- Defender


def adapt_defender(document: Mapping[str, Any]) -> list[str | None] | None:
    """A Defender advanced-hunting row -> the output columns; None when it is not a Defender row."""
    table, row = _defender_row(document)
    if table is None:
        return None
    timestamp = _text(row.get("Timestamp")) or _text(row.get("TimeGenerated"))
    if table == DEFENDER_CERTIFICATE_TABLE:
        sha1 = _text(row.get("SHA1"))
        signature = defender_signature(
            row.get("IsSigned"),
            row.get("IsTrusted"),
            _text(row.get("Signer")),
            _text(row.get("CertificateExpirationTime")),
            timestamp,
            _text(row.get("SignatureState")),
        )
        certificate = Fields(
            _source=SOURCE_DEFENDER,
            _record=RECORD_SIGNATURE,
            _join_key=defender_join_key(sha1),
            sha1=sha1.lower() if sha1 else None,
            _timestamp=timestamp,
        )
        return certificate.signed(signature).values()
    action = _text(row.get("ActionType"))
    if table != DEFENDER_PROCESS_TABLE or (action is not None and action != DEFENDER_PROCESS_ACTION):
        return _other(SOURCE_DEFENDER)
    device_id, report_id = _text(row.get("DeviceId")), _text(row.get("ReportId"))
    folder, file_name = _text(row.get("FolderPath")), _text(row.get("FileName"))
    executable = folder
    if folder and file_name and not folder.lower().endswith(file_name.lower()):
        executable = folder.rstrip("\\") + "\\" + file_name
    parent = _text(row.get("InitiatingProcessFolderPath"))
    parent_name = _text(row.get("InitiatingProcessFileName"))
    if parent and parent_name and not parent.lower().endswith(parent_name.lower()):
        parent = parent.rstrip("\\") + "\\" + parent_name
    sha1, sha256 = _text(row.get("SHA1")), _text(row.get("SHA256"))
    event_id = f"defender:{device_id}:{timestamp}:{report_id}" if device_id and report_id else None
    return Fields(
        _source=SOURCE_DEFENDER,
        _record=RECORD_PROCESS_START,
        event_id=event_id,
        host_id=_host_id(device_id, _text(row.get("DeviceName"))),
        host_name=_text(row.get("DeviceName")),
        executable=executable,
        process_name=file_name or _base_name(executable),
        sha256=sha256.lower() if sha256 else None,
        sha1=sha1.lower() if sha1 else None,
        pe_original_file_name=_text(row.get("ProcessVersionInfoOriginalFileName")),
        pe_company=_text(row.get("ProcessVersionInfoCompanyName")),
        pe_product=_text(row.get("ProcessVersionInfoProductName")),
        pe_file_version=_text(row.get("ProcessVersionInfoProductVersion")),
        parent_executable=parent,
        parent_name=parent_name or _base_name(parent),
        user_name=_text(row.get("AccountName")),
        user_domain=_text(row.get("AccountDomain")),
        command_line=_text(row.get("ProcessCommandLine")),
        _timestamp=timestamp,
        _pid=_text(row.get("ProcessId")),
        _join_key=defender_join_key(sha1),
    ).values()


# ---------------------------------------------------------------------------------------------- reader


class DocumentReader:
    """Reads one JSON line into :data:`OUTPUT_COLUMNS` with the adapter of its source.

    ``mode`` is ``auto`` (decide per document), or a forced ``elastic``/``sysmon``/``defender``. Same
    contract as :class:`~codesign_prevalence.ingest.extract.FieldExtractor`: ``extract(text)`` gives
    (values, parse error or None, whether the line is blank).
    """

    def __init__(self, mode: str = MODE_AUTO) -> None:
        if mode not in SOURCE_MODES:
            raise ValueError(f"unknown source {mode!r}; expected one of {', '.join(SOURCE_MODES)}")
        self.mode = mode
        self.names = list(OUTPUT_COLUMNS)
        self._walker = FieldExtractor(WALKED_FIELDS)
        self._elastic_width = len(ALL_FIELDS)

    def extract(self, text: str | None) -> tuple[list[str | None], str | None, bool]:
        if text is None or text.strip(" ") == "":
            return [None] * len(self.names), None, True
        document, error = load_document(text)
        if error is not None:
            return [None] * len(self.names), error, False
        assert isinstance(document, dict)
        values, error = self.adapt(document, text)
        return values, error, False

    def adapt(self, document: dict[str, Any], text: str = "") -> tuple[list[str | None], str | None]:
        """(output values, quarantine reason or None) of one parsed JSON object."""
        mode = self.mode
        detected = detect(document) if mode == MODE_AUTO else None
        if mode == MODE_DEFENDER or detected == SOURCE_DEFENDER:
            adapted = adapt_defender(document)
            if adapted is None:
                return self._not_source(mode)
            return adapted, None
        if mode == MODE_SYSMON and "EventID" in document:
            detected = detect(document)
        if detected in (SOURCE_SYSMON, SOURCE_WINDOWS_EVENT):
            return adapt_raw_sysmon(document, detected), None
        walked = self._walker.walk(document, text)
        if mode != MODE_ELASTIC and is_sysmon_ecs(walked):
            return adapt_sysmon_ecs(walked), None
        if mode == MODE_SYSMON:
            return self._not_source(mode)
        values = [*walked[: self._elastic_width], SOURCE_ELASTIC, None, None]
        return values, None

    def _not_source(self, mode: str) -> tuple[list[str | None], str | None]:
        return [None] * len(self.names), REASON_NOT_SOURCE.format(mode=mode)


def adapt_document(document: object, mode: str = MODE_AUTO) -> dict[str, str | None]:
    """One parsed document -> {column: text} (a convenience for tests and the README's examples)."""
    if not isinstance(document, dict):
        return {"_parse_error": REASON_NOT_OBJECT}
    values, error = DocumentReader(mode).adapt(document)
    result = dict(zip(OUTPUT_COLUMNS, values, strict=True))
    if error is not None:
        result["_parse_error"] = error
    return result
