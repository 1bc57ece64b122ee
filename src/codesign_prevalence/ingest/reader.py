"""Reading NDJSON files (plain or gzip) into numbered lines, on the executors.

Spark's own text reader loses line numbers and fails (or, with ``ignoreCorruptFiles``, silently drops the
rest of the file) on a gzip stream that was cut short. This reader runs inside ``mapInArrow``: each task
reads whole files sequentially, numbers their lines, and turns every problem it meets into a row that the
ingest sends to quarantine with a reason, so that no input line is ever lost without a trace.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pyarrow as pa
from zlib_ng import zlib_ng

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
# The inflate's error class (zlib-ng's type stub declares it as an instance).
INFLATE_ERROR = cast(type[Exception], zlib_ng.error)
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


def read_numbered_lines(
    path: str, limits: ReaderLimits, part: int = 0, parts: int = 1
) -> Iterator[tuple[int, str | None, str | None]]:
    """(line number, text, error reason) for each line of a file (or of its ``part`` of ``parts``: see
    :func:`_numbered_blocks`); blank lines come with text ``""``."""
    for first, texts, errors in _numbered_blocks(path, limits, part, parts):
        yield from zip(range(first, first + len(texts)), texts, errors, strict=True)


Block = tuple[int, list[str | None], list[str | None]]


def _decoded_block(body: bytes, may_be_too_long: int) -> list[str | None] | None:
    """The lines of a block of whole lines, or None if a line is not UTF-8 or may be too long."""
    try:
        lines: list[str | None] = [
            line[:-1] if line.endswith("\r") else line for line in body.decode("utf-8").split("\n")
        ]
    except UnicodeDecodeError:
        return None
    if any(len(line) > may_be_too_long for line in lines if line is not None):
        return None
    return lines


def _numbered_blocks(path: str, limits: ReaderLimits, part: int = 0, parts: int = 1) -> Iterator[Block]:
    """The file's lines as blocks: (number of the first line, texts, error reasons), one block per chunk read.

    Each chunk's whole lines are decoded at once; a chunk that is not valid UTF-8, or has a line that may be
    too long, is redone line by line to find the culprits.

    With ``parts`` > 1, only every ``parts``-th block from the ``part``-th on is decoded and given: one
    gzip stream inflates on one core only, so several tasks each inflate the whole file and count its lines,
    but each decodes and parses its own share. The file's last block (its unterminated tail, a truncated
    stream, a read error) belongs to part 0.
    """
    block = -1
    number = 0
    pending = b""
    truncated = False
    may_be_too_long = limits.max_line_bytes // 4  # a line of fewer characters has fewer bytes than the limit
    try:
        for chunk, cut_short in _gzip_aware_chunks(path):
            truncated = truncated or cut_short
            if not chunk:
                continue
            data = pending + chunk if pending else chunk
            if number == 0 and data.startswith(UTF8_BOM):
                data = data[len(UTF8_BOM) :]
            cut = data.rfind(b"\n")
            if cut < 0:
                pending = data
                continue
            body, pending = data[:cut], data[cut + 1 :]
            block += 1
            if block % parts != part:
                number += body.count(b"\n") + 1
                continue
            texts = _decoded_block(body, may_be_too_long)
            if texts is not None:
                errors: list[str | None] = [None] * len(texts)
            else:
                pairs = [_decoded(piece.rstrip(b"\r"), limits) for piece in body.split(b"\n")]
                texts = [text for text, _ in pairs]
                errors = [error for _, error in pairs]
            yield number + 1, texts, errors
            number += len(texts)
    except (OSError, INFLATE_ERROR, EOFError) as exc:
        if part == 0:
            yield number + 1, [None], [f"{REASON_UNREADABLE_FILE}: {type(exc).__name__}: {exc}"[:500]]
        return
    if part == 0 and (pending.strip() or truncated):
        text, error = _decoded(pending.rstrip(b"\r"), limits)
        yield number + 1, [text], [REASON_TRUNCATED_GZIP if truncated else error]


def _gzip_aware_chunks(path: str) -> Iterator[tuple[bytes, bool]]:
    """Decompressed chunks; the last item says whether the gzip stream ended before its trailer.

    zlib-ng's inflate (the same stream format and API as :mod:`zlib`) takes about half of zlib's CPU time on
    the fleet's gzip files; one stream inflates on one core, so with one big file this is the floor per task.
    """
    with open(path, "rb") as handle:
        head = handle.read(2)
        handle.seek(0)
        if head != GZIP_MAGIC:
            while chunk := handle.read(READ_CHUNK_BYTES):
                yield chunk, False
            return
        inflater = zlib_ng.decompressobj(wbits=16 + zlib_ng.MAX_WBITS)
        member_open = False
        while compressed := handle.read(READ_CHUNK_BYTES):
            while compressed:
                member_open = True
                yield inflater.decompress(compressed), False
                if not inflater.eof:
                    break
                member_open = False
                compressed = inflater.unused_data
                inflater = zlib_ng.decompressobj(wbits=16 + zlib_ng.MAX_WBITS)
        yield inflater.flush(), member_open


@dataclass(frozen=True, slots=True)
class LineRun:
    """Consecutive lines of one file: the number of the first, their texts and their read errors.

    Plain Python lists: within one task the lines go from the reader to the classifier without a round trip
    through Arrow (about 7 us per line of building Arrow strings and reading them back).
    """

    path: str
    first: int
    texts: list[str | None]
    errors: list[str | None]

    @property
    def numbers(self) -> range:
        return range(self.first, self.first + len(self.texts))

    def to_arrow(self) -> pa.RecordBatch:
        return pa.RecordBatch.from_arrays(
            [
                pa.array([self.path] * len(self.texts), pa.string()),
                pa.array(self.numbers, pa.int64()),
                pa.array(self.texts, pa.string()),
                pa.array(self.errors, pa.string()),
            ],
            schema=LINES_ARROW_SCHEMA,
        )


def line_runs(path: str, limits: ReaderLimits, part: int = 0, parts: int = 1) -> Iterator[LineRun]:
    """The file's lines (its ``part`` of ``parts``: :func:`_numbered_blocks`) in runs of at most
    ``limits.batch_lines``."""
    first = 1
    texts: list[str | None] = []
    errors: list[str | None] = []
    for block_first, block_texts, block_errors in _numbered_blocks(path, limits, part, parts):
        if texts and block_first != first + len(texts):  # another part's lines lie between: not one run
            yield LineRun(path, first, texts, errors)
            texts, errors = [], []
        if not texts:
            first = block_first
        texts.extend(block_texts)
        errors.extend(block_errors)
        if len(texts) >= limits.batch_lines:
            size = limits.batch_lines
            whole = len(texts) - len(texts) % size
            for start in range(0, whole, size):
                yield LineRun(path, first + start, texts[start : start + size], errors[start : start + size])
            first, texts, errors = first + whole, texts[whole:], errors[whole:]
    if texts:
        yield LineRun(path, first, texts, errors)


def runs_from_requests(limits: ReaderLimits) -> Callable[[Iterable[pa.RecordBatch]], Iterator[LineRun]]:
    """Batches of file paths in (a ``path`` column, and maybe ``part`` and ``parts``: which share of the
    file's blocks a row asks for, :func:`_numbered_blocks`), runs of numbered lines out. A file that cannot
    be opened gives one line with its reason (in part 0)."""

    def read(batches: Iterable[pa.RecordBatch]) -> Iterator[LineRun]:
        for batch in batches:
            paths = batch.column("path").to_pylist()
            split = "parts" in batch.schema.names
            shares = batch.column("part").to_pylist() if split else [0] * len(paths)
            counts = batch.column("parts").to_pylist() if split else [1] * len(paths)
            for path, part, parts in zip(paths, shares, counts, strict=True):
                if not os.access(path, os.R_OK):
                    if part == 0:
                        yield LineRun(path, 0, [None], [f"{REASON_UNREADABLE_FILE}: permission denied"])
                else:
                    yield from line_runs(path, limits, part, parts)

    return read


def lines_from_files(limits: ReaderLimits) -> Callable[[Iterable[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """A ``mapInArrow`` function: batches of file paths in (:func:`runs_from_requests`), batches of numbered
    lines (:data:`LINES_ARROW_SCHEMA`) out."""
    runs = runs_from_requests(limits)

    def read(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        return (run.to_arrow() for run in runs(batches))

    return read
