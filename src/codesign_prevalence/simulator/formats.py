"""The simulated fleet in the other sources' formats: one Elastic Defend event stream rewritten, line by line,
as raw Sysmon JSON, Sysmon through Elastic Agent/Winlogbeat (ECS), or Microsoft Defender rows.

The rewriting is deterministic (the same Elastic line always gives the same lines), so the duplicates and
dirty lines of the Elastic stream stay duplicates and dirty lines:

- a process start becomes Sysmon's Event ID 1 followed by the Event ID 7 of its own image (which carries the
  signature), or Defender's ``DeviceProcessEvents`` row plus a ``DeviceFileCertificateInfo`` row the first
  time a file (SHA1) is seen with a given verdict on a device;
- process end, network and file events become Sysmon's Event IDs 5, 3 and 11 (Defender: rows of
  ``DeviceNetworkEvents``/``DeviceFileEvents``/``DeviceProcessEvents`` with another action), which the
  ingest skips;
- lines that are not JSON objects are written unchanged; JSON documents with a missing or bad field keep
  the defect in the new format (no host name, no image, no SHA256 in ``Hashes``, an unreadable time).

The signature is written in each source's own words (:data:`~codesign_prevalence.ingest.vocabulary.
SYSMON_STATUS_TEXT`); Defender has one certificate verdict per file, so a file whose status changes during
the simulated period gets a new certificate row on each change, and the ingest keeps the first.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codesign_prevalence.ingest.vocabulary import (
    STATUS_EXPIRED,
    STATUS_TRUSTED,
    STATUS_UNTRUSTED_ROOT,
    SYSMON_STATUS_TEXT,
    parse_time,
)
from codesign_prevalence.simulator.certificates import CERTIFICATES_FILE, Registry, load_registry

FORMAT_ELASTIC = "elastic"
FORMAT_SYSMON = "sysmon"
FORMAT_SYSMON_ECS = "sysmon_ecs"
FORMAT_DEFENDER = "defender"
FORMATS = (FORMAT_ELASTIC, FORMAT_SYSMON, FORMAT_SYSMON_ECS, FORMAT_DEFENDER)

SYSMON_PROVIDER = "Microsoft-Windows-Sysmon"
SYSMON_CHANNEL = "Microsoft-Windows-Sysmon/Operational"
_GUID_NAMESPACE = uuid.UUID("6f1b3c52-6a0e-4c1e-9d0f-1f4e2b8a7c11")
_OTHER_EVENT_IDS = {"end": 5, "network": 3, "file": 11}


@dataclass
class FormatCounts:
    lines_in: int = 0
    lines_out: int = 0
    process_starts: int = 0
    signature_records: int = 0
    other_events: int = 0
    passed_through: int = 0


def _expand(document: dict[str, Any]) -> dict[str, Any]:
    """Dotted keys (``{"process.hash": {...}}``, ``{"a.b": 1}``) -> nested objects; nested wins on clashes."""
    nested: dict[str, Any] = {}
    for key, value in sorted(document.items(), key=lambda item: item[0].count(".")):
        value = _expand(value) if isinstance(value, dict) else value
        *parents, leaf = key.split(".")
        node = nested
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            if isinstance(node.get(leaf), dict) and isinstance(value, dict):
                node[leaf] = {**value, **node[leaf]}
            else:
                node.setdefault(leaf, value)
    return nested


def _get(document: dict[str, Any], dotted: str) -> Any:
    node: Any = document
    for key in dotted.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _kind(document: dict[str, Any]) -> str | None:
    category = _get(document, "event.category")
    types = _get(document, "event.type")
    categories = category if isinstance(category, list) else [category]
    kinds = types if isinstance(types, list) else [types]
    if "process" in categories and "start" in kinds:
        return "start"
    if "process" in categories and "end" in kinds:
        return "end"
    if "network" in categories:
        return "network"
    if "file" in categories:
        return "file"
    return None


def _guid(document: dict[str, Any], line: str) -> str:
    seed = _get(document, "event.id") or _get(document, "process.entity_id") or hashlib.sha1(line.encode()).hexdigest()
    return "{" + str(uuid.uuid5(_GUID_NAMESPACE, str(seed))) + "}"


def _utc_time(timestamp: Any) -> Any:
    """Elastic's ``@timestamp`` as Sysmon's ``UtcTime`` (``2026-11-20 08:00:00.125``); unreadable text as is."""
    parsed = parse_time(timestamp) if isinstance(timestamp, str) else None
    if parsed is None:
        return timestamp
    return parsed.strftime("%Y-%m-%d %H:%M:%S.") + f"{parsed.microsecond // 1000:03d}"


def _hashes(document: dict[str, Any]) -> str:
    pieces = [
        (name, _get(document, f"process.hash.{key}"))
        for name, key in (("SHA1", "sha1"), ("MD5", "md5"), ("SHA256", "sha256"))
    ]
    return ",".join(f"{name}={value.upper()}" for name, value in pieces if isinstance(value, str) and value)


def _sysmon_signature(document: dict[str, Any]) -> tuple[str, str, str]:
    """(Signed, SignatureStatus, Signature) as Sysmon writes them for the process's code signature."""
    signature = _get(document, "process.code_signature") or {}
    if not signature.get("exists", False):
        return "false", "Unavailable", "-"
    status = signature.get("status") or STATUS_TRUSTED
    return "true", SYSMON_STATUS_TEXT.get(status, status), signature.get("subject_name") or "-"


