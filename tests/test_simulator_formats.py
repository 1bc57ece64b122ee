"""The simulator's fleet in each source format, checked in pure Python through the source adapters: every
process start reads back with the same binary, host and signature as in the Elastic Defend original."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from codesign_prevalence.ingest.sources.document import DocumentReader
from codesign_prevalence.ingest.sources.record import (
    RECORD_CODEINTEGRITY_EVENT,
    RECORD_CODEINTEGRITY_SIGNATURE,
    RECORD_PROCESS_START,
    RECORD_SIGNATURE,
    SOURCE_CODEINTEGRITY,
    SOURCE_DEFENDER,
    SOURCE_ELASTIC,
    SOURCE_SYSMON,
    SOURCE_SYSMON_ECS,
)
from codesign_prevalence.simulator import generate_fleet
from codesign_prevalence.simulator.attacks import ATTACK_SCENARIOS
from codesign_prevalence.simulator.certificates import (
    BIG_CAS,
    CERTIFICATES_FILE,
    MICROSOFT_CA,
    WINDOWS_CA,
    load_registry,
)
from codesign_prevalence.simulator.codeintegrity import allowed, audited_host, write_codeintegrity
from codesign_prevalence.simulator.formats import FORMATS, convert_events, rewrite_fleet

COMPARED = (
    "executable",
    "sha256",
    "cs_exists",
    "cs_trusted",
    "cs_status",
    "cs_subject_name",
    "user_name",
    "parent_executable",
    "pe_company",
    "pe_original_file_name",
)
SIGNATURE = ("cs_exists", "cs_trusted", "cs_valid", "cs_status", "cs_subject_name")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fleet")
    return generate_fleet(out, hosts=12, days=3, seed=5, events_per_host_day=30).events_path


def _read(path: Path) -> list[dict[str, str | None]]:
    reader = DocumentReader("auto")
    rows = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            values, error, blank = reader.extract(line.rstrip("\n"))
            if error is None and not blank:
                rows.append(dict(zip(reader.names, values, strict=True)))
    return rows


def _starts(rows: list[dict[str, str | None]]) -> Counter[tuple[str | None, ...]]:
    """Process starts with the signature of their own signature record (the ingest's join, in Python),
    as a multiset of the compared fields plus the lower-case host name."""
    signatures: dict[str, dict[str, str | None]] = {}
    for row in rows:
        if row["_record"] == RECORD_SIGNATURE and row["_join_key"] and row["_join_key"] not in signatures:
            signatures[row["_join_key"]] = row
    starts: Counter[tuple[str | None, ...]] = Counter()
    seen_ids = set()
    for row in rows:
        is_start = row["_record"] == RECORD_PROCESS_START or (
            row["_source"] == SOURCE_ELASTIC and row["_type"] is not None and "start" in row["_type"]
        )
        if not is_start or row["event_id"] in seen_ids or row["host_id"] is None or row["sha256"] is None:
            continue
        seen_ids.add(row["event_id"])
        if row["_record"] == RECORD_PROCESS_START:
            found = signatures.get(row["_join_key"] or "", {})
            row = {**row, **{key: found.get(key) for key in SIGNATURE}}
        if row["cs_exists"] == "false":
            # An unsigned file's status is the source's own wording: Elastic Defend's TRUST_E_NOSIGNATURE error
            # ("errorCode_endpoint: 0x800b0100") or none, Sysmon's "Unavailable" (read as none); both are
            # unsigned_or_unknown to the features.
            row = {**row, "cs_status": None}
        host = (row["host_name"] or row["_hostname"] or "").lower()
        starts[(host, *(row[key] for key in COMPARED))] += 1
    return starts


def test_each_format_reads_back_like_the_elastic_original(fleet: Path, tmp_path: Path) -> None:
    original = _read(fleet)
    elastic = _starts(original)
    assert sum(elastic.values()) > 500
    statuses = {key[5] for key in elastic}  # the mapping is exercised beyond "trusted"
    assert {"trusted", "errorExpired", "errorRevoked", "errorUntrustedRoot"} <= statuses, statuses
    for fmt in FORMATS:
        path = tmp_path / f"{fmt}.ndjson.gz"
        counts = convert_events(fleet, path, fmt)
        rows = _read(path)
        sources = Counter(row["_source"] for row in rows)
        expected_source = {
            "elastic": SOURCE_ELASTIC,
            "sysmon": SOURCE_SYSMON,
            "sysmon_ecs": SOURCE_SYSMON_ECS,
            "defender": SOURCE_DEFENDER,
        }[fmt]
        assert set(sources) <= {expected_source, SOURCE_ELASTIC}, fmt  # malformed ECS lines stay ECS
        starts = _starts(rows)
        if fmt != "defender":
            assert starts == elastic, fmt
            if fmt != "elastic":
                assert counts.signature_records == counts.process_starts
        else:
            # one certificate verdict per file: compare the binaries and hosts, and the signature of every
            # file whose verdict never changes
            assert _collapse(starts) == _collapse(elastic)
            stable = _stable_signatures(elastic)
            for key in starts:
                if key[2] in stable:
                    assert key[3:7] == stable[key[2]], key


def _collapse(found: Counter[tuple[str | None, ...]]) -> Counter[tuple[str | None, ...]]:
    collapsed: Counter[tuple[str | None, ...]] = Counter()
    for key, count in found.items():
        collapsed[key[:3]] += count
    return collapsed


def _stable_signatures(found: Counter[tuple[str | None, ...]]) -> dict[str | None, tuple[str | None, ...]]:
    verdicts: dict[str | None, set[tuple[str | None, ...]]] = {}
    for key in found:
        verdicts.setdefault(key[2], set()).add(key[3:7])
    return {sha: next(iter(v)) for sha, v in verdicts.items() if len(v) == 1}


def test_rewrite_fleet_is_deterministic(fleet: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "events.ndjson.gz", tmp_path / "b" / "events.ndjson.gz"
    for path in (first, second):
        path.parent.mkdir()
        path.write_bytes(fleet.read_bytes())
        rewrite_fleet(path, "sysmon")
    assert first.read_bytes() == second.read_bytes() != fleet.read_bytes()


def _labels(fleet: Path) -> dict[str, dict[str, str]]:
    with (fleet.parent / "labels.csv").open(newline="", encoding="utf-8") as handle:
        return {row["sha256"]: row for row in csv.DictReader(handle)}


def test_certificates_are_honest_and_reach_every_format_that_carries_them(fleet: Path, tmp_path: Path) -> None:
    """Every signer has a certificate (issuer, serial, validity, signing time): the ECS stream carries its
    signing time, Defender rows all of it; the CAs follow the scenario without giving the attacks away."""
    registry = load_registry(fleet.parent / CERTIFICATES_FILE)
    labels = _labels(fleet)
    original = [row for row in _read(fleet) if row["_type"] and "start" in row["_type"] and row["sha256"]]
    signed = [row for row in original if row["cs_thumbprint_sha256"]]
    assert signed and all(row["cs_thumbprint_sha256"] in registry for row in signed)
    for entry in registry.values():
        assert entry["not_before"] <= entry["signing_time"] <= entry["not_after"], entry
    # ECS: code_signature.timestamp is the certificate's signing time.
    assert all(row["cs_signing_time"] == registry[row["cs_thumbprint_sha256"]]["signing_time"] for row in signed)

    by_scenario: dict[str, set[str]] = {}
    first_seen: dict[str, str] = {}
    for row in signed:
        by_scenario.setdefault(labels[row["sha256"] or ""]["scenario"], set()).add(row["cs_thumbprint_sha256"] or "")
        stamp = row["_timestamp"] or ""
        key = row["cs_thumbprint_sha256"] or ""
        first_seen[key] = min(first_seen.get(key, stamp), stamp)
    big = {name for name, _ in BIG_CAS}
    for thumbprint_ in by_scenario.get("self_signed_impostor", set()):
        assert registry[thumbprint_]["issuer"] == registry[thumbprint_]["subject"]
    stolen = by_scenario.get("stolen_cert_revoked", set()) | by_scenario.get("stolen_cert_unrevoked", set())
    for thumbprint_ in stolen:
        assert registry[thumbprint_]["issuer"] in big | {MICROSOFT_CA, WINDOWS_CA}
    for thumbprint_ in by_scenario.get("front_company_cert", set()):  # bought shortly before the first payload
        issued = dt.datetime.fromisoformat(registry[thumbprint_]["not_before"])
        ran = dt.datetime.fromisoformat(first_seen[thumbprint_])
        assert dt.timedelta(0) < ran - issued < dt.timedelta(days=60)
    benign = set().union(*[prints for scenario, prints in by_scenario.items() if labels_benign(scenario)])
    issuers = Counter(registry[thumbprint_]["issuer"] for thumbprint_ in benign)
    public = big | {MICROSOFT_CA, WINDOWS_CA}
    assert sum(count for issuer, count in issuers.items() if issuer in public) > 0.5 * len(benign)
    assert any(issuer not in big | {MICROSOFT_CA, WINDOWS_CA} for issuer in issuers)  # enterprise, small, self

    # Defender: every certificate column from the registry, as the adapter reads it back.
    path = tmp_path / "defender.ndjson.gz"
    convert_events(fleet, path, "defender")
    certificates = [row for row in _read(path) if row["_record"] == RECORD_SIGNATURE and row["cs_exists"] == "true"]
    assert certificates
    thumbprint_of = {row["sha1"]: row["cs_thumbprint_sha256"] for row in signed}
    for row in certificates:
        entry = registry[thumbprint_of[row["sha1"]] or ""]
        assert (row["cs_issuer_name"], row["cs_serial_number"], row["cs_not_before"], row["cs_signing_time"]) == (
            entry["issuer"], entry["serial_number"], entry["not_before"], entry["signing_time"]
        )
        assert row["cs_signature_type"] == entry["signature_type"]
        assert row["cs_root_microsoft"] == ("true" if entry["root_microsoft"] else "false")


def labels_benign(scenario: str) -> bool:
    return scenario not in ATTACK_SCENARIOS


def test_code_integrity_events_of_the_audited_hosts(fleet: Path, tmp_path: Path) -> None:
    """WDAC audit mode on a quarter of the hosts: a 3076 + 3089 pair for each binary the policy does not allow
    (benign ones as well as attacks), none for what Microsoft signed; the ingest's adapter reads them back."""
    copy = tmp_path / "events.ndjson.gz"
    copy.write_bytes(fleet.read_bytes())
    registry = load_registry(fleet.parent / CERTIFICATES_FILE)
    path, written = write_codeintegrity(copy, registry, seed=5)
    reader = DocumentReader("auto")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = [dict(zip(reader.names, reader.extract(line.rstrip("\n"))[0], strict=True)) for line in handle]
    assert written == len(rows) > 0
    events = [row for row in rows if row["_record"] == RECORD_CODEINTEGRITY_EVENT]
    signatures = [row for row in rows if row["_record"] == RECORD_CODEINTEGRITY_SIGNATURE]
    assert {row["_source"] for row in rows} == {SOURCE_CODEINTEGRITY} and len(events) == len(signatures)
    assert {row["_join_key"] for row in events} == {row["_join_key"] for row in signatures}
    starts = {(row["host_id"], row["sha256"]): row for row in _read(fleet) if row["_type"] and "start" in row["_type"]}
    labels = _labels(fleet)
    audited = {(row["host_id"], row["sha256"]) for row in events}
    assert audited <= set(starts)
    assert all(audited_host(host or "", 5) for host, _ in audited)
    for key in audited:
        assert not allowed_start(starts[key], registry), key
    kinds = Counter(labels[sha or ""]["label"] for _, sha in audited)
    assert kinds["benign"] > 0  # hard negatives: the policy audits benign tools too
    unsigned = [row for row in signatures if row["cs_subject_name"] is None]
    signed = [row for row in signatures if row["cs_subject_name"] is not None]
    assert signed and all(row["cs_issuer_name"] and row["cs_not_before"] for row in signed)
    assert all(json.loads(row["_detail"] or "{}")["total_signatures"] == "0" for row in unsigned)


def allowed_start(row: dict[str, str | None], registry: dict[str, dict[str, object]]) -> bool:
    signature = {
        "exists": row["cs_exists"] == "true",
        "status": row["cs_status"],
        "subject_name": row["cs_subject_name"],
        "thumbprint_sha256": row["cs_thumbprint_sha256"],
    }
    return allowed(signature, registry)
