"""The long tail: a few hundred invented vendors, ranked by popularity (Zipf-like), and their products.

The vendor count and product-kind weights come from ``data/scenarios.yaml`` (``long_tail``); past
``tail_from_rank``, the kinds with binaries in user-writable folders are scaled by the fleet profile's
``tail_density``, so the density of rare benign binaries in the hunt population varies between fleets.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable

from codesign_prevalence.simulator import words
from codesign_prevalence.simulator.catalog import (
    SCENARIO_COMMON,
    SCENARIO_UNSIGNED,
    Catalog,
    ExeDef,
    Share,
    Vendor,
    cert_history,
    exe,
    release_plan,
)
from codesign_prevalence.simulator.datafiles import LongTailData, scenario_data
from codesign_prevalence.simulator.model import (
    LONG_AGO,
    RUN_AS_SYSTEM,
    RUN_AS_USER,
    STATUS_TRUSTED,
    UNSIGNED_ENDPOINT_ERROR,
    SignatureTimeline,
)


def add_long_tail(catalog: Catalog, rng: random.Random, tail_density: float = 1.0) -> None:
    data = scenario_data().long_tail
    catalog.vendors = make_vendors(catalog.seed, rng, data.vendors, catalog.days, data.acronym_brands)
    for vendor in catalog.vendors:
        weights = kind_weights(data, vendor.rank, tail_density)
        add_synthetic_products(catalog, rng, vendor, weights, data.own_brand_products)


def kind_weights(data: LongTailData, rank: int, tail_density: float) -> tuple[float, ...]:
    """Weights of ``_SYNTHETIC_KINDS`` for a vendor of this rank."""
    scale = tail_density if rank > data.tail_from_rank else 1.0
    return tuple(data.kind_weights[k] * (scale if k in data.tail_kinds else 1.0) for k in _SYNTHETIC_KINDS)


def zipf_share(rank: int) -> float:
    return min(0.6, 0.45 * rank**-0.95)


def make_vendors(
    seed: int, rng: random.Random, count: int, horizon: int, acronym_brands: float = 0.0
) -> list[Vendor]:
    """Synthetic publishers with legal-form names, ranked by popularity; ``acronym_brands`` of them named by
    an acronym of two or three letters ("HP Inc.", "SAP SE", "HT S.r.l."), drawn from a random stream of
    their own per vendor (a brand an acronym replaces is left free for a later vendor, so the vendors after
    the first acronym differ from a catalogue without them)."""
    vendors: list[Vendor] = []
    seen: set[str] = set()
    brands = list(words.VENDOR_CLASSICS)
    while len(vendors) < count:
        if brands and rng.random() < 0.3:
            brand = brands.pop(rng.randrange(len(brands)))
        else:
            head, tail = rng.choice(words.BRAND_HEADS), rng.choice(words.BRAND_TAILS)
            brand = f"{head}{tail.lower()}" if rng.random() < 0.3 else f"{head} {tail}"
        form = rng.choice(words.LEGAL_FORMS)
        acronym = _acronym(random.Random(f"{seed}|acronym|{len(vendors)}"), acronym_brands)
        if acronym and acronym not in seen:
            brand = acronym
        signer = form.format(b=brand)
        if brand in seen:
            continue
        seen.add(brand)
        company = signer if rng.random() < 0.75 else brand
        certs = cert_history(seed, rng, signer, horizon)
        vendors.append(Vendor(signer, company, brand, certs, rng.random() > 0.08, len(vendors) + 1))
    return vendors


def _acronym(rng: random.Random, share: float) -> str:
    """Two or three capital letters (``share`` of the draws), else ""."""
    if rng.random() >= share:
        return ""
    return "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.choice((2, 3, 3))))


def _unsigned(rng: random.Random) -> Callable[[int], SignatureTimeline]:
    status = UNSIGNED_ENDPOINT_ERROR if rng.random() < 0.1 else STATUS_TRUSTED
    timeline = SignatureTimeline(None, ((LONG_AGO, status),))
    return lambda _day: timeline


def add_synthetic_products(
    catalog: Catalog,
    rng: random.Random,
    vendor: Vendor,
    weights: tuple[float, ...] = (45, 20, 15, 10, 10),
    own_brand: float = 0.0,
) -> None:
    """One to three products of a long-tail vendor, popularity from the vendor's rank; ``own_brand`` of them
    named, installed and updated under a product brand of their own instead of the vendor's (drawn from a
    random stream of their own: the catalogue's other draws do not depend on it)."""
    base = zipf_share(vendor.rank)
    for index in range(1 + (rng.random() < 0.45) + (rng.random() < 0.15)):
        kind = rng.choices(_SYNTHETIC_KINDS, weights=weights)[0]
        noun = rng.choice(_NOUNS.get(kind, words.PRODUCT_NOUNS))
        brand = _product_brand(random.Random(f"{catalog.seed}|product-brand|{vendor.brand}|{index}"), own_brand)
        folder = brand or vendor.brand
        short = folder.split()[0]
        name = f"{short} {noun}"
        exes, share, rate = _synthetic_layout(kind, folder, short, noun, base)
        unsigned = rng.random() < 0.06
        sign = _unsigned(rng) if unsigned else vendor.signature_for
        catalog.add_product(
            key=f"syn|{vendor.brand}|{index}|{name}",
            name=name,
            company=vendor.company,
            exes=exes,
            releases=release_plan(rng, catalog.days, rate, (rng.randint(1, 12), rng.randint(0, 9), 0, 0)),
            sign=sign,
            share=share,
            lag_mean=3.0 if kind == "per_user" else 12.0,
            scenario=SCENARIO_UNSIGNED if unsigned else SCENARIO_COMMON,
            roles=("APP", "DB", "BKP", "FS") if kind == "server_app" else (),
        )


