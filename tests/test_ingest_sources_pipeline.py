"""Sysmon and Defender through the whole ingest (Spark, Delta under tmp_path): the signature join,
the accounting, ``--source`` forcing, and the shared OTRF sample."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

from chispa import assert_df_equality
from pyspark.sql import SparkSession
from pyspark.sql.types import BooleanType, IntegerType, StringType, StructField, StructType, TimestampType

from codesign_prevalence.config import IngestConfig
from codesign_prevalence.ingest.pipeline import IngestReport, ingest_files
from codesign_prevalence.ingest.reader import expand_inputs
from codesign_prevalence.schema import BRONZE_SCHEMA, CERTIFICATE_COLUMNS, CODEINTEGRITY_SCHEMA
from codesign_prevalence.storage import BRONZE_CODEINTEGRITY, BRONZE_EVENTS, BRONZE_QUARANTINE, Lakehouse
from pipeline_helpers import CODEINTEGRITY_FIXTURE

NOW = dt.datetime(2026, 11, 27, 12, 0, 0)
SYSMON = "Microsoft-Windows-Sysmon"
TOOL = "C:\\Users\\bob\\AppData\\Local\\Temp\\tool.exe"


def _start(guid: str, image: str, hashes: str = "SHA1=11,SHA256=AA", host: str = "WKS-1") -> dict[str, object]:
    return {
        "EventID": 1,
        "SourceName": SYSMON,
        "Hostname": host,
        "UtcTime": "2026-11-20 08:00:00.125",
        "ProcessGuid": guid,
        "Image": image,
        "Hashes": hashes,
        "User": "CORP\\bob",
    }


def _load(guid: str, image: str, loaded: str, signed: str, status: str, signer: str) -> dict[str, object]:
    return {
        "EventID": 7,
        "SourceName": SYSMON,
        "Hostname": "WKS-1",
        "UtcTime": "2026-11-20 08:00:00.200",
        "ProcessGuid": guid,
        "Image": image,
        "ImageLoaded": loaded,
        "Signed": signed,
        "SignatureStatus": status,
        "Signature": signer,
        "Hashes": "SHA256=AA",
    }


def _ingest(spark: SparkSession, root: Path, path: Path, source: str = "auto") -> IngestReport:
    config = IngestConfig(source=source)  # type: ignore[arg-type]
    return ingest_files(spark, Lakehouse(root), expand_inputs([str(path)]), config, now=NOW)


SIGNATURE_SCHEMA = StructType(
    [
        StructField("event_id", StringType()),
        StructField("source", StringType()),
        StructField("cs_exists", BooleanType()),
        StructField("cs_trusted", BooleanType()),
        StructField("cs_status", StringType()),
        StructField("cs_subject_name", StringType()),
    ]
)


def test_sysmon_and_defender_starts_get_their_own_image_signature(spark: SparkSession, tmp_path: Path) -> None:
    lines = [
        _start("{G-1}", TOOL),
        _load("{g-1}", TOOL, TOOL.upper(), "true", "Expired", "Legit Ltd"),  # own image, case differs
        _load("{G-1}", TOOL, "C:\\Windows\\System32\\ntdll.dll", "true", "Valid", "Microsoft Windows"),  # a DLL
        _start("{G-2}", "C:\\ProgramData\\x\\unseen.exe"),  # its image load never arrives: unknown
        _start("{G-3}", "C:\\ProgramData\\x\\sha1only.exe", hashes="SHA1=22"),  # quarantined, no sha256
        _start("{G-4}", "C:\\ProgramData\\x\\unsigned.exe"),
        _load(
            "{G-4}", "C:\\ProgramData\\x\\unsigned.exe", "C:\\ProgramData\\x\\unsigned.exe", "false", "Unavailable", "-"
        ),
        _start("{G-1}", TOOL),  # the same event delivered twice
        {"EventID": 4688, "SourceName": "Microsoft-Windows-Security-Auditing", "Hostname": "WKS-1"},
        {
            "Timestamp": "2026-11-21T09:00:00Z",
            "DeviceId": "dev-1",
            "DeviceName": "wks-2",
            "ActionType": "ProcessCreated",
            "FileName": "b.exe",
            "FolderPath": "C:\\Users\\Public\\b.exe",
            "SHA1": "BEEF",
            "SHA256": "CAFE",
            "ReportId": 5,
        },
        {
            "Timestamp": "2026-11-21T09:00:01Z",
            "DeviceId": "dev-1",
            "DeviceName": "wks-2",
            "SHA1": "beef",
            "IsSigned": True,
            "IsTrusted": True,
            "Signer": "Good Corp",
            "CertificateExpirationTime": "2030-01-01T00:00:00Z",
        },
    ]
    path = tmp_path / "mixed.ndjson.gz"
    path.write_bytes(gzip.compress(("\n".join(json.dumps(line) for line in lines) + "\n").encode()))
    report = _ingest(spark, tmp_path / "lake", path)
    assert report.as_dict() == {
        "files": 1,
        "lines_read": 11,
        "accepted": 4,
        "quarantined": 1,
        "duplicates": 1,
        "skipped_not_process_start": 2,
        "blank_lines": 0,
        "signature_records": 3,
        "quarantine_reasons": {"missing_field:process.hash.sha256": 1},
        "newest_event_date": "2026-11-21",
        "sources": {"defender": 2, "sysmon": 8, "windows_event": 1},
        "fields_nulled": {},
        "codeintegrity_events": 0,
        "balanced": True,
    }
    bronze = Lakehouse(tmp_path / "lake").read(spark, BRONZE_EVENTS)
    expected = spark.createDataFrame(
        [
            ("sysmon:wks-1:{g-1}", "sysmon", True, False, "errorExpired", "Legit Ltd"),
            ("sysmon:wks-1:{g-2}", "sysmon", None, None, None, None),
            ("sysmon:wks-1:{g-4}", "sysmon", False, False, None, None),
            ("defender:dev-1:2026-11-21T09:00:00Z:5", "defender", True, True, "trusted", "Good Corp"),
        ],
        SIGNATURE_SCHEMA,
    )
    assert_df_equality(bronze.select(*SIGNATURE_SCHEMA.names), expected, ignore_row_order=True, ignore_nullable=True)
    tool = bronze.where("event_id = 'sysmon:wks-1:{g-1}'").select("host_id", "sha256", "user_name", "timestamp")
    assert tool.collect()[0].asDict() == {
        "host_id": "wks-1",
        "sha256": "aa",
        "user_name": "bob",
        "timestamp": dt.datetime(2026, 11, 20, 8, 0, 0, 125000),
    }

    forced = _ingest(spark, tmp_path / "forced", path, source="defender")
    assert forced.balanced and forced.accepted == 1 and forced.signature_records == 1
    assert forced.quarantine_reasons == {"not_defender_document": 9}
    reasons = Lakehouse(tmp_path / "forced").read(spark, BRONZE_QUARANTINE).select("reason").distinct().collect()
    assert [row.reason for row in reasons] == ["not_defender_document"]


def test_shared_otrf_sysmon_sample(spark: SparkSession, samples_dir: Path, tmp_path: Path) -> None:
    path = samples_dir / "otrf_sysmon_eid1_eid7_curated.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        documents = [json.loads(line) for line in handle]
    starts = [d for d in documents if d["EventID"] == 1]
    report = _ingest(spark, tmp_path / "lake", path)
    assert report.balanced and report.lines_read == len(documents) == 365
    own_image = [d for d in documents if d["EventID"] == 7 and d["Image"].lower() == d["ImageLoaded"].lower()]
    assert report.signature_records == len(own_image) == 125  # the Event ID 7 of a process's own image
    assert (report.accepted, report.duplicates, report.quarantined) == (len(starts), 0, 0) == (127, 0, 0)
    assert report.skipped_not_process_start == 365 - 127 - 125  # DLL and other image loads
    bronze = Lakehouse(tmp_path / "lake").read(spark, BRONZE_EVENTS)
    counts = {
        (row.cs_status, row.cs_exists): row["count"]
        for row in bronze.groupBy("cs_status", "cs_exists").count().collect()
    }
    # 121 starts find their own image's EID7 in the file (see test_ingest_sources); six stay unknown
    assert counts.pop((None, None)) == 127 - 121
    assert set(counts) == {("trusted", True), (None, False)} and sum(counts.values()) == 121


CERTIFICATE_SCHEMA = StructType(
    [
        StructField("event_id", StringType()),
        StructField("cs_issuer_name", StringType()),
        StructField("cs_serial_number", StringType()),
        StructField("cs_issuer_thumbprint", StringType()),
        StructField("cs_signer_hash", StringType()),
        StructField("cs_not_before", TimestampType()),
        StructField("cs_not_after", TimestampType()),
        StructField("cs_signing_time", TimestampType()),
        StructField("cs_signature_type", StringType()),
        StructField("cs_root_microsoft", BooleanType()),
        StructField("cs_digest_algorithm", StringType()),
    ]
)


def _defender_pair(report_id: int, sha1: str, **certificate: object) -> list[dict[str, object]]:
    start = {
        "Timestamp": "2026-11-21T09:00:00Z",
        "DeviceId": "dev-1",
        "DeviceName": "wks-2",
        "ActionType": "ProcessCreated",
        "FileName": "b.exe",
        "FolderPath": "C:\\Users\\Public\\b.exe",
        "SHA1": sha1,
        "SHA256": sha1 * 2,
        "ReportId": report_id,
    }
    row = {"Timestamp": "2026-11-21T09:00:01Z", "DeviceId": "dev-1", "SHA1": sha1, "IsSigned": True,
           "IsTrusted": True, "Signer": "Good Corp", **certificate}
    return [start, row]


def _elastic(event_id: str, **code_signature: object) -> dict[str, object]:
    return {
        "@timestamp": "2026-11-21T10:00:00Z",
        "event": {"id": event_id, "category": ["process"], "type": ["start"]},
        "host": {"id": "h-9"},
        "process": {"executable": "C:\\x\\a.exe", "hash": {"sha256": "ab"},
                    "code_signature": {"subject_name": "A", "trusted": True, **code_signature}},
    }


def test_certificate_columns_reach_bronze_and_an_old_bronze_gains_them(spark: SparkSession, tmp_path: Path) -> None:
    """Every source's certificate details land in bronze (null where a source has none); an unreadable
    optional certificate value is left null with its event kept and counted; a bronze table written before
    the columns existed gains them and keeps its rows; a rerun adds nothing."""
    lake = Lakehouse(tmp_path / "lake")
    old_columns = [field for field in BRONZE_SCHEMA.fields if field.name not in CERTIFICATE_COLUMNS]
    old_row = {field.name: None for field in old_columns} | {
        "event_id": "old-1", "timestamp": dt.datetime(2026, 11, 1, 8), "host_id": "h", "executable": "C:\\o.exe",
        "sha256": "00", "source": "elastic_defend", "ingested_at": NOW, "event_date": dt.date(2026, 11, 1),
    }
    old_schema = StructType(old_columns)
    (
        spark.createDataFrame([tuple(old_row[name] for name in old_schema.names)], old_schema)
        .write.format("delta").partitionBy("event_date").save(lake.location(BRONZE_EVENTS))
    )
    lines = [
        *_defender_pair(
            5, "beef",
            Issuer="CN=DigiCert Trusted G4 Code Signing RSA4096 SHA384 2021 CA1, O=DigiCert, Inc., C=US",
            IssuerHash="1a2b", CertificateSerialNumber="0c4d5e", SignerHash="9f8e",
            CertificateCreationTime="2026-11-17T00:00:00Z", CertificateExpirationTime="2027-11-16T23:59:59Z",
            CertificateCountersignatureTime="2026-11-18 12:30:00", IsRootSignerMicrosoft=False,
            SignatureType="Embedded",
        ),
        # Unreadable creation time and root flag: left null and counted, the rest of the record kept.
        *_defender_pair(6, "f00d", Issuer="CN=Small CA", CertificateCreationTime="sometime in 2019",
                        CertificateExpirationTime="2030-01-01T00:00:00Z", IsRootSignerMicrosoft="perhaps"),
        _elastic("e-1", timestamp="2026-10-01T00:00:00Z", digest_algorithm="sha256"),
        _elastic("e-2", timestamp="yesterday"),
        _start("{G-9}", TOOL),
        _load("{G-9}", TOOL, TOOL, "true", "Valid", "Legit Ltd"),
    ]
    path = tmp_path / "certificates.ndjson"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")

    report = _ingest(spark, tmp_path / "lake", path)
    assert (report.lines_read, report.accepted, report.signature_records, report.quarantined) == (8, 5, 3, 0)
    assert report.balanced
    assert report.fields_nulled == {
        "bad_timestamp:cs_not_before": 1,
        "bad_timestamp:cs_signing_time": 1,
        "wrong_type:cs_root_microsoft": 1,
    }
    bronze = lake.read(spark, BRONZE_EVENTS)
    assert bronze.columns == BRONZE_SCHEMA.names
    expected = spark.createDataFrame(
        [
            ("old-1", *[None] * 10),
            (
                "defender:dev-1:2026-11-21T09:00:00Z:5",
                "CN=DigiCert Trusted G4 Code Signing RSA4096 SHA384 2021 CA1, O=DigiCert, Inc., C=US",
                "0c4d5e", "1a2b", "9f8e", dt.datetime(2026, 11, 17), dt.datetime(2027, 11, 16, 23, 59, 59),
                dt.datetime(2026, 11, 18, 12, 30), "embedded", False, None,
            ),
            (
                "defender:dev-1:2026-11-21T09:00:00Z:6", "CN=Small CA", None, None, None, None,
                dt.datetime(2030, 1, 1), None, None, None, None,
            ),
            ("e-1", None, None, None, None, None, None, dt.datetime(2026, 10, 1), None, None, "sha256"),
            ("e-2", *[None] * 10),
            ("sysmon:wks-1:{g-9}", *[None] * 10),
        ],
        CERTIFICATE_SCHEMA,
    )
    assert_df_equality(
        bronze.select(*CERTIFICATE_SCHEMA.names), expected, ignore_row_order=True, ignore_nullable=True
    )
    again = _ingest(spark, tmp_path / "lake", path)
    assert (again.accepted, again.duplicates, again.balanced) == (0, 5, True)
    assert lake.read(spark, BRONZE_EVENTS).count() == 6


CODEINTEGRITY_COLUMNS = StructType(
    [
        StructField("event_code", IntegerType()),
        StructField("action", StringType()),
        StructField("host_name", StringType()),
        StructField("sha256", StringType()),
        StructField("policy_name", StringType()),
        StructField("signature_count", IntegerType()),
        StructField("publisher_name", StringType()),
        StructField("issuer_name", StringType()),
        StructField("not_before", TimestampType()),
        StructField("not_after", TimestampType()),
        StructField("signature_type", StringType()),
        StructField("verification_error", StringType()),
    ]
)


def test_code_integrity_fixture_ingests_with_its_signature_information(spark: SparkSession, tmp_path: Path) -> None:
    """Winlogbeat-shaped Code Integrity events (tests/fixtures): 3033/3034/3076/3077 become enforcement facts
    with their first 3089's publisher, issuer and validity; the accounting adds up; a rerun adds nothing."""
    lake = Lakehouse(tmp_path / "lake")
    report = _ingest(spark, tmp_path / "lake", CODEINTEGRITY_FIXTURE)
    assert report.as_dict() == {
        "files": 1,
        "lines_read": 11,
        "accepted": 0,
        "quarantined": 1,
        "duplicates": 1,
        "skipped_not_process_start": 1,
        "blank_lines": 0,
        "signature_records": 4,
        "quarantine_reasons": {"missing_field:winlog.event_data.SHA256 Flat Hash": 1},
        "newest_event_date": None,
        "sources": {"codeintegrity": 11},
        "fields_nulled": {"bad_timestamp:cs_not_before": 1},
        "codeintegrity_events": 4,
        "balanced": True,
    }
    table = lake.read(spark, BRONZE_CODEINTEGRITY)
    assert table.columns == CODEINTEGRITY_SCHEMA.names
    expected = spark.createDataFrame(
        [
            (3076, "audited", "wks-7", "9f2c6b1d4e8a0f3c5b7d9e1a2c4f6b8d0e2a4c6e8f0b2d4f6a8c0e2b4d6f8a0c",
             "Contoso Audit Baseline", 2, "Fabrikam Tools Ltd", "Sectigo Public Code Signing CA R36",
             dt.datetime(2026, 11, 16), dt.datetime(2027, 11, 15, 23, 59, 59), "embedded", "0"),
            (3077, "blocked", "srv-db-2", "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
             "Contoso Servers Enforced", 0, None, None, None, None, None, "3"),
            (3033, "blocked", "wks-7", "1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef",
             None, None, None, None, None, None, None, None),
            (3034, "audited", "wks-7", "feedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedface",
             None, 1, "Lapsed Soft", "Certum Code Signing 2021 CA", None, dt.datetime(2025, 1, 1), "catalog", "5"),
        ],
        CODEINTEGRITY_COLUMNS,
    )
    assert_df_equality(
        table.select(*CODEINTEGRITY_COLUMNS.names), expected, ignore_row_order=True, ignore_nullable=True
    )
    blocked = table.where("event_code = 3077").select("host_id", "file_path", "policy_id", "event_date").head()
    assert blocked is not None and blocked.asDict() == {
        "host_id": "0b7e6c1a-2222-4a7e-9d1e-000000000002",
        "file_path": "C:\\ProgramData\\upd\\svc_upd.exe",
        "policy_id": "{B1B2B3B4-0000-4000-8000-000000000001}",
        "event_date": dt.date(2026, 11, 21),
    }
    again = _ingest(spark, tmp_path / "lake", CODEINTEGRITY_FIXTURE)
    assert (again.codeintegrity_events, again.duplicates, again.balanced) == (0, 5, True)
    assert lake.read(spark, BRONZE_CODEINTEGRITY).count() == 4
