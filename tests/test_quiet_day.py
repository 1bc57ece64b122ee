"""A quiet day: an as-of window without candidates is a successful run of every stage that says so in one line.

Two cases, each on the tests' SparkSession through the command line in this process (``run_cli``):

- a fresh lakehouse whose only events are validly signed binaries in Program Files (events in the window, no
  candidate, no model ever trained): ``run``, ``score``, ``train``, ``report``;
- a copy of the session's shared lakehouse (``copy_lake``) with an as-of date far after its events (no event
  in the window, a champion registered, scored rows present): nothing is registered and nothing is written.

A date that ``features`` never ran for is still today's one-line user error (exit 2).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient
from pyspark.sql import SparkSession

from codesign_prevalence.models.inputs import QuietDay
from codesign_prevalence.ops import FeaturesRun
from codesign_prevalence.storage import GOLD_CANDIDATES, GOLD_SCORED
from pipeline_helpers import END, MODEL, MODEL_SETTINGS, PipelineRun, copy_lake, embedded_mlflow, run_cli, table_rows

DAY = dt.date(2026, 11, 20)
FAR_AFTER = dt.date(2027, 1, 31)  # window 2027-01-02 .. 2027-01-31: 37 days after the shared run's newest event
ERROR = "codesign-prevalence: error: "


def _trusted_event(index: int) -> dict[str, object]:
    """A validly signed binary in Program Files: neither a seed-rule match nor a hunt candidate."""
    return {
        "@timestamp": f"{DAY.isoformat()}T09:0{index}:00Z",
        "event": {"category": ["process"], "type": ["start"], "id": f"quiet-{index}"},
        "host": {"id": f"host-{index}", "name": f"WKS-{index}"},
        "process": {
            "executable": "C:\\Program Files\\Contoso\\tool.exe",
            "name": "tool.exe",
            "hash": {"sha256": f"{index:064x}"},
            "code_signature": {"exists": True, "trusted": True, "status": "trusted", "subject_name": "Contoso Ltd."},
        },
    }


def _options(root: Path) -> list[str]:
    return [part for setting in (f"storage.root={root}", *MODEL_SETTINGS) for part in ("--set", setting)]


def _stage_line(stderr: str, stage: str) -> str:
    """The one line ``[stage] ...`` that is neither the stage's start, progress nor end."""
    routine = tuple(f"[{stage}] {word}" for word in ("started", "running", "done"))
    lines = [line for line in stderr.splitlines() if line.startswith(f"[{stage}] ") and not line.startswith(routine)]
    assert len(lines) == 1, stderr
    return lines[0].removeprefix(f"[{stage}] ")


def test_message_says_where_the_events_lie() -> None:
    def message(in_window: int, oldest: dt.date | None, newest: dt.date | None) -> str:
        return QuietDay(FeaturesRun(dt.date(2026, 1, 10), 30, in_window, 0, 1040, oldest, newest)).message()

    assert message(12, dt.date(2025, 6, 1), dt.date(2026, 1, 10)) == (
        "no candidates in the 30-day window ending 2026-01-10 (12 of 1,040 events in bronze, newest 2026-01-10): "
        "nothing to score"
    )
    assert message(0, dt.date(2025, 6, 1), dt.date(2025, 11, 2)) == (
        "no events in the 30-day window ending 2026-01-10; the newest event in bronze is 2025-11-02, "
        "40 day(s) before the window starts: nothing to score"
    )
    assert message(0, dt.date(2026, 3, 1), dt.date(2026, 4, 1)).endswith(
        "; the oldest event in bronze is 2026-03-01, 50 day(s) after the window ends: nothing to score"
    )
    assert message(0, dt.date(2025, 1, 1), dt.date(2026, 4, 1)).endswith(
        "; bronze holds events from 2025-01-01 to 2026-04-01, none in the window: nothing to score"
    )
    assert message(0, None, None).endswith("; bronze holds no events: nothing to score")