def _user(document: dict[str, Any]) -> str | None:
    name, domain = _get(document, "user.name"), _get(document, "user.domain")
    if name is None:
        return None
    return f"{domain}\\{name}" if domain else str(name)


def _drop_none(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if value is not None}


# ------------------------------------------------------------------------------------------- raw Sysmon


def to_raw_sysmon(document: dict[str, Any], line: str) -> list[dict[str, Any]]:
    kind = _kind(document)
    common = {
        "SourceName": SYSMON_PROVIDER,
        "Channel": SYSMON_CHANNEL,
        "Hostname": _get(document, "host.name"),
        "UtcTime": _utc_time(document.get("@timestamp")),
        "ProcessGuid": _guid(document, line),
        "ProcessId": _get(document, "process.pid"),
        "Image": _get(document, "process.executable"),
    }
    if kind != "start":
        return [_drop_none({"EventID": _OTHER_EVENT_IDS.get(kind or "", 255), **common})]
    start = {
        "EventID": 1,
        **common,
        "FileVersion": _get(document, "process.pe.file_version"),
        "Product": _get(document, "process.pe.product"),
        "Company": _get(document, "process.pe.company"),
        "OriginalFileName": _get(document, "process.pe.original_file_name"),
        "CommandLine": _get(document, "process.command_line"),
        "User": _user(document),
        "Hashes": _hashes(document),
        "ParentImage": _get(document, "process.parent.executable"),
    }
    signed, status, signer = _sysmon_signature(document)
    load = {
        "EventID": 7,
        **common,
        "ImageLoaded": common["Image"],
        "Hashes": _hashes(document),
        "Signed": signed,
        "Signature": signer,
        "SignatureStatus": status,
    }
    return [_drop_none(start), _drop_none(load)]


# ------------------------------------------------------------------------------------------- Sysmon in ECS


def _winlog(event_id: int) -> dict[str, Any]:
    return {"event_id": str(event_id), "provider_name": SYSMON_PROVIDER, "channel": SYSMON_CHANNEL}


def to_sysmon_ecs(document: dict[str, Any], line: str) -> list[dict[str, Any]]:
    kind = _kind(document)
    guid = _guid(document, line)
    host = {"name": _get(document, "host.name")} if _get(document, "host.name") is not None else {}
    if kind != "start":
        event_id = _OTHER_EVENT_IDS.get(kind or "", 255)
        other = {
            "@timestamp": document.get("@timestamp"),
            "event": {"code": str(event_id), "module": "sysmon"},
            "host": host,
            "process": {"entity_id": guid},
            "winlog": _winlog(event_id),
        }
        return [other]
    process = dict(_get(document, "process") or {})
    process.pop("code_signature", None)
    process["entity_id"] = guid
    start = {
        "@timestamp": document.get("@timestamp"),
        "event": {"category": ["process"], "type": ["start"], "kind": "event", "code": "1", "module": "sysmon"},
        "host": host,
        "user": document.get("user"),
        "process": process,
        "winlog": _winlog(1),
    }
    signed, status, signer = _sysmon_signature(document)
    executable = process.get("executable")
    load = {
        "@timestamp": document.get("@timestamp"),
        "event": {"category": ["process"], "type": ["change"], "kind": "event", "code": "7", "module": "sysmon"},
        "host": host,
        "process": _drop_none({"entity_id": guid, "executable": executable, "pid": process.get("pid")}),
        "file": _drop_none({"path": executable, "code_signature": {"status": status, "subject_name": signer}}),
        "winlog": {**_winlog(7), "event_data": {"Signed": signed, "SignatureStatus": status, "Signature": signer}},
    }
    return [_drop_none(start), load]


