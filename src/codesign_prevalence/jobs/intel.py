"""Entry points: ``codesign-prevalence intel add ...``, ``intel import FILE`` and ``intel list``.

``add`` and ``import`` append entries to ops/certificate_intel (how scoring applies them:
:mod:`codesign_prevalence.models.intel`); the next ``score`` applies them to its as-of date, and
``score --rescore-since DATE`` to the earlier as-of dates they change.

An entry names one certificate: ``--thumbprint`` (SHA-1 or SHA-256, hex), ``--serial`` with ``--issuer``, or
``--signer`` (a subject name, matched in its canonical form); it has a ``--status`` (revoked, malicious,
trusted), an ``--effective`` date, a ``--source`` and an optional ``--note``, and records who added it
(``--by``, default ``$USER``) and when.

Adding an entry that says the same thing again (same certificate key after normalisation, status, effective
date, source and note) adds nothing and says so: ``intel_id`` is a digest of those fields, and the writes are
insert-only MERGEs on it, so re-importing a feed file is idempotent. To reverse an entry, add another (for
instance ``trusted``) with a later effective date.

``import FILE`` reads a CSV file with a header row, or a JSON list of objects (``.json``, or a file whose first
character is ``[``), with the fields ``thumbprint``, ``serial``, ``issuer``, ``signer``, ``status``,
``effective``, ``source``, ``note`` (empty or null = absent). Every row is checked before anything is written:
a bad row stops the import with one line naming the file and the row, and nothing is appended.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from codesign_prevalence.errors import UserError
from codesign_prevalence.features.normalize import canonical_signer
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.jobs.entries import is_thumbprint, thumbprint_text, who
from codesign_prevalence.jobs.printing import print_frame
from codesign_prevalence.models.intel import (
    INTEL_STATUSES,
    SCOPE_SERIAL_ISSUER,
    SCOPE_SIGNER,
    SCOPE_THUMBPRINT,
    issuer_key,
    no_intel,
    serial_text,
)
from codesign_prevalence.schema import CERTIFICATE_INTEL_SCHEMA
from codesign_prevalence.storage import OPS_CERTIFICATE_INTEL, Lakehouse

FIELDS: tuple[str, ...] = ("thumbprint", "serial", "issuer", "signer", "status", "effective", "source", "note")
# What makes two entries the same entry (intel_id is their digest): everything but who, when and the file.
IDENTITY_COLUMNS: tuple[str, ...] = ("scope", "thumbprint", "serial_number", "_issuer_key", "signer", "status",
                                     "effective", "source", "note")
LIST_COLUMNS: tuple[str, ...] = (
    "intel_id",
    "created_at",
    "added_by",
    "status",
    "effective",
    "scope",
    "thumbprint",
    "serial_number",
    "issuer",
    "subject_name",
    "signer",
    "source",
    "note",
    "imported_from",
)
_ROW = "_row"


@dataclass(frozen=True)
class IntelRequest:
    """One entry as typed (``intel add``) or read from a file (``intel import``), validated by :func:`entry_values`."""

    status: str
    effective: dt.date
    source: str
    thumbprint: str | None = None
    serial: str | None = None
    issuer: str | None = None
    signer: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class AddReport:
    """What ``add`` / ``import`` did: entries read, appended, and already recorded (read = added + duplicates)."""

    read: int
    added: int
    intel_ids: tuple[str, ...]

    @property
    def duplicates(self) -> int:
        return self.read - self.added


def _present(value: str | None) -> str | None:
    return value if value is not None and value.strip() else None


def entry_values(request: IntelRequest, option: Callable[[str], str] = lambda name: f"--{name}") -> dict[str, Any]:
    """The entry's stored values but the canonical ones (``signer``) and who/when; a :class:`UserError` naming
    the option (``option(name)``) when the request is not an entry."""
    thumbprint, serial, issuer, signer = (
        _present(request.thumbprint), _present(request.serial), _present(request.issuer), _present(request.signer)
    )
    scopes = [scope for scope, given in ((SCOPE_THUMBPRINT, thumbprint), (SCOPE_SERIAL_ISSUER, serial),
                                         (SCOPE_SIGNER, signer)) if given is not None]
    if len(scopes) != 1:
        raise UserError(
            f"give exactly one of {option('thumbprint')}, {option('serial')} (with {option('issuer')}) "
            f"or {option('signer')}"
        )
    if (issuer is None) != (serial is None):
        raise UserError(f"{option('serial')} and {option('issuer')} go together")
    if request.status not in INTEL_STATUSES:
        raise UserError(f"{option('status')} must be one of {', '.join(INTEL_STATUSES)}, not {request.status!r}")
    if not request.source.strip():
        raise UserError(f"{option('source')} must say where the entry comes from (it is empty)")
    if thumbprint is not None and not is_thumbprint(thumbprint):
        raise UserError(f"{option('thumbprint')} {thumbprint!r} is not a SHA-1 or SHA-256 thumbprint in hexadecimal")
    serial_number = serial_text(serial) if serial is not None else None
    if serial_number is not None and (not serial_number or any(c not in "0123456789abcdef" for c in serial_number)):
        raise UserError(f"{option('serial')} {serial!r} is not a serial number in hexadecimal")
    return {
        "scope": scopes[0],
        "thumbprint": thumbprint_text(thumbprint) if thumbprint is not None else None,
        "serial_number": serial_number,
        "issuer": issuer,
        "subject_name": signer,
        "status": request.status,
        "effective": request.effective,
        "source": request.source,
        "note": _present(request.note),
    }


def _identity() -> Column:
    """intel_id: the first 32 hex digits of the SHA-256 of the entry's identity columns as JSON."""
    return F.substring(F.sha2(F.to_json(F.struct(*[F.col(name) for name in IDENTITY_COLUMNS])), 256), 1, 32)


