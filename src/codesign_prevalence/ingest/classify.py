"""Numbered lines -> each line's fate and, for the lines that have one, its typed row: in the Python tasks.

The reader's tasks parse every line (:class:`~codesign_prevalence.ingest.sources.document.DocumentReader`) and decide
here, in the same task, what becomes of it, so that only what the JVM has to write crosses into it: typed
bronze columns for accepted process starts, the verdict of signature records, the reason and raw text of
quarantined lines, and one count row per batch for the blank lines and the skipped events of each source.

Type coercions (the ingest's contract, tested in ``tests/test_ingest_parse.py``):

- Every field is first read as text, whatever its JSON type, so one odd value never nulls a whole record.
- String fields accept any JSON value: strings as they are, numbers and booleans as their JSON text,
  objects and arrays as their compact JSON text. An empty string counts as missing.
- Boolean fields (``code_signature.exists/trusted/valid``) accept JSON booleans and the strings
  ``"true"``/``"false"``/``"1"``/``"0"`` in any case (spaces around them ignored); any other value sends the
  record to quarantine with ``wrong_type:<field>``.
- ``@timestamp`` accepts ISO-8601 dates and times (``T`` or space, any fraction, truncated to microseconds;
  ``Z``, ``UTC``/``GMT`` or an offset ``+hh``, ``+hhmm``, ``+hh:mm``; read as UTC when no zone is given; a date
  alone is its midnight) and epoch seconds (9-10 digits, optional fraction) or milliseconds (12-13 digits).
  Anything else is ``bad_timestamp``; dates before ``ingest.min_event_date`` or more than
  ``ingest.max_future_hours`` after the ingest time are ``timestamp_out_of_range``.
- ``event.category`` / ``event.type`` accept a string or an array of strings; values compare exactly.
- Certificate details are optional and never cost an event: a certificate time (``cs_not_before``,
  ``cs_not_after``, ``cs_signing_time``) read like ``@timestamp`` but without the range check (a certificate
  issued in 1999 is a fact), or the boolean ``cs_root_microsoft``, that cannot be read is left null and
  counted per ``bad_timestamp:<column>`` / ``wrong_type:<column>`` (:data:`OUTCOME_FIELD_NULLED`), and the
  event is accepted with the rest of its fields.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import repeat

import orjson
import pyarrow as pa

from codesign_prevalence.ingest.reader import LineRun
from codesign_prevalence.ingest.sources.document import DocumentReader
from codesign_prevalence.ingest.sources.record import (
    DETAIL_COLUMN,
    JOIN_KEY_COLUMN,
    OUTPUT_COLUMNS,
    RECORD_CODEINTEGRITY_EVENT,
    RECORD_CODEINTEGRITY_SIGNATURE,
    RECORD_COLUMN,
    RECORD_PROCESS_START,
    RECORD_SIGNATURE,
    SIGNATURE_FIELDS,
    SOURCE_COLUMN,
)
from codesign_prevalence.schema import (
    BRONZE_SCHEMA,
    CERTIFICATE_BOOLEAN_COLUMNS,
    CERTIFICATE_TIMESTAMP_COLUMNS,
    CODEINTEGRITY_DETAIL_COLUMNS,
    ECS_BOOLEAN_FIELDS,
    ECS_EVENT_CATEGORY,
    ECS_STRING_FIELDS,
    ECS_TIMESTAMP,
    REASON_BAD_TIMESTAMP,
    REASON_MISSING_PREFIX,
    REASON_WRONG_TYPE_PREFIX,
    REQUIRED_COLUMNS,
)

REASON_TIMESTAMP_RANGE = "timestamp_out_of_range"
OUTCOME_ACCEPTED = "accepted"
OUTCOME_QUARANTINED = "quarantined"
OUTCOME_SKIPPED = "skipped_not_process_start"
OUTCOME_BLANK = "blank_line"
OUTCOME_SIGNATURE = "signature_record"
# Not a line's fate: a count row of optional certificate values that could not be read and were left null
# (``reason`` says which: ``bad_timestamp:<column>``, ``wrong_type:<column>``); their events are kept.
OUTCOME_FIELD_NULLED = "field_nulled"
# Code Integrity: an enforcement event (bronze/codeintegrity_events) and a 3089 signature record of one.
OUTCOME_CODEINTEGRITY = "codeintegrity_event"
OUTCOME_CODEINTEGRITY_SIGNATURE = "codeintegrity_signature"
# Where a Code Integrity event's required values come from, for the quarantine reason.
CODEINTEGRITY_REQUIRED = {
    "host_id": "host.id",
    "executable": "winlog.event_data.File Name",
    "sha256": "winlog.event_data.SHA256 Flat Hash",
}

PROCESS_CATEGORY = "process"
START_TYPE = "start"
EVENT_KINDS_KEPT = ("event",)
SIGNATURE_COLUMNS = SIGNATURE_FIELDS

# Bronze columns the tasks fill; ``source_file``, ``timestamp``, ``event_date`` and ``source`` are among the
# leading columns of every row, and ``ingested_at`` is one constant the JVM adds.
_LEADING = ("source_file", "timestamp", "event_date", "source", "ingested_at")
TYPED_COLUMNS: tuple[str, ...] = tuple(field.name for field in BRONZE_SCHEMA.fields if field.name not in _LEADING)
_ARROW_TYPES = {"string": pa.string(), "boolean": pa.bool_(), "timestamp": pa.timestamp("us", tz="UTC")}
ROWS_ARROW_SCHEMA = pa.schema(
    [
        pa.field("source_file", pa.string()),
        pa.field("line_number", pa.int64()),
        pa.field("lines", pa.int64()),  # 1 for a line of its own; the count of a count row
        pa.field("outcome", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("source", pa.string()),
        pa.field("raw", pa.string()),
        pa.field("raw_sha256", pa.string()),
        pa.field(JOIN_KEY_COLUMN, pa.string()),
        pa.field("timestamp", pa.timestamp("us", tz="UTC")),
        pa.field("event_date", pa.date32()),
        *[pa.field(name, _ARROW_TYPES[BRONZE_SCHEMA[name].dataType.typeName()]) for name in TYPED_COLUMNS],
        *[pa.field(f"ci_{name}", pa.string()) for name in CODEINTEGRITY_DETAIL_COLUMNS],
    ]
)
_ROWS_STRUCT = pa.struct(list(ROWS_ARROW_SCHEMA))
_DDL_TYPES = {pa.string(): "string", pa.int64(): "bigint", pa.bool_(): "boolean", pa.date32(): "date"}


def _ddl_type(kind: pa.DataType) -> str:
    return "timestamp" if pa.types.is_timestamp(kind) else _DDL_TYPES[kind]


ROWS_DDL = ", ".join(f"`{field.name}` {_ddl_type(field.type)}" for field in ROWS_ARROW_SCHEMA)


@dataclass(frozen=True)
class Rules:
    """What decides a line's fate besides the line itself."""

    ingested_at: dt.datetime  # naive UTC
    min_event_date: dt.date
    max_future_hours: int
    raw_quarantine_chars: int
    source: str = "auto"
    # Blank lines and skipped events are counted per batch, not sent one row each; True sends every line
    # as a row of its own (``lines`` 1), to look at each line's fate.
    row_per_line: bool = False


