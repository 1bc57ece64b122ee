"""The fleet simulator: determinism, the summary's counts, dirty data, scenarios and labels (no Spark)."""

from __future__ import annotations

import csv
import datetime as dt
import fnmatch
import gzip
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from codesign_prevalence.simulator import FleetSummary, generate_fleet
from codesign_prevalence.simulator.attacks import ATTACK_SCENARIOS, MISSED_BY_RULE, add_attacks
from codesign_prevalence.simulator.catalog import Catalog
from codesign_prevalence.simulator.datafiles import scenario_data
from codesign_prevalence.simulator.fleet import build_catalog
from codesign_prevalence.simulator.hosts import make_hosts
from codesign_prevalence.simulator.model import USER_SYSTEM, Plan
from codesign_prevalence.simulator.profile import FleetProfile
from codesign_prevalence.simulator.writer import DOTTED_STYLES, MALFORMED_KINDS, dotted

SMALL = {"hosts": 30, "days": 5, "seed": 7}
ATTACKS = (
    "stolen_cert_revoked",
    "front_company_cert",
    "expired_stolen_phishing",
    "self_signed_impostor",
    "stolen_cert_unrevoked",
)
HARD_NEGATIVES = (
    "portable_tool",
    "per_user_installer",
    "oem_company_mismatch",
    "logon_script_tool",
    "renamed_download",
)
USER_WRITABLE = (r"*\appdata\*", r"*\temp\*", r"*\downloads\*", r"*\users\public\*", r"*\programdata\*")


def unflatten(doc: dict[str, Any]) -> dict[str, Any]:
    """Dotted keys -> nested objects, merging ``a.b`` objects with ``a`` objects."""
    nested: dict[str, Any] = {}
    for key, value in doc.items():
        value = unflatten(value) if isinstance(value, dict) else value
        *parents, leaf = key.split(".")
        node = nested
        for part in parents:
            node = node.setdefault(part, {})
        if isinstance(value, dict) and isinstance(node.get(leaf), dict):
            node[leaf].update(value)
        else:
            node[leaf] = value
    return nested


def as_list(value: Any) -> list[Any]:
    return [value] if isinstance(value, str) else list(value or [])


def leaf_paths(doc: dict[str, Any], prefix: str = "") -> set[str]:
    paths: set[str] = set()
    for key, value in doc.items():
        if isinstance(value, dict) and value:
            paths |= leaf_paths(value, f"{prefix}{key}.")
        else:
            paths.add(f"{prefix}{key}")
    return paths


@dataclass
class Reading:
    """The events file read back, each line classified independently of the generator."""

    lines: int = 0
    starts: list[dict[str, Any]] = field(default_factory=list)
    raw_starts: list[str] = field(default_factory=list)
    duplicates: int = 0
    non_process: int = 0
    malformed: int = 0
    unparsable: int = 0
    dotted: int = 0
    string_category: int = 0
    first_line_by_id: dict[str, str] = field(default_factory=dict)
    mismatched_duplicates: int = 0


def is_process_start(doc: dict[str, Any]) -> bool:
    event = doc.get("event") or {}
    return "process" in as_list(event.get("category")) and "start" in as_list(event.get("type"))


def _malformed_reason(doc: dict[str, Any]) -> str | None:
    process = doc.get("process") or {}
    if not (doc.get("host") or {}).get("id"):
        return "missing_host_id"
    if not process.get("executable"):
        return "missing_executable"
    if not (process.get("hash") or {}).get("sha256"):
        return "missing_sha256"
    try:
        dt.datetime.fromisoformat(doc["@timestamp"])
    except (KeyError, ValueError):
        return "bad_timestamp"
    return None


