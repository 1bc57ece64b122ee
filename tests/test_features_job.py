"""The features job end to end on a small generated fleet: tables, reruns, the window.

The fleet, its tables and the features job's report are the session's shared run's (``pipeline_run``,
tests/pipeline_helpers.py: the fleet plus a file of hostile events, each on a host of its own; ``run --json``).
The job runs again, after a later event is ingested, so the test works on a copy of that lakehouse
(``copy_lake``).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from chispa import assert_df_equality
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from codesign_prevalence.config import IngestConfig, load_config
from codesign_prevalence.errors import MissingTableError
from codesign_prevalence.features.candidates import (
    CANDIDATE_COLUMNS,
    CERTIFICATE_FIGURES,
    CERTIFICATE_LABELS,
    COMPANY_FIGURES,
)
from codesign_prevalence.ingest.pipeline import ingest_files
from codesign_prevalence.jobs import features
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.storage import (
    GOLD_CANDIDATES,
    GOLD_HASH_PREVALENCE,
    GOLD_SIGNER_PREVALENCE,
    SILVER_RULE_MATCHES,
    Lakehouse,
    replace_as_of,
)
from pipeline_helpers import CI_BLOCKED_SHA, END, FLEET_HOSTS, HANDMADE_HOSTS, PipelineRun, copy_lake

NOW = dt.datetime(2026, 11, 28, 12, 0, 0)
TABLE_KEYS = {
    SILVER_RULE_MATCHES: ["event_id"],
    GOLD_HASH_PREVALENCE: ["sha256"],
    GOLD_SIGNER_PREVALENCE: ["signer"],
    GOLD_CANDIDATES: ["population", "sha256", "signer"],
}


def _slice(spark: SparkSession, lakehouse: Lakehouse, table: str, as_of: dt.date) -> DataFrame:
    rows = lakehouse.read(spark, table).where(F.col("as_of") == F.lit(as_of))
    return rows.orderBy(*TABLE_KEYS[table])


def _snapshot(spark: SparkSession, lakehouse: Lakehouse, as_of: dt.date) -> dict[str, DataFrame]:
    """Each table's slice, materialised (the Delta files are replaced by the next run)."""
    snapshot = {}
    for table in TABLE_KEYS:
        rows = _slice(spark, lakehouse, table, as_of).collect()
        snapshot[table] = spark.createDataFrame(rows, lakehouse.read(spark, table).schema)
    return snapshot


def _assert_unchanged(spark: SparkSession, lakehouse: Lakehouse, as_of: dt.date, before: dict[str, DataFrame]) -> None:
    for table, snapshot in before.items():
        assert_df_equality(_slice(spark, lakehouse, table, as_of), snapshot.orderBy(*TABLE_KEYS[table]))


def _later_event(day: dt.date) -> str:
    return json.dumps(
        {
            "@timestamp": f"{day.isoformat()}T09:00:00Z",
            "event": {"category": ["process"], "type": ["start"], "id": "late-event"},
            "host": {"id": "late-host", "name": "LATE"},
            "process": {
                "executable": "C:\\Users\\Public\\late.exe",
                "name": "late.exe",
                "hash": {"sha256": "f" * 64},
                "code_signature": {"exists": True, "trusted": False, "status": "errorExpired",
                                   "subject_name": "Late Signer"},
            },
        }
    )