# ---------------------------------------------------------------------------------------------- coercions

_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_SECONDS = re.compile(r"[0-9]{9,10}(\.[0-9]+)?")
_EPOCH_MILLIS = re.compile(r"[0-9]{12,13}")
_ISO = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:[T ]([0-9]{1,2}):([0-9]{1,2})(?::([0-9]{1,2})(?:\.([0-9]*))?)?)?"
    r"\s*(?:(Z|z|UTC|GMT|UT)|(?:UTC|GMT|UT)?([+-])([0-9]{1,2})(?::?([0-9]{2}))?)?"
)


def text_as_boolean(text: str | None) -> bool | None:
    """``true``/``false``/``1``/``0`` (any case, spaces around ignored) -> bool; anything else None."""
    if text is None:
        return None
    folded = text.strip(" ").lower()
    if folded in ("true", "1"):
        return True
    if folded in ("false", "0"):
        return False
    return None


# The form nearly every ECS document writes (``2026-11-20T10:00:00.1234567Z``), read without the general
# pattern below and without building a datetime: the same microseconds, in about half the time.
_ECS_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?Z")
_EPOCH_ORDINAL = _EPOCH.toordinal()


@functools.lru_cache(maxsize=4096)
def _day_micros(year: int, month: int, day: int) -> int | None:
    """Microseconds from the epoch to the day's midnight; None for a day that does not exist."""
    try:
        return (dt.date(year, month, day).toordinal() - _EPOCH_ORDINAL) * _MICROS_PER_DAY
    except ValueError:
        return None


