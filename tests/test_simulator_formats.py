"""The simulator's fleet in each source format, checked in pure Python through the source adapters: every
process start reads back with the same binary, host and signature as in the Elastic Defend original."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import pytest

from codesign_prevalence.ingest.sources.document import DocumentReader
from codesign_prevalence.ingest.sources.record import (
    RECORD_PROCESS_START,
    RECORD_SIGNATURE,
    SOURCE_DEFENDER,
    SOURCE_ELASTIC,
    SOURCE_SYSMON,
    SOURCE_SYSMON_ECS,
)
from codesign_prevalence.simulator import generate_fleet
from codesign_prevalence.simulator.formats import FORMATS, convert_events, rewrite_fleet

COMPARED = (
    "executable",
    "sha256",
    "cs_exists",
    "cs_trusted",
    "cs_status",
    "cs_subject_name",
    "user_name",
    "parent_executable",
    "pe_company",
    "pe_original_file_name",
)
SIGNATURE = ("cs_exists", "cs_trusted", "cs_valid", "cs_status", "cs_subject_name")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fleet")
    return generate_fleet(out, hosts=12, days=3, seed=5, events_per_host_day=30).events_path


def _read(path: Path) -> list[dict[str, str | None]]:
    reader = DocumentReader("auto")
    rows = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            values, error, blank = reader.extract(line.rstrip("\n"))
            if error is None and not blank:
                rows.append(dict(zip(reader.names, values, strict=True)))
    return rows


def _starts(rows: list[dict[str, str | None]]) -> Counter[tuple[str | None, ...]]:
    """Process starts with the signature of their own signature record (the ingest's join, in Python),
    as a multiset of the compared fields plus the lower-case host name."""
    signatures: dict[str, dict[str, str | None]] = {}
    for row in rows:
        if row["_record"] == RECORD_SIGNATURE and row["_join_key"] and row["_join_key"] not in signatures:
            signatures[row["_join_key"]] = row
    starts: Counter[tuple[str | None, ...]] = Counter()
    seen_ids = set()
    for row in rows:
        is_start = row["_record"] == RECORD_PROCESS_START or (
            row["_source"] == SOURCE_ELASTIC and row["_type"] is not None and "start" in row["_type"]
        )
        if not is_start or row["event_id"] in seen_ids or row["host_id"] is None or row["sha256"] is None:
            continue
        seen_ids.add(row["event_id"])
        if row["_record"] == RECORD_PROCESS_START:
            found = signatures.get(row["_join_key"] or "", {})
            row = {**row, **{key: found.get(key) for key in SIGNATURE}}
        host = (row["host_name"] or row["_hostname"] or "").lower()
        starts[(host, *(row[key] for key in COMPARED))] += 1
    return starts


def test_each_format_reads_back_like_the_elastic_original(fleet: Path, tmp_path: Path) -> None:
    original = _read(fleet)
    elastic = _starts(original)
    assert sum(elastic.values()) > 500
    statuses = {key[5] for key in elastic}  # the mapping is exercised beyond "trusted"
    assert {"trusted", "errorExpired", "errorRevoked", "errorUntrustedRoot"} <= statuses, statuses
    for fmt in FORMATS:
        path = tmp_path / f"{fmt}.ndjson.gz"
        counts = convert_events(fleet, path, fmt)
        rows = _read(path)
        sources = Counter(row["_source"] for row in rows)
        expected_source = {
            "elastic": SOURCE_ELASTIC,
            "sysmon": SOURCE_SYSMON,
            "sysmon_ecs": SOURCE_SYSMON_ECS,
            "defender": SOURCE_DEFENDER,
        }[fmt]
        assert set(sources) <= {expected_source, SOURCE_ELASTIC}, fmt  # malformed ECS lines stay ECS
        starts = _starts(rows)
        if fmt != "defender":
            assert starts == elastic, fmt
            if fmt != "elastic":
                assert counts.signature_records == counts.process_starts
        else:
            # one certificate verdict per file: compare the binaries and hosts, and the signature of every
            # file whose verdict never changes
            assert _collapse(starts) == _collapse(elastic)
            stable = _stable_signatures(elastic)
            for key in starts:
                if key[2] in stable:
                    assert key[3:7] == stable[key[2]], key


def _collapse(found: Counter[tuple[str | None, ...]]) -> Counter[tuple[str | None, ...]]:
    collapsed: Counter[tuple[str | None, ...]] = Counter()
    for key, count in found.items():
        collapsed[key[:3]] += count
    return collapsed


def _stable_signatures(found: Counter[tuple[str | None, ...]]) -> dict[str | None, tuple[str | None, ...]]:
    verdicts: dict[str | None, set[tuple[str | None, ...]]] = {}
    for key in found:
        verdicts.setdefault(key[2], set()).add(key[3:7])
    return {sha: next(iter(v)) for sha, v in verdicts.items() if len(v) == 1}


def test_rewrite_fleet_is_deterministic(fleet: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "events.ndjson.gz", tmp_path / "b" / "events.ndjson.gz"
    for path in (first, second):
        path.parent.mkdir()
        path.write_bytes(fleet.read_bytes())
        rewrite_fleet(path, "sysmon")
    assert first.read_bytes() == second.read_bytes() != fleet.read_bytes()
