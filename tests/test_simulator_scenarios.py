"""The simulator's package data, fleet profile, campaigns, hard negatives and small fleets (no Spark)."""

from __future__ import annotations

import csv
import datetime as dt
import fnmatch
import gzip
import json
import random
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from codesign_prevalence.simulator import generate_fleet
from codesign_prevalence.simulator.attacks import (
    ATTACK_SCENARIOS,
    MISSED_BY_RULE,
    OWNED_CERTIFICATE,
    STOLEN_UNREVOKED,
    _Forge,
    add_attacks,
)
from codesign_prevalence.simulator.benign import add_rare_benign
from codesign_prevalence.simulator.catalog import Catalog, widespread_names
from codesign_prevalence.simulator.datafiles import (
    SCENARIOS_FILE,
    SimulatorDataError,
    parse_scenarios,
    parse_software,
    scenario_data,
    software_data,
)
from codesign_prevalence.simulator.fleet import build_catalog
from codesign_prevalence.simulator.hardneg import HARD_NEGATIVE_SCENARIOS, Publisher, add_hard_negatives
from codesign_prevalence.simulator.hardneg import _spec as hardneg_spec
from codesign_prevalence.simulator.hosts import make_hosts
from codesign_prevalence.simulator.model import LABEL_MALICIOUS, Plan
from codesign_prevalence.simulator.profile import FleetProfile
from codesign_prevalence.simulator.words import ROLE_WORDS
from test_simulator import USER_WRITABLE, unflatten

SCENARIOS_PATH = Path(__file__).parents[1] / "src/codesign_prevalence/simulator" / SCENARIOS_FILE


def starts(folder: Path) -> list[dict[str, Any]]:
    """Well-formed process-start documents, nested (malformed lines and other events are skipped)."""
    docs = []
    with gzip.open(folder / "events.ndjson.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            try:
                raw = json.loads(line)
            except ValueError:
                continue
            doc = unflatten(raw) if isinstance(raw, dict) else {}
            process = doc.get("process")
            well_formed = (
                isinstance(process, dict)
                and (process.get("hash") or {}).get("sha256")
                and process.get("executable")
                and (doc.get("host") or {}).get("id")
            )
            if well_formed and "start" in (doc.get("event") or {}).get("type", []):
                docs.append(doc)
    return docs


def labels(folder: Path) -> dict[str, dict[str, str]]:
    with (folder / "labels.csv").open(newline="", encoding="utf-8") as handle:
        return {row["sha256"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fleet")
    generate_fleet(folder, hosts=100, days=7, seed=5, events_per_host_day=50.0)  # seed 5: a dense regime
    return folder


def test_packaged_data_files_load() -> None:
    software, scenarios = software_data(), scenario_data()
    assert len(software.os_executables) > 30 and {v.key for v in software.big_vendors} >= {"microsoft", "google"}
    assert set(scenarios.attacks.weights) == set(ATTACK_SCENARIOS)
    assert tuple(scenarios.hard_negatives) == HARD_NEGATIVE_SCENARIOS


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda raw: raw["attacks"].update(campaign_size=4), "attacks.campaign_size"),
        (lambda raw: raw["hard_negatives"]["portable_tool"].update(colour="red"), "portable_tool.colour"),
        (lambda raw: raw["profile"].pop("tail_density"), "profile.tail_density"),
    ],
)
def test_scenario_file_rejects_unknown_and_missing_keys(edit: Any, where: str) -> None:
    raw = yaml.safe_load(SCENARIOS_PATH.read_text())
    parse_scenarios(raw)  # the control: the file as shipped is valid
    edit(raw)
    with pytest.raises(SimulatorDataError, match=where.replace(".", r"\.")):
        parse_scenarios(raw)


def test_software_file_rejects_an_unknown_key() -> None:
    raw = software_data().model_dump()
    raw["big_products"][0]["colour"] = "red"
    with pytest.raises(SimulatorDataError, match=r"big_products\.0\.colour"):
        parse_software(raw)


def test_profile_is_drawn_from_the_seed_and_spans_its_ranges() -> None:
    profiles = [FleetProfile.draw(seed) for seed in range(40)]
    assert FleetProfile.draw(5) == FleetProfile.draw(5)
    ranges = scenario_data().profile
    densities = [p.tail_density for p in profiles]
    assert all(ranges.tail_density.low <= d <= ranges.tail_density.high for d in densities)
    assert min(densities) < 0.05 and max(densities) > 0.5


