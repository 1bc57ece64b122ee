"""The line reader: numbering, gzip (whole, concatenated, cut short), encodings, limits. No Spark needed."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyarrow as pa
import pytest

from codesign_prevalence.errors import UserError
from codesign_prevalence.ingest import reader
from codesign_prevalence.ingest.reader import (
    ReaderLimits,
    expand_inputs,
    lines_from_files,
    read_numbered_lines,
)

LIMITS = ReaderLimits(max_line_bytes=1024, raw_quarantine_chars=64, batch_lines=2)


def _lines(path: Path) -> list[tuple[int, str | None, str | None]]:
    return list(read_numbered_lines(str(path), LIMITS))


def test_plain_file_numbering_crlf_blank_and_missing_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "a.ndjson"
    path.write_bytes(b'\xef\xbb\xbf{"a":1}\r\n\n  \n{"b":2}')
    assert _lines(path) == [(1, '{"a":1}', None), (2, "", None), (3, "  ", None), (4, '{"b":2}', None)]


def test_gzip_and_concatenated_members(tmp_path: Path) -> None:
    path = tmp_path / "a.gz"
    path.write_bytes(gzip.compress(b"one\ntwo\n") + gzip.compress(b"three\n"))
    assert _lines(path) == [(1, "one", None), (2, "two", None), (3, "three", None)]


def test_gzip_detected_by_content_not_name(tmp_path: Path) -> None:
    path = tmp_path / "events.ndjson"
    path.write_bytes(gzip.compress(b"x\n"))
    assert _lines(path) == [(1, "x", None)]


def test_truncated_gzip_keeps_whole_lines_and_reports_the_tail(tmp_path: Path) -> None:
    body = b"".join(b'{"n": %d, "pad": "%s"}\n' % (i, b"x" * 50) for i in range(200))
    data = gzip.compress(body)
    path = tmp_path / "cut.gz"
    path.write_bytes(data[: len(data) // 2])
    lines = _lines(path)
    *whole, last = lines
    assert [number for number, _, _ in lines] == list(range(1, len(lines) + 1))
    assert all(error is None for _, _, error in whole) and len(whole) > 10
    assert whole[5][1] == '{"n": 5, "pad": "' + "x" * 50 + '"}'
    assert last[2] == "truncated_gzip"


def test_gzip_cut_inside_header_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "tiny.gz"
    path.write_bytes(gzip.compress(b"abc\n")[:5])
    lines = _lines(path)
    assert len(lines) == 1 and lines[0][2] is not None and lines[0][1] in (None, "")


def test_invalid_utf8_and_overlong_lines(tmp_path: Path) -> None:
    path = tmp_path / "bad.ndjson"
    path.write_bytes(b'{"a":"\xff\xfe"}\n' + b"y" * 2000 + b"\nok\n")
    (n1, text1, err1), (n2, text2, err2), (n3, text3, err3) = _lines(path)
    assert (n1, err1) == (1, "not_utf8") and text1 is not None and "\ufffd" in text1
    assert (n2, err2, text2) == (2, "line_too_long", "y" * 64)
    assert (n3, text3, err3) == (3, "ok", None)


def test_empty_file_yields_nothing(tmp_path: Path) -> None:
    path = tmp_path / "empty.ndjson"
    path.write_bytes(b"")
    assert _lines(path) == []


def test_map_in_arrow_function_batches_and_unreadable_files(tmp_path: Path) -> None:
    path = tmp_path / "a.ndjson"
    path.write_text("1\n2\n3\n")
    read = lines_from_files(LIMITS)
    request = pa.RecordBatch.from_pydict({"path": [str(path), str(tmp_path / "gone.ndjson")]})
    batches = list(read(iter([request])))
    rows = [row for batch in batches for row in batch.to_pylist()]
    assert [b.num_rows for b in batches] == [2, 1, 1]
    assert rows[:3] == [
        {"source_file": str(path), "line_number": n, "raw": str(n), "read_error": None} for n in (1, 2, 3)
    ]
    assert rows[3]["line_number"] == 0 and rows[3]["read_error"].startswith("unreadable_file")


def test_expand_inputs(tmp_path: Path) -> None:
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "b.ndjson.gz").write_bytes(b"")
    (tmp_path / "d" / "sub" / "a.json").write_text("")
    (tmp_path / "d" / "notes.txt").write_text("")
    found = expand_inputs([str(tmp_path / "d"), str(tmp_path / "d" / "b.ndjson.gz")])
    assert found == sorted([str(tmp_path / "d" / "b.ndjson.gz"), str(tmp_path / "d" / "sub" / "a.json")])
    with pytest.raises(UserError, match="does not exist"):
        expand_inputs([str(tmp_path / "missing")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no NDJSON files"):
        expand_inputs([str(tmp_path / "empty")])


@pytest.mark.parametrize("compress", [False, True])
def test_parts_of_one_file_share_its_lines_exactly_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compress: bool
) -> None:
    monkeypatch.setattr(reader, "READ_CHUNK_BYTES", 64)  # many blocks from a small file
    body = "".join(f'{{"n": {n}}}\n' for n in range(1, 201)).encode() + b'{"tail": '
    path = tmp_path / ("a.ndjson.gz" if compress else "a.ndjson")
    path.write_bytes(gzip.compress(body)[:-20] if compress else body)  # a gzip stream cut short, or a tail
    whole = _lines(path)
    assert len(whole) > 100 and whole[-1][2] == ("truncated_gzip" if compress else None)
    shares = [list(read_numbered_lines(str(path), LIMITS, part, 3)) for part in range(3)]
    assert all(shares) and sorted(line for share in shares for line in share) == whole
    batches = list(lines_from_files(LIMITS)(iter([pa.RecordBatch.from_pydict(
        {"path": [str(path)] * 3, "part": [0, 1, 2], "parts": [3, 3, 3]}
    )])))
    numbers = [n for batch in batches for n in batch.column("line_number").to_pylist()]
    assert sorted(numbers) == [number for number, _, _ in whole]
    # Every batch holds one run of consecutive lines.
    assert all(b.column("line_number").to_pylist() == list(range(b.column("line_number")[0].as_py(),
               b.column("line_number")[0].as_py() + b.num_rows)) for b in batches)