def _ecs_time_micros(match: re.Match[str]) -> int | None:
    year, month, day, hour, minute, second, fraction = match.groups()
    midnight = _day_micros(int(year), int(month), int(day))
    hours, minutes, seconds = int(hour), int(minute), int(second)
    if midnight is None or hours > 23 or minutes > 59 or seconds > 59:
        return None
    micros = int(fraction[:6].ljust(6, "0")) if fraction else 0
    return midnight + ((hours * 60 + minutes) * 60 + seconds) * 1_000_000 + micros


def text_as_micros(text: str | None) -> int | None:
    """ISO-8601 text or epoch seconds/milliseconds -> microseconds since the epoch (UTC); None when unreadable."""
    if text is None:
        return None
    ecs_time = _ECS_TIME.fullmatch(text)
    if ecs_time is not None:
        return _ecs_time_micros(ecs_time)
    value = text.strip(" ")
    if _EPOCH_MILLIS.fullmatch(value):
        return int(value) * 1000
    if _EPOCH_SECONDS.fullmatch(value):
        return int(float(value) * 1_000_000)
    match = _ISO.fullmatch(value.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, _utc, sign, offset_hours, offset_minutes = match.groups()
    try:
        moment = dt.datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
            int((fraction or "")[:6].ljust(6, "0")),
        )
    except ValueError:
        return None
    delta = moment - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if sign is not None:
        offset = (int(offset_hours) * 60 + int(offset_minutes or 0)) * 60_000_000
        if offset > 18 * 3_600_000_000:
            return None
        micros -= offset if sign == "+" else -offset
    return micros


def text_as_timestamp(text: str | None) -> dt.datetime | None:
    """:func:`text_as_micros` as a naive UTC datetime."""
    micros = text_as_micros(text)
    return None if micros is None else _EPOCH + dt.timedelta(microseconds=micros)


def text_as_string_array(text: str | None) -> list[str | None] | None:
    """A JSON array's text -> its elements as text (strings as they are, others as JSON); a plain string ->
    a one-element list; unreadable JSON -> None."""
    if text is None:
        return None
    if not text.strip(" ").startswith("["):
        return [text]
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if type(parsed) is not list:
        return None
    return [item if type(item) is str or item is None else orjson.dumps(item).decode() for item in parsed]


def _contains(text: str | None, wanted: str) -> bool:
    """Whether ``text`` (a string, or a JSON array's text) is or holds ``wanted``."""
    if text is None or (f'"{wanted}"' not in text and text.strip(" ") != wanted):
        return False
    if text == wanted or text == f'["{wanted}"]':  # a plain value, or the array of it alone (most documents)
        return True
    elements = text_as_string_array(text)
    return elements is not None and wanted in elements


# ---------------------------------------------------------------------------------------------- event ids