def test_campaign_hashes_share_signer_certificate_and_fake_pe() -> None:
    catalog = build_catalog(4, 14, dt.date(2026, 11, 1))
    hosts = make_hosts(4, 40, "Contoso")
    add_attacks(catalog, hosts, Plan(14), FleetProfile(1.0, 1.0, campaign_probability=1.0))
    sizes = scenario_data().attacks.campaign.size
    by_incident: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for binary in (b for b in catalog.binaries if b.label == LABEL_MALICIOUS):
        fake_pe = binary.static.split('"pe":', 1)[-1] if '"pe":' in binary.static else ""
        cert = binary.signature.cert.thumbprint if binary.signature.cert else ""
        by_incident[(cert, fake_pe, binary.invocations[0].exe)].append(binary)
    assert by_incident
    for members in by_incident.values():
        assert len({m.sha256 for m in members}) == len(members)
        assert len({m.signer for m in members}) == 1
    assert all(len(m) >= sizes[0] for m in by_incident.values())
    assert any(sizes[0] <= len(m) <= sizes[1] for m in by_incident.values())


def test_hard_negatives_carry_some_malicious_traits_by_scenario() -> None:
    catalog = build_catalog(6, 14, dt.date(2026, 11, 1))
    hosts, plan = make_hosts(6, 200, "Contoso"), Plan(14)
    add_hard_negatives(
        catalog, hosts, plan, FleetProfile(1.0, hard_negative_scale=3.0, campaign_probability=0.0), set()
    )
    made = defaultdict(list)
    for binary in catalog.binaries:
        if binary.scenario in HARD_NEGATIVE_SCENARIOS:
            made[binary.scenario].append(binary)
    assert set(made) == set(HARD_NEGATIVE_SCENARIOS)
    assert {b.label for group in made.values() for b in group} == {"benign"}
    pe = {b.bid: json.loads("{" + b.static + "}").get("pe", {}) for group in made.values() for b in group}
    exe_name = {b.bid: json.loads("{" + b.invocations[0].exe + "}")["name"] for group in made.values() for b in group}
    mismatched = [b for b in made["oem_company_mismatch"] if pe[b.bid].get("company") != b.signer]
    assert len(mismatched) == len(made["oem_company_mismatch"])
    assert all(pe[b.bid]["original_file_name"] != exe_name[b.bid] for b in made["renamed_download"])
    # A companion tool is named for a widespread product of another vendor: the product's name a word of its own,
    # or glued to a role word ("OutlookHelper.exe").
    fleet_names = widespread_names(catalog, system=False)
    stems = [(name.rsplit(".", 1)[0], signer) for name, signer in fleet_names]
    glued = {f"{stem}{role}.exe": signer for stem, signer in stems for role in ROLE_WORDS}
    for binary in made["companion_tool"]:
        original = pe[binary.bid]["original_file_name"]
        named_for = [signer for stem, signer in stems for sep in "_-" if original.startswith(stem + sep)]
        named_for += [glued[original]] if original in glued else []
        assert named_for and binary.signer not in named_for, original
    assert any(pe[b.bid]["original_file_name"] in glued for b in made["companion_tool"])
    # With product_folder, it sits in a folder of the product's vendor (an extension's helper).
    companion = scenario_data().hard_negatives["companion_tool"].model_copy(update={"product_folder": 1.0})
    publisher = Publisher("Wexford Security LLC", "Wexford Security", "Wexford Security LLC")
    for index in range(5):
        rng = random.Random(index)
        spec = hardneg_spec(catalog, rng, "companion_tool", companion, index, publisher, [], fleet_names)
        path = json.loads("{" + spec.invocations[0].exe + "}")["executable"]
        original = spec.pe.original_file_name
        vendors = {signer.split()[0].rstrip(",.") for name, signer in fleet_names if original.startswith(name[:-4])}
        assert any(f"\\AppData\\Local\\{vendor}\\" in path for vendor in vendors), path
    first_parents: dict[str, set[str]] = defaultdict(set)
    scenario_of = {b.bid: b.scenario for group in made.values() for b in group}
    for runs in plan.runs.values():
        for run in runs:
            if run.bid in scenario_of:
                first_parents[scenario_of[run.bid]].add(run.parent)
    assert first_parents["logon_script_tool"] <= {"cmd", "wscript", "powershell", "explorer"}
    assert first_parents["logon_script_tool"] & {"cmd", "wscript", "powershell"}
    assert first_parents["per_user_installer"] & {"msiexec", "cmd"}
    statuses = {b.signature.statuses[0][1] for group in made.values() for b in group}
    assert {"trusted", "errorExpired"} <= statuses
    # A benign vendor's certificate revoked by its CA (or a chain or digest that does not verify): the seed rule's
    # noise that the rule population holds.
    revoked = {b.signature.statuses[0][1] for b in made["revoked_vendor_tool"]}
    assert "errorRevoked" in revoked and "trusted" not in revoked


