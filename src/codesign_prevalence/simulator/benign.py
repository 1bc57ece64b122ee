"""The seed rule's known false-positive classes, all labelled benign.

- ``expired_cert_window``: popular per-user apps whose certificate expired before the renewed build rolled out.
- ``internal_pki``: internal tools signed by a private CA (``errorUntrustedRoot``) on a broad share of hosts.
- ``deployment_staging``: SCCM, Intune, Chocolatey and vendor updaters running installers from staging
  folders on many hosts, some of them old installers whose certificate has expired.
- ``rare_benign``: hard negatives: test-signed developer builds on developer workstations (a new hash per
  build, from an occasional build to several a day: the profile's ``developer_builds_per_day``), and niche
  utilities with lapsed certificates downloaded by one or two users.
- the scenarios of :mod:`hardneg` (portable tools, per-user installers, company mismatches, logon scripts,
  renamed downloads).

Counts of the rare ones scale with the fleet profile's ``hard_negative_scale`` (``data/scenarios.yaml``).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from codesign_prevalence.simulator import words
from codesign_prevalence.simulator.catalog import KIND_DEVELOPER, KIND_SERVER, Catalog, Vendor, exe, release_plan
from codesign_prevalence.simulator.certificates import enterprise_ca, niche_ca
from codesign_prevalence.simulator.datafiles import scenario_data
from codesign_prevalence.simulator.hardneg import add_hard_negatives, weighted
from codesign_prevalence.simulator.hosts import Host
from codesign_prevalence.simulator.model import (
    LONG_AGO,
    RUN_AS_SYSTEM,
    RUN_AS_USER,
    STATUS_BAD_DIGEST,
    STATUS_CHAINING,
    STATUS_EXPIRED,
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
from codesign_prevalence.simulator.profile import FleetProfile, poisson, scaled_count

SCENARIO_EXPIRED_WINDOW = "expired_cert_window"
SCENARIO_INTERNAL_PKI = "internal_pki"
SCENARIO_DEPLOYMENT = "deployment_staging"
SCENARIO_RARE_BENIGN = "rare_benign"

CHANNELS = ("sccm", "intune", "choco", "updater")


def constant(timeline: SignatureTimeline) -> Callable[[int], SignatureTimeline]:
    return lambda _day: timeline


def day_text(catalog: Catalog, day: int) -> str:
    return (catalog.start + dt.timedelta(days=day)).isoformat()


def add_benign_scenarios(catalog: Catalog, hosts: list[Host], plan: Plan, org: str, profile: FleetProfile) -> None:
    rng = random.Random(f"{catalog.seed}|benign")
    add_expired_cert_window(catalog, rng)
    add_internal_pki(catalog, rng, org)
    add_deployments(catalog, hosts, rng, plan)
    taken = add_rare_benign(catalog, hosts, rng, plan, org, profile)
    add_hard_negatives(catalog, hosts, plan, profile, taken)


# --- expired_cert_window ---------------------------------------------------------------------------------


def add_expired_cert_window(catalog: Catalog, rng: random.Random) -> None:
    for vendor in rng.sample(catalog.vendors[:8], 2 if catalog.days < 10 else 3):
        _expired_window_app(catalog, rng, vendor)


def _expired_window_app(catalog: Catalog, rng: random.Random, vendor: Vendor) -> None:
    days, short = catalog.days, vendor.brand.split()[0]
    noun = rng.choice(words.PER_USER_NOUNS)
    name, camel = f"{short} {noun}", f"{short}{noun}"
    expiry = rng.randint(max(1, days // 5), max(1, days // 2)) if days > 2 else 0
    renewal = min(expiry + rng.randint(1, 3), max(days - 1, expiry + 1))
    old = Cert(vendor.signer, thumbprint(catalog.seed, f"{name}|old"), -700, expiry - 1)
    new = Cert(vendor.signer, thumbprint(catalog.seed, f"{name}|new"), expiry - 20, expiry + 700)
    expiring = SignatureTimeline(old, ((LONG_AGO, STATUS_TRUSTED), (expiry, STATUS_EXPIRED)))
    renewed = SignatureTimeline(new)
    home = f"C:\\Users\\{{U}}\\AppData\\Local\\{camel}\\"
    exes = [
        exe(
            home + "app-{V}\\" + f"{camel}.exe",
            5.0,
            RUN_AS_USER,
            ("", "explorer"),
            ("--type=renderer", "self"),
            ("--type=gpu-process", "self"),
        ),
        exe(home + "Update.exe", 0.4, RUN_AS_USER, (f"--processStart {camel}.exe", "explorer")),
    ]
    major, minor = rng.randint(1, 9), rng.randint(0, 20)
    old_ver, new_ver = f"{major}.{minor}.{rng.randint(0, 40)}", f"{major}.{minor + 1}.0"
    product = catalog.add_product(
        key=f"expired|{vendor.brand}|{name}",
        name=name,
        company=vendor.company,
        exes=exes,
        releases=[(-rng.randint(30, 120), old_ver), (renewal, new_ver)],
        sign=lambda day: expiring if day < renewal else renewed,
        share=(rng.uniform(0.45, 0.8), 0.7, 0.0),
        lag_mean=2.0,
        scenario=SCENARIO_EXPIRED_WINDOW,
    )
    for bid in product.versions[0][1]:
        catalog.binaries[bid].description = (
            f"{name} {old_ver}: certificate expired {day_text(catalog, expiry)}, not timestamped; "
            "errorExpired until hosts update"
        )
    for bid in product.versions[1][1]:
        catalog.binaries[bid].description = f"{name} {new_ver}: renewed build, new certificate"


# --- internal_pki ----------------------------------------------------------------------------------------


def add_internal_pki(catalog: Catalog, rng: random.Random, org: str) -> None:
    subjects = (f"{org} IT Code Signing", f"{org} Desktop Engineering")
    user_local, user_roaming = (
        f"C:\\Users\\{{U}}\\AppData\\Local\\{org}\\",
        f"C:\\Users\\{{U}}\\AppData\\Roaming\\{org}\\",
    )
    tools = (
        (
            "AssetInventory",
            f"C:\\ProgramData\\{org}\\AssetAgent\\AssetInventory.exe",
            RUN_AS_SYSTEM,
            ("--scan", "svchost"),
            (0.95, 0.95, 0.8),
            0.6,
            0,
        ),
        (
            "DriveMapper",
            user_local + "DriveMapper\\DriveMapper.exe",
            RUN_AS_USER,
            ("/logon", "userinit explorer"),
            (0.85, 0.8, 0.0),
            0.4,
            0,
        ),
        (
            "PrinterDeploy",
            f"C:\\ProgramData\\{org}\\Scripts\\PrinterDeploy.exe",
            RUN_AS_USER,
            ("/apply", "explorer cmd"),
            (0.6, 0.4, 0.0),
            0.2,
            1,
        ),
        (
            "HelpdeskAgent",
            user_roaming + "Helpdesk\\HelpdeskAgent.exe",
            RUN_AS_USER,
            ("", "explorer"),
            (0.4, 0.4, 0.05),
            0.3,
            1,
        ),
    )
    for tool, path, run_as, call, share, weight, subject in tools:
        cert = Cert(subjects[subject], thumbprint(catalog.seed, f"pki|{subjects[subject]}"), issuer=enterprise_ca(org))
        catalog.add_product(
            key=f"pki|{tool}",
            name=f"{org} {tool}",
            company=f"{org} IT",
            exes=[exe(path, weight, run_as, call, desc=f"{org} {tool}")],
            releases=release_plan(rng, catalog.days, 0.04, (2, rng.randint(0, 9), 0, 0)),
            sign=constant(SignatureTimeline(cert, ((LONG_AGO, STATUS_UNTRUSTED_ROOT),))),
            share=share,
            lag_mean=1.5,
            scenario=SCENARIO_INTERNAL_PKI,
        )


# --- deployment_staging ----------------------------------------------------------------------------------


def add_deployments(catalog: Catalog, hosts: list[Host], rng: random.Random, plan: Plan) -> None:
    count = min(10, max(4, 2 + catalog.days // 3))
    channels = [*CHANNELS, *(rng.choice(CHANNELS) for _ in range(count - len(CHANNELS)))]
    forced_expired = rng.choice((0, 2))  # at least one old installer with an expired certificate
    for index, channel in enumerate(channels):
        expired = index == forced_expired or rng.random() < 0.25
        _deployment(catalog, hosts, rng, plan, index, channel, expired)


def _deployment(
    catalog: Catalog, hosts: list[Host], rng: random.Random, plan: Plan, index: int, channel: str, expired: bool
) -> None:
    vendor = rng.choice(catalog.vendors[:60])
    short = vendor.brand.split()[0]
    version = f"{rng.randint(1, 12)}.{rng.randint(0, 9)}.{rng.randint(0, 999)}"
    installer, calls = _staging_calls(catalog, rng, index, channel, vendor, version)
    if expired:
        legacy = Cert(vendor.signer, thumbprint(catalog.seed, f"{vendor.signer}|legacy"), -1500, -rng.randint(30, 700))
        signature = SignatureTimeline(legacy, ((LONG_AGO, STATUS_EXPIRED),))
    else:
        signature = vendor.signature_for(0)
    spec = BinarySpec(
        key=f"deploy|{index}|{installer}",
        invocations=tuple(make_invocation(path, args.split(), parents.split()) for path, args, parents in calls),
        pe=PeInfo(installer, vendor.company, f"{short} Setup", version, f"{short} installer"),
        signature=signature,
        run_as=RUN_AS_SYSTEM,
        scenario=SCENARIO_DEPLOYMENT,
        description=f"{channel} deployment of {vendor.brand} {version}"
        + (" (old installer, certificate expired)" if expired else ""),
    )
    bid = catalog.add_binary(spec)
    _schedule_deployment(catalog, hosts, rng, plan, bid, index, channel, len(calls))


def _staging_calls(
    catalog: Catalog, rng: random.Random, index: int, channel: str, vendor: Vendor, version: str
) -> tuple[str, list[tuple[str, str, str]]]:
    """The installer's file name and its (path, args, parent kinds) staging locations for one channel."""
    short, parents = vendor.brand.split()[0], catalog.parents
    if channel in ("sccm", "intune"):
        installer = rng.choice(("setup.exe", f"{short}Setup.exe", f"{short}_Installer_{version}.exe"))
        app = stable_guid(catalog.seed, f"imeapp|{index}").lower()
        first = (
            (f"C:\\Windows\\ccmcache\\{{C}}\\{installer}", "/quiet /norestart", "ccmexec")
            if channel == "sccm"
            else (f"C:\\Windows\\IMECache\\{app}_1\\{installer}", "/S", "ime ime agentexecutor")
        )
        calls = [first]
        if rng.random() < 0.6:  # WiX Burn bundles re-launch themselves from a clean room under Windows\Temp
            kind = parents.add(f"deploy{index}", first[0])
            calls.append((f"C:\\Windows\\Temp\\{{G}}\\.be\\{installer}", "-burn.elevated BurnPipe", kind))
        return installer, calls
    if channel == "choco":
        package = vendor.brand.split()[0].lower() + rng.choice(("", "-cli", ".install"))
        installer = f"{package}-setup-{version}.exe"
        return installer, [
            (f"C:\\ProgramData\\chocolatey\\lib\\{package}\\tools\\{installer}", "/VERYSILENT /NORESTART", "choco"),
            (
                f"C:\\Users\\{{U}}\\AppData\\Local\\Temp\\chocolatey\\{package}\\{version}\\{installer}",
                "/VERYSILENT /NORESTART",
                "choco",
            ),
        ]
    installer = f"{short}Setup.exe"
    user_kind = parents.add(f"updater{index}u", f"C:\\Users\\{{U}}\\AppData\\Local\\{short}\\Update\\{short}Update.exe")
    system_kind = parents.add(f"updater{index}s", f"C:\\Program Files (x86)\\{vendor.brand}\\Update\\{short}Update.exe")
    return installer, [
        (f"C:\\Users\\{{U}}\\AppData\\Local\\Temp\\{{G}}\\{installer}", "/silent /update", user_kind),
        (f"C:\\ProgramData\\{vendor.brand}\\Updater\\Staging\\{version}\\{installer}", "/silent", system_kind),
    ]


