"""The typed road of the extractor (msgspec into structs) gives exactly what the parsed road (orjson + walk) gives.

:meth:`FieldExtractor.read_typed` reads most documents; the documents it declines take the parsed road, which
is what every line took before. Here both roads read the same lines, and the records they lead to must be
the same, value for value: generated fleets of every source, the shared third-party samples, hand-made odd
documents, and hypothesis' documents and text. The control: the typed road must really read the
well-formed documents (else the comparison would compare the parsed road with itself), and decline the odd
ones it cannot read exactly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codesign_prevalence.ingest.classify import LineClassifier, Rules
from codesign_prevalence.ingest.extract import FieldExtractor
from codesign_prevalence.ingest.reader import LINES_ARROW_SCHEMA
from codesign_prevalence.ingest.sources.detect import DETECTION_KEYS, SOURCE_MODES
from codesign_prevalence.ingest.sources.document import WALKED_FIELDS, DocumentReader
from codesign_prevalence.simulator import generate_fleet
from codesign_prevalence.simulator.certificates import CERTIFICATES_FILE, load_registry
from codesign_prevalence.simulator.codeintegrity import write_codeintegrity
from codesign_prevalence.simulator.formats import convert_events

Extracted = tuple[list[str | None], str | None, bool]
RULES = Rules(dt.datetime(2026, 11, 27), dt.date(2000, 1, 1), 48, 65_536)


class ParsedRoad(DocumentReader):
    """The reader as it was before the typed road: every line parsed with orjson (or Python's parser) and
    walked. Test-side only: the production reader has no switch."""

    def extract(self, text: str | None) -> Extracted:
        if text is None or text.strip(" ") == "":
            return [None] * len(self.names), None, True
        return self.extract_parsed(text)


def _rows(lines: list[str], reader: DocumentReader) -> list[dict[str, object]]:
    """The classified rows of ``lines`` (one row per line) read with ``reader``."""
    batch = pa.RecordBatch.from_pylist(
        [{"source_file": "f", "line_number": n, "raw": line, "read_error": None} for n, line in enumerate(lines, 1)],
        schema=LINES_ARROW_SCHEMA,
    )
    classifier = LineClassifier(dataclasses.replace(RULES, source=reader.mode, row_per_line=True))
    classifier.reader = reader
    return classifier.rows(batch).to_pylist()


def assert_same_records(lines: list[str], mode: str = "auto") -> None:
    """Both roads give the same extraction for each line, and the same classified rows for all of them."""
    typed, parsed = DocumentReader(mode), ParsedRoad(mode)
    for line in lines:
        assert typed.extract(line) == parsed.extract(line), line
    assert _rows(lines, typed) == _rows(lines, parsed)


def _typed_share(lines: list[str]) -> float:
    walker = FieldExtractor(WALKED_FIELDS, document_keys=DETECTION_KEYS)
    return sum(walker.read_typed(line) is not None for line in lines) / len(lines)


def _lines(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [line.rstrip("\n") for line in handle]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """A small generated fleet in every format the simulator writes, and its Code Integrity events."""
    folder = tmp_path_factory.mktemp("fleet")
    summary = generate_fleet(folder, hosts=12, days=2, seed=5, events_per_host_day=40)
    registry = load_registry(summary.events_path.with_name(CERTIFICATES_FILE))
    codeintegrity, _ = write_codeintegrity(summary.events_path, registry, 5)
    formats = {"elastic": _lines(summary.events_path), "codeintegrity": _lines(codeintegrity)}
    for fmt in ("sysmon", "sysmon_ecs", "defender"):
        convert_events(summary.events_path, folder / f"{fmt}.ndjson.gz", fmt)
        formats[fmt] = _lines(folder / f"{fmt}.ndjson.gz")
    return formats


@pytest.mark.parametrize("fmt", ["elastic", "sysmon", "sysmon_ecs", "defender", "codeintegrity"])
def test_generated_fleets_read_the_same_in_every_source_mode(fleet: dict[str, list[str]], fmt: str) -> None:
    for mode in SOURCE_MODES:
        assert_same_records(fleet[fmt], mode)


def test_the_typed_road_reads_the_well_formed_ecs_documents(fleet: dict[str, list[str]]) -> None:
    # The generator writes some dotted keys and broken lines into the Elastic Defend stream: those take the
    # parsed road. Raw Sysmon and Defender rows always do (detection needs their top-level keys).
    assert _typed_share(fleet["elastic"]) > 0.9
    assert _typed_share(fleet["sysmon_ecs"]) == 1.0
    assert _typed_share(fleet["codeintegrity"]) == 1.0
    assert _typed_share(fleet["sysmon"]) == 0.0
    assert _typed_share(fleet["defender"]) == 0.0


def _sample_documents(folder: Path) -> Iterator[str]:
    for path in sorted(folder.glob("*.json")):
        document = json.loads(path.read_text())
        for item in document if isinstance(document, list) else [document]:
            yield json.dumps(item)
    for path in sorted(folder.glob("*.jsonl.gz")):
        yield from _lines(path)


def test_shared_samples_read_the_same(samples_dir: Path) -> None:
    lines = list(_sample_documents(samples_dir))
    assert lines
    for mode in SOURCE_MODES:
        assert_same_records(lines, mode)


BASE: dict[str, object] = {
    "@timestamp": "2026-11-20T10:00:00.1234567Z",
    "event": {"category": ["process"], "type": ["start"], "kind": "event"},
    "host": {"id": "h1", "name": "WKS"},
    "process": {
        "executable": "C:\\x\\y.exe", "pid": 42, "hash": {"sha256": "a" * 64},
        "code_signature": {"exists": True, "trusted": False, "status": "errorExpired", "subject_name": "Fabrikam"},
    },
}


def _with(**changes: object) -> str:
    """The base document (no ``event.id``: its id is derived) with top-level keys replaced or added."""
    return json.dumps({**BASE, **changes}, ensure_ascii=False)


def _process(**changes: object) -> str:
    return _with(process={**BASE["process"], **changes})  # type: ignore[dict-item]


# (document text, whether the typed road reads it)
ODD_DOCUMENTS: list[tuple[str, bool]] = [
    (_with(), True),
    (_with(event={"id": "e1", "category": "process", "type": "start"}), True),
    (_process(name='O\'Brien "Ltd"\u0007\u001f\n\t\\ ünï😀 /'), True),
    (_process(executable="C:\\" + "\\".join(["very long folder name ü"] * 400) + "\\x.exe"), True),
    (_process(pid=[1, 2], name={"a": [1.5, None, True]}, entity_id=1e300, command_line=-0.0), True),
    (_process(pid=2**63, name=2**64 - 1, entity_id=-(2**63)), True),
    (_process(pid=2**64), False),  # orjson reads it as a float: the parsed road says what it becomes
    (_process(pid=[-(2**63) - 1]), False),
    (_process(code_signature="signed"), False),  # a sub-object of the wrong type hides only its fields
    (_with(host=["h1"]), False),
    (_with(process=None, user=None), True),
    (_with(**{"process.code_signature.subject_name": "Dotted"}), False),
    (_with(**{"process.pid": 7}), False),
    (_process(**{"code_signature.status": "trusted"}), False),
    (_process(**{"hash.sha256": ""}), False),
    (_with(**{"agent.build.original": "x", "data_stream.type": "logs"}), True),  # dotted, but nothing wanted
    ('{"process.p\\u0069d": 7, ' + _with()[1:], False),  # an escape after the dot
    ('{"process\\u002epid": 7, ' + _with()[1:], False),  # an escaped dot
    (_with(EventID=1), False),
    (_with(DeviceId="d1"), False),
    (_with(properties=None), False),
    (_with(winlog={"event_id": "1", "provider_name": "Microsoft-Windows-Sysmon"}), True),
    (_with(winlog={"event_id": 3089, "channel": "Microsoft-Windows-CodeIntegrity/Operational",
                   "event_data": {"PublisherName": "X", "SHA256 Flat Hash": "AB"}}), True),
    (_with().replace('"h1"', '"h\\ud800"'), False),  # a lone surrogate: U+FFFD, by Python's parser
    (_with().replace("42", "NaN"), False),
    (_with().replace("42", "Infinity"), False),
    # orjson refuses 1e999 (Python's parser reads inf); the typed road skips it: the same values either way
    (_with(extra=1).replace('"extra": 1', '"extra": 1e999'), True),
    (_with(extra=[[[[[]]]]]), True),
    (_with(process={"pid": 1}).replace("}}", '}, "process": {"pid": 2}}'), True),  # duplicate keys: last wins
    (' \t' + _with() + ' \r', True),
    (_with() + " x", False),
    (_with()[:-40], False),
    ("[1, 2]", False),
    ("null", False),
    ("\ufeff" + _with(), False),
    ('{"process": ' + "[" * 3000 + "]" * 3000 + "}", False),
    ('{"a": "\x01"}', False),
]


@pytest.mark.parametrize(("text", "typed"), ODD_DOCUMENTS)
def test_odd_documents_read_the_same(text: str, typed: bool) -> None:
    assert (_typed_share([text]) == 1.0) is typed
    for mode in SOURCE_MODES:
        assert_same_records([text], mode)


def test_a_dotted_key_with_an_escape_after_the_dot_is_ranked() -> None:
    """Both roads see ``process.p\\u0069d`` as the dotted spelling of ``process.pid`` (before, the parsed road
    missed it: its test for dotted keys stopped at the backslash)."""
    extractor = FieldExtractor({"pid": "process.pid"})
    assert extractor.extract('{"process.p\\u0069d": 7}')[0] == ["7"]
    assert extractor.extract('{"process.p\\u0069d": 7, "process": {"pid": 8}}')[0] == ["8"]


SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=6,
)
WANTED = sorted(WALKED_FIELDS.values())


@st.composite
def documents(draw: st.DrawFn) -> str:
    """A document of wanted fields (nested, dotted or mixed), odd keys and any values, as JSON text."""
    document: dict[str, object] = {}
    for dotted in draw(st.lists(st.sampled_from(WANTED), max_size=8)):
        parts = dotted.split(".")
        cut = draw(st.integers(1, len(parts)))  # how many leading parts are nested; the rest is one dotted key
        node = document
        for key in parts[: cut - 1]:
            child = node.setdefault(key, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node[".".join(parts[cut - 1 :])] = draw(VALUES)
    for key in draw(st.lists(st.sampled_from(["EventID", "x.y", "process", "host", "", "a"]), max_size=2)):
        document[key] = draw(VALUES)
    return json.dumps(document, ensure_ascii=draw(st.booleans()), allow_nan=True)


@settings(max_examples=300, deadline=None)
@given(documents())
def test_generated_documents_read_the_same(text: str) -> None:
    assert_same_records([text])


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from('{}[]":,. \\u0123456789eE+-tnrfalsNIy\ud800ü'), max_size=40))
def test_any_text_reads_the_same(text: str) -> None:
    typed, parsed = DocumentReader(), ParsedRoad()
    assert typed.extract(text) == parsed.extract(text)