def test_hard_negatives_in_a_dense_fleet_are_benign_and_in_user_writable_folders(fleet: Path) -> None:
    rows = labels(fleet)
    hard = {sha for sha, row in rows.items() if row["scenario"] in HARD_NEGATIVE_SCENARIOS}
    assert len({rows[sha]["scenario"] for sha in hard}) >= 3
    assert {rows[sha]["label"] for sha in hard} == {"benign"}
    writable = [
        any(fnmatch.fnmatch(doc["process"]["executable"].lower(), p) for p in USER_WRITABLE)
        for doc in starts(fleet)
        if doc["process"]["hash"]["sha256"] in hard
    ]
    assert writable and all(writable)


@pytest.mark.parametrize("seed", [1, 2])
def test_small_fleets_have_few_candidates_and_both_kinds_of_attack(tmp_path: Path, seed: int) -> None:
    generate_fleet(tmp_path, hosts=15, days=14, seed=seed, events_per_host_day=80.0)
    rows = labels(tmp_path)
    hunt, hosts = set(), defaultdict(set)
    for doc in starts(tmp_path):
        process, sha = doc["process"], doc["process"]["hash"]["sha256"]
        hosts[sha].add(doc["host"]["id"])
        signed = process["code_signature"].get("subject_name")
        if signed and any(fnmatch.fnmatch(process["executable"].lower(), p) for p in USER_WRITABLE):
            hunt.add(sha)
    malicious = {s for s in hunt if rows[s]["label"] == "malicious"}
    scenarios = {rows[s]["scenario"] for s in malicious}
    assert 10 <= len(hunt) <= 150
    assert scenarios & set(MISSED_BY_RULE) and scenarios - set(MISSED_BY_RULE)
    assert len(malicious) <= 30 and all(len(hosts[s]) <= 8 for s in malicious)


def test_tail_density_sets_how_many_long_tail_products_sit_in_user_writable_folders() -> None:
    def user_writable_products(density: float) -> int:
        catalog = build_catalog(9, 7, dt.date(2026, 11, 1), density)
        exes = (
            [catalog.binaries[bid].invocations[0].exe.lower() for bid in p.versions[0][1]]
            for p in catalog.products
            if p.key.startswith("syn|")
        )
        return sum(any("appdata" in e or "programdata" in e for e in paths) for paths in exes)

    sparse, dense = user_writable_products(0.02), user_writable_products(1.0)
    assert sparse * 3 < dense


def test_a_developer_runs_as_many_builds_as_the_profile_says_each_a_new_hash() -> None:
    def builds(per_day: float) -> dict[str, list[Any]]:
        catalog = build_catalog(8, 14, dt.date(2026, 11, 2))
        hosts = make_hosts(8, 200, "Contoso")
        profile = FleetProfile(1.0, hard_negative_scale=5.0, campaign_probability=0.0, developer_builds_per_day=per_day)
        add_rare_benign(catalog, hosts, random.Random(8), Plan(14), "Contoso", profile)
        by_host: dict[str, list[Any]] = defaultdict(list)
        for binary in catalog.binaries:
            if binary.description.startswith("developer build of "):
                by_host[binary.description.split(" on ", 1)[1].split(",", 1)[0]].append(binary)
        return by_host

    occasional, iterating = builds(0.3), builds(3.0)
    assert occasional.keys() == iterating.keys() and len(iterating) >= 2  # the same developers sign
    for binaries in iterating.values():
        assert len({b.sha256 for b in binaries}) == len(binaries)
        assert {b.label for b in binaries} == {"benign"} and len({b.signer for b in binaries}) <= 2
    # 10 weekdays in two weeks, one or two projects: about 3 and 30 builds per project
    few, many = [len(b) for b in occasional.values()], [len(b) for b in iterating.values()]
    assert sum(few) / len(few) < 8 < 25 < sum(many) / len(many)
    assert max(few) < min(many)