def entries_frame(
    spark: SparkSession, values: Sequence[Mapping[str, Any]], added_by: str, imported_from: str | None
) -> DataFrame:
    """The rows of ops/certificate_intel for checked ``values`` (:func:`entry_values`), plus ``_row`` (1-based
    position) and ``_issuer_key``; ``signer`` and ``intel_id`` computed by Spark (the canonical form is Spark's)."""
    created_at = dt.datetime.now(dt.UTC)
    given = ("scope", "thumbprint", "serial_number", "issuer", "subject_name", "status", "effective", "source", "note")
    schema = "_row long, scope string, thumbprint string, serial_number string, issuer string, subject_name string, " \
        "status string, effective date, source string, note string"
    raw = spark.createDataFrame(
        [(number, *[value[name] for name in given]) for number, value in enumerate(values, start=1)], schema=schema
    )
    keyed = raw.select(
        "*",
        canonical_signer(F.col("subject_name")).alias("signer"),
        issuer_key(F.col("issuer")).alias("_issuer_key"),
        F.lit(created_at).alias("created_at"),
        F.lit(added_by).alias("added_by"),
        F.lit(imported_from).cast("string").alias("imported_from"),
    )
    return keyed.select("*", _identity().alias("intel_id"))


def _check_names(frame: DataFrame, where: Callable[[int], str]) -> None:
    """A :class:`UserError` for the first row whose signer or issuer has nothing to match by."""
    unmatched = (
        ((F.col("scope") == F.lit(SCOPE_SIGNER)) & F.col("signer").isNull())
        | ((F.col("scope") == F.lit(SCOPE_SERIAL_ISSUER)) & F.col("_issuer_key").isNull())
    )
    first = frame.where(unmatched).orderBy(_ROW).select(_ROW, "scope").head()
    if first is not None:
        name = "signer" if first["scope"] == SCOPE_SIGNER else "issuer"
        raise UserError(f"{where(int(first[_ROW]))}{name} has no letters or digits to match a certificate by")


def _append(context: JobContext, frame: DataFrame) -> int:
    rows = frame.dropDuplicates(["intel_id"]).select(*CERTIFICATE_INTEL_SCHEMA.fieldNames())
    return context.lakehouse.insert_new(OPS_CERTIFICATE_INTEL, CERTIFICATE_INTEL_SCHEMA, rows, ["intel_id"])


def add(context: JobContext, request: IntelRequest, added_by: str | None = None) -> AddReport:
    """Validate one entry, append it to ops/certificate_intel unless it is recorded already, say which."""
    values = entry_values(request)
    frame = entries_frame(context.spark, [values], who(added_by), None)
    _check_names(frame, lambda _: "--")
    added = _append(context, frame)
    first = frame.select("intel_id").head()
    intel_id = "" if first is None else str(first[0])
    if added:
        context.say(
            f"intel {intel_id}: {request.status} for {values['scope']} from {request.effective.isoformat()}; the next "
            f"'score' applies it, 'score --rescore-since {request.effective.isoformat()}' to earlier as-of dates"
        )
    else:
        context.say(f"intel {intel_id}: the same entry is recorded already; nothing added")
    return AddReport(read=1, added=added, intel_ids=(intel_id,))


