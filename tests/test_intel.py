"""Certificate intelligence applied to candidates (models/intel.py), on inline DataFrames: which entry matches
which binary (thumbprint, serial and issuer, signer), from which date, which one wins, and what it changes."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from chispa import assert_df_equality
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, BooleanType, DateType, StringType, StructField, StructType

from codesign_prevalence.config import SEED_ALLOWED_PUBLISHERS, load_config
from codesign_prevalence.errors import UserError
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.jobs.intel import IntelRequest, entry_values, import_file
from codesign_prevalence.models.intel import changed_dates, serial_text, with_certificate_intel, with_intel_reasons
from codesign_prevalence.models.scoring import ModelRef, scored_binaries
from codesign_prevalence.schema import CERTIFICATE_INTEL_SCHEMA
from codesign_prevalence.storage import OPS_CERTIFICATE_INTEL
from codesign_prevalence_model.features import INPUT_COLUMNS
from test_model_support import AS_OF, candidate, candidates_frame

ADDED = dt.datetime(2026, 11, 27, 9, 0, 0)
EARLIER = AS_OF - dt.timedelta(days=6)
CANDIDATES = StructType(
    [
        StructField("as_of", DateType(), False),
        StructField("population", StringType(), False),
        StructField("sha256", StringType(), False),
        StructField("signer", StringType(), True),
        StructField("subject_name", StringType(), True),
        StructField("thumbprint", StringType(), True),
        StructField("serial_number", StringType(), True),
        StructField("issuer", StringType(), True),
        StructField("rule_match", BooleanType(), False),
        StructField("status_category", StringType(), True),
    ]
)
APPLIED = StructType(
    [
        *CANDIDATES.fields,
        StructField("intel_status", StringType(), True),
        StructField("intel_source", StringType(), True),
        StructField("intel_effective", DateType(), True),
        StructField("intel_id", StringType(), True),
    ]
)
ISSUER = 'DigiCert "Code Signing" CA, Inc. – Ünïcödé'
ISSUER_FOLDED = "digicert code signing ca inc. ünïcödé"  # another spelling of ISSUER
SIGNER_AS_TYPED = "ÜNÏCÖDÉ  O'Brien \"Quoted\" LTD."
SIGNER = "ünïcödé o brien quoted ltd"  # canonical_signer of SIGNER_AS_TYPED
SOURCE = "feed \"O'Brien\" – ünï"


def entry(intel_id: str, status: str, effective: dt.date, **key: Any) -> tuple[Any, ...]:
    row: dict[str, Any] = {
        "intel_id": intel_id,
        "created_at": ADDED,
        "added_by": "alice",
        "scope": "thumbprint" if "thumbprint" in key else "serial_issuer" if "serial_number" in key else "signer",
        "status": status,
        "effective": effective,
        "source": SOURCE if intel_id == "i-signer" else f"source {intel_id}",
    }
    row.update(key)
    return tuple(row.get(name) for name in CERTIFICATE_INTEL_SCHEMA.fieldNames())


def intel_frame(spark: SparkSession, rows: list[tuple[Any, ...]]) -> DataFrame:
    return spark.createDataFrame(rows, schema=CERTIFICATE_INTEL_SCHEMA)


def binary(sha: str, population: str = "hunt", status: str = "trusted", **fields: Any) -> tuple[Any, ...]:
    row: dict[str, Any] = {
        "as_of": AS_OF,
        "population": population,
        "sha256": sha * 64,
        "signer": "contoso ltd",
        "subject_name": "Contoso Ltd",
        "thumbprint": None,
        "serial_number": None,
        "issuer": None,
        "rule_match": population == "rule",
        "status_category": status,
    }
    row.update(fields)
    return tuple(row[name] for name in CANDIDATES.fieldNames())


def raised(row: tuple[Any, ...], intel_id: str, status: str, effective: dt.date, rule: bool = True) -> tuple[Any, ...]:
    values = dict(zip(CANDIDATES.fieldNames(), row, strict=True))
    values.update(status_category="revoked", rule_match=values["rule_match"] or rule)
    source = SOURCE if intel_id == "i-signer" else f"source {intel_id}"
    return (*values.values(), status, source, effective, intel_id)


def unchanged(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return (*row, None, None, None, None)


def test_which_entry_applies_to_which_binary(spark: SparkSession) -> None:
    thumb = binary("a", thumbprint="AB:CD " * 16)
    serial = binary("b", status="expired", serial_number="00 1A:2b-3C", issuer=ISSUER)
    signer = binary("c", signer=SIGNER, subject_name=SIGNER_AS_TYPED)
    signer_rule_row = binary("c", "rule", signer=SIGNER, subject_name=SIGNER_AS_TYPED)
    allowed = binary("d", signer="google llc", subject_name="GOOGLE LLC", thumbprint="dd" * 32)
    future = binary("e", thumbprint="ee" * 32)
    cleared = binary("f", status="expired", thumbprint="ff" * 32)
    reinstated = binary("g", thumbprint="99" * 32)
    specific = binary("h", signer="fabrikam", subject_name="Fabrikam", thumbprint="88" * 32)
    other_cert = binary("i", signer="fabrikam", subject_name="Fabrikam", thumbprint="77" * 32)
    other_issuer = binary("j", serial_number="1a2b3c", issuer="Another CA")
    nothing = binary("k", signer=None, subject_name=None)
    candidates = spark.createDataFrame(
        [thumb, serial, signer, signer_rule_row, allowed, future, cleared, reinstated, specific, other_cert,
         other_issuer, nothing],
        schema=CANDIDATES,
    )
    intel = intel_frame(
        spark,
        [
            entry("i-thumb", "revoked", EARLIER, thumbprint="abcd" * 16),
            entry("i-serial", "malicious", AS_OF, serial_number="1a2b3c", issuer=ISSUER_FOLDED),
            entry("i-signer", "revoked", EARLIER, subject_name=SIGNER_AS_TYPED, signer=SIGNER),
            entry("i-google", "revoked", EARLIER, thumbprint="dd" * 32),
            entry("i-future", "revoked", AS_OF + dt.timedelta(days=1), thumbprint="ee" * 32),
            entry("i-f-revoked", "revoked", EARLIER, thumbprint="ff" * 32),
            entry("i-f-trusted", "trusted", AS_OF - dt.timedelta(days=1), thumbprint="ff" * 32),
            entry("i-g-trusted", "trusted", EARLIER - dt.timedelta(days=9), thumbprint="99" * 32),
            entry("i-g-revoked", "revoked", EARLIER, thumbprint="99" * 32),
            entry("i-fab-signer", "revoked", EARLIER, subject_name="FABRIKAM", signer="fabrikam"),
            entry("i-fab-thumb", "trusted", EARLIER, thumbprint="88" * 32),
        ],
    )
    expected = spark.createDataFrame(
        [
            raised(thumb, "i-thumb", "revoked", EARLIER),
            raised(serial, "i-serial", "malicious", AS_OF),  # effective on the as-of date itself
            raised(signer, "i-signer", "revoked", EARLIER),
            raised(signer_rule_row, "i-signer", "revoked", EARLIER),
            raised(allowed, "i-google", "revoked", EARLIER, rule=False),  # an allow-listed name: no rule match
            unchanged(future),
            unchanged(cleared),  # trusted after revoked: cleared, the source's own 'expired' stays
            raised(reinstated, "i-g-revoked", "revoked", EARLIER),  # revoked after trusted
            unchanged(specific),  # its thumbprint's 'trusted' wins over its signer's 'revoked'
            raised(other_cert, "i-fab-signer", "revoked", EARLIER),
            unchanged(other_issuer),
            unchanged(nothing),
        ],
        schema=APPLIED,
    )
    actual = candidates.transform(with_certificate_intel(intel, [AS_OF], SEED_ALLOWED_PUBLISHERS))
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_each_as_of_date_sees_the_entries_in_force_on_it(spark: SparkSession) -> None:
    """Several as-of dates at once (as the re-scoring reads them), on a table without serial or issuer columns."""
    day = dt.date(2026, 11, 20)
    before = binary("a", as_of=day - dt.timedelta(days=1), thumbprint="ab" * 32)
    after = binary("a", thumbprint="ab" * 32)
    candidates = spark.createDataFrame([before, after], schema=CANDIDATES).drop("serial_number", "issuer")
    intel = intel_frame(
        spark,
        [
            entry("i-1", "revoked", day, thumbprint="ab" * 32),
            entry("i-2", "revoked", day, serial_number="1", issuer="x"),
        ],
    )
    actual = candidates.transform(
        with_certificate_intel(intel, [day - dt.timedelta(days=1), AS_OF], SEED_ALLOWED_PUBLISHERS)
    )
    drop = ("serial_number", "issuer")
    expected = spark.createDataFrame(
        [unchanged(before), raised(after, "i-1", "revoked", day)], schema=APPLIED
    ).drop(*drop)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_the_reasons_name_the_intel(spark: SparkSession) -> None:
    schema = StructType(
        [
            StructField("sha256", StringType(), False),
            StructField("reasons", ArrayType(StringType()), False),
            StructField("intel_status", StringType(), True),
            StructField("intel_source", StringType(), True),
            StructField("intel_effective", DateType(), True),
            StructField("intel_id", StringType(), True),
        ]
    )
    day = dt.date(2026, 11, 20)
    surprise = "certificate revoked, although 90% of signer 'x' runs are validly signed"
    rows = spark.createDataFrame(
        [
            ("a", ["hash seen on 1 of 9 hosts", "certificate revoked"], "revoked", SOURCE, day, "i1"),
            ("b", [surprise], "malicious", "CERT-EU", day, "i2"),
            ("c", ["hash seen on 1 of 9 hosts"], "revoked", "CERT-EU", day, "i3"),
            ("d", [], "revoked", "CERT-EU", day, "i4"),
            ("e", ["certificate revoked"], None, None, None, None),
        ],
        schema=schema,
    )
    named = f"certificate revoked (intel: {SOURCE}, effective 2026-11-20)"
    expected = spark.createDataFrame(
        [
            ("a", ["hash seen on 1 of 9 hosts", named], "revoked", SOURCE, day, "i1"),
            ("b", ["certificate reported malicious (intel: CERT-EU, effective 2026-11-20), although 90% of signer "
                   "'x' runs are validly signed"], "malicious", "CERT-EU", day, "i2"),
            ("c", ["hash seen on 1 of 9 hosts", "certificate revoked (intel: CERT-EU, effective 2026-11-20)"],
             "revoked", "CERT-EU", day, "i3"),
            ("d", ["certificate revoked (intel: CERT-EU, effective 2026-11-20)"], "revoked", "CERT-EU", day, "i4"),
            ("e", ["certificate revoked"], None, None, None, None),
        ],
        schema=schema,
    )
    assert_df_equality(rows.transform(with_intel_reasons), expected, ignore_row_order=True, ignore_nullable=True)


STATUS_INPUT = INPUT_COLUMNS.index("status_category")


def _revoked_is_suspicious(*inputs: Column) -> Column:
    """Stands in for the model: a revoked certificate scores 1 and says so, anything else scores 0.1."""
    status = inputs[STATUS_INPUT]
    revoked = status == F.lit("revoked")
    return F.struct(
        F.when(revoked, F.lit(1.0)).otherwise(F.lit(0.1)).alias("anomaly_score"),
        F.when(revoked, F.array(F.lit("certificate revoked"))).otherwise(F.array(F.lit("rare"))).alias("reasons"),
    )


def test_scoring_applies_intel_before_the_model(spark: SparkSession) -> None:
    """The model sees the raised status (the stand-in model reads ``status_category``), the
    reasons name the entry, and the raised binary takes the one alert."""
    rows = [
        candidate("1" * 64, "hunt", subject_name="Evil Ltd", signer="evil ltd", thumbprint="AA" * 32),
        candidate("2" * 64, "hunt"),
    ]
    candidates = candidates_frame(spark, pd.DataFrame.from_records(rows))
    intel = intel_frame(spark, [entry("i-1", "revoked", EARLIER, thumbprint="aa" * 32)])
    scored = candidates.transform(
        scored_binaries(_revoked_is_suspicious, ModelRef("m", "1", "r"), 1, None, as_of=AS_OF, intel=intel,
                        allowed_publishers=SEED_ALLOWED_PUBLISHERS)
    )
    actual = scored.select("sha256", "rank", "alert", "rule_match", "status_category", "reasons", "intel_id")
    expected = spark.createDataFrame(
        [
            ("1" * 64, 1, True, True, "revoked",
             [f"certificate revoked (intel: source i-1, effective {EARLIER.isoformat()})"], "i-1"),
            ("2" * 64, 2, False, False, "trusted", ["rare"], None),
        ],
        schema="sha256 string, rank int, alert boolean, rule_match boolean, status_category string, "
        "reasons array<string>, intel_id string",
    )
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_changed_dates_are_those_whose_applied_entry_differs(spark: SparkSession) -> None:
    day1, day2, day3, day4 = (dt.date(2026, 11, day) for day in (20, 21, 22, 23))
    applied = spark.createDataFrame(
        [
            (day1, "hunt", "a", "A", None),  # no intel then, none recorded
            (day2, "hunt", "a", "A", "i-1"),  # newly applied
            (day3, "hunt", "a", None, "i-1"),  # recorded already (null subject scored as '')
            (day4, "hunt", "a", "A", "i-1"),  # never scored: not a re-score
        ],
        schema="as_of date, population string, sha256 string, subject_name string, intel_id string",
    )
    scored = spark.createDataFrame(
        [(day1, "hunt", "a", "A", None), (day2, "hunt", "a", "A", None), (day3, "hunt", "a", "", "i-1")],
        schema="as_of date, population string, sha256 string, subject_name string, intel_id string",
    )
    assert sorted(row[0] for row in changed_dates(applied, scored).collect()) == [day2]
    before_intel = scored.drop("intel_id")  # a table scored before intel existed records none
    assert sorted(row[0] for row in changed_dates(applied, before_intel).collect()) == [day2, day3]
    cleared = applied.withColumn("intel_id", F.lit(None).cast("string"))
    assert sorted(row[0] for row in changed_dates(cleared, scored).collect()) == [day3]


def test_serial_text_matches_the_spark_key(spark: SparkSession) -> None:
    from codesign_prevalence.models.intel import serial_key

    values = ["00 1A:2b-3C", "0000", "1a2b3c", " \t:", "0A"]
    keys = spark.createDataFrame([(value,) for value in values], "serial string").select(
        serial_key(F.col("serial")).alias("key")
    )
    assert [row[0] for row in keys.collect()] == [serial_text(value) or None for value in values]
    assert [serial_text(value) for value in values] == ["1a2b3c", "0", "1a2b3c", "", "a"]


DAY = dt.date(2026, 11, 20)


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (IntelRequest("revoked", DAY, "feed"), "exactly one of --thumbprint, --serial (with --issuer) or --signer"),
        (IntelRequest("revoked", DAY, "feed", thumbprint="ab" * 20, signer="x"), "give exactly one of"),
        (IntelRequest("revoked", DAY, "feed", serial="01"), "--serial and --issuer go together"),
        (IntelRequest("revoked", DAY, "feed", signer="x", issuer="CA"), "--serial and --issuer go together"),
        (IntelRequest("bad", DAY, "feed", signer="x"), "--status must be one of revoked, malicious, trusted"),
        (IntelRequest("revoked", DAY, " ", signer="x"), "--source must say where the entry comes from"),
        (IntelRequest("revoked", DAY, "feed", thumbprint="zz"), "is not a SHA-1 or SHA-256 thumbprint"),
        (IntelRequest("revoked", DAY, "feed", serial="0x1g", issuer="CA"), "is not a serial number in hexadecimal"),
    ],
)
def test_intel_add_rejects_what_is_not_an_entry(request_: IntelRequest, message: str) -> None:
    with pytest.raises(UserError, match=re.escape(message)):
        entry_values(request_)


def test_an_entry_is_stored_normalised() -> None:
    values = entry_values(IntelRequest("malicious", DAY, "feed", serial="00:1A 2B", issuer=ISSUER, note=" "))
    assert values == {
        "scope": "serial_issuer", "thumbprint": None, "serial_number": "1a2b", "issuer": ISSUER, "subject_name": None,
        "status": "malicious", "effective": DAY, "source": "feed", "note": None,
    }
    assert entry_values(IntelRequest("revoked", DAY, "f", thumbprint="AB:cd" * 10))["thumbprint"] == "abcd" * 10


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("feed.csv", f"thumbprint,status,effective,source\n{'ab' * 20},revoked,2026-11-20,x\n,revoked,2026-11-20,x\n",
         "feed.csv row 2 (line 3): give exactly one of thumbprint, serial (with issuer) or signer"),
        ("feed.csv", "signer,status,effective,source,colour\nAcme,revoked,2026-11-20,x,red\n",
         "feed.csv row 1 (line 2): unknown field 'colour'"),
        ("feed.csv", "signer, status ,effective,source\nAcme,revoked,2026-11-20,x,extra\n",
         "feed.csv row 1 (line 2): more values than the header has columns"),
        ("feed.csv", "signer,status,effective,source\nAcme,revoked,20.11.2026,x\n",
         "feed.csv row 1 (line 2): effective '20.11.2026' is not a date"),
        ("feed.json", '[{"signer": "Acme", "status": "revoked", "effective": "2026-11-20"}]',
         "feed.json item 1: source is missing"),
        ("feed.json", '[{"signer": "Acme", "status": "revoked", "effective": "2026-11-20", "source": 7}]',
         "feed.json item 1: source must be text, not int"),
        ("feed.json", '{"signer": "Acme"}', "feed.json: a JSON intel file holds a list of entries"),
        ("feed.json", '[{"signer": "Acme",', "feed.json: not JSON"),
        ("missing.csv", None, "intel file not found"),
    ],
)
def test_intel_import_names_the_bad_row_and_adds_nothing(
    tmp_path: Path, name: str, text: str | None, message: str
) -> None:
    path = tmp_path / name
    if text is not None:
        path.write_text(text, encoding="utf-8")
    context = JobContext(config=load_config(None, [f"storage.root={tmp_path / 'lake'}"]), verbosity=0)
    with pytest.raises(UserError, match=re.escape(message)):
        import_file(context, path)
    assert context._spark is None and not (tmp_path / "lake" / OPS_CERTIFICATE_INTEL).exists()  # checked before Spark


def test_a_signer_with_nothing_to_match_by_is_refused(spark: SparkSession, tmp_path: Path) -> None:
    context = JobContext(config=load_config(None, [f"storage.root={tmp_path}"]), verbosity=0, _spark=spark)
    path = tmp_path / "feed.csv"
    path.write_text("signer,status,effective,source\nAcme,revoked,2026-11-20,x\n\"...\",revoked,2026-11-20,x\n")
    with pytest.raises(UserError, match=re.escape("row 2 (line 3): signer has no letters or digits")):
        import_file(context, path)
    assert not (tmp_path / OPS_CERTIFICATE_INTEL).exists()