def classify(line: str, reading: Reading) -> None:
    reading.lines += 1
    try:
        raw = json.loads(line)
    except ValueError:
        raw = None
    if not isinstance(raw, dict):
        reading.unparsable += 1
        reading.malformed += 1
        return
    doc = unflatten(raw)
    if not is_process_start(doc):
        reading.non_process += 1
        return
    if _malformed_reason(doc):
        reading.malformed += 1
        return
    event = doc["event"]
    event_id = event["id"]
    if event_id in reading.first_line_by_id:
        reading.duplicates += 1
        reading.mismatched_duplicates += line != reading.first_line_by_id[event_id]
        return
    reading.first_line_by_id[event_id] = line
    reading.starts.append(doc)
    reading.raw_starts.append(line)
    reading.dotted += any("." in key for key in raw) or any("." in key for key in raw.get("process", {}))
    reading.string_category += isinstance(event["category"], str)


def read_fleet(summary: FleetSummary) -> Reading:
    reading = Reading()
    with gzip.open(summary.events_path, "rt", encoding="utf-8") as handle:
        for line in handle:
            classify(line.rstrip("\n"), reading)
    return reading


def read_labels(summary: FleetSummary) -> list[dict[str, str]]:
    with summary.labels_path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> FleetSummary:
    return generate_fleet(tmp_path_factory.mktemp("fleet"), **SMALL)


@pytest.fixture(scope="module")
def reading(fleet: FleetSummary) -> Reading:
    return read_fleet(fleet)


@pytest.fixture(scope="module")
def labels(fleet: FleetSummary) -> dict[str, dict[str, str]]:
    return {row["sha256"]: row for row in read_labels(fleet)}


def test_same_arguments_give_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    args = {"hosts": 8, "days": 3, "events_per_host_day": 60.0}
    first = generate_fleet(tmp_path / "a", seed=11, **args)
    again = generate_fleet(tmp_path / "b", seed=11, **args)
    other = generate_fleet(tmp_path / "c", seed=12, **args)
    assert first.events_path.read_bytes() == again.events_path.read_bytes()
    assert first.labels_path.read_bytes() == again.labels_path.read_bytes()
    assert first.as_dict() | {"events_path": "", "labels_path": ""} == again.as_dict() | {
        "events_path": "",
        "labels_path": "",
    }
    assert first.events_path.read_bytes() != other.events_path.read_bytes()
    assert first.labels_path.read_bytes() != other.labels_path.read_bytes()


def test_summary_counts_match_the_file(fleet: FleetSummary, reading: Reading) -> None:
    assert reading.lines == fleet.lines_written
    assert fleet.lines_written == (
        fleet.process_start_events + fleet.duplicate_lines + fleet.non_process_events + fleet.malformed_lines
    )
    assert len(reading.starts) == fleet.process_start_events
    assert reading.duplicates == fleet.duplicate_lines
    assert reading.non_process == fleet.non_process_events
    assert reading.malformed == fleet.malformed_lines
    assert reading.dotted == fleet.dotted_key_docs
    assert reading.string_category == fleet.string_category_docs
    assert fleet.non_process_events == fleet.process_end_events + fleet.network_events + fleet.file_events


def test_dirty_data_shares_are_realistic(fleet: FleetSummary) -> None:
    starts = fleet.process_start_events
    assert 0.002 <= fleet.duplicate_lines / starts <= 0.01
    assert 0.01 <= fleet.dotted_key_docs / starts <= 0.03
    assert 0.03 <= fleet.non_process_events / fleet.lines_written <= 0.05
    assert min(fleet.process_end_events, fleet.network_events, fleet.file_events) > 0
    assert fleet.string_category_docs > 0


def test_every_line_parses_except_the_counted_malformed_ones(fleet: FleetSummary, reading: Reading) -> None:
    unparsable_kinds = ("not_json", "truncated_json", "json_array", "json_number")
    assert set(fleet.malformed_by_kind) == set(MALFORMED_KINDS)
    assert reading.unparsable == sum(fleet.malformed_by_kind[k] for k in unparsable_kinds)
    assert fleet.malformed_lines == sum(fleet.malformed_by_kind.values())