def _schedule_deployment(
    catalog: Catalog,
    hosts: list[Host],
    rng: random.Random,
    plan: Plan,
    bid: int,
    index: int,
    channel: str,
    locations: int,
) -> None:
    wanted = {
        "sccm": ("workstation", "developer", "server"),
        "intune": ("workstation", "developer"),
        "choco": ("developer", "server"),
        "updater": ("workstation", "developer"),
    }[channel]
    share = rng.uniform(0.6, 1.0) if channel == "choco" else rng.uniform(0.3, 0.9)
    start = rng.randrange(catalog.days)
    for host in hosts:
        if host.kind not in wanted or rng.random() >= share:
            continue
        day = start + min(int(rng.expovariate(0.7)), 6)
        token = stable_guid(catalog.seed, f"deploy|{index}|{host.idx}")
        for run in _deployment_runs(rng, host, bid, channel, locations, token):
            plan.add(day, host.idx, run)


def _deployment_runs(rng: random.Random, host: Host, bid: int, channel: str, locations: int, token: str) -> list[Run]:
    if channel in ("sccm", "intune"):
        return [Run(bid, invocation=i, user=USER_SYSTEM, token=token) for i in range(locations)]
    interactive = host.kind != KIND_SERVER and bool(host.users)
    if channel == "choco":
        if not interactive:
            return [Run(bid, invocation=0, user=USER_SYSTEM, token=token)]
        return [Run(bid, invocation=1, user=0, token=token), Run(bid, invocation=0, user=0, token=token)]
    if interactive and rng.random() < 0.7:
        return [Run(bid, count=rng.randint(1, 2), invocation=0, user=0, token=token)]
    return [Run(bid, invocation=1, user=USER_SYSTEM, token=token)]


