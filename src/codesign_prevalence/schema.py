"""Table schemas (the contract of DESIGN.md) and the ECS fields each bronze column comes from."""

from __future__ import annotations

from pyspark.sql.types import (
    BinaryType,
    BooleanType,
    DateType,
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
    ]
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
