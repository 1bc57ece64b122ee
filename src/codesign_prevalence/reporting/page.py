"""The run report as one self-contained HTML page: inline CSS, plots embedded as PNG data URIs, no script,
nothing fetched from the network.

Every string that comes from data (subject names, paths, host names, reasons: attacker-controlled) goes
through :func:`text`, which escapes HTML (``html.escape``, quotes included), shows control and bidirectional
formatting characters as visible ``\\xNN`` / ``<U+202E>`` marks (a right-to-left override in a file name
must not reorder what the analyst reads) and shortens very long values.
"""

from __future__ import annotations

import base64
import html
import unicodedata
from collections.abc import Mapping, Sequence

from codesign_prevalence.models.evaluation import RankingMetrics
from codesign_prevalence.reporting.data import AlertRow, ReportData, StageCount

MAX_SHOWN_CHARS = 300
TITLE = "codesign-prevalence run report"
STYLE = """
body { font-family: sans-serif; margin: 24px; color: #222; background: #fff; }
h1 { font-size: 22px; margin-bottom: 4px; }
h2 { font-size: 18px; margin-top: 28px; border-bottom: 2px solid #ddd; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eef2f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: 12px; word-break: break-all; }
ul.reasons { margin: 0; padding-left: 16px; }
.meta td { border: none; padding: 2px 12px 2px 0; }
.none { color: #777; font-style: italic; }
img { max-width: 100%; border: 1px solid #eee; }
"""


def _visible_char(char: str) -> str:
    category = unicodedata.category(char)
    if category == "Cc":
        return f"\\x{ord(char):02x}"
    if category == "Cf":  # bidi overrides, zero-width characters, ...
        return f"<U+{ord(char):04X}>"
    return char


def text(value: object, limit: int = MAX_SHOWN_CHARS) -> str:
    """``value`` as safe HTML text (module docstring). None becomes an empty string."""
    if value is None:
        return ""
    shown = "".join(_visible_char(char) for char in str(value))
    if len(shown) > limit:
        shown = shown[:limit] + f"… ({len(shown) - limit} more characters)"
    return html.escape(shown, quote=True)


def _number(value: int | float | None, digits: int = 3) -> str:
    if value is None:
        return '<span class="none">n/a</span>'
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return f"{value:,}"


def _image(name: str, png: bytes, alt: str) -> str:
    encoded = base64.b64encode(png).decode("ascii")
    return f'<p><img id="{text(name)}" alt="{text(alt)}" src="data:image/png;base64,{encoded}"></p>'


def _meta(data: ReportData) -> str:
    rows = [
        ("as-of date", data.as_of.isoformat()),
        ("generated at (UTC)", data.generated_at.strftime("%Y-%m-%d %H:%M:%S")),
        ("storage root", data.storage_root),
        ("model", f"{data.model_name} version(s) {', '.join(data.model_versions) or 'n/a'}"),
        ("MLflow scoring run", data.scoring_run_id or "none found"),
        ("alert rule", f"top {data.alert_top_n} per population"
         + ("" if data.alert_min_score is None else f" with score >= {data.alert_min_score}")),
    ]
    body = "".join(f"<tr><td><b>{text(k)}</b></td><td>{text(v)}</td></tr>" for k, v in rows)
    return f'<table class="meta">{body}</table>'


def _stage_table(counts: Sequence[StageCount]) -> str:
    head = "<tr><th>stage</th><th>what</th><th>count</th><th>note</th></tr>"
    body = "".join(
        f"<tr><td>{text(c.stage)}</td><td>{text(c.measure)}</td><td class=\"num\">{_number(c.value)}</td>"
        f"<td>{text(c.note)}</td></tr>"
        for c in counts
    )
    return f'<table id="stage-counts">{head}{body}</table>'


def _reasons(reasons: Sequence[str]) -> str:
    if not reasons:
        return '<span class="none">no single feature stands out</span>'
    return '<ul class="reasons">' + "".join(f"<li>{text(reason)}</li>" for reason in reasons) + "</ul>"


