"""The software catalogue: vendors with certificate histories, products with versions, and the binaries.

A product is installed on a share of hosts of each kind (workstation, developer workstation, server) and
has releases over time; every release is a new sha256 per executable, signed with the certificate the
vendor held on the release day. Hosts move to a release some days after it appears (their own lag), so
versions roll out gradually.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from codesign_prevalence.simulator.certificates import details, iso
from codesign_prevalence.simulator.model import (
    LONG_AGO,
    STATUS_EXPIRED,
    STATUS_TRUSTED,
    Binary,
    BinarySpec,
    Cert,
    PeInfo,
    SignatureTimeline,
    build_binary,
    make_invocation,
    thumbprint,
)
from codesign_prevalence.simulator.parents import ParentRegistry

SCENARIO_OS = "os"
SCENARIO_COMMON = "common_software"
SCENARIO_UNSIGNED = "unsigned_software"

KIND_WORKSTATION = "workstation"
KIND_DEVELOPER = "developer"
KIND_SERVER = "server"
HOST_KINDS = (KIND_WORKSTATION, KIND_DEVELOPER, KIND_SERVER)

Share = tuple[float, float, float]  # install probability for workstation, developer, server hosts


@dataclass(slots=True)
class Vendor:
    """A software publisher: the subject name it signs with, its PE company text and its certificates."""

    signer: str
    company: str
    brand: str
    certs: tuple[Cert, ...]
    timestamped: bool = True
    rank: int = 0

    def cert_at(self, day: int) -> Cert:
        chosen = self.certs[0]
        for cert in self.certs:
            if cert.not_before <= day:
                chosen = cert
        return chosen

    def signature_for(self, release_day: int) -> SignatureTimeline:
        """How a file released on ``release_day`` verifies over time (expires with its cert unless timestamped)."""
        cert = self.cert_at(release_day)
        if self.timestamped:
            return SignatureTimeline(cert)
        return SignatureTimeline(cert, ((LONG_AGO, STATUS_TRUSTED), (cert.not_after + 1, STATUS_EXPIRED)))


def cert_history(seed: int, rng: random.Random, subject: str, horizon: int) -> tuple[Cert, ...]:
    """Consecutive certificates of one subject, the last valid past ``horizon``."""
    certs: list[Cert] = []
    start = -rng.randint(900, 1600)
    while True:
        end = start + 365 * rng.choice((1, 2, 3))
        certs.append(Cert(subject, thumbprint(seed, f"{subject}|{start}"), start, end))
        if end > horizon + 30:
            return tuple(certs)
        start = end - rng.randint(0, 45)


@dataclass(frozen=True, slots=True)
class ExeDef:
    """One executable of a product. ``path`` may hold ``{V}`` (version) and ``{U}`` (user profile).

    ``calls`` are (args, parent kinds) pairs, both space separated; each is one :class:`Invocation`.
    """

    path: str
    weight: float
    run_as: str
    calls: tuple[tuple[str, str], ...]
    description: str = ""
    workdir: str | None = None


def exe(path: str, weight: float, run_as: str, *calls: tuple[str, str], desc: str = "") -> ExeDef:
    return ExeDef(path, weight, run_as, calls or (("", "explorer"),), desc)


@dataclass(slots=True)
class Product:
    """Installed software: which hosts get it, how fast they update, and its releases' binary ids."""

    key: str
    share: Share
    lag_mean: float
    weights: tuple[float, ...]
    versions: list[tuple[int, tuple[int, ...]]]
    os_build: str = ""
    roles: tuple[str, ...] = ()


@dataclass(slots=True)
class Catalog:
    """Every binary the simulator may emit, the products that install them, and the parent kinds."""

    seed: int
    days: int
    start: dt.date
    binaries: list[Binary] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    parents: ParentRegistry = field(default_factory=ParentRegistry)
    vendors: list[Vendor] = field(default_factory=list)
    big: dict[str, Vendor] = field(default_factory=dict)

    def add_binary(self, spec: BinarySpec) -> int:
        bid = len(self.binaries)
        cert = spec.signature.cert
        signed_at = iso(details(cert, self.start, self.days).signing_time) if cert is not None else ""
        self.binaries.append(build_binary(bid, self.seed, spec, signed_at))
        return bid

    def add_product(
        self,
        key: str,
        name: str,
        company: str,
        exes: Sequence[ExeDef],
        releases: Sequence[tuple[int, str]],
        sign: Callable[[int], SignatureTimeline],
        share: Share,
        lag_mean: float,
        scenario: str = SCENARIO_COMMON,
        os_build: str = "",
        roles: tuple[str, ...] = (),
    ) -> Product:
        versions = [
            (day, tuple(self._release_binary(key, name, company, x, day, ver, sign, scenario) for x in exes))
            for day, ver in releases
        ]
        product = Product(key, share, lag_mean, tuple(x.weight for x in exes), versions, os_build, roles)
        self.products.append(product)
        return product

    def _release_binary(
        self,
        key: str,
        name: str,
        company: str,
        x: ExeDef,
        day: int,
        version: str,
        sign: Callable[[int], SignatureTimeline],
        scenario: str,
    ) -> int:
        path = x.path.replace("{V}", version)
        file_name = path.rsplit("\\", 1)[-1]
        invocations = tuple(
            make_invocation(path, args.split(), parents.split(), x.workdir) for args, parents in x.calls
        )
        pe = PeInfo(file_name, company, name, version, x.description or name)
        spec = BinarySpec(
            key=f"{key}|{version}|{file_name}",
            invocations=invocations,
            pe=pe,
            signature=sign(day),
            run_as=x.run_as,
            scenario=scenario,
            description=f"{name} {version} ({file_name})",
        )
        return self.add_binary(spec)


# A product installed on at least this share of workstations is one the whole fleet knows by name.
WIDESPREAD_SHARE = 0.2


def widespread_names(catalog: Catalog, system: bool = True) -> list[tuple[str, str]]:
    """(file name, signer) of the signed binaries of products on :data:`WIDESPREAD_SHARE` of workstations or
    more, sorted: what an implant may be named after (``svchost.exe``, ``Teams.exe``), and (``system`` False:
    without the operating system's) what a companion tool may be named for."""
    names: set[tuple[str, str]] = set()
    for product in catalog.products:
        if product.share[0] < WIDESPREAD_SHARE:
            continue
        for bid in product.versions[0][1]:
            binary = catalog.binaries[bid]
            if binary.signer and (system or binary.scenario != SCENARIO_OS):
                names.update((json.loads("{" + call.exe + "}")["name"], binary.signer) for call in binary.invocations)
    return sorted(names)


def release_plan(
    rng: random.Random, days: int, rate: float, base: tuple[int, int, int, int], pre: int = 2
) -> list[tuple[int, str]]:
    """Release days and version strings: ``pre`` releases before day 0, then about ``rate`` per day."""
    before = sorted({-rng.randint(60, 420), -rng.randint(2, 55)})[-pre:] if pre > 0 else []
    during = sorted({rng.randrange(days) for _ in range(days) if rng.random() < rate})
    a, b, c, d = base
    plan: list[tuple[int, str]] = []
    for day in [*before, *during]:
        if rng.random() < 0.3:
            c, d = c + rng.randint(1, 30), 0
        else:
            d += rng.randint(1, 12)
        plan.append((day, f"{a}.{b}.{c}.{d}"))
    return plan
