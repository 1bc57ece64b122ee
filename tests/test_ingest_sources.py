"""The source adapters and the status vocabulary, in pure Python: third-party samples and our own fixtures."""

from __future__ import annotations

import copy
import gzip
import json
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from codesign_prevalence.ingest.sources.detect import detect
from codesign_prevalence.ingest.sources.document import DocumentReader, adapt_document
from codesign_prevalence.ingest.sources.record import (
    RECORD_CODEINTEGRITY_EVENT,
    RECORD_CODEINTEGRITY_SIGNATURE,
    RECORD_OTHER,
    RECORD_PROCESS_START,
    RECORD_SIGNATURE,
    SOURCE_CODEINTEGRITY,
    SOURCE_DEFENDER,
    SOURCE_ELASTIC,
    SOURCE_SYSMON,
    SOURCE_SYSMON_ECS,
    SOURCE_WINDOWS_EVENT,
)
from codesign_prevalence.ingest.vocabulary import (
    SYSMON_STATUS_TEXT,
    Signature,
    defender_signature,
    parse_hashes,
    status_from_text,
    sysmon_signature,
)
from pipeline_helpers import CODEINTEGRITY_FIXTURE

SIGNATURE_KEYS = ("cs_exists", "cs_trusted", "cs_valid", "cs_status", "cs_subject_name")


def _signature(adapted: dict[str, str | None]) -> tuple[str | None, ...]:
    return tuple(adapted[key] for key in SIGNATURE_KEYS)


# ------------------------------------------------------------------------------------------- vocabulary


@pytest.mark.parametrize(
    ("signed", "status", "signer", "expected"),
    [
        ("true", "Valid", "Microsoft Windows", Signature(True, True, None, "trusted", "Microsoft Windows")),
        ("true", "Expired", "Fabrikam", Signature(True, False, None, "errorExpired", "Fabrikam")),
        ("true", "Revoked", "Fabrikam", Signature(True, False, None, "errorRevoked", "Fabrikam")),
        ("false", "Unavailable", "-", Signature(False, False, None, None, None)),
        ("true", "Unavailable", "Fabrikam", Signature(True, None, None, None, "Fabrikam")),
        ("failed: Invalid hash", "-", "-", Signature(True, False, None, "errorBadDigest", None)),
        ("failed: Something new", None, None, Signature(True, False, None, "errorCode_sysmon: failed: Something new")),
        (
            "true",
            SYSMON_STATUS_TEXT["errorUntrustedRoot"],
            "X",
            Signature(True, False, None, "errorUntrustedRoot", "X"),
        ),
        ("true", SYSMON_STATUS_TEXT["errorChaining"], "X", Signature(True, False, None, "errorChaining", "X")),
        ("true", SYSMON_STATUS_TEXT["errorBadDigest"], "X", Signature(True, False, None, "errorBadDigest", "X")),
        (
            "true",
            "A required certificate is not within its validity period when verifying against the current "
            "system clock or the timestamp in the signed file.",
            "X",
            Signature(True, False, None, "errorExpired", "X"),
        ),
        (None, None, None, Signature()),
        (None, "No signature was present in the subject.", None, Signature(False, False)),
    ],
)
def test_sysmon_signature_vocabulary(
    signed: str | None, status: str | None, signer: str | None, expected: Signature
) -> None:
    assert sysmon_signature(signed, status, signer) == expected


def test_every_status_the_simulator_writes_for_sysmon_maps_back() -> None:
    for status, text in SYSMON_STATUS_TEXT.items():
        assert status_from_text(text) == status
        assert sysmon_signature("true", text, "X").status == status


@pytest.mark.parametrize(
    ("is_signed", "is_trusted", "expires", "observed", "state", "expected"),
    [
        (True, True, None, None, None, Signature(True, True, None, "trusted", "Fabrikam")),
        (
            "1",
            "0",
            "2020-01-01T00:00:00Z",
            "2021-01-01 00:00:00",
            None,
            Signature(True, False, None, "errorExpired", "Fabrikam"),
        ),
        (
            True,
            False,
            "2030-01-01T00:00:00Z",
            "2021-01-01T00:00:00Z",
            None,
            Signature(True, False, None, "errorUntrustedRoot", "Fabrikam"),
        ),
        (True, False, None, None, "Revoked", Signature(True, False, None, "errorRevoked", "Fabrikam")),
        (False, None, None, None, None, Signature(False, False)),
        (True, None, None, None, None, Signature(True, None, None, None, "Fabrikam")),
    ],
)
def test_defender_signature_vocabulary(
    is_signed: object,
    is_trusted: object,
    expires: str | None,
    observed: str | None,
    state: str | None,
    expected: Signature,
) -> None:
    assert defender_signature(is_signed, is_trusted, "Fabrikam", expires, observed, state) == expected