def test_features_job_on_a_generated_fleet(spark: SparkSession, pipeline_run: PipelineRun, tmp_path: Path) -> None:
    fleet = pipeline_run.fleet
    root = copy_lake(pipeline_run.root, tmp_path / "lake")
    lakehouse = Lakehouse(root)
    accepted = pipeline_run.summary["ingest"]["accepted"]
    context = JobContext(load_config(None, [f"storage.root={root}"]), verbosity=0)
    # The shared run's features job (as-of: the newest event's date), as its JSON summary reports it.
    report = pipeline_run.summary["features"]

    assert report["as_of"] == END.isoformat() and report["quiet"] is None
    assert report["window_start"] == dt.date(2026, 10, 28).isoformat()
    assert report["events_in_window"] == accepted > 0
    assert report["fleet_hosts"] == FLEET_HOSTS + HANDMADE_HOSTS
    for table, rows in [
        (SILVER_RULE_MATCHES, report["rule_matches"]),
        (GOLD_HASH_PREVALENCE, report["hash_prevalence"]),
        (GOLD_SIGNER_PREVALENCE, report["signer_prevalence"]),
    ]:
        assert _slice(spark, lakehouse, table, END).count() == rows > 0
    candidates = _slice(spark, lakehouse, GOLD_CANDIDATES, END)
    assert tuple(candidates.columns) == CANDIDATE_COLUMNS
    by_population = {row["population"]: row["count"] for row in candidates.groupBy("population").count().collect()}
    assert by_population == report["candidates"]
    assert report["candidates"]["rule"] > 0 and report["candidates"]["hunt"] > 0
    # The simulated attacks are all in the hunt population, the impostor naming itself "Adobe Inc." included
    # (the seed rule's allow-list lets it through, so it is not in the rule population).
    with open(fleet.labels_path, newline="", encoding="utf-8") as handle:
        labels = list(csv.DictReader(handle))
    malicious = {row["sha256"] for row in labels if row["label"] == "malicious"}
    impostors = {row["sha256"] for row in labels if row["scenario"] == "self_signed_impostor"}
    hunted = {row["sha256"] for row in candidates.where(F.col("population") == "hunt").select("sha256").collect()}
    ruled = {row["sha256"] for row in candidates.where(F.col("population") == "rule").select("sha256").collect()}
    assert malicious and malicious <= hunted
    assert impostors and not impostors & ruled
    # No feature column is null where the contract says it is filled.
    labels = {
        "signer", "subject_name", "thumbprint", "signer_first_seen", "example_parent", *CERTIFICATE_LABELS,
        *CERTIFICATE_FIGURES,  # null where the sources carry no certificate details or Code Integrity events
        *COMPANY_FIGURES,  # null exactly where pe.company names no other company (below)
        "path_vendor",  # null exactly where no path names another signer (path_vendor_host_count 0, below)
        # null exactly where the file name holds no other signer's product word (below)
        "name_owner", "name_owner_word", "name_word",
        "name_copy_signer",  # null exactly where no other signer runs a binary under its file name (below)
        "path_names_signer",  # null where the signer's name has no distinctive word or acronym
        "certificate_other_host_count",  # null exactly where the binary has no signer or no thumbprint (below)
        "remote_parent",  # null exactly where no remote-execution parent started it (remote_parent_host_count 0)
    }
    filled = [c for c in CANDIDATE_COLUMNS if c not in labels]
    nulls = candidates.select(*[F.count_if(F.col(c).isNull()).alias(c) for c in filled]).head()
    assert nulls is not None and {c: nulls[c] for c in filled if nulls[c]} == {}
    present = [F.col(c).isNotNull() for c in COMPANY_FIGURES]
    misfiled = candidates.where(
        (F.col("pe_company_mismatch") != F.greatest(*present)) | (F.col("pe_company_mismatch") != F.least(*present))
    )
    assert misfiled.count() == 0
    assert candidates.where(F.col("pe_company_mismatch")).count() > 0
    named_by = {
        "path_vendor": "path_vendor_host_count",
        **dict.fromkeys(("name_owner", "name_owner_word", "name_word"), "name_owner_host_count"),
        "name_copy_signer": "name_copy_host_count",
        "remote_parent": "remote_parent_host_count",
    }
    misnamed = candidates.select(
        *[F.count_if((F.col(hosts) > F.lit(0)) != F.col(other).isNotNull()).alias(other)
          for other, hosts in named_by.items()]
    ).head()
    assert misnamed is not None and {other: misnamed[other] for other in named_by if misnamed[other]} == {}
    no_certificate = F.col("signer").isNull() | F.col("thumbprint").isNull()
    assert candidates.where(no_certificate != F.col("certificate_other_host_count").isNull()).count() == 0
    # Each self-signed impostor of a name the fleet knows carries a certificate that none of the name's other
    # binaries carry, but for its own campaign's siblings (on a few hosts at most).
    # The hand-made invoice_1234.exe that Code Integrity blocked is named as a document lure; no benign binary of the
    # generated fleet is.
    lures = {row["sha256"] for row in candidates.where(F.col("lure_name")).select("sha256").collect()}
    assert CI_BLOCKED_SHA in lures and lures - {CI_BLOCKED_SHA} <= malicious
    # No benign binary shares its file name with another vendor's binaries on half the fleet. (This small fleet's
    # shared file names are each shared within one vendor's family, so the figure is 0 throughout here;
    # test_features.py's name-copy test has the positive cases.)
    half_fleet = F.col("name_copy_host_count") >= F.col("fleet_hosts") / F.lit(2)
    copies = {row["sha256"] for row in candidates.where(half_fleet).select("sha256").collect()}
    assert copies <= malicious, sorted(copies - malicious)
    known_impostors = candidates.where(
        F.col("sha256").isin(sorted(impostors)) & (F.col("signer_widest_other_host_count") > F.lit(0))
    ).select("certificate_other_host_count", "signer_other_host_count").collect()
    assert known_impostors and all(
        row["certificate_other_host_count"] < row["signer_other_host_count"] / 2 for row in known_impostors
    )

    # A rerun for the same date, after an event dated the next day was ingested, leaves the same tables:
    # reruns are idempotent and nothing after the as-of date is read.
    before = _snapshot(spark, lakehouse, END)
    versions = {table: lakehouse.version(spark, table) for table in TABLE_KEYS}
    later = tmp_path / "later.ndjson"
    later.write_text(_later_event(END + dt.timedelta(days=1)) + "\n", encoding="utf-8")
    assert ingest_files(spark, lakehouse, [str(later)], IngestConfig(), now=NOW).accepted == 1
    assert features.run(context, END).as_dict() == report
    assert all(lakehouse.version(spark, table) == (versions[table] or 0) + 1 for table in TABLE_KEYS)
    _assert_unchanged(spark, lakehouse, END, before)


def test_features_job_without_bronze_names_the_missing_stage(spark: SparkSession, tmp_path: Path) -> None:
    context = JobContext(load_config(None, [f"storage.root={tmp_path / 'empty'}"]), verbosity=0)
    with pytest.raises(MissingTableError, match="run 'ingest' first"):
        features.run(context, None)


def test_a_slice_with_columns_added_since_widens_an_older_table(spark: SparkSession, tmp_path: Path) -> None:
    """gold/candidates of an earlier version lacks the certificate labels: replacing an as-of slice adds them
    (older slices read null) and keeps the other slices' rows."""
    target = Lakehouse(tmp_path).table(GOLD_CANDIDATES)
    path = target.location
    old_day, new_day = dt.date(2026, 11, 19), dt.date(2026, 11, 20)
    spark.createDataFrame([(old_day, "a")], "as_of date, sha256 string").write.format("delta").partitionBy(
        "as_of"
    ).save(path)
    newer = spark.createDataFrame([(new_day, "b", "CN=Some CA")], "as_of date, sha256 string, issuer string")
    replace_as_of(newer, target, new_day)
    table = spark.read.format("delta").load(path)
    assert table.columns == ["as_of", "sha256", "issuer"]
    assert sorted(table.collect()) == [(old_day, "a", None), (new_day, "b", "CN=Some CA")]