def test_malformed_lines_fail_for_their_stated_reason(tmp_path: Path) -> None:
    summary = generate_fleet(tmp_path, hosts=10, days=5, seed=3, events_per_host_day=100.0)
    reasons: Counter[str] = Counter()
    with gzip.open(summary.events_path, "rt", encoding="utf-8") as handle:
        for line in handle:
            try:
                doc = json.loads(line)
            except ValueError:
                reasons["unparsable"] += 1
                continue
            if isinstance(doc, list):
                reasons["json_array"] += 1
            elif not isinstance(doc, dict):
                reasons["json_number"] += 1
            elif is_process_start(unflatten(doc)) and (reason := _malformed_reason(unflatten(doc))):
                reasons[reason] += 1
    by_kind = summary.malformed_by_kind
    for kind in (
        "json_array",
        "json_number",
        "missing_host_id",
        "missing_executable",
        "missing_sha256",
        "bad_timestamp",
    ):
        assert reasons[kind] == by_kind[kind] >= 1, kind
    assert reasons["unparsable"] == by_kind["not_json"] + by_kind["truncated_json"]


def test_tiny_fleets_have_no_malformed_lines_but_attacks_the_rule_misses_and_catches(tmp_path: Path) -> None:
    summary = generate_fleet(tmp_path, hosts=1, days=1, seed=5, events_per_host_day=50.0)
    assert summary.malformed_lines == 0
    assert summary.malicious_binaries >= 3
    scenarios = {row["scenario"] for row in read_labels(summary) if row["label"] == "malicious"}
    assert scenarios <= set(ATTACKS)
    assert scenarios & set(MISSED_BY_RULE) and scenarios - set(MISSED_BY_RULE)


def test_duplicates_are_exact_copies_of_earlier_lines(reading: Reading) -> None:
    assert reading.duplicates > 0
    assert reading.mismatched_duplicates == 0


def test_dotted_styles_carry_exactly_the_nested_fields(reading: Reading) -> None:
    nested = next(line for line in reading.raw_starts if '"process":{"pid"' in line)
    for style in DOTTED_STYLES:
        flat = json.loads(dotted(nested, style))
        assert any("." in key for key in flat) or any("." in key for key in flat["process"])
        assert unflatten(flat) == json.loads(nested), style


def test_dotted_documents_in_the_file_are_complete(reading: Reading, labels: dict[str, dict[str, str]]) -> None:
    dotted_docs = [
        doc
        for doc, line in zip(reading.starts, reading.raw_starts, strict=True)
        if '"process.' in line or '"event.' in line or '"code_signature.' in line or '"hash.' in line
    ]
    assert len(dotted_docs) == reading.dotted > 0
    required = {
        "@timestamp",
        "event.id",
        "host.id",
        "host.name",
        "user.name",
        "process.executable",
        "process.hash.sha256",
        "process.code_signature.exists",
        "process.parent.executable",
    }
    for doc in dotted_docs:
        assert required <= leaf_paths(doc)
        label = labels[doc["process"]["hash"]["sha256"]]
        assert doc["process"]["code_signature"].get("subject_name", "") == label["signer"]


def test_labels_cover_exactly_the_sha256_in_the_events(fleet: FleetSummary, reading: Reading) -> None:
    rows = read_labels(fleet)
    assert list(rows[0]) == ["sha256", "label", "scenario", "signer", "description"]
    hashes = [row["sha256"] for row in rows]
    assert hashes == sorted(hashes) and len(set(hashes)) == len(hashes) == fleet.binaries
    assert {doc["process"]["hash"]["sha256"] for doc in reading.starts} == set(hashes)
    assert {row["label"] for row in rows} == {"benign", "malicious"}
    assert sum(row["label"] == "malicious" for row in rows) == fleet.malicious_binaries