def test_parse_hashes() -> None:
    assert parse_hashes("SHA1=AB,MD5=CD,SHA256=EF01,IMPHASH=99") == {
        "sha1": "ab",
        "md5": "cd",
        "sha256": "ef01",
        "imphash": "99",
    }
    assert parse_hashes("SHA256=EF") == {"sha256": "ef"}
    assert parse_hashes("garbage,SHA1=,=x, SHA1 = aa ") == {"sha1": "aa"}
    assert parse_hashes(None) == {} and parse_hashes("") == {}


# ------------------------------------------------------------------------------------------- third-party samples


def _json_documents(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, list):
        return data
    for key in ("events", "expected"):
        if key in data:
            return list(data[key])
    return [data]


def test_elastic_endpoint_samples_stay_elastic(samples_dir: Path) -> None:
    statuses = {}
    for path in sorted(samples_dir.glob("elastic_endpoint_*_sample_event.json")):
        (document,) = _json_documents(path)
        adapted = adapt_document(document)
        assert adapted["_source"] == SOURCE_ELASTIC and adapted["_record"] is None, path.name
        statuses[path.name.split("_")[2]] = adapted["cs_status"]
    assert statuses["network"] == "errorExpired" and statuses["api"] == "errorBadDigest"
    assert statuses["process"] == "trusted"


def test_winlogbeat_sysmon_process_create(samples_dir: Path) -> None:
    (document,) = _json_documents(samples_dir / "beats_winlogbeat_sysmon_eid1_processcreate_golden.json")
    adapted = adapt_document(document)
    assert {key: adapted[key] for key in ("_source", "_record", "host_id", "executable", "sha1", "sha256")} == {
        "_source": SOURCE_SYSMON_ECS,
        "_record": RECORD_PROCESS_START,
        "host_id": "vagrant",
        "executable": "C:\\Windows\\System32\\notepad.exe",
        "sha1": "b6d237154f2e528f0b503b58b025862d66b02b73",
        "sha256": None,  # Winlogbeat's sample hashes SHA1 only: the ingest quarantines it (missing sha256)
    }
    assert _signature(adapted) == (None,) * 5  # Event ID 1 carries no signature: unknown, not false
    assert adapted["event_id"] == "sysmon:vagrant:{9f32b55f-7c4e-5f98-5803-000000000500}"
    assert (
        adapted["_join_key"]
        == "sysmon|vagrant|{9f32b55f-7c4e-5f98-5803-000000000500}|c:\\windows\\system32\\notepad.exe"
    )
    assert adapted["_category"] is None  # adapted records are classified by _record


def _as_own_image(document: dict[str, Any], path_field: str) -> dict[str, Any]:
    """The same image-load document as if the loaded file were the process's own image."""
    own = copy.deepcopy(document)
    own["process"]["executable"] = own[path_field]["path"]
    return own


def test_winlogbeat_sysmon_image_load(samples_dir: Path) -> None:
    (document,) = _json_documents(samples_dir / "beats_winlogbeat_sysmon_eid7_loadimage_golden.json")
    assert adapt_document(document)["_record"] == RECORD_OTHER  # dllhost.exe loading IDStore.dll
    adapted = adapt_document(_as_own_image(document, "file"))
    assert adapted["_record"] == RECORD_SIGNATURE
    assert _signature(adapted) == ("true", "true", None, "trusted", "Microsoft Windows")
    assert (
        adapted["_join_key"]
        == "sysmon|vagrant|{9f32b55f-d9de-5f98-f006-000000000600}|c:\\windows\\system32\\idstore.dll"
    )