# --- rare_benign -----------------------------------------------------------------------------------------


def add_rare_benign(
    catalog: Catalog, hosts: list[Host], rng: random.Random, plan: Plan, org: str, profile: FleetProfile
) -> set[str]:
    """Developer builds (the profile's ``developer_builds_per_day`` per project and weekday, each a new hash)
    and niche tools, their counts scaled by its ``hard_negative_scale``; returns the signers taken so far (new
    signers must differ)."""
    data = scenario_data().rare_benign
    scale = profile.hard_negative_scale
    developers = [h for h in hosts if h.kind == KIND_DEVELOPER and h.users]
    share = min(1.0, data.developer_signing_share * scale)
    signing = [h for h in developers if rng.random() < share] or developers[:1]
    for host in signing:
        _developer_builds(catalog, rng, plan, host, developers, org, profile.developer_builds_per_day)
    people = [h for h in hosts if h.kind != KIND_SERVER and h.users] or hosts
    taken = {v.signer for v in catalog.vendors} | {v.signer for v in catalog.big.values()}
    count = scaled_count(data.niche_tools_per_100_hosts, len(hosts), scale, data.niche_tools_minimum, rng)
    for index in range(min(data.niche_tools_maximum, count)):
        _niche_tool(catalog, rng, plan, people, index, taken)
    return taken


