"""Every table's schema (the contract of DESIGN.md), in one place, and the ECS fields each bronze column comes
from."""

from __future__ import annotations

from pyspark.sql.types import (
    ArrayType,
    BinaryType,
    BooleanType,
    DateType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

# Bronze column -> ECS field it is read from (nested or dotted, the same field either way).
ECS_STRING_FIELDS: dict[str, str] = {
    "event_id": "event.id",
    "host_id": "host.id",
    "host_name": "host.name",
    "executable": "process.executable",
    "process_name": "process.name",
    "sha256": "process.hash.sha256",
    "sha1": "process.hash.sha1",
    "cs_status": "process.code_signature.status",
    "cs_subject_name": "process.code_signature.subject_name",
    "cs_thumbprint_sha256": "process.code_signature.thumbprint_sha256",
    "pe_original_file_name": "process.pe.original_file_name",
    "pe_company": "process.pe.company",
    "pe_product": "process.pe.product",
    "pe_file_version": "process.pe.file_version",
    "parent_executable": "process.parent.executable",
    "parent_name": "process.parent.name",
    "user_name": "user.name",
    "user_domain": "user.domain",
    "command_line": "process.command_line",
    "entity_id": "process.entity_id",
}
ECS_BOOLEAN_FIELDS: dict[str, str] = {
    "cs_exists": "process.code_signature.exists",
    "cs_trusted": "process.code_signature.trusted",
    "cs_valid": "process.code_signature.valid",
}
# Certificate details (issue 17), each null where a source lacks it. Two come from ECS (Elastic Defend, Sysmon
# through Elastic Agent when a shipper writes them); the others only from the adapters of sources that carry
# them (Defender's DeviceFileCertificateInfo). ECS has no issuer, serial or validity fields.
ECS_CERTIFICATE_FIELDS: dict[str, str] = {
    "cs_signing_time": "process.code_signature.timestamp",
    "cs_digest_algorithm": "process.code_signature.digest_algorithm",
}
CERTIFICATE_STRING_COLUMNS: tuple[str, ...] = (
    "cs_issuer_name",
    "cs_serial_number",
    "cs_issuer_thumbprint",
    "cs_signer_hash",
    "cs_signature_type",
    "cs_digest_algorithm",
)
CERTIFICATE_TIMESTAMP_COLUMNS: tuple[str, ...] = ("cs_not_before", "cs_not_after", "cs_signing_time")
CERTIFICATE_BOOLEAN_COLUMNS: tuple[str, ...] = ("cs_root_microsoft",)
ECS_TIMESTAMP = "@timestamp"
ECS_EVENT_CATEGORY = "event.category"
ECS_EVENT_TYPE = "event.type"
ECS_EVENT_ACTION = "event.action"
ECS_HOST_HOSTNAME = "host.hostname"
ECS_PROCESS_PID = "process.pid"

# Fields without which the job cannot place an event: missing any -> quarantine.
REQUIRED_COLUMNS: tuple[str, ...] = ("host_id", "executable", "sha256")

BRONZE_SCHEMA = StructType(
    [
        StructField("event_id", StringType(), False),
        StructField("timestamp", TimestampType(), False),
        StructField("host_id", StringType(), False),
        StructField("host_name", StringType(), True),
        StructField("executable", StringType(), False),
        StructField("process_name", StringType(), True),
        StructField("sha256", StringType(), False),
        StructField("sha1", StringType(), True),
        StructField("cs_exists", BooleanType(), True),
        StructField("cs_trusted", BooleanType(), True),
        StructField("cs_valid", BooleanType(), True),
        StructField("cs_status", StringType(), True),
        StructField("cs_subject_name", StringType(), True),
        StructField("cs_thumbprint_sha256", StringType(), True),
        StructField("pe_original_file_name", StringType(), True),
        StructField("pe_company", StringType(), True),
        StructField("pe_product", StringType(), True),
        StructField("pe_file_version", StringType(), True),
        StructField("parent_executable", StringType(), True),
        StructField("parent_name", StringType(), True),
        StructField("user_name", StringType(), True),
        StructField("user_domain", StringType(), True),
        StructField("command_line", StringType(), True),
        StructField("entity_id", StringType(), True),
        StructField("source", StringType(), False),
        StructField("source_file", StringType(), True),
        StructField("ingested_at", TimestampType(), False),
        StructField("event_date", DateType(), False),
        # Certificate details (at the end, where the ingest adds them to a bronze table of an earlier version).
        StructField("cs_issuer_name", StringType(), True),
        StructField("cs_serial_number", StringType(), True),
        StructField("cs_issuer_thumbprint", StringType(), True),
        StructField("cs_signer_hash", StringType(), True),
        StructField("cs_not_before", TimestampType(), True),
        StructField("cs_not_after", TimestampType(), True),
        StructField("cs_signing_time", TimestampType(), True),
        StructField("cs_signature_type", StringType(), True),
        StructField("cs_root_microsoft", BooleanType(), True),
        StructField("cs_digest_algorithm", StringType(), True),
    ]
)
CERTIFICATE_COLUMNS: tuple[str, ...] = tuple(
    field.name for field in BRONZE_SCHEMA.fields[BRONZE_SCHEMA.fieldNames().index("cs_issuer_name") :]
)

QUARANTINE_SCHEMA = StructType(
    [
        StructField("source_file", StringType(), False),
        StructField("line_number", LongType(), False),
        StructField("reason", StringType(), False),
        StructField("raw", StringType(), True),
        StructField("raw_sha256", StringType(), False),
        StructField("ingested_at", TimestampType(), False),
    ]
)

# Quarantine reasons: stable identifiers that analysts can group by.
REASON_NOT_JSON = "not_json"
REASON_NOT_OBJECT = "not_an_object"
REASON_BAD_TIMESTAMP = "bad_timestamp"
REASON_MISSING_PREFIX = "missing_field:"
REASON_LINE_TOO_LONG = "line_too_long"
REASON_BAD_ENCODING = "not_utf8"
REASON_TRUNCATED_GZIP = "truncated_gzip"
REASON_UNREADABLE_FILE = "unreadable_file"
REASON_WRONG_TYPE_PREFIX = "wrong_type:"

# gold/first_seen: the fleet's history of each hash, canonical signer and certificate thumbprint (all days ever
# ingested, not the window), kept by a MERGE of each rolled day's sightings.
FIRST_SEEN_SCHEMA = StructType(
    [
        StructField("kind", StringType(), False),
        StructField("key", StringType(), False),
        StructField("first_seen", TimestampType(), True),
        StructField("last_seen", TimestampType(), True),
        StructField("hosts", BinaryType(), True),
        StructField("host_count", LongType(), True),
    ]
)

# gold/scored_binaries: one binary per population per as-of date (MERGEd on sha256, subject_name, population,
# as_of).
SCORED_SCHEMA = StructType(
    [
        StructField("as_of", DateType(), False),
        StructField("population", StringType(), False),
        StructField("rank", IntegerType(), False),
        StructField("sha256", StringType(), False),
        StructField("subject_name", StringType(), False),
        StructField("signer", StringType(), True),
        StructField("anomaly_score", DoubleType(), False),
        StructField("alert", BooleanType(), False),
        StructField("reasons", ArrayType(StringType(), True), False),
        StructField("rule_match", BooleanType(), False),
        StructField("status_category", StringType(), True),
        StructField("host_count", LongType(), False),
        StructField("first_seen", TimestampType(), True),
        StructField("example_path", StringType(), True),
        StructField("example_host", StringType(), True),
        StructField("host_names", ArrayType(StringType(), True), True),
        StructField("model_name", StringType(), False),
        StructField("model_version", StringType(), False),
        StructField("mlflow_run_id", StringType(), False),
        StructField("scored_at", TimestampType(), False),
        # Added with analyst verdicts (at the end, where a MERGE with schema evolution adds them to older tables).
        StructField("thumbprint", StringType(), True),
        StructField("suppressed", BooleanType(), True),
        StructField("verdict", StringType(), True),
        StructField("verdict_note", StringType(), True),
        StructField("verdict_by", StringType(), True),
        StructField("verdict_id", StringType(), True),
        # Added with certificate intelligence (models/intel.py): the ops/certificate_intel entry applied, if any.
        StructField("intel_status", StringType(), True),
        StructField("intel_source", StringType(), True),
        StructField("intel_effective", DateType(), True),
        StructField("intel_id", StringType(), True),
    ]
)

# ops/verdicts: analysts' verdicts, append-only.
VERDICTS_SCHEMA = StructType(
    [
        StructField("verdict_id", StringType(), False),
        StructField("created_at", TimestampType(), False),
        StructField("analyst", StringType(), False),
        StructField("scope", StringType(), False),
        StructField("sha256", StringType(), True),
        StructField("subject_name", StringType(), True),  # as the analyst typed it
        StructField("signer", StringType(), True),  # its canonical form when the verdict was added
        StructField("thumbprint", StringType(), True),
        StructField("status_category", StringType(), True),
        StructField("verdict", StringType(), False),
        StructField("note", StringType(), False),
        StructField("expires", DateType(), True),
    ]
)

# ops/ingest_runs: one row per ingest run with its line accounting.
INGEST_RUNS_SCHEMA = StructType(
    [
        StructField("run_id", StringType(), False),
        StructField("ingested_at", TimestampType(), False),
        StructField("files", LongType(), False),
        StructField("lines_read", LongType(), False),
        StructField("accepted", LongType(), False),
        StructField("quarantined", LongType(), False),
        StructField("duplicates", LongType(), False),
        StructField("skipped", LongType(), False),
        StructField("blank", LongType(), False),
        StructField("newest_event_date", DateType(), True),
    ]
)

# ops/features_runs: one row per features run (a quiet day is told from a date never run).
FEATURES_RUNS_SCHEMA = StructType(
    [
        StructField("run_id", StringType(), False),
        StructField("ran_at", TimestampType(), False),
        StructField("as_of", DateType(), False),
        StructField("lookback_days", IntegerType(), False),
        StructField("events_in_window", LongType(), False),
        StructField("candidates", LongType(), False),
        StructField("bronze_events", LongType(), True),
        StructField("oldest_event_date", DateType(), True),
        StructField("newest_event_date", DateType(), True),
    ]
)

# bronze/codeintegrity_events: one Windows Code Integrity enforcement event (3033/3077 blocked, 3034/3076
# audited), written like bronze/process_events (insert-only MERGE on event_id, partitioned by event_date), with
# the signature information of its 3089 events (correlated by activity id within one ingest run; null when none
# arrived). Joins to process events and candidates on (sha256, host_id).
CODEINTEGRITY_SCHEMA = StructType(
    [
        StructField("event_id", StringType(), False),
        StructField("timestamp", TimestampType(), False),
        StructField("host_id", StringType(), False),
        StructField("host_name", StringType(), True),
        StructField("sha256", StringType(), False),
        StructField("sha1", StringType(), True),
        StructField("file_path", StringType(), False),
        StructField("event_code", IntegerType(), False),
        StructField("action", StringType(), False),
        StructField("process_path", StringType(), True),
        StructField("authenticode_sha256", StringType(), True),
        StructField("policy_name", StringType(), True),
        StructField("policy_id", StringType(), True),
        StructField("requested_signing_level", StringType(), True),
        StructField("validated_signing_level", StringType(), True),
        StructField("status", StringType(), True),
        StructField("activity_id", StringType(), True),
        # From the event's 3089 signature information (the first signature, index 0); null when none.
        StructField("signature_count", IntegerType(), True),
        StructField("publisher_name", StringType(), True),
        StructField("issuer_name", StringType(), True),
        StructField("publisher_tbs_hash", StringType(), True),
        StructField("issuer_tbs_hash", StringType(), True),
        StructField("not_before", TimestampType(), True),
        StructField("not_after", TimestampType(), True),
        StructField("signature_type", StringType(), True),
        StructField("verification_error", StringType(), True),
        StructField("source", StringType(), False),
        StructField("source_file", StringType(), True),
        StructField("ingested_at", TimestampType(), False),
        StructField("event_date", DateType(), False),
    ]
)
# What only Code Integrity records carry (the adapter's ``_detail``), as classified-row columns.
CODEINTEGRITY_DETAIL_COLUMNS: tuple[str, ...] = (
    "event_code",
    "action",
    "process_path",
    "authenticode_sha256",
    "policy_name",
    "policy_id",
    "requested_signing_level",
    "validated_signing_level",
    "status",
    "activity_id",
    "signature_index",
    "total_signatures",
    "verification_error",
)

# ops/certificate_intel: one certificate intelligence entry (append-only, like ops/verdicts; written by
# ``intel add`` / ``intel import``, read by scoring: codesign_prevalence.models.intel says how entries apply).
# ``intel_id`` is a digest of what the entry says (scope, normalised key, status, effective date, source,
# note): adding the same entry again adds nothing. Who and when are those of its first addition.
CERTIFICATE_INTEL_SCHEMA = StructType(
    [
        StructField("intel_id", StringType(), False),
        StructField("created_at", TimestampType(), False),
        StructField("added_by", StringType(), False),
        StructField("scope", StringType(), False),  # thumbprint | serial_issuer | signer
        StructField("thumbprint", StringType(), True),  # lower-case hex, without spaces or colons
        StructField("serial_number", StringType(), True),  # lower-case hex, without separators or leading zeros
        StructField("issuer", StringType(), True),  # as given
        StructField("subject_name", StringType(), True),  # the signer as given
        StructField("signer", StringType(), True),  # its canonical form
        StructField("status", StringType(), False),  # revoked | malicious | trusted
        StructField("effective", DateType(), False),
        StructField("source", StringType(), False),
        StructField("note", StringType(), True),
        StructField("imported_from", StringType(), True),  # the file of 'intel import' (null for 'intel add')
    ]
)