def test_elastic_agent_sysmon_failed_signature(samples_dir: Path) -> None:
    (expected,) = _json_documents(samples_dir / "integrations_windows_sysmon_eid7_failed_signature_expected.json")
    # The integration writes event.category [process, library] and type [change, start]: not a start.
    assert adapt_document(expected)["_record"] == RECORD_OTHER
    adapted = adapt_document(_as_own_image(expected, "dll"))
    assert adapted["_source"] == SOURCE_SYSMON_ECS and adapted["_record"] == RECORD_SIGNATURE
    assert _signature(adapted) == ("true", "false", None, "errorBadDigest", None)
    (received,) = _json_documents(samples_dir / "integrations_windows_sysmon_eid7_failed_signature_input.json")
    assert adapt_document(received)["_source"] == SOURCE_SYSMON_ECS


def _otrf_lines(samples_dir: Path) -> dict[str, list[str]]:
    files: dict[str, list[str]] = {}
    for path in sorted(samples_dir.glob("otrf_*.zip")):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                files[f"{path.name}/{name}"] = archive.read(name).decode("utf-8").splitlines()
    with gzip.open(samples_dir / "otrf_sysmon_eid1_eid7_curated.jsonl.gz", "rt", encoding="utf-8") as handle:
        files["curated"] = handle.read().splitlines()
    return files


def test_raw_sysmon_samples_every_line(samples_dir: Path) -> None:
    reader = DocumentReader("auto")
    for name, lines in _otrf_lines(samples_dir).items():
        starts, loads = {}, {}
        for line in lines:
            values, error, blank = reader.extract(line)
            if blank:
                continue
            assert error is None, name
            adapted = dict(zip(reader.names, values, strict=True))
            document = json.loads(line)
            assert adapted["_source"] in (SOURCE_SYSMON, SOURCE_WINDOWS_EVENT), name
            # some OTRF layouts have no SourceName, only the Sysmon channel
            sysmon = "sysmon" in f"{document.get('SourceName')} {document.get('Channel')}".lower()
            assert (adapted["_source"] == SOURCE_SYSMON) == sysmon
            event = int(document["EventID"]) if sysmon else None
            if event == 1:
                assert adapted["_record"] == RECORD_PROCESS_START
                assert adapted["executable"] == document["Image"]
                assert adapted["sha256"] == parse_hashes(document["Hashes"]).get("sha256")
                assert adapted["host_id"] == document["Hostname"].lower()
                # every layout: the event time is Sysmon's own UtcTime
                assert adapted["_timestamp"] == document["UtcTime"].replace(" ", "T") + "Z"
                assert _signature(adapted) == (None,) * 5
                starts[adapted["_join_key"]] = adapted
            elif event == 7 and document["Image"].lower() == document["ImageLoaded"].lower():
                assert adapted["_record"] == RECORD_SIGNATURE
                expected_status = {"Valid": "trusted", "Unavailable": None}[document["SignatureStatus"]]
                assert adapted["cs_status"] == expected_status
                assert adapted["cs_exists"] == document["Signed"]
                loads[adapted["_join_key"]] = adapted
            else:
                assert adapted["_record"] == RECORD_OTHER
        if name == "curated":
            matched = Counter(json.loads(line)["_selection"] for line in lines if json.loads(line)["EventID"] == 7)
            # every self-image EID7 of the curated file finds its EID1 (same host, ProcessGuid and image)
            selfimage = matched["eid1_baseline_selfimage_eid7"] + matched["eid1_interesting_selfimage_eid7"]
            assert len(set(starts) & set(loads)) == selfimage == 121
            assert len(starts) == 127


def test_three_timestamp_layouts_all_present(samples_dir: Path) -> None:
    layouts = set()
    for lines in _otrf_lines(samples_dir).values():
        for line in lines:
            document = json.loads(line)
            layouts.add(next((key for key in ("EventTime", "TimeCreated", "@timestamp") if key in document), None))
    assert {"EventTime", "TimeCreated"} <= layouts


# ------------------------------------------------------------------------------------------- own fixtures