_SYNTHETIC_KINDS = ("desktop", "agent", "per_user", "server_app", "dev_tool")
_NOUNS = {"agent": words.AGENT_NOUNS, "per_user": words.PER_USER_NOUNS}


def _product_brand(rng: random.Random, share: float) -> str:
    """A product brand of its own (``share`` of the draws), else "" (the vendor's brand)."""
    if rng.random() >= share:
        return ""
    return f"{rng.choice(words.BRAND_HEADS)}{rng.choice(words.BRAND_TAILS).lower()}"


def _synthetic_layout(
    kind: str, brand: str, short: str, noun: str, base: float
) -> tuple[list[ExeDef], Share, float]:
    """Executables, install shares and update rate of one synthetic product of the given kind, installed
    under ``brand`` (the vendor's, or the product's own)."""
    camel = short + noun.replace(" ", "")
    pf = f"C:\\Program Files\\{brand}\\{short} {noun}\\"
    if kind == "desktop":
        exes = [exe(pf + f"{camel}.exe", 2.0, RUN_AS_USER, ("", "explorer explorer explorer outlook"))]
        return exes, (base, min(0.9, base * 1.2), base * 0.1), 0.02
    if kind == "agent":
        exes = [
            exe(pf + f"{short}Svc.exe", 0.4, RUN_AS_SYSTEM, ("", "services")),
            exe(pf + f"{short}Tray.exe", 0.3, RUN_AS_USER, ("", "explorer userinit")),
            exe(
                f"C:\\ProgramData\\{brand}\\Update\\{short}Update.exe",
                0.3,
                RUN_AS_SYSTEM,
                ("/silent", "svchost"),
            ),
        ]
        return exes, (base, base, min(0.9, base * 1.5)), 0.02
    if kind == "per_user":
        home = f"C:\\Users\\{{U}}\\AppData\\Local\\Programs\\{short.lower()}-{noun.lower()}\\"
        exes = [
            exe(
                home + f"{camel}.exe",
                4.0,
                RUN_AS_USER,
                ("", "explorer"),
                ("--type=renderer", "self"),
                ("--type=gpu-process", "self"),
            ),
            exe(
                f"C:\\Users\\{{U}}\\AppData\\Local\\{short}\\Update\\{short}Update.exe",
                0.3,
                RUN_AS_USER,
                ("--check", "svchost"),
            ),
        ]
        return exes, (base, min(0.9, base * 1.3), 0.0), 0.06
    if kind == "server_app":
        exes = [
            exe(pf + f"{camel}Service.exe", 0.5, RUN_AS_SYSTEM, ("", "services")),
            exe(pf + f"{camel}Worker.exe", 0.8, RUN_AS_SYSTEM, ("--job nightly", "svchost cmd")),
        ]
        return exes, (0.0, 0.0, min(0.9, base * 4)), 0.01
    exes = [exe(pf + f"{camel}.exe", 1.0, RUN_AS_USER, ("", "explorer cmd powershell"))]
    return exes, (0.0, min(0.9, base * 6), 0.0), 0.05