def test_some_products_wear_a_brand_of_their_own_and_some_implants_their_victims_name() -> None:
    """The hard cases of a path that does or does not name its signer: a quarter to a third of the long tail's
    products are named and installed after a product brand, not after the vendor whose certificate signs them;
    a few vendors are named by an acronym alone, which their folders hold as a whole word;
    with ``in_signer_folder`` an implant under a vendor's stolen certificate sits in a folder named after it."""
    catalog = build_catalog(4, 14, dt.date(2026, 11, 2))
    own_brand = []
    for product in catalog.products:
        if not product.key.startswith("syn|"):
            continue
        word = product.key.split("|")[1].split()[0]
        binaries = [catalog.binaries[i] for _, ids in product.versions for i in ids]
        texts = [invocation.exe for binary in binaries for invocation in binary.invocations]
        own_brand.append(not any(word in text for text in texts))
    assert len(own_brand) > 300 and 0.2 < sum(own_brand) / len(own_brand) < 0.4

    # A few vendors are named by an acronym alone ("HP Inc."), and their products' folders by the acronym.
    acronyms = {vendor.brand for vendor in catalog.vendors if re.fullmatch("[A-Z]{2,3}", vendor.brand)}
    assert 4 <= len(acronyms) <= 40
    named = [
        any(
            product.key.split("|")[1] in re.split(r"[^A-Za-z0-9]+", invocation.exe)
            for _, ids in product.versions
            for i in ids
            for invocation in catalog.binaries[i].invocations
        )
        for product in catalog.products
        if product.key.startswith("syn|") and product.key.split("|")[1] in acronyms
    ]
    assert len(named) >= 4 and sum(named) >= len(named) / 2  # the others wear a brand of their own

    brand_of = {vendor.signer: vendor.brand for vendor in catalog.vendors}

    def implant_folders(share: float) -> list[bool]:
        implants = stolen_implants(catalog, in_signer_folder=share)
        return [f"\\{brand_of[subject]}\\" in path for path, subject in implants]

    assert not any(implant_folders(0.0))
    assert all(implant_folders(1.0))


def stolen_implants(catalog: Catalog, **attacks: float) -> list[tuple[str, str]]:
    """(path, certificate subject) of 12 implants under stolen, unrevoked certificates, with the attack data's
    shares replaced by ``attacks``."""
    forge = _Forge(catalog, random.Random(9), scenario_data().attacks.model_copy(update=attacks))
    implants = []
    for number in range(12):
        spec = forge.binary(STOLEN_UNREVOKED, number, 3)
        assert spec.signature.cert is not None
        path = json.loads("{" + spec.invocations[0].exe + "}")["executable"]
        implants.append((path, spec.signature.cert.subject))
    return implants


RANDOM_FOLDER = re.compile(
    r"C:\\(?:Users\\[^\\]+\\AppData\\(?:Roaming|Local)|ProgramData|Users\\Public)\\[0-9a-f]{8}\\[^\\]+"
)


def test_some_implants_and_a_few_benign_tools_sit_in_a_folder_of_a_random_name() -> None:
    """With ``random_folder`` an implant is staged in a folder of a random name directly under AppData or
    ProgramData (``AppData\\Roaming\\1f689584\\svcupdate.exe``); a hard negative's ``random_folder`` puts a benign
    tool in one too, so that the trait alone does not separate the two."""
    catalog = build_catalog(4, 14, dt.date(2026, 11, 2))

    def staged(share: float) -> list[str]:
        return [path for path, _ in stolen_implants(catalog, random_folder=share, in_signer_folder=0.0)]

    def in_random_folder(path: str) -> bool:
        return RANDOM_FOLDER.fullmatch(path.replace("{U}", "bob")) is not None

    assert not any(in_random_folder(path) for path in staged(0.0))
    always = staged(1.0)
    assert all(in_random_folder(path) for path in always)
    assert len(set(always)) == 12
    defaults = scenario_data().hard_negatives
    unpacking = {name for name, spec in defaults.items() if spec.random_folder > 0}
    assert unpacking == {"portable_tool", "per_user_installer"}
    publisher = Publisher("Wexford Security LLC", "Wexford Security", "Wexford Security LLC")
    for share in (0.0, 1.0):
        tool = defaults["portable_tool"].model_copy(update={"random_folder": share})
        for index in range(5):
            rng = random.Random(index)
            spec = hardneg_spec(catalog, rng, "portable_tool", tool, index, publisher, catalog.vendors, [])
            path = json.loads("{" + spec.invocations[0].exe + "}")["executable"]
            assert in_random_folder(path) == (share == 1.0), path