def _alert_table(population: str, rows: Sequence[AlertRow], limit: int) -> str:
    if not rows:
        return f'<p class="none">No alerts in population {text(population)}.</p>'
    head = (
        "<tr><th>rank</th><th>score</th><th>sha256</th><th>subject name</th><th>certificate</th>"
        "<th>hosts</th><th>first seen</th><th>example path</th><th>example host</th><th>reasons</th></tr>"
    )
    body = "".join(
        "<tr>"
        f'<td class="num">{row.rank}</td><td class="num">{row.anomaly_score:.3f}</td>'
        f"<td><code>{text(row.sha256)}</code></td><td>{text(row.subject_name)}</td>"
        f"<td>{text(row.status_category)}</td><td class=\"num\">{row.host_count:,}</td>"
        f"<td>{text(row.first_seen.strftime('%Y-%m-%d %H:%M') if row.first_seen else None)}</td>"
        f"<td><code>{text(row.example_path)}</code></td><td>{text(row.example_host)}</td>"
        f"<td>{_reasons(row.reasons)}</td>"
        "</tr>"
        for row in rows
    )
    capped = f'<p class="none">Showing the first {limit} alerts.</p>' if len(rows) >= limit else ""
    return f'<table class="alerts" id="alerts-{text(population)}">{head}{body}</table>{capped}'


def _metrics_table(metrics: Sequence[RankingMetrics], top_k: int) -> str:
    head = (
        "<tr><th>population</th><th>ranker</th><th>binaries</th><th>malicious</th><th>average precision</th>"
        f"<th>precision@k</th><th>recall@{top_k}</th></tr>"
    )
    body = "".join(
        f"<tr><td>{text(m.population)}</td><td>{text(m.ranker)}</td><td class=\"num\">{m.rows:,}</td>"
        f'<td class="num">{m.positives:,}</td><td class="num">{_number(m.average_precision)}</td>'
        f'<td class="num">{_number(m.precision_at_k)}</td><td class="num">{_number(m.recall_at_k)}</td></tr>'
        for m in metrics
    )
    return f'<table id="metrics">{head}{body}</table>'


def render(data: ReportData, images: Mapping[str, bytes]) -> str:
    """The whole page. ``images`` maps ``score_distribution``, ``prevalence`` and (with labels)
    ``precision_recall`` to PNG bytes. A date where nothing was scored shows why and the counts per stage."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{text(TITLE)} {text(data.as_of.isoformat())}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{text(TITLE)}: as of {text(data.as_of.isoformat())}</h1>",
        _meta(data),
    ]
    if data.nothing_scored is not None:
        parts.append(f'<p id="nothing-scored"><b>{text(data.nothing_scored)}</b></p>')
    parts += ["<h2>Counts per stage</h2>", _stage_table(data.stage_counts)]
    if data.nothing_scored is None:
        parts += _results(data, images)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _results(data: ReportData, images: Mapping[str, bytes]) -> list[str]:
    """The alerts, the plots and the evaluation: the sections of a date that was scored."""
    parts = ["<h2>Alerts</h2>"]
    for population in data.populations:
        rows = [row for row in data.alerts if row.population == population]
        parts.append(f"<h3>Population {text(population)}: {len(rows)} alert(s) shown</h3>")
        parts.append(_alert_table(population, rows, data.alerts_shown_limit))
    parts.append("<h2>Score distribution and alert threshold</h2>")
    if "score_distribution" in images:
        parts.append(_image("score_distribution", images["score_distribution"], "histogram of anomaly scores"))
    parts.append("<h2>Host prevalence against signer age</h2>")
    if "prevalence" in images:
        parts.append(_image("prevalence", images["prevalence"], "hosts per binary against signer age"))
    parts.append("<h2>Precision and recall against the baselines</h2>")
    if data.evaluation is None:
        parts.append('<p class="none">No labels file configured (evaluate.labels); nothing to measure against.</p>')
    else:
        parts.append(f"<p>Labels: <code>{text(data.evaluation.labels)}</code></p>")
        parts.append(_metrics_table(data.evaluation.metrics, data.evaluation.top_k))
        if "precision_recall" in images:
            parts.append(_image("precision_recall", images["precision_recall"], "precision-recall curves"))
    return parts
