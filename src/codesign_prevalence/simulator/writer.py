"""Serialisation: the gzip NDJSON sink with delayed duplicate deliveries, dirty-data variants, labels.csv.

Dirty data the ingest must cope with (all counted in :class:`FleetSummary`):

- duplicates: an identical copy of an earlier process-start line, written 2 to ~3,000 lines later;
- dotted keys: the same document with ``a.b.c`` keys instead of nesting, fully or partly (:data:`DOTTED_STYLES`);
- ``event.category`` / ``event.type`` as a plain string instead of an array;
- malformed lines, one of :data:`MALFORMED_KINDS` each.
"""

from __future__ import annotations

import csv
import gzip
import heapq
import json
import queue
import random
import threading
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

from codesign_prevalence.simulator.model import Binary

DOTTED_STYLES = ("flat", "process_inner", "mixed")
MALFORMED_KINDS = (
    "not_json",
    "truncated_json",
    "json_array",
    "json_number",
    "missing_host_id",
    "missing_executable",
    "missing_sha256",
    "bad_timestamp",
)
BAD_TIMESTAMPS = ("2026-13-45T99:99:99Z", "yesterday", "N/A", "Thu 31st of Novembre")
LABEL_COLUMNS = ("sha256", "label", "scenario", "signer", "description")


class EventSink:
    """Writes lines to ``path`` as deterministic gzip (no name, mtime 0) and re-delivers chosen lines later.

    Compression runs on a background thread (zlib releases the GIL), fed in order through a bounded queue,
    so the bytes are the same as a single-threaded write.
    """

    def __init__(self, path: Path, compresslevel: int = 1, buffer_lines: int = 4096) -> None:
        self._raw = path.open("wb")
        self._gz = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0, compresslevel=compresslevel)
        self._buffer: list[str] = []
        self._buffer_lines = buffer_lines
        self._pending: list[tuple[int, int, str]] = []
        self._scheduled = 0
        self._chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=4)
        self._failure: BaseException | None = None
        self._worker = threading.Thread(target=self._compress, name="gzip-writer", daemon=True)
        self._worker.start()
        self.lines = 0
        self.duplicates = 0

    def write(self, line: str) -> None:
        self._buffer.append(line)
        self.lines += 1
        if self._pending and self._pending[0][0] <= self.lines:
            self._release(self.lines)
        if len(self._buffer) >= self._buffer_lines:
            self._flush()

    def duplicate_later(self, line: str, delay: int) -> None:
        """Write ``line`` again once ``delay`` more lines have been written."""
        heapq.heappush(self._pending, (self.lines + delay, self._scheduled, line))
        self._scheduled += 1

    def _release(self, upto: int) -> None:
        while self._pending and self._pending[0][0] <= upto:
            self._buffer.append(heapq.heappop(self._pending)[2])
            self.lines += 1
            self.duplicates += 1

    def _flush(self) -> None:
        if self._buffer:
            self._chunks.put(("\n".join(self._buffer) + "\n").encode("utf-8"))
            self._buffer.clear()

    def _compress(self) -> None:
        while (chunk := self._chunks.get()) is not None:
            if self._failure is None:
                try:
                    self._gz.write(chunk)
                except BaseException as error:  # surfaced by close()
                    self._failure = error

    def close(self) -> None:
        self._release(1 << 62)
        self._flush()
        self._chunks.put(None)
        self._worker.join()
        self._gz.close()
        self._raw.close()
        if self._failure is not None:
            raise self._failure

    def __enter__(self) -> EventSink:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def flatten(obj: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects -> one level of dotted keys; lists and scalars are leaves."""
    flat: dict[str, Any] = {}
    for key, value in obj.items():
        if isinstance(value, dict) and value:
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def dotted(line: str, style: str) -> str:
    """The same document with dotted keys: ``flat`` (all), ``process_inner`` (inside ``process``), or
    ``mixed`` (``host.*``/``event.*`` flat at the top, ``process.code_signature``/``process.hash`` as dotted
    top-level objects beside the remaining ``process`` object)."""
    doc = json.loads(line)
    if style == "flat":
        doc = flatten(doc)
    elif style == "process_inner":
        doc["process"] = flatten(doc["process"])
    else:
        doc = _mixed(doc)
    return json.dumps(doc, separators=(",", ":"))


def _mixed(doc: dict[str, Any]) -> dict[str, Any]:
    mixed: dict[str, Any] = {}
    for key, value in doc.items():
        if key in ("host", "event"):
            mixed.update(flatten(value, f"{key}."))
        elif key == "process":
            rest = dict(value)
            mixed["process.code_signature"] = rest.pop("code_signature")
            mixed["process.hash"] = rest.pop("hash")
            mixed["process"] = rest
        else:
            mixed[key] = value
    return mixed


def malformed(line: str, kind: str, rng: random.Random) -> str:
    """A line the ingest must quarantine, made from a good process-start line."""
    if kind == "not_json":
        return rng.choice(
            (
                "<134>Nov 26 10:00:01 elastic-endpoint[4412]: WARN event queue full, 3 events dropped",
                "ERROR: connection reset by peer while streaming documents",
                "\x1b[2K### shipper restarted ###",
            )
        )
    if kind == "truncated_json":
        return line[: rng.randint(20, len(line) - 2)]
    if kind == "json_array":
        return f"[{line}]"
    if kind == "json_number":
        return rng.choice(("1764151200", "0", "-1", "3.14"))
    doc = json.loads(line)
    if kind == "missing_host_id":
        del doc["host"]["id"]
    elif kind == "missing_executable":
        del doc["process"]["executable"]
    elif kind == "missing_sha256":
        del doc["process"]["hash"]["sha256"]
    elif kind == "bad_timestamp":
        doc["@timestamp"] = rng.choice(BAD_TIMESTAMPS)
    else:
        raise ValueError(f"unknown malformed kind {kind!r}")
    return json.dumps(doc, separators=(",", ":"))


def write_labels(path: Path, binaries: Iterable[Binary]) -> int:
    """labels.csv: one row per binary, sorted by sha256; returns the row count."""
    rows = sorted(binaries, key=lambda b: b.sha256)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        writer.writerow(LABEL_COLUMNS)
        for b in rows:
            writer.writerow((b.sha256, b.label, b.scenario, b.signer, b.description))
    return len(rows)