def _json_string(text: str) -> str:
    """``text`` as a JSON string the way Spark's ``to_json`` (Jackson) writes it."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    if any(ord(char) < 0x20 for char in escaped):
        escaped = "".join(_CONTROL.get(char, char) for char in escaped)
    return f'"{escaped}"'


_CONTROL = {chr(code): f"\\u{code:04X}" for code in range(0x20)} | {
    "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"
}


def spark_timestamp_text(micros: int) -> str:
    """A timestamp as Spark casts it to text (``2026-11-20 10:00:00.5``: trailing zeros of the fraction cut)."""
    moment = _EPOCH + dt.timedelta(microseconds=micros)
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    return text + ("." + f"{moment.microsecond:06d}".rstrip("0") if moment.microsecond else "")


_IDENTITY_TEXT = [column for column in sorted(ECS_STRING_FIELDS) if column != "event_id"]
_IDENTITY = [*_IDENTITY_TEXT, *sorted(ECS_BOOLEAN_FIELDS), "_pid"]


def canonical_event_id(values: dict[str, str | None], micros: int) -> str:
    """A deterministic id for a document without ``event.id``: SHA-256 of its parsed fields, in a fixed order.

    The same document always gets the same id, however its keys are ordered or spelled (nested or dotted).
    The text hashed is the one earlier versions built with Spark's ``to_json`` (null fields left out), so
    that the ids of events already in bronze stay the same.
    """
    parts = [f'"timestamp":{_json_string(spark_timestamp_text(micros))}']
    parts += [f'"{name}":{_json_string(text)}' for name in _IDENTITY if (text := values[name]) is not None]
    return "sha256:" + hashlib.sha256(("{" + ",".join(parts) + "}").encode()).hexdigest()


# ---------------------------------------------------------------------------------------------- classifying


_INDEX = {name: position for position, name in enumerate(OUTPUT_COLUMNS)}
_BOOLEAN_COLUMNS = set(ECS_BOOLEAN_FIELDS)
_MICROS_PER_DAY = 86_400_000_000
_TYPED_INDEX = [_INDEX[column] for column in TYPED_COLUMNS]
_BOOLEAN_POSITIONS = [
    (position, _INDEX[column]) for position, column in enumerate(TYPED_COLUMNS) if column in _BOOLEAN_COLUMNS
]
_CERTIFICATE_TIMES = [
    (position, _INDEX[column], REASON_BAD_TIMESTAMP + ":" + column)
    for position, column in enumerate(TYPED_COLUMNS) if column in CERTIFICATE_TIMESTAMP_COLUMNS
]
_CERTIFICATE_BOOLEANS = [
    (position, _INDEX[column], REASON_WRONG_TYPE_PREFIX + column)
    for position, column in enumerate(TYPED_COLUMNS) if column in CERTIFICATE_BOOLEAN_COLUMNS
]
_EVENT_ID = TYPED_COLUMNS.index("event_id")
_HOST_NAME = TYPED_COLUMNS.index("host_name")
_SIGNATURE_SET = set(SIGNATURE_COLUMNS)


class LineClassifier:
    """One batch of numbered lines -> a batch of :data:`ROWS_ARROW_SCHEMA`."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.reader = DocumentReader(rules.source)
        self.earliest = text_as_micros(rules.min_event_date.isoformat()) or 0
        latest = rules.ingested_at + dt.timedelta(hours=rules.max_future_hours)
        self.latest = text_as_micros(latest.isoformat()) or 0
        self.width = len(ROWS_ARROW_SCHEMA)
        self.nulled: dict[str, int] = {}  # this batch's optional values left null, per reason
        self._no_detail = (None,) * len(CODEINTEGRITY_DETAIL_COLUMNS)

    def reason(self, values: list[str | None], micros: int | None) -> str | None:
        """Why an adapted or Elastic process start is quarantined, or None."""
        for column in REQUIRED_COLUMNS:
            if values[_INDEX[column]] is None:
                return REASON_MISSING_PREFIX + ECS_STRING_FIELDS[column]
        if values[_INDEX["_timestamp"]] is None:
            return REASON_MISSING_PREFIX + ECS_TIMESTAMP
        if micros is None:
            return REASON_BAD_TIMESTAMP
        if micros < self.earliest or micros > self.latest:
            return REASON_TIMESTAMP_RANGE
        for column, dotted in ECS_BOOLEAN_FIELDS.items():
            text = values[_INDEX[column]]
            if text is not None and text_as_boolean(text) is None:
                return REASON_WRONG_TYPE_PREFIX + dotted
        return None

    def rows(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """The classified rows of a batch of numbered lines (``reader.LINES_ARROW_SCHEMA``)."""
        paths = batch.column("source_file").to_pylist()
        return self._classified(
            paths[0] if paths else None,
            paths,
            batch.column("line_number").to_pylist(),
            batch.column("raw").to_pylist(),
            batch.column("read_error").to_pylist(),
        )

    def rows_of(self, run: LineRun) -> pa.RecordBatch:
        """The classified rows of a run of lines read in this task (no Arrow in between)."""
        return self._classified(run.path, repeat(run.path, len(run.texts)), run.numbers, run.texts, run.errors)

    def _classified(
        self,
        path: str | None,
        paths: Iterable[str],
        numbers: Iterable[int],
        raws: Iterable[str | None],
        errors: Iterable[str | None],
    ) -> pa.RecordBatch:
        out: list[tuple[object, ...]] = []
        counted: dict[tuple[str, str | None], int] = {}
        collecting = gc.isenabled()
        gc.disable()  # no cycles here; the collector would rescan the growing list of rows for nothing
        try:
            for line_path, number, raw, error in zip(paths, numbers, raws, errors, strict=True):
                row = self._row(line_path, number, raw, error, counted)
                if row is not None:
                    out.append(row)
        finally:
            if collecting:
                gc.enable()
        for (outcome, source), lines in counted.items():
            out.append((path, None, lines, outcome, None, source, *([None] * (self.width - 6))))
        for reason, values in self.nulled.items():
            out.append((path, None, values, OUTCOME_FIELD_NULLED, reason, None, *([None] * (self.width - 6))))
        self.nulled = {}
        # The row tuples become Arrow columns in one pass in C++ (a struct array of them), instead of a
        # transpose in Python and one conversion per column: about 4 us less per line.
        return pa.RecordBatch.from_struct_array(pa.array(out, _ROWS_STRUCT))

    def _quarantined(
        self, path: str, number: int, reason: str, raw: str | None, source: str | None
    ) -> tuple[object, ...]:
        text = raw or ""
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        kept = raw[: self.rules.raw_quarantine_chars] if raw is not None else None
        return (path, number, 1, OUTCOME_QUARANTINED, reason, source, kept, digest, *([None] * (self.width - 8)))

    def _row(
        self, path: str, number: int, raw: str | None, error: str | None, counted: dict[tuple[str, str | None], int]
    ) -> tuple[object, ...] | None:
        if error is not None:
            return self._quarantined(path, number, error, raw, None)
        values, parse_error, blank = self.reader.extract(raw)
        if blank:
            return self._counted(path, number, OUTCOME_BLANK, None, counted)
        if parse_error is not None:
            return self._quarantined(path, number, parse_error, raw, None)
        source = values[_INDEX[SOURCE_COLUMN]]
        record = values[_INDEX[RECORD_COLUMN]]
        if record is None:  # Elastic Defend: a process start by category, type and kind
            category = values[_INDEX["_category"]]
            if category is None:
                return self._quarantined(path, number, REASON_MISSING_PREFIX + ECS_EVENT_CATEGORY, raw, source)
            kind = values[_INDEX["_kind"]]
            is_start = (
                (kind is None or kind in EVENT_KINDS_KEPT)
                and _contains(category, PROCESS_CATEGORY)
                and _contains(values[_INDEX["_type"]], START_TYPE)
            )
        elif record in (RECORD_CODEINTEGRITY_EVENT, RECORD_CODEINTEGRITY_SIGNATURE):
            return self._codeintegrity(path, number, raw, values, source, record)
        else:
            is_start = record == RECORD_PROCESS_START
        if not is_start:
            if record == RECORD_SIGNATURE:
                return self._signature(path, number, values, source)
            return self._counted(path, number, OUTCOME_SKIPPED, source, counted)
        micros = text_as_micros(values[_INDEX["_timestamp"]])
        reason = self.reason(values, micros)
        if reason is not None:
            return self._quarantined(path, number, reason, raw, source)
        assert micros is not None
        return self._accepted(path, number, values, source, micros)

    def _counted(
        self, path: str, number: int, outcome: str, source: str | None, counted: dict[tuple[str, str | None], int]
    ) -> tuple[object, ...] | None:
        if self.rules.row_per_line:
            return (path, number, 1, outcome, None, source, *([None] * (self.width - 6)))
        counted[(outcome, source)] = counted.get((outcome, source), 0) + 1
        return None

    def _signature(self, path: str, number: int, values: list[str | None], source: str | None) -> tuple[object, ...]:
        typed: list[object] = [values[index] if column in _SIGNATURE_SET else None for column, index in
                               zip(TYPED_COLUMNS, _TYPED_INDEX, strict=True)]
        self._typed(typed, values)
        key = values[_INDEX[JOIN_KEY_COLUMN]]
        head = (path, number, 1, OUTCOME_SIGNATURE, None, source, None, None, key, None, None)
        return (*head, *typed, *self._no_detail)

    def _codeintegrity(
        self, path: str, number: int, raw: str | None, values: list[str | None], source: str | None, record: str
    ) -> tuple[object, ...]:
        """A Code Integrity enforcement event (checked like a process start, its required values named by
        their event data) or 3089 signature record: a row with the typed columns and the event's detail."""
        detail_text = values[_INDEX[DETAIL_COLUMN]]
        detail = orjson.loads(detail_text) if detail_text else {}
        details = tuple(None if (v := detail.get(name)) is None else str(v) for name in CODEINTEGRITY_DETAIL_COLUMNS)
        if record == RECORD_CODEINTEGRITY_SIGNATURE:
            row = self._signature(path, number, values, source)
            return (*row[:3], OUTCOME_CODEINTEGRITY_SIGNATURE, *row[4 : -len(details)], *details)
        micros = text_as_micros(values[_INDEX["_timestamp"]])
        reason = None
        for column, name in CODEINTEGRITY_REQUIRED.items():
            if values[_INDEX[column]] is None:
                reason = REASON_MISSING_PREFIX + name
                break
        else:
            if values[_INDEX["_timestamp"]] is None:
                reason = REASON_MISSING_PREFIX + ECS_TIMESTAMP
            elif micros is None:
                reason = REASON_BAD_TIMESTAMP
            elif micros < self.earliest or micros > self.latest:
                reason = REASON_TIMESTAMP_RANGE
        if reason is not None:
            return self._quarantined(path, number, reason, raw, source)
        assert micros is not None
        row = self._accepted(path, number, values, source, micros)
        return (*row[:3], OUTCOME_CODEINTEGRITY, *row[4 : -len(details)], *details)

    def _typed(self, typed: list[object], values: list[str | None]) -> None:
        """Type the boolean and certificate columns of ``typed`` in place, from their texts in ``values``.

        An unreadable certificate time or boolean is left null and counted (:data:`OUTCOME_FIELD_NULLED`); the
        record is kept: an optional detail of the certificate does not cost the event.
        """
        for position, index in _BOOLEAN_POSITIONS:
            typed[position] = text_as_boolean(values[index])
        for position, index, reason in _CERTIFICATE_TIMES:
            written = values[index]
            if written is not None and typed[position] is not None:
                micros = text_as_micros(written)
                typed[position] = micros
                if micros is None:
                    self.nulled[reason] = self.nulled.get(reason, 0) + 1
        for position, index, reason in _CERTIFICATE_BOOLEANS:
            written = values[index]
            if written is not None and typed[position] is not None:
                typed[position] = text_as_boolean(written)
                if typed[position] is None:
                    self.nulled[reason] = self.nulled.get(reason, 0) + 1

    def _accepted(
        self, path: str, number: int, values: list[str | None], source: str | None, micros: int
    ) -> tuple[object, ...]:
        typed: list[object] = [values[index] for index in _TYPED_INDEX]
        self._typed(typed, values)
        if typed[_EVENT_ID] is None:
            typed[_EVENT_ID] = canonical_event_id({name: values[_INDEX[name]] for name in _IDENTITY}, micros)
        if typed[_HOST_NAME] is None:
            typed[_HOST_NAME] = values[_INDEX["_hostname"]]
        head = (
            path, number, 1, OUTCOME_ACCEPTED, None, source, None, None, values[_INDEX[JOIN_KEY_COLUMN]],
            micros, micros // _MICROS_PER_DAY,
        )
        return (*head, *typed, *self._no_detail)


def classify_lines(rules: Rules) -> Callable[[Iterable[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """A ``mapInArrow`` function: batches of numbered lines in, batches of :data:`ROWS_ARROW_SCHEMA` out."""

    def run(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        classifier = LineClassifier(rules)
        for batch in batches:
            yield classifier.rows(batch)

    return run


def classify_runs(rules: Rules) -> Callable[[Iterable[LineRun]], Iterator[pa.RecordBatch]]:
    """Runs of lines read in the same task in, batches of :data:`ROWS_ARROW_SCHEMA` out."""

    def run(runs: Iterable[LineRun]) -> Iterator[pa.RecordBatch]:
        classifier = LineClassifier(rules)
        for lines in runs:
            yield classifier.rows_of(lines)

    return run
