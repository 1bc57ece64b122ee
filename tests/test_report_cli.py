"""The command line end to end on a tiny generated fleet (in this process, on the tests' SparkSession):
``run --json`` (stage lines, the JSON summary, the report and its MLflow artifacts), ``report`` with
``--quiet`` and ``--verbose``, and the report page rendered by headless Chromium."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
from mlflow.tracking import MlflowClient
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from codesign_prevalence.cli import main
from codesign_prevalence.simulator import generate_fleet
from codesign_prevalence.storage import GOLD_SCORED

pytestmark = pytest.mark.slow

END = dt.date(2026, 11, 26)
MODEL = "report_cli_iforest"
STAGES = ("ingest", "features", "train", "score", "report")
HOSTILE_SUBJECT = '<script>alert("x")</script> & Sons'
HOSTILE_SHA = "c" * 64
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,2000",
)


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Lake:
    root: Path
    labels: Path
    run: Outcome

    def options(self) -> list[str]:
        return [
            "--set", f"storage.root={self.root}",
            "--set", f"model.name={MODEL}",
            "--set", "model.n_estimators=50",
            "--set", f"evaluate.labels={self.labels}",
        ]


def cli(*args: str) -> Outcome:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return Outcome(code, out.getvalue(), err.getvalue())


def _hostile_event() -> str:
    """A seed-rule match (revoked, Temp folder, not allow-listed) whose subject and path are HTML."""
    return json.dumps(
        {
            "@timestamp": f"{END.isoformat()}T10:00:00Z",
            "event": {"category": ["process"], "type": ["start"], "id": "hostile-1"},
            "host": {"id": "hostile-host", "name": "<b>HOST</b>"},
            "process": {
                "executable": "C:\\Users\\x\\AppData\\Local\\Temp\\<img src=x onerror=alert(1)>.exe",
                "name": "evil.exe",
                "hash": {"sha256": HOSTILE_SHA},
                "code_signature": {
                    "exists": True, "trusted": False, "status": "revoked", "subject_name": HOSTILE_SUBJECT,
                },
            },
        }
    )


@pytest.fixture(scope="module")
def lake(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lake]:
    base = tmp_path_factory.mktemp("report-cli")
    fleet = generate_fleet(base / "fleet", hosts=12, days=3, seed=5, end_date=END, events_per_host_day=60.0)
    hostile = base / "hostile.ndjson"
    hostile.write_text(_hostile_event() + "\n", encoding="utf-8")
    environment = pytest.MonkeyPatch()
    environment.delenv("MLFLOW_TRACKING_URI", raising=False)
    environment.delenv("MLFLOW_REGISTRY_URI", raising=False)
    partial = Lake(base / "lake", fleet.labels_path, Outcome(0, "", ""))
    outcome = cli(*partial.options(), "run", "--input", str(fleet.events_path), str(hostile), "--json")
    yield Lake(partial.root, partial.labels, outcome)
    environment.undo()


def test_run_json_is_the_whole_stdout_and_every_stage_reports(lake: Lake) -> None:
    assert lake.run.code == 0, lake.run.stderr
    summary = json.loads(lake.run.stdout)
    assert set(STAGES) <= set(summary)
    assert summary["ingest"]["files"] == 2 and summary["ingest"]["balanced"] is True
    assert summary["report"]["path"] == str(lake.root / "reports" / END.isoformat() / "report.html")
    assert summary["report"]["mlflow_run_id"] == summary["score"]["scoring_run_id"]
    lines = lake.run.stderr.splitlines()
    for stage in STAGES:
        started = [n for n, line in enumerate(lines) if line == f"[{stage}] started"]
        done = [n for n, line in enumerate(lines) if re.fullmatch(rf"\[{stage}\] done in \d+\.\ds: \w+=.+", line)]
        assert len(started) == 1 and len(done) == 1 and started[0] < done[0], (stage, lines)
    assert lines.index("[ingest] started") < lines.index("[features] started") < lines.index("[report] started")


def test_report_is_logged_to_the_scoring_run(lake: Lake) -> None:
    summary = json.loads(lake.run.stdout)
    client = MlflowClient(tracking_uri=f"sqlite:///{lake.root}/mlflow/mlflow.db")
    run = client.get_run(summary["score"]["scoring_run_id"])
    assert run.data.tags["codesign_prevalence.kind"] == "score"
    assert run.data.params["model_version"] == summary["score"]["model_version"]
    assert run.data.metrics["rule_alerts"] == summary["score"]["alerts"]["rule"]
    logged = {item.path for item in client.list_artifacts(run.info.run_id, "report")}
    assert logged == {
        "report/report.html", "report/score_distribution.png", "report/prevalence.png", "report/precision_recall.png"
    }


def test_report_page_shows_alerts_counts_and_escapes(spark: SparkSession, lake: Lake) -> None:
    summary = json.loads(lake.run.stdout)
    page = Path(summary["report"]["path"]).read_text(encoding="utf-8")
    alerts = (
        spark.read.format("delta").load(str(lake.root / GOLD_SCORED))
        .where(F.col("alert")).select("population", "sha256").collect()
    )
    assert alerts and all(row["sha256"] in page for row in alerts)
    assert page.count('<td class="num">') > len(alerts)
    lines_read = summary["ingest"]["lines_read"]
    assert f'<td>lines read, latest run</td><td class="num">{lines_read:,}</td>' in page
    rule_alerts = summary["score"]["alerts"]["rule"]
    assert f'<td>alerts (rule)</td><td class="num">{rule_alerts:,}</td>' in page
    assert HOSTILE_SHA in page  # the hostile binary is a seed-rule match, so it alerts
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Sons" in page
    assert "<script" not in page and "<img src=x" not in page and "<b>HOST" not in page
    assert 'id="precision_recall"' in page and 'id="metrics"' in page
    for name in ("score_distribution", "prevalence", "precision_recall"):
        image = mpimg.imread(str(Path(summary["report"]["path"]).with_name(f"{name}.png")))
        assert image.shape[0] > 200 and image.shape[1] > 400


def test_report_quiet_prints_only_the_path_and_verbose_more(lake: Lake, tmp_path: Path) -> None:
    quiet = cli("--quiet", *lake.options(), "report", "--out", str(tmp_path / "q"))
    assert quiet.code == 0 and quiet.stderr == ""
    assert quiet.stdout == f"{tmp_path / 'q' / 'report.html'}\n"
    verbose = cli("--verbose", *lake.options(), "report", "--as-of", END.isoformat(), "--out", str(tmp_path / "v"))
    assert verbose.code == 0 and verbose.stdout == f"{tmp_path / 'v' / 'report.html'}\n"
    assert "[report] started" in verbose.stderr and f"  {tmp_path / 'v' / 'prevalence.png'}" in verbose.stderr
    assert "MLflow run" in verbose.stderr


def test_report_for_a_date_never_scored_is_a_one_line_error(lake: Lake) -> None:
    outcome = cli(*lake.options(), "report", "--as-of", "2020-01-01")
    assert outcome.code == 2 and outcome.stdout == ""
    assert outcome.stderr.splitlines()[-1].startswith("codesign-prevalence: error: table gold/scored_binaries has no")


def _chromium() -> str:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found is None:
        pytest.skip("chromium is not installed (scripts/setup-chromium.sh installs Debian's package as root)")
    return found


def screenshot(page: Path, out: Path) -> np.ndarray:
    """The page rendered by headless Chromium at 1280x2000, as an RGB array of floats in [0, 1]."""
    result = subprocess.run(
        [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={out.parent / 'chromium-profile'}",
         f"--screenshot={out}", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0 and out.is_file(), result.stderr[-2000:]
    return np.asarray(mpimg.imread(str(out)))[:, :, :3]


def looks_rendered(pixels: np.ndarray) -> tuple[bool, str]:
    """Not one colour: enough non-white pixels and enough distinct colours (text, tables, plots)."""
    non_white = float(np.mean(np.any(pixels < 0.95, axis=2)))
    colours = len(np.unique((pixels * 255).astype(np.uint8).reshape(-1, 3), axis=0))
    return non_white > 0.05 and colours > 50, f"non-white {non_white:.3f}, {colours} distinct colours"


def test_report_renders_in_headless_chromium(lake: Lake, tmp_path: Path) -> None:
    summary = json.loads(lake.run.stdout)
    pixels = screenshot(Path(summary["report"]["path"]), tmp_path / "report.png")
    assert pixels.shape == (2000, 1280, 3)
    rendered, why = looks_rendered(pixels)
    assert rendered, why
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>", encoding="utf-8")
    assert not looks_rendered(screenshot(blank, tmp_path / "blank.png"))[0]  # the check can fail
