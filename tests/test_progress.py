"""Stage lines and progress lines of JobContext (no Spark: a stand-in status tracker)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import pytest

from codesign_prevalence.config import load_config
from codesign_prevalence.jobs.context import JobContext


@dataclass
class _StageInfo:
    stageId: int
    numTasks: int
    numCompletedTasks: int


class _Tracker:
    def getActiveStageIds(self) -> list[int]:
        return [7, 3]

    def getStageInfo(self, stage_id: int) -> _StageInfo | None:
        return None if stage_id == 7 else _StageInfo(stage_id, 8, 5)


class _Context:
    def statusTracker(self) -> _Tracker:
        return _Tracker()


class _Session:
    sparkContext = _Context()
    version = "4.0.1"


def _context(verbosity: int, every: float) -> JobContext:
    return JobContext(
        config=load_config(None, []), verbosity=verbosity, _spark=_Session(), progress_every_seconds=every  # type: ignore[arg-type]
    )


def test_a_long_stage_prints_start_progress_and_end(capsys: pytest.CaptureFixture[str]) -> None:
    with _context(1, 0.05).stage("features") as counts:
        time.sleep(0.4)
        counts.update(rows=3, as_of="2026-11-26")
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "[features] started"
    assert re.fullmatch(r"\[features\] done in 0\.\ds: rows=3, as_of=2026-11-26", lines[-1])
    progress = lines[1:-1]
    assert progress and all(re.fullmatch(r"\[features\] running \d+s: Spark stage 3 5/8 tasks", p) for p in progress)


def test_quiet_prints_nothing_and_short_stages_no_progress(capsys: pytest.CaptureFixture[str]) -> None:
    with _context(0, 0.01).stage("score"):
        time.sleep(0.1)
    assert capsys.readouterr().err == ""
    with _context(1, 60.0).stage("score"):
        pass
    assert [line.split(" ")[1] for line in capsys.readouterr().err.splitlines()] == ["started", "done"]


def test_the_stage_that_starts_spark_says_how_long_the_start_took(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def started_session(config: object, catalog_root: object) -> _Session:
        time.sleep(0.2)
        return _Session()

    monkeypatch.setattr("codesign_prevalence.jobs.context.get_spark", started_session)
    monkeypatch.setattr("codesign_prevalence.jobs.context.classic_context", lambda session: None)
    context = JobContext(config=load_config(None, []), verbosity=1, progress_every_seconds=60.0)
    with context.stage("ingest") as counts:
        assert context.spark is not None
        counts.update(files=1)
    with context.stage("features") as counts:  # the session it uses was started before it
        assert context.spark is not None
        counts.update(rows=3)
    lines = capsys.readouterr().err.splitlines()
    assert re.fullmatch(r"\[ingest\] done in 0\.\ds: files=1, spark_start=0\.[2-9]s", lines[1]), lines
    assert re.fullmatch(r"\[features\] done in 0\.\ds: rows=3", lines[3]), lines