# ------------------------------------------------------------------------------------------- Defender


def _certificate_columns(entry: dict[str, Any]) -> dict[str, Any]:
    """A registry entry as ``DeviceFileCertificateInfo``'s certificate columns."""
    return {
        "Issuer": entry["issuer"],
        "IssuerHash": entry["issuer_thumbprint"],
        "CertificateSerialNumber": entry["serial_number"],
        "CertificateCreationTime": entry["not_before"],
        "CertificateExpirationTime": entry["not_after"],
        "CertificateCountersignatureTime": entry["signing_time"],
        "IsRootSignerMicrosoft": entry["root_microsoft"],
        "SignatureType": entry["signature_type"].capitalize(),
        "SignerHash": hashlib.sha1(entry["thumbprint_sha256"].encode(), usedforsecurity=False).hexdigest(),
    }


def _defender_verdict(document: dict[str, Any], registry: Registry | None = None) -> dict[str, Any]:
    signature = _get(document, "process.code_signature") or {}
    if not signature.get("exists", False):
        return {"IsSigned": False, "IsTrusted": False}
    status = signature.get("status") or STATUS_TRUSTED
    seen = parse_time(document.get("@timestamp")) or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    verdict: dict[str, Any] = {
        "IsSigned": True,
        "IsTrusted": status == STATUS_TRUSTED,
        "Signer": signature.get("subject_name"),
        "Issuer": "CN=Simulated CA",
    }
    entry = (registry or {}).get(signature.get("thumbprint_sha256") or "")
    if entry is not None:
        verdict.update(_certificate_columns(entry))
    # The expiration time agrees with the status (Defender's verdict is read from it): an expired signature's
    # certificate expired before the row, another one's did not (a timestamped signature outlives its
    # certificate, which Defender cannot tell apart from an untrusted root).
    expires = parse_time(verdict.get("CertificateExpirationTime"))
    if status == STATUS_EXPIRED:
        if expires is None or expires >= seen:
            verdict["CertificateExpirationTime"] = (seen - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    else:
        if expires is None or (status != STATUS_TRUSTED and expires < seen):
            verdict["CertificateExpirationTime"] = (seen + dt.timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
        if status not in (STATUS_TRUSTED, STATUS_UNTRUSTED_ROOT):
            verdict["SignatureState"] = SYSMON_STATUS_TEXT.get(status, status)
    return verdict


class DefenderWriter:
    """Remembers which (device, SHA1, verdict) already has a certificate row."""

    def __init__(self, registry: Registry | None = None) -> None:
        self._certified: set[tuple[Any, Any, str]] = set()
        self._registry = registry or {}

    def rows(self, document: dict[str, Any], line: str) -> list[dict[str, Any]]:
        kind = _kind(document)
        report_id = int(hashlib.sha1(_guid(document, line).encode()).hexdigest()[:12], 16)
        device = {
            "Timestamp": document.get("@timestamp"),
            "DeviceId": _get(document, "host.id"),
            "DeviceName": _get(document, "host.name"),
            "ReportId": report_id,
        }
        if kind != "start":
            table = {"network": "DeviceNetworkEvents", "file": "DeviceFileEvents"}.get(
                kind or "", "DeviceProcessEvents"
            )
            action = {"network": "ConnectionSuccess", "file": "FileCreated"}.get(kind or "", "ProcessTerminated")
            return [{"Type": table, **_drop_none(device), "ActionType": action}]
        executable = _get(document, "process.executable")
        sha1 = _get(document, "process.hash.sha1")
        process = {
            **device,
            "Type": "DeviceProcessEvents",
            "ActionType": "ProcessCreated",
            "FileName": _get(document, "process.name"),
            "FolderPath": executable,
            "SHA1": sha1,
            "SHA256": _get(document, "process.hash.sha256"),
            "MD5": _get(document, "process.hash.md5"),
            "ProcessId": _get(document, "process.pid"),
            "ProcessCommandLine": _get(document, "process.command_line"),
            "ProcessVersionInfoCompanyName": _get(document, "process.pe.company"),
            "ProcessVersionInfoProductName": _get(document, "process.pe.product"),
            "ProcessVersionInfoProductVersion": _get(document, "process.pe.file_version"),
            "ProcessVersionInfoOriginalFileName": _get(document, "process.pe.original_file_name"),
            "AccountName": _get(document, "user.name"),
            "AccountDomain": _get(document, "user.domain"),
            "InitiatingProcessFolderPath": _get(document, "process.parent.executable"),
            "InitiatingProcessFileName": _get(document, "process.parent.name"),
        }
        rows = [_drop_none(process)]
        verdict = _defender_verdict(document, self._registry)
        key = (device["DeviceId"], sha1, json.dumps(verdict.get("IsTrusted")) + str(verdict.get("SignatureState")))
        if sha1 and key not in self._certified:
            self._certified.add(key)
            rows.append(
                _drop_none(
                    {**device, "Type": "DeviceFileCertificateInfo", "SHA1": sha1, **verdict, "ReportId": report_id + 1}
                )
            )
        return rows


# ------------------------------------------------------------------------------------------- conversion


def convert_lines(
    lines: Iterator[str], fmt: str, counts: FormatCounts, registry: Registry | None = None
) -> Iterator[str]:
    """Elastic Defend lines -> lines of ``fmt``, counting what was written; ``registry`` holds the details of
    the certificates (:func:`load_registry`) for the formats that carry them."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    defender = DefenderWriter(registry)
    for line in lines:
        counts.lines_in += 1
        try:
            document = json.loads(line)
        except ValueError:
            document = None
        if fmt == FORMAT_ELASTIC or not isinstance(document, dict):
            counts.passed_through += fmt != FORMAT_ELASTIC
            counts.lines_out += 1
            yield line
            continue
        document = _expand(document)
        if fmt == FORMAT_SYSMON:
            out = to_raw_sysmon(document, line)
        elif fmt == FORMAT_SYSMON_ECS:
            out = to_sysmon_ecs(document, line)
        else:
            out = defender.rows(document, line)
        if _kind(document) == "start":
            counts.process_starts += 1
            counts.signature_records += len(out) - 1
        else:
            counts.other_events += len(out)
        for item in out:
            counts.lines_out += 1
            yield json.dumps(item, separators=(",", ":"), ensure_ascii=False)


def convert_events(elastic_path: Path, out_path: Path, fmt: str) -> FormatCounts:
    """Rewrite an Elastic Defend ``events.ndjson.gz`` as ``fmt`` into ``out_path`` (deterministic gzip), with the
    certificate details of the fleet's ``certificates.csv`` beside it, when there is one."""
    counts = FormatCounts()
    registry = load_registry(elastic_path.with_name(CERTIFICATES_FILE))
    with (
        gzip.open(elastic_path, "rt", encoding="utf-8") as source,
        out_path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=1) as target,
    ):
        lines = (line.rstrip("\n") for line in source)
        for text in convert_lines(lines, fmt, counts, registry):
            target.write((text + "\n").encode("utf-8"))
    return counts


def rewrite_fleet(events_path: Path, fmt: str) -> FormatCounts:
    """Replace a generated fleet's Elastic Defend ``events.ndjson.gz`` by the same events in ``fmt``."""
    if fmt == FORMAT_ELASTIC:
        return FormatCounts()
    partial = events_path.with_name(events_path.name + f".{fmt}.partial")
    counts = convert_events(events_path, partial, fmt)
    partial.replace(events_path)
    return counts
