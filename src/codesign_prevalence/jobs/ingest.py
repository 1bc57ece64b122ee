"""Entry point: ``codesign-prevalence ingest --input PATH...``."""

from __future__ import annotations

import datetime as dt

from codesign_prevalence.ingest.pipeline import IngestReport, ingest_files
from codesign_prevalence.ingest.reader import expand_inputs
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.ops import record_ingest_run
from codesign_prevalence.storage import BRONZE_CODEINTEGRITY, BRONZE_EVENTS, BRONZE_QUARANTINE


def run(context: JobContext, inputs: list[str]) -> IngestReport:
    files = expand_inputs(inputs)
    with context.stage("ingest") as counts:
        ingested_at = dt.datetime.now(dt.UTC)
        report = ingest_files(context.spark, context.lakehouse, files, context.config.ingest, now=ingested_at)
        record_ingest_run(context.spark, context.lakehouse, report, ingested_at)
        counts.update(
            files=report.files,
            read=report.lines_read,
            accepted=report.accepted,
            quarantined=report.quarantined,
            duplicates=report.duplicates,
            skipped=report.skipped_not_process_start,
            blank=report.blank_lines,
            signature_records=report.signature_records,
            **({"codeintegrity_events": report.codeintegrity_events} if report.codeintegrity_events else {}),
        )
    found = ", ".join(f"{source} {count}" for source, count in report.sources.items()) or "nothing readable"
    context.say(f"  sources ({context.config.ingest.source}): {found}")
    for reason, count in report.quarantine_reasons.items():
        context.detail(f"  quarantined {count:>8} {reason}")
    if report.fields_nulled:  # events kept, an optional certificate value left null: said, not hidden
        nulled = ", ".join(f"{reason} {count}" for reason, count in report.fields_nulled.items())
        context.say(f"  certificate values unreadable, left null (events kept): {nulled}")
    if not report.balanced:  # never expected; says so loudly rather than hiding it
        context.say(f"[ingest] WARNING: accounting does not add up: {report.as_dict()}")
    context.say(f"  bronze:     {context.lakehouse.location(BRONZE_EVENTS)}")
    context.say(f"  quarantine: {context.lakehouse.location(BRONZE_QUARANTINE)}")
    if report.codeintegrity_events:
        context.say(f"  code integrity: {context.lakehouse.location(BRONZE_CODEINTEGRITY)}")
    return report