def _developer_builds(
    catalog: Catalog,
    rng: random.Random,
    plan: Plan,
    host: Host,
    developers: list[Host],
    org: str,
    builds_per_day: float,
) -> None:
    user = host.users[0]
    mates = [d for d in developers if d is not host]
    for project_index in range(rng.randint(1, 2)):
        project = rng.choice(words.DEV_PROJECTS)
        subject = rng.choice(("DevTest Signing", f"{org} Dev Test CA", user.full_name))
        status = STATUS_UNTRUSTED_ROOT if rng.random() < 0.7 else STATUS_CHAINING
        cert = Cert(subject, thumbprint(catalog.seed, f"dev|{host.idx}|{project_index}|{subject}"), issuer=subject)
        folder = rng.choice(
            ("AppData\\Local\\Temp\\{G}", "AppData\\Local\\Apps\\2.0\\{O}", f"AppData\\Local\\{project}")
        )
        path = f"C:\\Users\\{{U}}\\{folder}\\{project}.exe"
        parents = (weighted(rng, scenario_data().rare_benign.developer_parents), "explorer")
        original = f"{project}.dll" if rng.random() < 0.15 else f"{project}.exe"
        company = rng.choice((subject, subject, org, ""))
        weekdays = [d for d in range(catalog.days) if (catalog.start + dt.timedelta(days=d)).weekday() < 5]
        builds = [day for day in weekdays for _ in range(poisson(rng, builds_per_day))]
        for number, day in enumerate(builds or [rng.randrange(catalog.days)]):
            version = f"1.{project_index}.{day}.{number}"
            spec = BinarySpec(
                key=f"devbuild|{host.idx}|{project_index}|{day}|{number}",
                invocations=(make_invocation(path, ("--verbose",), parents),),
                pe=PeInfo(original, company, project, version, project),
                signature=SignatureTimeline(cert, ((LONG_AGO, status),)),
                run_as=RUN_AS_USER,
                scenario=SCENARIO_RARE_BENIGN,
                description=f"developer build of {project} {version} on {host.name}, test-signed by {subject}",
            )
            bid = catalog.add_binary(spec)
            plan.add(
                day, host.idx, Run(bid, count=rng.randint(1, 6), user=0, token=stable_guid(catalog.seed, f"b{bid}"))
            )
            if mates and rng.random() < 0.2:
                mate = rng.choice(mates)
                token = stable_guid(catalog.seed, f"m{bid}")
                plan.add(day + rng.randint(0, 1), mate.idx, Run(bid, count=rng.randint(1, 3), user=0, token=token))


