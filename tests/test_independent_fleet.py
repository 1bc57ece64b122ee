"""benchmarks/independent_fleet.py: the second yardstick's fleets are deterministic, fully labelled and shaped
like the documents the ingest reads (no Spark: the script is imported by path, as it imports nothing of ours)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from codesign_prevalence.ingest.sources.document import adapt_document
from fleet_files import documents, label_rows, load_generator


@pytest.fixture(scope="module")
def fleet_module() -> ModuleType:
    return load_generator("independent_fleet.py")


def _generate(module: ModuleType, out: Path, seed: int = 5, fmt: str = "elastic", days: int = 6) -> Path:
    argv = ["--out", str(out), "--hosts", "20", "--days", str(days), "--seed", str(seed), "--format", fmt]
    assert module.main(argv) == 0
    return out


def _get(doc: dict[str, Any], dotted: str) -> Any:
    node: Any = doc
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


@pytest.fixture(scope="module")
def elastic_fleet(fleet_module: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generate(fleet_module, tmp_path_factory.mktemp("indie") / "a")


def test_same_seed_same_bytes_other_seed_other_fleet(
    fleet_module: ModuleType, elastic_fleet: Path, tmp_path: Path
) -> None:
    again = _generate(fleet_module, tmp_path / "again")
    for name in ("events.ndjson.gz", "labels.csv"):
        assert (again / name).read_bytes() == (elastic_fleet / name).read_bytes(), name
    other = _generate(fleet_module, tmp_path / "other", seed=6)
    assert {r["sha256"] for r in label_rows(other)}.isdisjoint({r["sha256"] for r in label_rows(elastic_fleet)})


def test_every_hash_has_exactly_one_label_row(elastic_fleet: Path) -> None:
    docs = documents(elastic_fleet)
    labels = label_rows(elastic_fleet)
    in_events = {d["process"]["hash"]["sha256"] for d in docs}
    rows = Counter(r["sha256"] for r in labels)
    assert set(rows) == in_events
    assert max(rows.values()) == 1
    kinds = Counter(r["label"] for r in labels)
    assert set(kinds) == {"benign", "malicious"}
    assert kinds["malicious"] >= 2  # at least two attacks per fleet, each with a binary that runs
    malicious_signers = {r["signer"] for r in labels if r["label"] == "malicious"}
    assert all(malicious_signers), "every attack binary is signed"


def test_elastic_documents_carry_the_fields(elastic_fleet: Path) -> None:
    docs = documents(elastic_fleet)
    hosts = {d["host"]["id"] for d in docs}
    assert len(hosts) == 20
    ids = [d["event"]["id"] for d in docs]
    assert len(set(ids)) == len(ids)
    required = ["@timestamp", "event.id", "event.kind", "host.id", "host.name", "user.name", "process.executable",
                "process.name", "process.hash.sha256", "process.pe.original_file_name", "process.parent.executable",
                "process.parent.name", "process.code_signature.exists", "process.code_signature.trusted"]
    statuses = Counter()
    for d in docs:
        missing = [f for f in required if _get(d, f) in (None, "")]
        assert not missing, (missing, d)
        assert d["event"]["category"] == ["process"] and d["event"]["type"] == ["start"]
        assert d["data_stream"]["dataset"] == "endpoint.events.process" and d["agent"]["type"] == "endpoint"
        assert d["process"]["name"] == d["process"]["executable"].rsplit("\\", 1)[-1]
        cs = d["process"]["code_signature"]
        if cs["exists"]:
            assert cs["subject_name"] and cs["status"] and len(cs["thumbprint_sha256"]) == 64
            assert cs["trusted"] == (cs["status"] == "trusted")
            statuses[cs["status"]] += 1
    assert statuses["trusted"] > 0 and len(statuses) >= 2  # some signatures fail (expired, untrusted root...)
    companies = sum(1 for d in docs if _get(d, "process.pe.company"))
    assert companies > len(docs) / 2
    # the project's own reader takes every document as an Elastic Defend process start
    for d in docs[:: max(1, len(docs) // 300)]:
        row = adapt_document(d)
        assert "_parse_error" not in row and row["_source"] == "elastic_defend", row
        assert row["sha256"] == d["process"]["hash"]["sha256"]


def test_sysmon_ecs_documents_pair_each_start_with_its_own_image_load(
    fleet_module: ModuleType, elastic_fleet: Path, tmp_path: Path
) -> None:
    out = _generate(fleet_module, tmp_path / "sysmon", fmt="sysmon_ecs")
    docs = documents(out)
    starts = [d for d in docs if d["winlog"]["event_id"] == "1"]
    loads = {d["process"]["entity_id"]: d for d in docs if d["winlog"]["event_id"] == "7"}
    assert len(starts) == len(loads) == len(docs) // 2
    # the same fleet as the Elastic Defend one: same starts, same hashes
    assert Counter(d["process"]["hash"]["sha256"] for d in starts) == Counter(
        d["process"]["hash"]["sha256"] for d in documents(elastic_fleet)
    )
    seen_status = Counter()
    for start in starts:
        assert start["event"]["module"] == "sysmon" and start["event"]["type"] == ["start"]
        assert start["winlog"]["provider_name"] == "Microsoft-Windows-Sysmon"
        load = loads[start["process"]["entity_id"]]
        assert load["file"]["path"] == start["process"]["executable"] == load["process"]["executable"]
        assert load["file"]["hash"]["sha256"] == start["process"]["hash"]["sha256"]
        data = load["winlog"]["event_data"]
        assert data["Signed"] in ("true", "false") and data["Signature"] and data["SignatureStatus"]
        seen_status[data["SignatureStatus"]] += 1
    assert seen_status["Valid"] > 0 and len(seen_status) >= 3
    for d in docs[:: max(1, len(docs) // 300)]:
        row = adapt_document(d)
        assert "_parse_error" not in row and row["_source"] == "sysmon_ecs", row
