"""benchmarks/blind_fleet.py and blind2_fleet.py, the yardsticks written blind (by outside authors, sessions 33 and
38): their fleets are deterministic, fully labelled and read by the project's own document reader (no Spark: each
script is imported by path, as it imports nothing of ours). What quality.py --generator blind and blind2 rely on;
nothing here judges their realism."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from codesign_prevalence.ingest.sources.document import adapt_document
from fleet_files import documents, label_rows, load_generator


@pytest.fixture(scope="module", params=["blind_fleet.py", "blind2_fleet.py"])
def blind(request: pytest.FixtureRequest) -> ModuleType:
    return load_generator(request.param)


def _generate(module: ModuleType, out: Path, seed: int = 3, fmt: str = "elastic") -> Path:
    assert module.main(["--out", str(out), "--hosts", "15", "--days", "2", "--seed", str(seed), "--format", fmt]) == 0
    return out


def test_a_seed_writes_the_same_bytes_and_labels_every_hash_once(blind: ModuleType, tmp_path: Path) -> None:
    first, again = _generate(blind, tmp_path / "a"), _generate(blind, tmp_path / "b")
    for name in ("events.ndjson.gz", "labels.csv"):
        assert (first / name).read_bytes() == (again / name).read_bytes(), name
    labels = label_rows(first)
    rows = Counter(row["sha256"] for row in labels)
    assert set(rows) == {doc["process"]["hash"]["sha256"] for doc in documents(first)}
    assert max(rows.values()) == 1
    assert {row["label"] for row in labels} == {"benign", "malicious"}
    other = _generate(blind, tmp_path / "c", seed=4)
    assert (other / "labels.csv").read_bytes() != (first / "labels.csv").read_bytes()


@pytest.mark.parametrize(("fmt", "source"), [("elastic", "elastic_defend"), ("sysmon_ecs", "sysmon_ecs")])
def test_the_reader_takes_the_documents(blind: ModuleType, tmp_path: Path, fmt: str, source: str) -> None:
    sources = Counter()
    docs = documents(_generate(blind, tmp_path / fmt, fmt=fmt))
    for doc in docs[:: max(1, len(docs) // 200)]:  # a spread sample: the reader is slow per document
        row = adapt_document(doc)
        assert "_parse_error" not in row, row
        sources[row["_source"]] += 1
    assert set(sources) == {source}, sources
