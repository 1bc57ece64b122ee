"""Reading NDJSON files (plain or gzip) into numbered lines, on the executors.

Spark's own text reader loses line numbers and fails (or, with ``ignoreCorruptFiles``, silently drops the
rest of the file) on a gzip stream that was cut short. This reader runs inside ``mapInArrow``: each task
reads whole files sequentially, numbers their lines, and turns every problem it meets into a row that the
ingest sends to quarantine with a reason, so that no input line is ever lost without a trace.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from codesign_prevalence.errors import UserError
from codesign_prevalence.schema import (
    REASON_BAD_ENCODING,
    REASON_LINE_TOO_LONG,
    REASON_TRUNCATED_GZIP,
    REASON_UNREADABLE_FILE,
)

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
READ_CHUNK_BYTES = 4 * 1024 * 1024
INPUT_SUFFIXES = (".ndjson", ".json", ".jsonl", ".ndjson.gz", ".json.gz", ".jsonl.gz", ".gz", ".log")

LINES_ARROW_SCHEMA = pa.schema(
    [
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("line_number", pa.int64(), nullable=False),
        pa.field("raw", pa.string(), nullable=True),
        pa.field("read_error", pa.string(), nullable=True),
    ]
)
LINES_DDL = "source_file string, line_number bigint, raw string, read_error string"


@dataclass(frozen=True)
class ReaderLimits:
    max_line_bytes: int
    raw_quarantine_chars: int
    batch_lines: int


def expand_inputs(paths: list[str] | tuple[str, ...]) -> list[str]:
    """Files named directly, and the NDJSON files inside named folders (recursively), in a stable order.

    Raises ``UserError`` for a path that does not exist or a folder with no input files in it.
    """
    files: list[str] = []
    for given in paths:
        path = Path(given)
        if path.is_file():
            files.append(str(path.absolute()))
        elif path.is_dir():
            found = sorted(
                str(child.absolute())
                for child in path.rglob("*")
                if child.is_file() and child.name.lower().endswith(INPUT_SUFFIXES)
            )
            if not found:
                raise UserError(f"no NDJSON files (*.ndjson, *.json, *.jsonl, *.gz) in folder {path}")
            files.extend(found)
        else:
            raise UserError(f"input path does not exist: {given}")
    return sorted(set(files))


def _decoded(line: bytes, limits: ReaderLimits) -> tuple[str | None, str | None]:
    """The line as text and an error reason, if any."""
    if len(line) > limits.max_line_bytes:
        preview = line[: limits.raw_quarantine_chars].decode("utf-8", errors="replace")
        return preview, REASON_LINE_TOO_LONG
    try:
        return line.decode("utf-8"), None
    except UnicodeDecodeError:
        return line.decode("utf-8", errors="replace")[: limits.raw_quarantine_chars], REASON_BAD_ENCODING


def read_numbered_lines(path: str, limits: ReaderLimits) -> Iterator[tuple[int, str | None, str | None]]:
    """(line number, text, error reason) for each line of a file; blank lines come with text ``""``."""
    number = 0
    pending = b""
    truncated = False
    try:
        for chunk, cut_short in _gzip_aware_chunks(path):
            truncated = truncated or cut_short
            if not chunk:
                continue
            pieces = (pending + chunk).split(b"\n")
            pending = pieces.pop()
            for piece in pieces:
                if number == 0 and piece.startswith(UTF8_BOM):
                    piece = piece[len(UTF8_BOM) :]
                number += 1
                text, error = _decoded(piece.rstrip(b"\r"), limits)
                yield number, text, error
    except (OSError, zlib.error, EOFError) as exc:
        number += 1
        yield number, None, f"{REASON_UNREADABLE_FILE}: {type(exc).__name__}: {exc}"[:500]
        return
    if pending.strip() or truncated:
        number += 1
        text, error = _decoded(pending.rstrip(b"\r"), limits)
        yield number, text, REASON_TRUNCATED_GZIP if truncated else error


def _gzip_aware_chunks(path: str) -> Iterator[tuple[bytes, bool]]:
    """Decompressed chunks; the last item says whether the gzip stream ended before its trailer."""
    with open(path, "rb") as handle:
        head = handle.read(2)
        handle.seek(0)
        if head != GZIP_MAGIC:
            while chunk := handle.read(READ_CHUNK_BYTES):
                yield chunk, False
            return
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        member_open = False
        while compressed := handle.read(READ_CHUNK_BYTES):
            while compressed:
                member_open = True
                yield inflater.decompress(compressed), False
                if not inflater.eof:
                    break
                member_open = False
                compressed = inflater.unused_data
                inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        yield inflater.flush(), member_open


def _batches(path: str, limits: ReaderLimits) -> Iterator[pa.RecordBatch]:
    numbers: list[int] = []
    texts: list[str | None] = []
    errors: list[str | None] = []
    for number, text, error in read_numbered_lines(path, limits):
        numbers.append(number)
        texts.append(text)
        errors.append(error)
        if len(numbers) >= limits.batch_lines:
            yield _batch(path, numbers, texts, errors)
            numbers, texts, errors = [], [], []
    if numbers:
        yield _batch(path, numbers, texts, errors)


def _batch(
    path: str, numbers: list[int], texts: list[str | None], errors: list[str | None]
) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays(
        [
            pa.array([path] * len(numbers), pa.string()),
            pa.array(numbers, pa.int64()),
            pa.array(texts, pa.string()),
            pa.array(errors, pa.string()),
        ],
        schema=LINES_ARROW_SCHEMA,
    )


def lines_from_files(limits: ReaderLimits) -> Callable[[Iterable[pa.RecordBatch]], Iterable[pa.RecordBatch]]:
    """A ``mapInArrow`` function: batches of file paths in, batches of numbered lines out."""

    def read(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            for path in batch.column("path").to_pylist():
                if not os.access(path, os.R_OK):
                    yield _batch(path, [0], [None], [f"{REASON_UNREADABLE_FILE}: permission denied"])
                    continue
                yield from _batches(path, limits)

    return read
