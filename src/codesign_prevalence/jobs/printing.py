"""Query results on stdout: an aligned text table for people, CSV or JSON Lines for other programs.

Cells are attacker-controlled text (paths, subject names), so the table shows control and invisible format
characters (terminal escapes, bidi overrides, zero-width spaces, new lines) as ``\\xNN`` / ``\\uNNNN``
escapes and counts East Asian wide characters as two columns. CSV keeps every string exactly as stored
(quoted by the csv module); JSON escapes what JSON must.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
import sys
import unicodedata
from collections.abc import Sequence
from typing import Any, TextIO

from pyspark.sql import DataFrame, Row

FORMATS: tuple[str, ...] = ("table", "csv", "json")
NULL = "NULL"
ELLIPSIS = "…"
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def plain(value: Any) -> Any:
    """A collected Spark value as plain JSON-ready Python: rows as dicts, dates as ISO text."""
    if isinstance(value, Row):
        return {key: plain(item) for key, item in value.asDict(recursive=False).items()}
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return value.hex()
    return value


def as_text(value: Any) -> str:
    """One cell as text (before escaping): NULL, true/false, JSON for arrays, maps and structs."""
    value = plain(value)
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def escape_invisible(text: str) -> str:
    """Control, format, private-use and line/paragraph separator characters as visible escapes."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if unicodedata.category(char) in _ESCAPED_CATEGORIES:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(char)
    return "".join(out)


def display_width(text: str) -> int:
    """Terminal columns: wide and full-width characters take two, combining marks none."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def truncated(text: str, limit: int) -> str:
    """At most ``limit`` characters (0 = no limit), an ellipsis marking a cut."""
    if limit <= 0 or len(text) <= limit:
        return text
    return text[: max(limit - 1, 1)] + ELLIPSIS


def _pad(text: str, width: int, right: bool) -> str:
    padding = " " * (width - display_width(text))
    return padding + text if right else text + padding


def render_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], max_width: int = 0) -> list[str]:
    """An aligned table in psql's style: header, rule, rows (numbers right-aligned)."""
    cells = [[truncated(escape_invisible(as_text(value)), max_width) for value in row] for row in rows]
    header = [escape_invisible(name) for name in columns]
    widths = [max([display_width(header[i]), *(display_width(row[i]) for row in cells)]) for i in range(len(columns))]
    numeric = [
        bool(rows) and all(isinstance(row[i], int | float | decimal.Decimal) and not isinstance(row[i], bool)
                           for row in rows if row[i] is not None)
        for i in range(len(columns))
    ]
    lines = [" | ".join(_pad(name, widths[i], False) for i, name in enumerate(header)).rstrip()]
    lines.append("-+-".join("-" * width for width in widths))
    for row in cells:
        lines.append(" | ".join(_pad(cell, widths[i], numeric[i]) for i, cell in enumerate(row)).rstrip())
    return lines


def write_rows(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    output_format: str,
    out: TextIO,
    max_width: int = 0,
) -> None:
    """Write the rows in one of :data:`FORMATS`."""
    if output_format == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if value is None else as_text(value) for value in row])
    elif output_format == "json":
        for row in rows:
            out.write(json.dumps({name: plain(value) for name, value in zip(columns, row, strict=True)},
                                 ensure_ascii=False) + "\n")
    else:
        for line in render_table(columns, rows, max_width):
            out.write(line + "\n")


def print_frame(
    frame: DataFrame,
    limit: int,
    output_format: str = "table",
    max_width: int = 0,
    out: TextIO | None = None,
) -> int:
    """Collect at most ``limit`` rows (0 = all) of the frame and print them; return how many were printed.

    When there are more rows than the limit the table ends with a note saying so (on stderr for CSV and
    JSON, whose stdout other programs read).
    """
    out = out or sys.stdout
    collected = frame.limit(limit + 1).collect() if limit > 0 else frame.collect()
    more = limit > 0 and len(collected) > limit
    rows = [tuple(row) for row in collected[:limit]] if more else [tuple(row) for row in collected]
    write_rows(frame.columns, rows, output_format, out, max_width)
    note = f"(first {len(rows)} rows; --limit N shows more, --limit 0 all)" if more else None
    if output_format == "table":
        out.write((note or f"({len(rows)} row{'' if len(rows) == 1 else 's'})") + "\n")
    elif note:
        print(note, file=sys.stderr)
    out.flush()
    return len(rows)