def _niche_tool(
    catalog: Catalog, rng: random.Random, plan: Plan, people: list[Host], index: int, taken: set[str]
) -> None:
    tool = rng.choice(words.NICHE_TOOLS)
    signer = ""
    while not signer or signer in taken:
        brand = f"{rng.choice(words.BRAND_HEADS)} {rng.choice(words.BRAND_TAILS)}"
        signer = rng.choice(words.LEGAL_FORMS).format(b=brand)
    taken.add(signer)
    version = f"{rng.randint(1, 6)}.{rng.randint(0, 30)}"
    bad_digest = rng.random() < 0.15
    lapsed = -rng.randint(30, 900)
    cert = Cert(signer, thumbprint(catalog.seed, f"niche|{index}|{signer}"), -1500, lapsed, niche_ca(signer))
    renamed = (f"{tool}_v{version}.exe", f"{tool.lower()}-{version}-portable.exe")
    file_name = f"{tool}.exe" if rng.random() < 0.7 else rng.choice(renamed)
    spec = BinarySpec(
        key=f"niche|{index}|{tool}",
        invocations=(make_invocation(f"C:\\Users\\{{U}}\\Downloads\\{file_name}", (), ("explorer",)),),
        pe=PeInfo(f"{tool}.exe", signer if rng.random() < 0.7 else brand, tool, version, f"{tool} utility"),
        signature=SignatureTimeline(cert, ((LONG_AGO, STATUS_BAD_DIGEST if bad_digest else STATUS_EXPIRED),)),
        run_as=RUN_AS_USER,
        scenario=SCENARIO_RARE_BENIGN,
        description=f"niche utility {tool} {version} downloaded by a user; "
        + ("file modified after signing" if bad_digest else "publisher certificate lapsed"),
    )
    bid = catalog.add_binary(spec)
    for host in rng.sample(people, min(len(people), 1 if rng.random() < 0.7 else 2)):
        first = rng.randrange(catalog.days)
        user = rng.randrange(len(host.users)) if host.users else 0
        for day in [first, *(first + rng.randint(1, 4) for _ in range(rng.choice((0, 0, 1, 2))))]:
            plan.add(day, host.idx, Run(bid, count=rng.randint(1, 3), user=user))