RAW_START = {
    "EventID": 1,
    "SourceName": "Microsoft-Windows-Sysmon",
    "Hostname": "WKS-7.corp.example",
    "EventTime": "2026-11-20 03:00:00",
    "UtcTime": "2026-11-20 08:00:00.125",
    "ProcessGuid": "{AAAA-1}",
    "ProcessId": "4242",
    "Image": "C:\\Users\\bob\\AppData\\Local\\Temp\\tool.exe",
    "Hashes": "SHA1=11,MD5=22,SHA256=AB33,IMPHASH=44",
    "Company": "-",
    "OriginalFileName": "tool.exe",
    "User": "CORP\\bob",
    "ParentImage": "C:\\Windows\\explorer.exe",
    "CommandLine": 'tool.exe /q "quoted" \' ü',
}
RAW_LOAD = {
    "EventID": "7",
    "SourceName": "Microsoft-Windows-Sysmon",
    "Hostname": "WKS-7.corp.example",
    "UtcTime": "2026-11-20 08:00:00.130",
    "ProcessGuid": "{aaaa-1}",
    "Image": "C:\\Users\\bob\\AppData\\Local\\Temp\\tool.exe",
    "ImageLoaded": "c:\\users\\bob\\appdata\\local\\temp\\TOOL.EXE",
    "Hashes": "SHA256=AB33",
    "Signed": "true",
    "Signature": "Totally Legit Software Ltd",
    "SignatureStatus": "Expired",
}


def test_raw_sysmon_fixture_start_and_own_image_share_a_key() -> None:
    start, load = adapt_document(RAW_START), adapt_document(RAW_LOAD)
    assert start["_join_key"] == load["_join_key"] is not None
    assert {key: start[key] for key in ("user_name", "user_domain", "pe_company", "process_name", "_pid")} == {
        "user_name": "bob",
        "user_domain": "CORP",
        "pe_company": None,
        "process_name": "tool.exe",
        "_pid": "4242",
    }
    assert start["_timestamp"] == "2026-11-20T08:00:00.125Z" and start["sha256"] == "ab33"
    assert _signature(load) == ("true", "false", None, "errorExpired", "Totally Legit Software Ltd")
    dll = dict(RAW_LOAD, ImageLoaded="C:\\Windows\\System32\\ntdll.dll")
    assert adapt_document(dll)["_record"] == RECORD_OTHER


DEFENDER_PROCESS = {
    "Timestamp": "2026-11-20T08:00:00.1234567Z",
    "DeviceId": "d1f0",
    "DeviceName": "wks-7.corp.example",
    "ActionType": "ProcessCreated",
    "FileName": "tool.exe",
    "FolderPath": "C:\\Users\\bob\\AppData\\Local\\Temp\\tool.exe",
    "SHA1": "AA11",
    "SHA256": "BB22",
    "ProcessVersionInfoCompanyName": "Legit",
    "ProcessVersionInfoOriginalFileName": "tool.exe",
    "InitiatingProcessFileName": "explorer.exe",
    "InitiatingProcessFolderPath": "c:\\windows",
    "AccountName": "bob",
    "AccountDomain": "corp",
    "ProcessCommandLine": "tool.exe",
    "ProcessId": 4242,
    "ReportId": 77,
}
DEFENDER_CERTIFICATE = {
    "Timestamp": "2026-11-20T08:00:01Z",
    "DeviceId": "d1f0",
    "DeviceName": "wks-7.corp.example",
    "SHA1": "aa11",
    "IsSigned": True,
    "IsTrusted": False,
    "Signer": "Totally Legit Software Ltd",
    "Issuer": "Some CA",
    "CertificateCreationTime": "2020-01-01T00:00:00Z",
    "CertificateExpirationTime": "2021-01-01T00:00:00Z",
    "ReportId": 78,
}


def test_defender_rows_bare_and_wrapped() -> None:
    start = adapt_document(DEFENDER_PROCESS)
    certificate = adapt_document(DEFENDER_CERTIFICATE)
    assert detect(DEFENDER_PROCESS) == detect(DEFENDER_CERTIFICATE) == SOURCE_DEFENDER
    assert (start["_record"], certificate["_record"]) == (RECORD_PROCESS_START, RECORD_SIGNATURE)
    assert start["_join_key"] == certificate["_join_key"] == "defender|aa11"
    assert {key: start[key] for key in ("host_id", "sha256", "sha1", "parent_executable", "event_id")} == {
        "host_id": "d1f0",
        "sha256": "bb22",
        "sha1": "aa11",
        "parent_executable": "c:\\windows\\explorer.exe",
        "event_id": "defender:d1f0:2026-11-20T08:00:00.1234567Z:77",
    }
    assert _signature(certificate) == ("true", "false", None, "errorExpired", "Totally Legit Software Ltd")
    wrapped = {"time": "x", "category": "AdvancedHunting-DeviceProcessEvents", "properties": DEFENDER_PROCESS}
    assert adapt_document(wrapped) == start
    other = {"category": "AdvancedHunting-DeviceNetworkEvents", "properties": {"DeviceId": "d1f0"}}
    assert adapt_document(other)["_record"] == RECORD_OTHER