def test_attack_scenarios_each_run_on_one_to_eight_hosts(reading: Reading, labels: dict[str, dict[str, str]]) -> None:
    hosts: dict[str, set[str]] = defaultdict(set)
    paths: dict[str, set[str]] = defaultdict(set)
    for doc in reading.starts:
        sha = doc["process"]["hash"]["sha256"]
        if labels[sha]["label"] == "malicious":
            hosts[sha].add(doc["host"]["id"])
            paths[sha].add(doc["process"]["executable"].lower())
    malicious = {sha for sha, row in labels.items() if row["label"] == "malicious"}
    assert set(hosts) == malicious
    scenarios = {labels[sha]["scenario"] for sha in malicious}
    assert scenarios <= set(ATTACKS) and scenarios & set(MISSED_BY_RULE) and scenarios - set(MISSED_BY_RULE)
    for sha in malicious:
        assert 1 <= len(hosts[sha]) <= 8, labels[sha]
        assert all(any(fnmatch.fnmatch(p, pattern) for pattern in USER_WRITABLE) for p in paths[sha])


def test_attack_signatures_follow_their_scenario(reading: Reading, labels: dict[str, dict[str, str]]) -> None:
    allow_listed = {"Google LLC", "Microsoft Corporation", "Adobe Inc."}
    for doc in reading.starts:
        row = labels[doc["process"]["hash"]["sha256"]]
        signature, day = doc["process"]["code_signature"], doc["@timestamp"][:10]
        if row["scenario"] == "stolen_cert_revoked":
            revoked = row["description"].rsplit("revoked ", 1)[1]
            assert signature["status"] == ("errorRevoked" if day >= revoked else "trusted")
        elif row["scenario"] in ("front_company_cert", "stolen_cert_unrevoked"):
            assert signature["trusted"] is True and signature["status"] == "trusted"
        elif row["scenario"] == "expired_stolen_phishing":
            assert signature["status"] == "errorExpired"
            assert doc["process"]["parent"]["name"] in {
                "OUTLOOK.EXE",
                "chrome.exe",
                "msedge.exe",
                "firefox.exe",
                "explorer.exe",
                "svchost.exe",
                # a host reached later by remote execution (attacks.lateral_parents), as SYSTEM
                "services.exe",
                "WmiPrvSE.exe",
                "wsmprovhost.exe",
            }
        elif row["scenario"] == "self_signed_impostor":
            assert signature["status"] == "errorUntrustedRoot" and signature["subject_name"] in allow_listed


def attacked_plans(seeds: range) -> list[tuple[Catalog, Plan]]:
    """Catalogues with their attacks added and the runs those attacks planted (no event stream), for scenario
    properties over several seeds."""
    attacked = []
    for seed in seeds:
        catalog, plan = build_catalog(seed, 14, dt.date(2026, 11, 1)), Plan(14)
        add_attacks(catalog, make_hosts(seed, 200, "Contoso"), plan, FleetProfile.draw(seed))
        attacked.append((catalog, plan))
    return attacked


def attacked_catalogs(seeds: range) -> list[Catalog]:
    return [catalog for catalog, _plan in attacked_plans(seeds)]


def test_attacks_reach_later_hosts_by_remote_execution_as_system() -> None:
    """Lateral movement: some hosts after an attack's first are reached by a service, WMI or PowerShell remoting, as
    SYSTEM; the first host never is, so every attack binary has a host no remote parent started it on."""
    lateral = set(scenario_data().attacks.lateral_parents)
    assert lateral == {"services", "wmiprvse", "wsmprovhost"}
    reached = 0
    for catalog, plan in attacked_plans(range(1, 6)):
        remote_hosts: dict[int, set[int]] = defaultdict(set)
        hosts: dict[int, set[int]] = defaultdict(set)
        for (_day, host), runs in plan.runs.items():
            for run in runs:
                if catalog.binaries[run.bid].label != "malicious":
                    continue
                hosts[run.bid].add(host)
                if run.parent in lateral:
                    assert run.user == USER_SYSTEM
                    remote_hosts[run.bid].add(host)
        assert all(hosts[bid] - remote_hosts[bid] for bid in hosts)
        reached += sum(len(remote) for remote in remote_hosts.values())
    assert reached


