"""The analysts' side on a small scored lakehouse: the README's SQL examples (each one, taken from README.md),
the ``sql`` and ``verdict`` commands, and gold/scored_binaries read by another Delta reader (delta-rs).

The lakehouse: bronze events, gold/candidates of the newest as-of date, and gold/scored_binaries of two as-of
dates written by the real scoring transform and MERGE, with a stand-in for the model (score = 1 / hosts), two
alerts per population, and verdicts added through ``verdict add``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import deltalake
import pandas as pd
import pytest
from pyspark.sql import Column, Row, SparkSession
from pyspark.sql import functions as F

from codesign_prevalence import cli
from codesign_prevalence.config import load_config
from codesign_prevalence.errors import UserError
from codesign_prevalence.jobs import verdict
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.models.scoring import ModelRef, scored_binaries, write_scored
from codesign_prevalence.query import latest_alerts, register_views, run_query
from codesign_prevalence.schema import BRONZE_SCHEMA
from codesign_prevalence.storage import BRONZE_EVENTS, GOLD_CANDIDATES, GOLD_SCORED, OPS_VERDICTS
from test_model_support import candidate, candidates_frame

README = Path(__file__).resolve().parents[1] / "README.md"
YESTERDAY, TODAY = dt.date(2026, 11, 25), dt.date(2026, 11, 26)
EVIL = {"signer": "evil corp", "subject_name": "Evil Corp", "status_category": "revoked", "thumbprint": "ee" * 32}
# Binaries by one letter: hosts that ran them on each as-of date (absent = not a candidate that day).
HOSTS = {"a": (1, 1), "b": (2, 3), "c": (5, None), "d": (10, 10), "e": (None, 1), "f": (None, 1)}
SHA = {letter: letter * 64 for letter in HOSTS}
ODD_PATH = 'C:\\Users\\bob\\AppData\\Local\\Temp\\"quoted" \u202eexe.scr\x1b[31m'


@dataclass(frozen=True)
class Lake:
    root: Path
    context: JobContext
    verdict_ids: dict[str, str]


def fake_model(*inputs: Column) -> Column:
    return F.struct((F.lit(1.0) / inputs[0]).alias("anomaly_score"), F.array(F.lit("rare")).alias("reasons"))


def _candidates(spark: SparkSession, as_of: dt.date) -> pd.DataFrame:
    index = 0 if as_of == YESTERDAY else 1
    rows = []
    for letter, hosts in HOSTS.items():
        if hosts[index] is None:
            continue
        signer: dict[str, Any] = EVIL if letter in "ab" else {"status_category": "expired"} if letter == "d" else {}
        path = ODD_PATH if letter == "a" else f"C:\\Users\\bob\\AppData\\Local\\{letter}.exe"
        rows.append(candidate(SHA[letter], "hunt", hash_host_count=hosts[index], example_path=path, **signer))
    rows.append(candidate(SHA["a"], "rule", hash_host_count=1, example_path=ODD_PATH, **EVIL))
    return pd.DataFrame.from_records(rows).assign(as_of=as_of)


def _event(number: int, host: str, sha: str, day: dt.date, path: str) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "event_id": f"e{number}",
        "timestamp": dt.datetime.combine(day, dt.time(8, number)),
        "host_id": f"id-{host}",
        "host_name": host,
        "executable": path,
        "sha256": sha,
        "user_name": "bob",
        "source": "test",
        "ingested_at": dt.datetime(2026, 11, 27),
        "event_date": day,
    }
    return tuple(values.get(field.name) for field in BRONZE_SCHEMA.fields)


def _write_events(spark: SparkSession, root: Path) -> None:
    events = [
        _event(1, "WKS-1", SHA["a"], YESTERDAY, ODD_PATH),
        _event(2, "WKS-1", SHA["a"], TODAY, ODD_PATH),
        _event(3, "WKS-2", SHA["a"].upper(), TODAY, "C:\\Users\\eve\\Downloads\\a.exe"),
        _event(4, "WKS-3", SHA["b"], TODAY, "C:\\Users\\bob\\AppData\\Local\\b.exe"),
    ]
    frame = spark.createDataFrame(events, schema=BRONZE_SCHEMA)
    frame.write.format("delta").partitionBy("event_date").save(str(root / BRONZE_EVENTS))


@pytest.fixture(scope="module")
def lake(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Lake:
    root = tmp_path_factory.mktemp("analysts")
    context = JobContext(config=load_config(None, [f"storage.root={root}"]), verbosity=0, _spark=spark)
    _write_events(spark, root)
    today = candidates_frame(spark, _candidates(spark, TODAY))
    today.write.format("delta").partitionBy("as_of").save(str(root / GOLD_CANDIDATES))
    ids = {
        "f": str(verdict.add(context, verdict.VerdictRequest("benign", "in-house tool", sha256=SHA["f"].upper()))[
            "verdict_id"]),
        "evil": str(verdict.add(context, verdict.VerdictRequest("malicious", "IR-7", signer="EVIL  corp."))[
            "verdict_id"]),
    }
    verdicts = context.lakehouse.read(spark, OPS_VERDICTS)
    for as_of in (YESTERDAY, TODAY):
        rows = candidates_frame(spark, _candidates(spark, as_of)).transform(
            scored_binaries(fake_model, ModelRef("m", "1", "run"), 2, None, verdicts, as_of)
        )
        write_scored(context.lakehouse, rows, as_of)
    return Lake(root, context, ids)


def readme_queries() -> dict[str, str]:
    """Heading -> the ```sql block under it, for every ### heading of the README's SQL questions section."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Questions answered with SQL\n", 1)[1].split("\n## ", 1)[0]
    queries = {}
    for part in section.split("\n### ")[1:]:
        heading, _, body = part.partition("\n")
        blocks = re.findall(r"```sql\n(.*?)```", body, flags=re.S)
        assert len(blocks) == 1, f"README question {heading!r} should have exactly one sql block"
        queries[heading.strip()] = blocks[0]
    return queries


@pytest.fixture(scope="module")
def views(spark: SparkSession, lake: Lake) -> list[str]:
    return register_views(spark, lake.context.lakehouse)


def _rows(spark: SparkSession, query: str) -> list[Row]:
    params = {"sha256": SHA["a"].upper()} if ":sha256" in query else None
    return run_query(spark, query, params).collect()


def _top_alerts(rows: list[Row]) -> None:
    shown = [(row["population"], row["rank"], row["sha256"], row["verdict"]) for row in rows]
    assert shown == [
        ("hunt", 1, SHA["a"], "malicious"),  # the signer's malicious verdict is shown, it suppresses nothing
        ("hunt", 2, SHA["e"], None),  # f, as rare as e, ranks 3rd (ties by sha256) and is suppressed anyway
        ("rule", 1, SHA["a"], "malicious"),
    ]
    assert rows[0]["reasons"] == ["rare"] and rows[0]["example_path"] == ODD_PATH
    assert rows[0]["verdict_note"] == "IR-7" and rows[0]["host_names"] == ["WKS-0001"]


def _hosts_of_hash(rows: list[Row]) -> None:
    assert [(row["host_name"], row["executions"], row["paths"]) for row in rows] == [
        ("WKS-1", 2, [ODD_PATH]),
        ("WKS-2", 1, ["C:\\Users\\eve\\Downloads\\a.exe"]),
    ]


def _signer_binaries(rows: list[Row]) -> None:
    assert [(row["sha256"], row["host_count"], row["populations"], row["alerted"]) for row in rows] == [
        (SHA["a"], 1, ["hunt", "rule"], True),
        (SHA["b"], 3, ["hunt"], False),
    ]


def _changes(rows: list[Row]) -> None:
    assert [(row["change"], row["population"], row["sha256"], row["rank_now"], row["rank_before"]) for row in rows] == [
        ("new", "hunt", SHA["e"], 2, None),
        ("gone", "hunt", SHA["b"], None, 2),
    ]


CHECKS: dict[str, Callable[[list[Row]], None]] = {
    "Top alerts today": _top_alerts,
    "Every host that ran a given hash": _hosts_of_hash,
    "What else a signer signed": _signer_binaries,
    "What changed since yesterday": _changes,
}


def test_every_readme_question_has_a_check() -> None:
    assert set(readme_queries()) == set(CHECKS)


@pytest.mark.parametrize("heading", sorted(CHECKS))
def test_readme_query(spark: SparkSession, views: list[str], heading: str) -> None:
    assert {"alerts", "events", "scored_binaries", "candidates", "verdicts"} <= set(views)
    CHECKS[heading](_rows(spark, readme_queries()[heading]))


def test_scoring_applied_the_verdicts(spark: SparkSession, lake: Lake) -> None:
    scored = spark.read.format("delta").load(str(lake.root / GOLD_SCORED)).where(F.col("as_of") == F.lit(TODAY))
    f_row = scored.where(F.col("sha256") == SHA["f"]).select("rank", "alert", "suppressed", "verdict_id").collect()
    assert [tuple(row) for row in f_row] == [(3, False, True, lake.verdict_ids["f"])]
    alerts = latest_alerts(spark.read.format("delta").load(str(lake.root / GOLD_SCORED)))
    assert [row["sha256"] for row in alerts.collect()] == [SHA["a"], SHA["e"], SHA["a"]]


def test_signer_verdict_records_the_status_it_was_given_for(spark: SparkSession, lake: Lake) -> None:
    row = (
        spark.read.format("delta")
        .load(str(lake.root / OPS_VERDICTS))
        .where(F.col("verdict_id") == lake.verdict_ids["evil"])
        .select("scope", "subject_name", "signer", "status_category", "verdict", "note")
        .collect()
    )
    assert [tuple(r) for r in row] == [("signer", "EVIL  corp.", "evil corp", "revoked", "malicious", "IR-7")]


def test_scored_binaries_reads_the_same_in_delta_rs(spark: SparkSession, lake: Lake) -> None:
    path = str(lake.root / GOLD_SCORED)
    spark_rows = spark.read.format("delta").load(path)
    table = deltalake.DeltaTable(path)
    assert [field.name for field in table.schema().fields] == spark_rows.columns

    def comparable(record: dict[str, Any]) -> tuple[Any, ...]:
        values = []
        for name in spark_rows.columns:
            value = record[name]
            if isinstance(value, dt.datetime) and value.tzinfo is not None:
                value = value.astimezone().replace(tzinfo=None)  # as PySpark returns timestamps: local, naive
            values.append(tuple(value) if isinstance(value, list) else value)
        return tuple(values)

    from_delta_rs = sorted((comparable(record) for record in table.to_pyarrow_table().to_pylist()), key=repr)
    from_spark = sorted((comparable(row.asDict()) for row in spark_rows.collect()), key=repr)
    assert len(from_spark) == 11 and from_delta_rs == from_spark


def _cli(root: Path, *args: str) -> int:
    return cli.main(["--quiet", "--set", f"storage.root={root}", *args])


def test_sql_command_prints_a_table_csv_and_json(lake: Lake, capsys: pytest.CaptureFixture[str]) -> None:
    query = "SELECT rank, sha256, example_path, reasons FROM alerts WHERE population = :population ORDER BY rank"
    assert _cli(lake.root, "sql", query, "--param", "population=hunt", "--max-width", "0") == 0
    out = capsys.readouterr().out.splitlines()
    assert [cell.strip() for cell in out[0].split(" | ")] == ["rank", "sha256", "example_path", "reasons"]
    assert len(out[0]) > len("rank | " + "sha256".ljust(64) + " | example_path | reasons")  # padded to the path
    assert out[2].startswith(f"   1 | {SHA['a']} | ") and "\\u202eexe.scr\\x1b[31m" in out[2]
    assert "\x1b" not in "\n".join(out) and out[-1] == "(2 rows)"

    assert _cli(lake.root, "sql", query, "--param", "population=hunt", "--format", "csv", "--limit", "1") == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[1].startswith(f"1,{SHA['a']},")
    assert ODD_PATH.replace('"', '""') in captured.out and "first 1 rows" in captured.err

    assert _cli(lake.root, "sql", query, "--param", "population=rule", "--format", "json") == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert records == [{"rank": 1, "sha256": SHA["a"], "example_path": ODD_PATH, "reasons": ["rare"]}]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["SELECT nope FROM alerts"], "query failed: [UNRESOLVED_COLUMN"),
        (["SELEC 1"], "only queries are run"),
        (["SELECT * FROM alert"], "(views: alerts, candidates, events, process_events, scored_binaries, verdicts)"),
        (["SELECT * FROM scored_binaries WHERE sha256 = :h"], "query failed: [UNBOUND_SQL_PARAMETER]"),
        (["SELECT 1", "--param", "bad name=1"], "is not NAME=VALUE"),
        (["SELECT CAST('x' AS INT)"], "query failed: [CAST_INVALID_INPUT]"),
        (["DELETE FROM scored_binaries"], "only queries are run"),
    ],
)
def test_sql_errors_are_one_line(lake: Lake, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    assert _cli(lake.root, "sql", *args) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and message in err and "Traceback" not in err, err


def test_verdict_list_shows_active_ones(lake: Lake, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(lake.root, "verdict", "list", "--format", "json") == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted((row["verdict_id"], row["verdict"], row["scope"]) for row in listed) == sorted(
        [(lake.verdict_ids["f"], "benign", "sha256"), (lake.verdict_ids["evil"], "malicious", "signer")]
    )
    assert {row["analyst"] for row in listed} == {verdict.default_analyst()}


def test_expired_verdicts_are_listed_only_with_all(spark: SparkSession, tmp_path: Path) -> None:
    context = JobContext(config=load_config(None, [f"storage.root={tmp_path}"]), verbosity=0, _spark=spark)
    verdict.add(context, verdict.VerdictRequest("benign", "old", sha256="1" * 64, expires=verdict.today()))
    verdict.add(context, verdict.VerdictRequest("benign", "x", signer="Acme", status="trusted", analyst="bo"))
    tomorrow = verdict.today() + dt.timedelta(days=1)

    def notes(show_all: bool) -> list[tuple[Any, ...]]:
        frame = verdict.listing(spark, context.lakehouse, show_all, tomorrow)
        columns = ["note", "analyst", *(["active"] if show_all else [])]
        return sorted(tuple(row) for row in frame.select(*columns).collect())

    assert notes(False) == [("x", "bo")]
    assert notes(True) == [("old", verdict.default_analyst(), False), ("x", "bo", True)]


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (verdict.VerdictRequest("benign", "n", sha256="xyz"), "is not 64 hexadecimal digits"),
        (verdict.VerdictRequest("benign", " ", sha256="a" * 64), "--note must say why"),
        (verdict.VerdictRequest("benign", "n", sha256="a" * 64, status="trusted"), "apply only to --signer"),
        (verdict.VerdictRequest("benign", "n", signer="..."), "has no letters or digits"),
        (verdict.VerdictRequest("benign", "n", signer="Nobody"), "has no binaries in gold/candidates"),
        (verdict.VerdictRequest("benign", "n", signer="Contoso Software Ltd"), "several certificate statuses"),
        (verdict.VerdictRequest("benign", "n", signer="Acme", thumbprint="zz"), "is not a SHA-1 or SHA-256"),
        (verdict.VerdictRequest("benign", "n", sha256="a" * 64, expires=dt.date(2020, 1, 1)), "is in the past"),
    ],
)
def test_verdict_add_rejects_bad_requests(lake: Lake, request_: verdict.VerdictRequest, message: str) -> None:
    with pytest.raises(UserError, match=re.escape(message)):
        verdict.add(lake.context, request_)
