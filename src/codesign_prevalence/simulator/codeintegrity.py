"""Windows Code Integrity events for a simulated fleet, as Winlogbeat / Elastic Agent ship them.

A share of the hosts (``audit_share``, chosen by a hash of the host id and the seed) runs a WDAC policy in
audit mode that allows what Microsoft signed and the publishers the organisation trusts by name (the seed
rule's allow-list), and nothing else. On those hosts, the first start of each other binary on each day logs
a 3076 (audited: would have been blocked) and its 3089 signature information (publisher, issuer, validity of
the certificate; an unsigned file's 3089 has a signature count of 0), correlated by one activity id. Benign
tools the policy does not know (niche utilities, internal tools, developers' builds, per-user installers) are
audited as much as the attacks that run there: hard negatives, not a label.

The events are read from the fleet's Elastic Defend stream and its ``certificates.csv``; the stream itself
is not changed, so a seed's events, labels and counts are the same with or without them.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from codesign_prevalence.config import SEED_ALLOWED_PUBLISHERS

CODEINTEGRITY_FILE = "codeintegrity.ndjson.gz"
AUDIT_SHARE = 0.25
_NAMESPACE = uuid.UUID("0c7e5f3a-9d41-4b8e-a6f2-5e3c1d9b7a20")
_ALLOWED = {name.casefold() for name in SEED_ALLOWED_PUBLISHERS}
_AUDIT_POLICY = ("Contoso WDAC Audit", "{A244370E-44C9-4C06-B551-F6016E563076}")
_TYPE_CODES = {"embedded": "1", "catalog": "4"}


def audited_host(host_id: str, seed: int, share: float = AUDIT_SHARE) -> bool:
    """Whether ``host_id`` runs the audit-mode policy (a stable choice per seed and host)."""
    digest = int(hashlib.sha256(f"{seed}|wdac|{host_id}".encode()).hexdigest()[:8], 16)
    return digest % 10_000 < share * 10_000


def _start(document: dict[str, Any]) -> bool:
    kinds = (document.get("event") or {}).get("type") or []
    return "start" in (kinds if isinstance(kinds, list) else [kinds])


def allowed(signature: dict[str, Any], registry: dict[str, dict[str, Any]]) -> bool:
    """The policy's allow rules: a valid signature from Microsoft's roots, or from a publisher it names."""
    if not signature.get("exists") or signature.get("status") != "trusted":
        return False
    entry = registry.get(signature.get("thumbprint_sha256") or "", {})
    return bool(entry.get("root_microsoft")) or str(signature.get("subject_name", "")).casefold() in _ALLOWED


def _device_path(path: str) -> str:
    """``C:\\x`` as Code Integrity writes it, ``\\Device\\HarddiskVolume3\\x``."""
    return "\\Device\\HarddiskVolume3" + path[2:] if len(path) > 2 and path[1] == ":" else path


def _document(base: dict[str, Any], code: int, record: int, activity: str, data: dict[str, Any]) -> dict[str, Any]:
    host = base["host"]
    return {
        "@timestamp": base["@timestamp"],
        "agent": {"type": "winlogbeat"},
        "event": {"code": str(code), "kind": "event", "provider": "Microsoft-Windows-CodeIntegrity"},
        "host": host,
        "winlog": {
            "channel": "Microsoft-Windows-CodeIntegrity/Operational",
            "provider_name": "Microsoft-Windows-CodeIntegrity",
            "computer_name": host.get("name"),
            "event_id": str(code),
            "record_id": record,
            "activity_id": "{" + activity.upper() + "}",
            "event_data": data,
        },
    }


def _signature_data(signature: dict[str, Any], registry: dict[str, dict[str, Any]]) -> dict[str, Any]:
    entry = registry.get(signature.get("thumbprint_sha256") or "") if signature.get("exists") else None
    if entry is None:
        return {"TotalSignatureCount": "0", "Signature": "0", "SignatureType": "0", "VerificationError": "3"}
    return {
        "TotalSignatureCount": "1",
        "Signature": "0",
        "SignatureType": _TYPE_CODES.get(entry["signature_type"], "1"),
        "ValidatedSigningLevel": "4",
        "VerificationError": "0" if signature.get("status") == "trusted" else "8",
        "NotValidBefore": entry["not_before"],
        "NotValidAfter": entry["not_after"],
        "PublisherName": entry["subject"],
        "IssuerName": entry["issuer"].split(",")[0].removeprefix("CN="),
        "PublisherTBSHash": hashlib.sha256(entry["thumbprint_sha256"].encode()).hexdigest().upper(),
        "IssuerTBSHash": hashlib.sha256(entry["issuer"].encode()).hexdigest().upper(),
    }


def codeintegrity_documents(
    events_path: Path, registry: dict[str, dict[str, Any]], seed: int, share: float = AUDIT_SHARE
) -> Iterator[dict[str, Any]]:
    """The 3076 + 3089 pairs of the audited hosts, in the order of the process starts that caused them."""
    records: dict[str, int] = {}
    logged: set[tuple[str, str, str]] = set()
    with gzip.open(events_path, "rt", encoding="utf-8") as handle:
        for line in handle:
            try:
                document = json.loads(line)
            except ValueError:
                continue
            if not isinstance(document, dict) or not _start(document):
                continue
            host_id = (document.get("host") or {}).get("id")
            process = document.get("process") or {}
            sha256 = (process.get("hash") or {}).get("sha256")
            path, stamp = process.get("executable"), document.get("@timestamp")
            if not (isinstance(host_id, str) and sha256 and path and isinstance(stamp, str)):
                continue  # the stream's dirty lines: nothing Code Integrity would log from them
            signature = process.get("code_signature") or {}
            key = (host_id, sha256, stamp[:10])
            if key in logged or not audited_host(host_id, seed, share) or allowed(signature, registry):
                continue
            logged.add(key)
            activity = str(uuid.uuid5(_NAMESPACE, "|".join(key)))
            record = records[host_id] = records.get(host_id, 1000) + 2
            hashes = process.get("hash") or {}
            yield _document(document, 3076, record, activity, {
                "File Name": _device_path(path),
                "Process Name": _device_path(str((process.get("parent") or {}).get("executable") or "")),
                "Requested Signing Level": "4",
                "Validated Signing Level": "1",
                "Status": "0x0",
                "SHA1 Flat Hash": str(hashes.get("sha1") or "").upper(),
                "SHA256 Flat Hash": sha256.upper(),
                "PolicyName": _AUDIT_POLICY[0],
                "PolicyID": _AUDIT_POLICY[1],
                "PolicyGUID": _AUDIT_POLICY[1],
            })
            yield _document(document, 3089, record + 1, activity, _signature_data(signature, registry))


def write_codeintegrity(events_path: Path, registry: dict[str, dict[str, Any]], seed: int) -> tuple[Path, int]:
    """Write ``codeintegrity.ndjson.gz`` beside the fleet's Elastic Defend events; (its path, lines written)."""
    out = events_path.with_name(CODEINTEGRITY_FILE)
    written = 0
    with out.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as target:
        for document in codeintegrity_documents(events_path, registry, seed):
            target.write((json.dumps(document, separators=(",", ":")) + "\n").encode("utf-8"))
            written += 1
    return out, written
