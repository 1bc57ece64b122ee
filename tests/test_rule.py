"""The seed rule as Spark columns: glob translation, null semantics, exact statuses, silver rule matches."""

from __future__ import annotations

import datetime as dt

from chispa import assert_df_equality
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import BooleanType, StringType, StructField, StructType

from codesign_prevalence.config import RuleConfig
from codesign_prevalence.features.rule import (
    RULE_MATCH_COLUMNS,
    glob_matches_any,
    glob_to_regex,
    rule_matches,
    with_rule_match,
)

RULE = RuleConfig()
RULE_SCHEMA = StructType(
    [
        StructField("event_id", StringType(), False),
        StructField("executable", StringType(), True),
        StructField("cs_trusted", BooleanType(), True),
        StructField("cs_valid", BooleanType(), True),
        StructField("cs_status", StringType(), True),
        StructField("cs_subject_name", StringType(), True),
    ]
)
APPDATA = r"C:\Users\a\AppData\Local\x.exe"


def seed_rule_transform(events):  # type: ignore[no-untyped-def]
    return events.transform(with_rule_match(RULE.anomalous_statuses, RULE.path_patterns, RULE.allowed_publishers))


def test_glob_to_regex_escapes_every_metacharacter() -> None:
    assert glob_to_regex(r"*\AppData\*") == r"(?s)^.*\\appdata\\.*$"
    assert glob_to_regex("a?b") == "(?s)^a.b$"
    assert glob_to_regex("100%_[x]$.(y)") == r"(?s)^100\%\_\[x\]\$\.\(y\)$"
    assert glob_to_regex("Ünï") == "(?s)^ünï$"


GLOB_CASES: list[tuple[str, str | None, bool | None]] = [
    (r"*\AppData\*", r"C:\USERS\A\APPDATA\x.exe", True),
    (r"*\AppData\*", r"C:\Users\a\AppDataX\x.exe", False),
    (r"*\AppData\*", r"C:\Users\a\AppData", False),  # the folder itself: no trailing backslash
    (r"*\AppData\*", "C:/Users/a/AppData/x.exe", False),  # forward slashes are other characters
    (r"*\Temp\*", "C:\\Windows\\Temp\\line\nbreak.exe", True),  # `*` spans a new line
    (r"C:\100%_done\*", r"c:\100%_done\x.exe", True),
    (r"C:\100%_done\*", r"c:\100xydone\x.exe", False),  # `%` and `_` are literal
    (r"C:\[ab]\*", r"C:\[ab]\x.exe", True),
    (r"C:\[ab]\*", r"C:\a\x.exe", False),  # `[` is literal
    (r"C:\a.b\*", r"C:\aXb\x.exe", False),  # `.` is literal
    (r"C:\$x\*", r"C:\$x\y.exe", True),
    (r"C:\a?c\*", r"C:\abc\y.exe", True),  # `?` is exactly one character (a regex)
    (r"C:\a?c\*", r"C:\ac\y.exe", False),
    (r"C:\a?c\*", r"C:\abbc\y.exe", False),
    (r"C:\a\b*", r"C:\a\b", True),  # `*` may be empty (startswith)
    (r"*.EXE", r"C:\a\b.exe", True),  # endswith
    (r"C:\A\B.EXE", r"c:\a\b.exe", True),  # equality
    (r"C:\A\B.EXE", r"c:\a\b.exe2", False),
    (r"*\a*b\*", r"C:\aXXb\y.exe", True),  # a `*` inside: a regex
    (r"*\a*b\*", r"C:\ab\y.exe", True),
    (r"*\a*b\*", r"C:\a\b.exe", False),
    ("*", "", True),
    ("", "", True),
    ("", "x", False),
    (r"*\Users\Public\*", "C:\\U\u017fers\\Public\\x.exe", False),  # long s is not s
    (r"*\AppData\*", None, None),
]


def test_glob_matches_any(spark: SparkSession) -> None:
    """Every case in one projection (one Spark job)."""
    columns = [
        glob_matches_any(F.lit(value).cast("string"), [pattern]).alias(f"case_{index}")
        for index, (pattern, value, _) in enumerate(GLOB_CASES)
    ]
    row = spark.range(1).select(*columns).head()
    assert row is not None
    assert [row[f"case_{index}"] for index in range(len(GLOB_CASES))] == [case[2] for case in GLOB_CASES]


