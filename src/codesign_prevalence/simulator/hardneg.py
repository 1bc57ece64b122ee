"""Hard negatives: benign binaries in user-writable folders that carry some of the malicious binaries' traits.

Each scenario of ``data/scenarios.yaml`` (section ``hard_negatives``) is one scenario name in labels.csv:
portable tools, per-user installers, vendor tools whose pe.company names a parent company, OEM licensor or
former brand, tools started by logon scripts, downloads saved under another name, add-ins or companion
tools named for a product the fleet runs widely (``Teams_PresenceLight.exe``, by another vendor), and tools
whose certificate the CA revoked or whose chain or digest does not verify (``revoked_vendor_tool``). Their
counts scale with the fleet size and the profile's ``hard_negative_scale``; each trait is drawn
independently, so two traits meet now and then and three rarely.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from codesign_prevalence.simulator import words
from codesign_prevalence.simulator.catalog import KIND_SERVER, Catalog, Vendor, widespread_names
from codesign_prevalence.simulator.datafiles import HardNegativeData, scenario_data
from codesign_prevalence.simulator.hosts import Host
from codesign_prevalence.simulator.model import (
    LONG_AGO,
    RUN_AS_SYSTEM,
    RUN_AS_USER,
    STATUS_EXPIRED,
    STATUS_TRUSTED,
    BinarySpec,
    Cert,
    PeInfo,
    Plan,
    Run,
    SignatureTimeline,
    make_invocation,
    stable_guid,
    thumbprint,
)
from codesign_prevalence.simulator.profile import FleetProfile, scaled_count

HARD_NEGATIVE_SCENARIOS = tuple(scenario_data().hard_negatives)
RENAMED_FORMS = ("{t} (1).exe", "{t}_x64.exe", "{l}-{v}.exe", "{t}-portable.exe", "{l}_new.exe", "setup.exe")


def weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(tuple(weights), weights=tuple(weights.values()))[0]


@dataclass(frozen=True, slots=True)
class Publisher:
    """Who signs a hard negative: the certificate subject, its brand and PE company text."""

    signer: str
    brand: str
    company: str
    vendor: Vendor | None = None


def add_hard_negatives(catalog: Catalog, hosts: list[Host], plan: Plan, profile: FleetProfile, taken: set[str]) -> None:
    rng = random.Random(f"{catalog.seed}|hardneg")
    people = [h for h in hosts if h.kind != KIND_SERVER and h.users] or hosts
    tail = catalog.vendors[scenario_data().long_tail.tail_from_rank :] or catalog.vendors
    fleet_names = widespread_names(catalog, system=False)
    for name, spec in scenario_data().hard_negatives.items():
        count = scaled_count(spec.per_100_hosts, len(hosts), profile.hard_negative_scale, spec.minimum, rng)
        for index in range(count):
            publisher = _new_publisher(rng, taken) if rng.random() < spec.new_signer else _existing(rng, tail)
            bid = catalog.add_binary(_spec(catalog, rng, name, spec, index, publisher, tail, fleet_names))
            _schedule(catalog, rng, plan, people, bid, spec)


def _new_publisher(rng: random.Random, taken: set[str]) -> Publisher:
    signer, brand = "", ""
    while not signer or signer in taken:
        brand = f"{rng.choice(words.BRAND_HEADS)} {rng.choice(words.BRAND_TAILS)}"
        signer = rng.choice(words.LEGAL_FORMS).format(b=brand)
    taken.add(signer)
    return Publisher(signer, brand, signer)


def _existing(rng: random.Random, vendors: list[Vendor]) -> Publisher:
    vendor = rng.choice(vendors)
    return Publisher(vendor.signer, vendor.brand, vendor.company, vendor)


def _company(rng: random.Random, spec: HardNegativeData, publisher: Publisher, others: list[Vendor]) -> str:
    kind = weighted(rng, spec.company)
    if kind == "parent":  # a subsidiary or OEM naming its parent company or licensor
        return rng.choice(others).company if rng.random() < 0.5 else f"{rng.choice(words.BRAND_HEADS)} Holdings"
    if kind == "rebrand":  # the product's former brand
        brand = f"{rng.choice(words.BRAND_HEADS)} {rng.choice(words.BRAND_TAILS)}"
        return rng.choice(words.LEGAL_FORMS).format(b=brand)
    return "" if kind == "empty" else publisher.company


def _signature(catalog: Catalog, rng: random.Random, status: str, publisher: Publisher, key: str) -> SignatureTimeline:
    if status == STATUS_TRUSTED:  # a known vendor's current certificate, or the new publisher's own
        if publisher.vendor is not None:
            return SignatureTimeline(publisher.vendor.cert_at(0))
        return SignatureTimeline(Cert(publisher.signer, thumbprint(catalog.seed, key)))
    not_after = -rng.randint(20, 900) if status == STATUS_EXPIRED else 10_000
    cert = Cert(publisher.signer, thumbprint(catalog.seed, key), -1500, not_after)
    return SignatureTimeline(cert, ((LONG_AGO, status),))


def _spec(
    catalog: Catalog,
    rng: random.Random,
    name: str,
    spec: HardNegativeData,
    index: int,
    publisher: Publisher,
    others: list[Vendor],
    fleet_names: list[tuple[str, str]],
) -> BinarySpec:
    short = publisher.brand.split()[0]
    tool = rng.choice((rng.choice(words.NICHE_TOOLS), f"{short}{rng.choice(words.PRODUCT_NOUNS).replace(' ', '')}"))
    # Named for a widespread product of another vendor, and now and then installed in that vendor's folder (a
    # browser extension's or an add-in's helper): drawn from a stream of its own (other draws unchanged).
    own = random.Random(f"{catalog.seed}|product-name|{name}|{index}")
    products = [(file_name, signer) for file_name, signer in fleet_names if signer != publisher.signer]
    host_folder = ""
    if products and own.random() < spec.product_name:
        product_file, product_signer = own.choice(products)
        product = product_file.rsplit(".", 1)[0]
        tool = f"{product}{own.choice('_-')}{own.choice(words.PRODUCT_NOUNS).replace(' ', '')}"
        in_product_folder = own.random() < spec.product_folder
        if own.random() < spec.glued_name:  # drawn last: the other draws of this stream are unchanged
            tool = f"{product}{own.choice(words.ROLE_WORDS)}"
        if in_product_folder:
            vendor, extension = product_signer.split()[0].rstrip(",."), stable_guid(catalog.seed, tool)[:8].lower()
            host_folder = f"C:\\Users\\{{U}}\\AppData\\Local\\{vendor}\\{product}\\Extensions\\{extension}"
    version = f"{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 200)}"
    original = f"{tool}Setup.exe" if name == "per_user_installer" else f"{tool}.exe"
    file_name = original
    if rng.random() < spec.renamed:
        form = rng.choice(RENAMED_FORMS)
        file_name = form.format(t=original[:-4], l=original[:-4].lower(), v=version)
    folder = rng.choice(spec.folders)
    if not any(part in folder.lower() for part in ("downloads", "temp")):
        folder = f"{folder}\\{publisher.brand}"
    folder = host_folder or folder
    unpacked = random.Random(f"{catalog.seed}|random-folder|{name}|{index}")
    if not host_folder and unpacked.random() < spec.random_folder:  # a stream of its own: other draws unchanged
        folder = words.random_folder(unpacked)
    status = weighted(rng, spec.status)
    key = f"hardneg|{name}|{index}|{publisher.signer}"
    company = _company(rng, spec, publisher, others)
    run_as = RUN_AS_SYSTEM if rng.random() < spec.run_as_system else RUN_AS_USER
    return BinarySpec(
        key=key,
        invocations=(make_invocation(f"{folder}\\{file_name}", (), ("explorer",)),),
        pe=PeInfo(original, company, tool, version, f"{tool} {version}"),
        signature=_signature(catalog, rng, status, publisher, key),
        run_as=run_as,
        scenario=name,
        description=f"{spec.description}: {tool} {version} signed by {publisher.signer} ({status})"
        + (f", pe.company {company!r}" if company and company != publisher.company else ""),
    )


def _schedule(
    catalog: Catalog, rng: random.Random, plan: Plan, people: list[Host], bid: int, spec: HardNegativeData
) -> None:
    parent = weighted(rng, spec.parents)
    sticky = rng.random() < 0.5  # a logon script or installer chain starts it every time
    for host in rng.sample(people, min(len(people), rng.choice(spec.hosts))):
        first = rng.randrange(catalog.days)
        user = rng.randrange(len(host.users)) if host.users else 0
        token = stable_guid(catalog.seed, f"hardneg|{bid}|{host.idx}")
        plan.add(first, host.idx, Run(bid, count=rng.randint(1, 3), parent=parent, user=user, token=token))
        for day in (first + rng.randint(1, 5) for _ in range(rng.choice((0, 0, 1, 2, 3)))):
            again = parent if sticky else "explorer"
            plan.add(day, host.idx, Run(bid, count=rng.randint(1, 2), parent=again, user=user, token=token))