def test_front_company_signers_are_new_to_the_fleet() -> None:
    fronts = 0
    for catalog in attacked_catalogs(range(1, 6)):
        benign_signers = {b.signer for b in catalog.binaries if b.label == "benign"}
        front = {b.signer for b in catalog.binaries if b.scenario == "front_company_cert"}
        fronts += len(front)
        assert not front & benign_signers
    assert fronts


def test_stolen_certificates_also_sign_common_legitimate_software() -> None:
    stolen_seen = 0
    for catalog in attacked_catalogs(range(1, 6)):
        legit = {b.signer for b in catalog.binaries if b.scenario == "common_software"}
        for scenario in ("stolen_cert_revoked", "stolen_cert_unrevoked"):
            stolen = {b.signer for b in catalog.binaries if b.scenario == scenario}
            stolen_seen += len(stolen)
            assert stolen <= legit, scenario
    assert stolen_seen


def test_false_positive_classes_are_present_and_benign(reading: Reading, labels: dict[str, dict[str, str]]) -> None:
    hosts: dict[str, set[str]] = defaultdict(set)
    statuses: dict[str, set[str]] = defaultdict(set)
    for doc in reading.starts:
        row = labels[doc["process"]["hash"]["sha256"]]
        hosts[row["scenario"]].add(doc["host"]["id"])
        statuses[row["scenario"]].add(doc["process"]["code_signature"].get("status", ""))
    fleet_hosts = len({doc["host"]["id"] for doc in reading.starts})
    for scenario in ("expired_cert_window", "internal_pki", "deployment_staging", "rare_benign"):
        assert {row["label"] for row in labels.values() if row["scenario"] == scenario} == {"benign"}
    assert {"trusted", "errorExpired"} <= statuses["expired_cert_window"]
    assert statuses["internal_pki"] == {"errorUntrustedRoot"}
    assert len(hosts["internal_pki"]) >= fleet_hosts / 2
    assert len(hosts["deployment_staging"]) >= 5
    assert statuses["rare_benign"] <= {"errorUntrustedRoot", "errorChaining", "errorExpired", "errorBadDigest"}


def test_expired_window_builds_turn_expired_then_a_renewed_build_follows(
    reading: Reading, labels: dict[str, dict[str, str]]
) -> None:
    by_sha: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for doc in reading.starts:
        sha = doc["process"]["hash"]["sha256"]
        if labels[sha]["scenario"] == "expired_cert_window":
            signature = doc["process"]["code_signature"]
            by_sha[sha].add((doc["@timestamp"][:10], signature["status"]))
    expiring = [days for days in by_sha.values() if {s for _, s in days} == {"trusted", "errorExpired"}]
    assert expiring
    for days in expiring:
        assert max(d for d, s in days if s == "trusted") < min(d for d, s in days if s == "errorExpired")
    renewed = [sha for sha, row in labels.items() if "renewed build" in row["description"]]
    assert any(sha in by_sha for sha in renewed)


def test_user_writable_share_and_hosts(reading: Reading) -> None:
    writable = sum(
        any(fnmatch.fnmatch(doc["process"]["executable"].lower(), p) for p in USER_WRITABLE) for doc in reading.starts
    )
    assert 0.08 <= writable / len(reading.starts) <= 0.25
    names = {doc["host"]["name"] for doc in reading.starts}
    assert any(n.startswith("WKS-") for n in names) and any(n.startswith("SRV-") for n in names)
    assert any(n.startswith("DEV-") for n in names)


