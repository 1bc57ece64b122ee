"""Entry points: ``codesign-prevalence verdict add ...`` and ``codesign-prevalence verdict list [--all]``.

``add`` appends one row to ops/verdicts (the rules it follows are in :mod:`codesign_prevalence.models.verdicts`);
scoring applies it the next time it runs. A verdict scoped to a signer records the certificate status
category it was given for: the one given with ``--status``, else the one that signer's binaries (with that
thumbprint, when given) have in the newest as-of date of gold/candidates (gold/scored_binaries when there are
no candidates); when they have several, or none, the analyst must choose with ``--status``.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from codesign_prevalence.errors import UserError
from codesign_prevalence.features.normalize import STATUS_CATEGORIES
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.jobs.entries import canonical, is_thumbprint, thumbprint_text, today, who
from codesign_prevalence.jobs.entries import default_analyst as default_analyst  # the default shown by 'verdict list'
from codesign_prevalence.jobs.printing import print_frame
from codesign_prevalence.models.scoring import read_verdicts
from codesign_prevalence.models.verdicts import (
    SCOPE_SHA256,
    SCOPE_SIGNER,
    VERDICTS,
    active_verdicts,
    thumbprint_key,
)
from codesign_prevalence.schema import VERDICTS_SCHEMA
from codesign_prevalence.storage import GOLD_CANDIDATES, GOLD_SCORED, OPS_VERDICTS, Lakehouse

SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
LIST_COLUMNS: tuple[str, ...] = (
    "verdict_id",
    "created_at",
    "analyst",
    "verdict",
    "scope",
    "sha256",
    "subject_name",
    "signer",
    "thumbprint",
    "status_category",
    "expires",
    "note",
)


@dataclass(frozen=True)
class VerdictRequest:
    """What ``verdict add`` was asked for, as typed (validated by :func:`add`)."""

    verdict: str
    note: str
    sha256: str | None = None
    signer: str | None = None
    thumbprint: str | None = None
    status: str | None = None
    expires: dt.date | None = None
    analyst: str | None = None


def _check(request: VerdictRequest) -> None:
    if (request.sha256 is None) == (request.signer is None):
        raise UserError("give exactly one of --sha256 or --signer")
    if request.verdict not in VERDICTS:
        raise UserError(f"--verdict must be one of {', '.join(VERDICTS)}")
    if not request.note.strip():
        raise UserError("--note must say why (it is empty)")
    if request.sha256 is not None and not SHA256_PATTERN.match(request.sha256.strip().lower()):
        raise UserError(f"--sha256 {request.sha256!r} is not 64 hexadecimal digits")
    if request.sha256 is not None and (request.thumbprint or request.status):
        raise UserError("--thumbprint and --status apply only to --signer verdicts")
    if request.status is not None and request.status not in STATUS_CATEGORIES:
        raise UserError(f"--status must be one of {', '.join(STATUS_CATEGORIES)}")
    if request.thumbprint is not None and not is_thumbprint(request.thumbprint):
        raise UserError(f"--thumbprint {request.thumbprint!r} is not a SHA-1 or SHA-256 thumbprint in hexadecimal")
    if request.expires is not None and request.expires < today():
        raise UserError(f"--expires {request.expires.isoformat()} is in the past")


def _signer_rows(spark: SparkSession, lakehouse: Lakehouse) -> tuple[str, DataFrame]:
    for table in (GOLD_CANDIDATES, GOLD_SCORED):
        if lakehouse.exists(spark, table):
            return table, lakehouse.read(spark, table)
    raise UserError("no gold/candidates or gold/scored_binaries to take the signer's certificate status from; "
                    "give it with --status")


def signer_status(spark: SparkSession, lakehouse: Lakehouse, signer: str, thumbprint: str | None) -> str:
    """The one status category of the signer's binaries in the newest as-of date (module docstring)."""
    table, rows = _signer_rows(spark, lakehouse)
    newest = rows.agg(F.max("as_of")).head()
    as_of = None if newest is None else newest[0]
    mine = (F.col("as_of") == F.lit(as_of)) & (F.col("signer") == F.lit(signer))
    if thumbprint is not None:
        if "thumbprint" not in rows.columns:
            raise UserError(f"{table} has no thumbprint column; give the status with --status")
        mine = mine & (thumbprint_key(F.col("thumbprint")) == F.lit(thumbprint))
    found = sorted(
        str(row[0]) for row in rows.where(mine).select("status_category").distinct().collect() if row[0] is not None
    )
    which = f"signer {signer!r}" + (f" with thumbprint {thumbprint}" if thumbprint else "")
    if not found:
        raise UserError(f"{which} has no binaries in {table} (as of {as_of}); give its status with --status")
    if len(found) > 1:
        raise UserError(
            f"{which} has binaries with several certificate statuses in {table} as of {as_of} "
            f"({', '.join(found)}); choose one with --status"
        )
    return found[0]


def add(context: JobContext, request: VerdictRequest) -> dict[str, object]:
    """Validate the request, append it to ops/verdicts, and return the row written."""
    _check(request)
    spark, lakehouse = context.spark, context.lakehouse
    signer = thumbprint = status = None
    if request.signer is not None:
        signer = canonical(spark, request.signer)
        if signer is None:
            raise UserError(f"--signer {request.signer!r} has no letters or digits to match a signer by")
        thumbprint = thumbprint_text(request.thumbprint) if request.thumbprint else None
        status = request.status or signer_status(spark, lakehouse, signer, thumbprint)
    row: dict[str, object] = {
        "verdict_id": uuid.uuid4().hex,
        "created_at": dt.datetime.now(dt.UTC),
        "analyst": who(request.analyst),
        "scope": SCOPE_SIGNER if request.signer is not None else SCOPE_SHA256,
        "sha256": request.sha256.strip().lower() if request.sha256 is not None else None,
        "subject_name": request.signer,
        "signer": signer,
        "thumbprint": thumbprint,
        "status_category": status,
        "verdict": request.verdict,
        "note": request.note,
        "expires": request.expires,
    }
    frame = spark.createDataFrame([tuple(row[name] for name in VERDICTS_SCHEMA.fieldNames())], VERDICTS_SCHEMA)
    lakehouse.append(OPS_VERDICTS, VERDICTS_SCHEMA, frame)
    scope = f"sha256 {row['sha256']}" if request.sha256 else f"signer {signer!r} ({status})"
    context.say(f"verdict {row['verdict_id']}: {request.verdict} for {scope}; the next 'score' applies it")
    return row


def listing(spark: SparkSession, lakehouse: Lakehouse, show_all: bool, on: dt.date) -> DataFrame:
    """ops/verdicts, newest first: the ones active on ``on`` (all of them with ``show_all``, plus ``active``)."""
    verdicts = read_verdicts(spark, lakehouse)
    columns = [F.col(name) for name in LIST_COLUMNS]
    if show_all:
        active = F.col("expires").isNull() | (F.lit(on) <= F.col("expires"))
        shown = verdicts.select(*columns, active.alias("active"))
    else:
        shown = active_verdicts(verdicts, on).select(*columns)
    return shown.orderBy(F.col("created_at").desc(), F.col("verdict_id").asc())


def show(
    context: JobContext, show_all: bool, limit: int, output_format: str, max_width: int
) -> int:
    """Print the verdicts (see :func:`listing`); return how many were printed."""
    frame = listing(context.spark, context.lakehouse, show_all, today())
    return print_frame(frame, limit, output_format, max_width)