def test_quiet_day_on_a_fresh_lakehouse(spark: SparkSession, tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    events.write_text("".join(json.dumps(_trusted_event(i)) + "\n" for i in range(3)), encoding="utf-8")
    root, options = tmp_path / "lake", _options(tmp_path / "lake")
    line = f"no candidates in the 30-day window ending {DAY} (3 of 3 events in bronze, newest {DAY})"
    with embedded_mlflow():
        ran = run_cli(*options, "run", "--input", str(events), "--json")
        assert ran.code == 0, ran.stderr
        summary = json.loads(ran.stdout)
        assert summary["quiet"] == f"{line}: nothing to score"
        assert _stage_line(ran.stderr, "features") == f"{line}: nothing to score"
        assert "train" not in summary and "score" not in summary
        assert summary["report"]["nothing_scored"] == f"{line}: nothing was scored"
        page = Path(summary["report"]["path"]).read_text(encoding="utf-8")
        assert f'<p id="nothing-scored"><b>{line}: nothing was scored</b></p>' in page

        scored = run_cli(*options, "score")
        assert (scored.code, _stage_line(scored.stderr, "score")) == (0, f"{line}: nothing to score")
        assert not (root / GOLD_SCORED).exists()
        trained = run_cli(*options, "train")
        assert (trained.code, _stage_line(trained.stderr, "train")) == (
            0,
            f"{line}: nothing to train on; no model registered ({MODEL}@champion does not exist yet)",
        )
        reported = run_cli(*options, "report", "--as-of", DAY.isoformat())
        assert (reported.code, reported.stdout.strip()) == (0, summary["report"]["path"])
        assert _stage_line(reported.stderr, "report") == f"{line}: nothing was scored"

        never = run_cli(*options, "score", "--as-of", "2026-11-21")
    assert never.code == 2 and never.stdout == ""
    assert never.stderr.splitlines()[-1] == (
        f"{ERROR}table {GOLD_CANDIDATES} has no rows for as-of 2026-11-21; run 'features --as-of 2026-11-21'"
    )


def test_quiet_day_keeps_the_champion_and_the_scored_rows(
    spark: SparkSession, pipeline_run: PipelineRun, tmp_path: Path
) -> None:
    root = copy_lake(pipeline_run.root, tmp_path / "lake")
    options, quiet = _options(root), ["--as-of", FAR_AFTER.isoformat()]
    store = f"sqlite:///{root}/mlflow/mlflow.db"
    # Both URIs: a registry URI set process-wide by an earlier in-process test must not be followed.
    client = MlflowClient(tracking_uri=store, registry_uri=store)
    champion = client.get_model_version_by_alias(MODEL, "champion").version
    versions = len(client.search_model_versions(f"name = '{MODEL}'"))
    scored_before = table_rows(spark, root, GOLD_SCORED)
    line = (
        f"no events in the 30-day window ending {FAR_AFTER}; the newest event in bronze is {END}, "
        "37 day(s) before the window starts"
    )
    with embedded_mlflow():
        never = run_cli(*options, "train", *quiet)
        assert never.code == 2 and never.stderr.splitlines()[-1] == (
            f"{ERROR}table {GOLD_CANDIDATES} has no rows for as-of {FAR_AFTER}; run 'features --as-of {FAR_AFTER}'"
        )
        featured = run_cli(*options, "features", *quiet)
        assert (featured.code, _stage_line(featured.stderr, "features")) == (0, f"{line}: nothing to score")
        trained = run_cli(*options, "train", *quiet)
        assert (trained.code, _stage_line(trained.stderr, "train")) == (
            0,
            f"{line}: nothing to train on; {MODEL}@champion stays v{champion}",
        )
        scored = run_cli(*options, "score")  # the newest as-of date is the quiet one
        assert (scored.code, _stage_line(scored.stderr, "score")) == (0, f"{line}: nothing to score")
        reported = run_cli(*options, "report", *quiet)
        assert (reported.code, _stage_line(reported.stderr, "report")) == (0, f"{line}: nothing was scored")
        before_data = run_cli(*options, "features", "--as-of", "2020-01-10")
    assert client.get_model_version_by_alias(MODEL, "champion").version == champion
    assert len(client.search_model_versions(f"name = '{MODEL}'")) == versions
    assert table_rows(spark, root, GOLD_SCORED) == scored_before
    assert before_data.code == 0
    assert _stage_line(before_data.stderr, "features").endswith(
        f"; the oldest event in bronze is {END - dt.timedelta(days=1)}, 2511 day(s) after the window ends: "
        "nothing to score"
    )


@pytest.mark.parametrize(
    ("stage", "message"),
    [("score", f"no model version '{MODEL}@champion'"), ("report", f"table {GOLD_SCORED} does not exist")],
)
def test_a_lakehouse_features_never_ran_on_gives_the_errors_of_before(
    spark: SparkSession, tmp_path: Path, stage: str, message: str
) -> None:
    with embedded_mlflow():
        outcome = run_cli(*_options(tmp_path / "lake"), stage, "--as-of", DAY.isoformat())
    assert outcome.code == 2
    assert outcome.stderr.splitlines()[-1].startswith(f"{ERROR}{message}")