def test_timestamps_lie_in_the_simulated_days(fleet: FleetSummary, reading: Reading) -> None:
    days = {dt.datetime.fromisoformat(doc["@timestamp"]).date() for doc in reading.starts}
    assert min(days) >= fleet.start_date and max(days) <= fleet.end_date
    assert len(days) == fleet.days
    assert all(doc["@timestamp"].endswith("Z") for doc in reading.starts[:100])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"hosts": 0}, "hosts must be at least 1"),
        ({"days": 0}, "days must be at least 1"),
        ({"events_per_host_day": 0.0}, "events_per_host_day must be greater than 0"),
        ({"events_per_host_day": -5.0}, "events_per_host_day must be greater than 0"),
    ],
)
def test_bad_arguments_raise_value_error(tmp_path: Path, arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate_fleet(tmp_path / "never", **arguments)
    assert not (tmp_path / "never").exists()


def test_summary_as_dict_is_json_ready(fleet: FleetSummary) -> None:
    data = json.loads(json.dumps(fleet.as_dict()))
    assert data["events_path"].endswith("events.ndjson.gz")
    assert data["start_date"] == str(fleet.start_date) and data["hosts"] == SMALL["hosts"]


ALLOW_LIST = {
    name.lower()
    for name in (
        "Microsoft Corporation", "Microsoft Windows Publisher", "Google LLC", "Adobe Inc.", "Oracle America, Inc.",
        "Mozilla Corporation", "Cisco Systems, Inc.", "VMware, Inc.", "Intel Corporation", "NVIDIA Corporation",
        "Apple Inc.", "Amazon.com, Inc.",
    )
}  # fmt: skip
RULE_STATUSES = {"expired", "revoked", "invalid", "errorUntrustedRoot", "errorExpired", "errorChaining"}


def seed_rule_matches(doc: dict[str, Any]) -> bool:
    """Elastic's T1588.003 rule as DESIGN.md states it (a test oracle, independent of the project's code)."""
    process = doc["process"]
    signature = process["code_signature"]
    subject = signature.get("subject_name")
    untrusted = signature.get("trusted") is False or signature.get("status") in RULE_STATUSES
    writable = any(fnmatch.fnmatch(process["executable"].lower(), pattern) for pattern in USER_WRITABLE)
    return bool(subject) and untrusted and writable and subject.lower() not in ALLOW_LIST


def test_seed_rule_flags_the_false_positive_classes_and_misses_the_rule_missed_attacks(
    reading: Reading, labels: dict[str, dict[str, str]]
) -> None:
    matched: dict[str, set[str]] = defaultdict(set)
    for doc in reading.starts:
        row = labels[doc["process"]["hash"]["sha256"]]
        if seed_rule_matches(doc):
            matched[row["scenario"]].add(row["sha256"])
    assert {"expired_cert_window", "internal_pki", "rare_benign"} <= set(matched)
    assert not any(matched[s] for s in MISSED_BY_RULE)
    caught = {row["scenario"] for row in labels.values() if row["label"] == "malicious"} - set(MISSED_BY_RULE)
    assert caught and all(matched[s] for s in caught)
    benign_matches = sum(len(v) for s, v in matched.items() if s not in ATTACKS)
    assert benign_matches > sum(len(matched[s]) for s in ATTACKS)


def test_attacks_are_spread_over_the_window(
    fleet: FleetSummary, reading: Reading, labels: dict[str, dict[str, str]]
) -> None:
    first_seen: dict[str, str] = {}
    for doc in reading.starts:
        sha = doc["process"]["hash"]["sha256"]
        if labels[sha]["label"] == "malicious":
            first_seen[sha] = min(first_seen.get(sha, "9999"), doc["@timestamp"][:10])
    middle = str(fleet.start_date + dt.timedelta(days=fleet.days // 2))
    assert any(day <= middle for day in first_seen.values())
    assert any(day > middle for day in first_seen.values())


def test_attack_count_scales_with_the_fleet() -> None:
    from codesign_prevalence.simulator.attacks import attack_count

    assert ATTACK_SCENARIOS == ATTACKS
    assert attack_count(1, 1) == attack_count(15, 14) == attack_count(50, 14) == 3
    assert 5 <= attack_count(400, 14) <= 10
    assert attack_count(400, 14) < attack_count(4000, 14) <= 30
