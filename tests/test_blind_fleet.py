"""benchmarks/blind_fleet.py, the third yardstick (written by an outside author, session 33): its fleets are
deterministic, fully labelled and read by the project's own document reader (no Spark: the script is imported by
path, as it imports nothing of ours). What quality.py --generator blind relies on; nothing here judges its realism."""

from __future__ import annotations

import csv
import gzip
import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from codesign_prevalence.ingest.sources.document import adapt_document

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "blind_fleet.py"


@pytest.fixture(scope="module")
def blind() -> ModuleType:
    spec = importlib.util.spec_from_file_location("blind_fleet", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["blind_fleet"] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


def _generate(module: ModuleType, out: Path, seed: int = 3, fmt: str = "elastic") -> Path:
    assert module.main(["--out", str(out), "--hosts", "15", "--days", "2", "--seed", str(seed), "--format", fmt]) == 0
    return out


def _docs(out: Path) -> list[dict[str, Any]]:
    with gzip.open(out / "events.ndjson.gz", "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def _labels(out: Path) -> list[dict[str, str]]:
    with open(out / "labels.csv", newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["sha256", "label", "scenario", "signer", "description"]
        return list(reader)


def test_a_seed_writes_the_same_bytes_and_labels_every_hash_once(blind: ModuleType, tmp_path: Path) -> None:
    first, again = _generate(blind, tmp_path / "a"), _generate(blind, tmp_path / "b")
    for name in ("events.ndjson.gz", "labels.csv"):
        assert (first / name).read_bytes() == (again / name).read_bytes(), name
    rows = Counter(row["sha256"] for row in _labels(first))
    assert set(rows) == {doc["process"]["hash"]["sha256"] for doc in _docs(first)}
    assert max(rows.values()) == 1
    assert {row["label"] for row in _labels(first)} == {"benign", "malicious"}
    other = _generate(blind, tmp_path / "c", seed=4)
    assert (other / "labels.csv").read_bytes() != (first / "labels.csv").read_bytes()


@pytest.mark.parametrize(("fmt", "source"), [("elastic", "elastic_defend"), ("sysmon_ecs", "sysmon_ecs")])
def test_the_reader_takes_the_documents(blind: ModuleType, tmp_path: Path, fmt: str, source: str) -> None:
    sources = Counter()
    docs = _docs(_generate(blind, tmp_path / fmt, fmt=fmt))
    for doc in docs[:: max(1, len(docs) // 200)]:  # a spread sample: the reader is slow per document
        row = adapt_document(doc)
        assert "_parse_error" not in row, row
        sources[row["_source"]] += 1
    assert set(sources) == {source}, sources
