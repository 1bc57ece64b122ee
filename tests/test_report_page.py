"""The report page on inline values (no Spark): attacker-controlled strings come out as inert text, and the
page needs nothing from the network."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import re
import warnings

from codesign_prevalence.models.evaluation import RankingMetrics
from codesign_prevalence.reporting.data import (
    AlertRow,
    Evaluation,
    HistogramBin,
    ReportData,
    ScatterPoint,
    StageCount,
    stage_counts_from,
)
from codesign_prevalence.reporting.figures import prevalence_scatter, score_distribution
from codesign_prevalence.reporting.page import render, text

HOSTILE_SUBJECT = '<script>alert("pwned")</script> & "Sons" \'Ltd\''
HOSTILE_PATH = "C:\\Users\\a\\AppData\\Temp\\<img src=x onerror=alert(1)>\u202egpj.exe\x00"
HOSTILE_REASON = "runs from </td></tr></table><iframe src=https://evil.example>"
PNG = b"\x89PNG\r\n\x1a\nnot-really-a-png"


def _data(evaluation: Evaluation | None = None) -> ReportData:
    alert = AlertRow(
        population="rule",
        rank=1,
        anomaly_score=0.8123,
        sha256="a" * 64,
        subject_name=HOSTILE_SUBJECT,
        signer="script alert pwned",
        status_category="revoked",
        host_count=1,
        first_seen=dt.datetime(2026, 11, 25, 13, 5),
        example_path=HOSTILE_PATH,
        example_host="<b>WKS-1</b>",
        reasons=(HOSTILE_REASON, "certificate revoked"),
    )
    return ReportData(
        as_of=dt.date(2026, 11, 26),
        generated_at=dt.datetime(2026, 11, 27, 8, 0),
        storage_root="/tmp/lake",
        model_name="m",
        model_versions=("3",),
        scoring_run_id="abc123",
        alert_top_n=20,
        alert_min_score=None,
        alerts=(alert,),
        alerts_shown_limit=200,
        histogram=(HistogramBin("rule", 0.5, 0.6, 3, 1),),
        thresholds={"rule": 0.81, "hunt": None},
        scatter=(ScatterPoint("rule", 1, 0.0, True),),
        stage_counts=(StageCount("ingest", "lines read, latest run", 1234), StageCount("features", "x", None)),
        evaluation=evaluation,
    )


def test_text_escapes_html_and_shows_invisible_characters() -> None:
    assert text('<a href="x">&</a>') == "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
    assert text("it's") == "it&#x27;s"
    assert text("evil\u202eexe.txt\x00\x1b") == "evil&lt;U+202E&gt;exe.txt\\x00\\x1b"
    assert text("x" * 400, limit=10) == "x" * 10 + "… (390 more characters)"
    assert text(None) == ""


def test_page_escapes_every_attacker_controlled_string() -> None:
    page = render(_data(), {"score_distribution": PNG, "prevalence": PNG})
    assert "<script" not in page and "<iframe" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; &quot;Sons&quot; &#x27;Ltd&#x27;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;&lt;U+202E&gt;gpj.exe\\x00" in page
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;iframe src=https://evil.example&gt;" in page
    assert "&lt;b&gt;WKS-1&lt;/b&gt;" in page
    assert "\u202e" not in page and "\x00" not in page
    # exactly the tags the page itself writes: one table row per alert, nothing injected
    assert len(re.findall(r"<tr>", page.split('id="alerts-rule"')[1].split("</table>")[0])) == 2


def test_page_is_self_contained_with_embedded_images() -> None:
    page = render(_data(), {"score_distribution": PNG, "prevalence": PNG})
    sources = re.findall(r'src="([^"]*)"', page)
    assert sources == [f"data:image/png;base64,{base64.b64encode(PNG).decode()}"] * 2
    assert not re.search(r"<(script|link|iframe|object|embed)\b", page)
    assert "http://" not in page and "https://" not in page.replace("https://evil.example", "")
    assert "No labels file configured" in page
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")


def test_page_shows_the_evaluation_when_labels_are_configured() -> None:
    metrics = (
        RankingMetrics("rule", "model", 15, 2, 0.75, 0.5, 1.0),
        RankingMetrics("rule", "seed_rule", 15, 2, 0.13, None, 1.0),
    )
    evaluation = Evaluation("labels.csv", 20, metrics, {("rule", "model"): [(0.5, 1.0), (1.0, 0.5)]})
    page = render(_data(evaluation), {"precision_recall": PNG})
    assert 'id="metrics"' in page and 'id="precision_recall"' in page
    assert "<td>seed_rule</td>" in page and '<td class="num">0.750</td>' in page
    assert '<span class="none">n/a</span>' in page


def test_page_of_a_quiet_day_says_why_nothing_was_scored() -> None:
    quiet = dataclasses.replace(
        _data(), alerts=(), histogram=(), scatter=(), nothing_scored="no candidates in the <30>-day window"
    )
    page = render(quiet, {})
    assert '<p id="nothing-scored"><b>no candidates in the &lt;30&gt;-day window</b></p>' in page
    assert 'id="stage-counts"' in page
    assert "<h2>Alerts</h2>" not in page and "Score distribution" not in page and "No labels file" not in page
    assert "nothing-scored" not in render(_data(), {})


def test_stage_counts_in_pipeline_order() -> None:
    counts = stage_counts_from(
        ingest_latest={"lines_read": 10, "accepted": 7, "quarantined": 1, "duplicates": 1, "skipped": 1},
        ingest_totals={"runs": 2, "lines_read": 20},
        quarantine_rows=1,
        window=(dt.date(2026, 10, 28), dt.date(2026, 11, 26), 7),
        rule_matches=3,
        candidates={"rule": 2, "hunt": 5},
        scored={"rule": 2, "hunt": 5},
        alerts={"rule": 2},
        populations=("rule", "hunt"),
    )
    assert [(c.stage, c.measure, c.value) for c in counts] == [
        ("ingest", "lines read, latest run", 10),
        ("ingest", "accepted (new events), latest run", 7),
        ("ingest", "quarantined, latest run", 1),
        ("ingest", "duplicates, latest run", 1),
        ("ingest", "skipped (not a process start), latest run", 1),
        ("ingest", "lines read, all runs", 20),
        ("ingest", "rows in bronze/quarantine", 1),
        ("features", "events in window", 7),
        ("features", "seed-rule matches", 3),
        ("features", "candidates (rule)", 2),
        ("features", "candidates (hunt)", 5),
        ("score", "scored (rule)", 2),
        ("score", "alerts (rule)", 2),
        ("score", "scored (hunt)", 5),
        ("score", "alerts (hunt)", 0),
    ]


def test_plots_are_png_images() -> None:
    bins = [HistogramBin("rule", 0.1 * i, 0.1 * (i + 1), 10 - i, i % 2) for i in range(8)]
    histogram = score_distribution(bins, {"rule": 0.5, "hunt": None}, 0.4, ("rule", "hunt"))
    scatter = prevalence_scatter([ScatterPoint("hunt", n, float(n * 3), n < 3) for n in range(1, 30)], ("rule", "hunt"))
    for png in (histogram, scatter):
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


def test_a_panel_with_nothing_to_plot_draws_without_a_warning() -> None:
    # A quiet population (no binaries, no threshold) once drew an empty legend, which matplotlib warns about on the
    # user's terminal in the middle of a run's output.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = score_distribution([], {"rule": None, "hunt": None}, None, ("rule", "hunt"))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