def _file_rows(path: Path) -> tuple[list[dict[str, Any]], Callable[[int], str]]:
    """The file's entries as dicts, and how to name row N in a message."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"intel file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read intel file {path}: {exc}") from None
    if path.suffix.lower() == ".json" or text.lstrip().startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UserError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
        if not isinstance(items, list):
            raise UserError(f"{path}: a JSON intel file holds a list of entries")
        return items, lambda number: f"{path} item {number}: "
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    try:
        for row in reader:
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise UserError(f"{path} line {reader.line_num}: not CSV ({exc})") from None
    return rows, lambda number: f"{path} row {number} (line {lines[number - 1]}): "


def _request(item: Any, where: str) -> IntelRequest:
    if not isinstance(item, dict):
        raise UserError(f"{where}an entry is an object with the fields {', '.join(FIELDS)}")
    if None in item:  # csv.DictReader's key for the values beyond the header's columns
        raise UserError(f"{where}more values than the header has columns")
    item = {str(key).strip(): value for key, value in item.items()}
    unknown = sorted(key for key in item if key not in FIELDS)
    if unknown:
        raise UserError(f"{where}unknown field {unknown[0]!r} (the fields: {', '.join(FIELDS)})")
    texts: dict[str, str | None] = {}
    for name in FIELDS:
        value = item.get(name)
        if value is not None and not isinstance(value, str):
            raise UserError(f"{where}{name} must be text, not {type(value).__name__}")
        texts[name] = _present(value)
    for name in ("status", "effective", "source"):
        if texts[name] is None:
            raise UserError(f"{where}{name} is missing")
    try:
        effective = dt.date.fromisoformat(str(texts["effective"]).strip())
    except ValueError:
        raise UserError(f"{where}effective {texts['effective']!r} is not a date; use YYYY-MM-DD") from None
    return IntelRequest(
        status=str(texts["status"]).strip(),
        effective=effective,
        source=str(texts["source"]),
        thumbprint=texts["thumbprint"],
        serial=texts["serial"],
        issuer=texts["issuer"],
        signer=texts["signer"],
        note=texts["note"],
    )


def import_file(context: JobContext, path: Path, added_by: str | None = None) -> AddReport:
    """Check every entry of the file, then append the ones not recorded yet (module docstring)."""
    items, where = _file_rows(path)
    values = []
    for number, item in enumerate(items, start=1):
        try:
            values.append(entry_values(_request(item, where(number)), option=lambda name: name))
        except UserError as error:
            message = str(error)
            raise UserError(message if message.startswith(str(path)) else where(number) + message) from None
    if not values:
        context.say(f"intel import: {path} holds no entries; nothing added")
        return AddReport(read=0, added=0, intel_ids=())
    with context.stage("intel import") as counts:
        frame = entries_frame(context.spark, values, who(added_by), path.name)
        _check_names(frame, where)
        added = _append(context, frame)
        ids = tuple(str(row[0]) for row in frame.orderBy(_ROW).select("intel_id").collect())
        counts.update(read=len(values), added=added, duplicates=len(values) - added)
    return AddReport(read=len(values), added=added, intel_ids=ids)


def listing(spark: SparkSession, lakehouse: Lakehouse) -> DataFrame:
    """ops/certificate_intel, newest first (empty when no entry was ever added)."""
    has_entries = lakehouse.exists(spark, OPS_CERTIFICATE_INTEL)
    entries = lakehouse.read(spark, OPS_CERTIFICATE_INTEL) if has_entries else no_intel(spark)
    return entries.select(*LIST_COLUMNS).orderBy(
        F.col("created_at").desc(), F.col("effective").desc(), F.col("intel_id").asc()
    )


def show(context: JobContext, limit: int, output_format: str, max_width: int) -> int:
    """Print the entries (see :func:`listing`); return how many were printed."""
    return print_frame(listing(context.spark, context.lakehouse), limit, output_format, max_width)
