"""Attack scenarios (label ``malicious``): binaries signed with stolen or fraudulently obtained certificates.

An attack is one binary, or (with the profile's ``campaign_probability``) a campaign of several
near-identical hashes: same certificate, same fake PE, same folder, a few hosts each. A malicious binary
runs on a handful of hosts (``attacks.hosts`` in ``data/scenarios.yaml``, up to 8) over a short span, from a
user-writable path, first started by a LOLBin, an Office application, a browser or Outlook, later again by
its persistence (a scheduled task under svchost.exe, or a Run key under explorer.exe); a host after the first
is sometimes reached by remote execution (a service, WMI or PowerShell remoting starts it as SYSTEM). Not every
one carries every trait: some keep their PE's original file name, some name their signer as pe.company, some are
first started by explorer or a browser. A careful actor (the profile's ``careful_attacks`` of the attacks under a
vendor's or a front company's certificate) passes the binary off as the certificate owner's own software:
named after the owner ("UmbriaUpdate.exe") in a folder named after it, its PE naming the owner and the file,
half of them first started by explorer or a browser, and in a campaign each hash under a name and a folder of
its own (:meth:`_Forge.careful`).

- ``stolen_cert_revoked``: a common vendor's certificate, stolen and revoked mid-window
  (``trusted`` before, ``errorRevoked`` from the revocation day on).
- ``front_company_cert``: a certificate bought through a front company the fleet never saw; ``trusted``.
- ``expired_stolen_phishing``: phishing downloads signed with an expired stolen certificate.
- ``self_signed_impostor``: a self-signed certificate whose subject copies an allow-listed publisher.
- ``stolen_cert_unrevoked``: a long-tail vendor's stolen certificate, not (yet) revoked: ``trusted``.

``MISSED_BY_RULE`` names the scenarios the seed rule misses by design (a trusted signature, or an
allow-listed subject).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random

from codesign_prevalence.simulator import words
from codesign_prevalence.simulator.catalog import KIND_SERVER, Catalog, Vendor, widespread_names
from codesign_prevalence.simulator.certificates import retail_ca
from codesign_prevalence.simulator.datafiles import AttackData, scenario_data
from codesign_prevalence.simulator.hardneg import weighted
from codesign_prevalence.simulator.hosts import Host
from codesign_prevalence.simulator.model import (
    LABEL_MALICIOUS,
    LONG_AGO,
    RUN_AS_USER,
    STATUS_EXPIRED,
    STATUS_REVOKED,
    STATUS_TRUSTED,
    STATUS_UNTRUSTED_ROOT,
    USER_SYSTEM,
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
from codesign_prevalence.simulator.profile import FleetProfile

STOLEN_REVOKED = "stolen_cert_revoked"
FRONT_COMPANY = "front_company_cert"
EXPIRED_PHISHING = "expired_stolen_phishing"
SELF_SIGNED_IMPOSTOR = "self_signed_impostor"
STOLEN_UNREVOKED = "stolen_cert_unrevoked"
ATTACK_SCENARIOS = (STOLEN_REVOKED, FRONT_COMPANY, EXPIRED_PHISHING, SELF_SIGNED_IMPOSTOR, STOLEN_UNREVOKED)
# The scenarios the seed rule misses by design (a trusted certificate; an allow-listed name).
MISSED_BY_RULE = (FRONT_COMPANY, SELF_SIGNED_IMPOSTOR, STOLEN_UNREVOKED)

FIRST_PARENTS = {
    STOLEN_REVOKED: ("rundll32", "regsvr32", "powershell", "cmd", "mshta", "wscript"),
    FRONT_COMPANY: ("winword", "excel", "mshta", "wscript", "rundll32", "explorer"),
    EXPIRED_PHISHING: ("outlook", "chrome", "msedge", "firefox", "explorer"),
    SELF_SIGNED_IMPOSTOR: ("powershell", "cmd", "wscript", "rundll32"),
    STOLEN_UNREVOKED: ("rundll32", "regsvr32", "powershell", "mshta", "winword", "excel"),
}
PERSISTENCE_PARENTS = ("svchost", "svchost", "explorer")
# The scenarios whose certificate has an owner a careful actor can pass the binary off as.
OWNED_CERTIFICATE = (STOLEN_REVOKED, FRONT_COMPANY, STOLEN_UNREVOKED)
# What a careful actor names an implant after its certificate's owner: "{brand}{role}{suffix}.exe".
CAREFUL_ROLES = ("Update", "Updater", "Helper", "Service", "Sync", "Agent", "Launcher", "Svc")
CAREFUL_SUFFIXES = ("", "", "", "2", "64", "_x64")
CAREFUL_FOLDERS = (
    "C:\\Users\\{U}\\AppData\\Roaming\\{B}",
    "C:\\Users\\{U}\\AppData\\Local\\{B}",
    "C:\\Users\\{U}\\AppData\\Local\\Temp",
    "C:\\Users\\{U}\\Downloads",
    "C:\\ProgramData\\{B}",
    "C:\\Users\\Public\\{B}",
)

# (path, original_file_name, product, description) of binaries posing as an allow-listed publisher's updater.
IMPOSTORS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "Google LLC": (
        (
            "C:\\Users\\{U}\\AppData\\Local\\Google\\Update\\GoogleUpdate.exe",
            "GoogleUpdate.exe",
            "Google Update",
            "Google Installer",
        ),
        (
            "C:\\Users\\{U}\\AppData\\Roaming\\Google\\Chrome\\chrome_proxy.exe",
            "chrome_proxy.exe",
            "Google Chrome",
            "Google Chrome",
        ),
    ),
    "Microsoft Corporation": (
        (
            "C:\\ProgramData\\Microsoft\\EdgeUpdate\\MicrosoftEdgeUpdateCore.exe",
            "MicrosoftEdgeUpdateCore.exe",
            "Microsoft Edge Update",
            "Microsoft Edge Update",
        ),
        (
            "C:\\Users\\{U}\\AppData\\Roaming\\Microsoft\\OneDrive\\OneDriveUpdaterService.exe",
            "OneDriveUpdaterService.exe",
            "Microsoft OneDrive",
            "Microsoft OneDrive Update Service",
        ),
    ),
    "Adobe Inc.": (
        (
            "C:\\Users\\Public\\Adobe\\ARM\\AdobeARMHelper.exe",
            "AdobeARMHelper.exe",
            "Adobe Reader and Acrobat Manager",
            "Adobe Reader and Acrobat Manager",
        ),
        ("C:\\ProgramData\\Adobe\\Setup\\AcroRdSvc.exe", "AcroRdSvc.exe", "Adobe Acrobat", "Adobe Acrobat Service"),
    ),
}


def attack_count(hosts: int, days: int, data: AttackData | None = None) -> int:
    """Attacks (incidents) per fleet: ``at_reference`` for the reference size, growing with the square root of
    hosts x days, within [minimum, maximum]; the minimum is at least 2 (one the rule misses, one it catches)."""
    count = (data or scenario_data().attacks).count
    wanted = round(count.at_reference * math.sqrt(hosts * days / count.reference_host_days))
    return max(2, count.minimum, min(count.maximum, wanted))


def attack_scenarios(rng: random.Random, count: int, data: AttackData) -> list[str]:
    """One scenario the rule misses and one it catches first, then the others once each, then by weight."""
    missed = [s for s in ATTACK_SCENARIOS if s in MISSED_BY_RULE]
    caught = [s for s in ATTACK_SCENARIOS if s not in MISSED_BY_RULE]
    rng.shuffle(missed)
    rng.shuffle(caught)
    rest = missed[1:] + caught[1:]
    rng.shuffle(rest)
    chosen = [missed[0], caught[0], *rest][:count]
    weights = tuple(data.weights[s] for s in ATTACK_SCENARIOS)
    chosen += rng.choices(ATTACK_SCENARIOS, weights=weights, k=count - len(chosen))
    rng.shuffle(chosen)
    return chosen


def campaign_size(rng: random.Random, data: AttackData, hosts: int) -> int:
    """Hashes in a campaign: ``campaign.size`` on a large fleet, fewer (down to 2) on a small one."""
    low, high = data.campaign.size
    return min(rng.randint(low, high), max(2, hosts // data.campaign.hosts_per_hash))


def add_attacks(catalog: Catalog, hosts: list[Host], plan: Plan, profile: FleetProfile) -> None:
    data = scenario_data().attacks
    rng = random.Random(f"{catalog.seed}|attacks")
    count = attack_count(len(hosts), catalog.days, data)
    scenarios = attack_scenarios(rng, count, data)
    first_days = [min(catalog.days - 1, int((i + rng.random()) * catalog.days / count)) for i in range(count)]
    victims = [h for h in hosts if h.kind != KIND_SERVER and h.users] or hosts
    forge = _Forge(catalog, rng, data)
    revocation_day = forge.revocation_day
    for number, (scenario, first) in enumerate(zip(scenarios, first_days, strict=True)):
        spec = forge.binary(scenario, number, first)
        campaign = rng.random() < profile.campaign_probability
        size = campaign_size(rng, data, len(hosts)) if campaign else 1
        spreads = data.campaign.hosts if campaign else data.hosts
        first_parent = rng.choice(data.benign_first_parents) if rng.random() < data.benign_first_parent else ""
        # Drawn from a stream of its own, so that a fleet's other draws do not depend on the share.
        careful_draw = random.Random(f"{catalog.seed}|careful|{number}")
        careful = scenario in OWNED_CERTIFICATE and careful_draw.random() < profile.careful_attacks
        careful_parent = ""
        if careful and careful_draw.random() < 0.5:
            careful_parent = careful_draw.choice(data.benign_first_parents)
        for member in range(size):
            variant = dataclasses.replace(spec, key=f"{spec.key}|{member}") if member else spec
            if careful:
                variant = forge.careful(variant, number, member)
            bid = catalog.add_binary(variant)
            day = min(catalog.days - 1, first + rng.randint(0, 2)) if member else first
            spread = min(rng.choice(spreads), profile.attack_hosts_max)
            _schedule(
                catalog, rng, plan, victims, bid, scenario, day, spread, first_parent, revocation_day, careful_parent
            )


class _Forge:
    """Makes the attackers' binaries and keeps the certificates they reuse."""

    def __init__(self, catalog: Catalog, rng: random.Random, data: AttackData) -> None:
        self.catalog, self.rng, self.data = catalog, rng, data
        days = catalog.days
        self.revocation_day = max(1, days // 2) if days > 1 else 0
        self.victim_vendor: Vendor = rng.choice(_common_vendors(catalog))
        self.fronts: list[Cert] = []
        self.fleet_names = widespread_names(catalog)

    def binary(self, scenario: str, number: int, first_day: int) -> BinarySpec:
        make = {
            STOLEN_REVOKED: self._stolen_revoked,
            FRONT_COMPANY: self._front_company,
            EXPIRED_PHISHING: self._phishing,
            SELF_SIGNED_IMPOSTOR: self._impostor,
            STOLEN_UNREVOKED: self._stolen_unrevoked,
        }[scenario]
        return make(number, first_day)

    def careful(self, spec: BinarySpec, number: int, member: int) -> BinarySpec:
        """``spec`` passed off as its certificate owner's own software: named after the owner's brand and a
        role ("UmbriaUpdate.exe", "UmbriaHelper_x64.exe") in a folder named after it (or Temp, Downloads), its PE
        naming the owner (the vendor's PE company text) and the file itself; each campaign member draws a name
        and a folder of its own. A certificate without an owner's name to borrow leaves ``spec`` as it is."""
        cert = spec.signature.cert
        if cert is None:
            return spec
        vendor = next((v for v in self.catalog.vendors if v.signer == cert.subject), None)
        brand = vendor.brand if vendor is not None else _brand_of(cert.subject)
        if not brand:
            return spec
        own = random.Random(f"{self.catalog.seed}|careful|{number}|{member}")
        role = own.choice(CAREFUL_ROLES)
        file_name = f"{brand}{role}{own.choice(CAREFUL_SUFFIXES)}.exe"
        folder = own.choice(CAREFUL_FOLDERS).replace("{B}", brand)
        company = vendor.company if vendor is not None else cert.subject
        version = spec.pe.file_version if spec.pe is not None else "1.0.0.0"
        pe = PeInfo(file_name, company, f"{brand} {role}", version, f"{brand} {role}")
        return dataclasses.replace(
            spec,
            invocations=(make_invocation(f"{folder}\\{file_name}", (), ("explorer",)),),
            pe=pe,
            description=f"{spec.description}; passed off as {brand}'s own software",
        )

    def _implant_path(self, number: int, brand: str, signer: str) -> str:
        """Where an implant is dropped: a folder of its own (``random_folder`` of them: a folder of a random name
        under AppData or ProgramData, a dropper's staging folder), or (``in_signer_folder`` of them) one named after
        the certificate's owner, posing as that vendor's updater; its name is a lure's, or (``fleet_name`` of
        them) that of a binary the fleet runs widely under another signer (``svchost.exe``, ``Teams.exe``).
        The last three choices draw from random streams of their own, so a fleet's other draws do not depend on
        them."""
        rng = self.rng
        folder = rng.choice(
            (
                "C:\\Users\\{U}\\AppData\\Roaming\\" + rng.choice(words.IMPLANT_DIRS),
                "C:\\Users\\{U}\\AppData\\Local\\Temp",
                "C:\\Users\\Public\\" + rng.choice(("Libraries", "Documents", "Music")),
                "C:\\ProgramData\\" + rng.choice(words.IMPLANT_DIRS),
            )
        )
        name = rng.choice(words.IMPLANT_NAMES)
        staged = random.Random(f"{self.catalog.seed}|random-folder|{number}")
        if staged.random() < self.data.random_folder:
            folder = words.random_folder(staged)
        own = random.Random(f"{self.catalog.seed}|signer-folder|{number}")
        if brand and own.random() < self.data.in_signer_folder:
            folder = own.choice(
                ("C:\\Users\\{U}\\AppData\\Local\\" + brand, "C:\\ProgramData\\" + brand + "\\Update")
            )
        named = random.Random(f"{self.catalog.seed}|fleet-name|{number}")
        others = [file_name for file_name, owner in self.fleet_names if owner != signer]
        if others and named.random() < self.data.fleet_name:
            name = named.choice(others)
        return f"{folder}\\{name}"

    def _fake_pe(self, version: str) -> PeInfo:
        original, company, product, description = self.rng.choice(words.IMPERSONATED_PE)
        return PeInfo(original, company, product, version if original else "", description)

    def _spec(
        self, scenario: str, number: int, path: str, pe: PeInfo, signature: SignatureTimeline, description: str
    ) -> BinarySpec:
        """The binary; with ``not_renamed`` it keeps its PE's original name, with ``matching_company`` its PE
        names the signer (an impostor's PE already does)."""
        rng, file_name = self.rng, path.rsplit("\\", 1)[-1]
        if pe.original_file_name and rng.random() < self.data.not_renamed:
            pe = dataclasses.replace(pe, original_file_name=file_name)
        cert = signature.cert
        if cert is not None and pe.company and rng.random() < self.data.matching_company:
            pe = dataclasses.replace(pe, company=cert.subject)
        invocation = make_invocation(path, (), ("explorer",))
        return BinarySpec(
            key=f"attack|{number}|{scenario}",
            invocations=(invocation,),
            pe=pe,
            signature=signature,
            run_as=RUN_AS_USER,
            label=LABEL_MALICIOUS,
            scenario=scenario,
            description=description,
        )

    def _stolen_revoked(self, number: int, first_day: int) -> BinarySpec:
        vendor, revoked = self.victim_vendor, self.revocation_day
        cert = vendor.cert_at(0)
        signature = SignatureTimeline(cert, ((LONG_AGO, STATUS_TRUSTED), (revoked, STATUS_REVOKED)))
        when = (self.catalog.start + dt.timedelta(days=revoked)).isoformat()
        return self._spec(
            STOLEN_REVOKED,
            number,
            self._implant_path(number, vendor.brand, vendor.signer),
            self._fake_pe("1.0.0.1"),
            signature,
            f"loader signed with {vendor.signer}'s stolen certificate, revoked {when}",
        )

    def _front_company(self, number: int, first_day: int) -> BinarySpec:
        rng = self.rng
        if not self.fronts or rng.random() > 0.3:
            head = rng.choice(words.FRONT_HEADS)
            subject = rng.choice(words.FRONT_FORMS).format(h=head)
            print_ = thumbprint(self.catalog.seed, f"front|{number}|{subject}")
            # Bought for the campaign: issued days to weeks before its first payload ran.
            issued = first_day - 3 - int(print_[:4], 16) % 40
            self.fronts.append(Cert(subject, print_, issued, issuer=retail_ca(subject)))
        cert = rng.choice(self.fronts)
        return self._spec(
            FRONT_COMPANY,
            number,
            self._implant_path(number, _brand_of(cert.subject), cert.subject),
            self._fake_pe("2.3.0.0"),
            SignatureTimeline(cert),
            f"payload signed with a certificate bought as {cert.subject}",
        )

    def _phishing(self, number: int, first_day: int) -> BinarySpec:
        rng = self.rng
        vendor = rng.choice(self.catalog.vendors[20:])
        cert = Cert(
            vendor.signer,
            thumbprint(self.catalog.seed, f"stolen-old|{number}|{vendor.signer}"),
            -1200,
            -rng.randint(60, 500),
        )
        name = rng.choice(words.PHISHING_NAMES).format(n=rng.randint(10000, 99999))
        folder = rng.choice(
            (
                "C:\\Users\\{U}\\Downloads",
                "C:\\Users\\{U}\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\{O}",
            )
        )
        signature = SignatureTimeline(cert, ((LONG_AGO, STATUS_EXPIRED),))
        return self._spec(
            EXPIRED_PHISHING,
            number,
            f"{folder}\\{name}",
            self._fake_pe("1.0.0.0"),
            signature,
            f"phishing attachment signed with an expired certificate stolen from {vendor.signer}",
        )

    def _impostor(self, number: int, first_day: int) -> BinarySpec:
        rng = self.rng
        subject = rng.choice(tuple(IMPOSTORS))
        path, original, product, description = rng.choice(IMPOSTORS[subject])
        cert = Cert(subject, thumbprint(self.catalog.seed, f"selfsigned|{number}|{subject}"), issuer=subject)
        pe = PeInfo(original, subject, product, f"1.3.{rng.randint(100, 300)}.{rng.randint(1, 9)}", description)
        signature = SignatureTimeline(cert, ((LONG_AGO, STATUS_UNTRUSTED_ROOT),))
        return self._spec(
            SELF_SIGNED_IMPOSTOR, number, path, pe, signature, f"self-signed certificate naming itself {subject}"
        )

    def _stolen_unrevoked(self, number: int, first_day: int) -> BinarySpec:
        vendor = self.rng.choice(_signing_vendors(self.catalog)[12:80] or _common_vendors(self.catalog))
        return self._spec(
            STOLEN_UNREVOKED,
            number,
            self._implant_path(number, vendor.brand, vendor.signer),
            self._fake_pe("3.1.0.4"),
            SignatureTimeline(vendor.cert_at(0)),
            f"implant signed with {vendor.signer}'s stolen certificate, not revoked",
        )


def _brand_of(subject: str) -> str:
    """A certificate subject's first word that is not a legal form ("OOO KORVEL" -> "KORVEL"); "" if none."""
    forms = {"ltd", "limited", "llc", "aps", "ooo", "s", "r", "o", "sp", "z", "inc"}
    found = [word for word in subject.replace(".", " ").split() if word.lower() not in forms]
    return found[0] if found else ""


def _signing_vendors(catalog: Catalog) -> list[Vendor]:
    """Long-tail vendors with signed software in the catalogue, by rank."""
    signing = {
        product.key.split("|")[1]
        for product in catalog.products
        if product.key.startswith("syn|") and catalog.binaries[product.versions[0][1][0]].signer
    }
    return [v for v in catalog.vendors if v.brand in signing]


def _common_vendors(catalog: Catalog) -> list[Vendor]:
    """Popular long-tail vendors with signed workstation software: whose certificate is worth stealing."""
    on_workstations = {
        product.key.split("|")[1]
        for product in catalog.products
        if product.key.startswith("syn|")
        and product.share[0] >= 0.05
        and catalog.binaries[product.versions[0][1][0]].signer
    }
    common = [v for v in catalog.vendors[:12] if v.brand in on_workstations]
    return common or catalog.vendors[1:8]


def _schedule(
    catalog: Catalog,
    rng: random.Random,
    plan: Plan,
    victims: list[Host],
    bid: int,
    scenario: str,
    first: int,
    spread: int,
    first_parent: str,
    revocation_day: int,
    careful_parent: str = "",
) -> None:
    """``spread`` hosts; first run from a phishing or LOLBin parent (or ``first_parent``), later runs from
    persistence, within ~3 days. A revoked certificate's binary persists past the revocation day. A careful
    actor's ``careful_parent`` replaces the first parent after it is drawn, so that the stream's later draws (the
    other attacks') do not depend on it. A host after the first is reached, with ``attacks.lateral_parent``'s
    probability, by remote execution: first started as SYSTEM by one of ``attacks.lateral_parents`` (drawn from a
    stream of its own, so that the other draws do not depend on it)."""
    data = scenario_data().attacks
    chosen = rng.sample(victims, min(spread, len(victims)))
    span = rng.randint(1, 3)
    for position, host in enumerate(chosen):
        day = first if position == 0 else first + rng.randrange(span)
        token = stable_guid(catalog.seed, f"attack|{bid}|{host.idx}")
        drawn = first_parent or rng.choice(FIRST_PARENTS[scenario])
        parent, user = careful_parent or drawn, 0
        lateral = random.Random(f"{catalog.seed}|lateral|{bid}|{host.idx}")
        if position and data.lateral_parents and lateral.random() < data.lateral_parent:
            parent = weighted(lateral, data.lateral_parents)
            user = USER_SYSTEM
        plan.add(day, host.idx, Run(bid, count=rng.randint(1, 2), parent=parent, user=user, token=token))
        last = min(catalog.days - 1, first + span)
        if scenario == STOLEN_REVOKED and position == 0 and last < revocation_day:
            last = min(catalog.days - 1, revocation_day + rng.randint(0, 2))
            again = rng.choice(PERSISTENCE_PARENTS)
            plan.add(last, host.idx, Run(bid, count=rng.randint(1, 3), parent=again, user=0, token=token))
        for later in range(day + 1, min(catalog.days, first + span + 1)):
            if rng.random() < 0.6:
                again = rng.choice(PERSISTENCE_PARENTS)
                plan.add(later, host.idx, Run(bid, count=rng.randint(1, 3), parent=again, user=0, token=token))
