"""Entry point: ``codesign-prevalence run --input PATH... [--as-of DATE]``.

ingest -> features -> train (only when no model has the ``champion`` alias yet) -> score -> report, then the
top binaries of each population with their reasons (not with ``--json``, whose summary is the whole stdout).
On a quiet day (no candidates in the window) train and score have nothing to do: features says so in one
line, the summary holds it under ``quiet``, and the report says that nothing was scored.
"""

from __future__ import annotations

import datetime as dt
import textwrap

from pyspark.sql import functions as F

from codesign_prevalence.jobs import features, ingest, report, score, train
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.models.tracking import connect, has_alias
from codesign_prevalence.storage import GOLD_SCORED

CHAMPION = "champion"
TOP_SHOWN = 10


def run(
    context: JobContext, inputs: list[str], as_of: dt.date | None = None, show: bool = True
) -> dict[str, object]:
    """Run every stage in order and return a JSON-ready summary of what each did."""
    summary: dict[str, object] = {"storage_root": str(context.lakehouse.root)}
    summary["ingest"] = ingest.run(context, inputs).as_dict()
    features_report = features.run(context, as_of)
    summary["features"] = features_report.as_dict()
    as_of = features_report.as_of
    if features_report.quiet is None:
        summary.update(_train_and_score(context, as_of))
    else:  # a quiet day: features said so in one line; nothing to train on or score
        summary["quiet"] = features_report.quiet
    summary["report"] = report.run(context, as_of).as_dict()
    if show and features_report.quiet is None:
        show_top(context, as_of)
    return summary


def _train_and_score(context: JobContext, as_of: dt.date) -> dict[str, object]:
    """Train when no model is champion yet, then score with the champion: the summaries of both."""
    done: dict[str, object] = {}
    if not has_alias(connect(context.config), context.config.model.name, CHAMPION):
        done["train"] = train.run(context, as_of).as_dict()
    else:
        context.say(f"[train] skipped: {context.config.model.name}@{CHAMPION} exists (run 'train' to retrain)")
    done["score"] = score.run(context, as_of, CHAMPION).as_dict()
    return done


def show_top(context: JobContext, as_of: dt.date, limit: int = TOP_SHOWN) -> None:
    """Print the top binaries of each population with their reasons (stdout: it is the result)."""
    if context.verbosity == 0:
        return
    top = (
        context.lakehouse.read(context.spark, GOLD_SCORED)
        .where((F.col("as_of") == F.lit(as_of)) & (F.col("rank") <= F.lit(limit)))
        .select("population", "rank", "anomaly_score", "alert", "sha256", "subject_name", "host_count", "reasons")
        .orderBy("population", "rank")
        .collect()
    )
    for population in ("rule", "hunt"):
        rows = [row for row in top if row["population"] == population]
        print(f"\nTop {len(rows)} of population '{population}' as of {as_of.isoformat()}:")
        for row in rows:
            flag = "ALERT" if row["alert"] else "     "
            print(f"{row['rank']:>3}. {flag} score {row['anomaly_score']:.3f}  {row['sha256'][:16]}…  "
                  f"{row['subject_name']!r} on {row['host_count']} host(s)")
            for reason in row["reasons"] or []:
                print(textwrap.indent(f"- {reason}", " " * 12))
    print(f"\nAll results: Delta table {context.lakehouse.location(GOLD_SCORED)}")