def test_forced_sources() -> None:
    elastic = {"event": {"category": ["process"], "type": ["start"]}, "process": {"executable": "x"}}
    assert adapt_document(elastic, "sysmon")["_parse_error"] == "not_sysmon_document"
    assert adapt_document(elastic, "defender")["_parse_error"] == "not_defender_document"
    assert adapt_document(RAW_START, "sysmon")["_record"] == RECORD_PROCESS_START
    assert adapt_document(DEFENDER_PROCESS, "elastic")["_source"] == SOURCE_ELASTIC  # read as ECS, as before
    assert adapt_document(elastic, "elastic")["executable"] == "x"


# ------------------------------------------------------------------------------------------- certificate details

CERTIFICATE_KEYS = (
    "cs_issuer_name",
    "cs_serial_number",
    "cs_issuer_thumbprint",
    "cs_signer_hash",
    "cs_not_before",
    "cs_not_after",
    "cs_signing_time",
    "cs_signature_type",
    "cs_root_microsoft",
    "cs_digest_algorithm",
    "cs_thumbprint_sha256",
)


def _certificate(adapted: dict[str, str | None]) -> dict[str, str | None]:
    return {key: adapted[key] for key in CERTIFICATE_KEYS}


def test_defender_certificate_details_are_read() -> None:
    row = {
        **DEFENDER_CERTIFICATE,
        "Issuer": "CN=Sectigo Public Code Signing CA R36, O=Sectigo Limited, C=GB",
        "IssuerHash": "7f3a1c",
        "CertificateSerialNumber": "00a1b2c3",
        "CertificateCountersignatureTime": "2020-06-01T10:00:00Z",
        "IsRootSignerMicrosoft": False,
        "SignatureType": "Catalog",
        "SignerHash": "5e6f",
    }
    assert _certificate(adapt_document(row)) == {
        "cs_issuer_name": "CN=Sectigo Public Code Signing CA R36, O=Sectigo Limited, C=GB",
        "cs_serial_number": "00a1b2c3",
        "cs_issuer_thumbprint": "7f3a1c",
        "cs_signer_hash": "5e6f",
        "cs_not_before": "2020-01-01T00:00:00Z",
        "cs_not_after": "2021-01-01T00:00:00Z",
        "cs_signing_time": "2020-06-01T10:00:00Z",
        "cs_signature_type": "catalog",
        "cs_root_microsoft": "false",
        "cs_digest_algorithm": None,
        "cs_thumbprint_sha256": None,  # Defender has no certificate SHA-256
    }
    # Another SignatureType value is kept as it is; a process row carries no certificate details.
    assert adapt_document({**row, "SignatureType": "Detached PKCS7"})["cs_signature_type"] == "Detached PKCS7"
    assert set(_certificate(adapt_document(DEFENDER_PROCESS)).values()) == {None}


def test_sysmon_sources_carry_no_certificate_details() -> None:
    own_load = {**RAW_START, "EventID": 7, "ImageLoaded": RAW_START["Image"], "Signed": "true",
                "SignatureStatus": "Valid", "Signature": "Fabrikam"}
    for document in (RAW_START, own_load):
        assert set(_certificate(adapt_document(document)).values()) == {None}


