"""The command line end to end on a small generated fleet (in this process, on the tests' SparkSession):
``run --json`` (stage lines, the JSON summary, the report and its MLflow artifacts), ``report`` with
``--quiet`` and ``--verbose``, and the report page rendered by headless Chromium.

The ``run --json`` is the session's shared run (``pipeline_run``, tests/pipeline_helpers.py), whose inputs
hold a seed-rule match with an HTML subject and path. ``report`` logs its files to MLflow, so the ``report``
commands run on a copy of that lakehouse (``copy_lake``, its MLflow store re-pointed at the copy).
"""

from __future__ import annotations

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

from codesign_prevalence.storage import GOLD_SCORED
from pipeline_helpers import END, HTML_SHA, CliOutcome, PipelineRun, copy_lake, embedded_mlflow, run_cli

pytestmark = pytest.mark.slow

STAGES = ("ingest", "features", "train", "score", "report")
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
class Lake:
    root: Path
    run: CliOutcome
    shared: PipelineRun
    copy: Path

    def options(self) -> list[str]:
        """The run's settings, on the copy (``report`` writes to MLflow)."""
        return self.shared.options(self.copy)


@pytest.fixture(scope="module")
def lake(pipeline_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lake]:
    copy = copy_lake(pipeline_run.root, tmp_path_factory.mktemp("report-cli") / "lake")
    with embedded_mlflow():
        yield Lake(pipeline_run.root, pipeline_run.outcome, pipeline_run, copy)


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
    store = f"sqlite:///{lake.root}/mlflow/mlflow.db"
    client = MlflowClient(tracking_uri=store, registry_uri=store)  # not a registry URI set process-wide
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
    assert HTML_SHA in page  # the hostile binary is a seed-rule match, so it alerts
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Sons" in page
    assert "<script" not in page and "<img src=x" not in page and "<b>HOST" not in page
    assert 'id="precision_recall"' in page and 'id="metrics"' in page
    for name in ("score_distribution", "prevalence", "precision_recall"):
        image = mpimg.imread(str(Path(summary["report"]["path"]).with_name(f"{name}.png")))
        assert image.shape[0] > 200 and image.shape[1] > 400


def test_report_quiet_prints_only_the_path_and_verbose_more(lake: Lake, tmp_path: Path) -> None:
    quiet = run_cli("--quiet", *lake.options(), "report", "--out", str(tmp_path / "q"))
    assert quiet.code == 0 and quiet.stderr == ""
    assert quiet.stdout == f"{tmp_path / 'q' / 'report.html'}\n"
    verbose = run_cli("--verbose", *lake.options(), "report", "--as-of", END.isoformat(), "--out", str(tmp_path / "v"))
    assert verbose.code == 0 and verbose.stdout == f"{tmp_path / 'v' / 'report.html'}\n"
    assert "[report] started" in verbose.stderr and f"  {tmp_path / 'v' / 'prevalence.png'}" in verbose.stderr
    assert "MLflow run" in verbose.stderr


def test_report_for_a_date_never_scored_is_a_one_line_error(lake: Lake) -> None:
    outcome = run_cli(*lake.options(), "report", "--as-of", "2020-01-01")
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