def test_seed_rule_semantics(spark: SparkSession) -> None:
    rows = [
        ("untrusted", APPDATA, False, None, None, "Evil LLC"),
        ("invalid", APPDATA, True, False, None, "Evil LLC"),
        ("status", APPDATA, True, True, "errorExpired", "Evil LLC"),
        ("status wrong case", APPDATA, True, True, "ErrorExpired", "Evil LLC"),  # statuses compare exactly
        ("status not listed", APPDATA, True, True, "errorRevoked", "Evil LLC"),
        ("trusted", APPDATA, True, True, "trusted", "Evil LLC"),
        ("null booleans", APPDATA, None, None, None, "Evil LLC"),
        ("allowed", APPDATA, False, None, None, "Microsoft Corporation"),
        ("allowed other case", APPDATA, False, None, None, "MICROSOFT corporation"),
        ("allowed trailing space", APPDATA, False, None, None, "Microsoft Corporation "),  # not in~ the list
        ("no subject", APPDATA, False, False, "errorExpired", None),  # never matches, not even `not in~`
        ("empty subject", APPDATA, False, None, None, ""),
        ("program files", r"C:\Program Files\Evil\x.exe", False, None, None, "Evil LLC"),
        ("temp in windows", r"C:\Windows\TEMP\x.exe", False, None, None, "Evil LLC"),
        ("public", r"C:\users\public\x.exe", False, None, None, "Evil LLC"),
        ("null path", None, False, None, None, "Evil LLC"),
    ]
    expected = [
        ("untrusted", True, False),
        ("invalid", True, False),
        ("status", True, True),
        ("status wrong case", False, False),
        ("status not listed", False, False),
        ("trusted", False, False),
        ("null booleans", False, False),
        ("allowed", False, False),
        ("allowed other case", False, False),
        ("allowed trailing space", True, False),
        ("no subject", False, True),
        ("empty subject", True, False),
        ("program files", False, False),
        ("temp in windows", True, False),
        ("public", True, False),
        ("null path", False, False),
    ]
    actual = (
        spark.createDataFrame(rows, RULE_SCHEMA)
        .transform(seed_rule_transform)
        .select("event_id", "rule_match", "anomalous_status")
    )
    expected_df = spark.createDataFrame(
        expected, "event_id string, rule_match boolean, anomalous_status boolean"
    )
    assert_df_equality(actual, expected_df, ignore_nullable=True)


def test_rule_lists_come_from_the_configuration(spark: SparkSession) -> None:
    """A different allow-list and status list change the verdicts (nothing is hard-coded)."""
    rows = [
        ("a", APPDATA, True, True, "weird", "Evil LLC"),
        ("b", r"C:\Tools\x.exe", False, None, None, "Evil LLC"),
        ("c", APPDATA, False, None, None, "Evil LLC"),
    ]
    custom = with_rule_match(("weird",), (r"C:\Tools\*",), ("evil llc",))
    actual = spark.createDataFrame(rows, RULE_SCHEMA).transform(custom).select("event_id", "rule_match")
    expected = spark.createDataFrame(
        [("a", False), ("b", False), ("c", False)], "event_id string, rule_match boolean"
    )
    assert_df_equality(actual, expected, ignore_nullable=True)
    others = with_rule_match(("weird",), (r"C:\Tools\*", r"*\AppData\*"), ())
    actual = spark.createDataFrame(rows, RULE_SCHEMA).transform(others).select("event_id", "rule_match")
    expected = spark.createDataFrame(
        [("a", True), ("b", True), ("c", True)], "event_id string, rule_match boolean"
    )
    assert_df_equality(actual, expected, ignore_nullable=True)


def test_rule_matches_keeps_only_matches_with_the_silver_columns(spark: SparkSession) -> None:
    schema = StructType(
        [
            *RULE_SCHEMA.fields,
            StructField("timestamp", StringType(), True),
            StructField("host_id", StringType(), True),
            StructField("host_name", StringType(), True),
            StructField("sha256", StringType(), True),
            StructField("process_name", StringType(), True),
            StructField("cs_thumbprint_sha256", StringType(), True),
            StructField("user_name", StringType(), True),
            StructField("parent_executable", StringType(), True),
        ]
    )
    base = ("2026-11-20 10:00:00", "h1", None, "aa", "x.exe", None, "alice", None)
    rows = [
        ("e1", APPDATA, False, None, None, "Evil LLC", *base),
        ("e2", APPDATA, True, True, "trusted", "Evil LLC", *base),
        ("e3", APPDATA, False, None, None, None, *base),
    ]
    events = (
        spark.createDataFrame(rows, schema)
        .withColumn("timestamp", F.to_timestamp("timestamp"))
        .withColumn("event_date", F.to_date("timestamp"))
    )
    as_of = dt.date(2026, 11, 20)
    actual = events.transform(seed_rule_transform).transform(rule_matches(as_of))
    assert tuple(actual.columns) == RULE_MATCH_COLUMNS
    expected = spark.createDataFrame(
        [
            (
                as_of, "e1", dt.datetime(2026, 11, 20, 10), as_of, "h1", None, "aa", APPDATA, "x.exe",
                "Evil LLC", "evil llc", None, False, None, None, "alice", None,
            )
        ],
        actual.schema,
    )
    assert_df_equality(actual, expected, ignore_nullable=True)