def test_ecs_code_signature_details_from_the_shared_schema(samples_dir: Path) -> None:
    """The ECS definition's own examples of ``code_signature.timestamp``, ``digest_algorithm`` and
    ``thumbprint_sha256`` (``../shared/samples/ecs_schemas_code_signature.yml``), nested and dotted."""
    yaml = pytest.importorskip("yaml")
    definition = yaml.safe_load((samples_dir / "ecs_schemas_code_signature.yml").read_text())
    examples = {field["name"]: str(field["example"]) for field in definition[0]["fields"]}
    signature = {name: examples[name] for name in ("timestamp", "digest_algorithm", "thumbprint_sha256")}
    event = {"@timestamp": "2026-11-20T08:00:00Z", "event": {"category": ["process"], "type": ["start"]}}
    nested = adapt_document({**event, "process": {"code_signature": signature}})
    dotted = adapt_document({**event, **{f"process.code_signature.{key}": value for key, value in signature.items()}})
    expected = {key: None for key in CERTIFICATE_KEYS} | {
        "cs_signing_time": "2021-01-01T12:10:30Z",
        "cs_digest_algorithm": "sha256",
        "cs_thumbprint_sha256": "c0f23a8eb1cba0ccaa88483b5a234c96e4bdfec719bf458024e68c2a8183476b",
    }
    assert _certificate(nested) == _certificate(dotted) == expected


# ------------------------------------------------------------------------------------------- Code Integrity



def _codeintegrity_documents() -> list[dict[str, Any]]:
    return [json.loads(line) for line in CODEINTEGRITY_FIXTURE.read_text(encoding="utf-8").splitlines()]


def test_code_integrity_events_are_detected_and_read() -> None:
    documents = _codeintegrity_documents()
    adapted = [adapt_document(document) for document in documents]
    assert {row["_source"] for row in adapted} == {SOURCE_CODEINTEGRITY}
    assert Counter(row["_record"] for row in adapted) == {
        RECORD_CODEINTEGRITY_EVENT: 6, RECORD_CODEINTEGRITY_SIGNATURE: 4, RECORD_OTHER: 1
    }
    audit = adapted[0]
    assert audit["event_id"] == "codeintegrity:5d1c2f0a-1111-4a7e-9d1e-000000000007:48211:3076"
    assert audit["sha256"] == "9f2c6b1d4e8a0f3c5b7d9e1a2c4f6b8d0e2a4c6e8f0b2d4f6a8c0e2b4d6f8a0c"  # the flat hash
    assert json.loads(audit["_detail"] or "{}") == {
        "event_code": "3076",
        "action": "audited",
        "process_path": "\\Device\\HarddiskVolume3\\Windows\\System32\\msiexec.exe",
        "authenticode_sha256": "1b3d5f7a9c0e2a4c6e8a0c2e4a6c8e0a2c4e6a8c0e2a4c6e8a0c2e4a6c8e0a2c",
        "policy_name": "Contoso Audit Baseline",
        "policy_id": "{A244370E-44C9-4C06-B551-F6016E563076}",
        "requested_signing_level": "4",
        "validated_signing_level": "1",
        "status": "0x0",
        "activity_id": "{8A0C5D2E-1F3B-4C6D-9E8F-0A1B2C3D4E5F}",
    }
    # The 3089s join on host and activity id, whatever the braces and case.
    assert {adapted[1]["_join_key"], adapted[2]["_join_key"]} == {audit["_join_key"]}
    assert audit["_join_key"] == (
        "codeintegrity|5d1c2f0a-1111-4a7e-9d1e-000000000007|8a0c5d2e-1f3b-4c6d-9e8f-0a1b2c3d4e5f"
    )
    # Dotted keys, as some shippers write them, read the same.
    flat = {key: value for key, value in documents[0].items() if key != "winlog"}
    flat.update({f"winlog.{key}": value for key, value in documents[0]["winlog"].items() if key != "event_data"})
    flat.update({f"winlog.event_data.{key}": value for key, value in documents[0]["winlog"]["event_data"].items()})
    assert adapt_document(flat) == audit


def test_code_integrity_forced_and_refused() -> None:
    documents = _codeintegrity_documents()
    assert adapt_document(documents[0], "codeintegrity")["_record"] == RECORD_CODEINTEGRITY_EVENT
    elastic = {"event": {"category": ["process"], "type": ["start"]}, "process": {"executable": "x"}}
    for other in (elastic, RAW_START, DEFENDER_PROCESS):
        assert adapt_document(other, "codeintegrity")["_parse_error"] == "not_codeintegrity_document"
    assert adapt_document(documents[0], "sysmon")["_parse_error"] == "not_sysmon_document"
    assert adapt_document(documents[0], "elastic")["_source"] == SOURCE_ELASTIC  # read as ECS, as before
