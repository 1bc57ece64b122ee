"""Prevalence feature transforms on a small inline fleet (explicit bronze schema, null rows, whole tables).

The fleet, as of 2026-11-20 with a 30-day look-back (window 2026-10-22 .. 2026-11-20):

- ``a``: Contoso Ltd's app in Program Files on h1 (twice), h2 (subject in upper case), h3 (no host name,
  user or parent); one more event on h1 a second before the window opens (left out);
- ``b``: Contoso Ltd's updater in AppData on h1 and h4, certificate expired: seed-rule matches; h4 runs no
  other Contoso binary (the one host the signer would lose without ``b``);
- ``c``: Contoso Ltd's helper in AppData on h2, trusted;
- ``e``: Evil LLC (a front company with one binary) in Downloads on h2, untrusted root, started by Word,
  claiming to be Microsoft's svchost.exe; one more event a second after the as-of day (left out);
- ``g``: Google LLC's updater in AppData on h3, trusted (hunt population only);
- ``s``: a signed file without subject name in ProgramData on h2, bad digest (hunt only, no signer);
- ``u``: an unsigned tool in Downloads on h3, on the window's first second and later (in no population).
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chispa import assert_df_equality
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType, TimestampType

import codesign_prevalence.features
from codesign_prevalence.config import Config
from codesign_prevalence.features.candidates import (
    certificate_prevalence,
    name_copy_prevalence,
    name_owner_prevalence,
    near_words,
    path_vendor_prevalence,
    with_fleet_history,
)
from codesign_prevalence.features.events import in_window, window_start, with_event_attributes
from codesign_prevalence.features.pipeline import FeatureTables, RuleLists, feature_tables
from codesign_prevalence.features.prevalence import binary_labels, event_variants
from codesign_prevalence.features.rule import RULE_MATCH_COLUMNS, rule_matches, with_rule_match
from codesign_prevalence.schema import BRONZE_SCHEMA

AS_OF = dt.date(2026, 11, 20)
LOOKBACK = 30
CONFIG = Config()
RULE = RuleLists(CONFIG.rule.anomalous_statuses, CONFIG.rule.path_patterns, CONFIG.rule.allowed_publishers)
LOLBINS = CONFIG.features.lolbin_parents

PATH_A = r"C:\Program Files\Contoso\1.0\app.exe"
PATH_C = r"C:\Users\bob\AppData\Roaming\Contoso\helper.exe"
PATH_E = r"C:\Users\bob\Downloads\invoice.exe"
PATH_G = r"C:\Users\carol\AppData\Local\Google\Update\GoogleUpdate.exe"
PATH_S = r"C:\ProgramData\Tool\svc.exe"
PATH_U = r"C:\Users\carol\Downloads\tool.exe"


def updater(user: str) -> str:
    return rf"C:\Users\{user}\AppData\Local\Contoso\update.exe"


def event(event_id: str, timestamp: str, host_id: str, sha256: str, executable: str, **fields: Any) -> dict[str, Any]:
    """A bronze row (as text for timestamps), signed and trusted unless ``fields`` say otherwise."""
    row: dict[str, Any] = {field.name: None for field in BRONZE_SCHEMA.fields}
    row.update(
        event_id=event_id,
        timestamp=timestamp,
        host_id=host_id,
        executable=executable,
        process_name=executable.rsplit("\\", 1)[-1],
        sha256=sha256,
        cs_exists=True,
        cs_trusted=True,
        cs_status="trusted",
        source="elastic_defend",
        ingested_at="2026-11-21 06:00:00",
    )
    row.update(fields)
    return row


DIGICERT = "CN=DigiCert Trusted G4 Code Signing RSA4096 SHA384 2021 CA1, O=DigiCert, Inc., C=US"
CONTOSO_CERTIFICATE = {
    "cs_issuer_name": DIGICERT, "cs_serial_number": "0a01", "cs_not_before": "2025-06-01 00:00:00",
    "cs_not_after": "2027-06-01 23:59:59", "cs_signature_type": "embedded",
}
# Contoso's renewed certificate, seen on one event of binary a (the label keeps the one with most executions).
CONTOSO_RENEWED = {**CONTOSO_CERTIFICATE, "cs_serial_number": "0a02", "cs_not_before": "2026-06-01 00:00:00"}
CONTOSO = {
    "cs_subject_name": "Contoso Ltd", "cs_thumbprint_sha256": "t-contoso", "pe_company": "Contoso Ltd",
    **CONTOSO_CERTIFICATE,
}
EXPIRED = {"cs_trusted": False, "cs_status": "errorExpired"}
UNSIGNED = {
    "cs_exists": False, "cs_trusted": False, "cs_status": None, "user_name": "carol", "parent_name": "explorer.exe"
}

EVENTS = [
    event("a1", "2026-11-18 10:00:00", "h1", "a", PATH_A, **{**CONTOSO, "pe_company": "Contoso Ltd."},
          host_name="WS1", user_name="alice", parent_name="explorer.exe", pe_original_file_name="app.exe"),
    event("a2", "2026-11-19 09:00:00", "h2", "a", PATH_A,
          **{**CONTOSO, **CONTOSO_RENEWED, "cs_subject_name": "CONTOSO LTD.", "pe_company": "Contoso Corporation"},
          host_name="WS2", user_name="bob", parent_executable=r"C:\Windows\System32\cmd.exe",
          pe_original_file_name="app.exe"),
    event("a3", "2026-11-20 23:59:59", "h3", "a", PATH_A, **CONTOSO),
    event("a4", "2026-11-19 15:00:00", "h1", "a", PATH_A, **{**CONTOSO, "pe_company": "Contoso Ltd."},
          host_name="WS1", user_name="ALICE", parent_name="explorer.exe"),
    event("a_old", "2026-10-21 23:59:59", "h1", "a", PATH_A, **CONTOSO, host_name="WS1"),
    event("b1", "2026-11-20 08:00:00", "h1", "b", updater("alice"), **CONTOSO, **EXPIRED, host_name="WS1",
          user_name="alice", parent_name="explorer.exe", pe_original_file_name="update.exe"),
    event("b2", "2026-11-19 07:00:00", "h4", "b", updater("dave"), **CONTOSO, **EXPIRED, host_name="WS4",
          user_name="dave", parent_name="explorer.exe", pe_original_file_name="Update.EXE"),
    event("c1", "2026-11-20 10:00:00", "h2", "c", PATH_C, **CONTOSO, host_name="WS2", user_name="bob",
          parent_name="explorer.exe", pe_original_file_name="helper.exe"),
    event("e1", "2026-11-20 12:00:00", "h2", "e", PATH_E, cs_subject_name="Evil LLC",
          cs_thumbprint_sha256="t-evil", cs_issuer_name="Evil LLC", cs_serial_number="01",
          cs_not_before="2026-11-16 00:00:00", cs_not_after="2027-11-16 00:00:00",
          cs_signing_time="2026-11-19 22:00:00", cs_trusted=False, cs_valid=False, cs_status="errorUntrustedRoot",
          host_name="WS2", user_name="bob", parent_name="WINWORD.EXE", pe_company="Microsoft Corporation",
          pe_original_file_name="svchost.exe"),
    event("e_future", "2026-11-21 00:00:00", "h1", "e", PATH_E, cs_subject_name="Evil LLC",
          cs_trusted=False, host_name="WS1"),
    event("g1", "2026-11-17 06:00:00", "h3", "g", PATH_G, cs_subject_name="Google LLC",
          cs_thumbprint_sha256="t-google", host_name="WS3", user_name="carol", parent_name="svchost.exe",
          pe_company="Google LLC", pe_original_file_name="GoogleUpdate.exe"),
    event("s1", "2026-11-20 01:00:00", "h2", "s", PATH_S, cs_trusted=False, cs_status="errorBadDigest",
          host_name="WS2", user_name="SYSTEM", parent_name="services.exe", pe_company="Tool Co",
          pe_original_file_name="svc.exe"),
    event("u1", "2026-11-15 13:00:00", "h3", "u", PATH_U, **UNSIGNED, host_name="WS3"),
    event("u2", "2026-10-22 00:00:00", "h3", "u", PATH_U, **UNSIGNED, host_name="WS3"),
]


def bronze_frame(spark: SparkSession, rows: list[dict[str, Any]]) -> DataFrame:
    """Rows -> a DataFrame with exactly BRONZE_SCHEMA (timestamps given as UTC text, event_date derived)."""
    timestamps = {field.name for field in BRONZE_SCHEMA.fields if isinstance(field.dataType, TimestampType)}
    text_schema = StructType(
        [
            StructField(field.name, StringType() if field.name in {*timestamps, "event_date"} else field.dataType, True)
            for field in BRONZE_SCHEMA.fields
        ]
    )
    frame = spark.createDataFrame([tuple(row[name] for name in text_schema.names) for row in rows], text_schema)
    typed = frame.select(
        *[F.to_timestamp(name).alias(name) if name in timestamps else F.col(name) for name in text_schema.names]
    )
    return typed.withColumn("event_date", F.to_date("timestamp")).select(*BRONZE_SCHEMA.names)


def expected_frame(spark: SparkSession, rows: list[tuple[Any, ...]], schema: StructType) -> DataFrame:
    """Rows whose timestamps are UTC text -> a DataFrame of ``schema`` (timestamps parsed by Spark, in UTC)."""
    timestamps = {field.name for field in schema.fields if isinstance(field.dataType, TimestampType)}
    text_schema = StructType(
        [StructField(f.name, StringType() if f.name in timestamps else f.dataType, True) for f in schema.fields]
    )
    frame = spark.createDataFrame(rows, text_schema)
    return frame.select(
        *[F.to_timestamp(name).alias(name) if name in timestamps else F.col(name) for name in schema.names]
    )


def schema_of(frame: DataFrame) -> list[tuple[str, str]]:
    return [(field.name, field.dataType.simpleString()) for field in frame.schema.fields]


def tables_for(spark: SparkSession, rows: list[dict[str, Any]]) -> FeatureTables:
    return feature_tables(bronze_frame(spark, rows), AS_OF, LOOKBACK, RULE, LOLBINS)


@contextlib.contextmanager
def persisted(tables: FeatureTables) -> Iterator[FeatureTables]:
    """The tables with their shared intermediate frames persisted (as the job does), unpersisted after."""
    frames = [tables.variants, tables.host_binary, tables.labels, tables.hash_prevalence,
              tables.signer_prevalence, tables.candidates]
    for frame in frames:
        frame.persist()
    try:
        yield tables
    finally:
        for frame in frames:
            frame.unpersist()


@pytest.fixture(scope="module")
def fleet(spark: SparkSession) -> Iterator[FeatureTables]:
    """The tables of the inline fleet, persisted once for the module (as the job does)."""
    with persisted(tables_for(spark, EVENTS)) as tables:
        yield tables


def test_window_start() -> None:
    assert window_start(AS_OF, 30) == dt.date(2026, 10, 22)
    assert window_start(AS_OF, 1) == AS_OF


def test_in_window_keeps_the_lookback_days_ending_with_as_of(spark: SparkSession) -> None:
    rows = [
        event("before", "2026-10-21 23:59:59", "h", "x", PATH_U),
        event("first", "2026-10-22 00:00:00", "h", "x", PATH_U),
        event("last", "2026-11-20 23:59:59.999999", "h", "x", PATH_U),
        event("after", "2026-11-21 00:00:00", "h", "x", PATH_U),
        event("null host name", "2026-11-01 12:00:00", "h", "x", PATH_U, host_name=None),
    ]
    kept = bronze_frame(spark, rows).transform(in_window(AS_OF, LOOKBACK)).select("event_id")
    expected = spark.createDataFrame([("first",), ("last",), ("null host name",)], "event_id string")
    assert_df_equality(kept, expected, ignore_nullable=True, ignore_row_order=True)


def test_with_event_attributes(spark: SparkSession) -> None:
    rows = [
        event("lolbin by path", "2026-11-20 00:00:00", "h", "x", r"C:\Temp\a.exe",
              parent_executable=r"C:\Windows\System32\CMD.EXE", pe_original_file_name="A.dll",
              pe_company="Contoso, Ltd.", user_name="Alice"),
        event("renamed", "2026-11-20 00:00:00", "h", "x", r"C:\Temp\invoice.pdf.exe", process_name=None,
              parent_name="explorer.exe", pe_original_file_name="svchost.exe", cs_exists=None,
              cs_subject_name="Evil"),
        event("nothing known", "2026-11-20 00:00:00", "h", "x", r"C:\Temp\b.exe", cs_exists=False),
    ]
    # A download's decoration is not a rename; another name is, in any script; punctuation-only names compare
    # by their stems; an original name without an extension is no file name to compare with.
    names = {
        "putty (1).exe": ("PuTTY.exe", False), "cports-x64.exe": ("cports.exe", False),
        "rufus-4.6.exe": ("rufus.exe", False), "TeamViewerQS_x64.exe": ("TeamViewer.exe", False),
        "OneDriveUpdate.exe": ("beacon.exe", True), "7z2408-x64.exe": ("7zr.exe", True),
        "ab.exe": ("abc.exe", True), "Сервис (2).exe": ("сервис.exe", False), "Сервис.exe": ("служба.exe", True),
        "__.exe": ("--.exe", True), "-.exe": ("-.EXE", False),
        "procexp64.exe": ("Process Explorer", False), "payload.exe": ("svchost", False),
    }
    rows += [
        event(f"name {file}", "2026-11-20 00:00:00", "h", "x", "C:\\Temp\\" + file, process_name=file,
              pe_original_file_name=original)
        for file, (original, _) in names.items()
    ]
    renamed = {
        row["event_id"]: row["original_name_mismatch"]
        for row in bronze_frame(spark, rows).transform(with_event_attributes(LOLBINS)).collect()
    }
    assert {file: renamed[f"name {file}"] for file in names} == {file: want for file, (_, want) in names.items()}
    rows = rows[:3]
    actual = (
        bronze_frame(spark, rows)
        .transform(with_event_attributes(LOLBINS))
        .select("event_id", "parent", "lolbin_parent", "original_name_mismatch", "company", "user", "is_signed")
    )
    expected = spark.createDataFrame(
        [
            ("lolbin by path", "cmd.exe", True, False, "contoso ltd", "alice", True),
            ("renamed", "explorer.exe", False, True, None, None, True),
            ("nothing known", None, False, False, None, None, False),
        ],
        "event_id string, parent string, lolbin_parent boolean, original_name_mismatch boolean, "
        "company string, user string, is_signed boolean",
    )
    assert_df_equality(actual, expected, ignore_nullable=True, ignore_row_order=True)


def test_event_variants_group_identical_event_shapes_and_mark_their_days(spark: SparkSession) -> None:
    rows = [
        event("v1", "2026-10-22 08:00:00", "h1", "x", PATH_U, user_name="alice", host_name="WS1"),
        event("v2", "2026-10-22 09:00:00", "h1", "x", PATH_U, user_name="alice", host_name="WS1"),
        event("v3", "2026-11-20 23:00:00", "h1", "x", PATH_U, user_name="alice", host_name="WS1"),
        event("v4", "2026-11-19 10:00:00", "h1", "x", PATH_U, user_name="bob", host_name="WS1"),
        event("v5", "2026-11-19 11:00:00", "h1", "x", PATH_U, user_name=None, host_name="WS1"),
        event("v6", "2026-11-19 12:00:00", "h1", "x", PATH_U, user_name="bob", host_name=None),
    ]
    actual = (
        bronze_frame(spark, rows)
        .transform(event_variants(AS_OF, LOOKBACK))
        .select("user_name", "host_name", "executions", "first_seen", "day_bits_0")
        .withColumn("first_seen", F.date_format("first_seen", "yyyy-MM-dd HH:mm:ss"))
        .orderBy("user_name", "host_name")
    )
    expected = spark.createDataFrame(
        [
            (None, "WS1", 1, "2026-11-19 11:00:00", 1 << 28),
            ("alice", "WS1", 3, "2026-10-22 08:00:00", 1 | 1 << 29),
            ("bob", None, 1, "2026-11-19 12:00:00", 1 << 28),
            ("bob", "WS1", 1, "2026-11-19 10:00:00", 1 << 28),
        ],
        "user_name string, host_name string, executions long, first_seen string, day_bits_0 long",
    )
    assert_df_equality(actual, expected, ignore_nullable=True)
    # A look-back longer than a 63-day word spreads the days over several masks.
    long_window = bronze_frame(spark, rows[:1]).transform(event_variants(AS_OF, 100))
    assert [c for c in long_window.columns if c.startswith("day_bits_")] == ["day_bits_0", "day_bits_1"]
    assert long_window.select("day_bits_0", "day_bits_1").head() == (0, 1 << (70 - 63))


def test_binary_labels_take_the_value_with_most_executions(spark: SparkSession) -> None:
    """Each label on its own: a's subject and its certificate's validity come from different variants; the
    timestamps are picked like the strings (most executions, ties by the earliest) and stay timestamps."""
    old, new, end = dt.datetime(2025, 6, 1), dt.datetime(2026, 6, 1), dt.datetime(2027, 6, 1)
    variants = spark.createDataFrame(
        [
            ("a", "s", 2, "Signer", "t1", "cmd.exe", "CA", "01", new, end, None, "embedded"),
            ("a", "s", 1, "Signer", "t2", "explorer.exe", "CA", "02", old, end, None, "embedded"),
            ("a", "s", 2, "SIGNER", "t2", "explorer.exe", "CA", "02", old, end, None, "catalog"),
            ("b", None, 1, None, None, None, None, None, None, None, None, None),
            ("c", "s", 1, "B", "t", "y.exe", "CA 2", "0b", new, None, new, None),
            ("c", "s", 1, "A", "t", "x.exe", "CA 1", "0a", old, None, old, None),
        ],
        "sha256 string, signer string, executions long, cs_subject_name string, cs_thumbprint_sha256 string, "
        "parent string, cs_issuer_name string, cs_serial_number string, cs_not_before timestamp, "
        "cs_not_after timestamp, cs_signing_time timestamp, cs_signature_type string",
    )
    actual = binary_labels(variants).orderBy("sha256")
    expected = spark.createDataFrame(
        [
            ("a", "s", "Signer", "t2", "explorer.exe", "CA", "02", old, end, None, "embedded"),
            ("c", "s", "A", "t", "x.exe", "CA 1", "0a", old, None, old, None),
        ],
        "sha256 string, signer string, subject_name string, thumbprint string, example_parent string, "
        "issuer string, serial_number string, cert_not_before timestamp, cert_not_after timestamp, "
        "signing_time timestamp, signature_type string",
    )
    assert_df_equality(actual, expected, ignore_nullable=True)


def test_host_binary_prevalence(spark: SparkSession, fleet: FeatureTables) -> None:
    host_binary = fleet.host_binary
    actual = host_binary.select(
        "host_id", "sha256", "signer", "host_name", "executions",
        F.date_format("first_seen", "yyyy-MM-dd HH:mm:ss").alias("first_seen"),
        F.col("active_days").alias("days"), F.array_sort("users").alias("users"),
        F.array_sort("parents").alias("parents"), "example_path", "pc_appdata", "pc_program_files",
        "rule_match_count", "status_rank", "any_untrusted", "any_signed", "any_original_name_mismatch",
    ).orderBy("sha256", "host_id")
    expected = spark.createDataFrame(
        [
            ("h1", "a", "contoso ltd", "WS1", 2, "2026-11-18 10:00:00", 2, ["alice"], ["explorer.exe"],
             PATH_A, 0, 2, 0, 0, False, True, False),
            ("h2", "a", "contoso ltd", "WS2", 1, "2026-11-19 09:00:00", 1, ["bob"], ["cmd.exe"],
             PATH_A, 0, 1, 0, 0, False, True, False),
            ("h3", "a", "contoso ltd", None, 1, "2026-11-20 23:59:59", 1, [], [],
             PATH_A, 0, 1, 0, 0, False, True, False),
            ("h1", "b", "contoso ltd", "WS1", 1, "2026-11-20 08:00:00", 1, ["alice"], ["explorer.exe"],
             updater("alice"), 1, 0, 1, 3, True, True, False),
            ("h4", "b", "contoso ltd", "WS4", 1, "2026-11-19 07:00:00", 1, ["dave"], ["explorer.exe"],
             updater("dave"), 1, 0, 1, 3, True, True, False),
            ("h2", "c", "contoso ltd", "WS2", 1, "2026-11-20 10:00:00", 1, ["bob"], ["explorer.exe"],
             PATH_C, 1, 0, 0, 0, False, True, False),
            ("h2", "e", "evil llc", "WS2", 1, "2026-11-20 12:00:00", 1, ["bob"], ["winword.exe"],
             PATH_E, 0, 0, 1, 5, True, True, True),
            ("h3", "g", "google llc", "WS3", 1, "2026-11-17 06:00:00", 1, ["carol"], ["svchost.exe"],
             PATH_G, 1, 0, 0, 0, False, True, False),
            ("h2", "s", None, "WS2", 1, "2026-11-20 01:00:00", 1, ["system"], ["services.exe"],
             PATH_S, 0, 0, 0, 7, True, True, False),
            ("h3", "u", None, "WS3", 2, "2026-10-22 00:00:00", 2, ["carol"], ["explorer.exe"],
             PATH_U, 0, 0, 0, 1, True, False, False),
        ],
        "host_id string, sha256 string, signer string, host_name string, executions long, first_seen string, "
        "days int, users array<string>, parents array<string>, example_path string, pc_appdata long, "
        "pc_program_files long, rule_match_count long, status_rank int, any_untrusted boolean, "
        "any_signed boolean, any_original_name_mismatch boolean",
    )
    assert_df_equality(actual, expected, ignore_nullable=True)


def test_hash_prevalence(spark: SparkSession, fleet: FeatureTables) -> None:
    actual = fleet.hash_prevalence.orderBy("sha256")
    assert schema_of(actual) == [
        ("as_of", "date"), ("sha256", "string"), ("host_count", "bigint"), ("fleet_hosts", "bigint"),
        ("fleet_fraction", "double"), ("exec_count", "bigint"), ("first_seen", "timestamp"),
        ("last_seen", "timestamp"), ("days_since_first_seen", "int"), ("active_days", "int"),
        ("path_count", "int"), ("user_count", "int"), ("signer_count", "bigint"),
        ("path_classes", "array<string>"), ("fleet_history_days", "int"),
    ]
    d = AS_OF
    expected = expected_frame(
        spark,
        [
            (d, "a", 3, 4, 0.75, 4, "2026-11-18 10:00:00", "2026-11-20 23:59:59", 2, 3, 1, 2, 1, ["program_files"], 29),
            (d, "b", 2, 4, 0.5, 2, "2026-11-19 07:00:00", "2026-11-20 08:00:00", 1, 2, 1, 2, 1, ["appdata"], 29),
            (d, "c", 1, 4, 0.25, 1, "2026-11-20 10:00:00", "2026-11-20 10:00:00", 0, 1, 1, 1, 1, ["appdata"], 29),
            (d, "e", 1, 4, 0.25, 1, "2026-11-20 12:00:00", "2026-11-20 12:00:00", 0, 1, 1, 1, 1, ["downloads"], 29),
            (d, "g", 1, 4, 0.25, 1, "2026-11-17 06:00:00", "2026-11-17 06:00:00", 3, 1, 1, 1, 1, ["appdata"], 29),
            (d, "s", 1, 4, 0.25, 1, "2026-11-20 01:00:00", "2026-11-20 01:00:00", 0, 1, 1, 1, 0, ["programdata"], 29),
            (d, "u", 1, 4, 0.25, 2, "2026-10-22 00:00:00", "2026-11-15 13:00:00", 29, 2, 1, 1, 0, ["downloads"], 29),
        ],
        actual.schema,
    )
    assert_df_equality(actual, expected, ignore_nullable=True)


def test_signer_prevalence(spark: SparkSession, fleet: FeatureTables) -> None:
    actual = fleet.signer_prevalence.orderBy("signer")
    assert schema_of(actual) == [
        ("as_of", "date"), ("signer", "string"), ("host_count", "bigint"), ("hash_count", "bigint"),
        ("exec_count", "bigint"), ("first_seen", "timestamp"), ("last_seen", "timestamp"),
        ("days_since_first_seen", "int"), ("user_writable_hash_share", "double"),
        ("anomalous_status_share", "double"), ("path_classes", "array<string>"),
        ("path_class_executions", "map<string,bigint>"), ("parents", "array<string>"),
        ("pe_companies", "array<string>"),
    ]
    d = AS_OF
    expected = expected_frame(
        spark,
        [
            (d, "contoso ltd", 4, 3, 7, "2026-11-18 10:00:00", "2026-11-20 23:59:59", 2, 2 / 3, 2 / 7,
             ["program_files", "appdata"], {"program_files": 4, "appdata": 3}, ["explorer.exe", "cmd.exe"],
             ["contoso ltd", "contoso corporation"]),
            (d, "evil llc", 1, 1, 1, "2026-11-20 12:00:00", "2026-11-20 12:00:00", 0, 1.0, 1.0,
             ["downloads"], {"downloads": 1}, ["winword.exe"], ["microsoft corporation"]),
            (d, "google llc", 1, 1, 1, "2026-11-17 06:00:00", "2026-11-17 06:00:00", 3, 1.0, 0.0,
             ["appdata"], {"appdata": 1}, ["svchost.exe"], ["google llc"]),
        ],
        actual.schema,
    )
    assert_df_equality(actual, expected, ignore_nullable=True)


CANDIDATE_SCHEMA = [
    ("as_of", "date"), ("population", "string"), ("sha256", "string"), ("signer", "string"),
    ("subject_name", "string"), ("thumbprint", "string"), ("rule_match", "boolean"),
    ("status_category", "string"), ("any_untrusted", "boolean"), ("any_invalid", "boolean"),
    ("host_count", "bigint"), ("exec_count", "bigint"), ("hash_host_count", "bigint"),
    ("hash_fleet_fraction", "double"), ("hash_exec_count", "bigint"), ("hash_first_seen", "timestamp"),
    ("hash_days_since_first_seen", "int"), ("hash_active_days", "int"), ("hash_path_count", "int"),
    ("hash_user_count", "int"), ("hash_signer_count", "bigint"), ("signer_host_count", "bigint"),
    ("signer_hash_count", "bigint"), ("signer_first_seen", "timestamp"), ("signer_days_since_first_seen", "int"),
    ("signer_other_host_count", "bigint"), ("signer_other_hash_count", "bigint"),
    ("signer_user_writable_hash_share", "double"), ("signer_anomalous_status_share", "double"),
    ("path_class", "string"), ("signer_path_class_share", "double"), ("pe_company_mismatch", "boolean"),
    ("original_name_mismatch", "boolean"), ("lolbin_parent_share", "double"), ("parent_distinct_count", "int"),
    ("example_path", "string"), ("example_host", "string"), ("example_parent", "string"),
    ("host_names", "array<string>"), ("first_seen", "timestamp"), ("last_seen", "timestamp"),
    ("fleet_hosts", "bigint"), ("issuer", "string"), ("serial_number", "string"), ("cert_not_before", "timestamp"),
    ("cert_not_after", "timestamp"), ("signing_time", "timestamp"), ("signature_type", "string"),
    ("issuer_host_count", "bigint"), ("issuer_other_host_count", "bigint"), ("cert_age_days", "double"),
    ("cert_lifetime_days", "double"), ("ci_blocked_host_count", "bigint"), ("ci_audited_host_count", "bigint"),
    ("fleet_history_days", "int"), ("mismatched_company", "string"), ("company_other_host_count", "bigint"),
    ("company_signer_host_count", "bigint"), ("signer_widest_other_host_count", "bigint"),
    ("path_names_signer", "boolean"), ("path_vendor", "string"), ("path_vendor_host_count", "bigint"),
    ("name_owner", "string"), ("name_owner_host_count", "bigint"), ("name_owner_word", "string"),
    ("name_word", "string"), ("certificate_other_host_count", "bigint"), ("lure_name", "boolean"),
    ("name_copy_signer", "string"), ("name_copy_host_count", "bigint"), ("remote_parent", "string"),
    ("remote_parent_host_count", "bigint"),
]
CONTOSO_LABELS = (DIGICERT, "0a01", "2025-06-01 00:00:00", "2027-06-01 23:59:59", None, "embedded")
NO_CERTIFICATE = (None,) * 6


def days_between(later: str, earlier: str) -> float:
    """``later - earlier`` (UTC text) in days, as the features stage computes it (whole seconds / 86,400)."""
    seconds = (dt.datetime.fromisoformat(later) - dt.datetime.fromisoformat(earlier)).total_seconds()
    return int(seconds) / 86_400.0


def contoso_figures(first_seen: str, other_hosts: int) -> tuple[Any, ...]:
    """The certificate figures of a Contoso binary: DigiCert runs on h1-h4 (binaries a, b, c: the same hosts
    and leave-one-out as the signer's), no Code Integrity events ingested."""
    return (
        4, other_hosts, days_between(first_seen, "2025-06-01 00:00:00"),
        days_between("2027-06-01 23:59:59", "2025-06-01 00:00:00"), None, None,
    )


NO_FIGURES = (None,) * 6
HISTORY_DAYS = 29  # days since the window's first event: u on 2026-10-22 (any binary, signed or not)
NO_COMPANY_MISMATCH = (None,) * 3
NO_PATH_VENDOR = (None, 0)  # no path names another signer's word
NO_NAME_OWNER = (None, 0, None, None)  # no file name holds another signer's product word ("invoice" is only Evil's)
NO_NAME_COPY = (None, 0)  # no binary runs under a file name another signer's binaries run under
NO_REMOTE_PARENT = (None, 0)  # no parent that starts programs for a remote operator (s's services.exe is not one)

# Per binary: every candidate column after ``population``.
BINARY_A = (
    "a", "contoso ltd", "Contoso Ltd", "t-contoso", False, "trusted", False, False, 3, 4,
    3, 0.75, 4, "2026-11-18 10:00:00", 2, 3, 1, 2, 1,
    4, 3, "2026-11-18 10:00:00", 2, 3, 2, 2 / 3, 2 / 7,
    # a2's header names "Contoso Corporation": the signer's company, legal forms aside (no mismatch)
    "program_files", 0.0, False, False, 0.25, 2,
    PATH_A, "WS1", "explorer.exe", ["WS1", "WS2"], "2026-11-18 10:00:00", "2026-11-20 23:59:59", 4,
    *CONTOSO_LABELS, *contoso_figures("2026-11-18 10:00:00", 3), HISTORY_DAYS, *NO_COMPANY_MISMATCH,
    2,  # signer_widest_other_host_count: b, the widest other Contoso binary
    True,  # path_names_signer: "contoso" in ...\contoso\1.0\app.exe
    *NO_PATH_VENDOR,
    *NO_NAME_OWNER,
    3,  # certificate_other_host_count: b and c carry t-contoso too, on h1, h2 and h4
    False,
    *NO_NAME_COPY,
    *NO_REMOTE_PARENT,
)
BINARY_B = (
    "b", "contoso ltd", "Contoso Ltd", "t-contoso", True, "expired", True, False, 2, 2,
    2, 0.5, 2, "2026-11-19 07:00:00", 1, 2, 1, 2, 1,
    4, 3, "2026-11-18 10:00:00", 2, 3, 2, 2 / 3, 2 / 7,
    "appdata", 1 / 5, False, False, 0.0, 1,
    updater("alice"), "WS1", "explorer.exe", ["WS1", "WS4"], "2026-11-19 07:00:00", "2026-11-20 08:00:00", 4,
    *CONTOSO_LABELS, *contoso_figures("2026-11-19 07:00:00", 3), HISTORY_DAYS, *NO_COMPANY_MISMATCH, 3, True,
    *NO_PATH_VENDOR,
    *NO_NAME_OWNER,
    3,
    False,
    *NO_NAME_COPY,
    *NO_REMOTE_PARENT,
)
BINARY_C = (
    "c", "contoso ltd", "Contoso Ltd", "t-contoso", False, "trusted", False, False, 1, 1,
    1, 0.25, 1, "2026-11-20 10:00:00", 0, 1, 1, 1, 1,
    4, 3, "2026-11-18 10:00:00", 2, 4, 2, 2 / 3, 2 / 7,
    "appdata", 2 / 6, False, False, 0.0, 1,
    PATH_C, "WS2", "explorer.exe", ["WS2"], "2026-11-20 10:00:00", "2026-11-20 10:00:00", 4,
    *CONTOSO_LABELS, *contoso_figures("2026-11-20 10:00:00", 4), HISTORY_DAYS, *NO_COMPANY_MISMATCH, 3, True,
    *NO_PATH_VENDOR,
    *NO_NAME_OWNER,
    4,
    False,
    *NO_NAME_COPY,
    *NO_REMOTE_PARENT,
)
BINARY_E = (
    "e", "evil llc", "Evil LLC", "t-evil", True, "untrusted_root", True, True, 1, 1,
    1, 0.25, 1, "2026-11-20 12:00:00", 0, 1, 1, 1, 1,
    1, 1, "2026-11-20 12:00:00", 0, 0, 0, 1.0, 1.0,
    "downloads", 0.0, True, True, 1.0, 1,
    PATH_E, "WS2", "winword.exe", ["WS2"], "2026-11-20 12:00:00", "2026-11-20 12:00:00", 4,
    "Evil LLC", "01", "2026-11-16 00:00:00", "2027-11-16 00:00:00", "2026-11-19 22:00:00", None,
    1, 0, 4.5, 365.0, None, None,  # self-signed: an issuer the fleet knows only through e
    HISTORY_DAYS, "microsoft corporation", 0, 0, 0,
    False,  # path_names_signer: "evil" is in no path of e (downloads\invoice.exe)
    *NO_PATH_VENDOR,
    *NO_NAME_OWNER,
    0,  # certificate_other_host_count: no other binary of Evil LLC
    False,  # lure_name: invoice.exe names a lure word without a number
    *NO_NAME_COPY,
    *NO_REMOTE_PARENT,
)
BINARY_G = (
    "g", "google llc", "Google LLC", "t-google", False, "trusted", False, False, 1, 1,
    1, 0.25, 1, "2026-11-17 06:00:00", 3, 1, 1, 1, 1,
    1, 1, "2026-11-17 06:00:00", 3, 0, 0, 1.0, 0.0,
    "appdata", 0.0, False, False, 0.0, 1,
    PATH_G, "WS3", "svchost.exe", ["WS3"], "2026-11-17 06:00:00", "2026-11-17 06:00:00", 4,
    *NO_CERTIFICATE, *NO_FIGURES, HISTORY_DAYS, *NO_COMPANY_MISMATCH, 0, True,
    *NO_PATH_VENDOR,  # "google" in its path is its own signer's word
    *NO_NAME_OWNER,
    0,
    False,
    *NO_NAME_COPY,
    *NO_REMOTE_PARENT,
)
BINARY_S = (
    "s", None, None, None, False, "bad_digest", True, False, 1, 1,
    1, 0.25, 1, "2026-11-20 01:00:00", 0, 1, 1, 1, 0,
    0, 0, None, 0, 0, 0, 0.0, 0.0,
    "programdata", 0.0, False, False, 0.0, 1,
    PATH_S, "WS2", "services.exe", ["WS2"], "2026-11-20 01:00:00", "2026-11-20 01:00:00", 4,
    *NO_CERTIFICATE, *NO_FIGURES, HISTORY_DAYS, *NO_COMPANY_MISMATCH, 0,
    None,  # path_names_signer: no signer, nothing to look for
    *NO_PATH_VENDOR,
    *NO_NAME_OWNER,
    None,  # certificate_other_host_count: no signer
    False,
    *NO_NAME_COPY,
    *NO_REMOTE_PARENT,
)


def test_candidates(spark: SparkSession, fleet: FeatureTables) -> None:
    actual = fleet.candidates.orderBy("population", "sha256")
    assert schema_of(actual) == CANDIDATE_SCHEMA
    rows = [
        (AS_OF, "hunt", *BINARY_B),
        (AS_OF, "hunt", *BINARY_C),
        (AS_OF, "hunt", *BINARY_E),
        (AS_OF, "hunt", *BINARY_G),
        (AS_OF, "hunt", *BINARY_S),
        (AS_OF, "reference", *BINARY_A),  # every signed binary, wherever it ran: the model's training rows
        (AS_OF, "reference", *BINARY_B),
        (AS_OF, "reference", *BINARY_C),
        (AS_OF, "reference", *BINARY_E),
        (AS_OF, "reference", *BINARY_G),
        (AS_OF, "reference", *BINARY_S),
        (AS_OF, "rule", *BINARY_B),
        (AS_OF, "rule", *BINARY_E),
    ]
    assert_df_equality(actual, expected_frame(spark, rows, actual.schema), ignore_nullable=True)


def test_leave_one_out_signer_figures(spark: SparkSession, fleet: FeatureTables) -> None:
    """A front company with one binary looks new and tiny; a famous signer keeps its profile without ``b``."""
    actual = (
        fleet.candidates.where(F.col("population") == F.lit("rule"))
        .select("sha256", "signer_host_count", "signer_other_host_count", "signer_other_hash_count")
    )
    expected = spark.createDataFrame(
        [("b", 4, 3, 2), ("e", 1, 0, 0)],
        "sha256 string, signer_host_count long, signer_other_host_count long, signer_other_hash_count long",
    )
    assert_df_equality(actual, expected, ignore_nullable=True, ignore_row_order=True)


# Two small fleets of their own, on hosts of their own, whose candidates are computed together (one features
# computation, about 20 s of the suite's time, for both tests): the campaign's and the vendor's binaries
# (p, q, r, s; v, w, x) for the widest-other-binary test, NirSoft's, Google's and an impostor's (nx, ny, nz; g; m) for
# the company figures. No figure those tests read crosses from one fleet to the other: each counts the hosts of
# one signer's or one company's binaries.
CAMPAIGN_HOSTS = [("p", ["h1", "h2"]), ("q", ["h3", "h4"]), ("r", ["h5", "h6", "h7"]), ("s", ["h1", "h8"])]
VENDOR_HOSTS = [("v", ["h1", "h2", "h3", "h4"]), ("w", ["h5"]), ("x", ["h6", "h7"])]
NIRSOFT = {"cs_subject_name": "Nir Sofer", "pe_company": "NirSoft"}
COMPANY_EVENTS = [
    event("x1", "2026-11-19 10:00:00", "c1", "nx", r"C:\Users\a\Downloads\cports.exe", **NIRSOFT),
    event("y1", "2026-11-19 10:00:00", "c2", "ny", r"C:\Users\b\Downloads\wul.exe", **NIRSOFT),
    event("z1", "2026-11-19 10:00:00", "c2", "nz", r"C:\Users\b\Downloads\nircmd.exe", **NIRSOFT),
    event("z2", "2026-11-19 11:00:00", "c3", "nz", r"C:\Users\c\Downloads\nircmd.exe", **NIRSOFT),
    event("g1", "2026-11-19 10:00:00", "c3", "g", PATH_G, cs_subject_name="Google LLC", pe_company="Google LLC"),
    event("g2", "2026-11-19 10:00:00", "c4", "g", PATH_G, cs_subject_name="Google LLC", pe_company="Google LLC"),
    event("m1", "2026-11-19 12:00:00", "c4", "m", PATH_E, cs_subject_name="Evil LLC", pe_company="Google LLC"),
]


@pytest.fixture(scope="module")
def small_fleets(spark: SparkSession) -> Iterator[DataFrame]:
    """The reference population of the two small fleets above."""
    campaign = [
        event(f"{sha}-{host}", "2026-11-19 10:00:00", host, sha, rf"C:\ProgramData\{sha}.exe", cs_subject_name=subject)
        for group, subject in ((CAMPAIGN_HOSTS, "Ardent Nord Sp. z o.o."), (VENDOR_HOSTS, "Contoso Ltd"))
        for sha, hosts in group
        for host in hosts
    ]
    with persisted(tables_for(spark, [*campaign, *COMPANY_EVENTS])) as tables:
        yield tables.candidates.where(F.col("population") == F.lit("reference"))


def test_widest_other_binary_is_not_the_hosts_of_a_campaigns_siblings_together(
    spark: SparkSession, small_fleets: DataFrame
) -> None:
    """Four hashes of a front company's campaign (``CAMPAIGN_HOSTS``) on 2-3 hosts each count each other's hosts in
    ``signer_other_host_count``, but none is widespread; a vendor with one binary on four hosts (``VENDOR_HOSTS``)
    keeps it as the widest other binary of its rare ones, and the widespread binary itself sees the next widest."""
    actual = small_fleets.where(F.col("sha256").isin("p", "q", "r", "s", "v", "w", "x")).select(
        "sha256", "host_count", "signer_other_host_count", "signer_widest_other_host_count"
    )
    expected = spark.createDataFrame(
        [
            ("p", 2, 7, 3), ("q", 2, 6, 3), ("r", 3, 5, 2), ("s", 2, 7, 3),  # h1 is not s's alone: p runs there
            ("v", 4, 3, 2), ("w", 1, 6, 4), ("x", 2, 5, 4),
        ],
        "sha256 string, host_count long, signer_other_host_count long, signer_widest_other_host_count long",
    )
    assert_df_equality(actual, expected, ignore_nullable=True, ignore_row_order=True)


def test_first_sightings_come_from_the_fleets_history_where_it_holds_them(spark: SparkSession) -> None:
    """A monthly tool ``p``, first run in September, is back the day before the as-of date: new to the 30-day
    window, not to the fleet (gold/first_seen). A binary the history does not hold (no signer) keeps the
    window's figures; a sighting after the as-of date (``l``, which a later run's history holds) changes
    nothing: a first sighting is a minimum, and the window's are at most the as-of date."""
    columns = (
        "sha256 string, signer string, hash_first_seen timestamp, hash_days_since_first_seen int, "
        "signer_first_seen timestamp, signer_days_since_first_seen int, fleet_history_days int"
    )
    nov = {day: dt.datetime(2026, 11, day, 9) for day in (18, 19, 26, 27)}
    september = dt.datetime(2026, 9, 15, 9)
    window = spark.createDataFrame(
        [
            ("p", "payroll corp", nov[19], 1, nov[19], 1, 2),
            ("f", "fresh ltd", nov[18], 2, nov[18], 2, 2),
            ("n", None, nov[18], 2, None, None, 2),  # no signer: null here, 0 in gold/candidates
        ],
        columns,
    )
    history = spark.createDataFrame(
        [
            ("hash", "p", september), ("signer", "payroll corp", september), ("thumbprint", "ab12", september),
            ("hash", "f", nov[18]), ("signer", "fresh ltd", nov[18]), ("hash", "l", nov[27]),
            ("thumbprint", "cd34", nov[26]),
        ],
        "kind string, key string, first_seen timestamp",
    )
    expected = spark.createDataFrame(
        [
            ("p", "payroll corp", september, 66, september, 66, 66),  # 2026-09-15 .. 2026-11-20
            ("f", "fresh ltd", nov[18], 2, nov[18], 2, 66),
            ("n", None, nov[18], 2, None, None, 66),
        ],
        columns,
    )
    assert_df_equality(with_fleet_history(window, history, AS_OF), expected, ignore_nullable=True,
                       ignore_row_order=True)
    assert_df_equality(with_fleet_history(window, None, AS_OF), window)


def test_company_figures_count_the_signers_other_binaries_naming_the_same_company(
    spark: SparkSession, small_fleets: DataFrame
) -> None:
    """A vendor that labels its tools with a brand other than its certificate's name does so on its other
    binaries' hosts too (leave-one-out, as the signer's figures); an impersonation names a company that the fleet
    knows by its own certificate (``COMPANY_EVENTS``)."""
    actual = small_fleets.where(F.col("sha256").isin("nx", "ny", "nz", "g", "m")).select(
        "sha256", "pe_company_mismatch", "mismatched_company", "company_other_host_count", "company_signer_host_count"
    )
    expected = spark.createDataFrame(
        [
            ("nx", True, "nirsoft", 2, 0),  # ny on c2, nz on c2 and c3
            ("ny", True, "nirsoft", 3, 0),  # c2 is not ny's alone: nz runs there too
            ("nz", True, "nirsoft", 2, 0),
            ("g", False, None, None, None),
            ("m", True, "google llc", 0, 2),
        ],
        "sha256 string, pe_company_mismatch boolean, mismatched_company string, company_other_host_count long, "
        "company_signer_host_count long",
    )
    assert_df_equality(actual, expected, ignore_nullable=True, ignore_row_order=True)


def test_certificate_figures_count_the_signers_other_binaries_under_the_same_thumbprint(spark: SparkSession) -> None:
    """Microsoft's binaries run under two certificates of its own; a self-signed "Microsoft Corporation" on two
    hosts counts only its sibling's host (the name's 10 other hosts ran none of its binaries under it). An
    enterprise CA's tool that failed to chain on h6 carries the certificate its sibling carries on h0-h5. A binary
    without a thumbprint (Sysmon) or without a signer has no figure."""
    microsoft = "microsoft corporation"
    rows = [
        *[(f"h{host}", "o", microsoft) for host in range(10)],
        *[(f"h{host}", "w", microsoft) for host in range(5)],
        ("h10", "i", microsoft),
        ("h11", "j", microsoft),
        *[(f"h{host}", "a", "contoso it") for host in range(6)],
        ("h6", "b", "contoso it"),
        ("h1", "n", "sysmon only ltd"),
        ("h2", "u", None),
    ]
    host_binary = spark.createDataFrame(rows, "host_id string, sha256 string, signer string")
    labels = spark.createDataFrame(
        [("o", microsoft, "t-ms"), ("w", microsoft, "t-ms-2"), ("i", microsoft, "t-self"), ("j", microsoft, "t-self"),
         ("a", "contoso it", "t-ca"), ("b", "contoso it", "t-ca"), ("n", "sysmon only ltd", None), ("u", None, "t-u")],
        "sha256 string, signer string, thumbprint string",
    )
    expected = spark.createDataFrame(
        [("o", microsoft, 0), ("w", microsoft, 0), ("i", microsoft, 1), ("j", microsoft, 1), ("a", "contoso it", 1),
         ("b", "contoso it", 6)],
        "sha256 string, signer string, certificate_other_host_count long",
    )
    actual = certificate_prevalence(host_binary, labels)
    assert_df_equality(actual, expected, ignore_nullable=True, ignore_row_order=True)


def test_a_file_name_copy_is_judged_against_the_widest_other_signer_under_that_name(spark: SparkSession) -> None:
    """An implant under a stolen certificate, in a folder named after that certificate's vendor, runs under the name
    of Windows' ``userinit.exe``: the figure names Microsoft's 12 hosts (and Microsoft's binaries the implant's 2).
    The case of the name does not matter; its folder does not either. Squirrel's ``update.exe`` under two vendors'
    certificates holds no product word, and gets no figure. Of three signers sharing ``tidepool.exe``, each is judged
    against the widest of the other two. A signer sharing a distinctive word with the binary's is its own vendor's:
    "microsoft corporation" is judged against the implant, not against "microsoft windows", and a certificate renewed
    under a new legal name ("willow solutions s a" after "willow systems corporation") copies nobody. A binary without
    a signer neither gets nor gives a figure."""
    system, microsoft, zenith = "c:\\windows\\system32\\userinit.exe", "microsoft windows", "zenith works ltd"
    tidepool = "c:\\users\\*\\downloads\\tidepool.exe"
    rows = [
        *[(f"h{host}", "u1", microsoft, [system]) for host in range(10)],
        *[(f"h{host}", "u2", microsoft, [system.upper()]) for host in range(10, 12)],
        *[(f"h{host}", "z", zenith, ["c:\\programdata\\zenith works\\update\\UserInit.exe"]) for host in (20, 21)],
        ("h22", "n", None, ["c:\\users\\*\\appdata\\local\\temp\\userinit.exe"]),
        ("h23", "m", "microsoft corporation", ["c:\\users\\*\\appdata\\local\\microsoft\\userinit.exe"]),
        *[(f"h{host}", "w1", "willow systems corporation", ["c:\\users\\*\\appdata\\local\\willowmail.exe"])
          for host in range(40, 45)],
        ("h45", "w2", "willow solutions s a", ["c:\\users\\*\\appdata\\local\\willowmail.exe"]),
        *[(f"h{host}", "s", "slack technologies", ["c:\\users\\*\\appdata\\local\\slack\\update.exe"])
          for host in range(5)],
        ("h5", "t", "microsoft corporation", ["c:\\users\\*\\appdata\\local\\microsoft\\teams\\update.exe"]),
        *[(f"h{host}", "a", "alpha apps ltd", [tidepool]) for host in range(30, 35)],
        *[(f"h{host}", "b", "beta apps ltd", [tidepool]) for host in range(35, 38)],
        ("h38", "c", "gamma apps ltd", [tidepool]),
    ]
    host_binary = spark.createDataFrame(rows, "host_id string, sha256 string, signer string, paths array<string>")
    expected = spark.createDataFrame(
        [
            ("u1", microsoft, zenith, 2),
            ("u2", microsoft, zenith, 2),
            ("z", zenith, microsoft, 12),
            ("m", "microsoft corporation", zenith, 2),
            ("a", "alpha apps ltd", "beta apps ltd", 3),
            ("b", "beta apps ltd", "alpha apps ltd", 5),
            ("c", "gamma apps ltd", "alpha apps ltd", 5),
        ],
        "sha256 string, signer string, name_copy_signer string, name_copy_host_count long",
    )
    actual = name_copy_prevalence(host_binary)
    assert_df_equality(actual, expected, ignore_nullable=True, ignore_row_order=True)


def test_a_parent_that_starts_programs_for_a_remote_operator_is_named_with_its_hosts(spark: SparkSession) -> None:
    """An implant spread by WMI (``WmiPrvSE.exe``, known by its path alone, in any case) and by PowerShell remoting
    (``wsmprovhost.exe``) names the first of those parents by name, on the 2 hosts where one started it; on its first
    host a user started it. A vendor's service, started by ``services.exe``, has none."""
    implant, service = r"C:\Users\Public\Libraries\update.exe", r"C:\ProgramData\Vendor\VendorSvc.exe"
    signed = {"cs_subject_name": "Nimbus Labs Ltd", "cs_thumbprint_sha256": "t-nimbus"}
    rows = [
        event("i1", "2026-11-18 10:00:00", "h1", "i", implant, **signed, parent_name="explorer.exe"),
        event("i2", "2026-11-19 10:00:00", "h2", "i", implant, **signed,
              parent_executable=r"C:\Windows\System32\wbem\WmiPrvSE.exe"),
        event("i3", "2026-11-19 11:00:00", "h3", "i", implant, **signed, parent_name="WSMPROVHOST.EXE"),
        event("i4", "2026-11-20 09:00:00", "h3", "i", implant, **signed, parent_name="svchost.exe"),
        event("v1", "2026-11-19 08:00:00", "h1", "v", service, cs_subject_name="Vendor Inc",
              parent_name="services.exe"),
    ]
    with persisted(tables_for(spark, rows)) as tables:
        actual = tables.candidates.where(F.col("population") == "hunt").select(
            "sha256", "remote_parent", "remote_parent_host_count"
        )
        expected = spark.createDataFrame(
            [("i", "wmiprvse.exe", 2), ("v", None, 0)],
            "sha256 string, remote_parent string, remote_parent_host_count long",
        )
        assert_df_equality(actual, expected, ignore_nullable=True, ignore_row_order=True)


def test_rule_matches_of_the_window(spark: SparkSession, fleet: FeatureTables) -> None:
    actual = fleet.rule_matches.select("as_of", "event_id", "signer")
    expected = spark.createDataFrame(
        [(AS_OF, "b1", "contoso ltd"), (AS_OF, "b2", "contoso ltd"), (AS_OF, "e1", "evil llc")],
        "as_of date, event_id string, signer string",
    )
    assert_df_equality(actual, expected, ignore_nullable=True, ignore_row_order=True)


def test_rule_matches_read_from_variants_equal_the_rule_on_each_event(spark: SparkSession) -> None:
    """The one-scan plan (each matching event a variant of its own) gives exactly the rows, every column, of
    the seed rule applied to the window's events one by one; two identical matching events stay two rows."""
    rows = [*EVENTS, *[{**row, "event_id": row["event_id"] + "-again"} for row in EVENTS]]
    events = bronze_frame(spark, rows).transform(in_window(AS_OF, LOOKBACK))
    per_event = events.transform(
        with_rule_match(RULE.anomalous_statuses, RULE.path_patterns, RULE.allowed_publishers)
    ).transform(rule_matches(AS_OF))
    from_variants = tables_for(spark, rows).rule_matches
    assert from_variants.columns == list(RULE_MATCH_COLUMNS)
    assert per_event.count() >= 6  # the three matches of the fleet, each twice
    assert_df_equality(from_variants, per_event, ignore_nullable=True, ignore_row_order=True)


def test_no_feature_sees_events_after_as_of(spark: SparkSession, fleet: FeatureTables) -> None:
    """Adding events after the as-of day (a new host, a new signer, more of ``e``) changes no table."""
    later = [
        event("late1", "2026-11-21 00:00:00", "h9", "e", PATH_E, cs_subject_name="Evil LLC", cs_trusted=False,
              host_name="WS9"),
        event("late2", "2026-11-25 09:00:00", "h1", "z", updater("alice"), cs_subject_name="Newco",
              cs_trusted=False, host_name="WS1"),
        event("late3", "2026-12-01 09:00:00", "h2", "b", updater("bob"), **CONTOSO, **EXPIRED, host_name="WS2"),
    ]
    before = fleet
    with persisted(tables_for(spark, EVENTS + later)) as after:
        for name, keys in [
            ("rule_matches", ["event_id"]),
            ("hash_prevalence", ["sha256"]),
            ("signer_prevalence", ["signer"]),
            ("candidates", ["population", "sha256"]),
        ]:
            assert_df_equality(
                getattr(after, name).orderBy(*keys), getattr(before, name).orderBy(*keys), ignore_nullable=True
            )
    # ...while the same events on the as-of day itself do change them (the comparison can fail).
    same_day = [{**row, "timestamp": "2026-11-20 20:00:00"} for row in later]
    changed = tables_for(spark, EVENTS + same_day).hash_prevalence.orderBy("sha256")
    assert changed.select("sha256").collect() != before.hash_prevalence.orderBy("sha256").select("sha256").collect()


def test_a_path_naming_another_widespread_signer_is_found_by_whole_words(spark: SparkSession) -> None:
    """An implant in NVIDIA's folder under Redwood's certificate names NVIDIA (and Microsoft, the wider of the
    two is kept); NVIDIA's own binary, a word only its own signer's name shares, a word inside another word and
    a binary without a signer name nobody."""
    host_binary = spark.createDataFrame(
        [
            ("h1", "i", "redwood dynamics inc", ["c:\\programdata\\microsoft\\nvidia\\telemetry\\nvtel.exe"]),
            ("h2", "i", "redwood dynamics inc", ["c:\\users\\*\\appdata\\local\\nvidia\\x.exe"]),
            ("h1", "n", "nvidia corporation", ["c:\\program files\\nvidia corporation\\nvcontainer.exe"]),
            ("h3", "d", "redwood nvidia tools ltd", ["c:\\programdata\\nvidia\\d.exe"]),  # its own word too
            ("h3", "w", "acme widgets ltd", ["c:\\users\\*\\downloads\\nvidiafan\\w.exe"]),  # not a whole word
            ("h3", "u", None, ["c:\\programdata\\nvidia\\u.exe"]),
        ],
        "host_id string, sha256 string, signer string, paths array<string>",
    )
    signer_prevalence = spark.createDataFrame(
        [("nvidia corporation", 300), ("microsoft corporation", 400), ("redwood dynamics inc", 2),
         ("redwood nvidia tools ltd", 1), ("acme widgets ltd", 1)],
        "signer string, host_count long",
    )
    actual = path_vendor_prevalence(host_binary, signer_prevalence)
    expected = spark.createDataFrame(
        [("i", "redwood dynamics inc", "microsoft corporation", 400)],
        "sha256 string, signer string, path_vendor string, path_vendor_host_count long",
    )
    assert_df_equality(actual, expected, ignore_nullable=True, ignore_row_order=True)


def test_a_file_name_holding_another_signers_product_word_is_found(spark: SparkSession) -> None:
    """Microsoft's teams.exe runs on 30 hosts, so "teams" is Microsoft's (30 of the 33 hosts that run a binary
    with the word, counting the three attackers'): a downloaded teams_windows_x64.exe under Nordhaven's
    certificate, a quoted Unicode name under an attacker's and teamsupdater.exe (the word glued to a generic
    one) hold it; Microsoft's own second binary with the word does not count. "syncer" is used by two vendors on
    three hosts each (half each, below the share): nobody's. "setup" is a generic word, and a binary without a
    signer is never judged. "onedrive" runs on 9 hosts by Microsoft's certificate and on 3 by a campaign's
    (``onedriveupdate.exe``): 75 % of all the hosts, but the campaign's own hosts do not count against the owner
    when the campaign is judged, so the word is Microsoft's for it. "ordersync" is two developers' builds on a
    host each, and "tidepool" two vendors' on 3 and 5 hosts: neither signer runs it on twice the other's hosts,
    so neither owns it against the other."""
    teams = "c:\\users\\*\\appdata\\local\\microsoft\\teams\\current\\teams.exe"
    rows = [(f"h{host}", "t", "microsoft corporation", [teams]) for host in range(30)]
    rows += [
        ("h0", "m", "microsoft corporation", ["c:\\program files\\teams installer\\teams_update.exe"]),
        ("h30", "x", "nordhaven innovations inc", ["c:\\users\\*\\downloads\\teams_windows_x64.exe"]),
        ("h31", "q", "o'hara \u00fcber ltd", ["c:\\users\\*\\downloads\\\"teams\" o'brien.exe"]),
        ("h32", "g", "gamma trade llc", ["c:\\programdata\\teams\\teamsupdater.exe"]),
        ("h7", "u", None, ["c:\\programdata\\teams.exe"]),
        *[(f"h{host}", "a", "alder soft ltd", ["c:\\programdata\\alder\\syncer.exe"]) for host in range(3)],
        *[(f"h{host}", "b", "birch apps ltd", ["c:\\programdata\\birch\\syncer.exe"]) for host in range(3)],
        ("h8", "c", "cedar labs ltd", ["c:\\users\\*\\downloads\\syncer.exe"]),
        *[(f"h{host}", "s", "microsoft corporation", ["c:\\windows\\setup.exe"]) for host in range(6)],
        ("h8", "z", "zeta tools ltd", ["c:\\users\\*\\downloads\\setup.exe"]),
        *[(f"h{host}", "o", "microsoft corporation", ["c:\\program files\\microsoft onedrive\\onedrive.exe"])
          for host in range(40, 49)],
        *[(f"h{host}", f"k{host}", "kappa trade ltd", ["c:\\users\\*\\appdata\\local\\temp\\onedriveupdate.exe"])
          for host in range(50, 53)],
        ("h60", "d1", "wdktestcert ana", ["c:\\users\\*\\appdata\\local\\temp\\ordersync_build\\ordersync.exe"]),
        ("h61", "d2", "wdktestcert ben", ["c:\\users\\*\\downloads\\ordersync-artifacts\\ordersync.exe"]),
        *[(f"h{host}", "p", "pike data ltd", ["c:\\users\\*\\downloads\\tidepool.exe"]) for host in range(70, 73)],
        *[(f"h{host}", "r", "reed apps ltd", ["c:\\users\\*\\downloads\\tidepool.exe"]) for host in range(73, 78)],
    ]
    host_binary = spark.createDataFrame(rows, "host_id string, sha256 string, signer string, paths array<string>")
    expected = spark.createDataFrame(
        [
            ("x", "nordhaven innovations inc", "microsoft corporation", 30, "teams", "teams"),
            ("q", "o'hara \u00fcber ltd", "microsoft corporation", 30, "teams", "teams"),
            ("g", "gamma trade llc", "microsoft corporation", 30, "teams", "teams"),
            *[
                (f"k{host}", "kappa trade ltd", "microsoft corporation", 9, "onedrive", "onedrive")
                for host in range(50, 53)
            ],
        ],
        "sha256 string, signer string, name_owner string, name_owner_host_count long, name_owner_word string,"
        " name_word string",
    )
    assert_df_equality(name_owner_prevalence(host_binary), expected, ignore_nullable=True, ignore_row_order=True)


def test_a_misspelt_file_name_holds_the_word_it_misspells(spark: SparkSession) -> None:
    """A letter added (``svchostt``), replaced (``rundl132``, a one for an L) or two swapped (``scvhost``) is a
    misspelling; two letters apart (``svchots`` from ``svchostt``), digits alone (``notepad2``, ``tool64`` and
    ``tool32``), a word shorter than six letters (``lsasss``) or longer than forty (an attacker's name of
    thousands) is not. So the misspelt implants under a campaign's certificate are judged against Microsoft's
    binaries, while Florian Balmer's notepad2.exe is not, and neither is Microsoft's own svchost.exe against the
    campaign's misspelling of it. A word's share is counted on its exact
    spelling: Lumora's "lumenview" on 10 hosts stays Lumora's for an exact copy on one host, although Brightline's
    "lumensview" (one edit from it, and so judged against Lumora too) runs on 3 more."""
    words = spark.createDataFrame(
        [(word,) for word in ("svchost", "svchostt", "scvhost", "svchots", "rundll32", "rundl132", "notepad",
                              "notepad2", "tool64", "tool32", "lsass", "lsasss", "x" * 5000, "x" * 4999 + "y")],
        "_word string",
    )
    expected_pairs = [("svchost", "svchostt"), ("svchost", "scvhost"), ("svchost", "svchots"), ("rundll32", "rundl132")]
    assert sorted(tuple(row) for row in near_words(words).collect()) == sorted(
        [*expected_pairs, *[(near, word) for word, near in expected_pairs]]
    )

    system = "c:\\windows\\system32\\"
    rows = [
        *[(f"h{host}", "s", "microsoft windows", [system + "svchost.exe"]) for host in range(20)],
        *[(f"h{host}", "r", "microsoft windows", [system + "rundll32.exe"]) for host in range(20)],
        *[(f"h{host}", "n", "microsoft windows", [system + "notepad.exe"]) for host in range(20)],
        *[(f"h{host}", f"t{host}", "vortex trade llc", ["c:\\programdata\\windowsupdate\\svchostt.exe"])
          for host in range(20, 23)],
        ("h23", "l", "vortex trade llc", ["c:\\users\\public\\libraries\\rundl132.exe"]),
        ("h24", "p", "florian balmer", ["c:\\users\\*\\downloads\\notepad2.exe"]),
        *[(f"h{host}", "v", "lumora systems oy", ["c:\\program files\\lumora\\lumenview.exe"]) for host in range(10)],
        ("h30", "w", "kestrel apps ltd", ["c:\\users\\*\\downloads\\lumenview.exe"]),
        *[(f"h{host}", "y", "brightline ltd", ["c:\\programdata\\lumensview.exe"]) for host in range(31, 34)],
    ]
    host_binary = spark.createDataFrame(rows, "host_id string, sha256 string, signer string, paths array<string>")
    expected = spark.createDataFrame(
        [
            *[
                (f"t{host}", "vortex trade llc", "microsoft windows", 20, "svchost", "svchostt")
                for host in range(20, 23)
            ],
            ("l", "vortex trade llc", "microsoft windows", 20, "rundll32", "rundl132"),
            ("w", "kestrel apps ltd", "lumora systems oy", 10, "lumenview", "lumenview"),
            ("y", "brightline ltd", "lumora systems oy", 10, "lumenview", "lumensview"),
        ],
        "sha256 string, signer string, name_owner string, name_owner_host_count long, name_owner_word string,"
        " name_word string",
    )
    assert_df_equality(name_owner_prevalence(host_binary), expected, ignore_nullable=True, ignore_row_order=True)


# The one place a transform reads a frame's columns: the day-bit words, early in the plan (cheap to analyse).
SCHEMA_READS_ALLOWED = {("prevalence.py", "day_bits_columns")}


def test_the_transforms_ask_no_plan_for_its_schema_half_way() -> None:
    """Under Spark Connect ``frame.columns``/``schema``/``dtypes`` and a ``groupBy`` by column name are each a round
    trip in which the server analyses the whole plan so far (``features/frames.py``); the features' transforms use
    none, outside :data:`SCHEMA_READS_ALLOWED`. Checked on the source: a classic session hides the cost."""
    found = []
    for path in sorted(Path(codesign_prevalence.features.__file__).parent.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]:
            for node in ast.walk(function):
                where = (path.name, function.name, node.lineno if hasattr(node, "lineno") else 0)
                schema_read = isinstance(node, ast.Attribute) and node.attr in {"columns", "schema", "dtypes"}
                if schema_read and (path.name, function.name) not in SCHEMA_READS_ALLOWED:
                    found.append((*where, node.attr))
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"groupBy", "groupby", "rollup", "cube"}
                ):
                    for argument in node.args:
                        named = isinstance(argument, ast.Constant) and isinstance(argument.value, str)
                        spread = isinstance(argument, ast.Starred) and not isinstance(argument.value, ast.Call)
                        if named or spread:
                            found.append((*where, f"{node.func.attr} by name"))
    assert found == []