def test_some_implants_are_named_after_a_binary_the_fleet_runs_widely() -> None:
    """With ``fleet_name`` an implant takes the file name of a widespread product's binary signed by someone else
    (``svchost.exe`` under a stolen vendor certificate); without it, a lure's name that no such binary has."""
    catalog = build_catalog(4, 14, dt.date(2026, 11, 2))
    widespread = widespread_names(catalog)

    def fleet_named(share: float) -> list[bool]:
        named = []
        for path, subject in stolen_implants(catalog, fleet_name=share):
            owners = {signer for file_name, signer in widespread if file_name == path.rsplit("\\", 1)[-1]}
            named.append(bool(owners) and subject not in owners)
        return named

    assert not any(fleet_named(0.0))
    assert all(fleet_named(1.0))


def test_a_careful_actor_passes_the_implant_off_as_its_certificate_owners_software() -> None:
    """With ``careful_attacks`` 1 every attack under a vendor's or a front company's certificate is named after the
    owner's brand, in a folder named after it or in Temp or Downloads, its PE naming the owner's company and the
    file itself, each campaign member under a name or folder of its own; with 0, none is (the loud attacks keep
    an impersonated PE that names another company)."""
    catalog_args = (4, 14, dt.date(2026, 11, 1))

    where: dict[float, list[tuple[int, int, int]]] = {}

    def implants(careful: float) -> list[tuple[str, str, dict[str, Any], str]]:
        catalog = build_catalog(*catalog_args)
        hosts = make_hosts(4, 40, "Contoso")
        profile = FleetProfile(1.0, 1.0, campaign_probability=1.0, careful_attacks=careful)
        plan = Plan(14)
        add_attacks(catalog, hosts, plan, profile)
        where[careful] = sorted((run.bid, day, host) for (day, host), runs in plan.runs.items() for run in runs)
        found = []
        for binary in catalog.binaries:
            if binary.label != LABEL_MALICIOUS or binary.scenario not in OWNED_CERTIFICATE:
                continue
            path = json.loads("{" + binary.invocations[0].exe + "}")["executable"]
            pe = json.loads("{" + binary.static + "}")["pe"]
            found.append((path, binary.signer, pe, binary.description))
        return found

    brand_of = {vendor.signer: (vendor.brand, vendor.company) for vendor in build_catalog(*catalog_args).vendors}
    careful = implants(1.0)
    assert len(careful) >= 3
    for path, signer, pe, description in careful:
        brand, company = brand_of.get(signer, (signer.split()[0], signer))
        folder, file_name = path.rsplit("\\", 1)
        assert file_name.startswith(brand) and file_name.endswith(".exe")
        assert folder.endswith((f"\\{brand}", "\\Temp", "\\Downloads"))
        assert pe["original_file_name"] == file_name and pe["company"] == company
        assert "passed off as" in description
    assert len({path for path, *_ in careful}) > len(careful) / 2  # members differ in name or folder
    loud = implants(0.0)
    # The careful actor's draws come from streams of their own: the fleet's attacks are the same ones.
    assert [signer for _, signer, *_ in loud] == [signer for _, signer, *_ in careful]
    assert where[0.0] == where[1.0]  # the same hosts on the same days
    for path, signer, pe, description in loud:
        assert "passed off as" not in description
        owner_company = brand_of.get(signer, ("", ""))[1]
        assert pe["original_file_name"] != path.rsplit("\\", 1)[-1] or pe["company"] != owner_company
