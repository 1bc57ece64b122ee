"""The fleet's hosts: names, kinds, users, OS builds, time zones and pre-serialised host/agent JSON."""

from __future__ import annotations

import base64
import binascii
import hashlib
import random
from dataclasses import dataclass, field

import numpy as np

from codesign_prevalence.simulator import words
from codesign_prevalence.simulator.catalog import KIND_DEVELOPER, KIND_SERVER, KIND_WORKSTATION
from codesign_prevalence.simulator.model import jstr, stable_guid
from codesign_prevalence.simulator.software import OS_BUILDS, OsBuild

SERVER_ROLES: tuple[tuple[str, int], ...] = (
    ("APP", 3),
    ("DB", 2),
    ("WEB", 2),
    ("DC", 2),
    ("FS", 1),
    ("PRT", 1),
    ("BKP", 1),
    ("RDS", 1),
    ("SCCM", 1),
)
AGENT_VERSIONS: tuple[tuple[str, int], ...] = (("8.15.3", 7), ("8.14.3", 2), ("8.15.1", 1))
ECS_VERSION = "8.11.0"

# Local-time activity by hour (0-23) for interactive workstations and for servers.
WORKSTATION_HOURS = (1, 1, 1, 1, 1, 2, 4, 10, 30, 45, 48, 44, 30, 38, 45, 44, 38, 25, 12, 8, 6, 4, 2, 1)
SERVER_HOURS = (10, 12, 18, 20, 14, 10, 8, 8, 9, 10, 10, 10, 10, 10, 10, 10, 10, 10, 9, 9, 9, 9, 9, 10)
WORKSTATION_TZ: tuple[tuple[int, int], ...] = ((-5, 5), (-8, 2), (1, 3))  # UTC offset, weight
SERVER_TZ = -5


@dataclass(frozen=True, slots=True)
class User:
    """An account: ``name`` is also its profile folder under ``C:\\Users``; ``json`` is the ECS ``user``."""

    name: str
    full_name: str
    json: str


SYSTEM = User("SYSTEM", "", '{"name":"SYSTEM","domain":"NT AUTHORITY","id":"S-1-5-18"}')
LOCAL_SERVICE = User("LOCAL SERVICE", "", '{"name":"LOCAL SERVICE","domain":"NT AUTHORITY","id":"S-1-5-19"}')
NETWORK_SERVICE = User("NETWORK SERVICE", "", '{"name":"NETWORK SERVICE","domain":"NT AUTHORITY","id":"S-1-5-20"}')


@dataclass(slots=True)
class Host:
    """One endpoint. ``users`` are its interactive users (administrators on a server)."""

    idx: int
    name: str
    kind: str
    role: str
    build: OsBuild
    host_id: str
    agent_id: str
    ip: str
    users: tuple[User, ...]
    hour_cum: np.ndarray
    activity: float
    diligence: float
    json: str = ""
    tails: dict[str, str] = field(default_factory=dict)
    eid_prefix: str = ""
    entity_prefix: str = ""
    seq: int = 0

    def next_event_id(self) -> str:
        """A new ``event.id``: the host's prefix and its event counter (``seq``), base64 like Elastic's."""
        self.seq += 1
        return self.eid_prefix + binascii.b2a_base64(self.seq.to_bytes(9, "big"), newline=False).decode()

    @property
    def profile(self) -> str:
        """The profile folder used when a per-user path runs under a service account."""
        return self.users[0].name if self.users else "Administrator"


def host_kinds(count: int, rng: random.Random) -> list[str]:
    """Kinds for ``count`` hosts: ~85% workstations, ~5% developer workstations (at least one), ~10% servers."""
    developers = max(1, round(0.05 * count))
    servers = round(0.10 * count) if count >= 5 else 0
    kinds = [KIND_DEVELOPER] * developers + [KIND_SERVER] * servers
    kinds += [KIND_WORKSTATION] * (count - len(kinds))
    rng.shuffle(kinds)
    return kinds


class _Names:
    """Unique account names such as ``amartinez`` for people invented from the word lists."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def person(self) -> tuple[str, str]:
        first, last = self.rng.choice(words.FIRST_NAMES), self.rng.choice(words.LAST_NAMES)
        base = f"{first[0]}{last}".lower()
        name, n = base, 1
        while name in self.used:
            n += 1
            name = f"{base}{n}"
        self.used.add(name)
        return name, f"{first} {last}"


def _hour_cum(kind: str, tz: int) -> np.ndarray:
    local = SERVER_HOURS if kind == KIND_SERVER else WORKSTATION_HOURS
    utc = np.array([local[(hour + tz) % 24] for hour in range(24)], dtype=float)
    return np.cumsum(utc / utc.sum())


def _host_name(kind: str, rng: random.Random, counters: dict[str, int], numbers: list[int]) -> tuple[str, str]:
    if kind == KIND_SERVER:
        role = rng.choices([r for r, _ in SERVER_ROLES], weights=[w for _, w in SERVER_ROLES])[0]
        counters[role] = counters.get(role, 0) + 1
        return f"SRV-{role}-{counters[role]:02d}", role
    prefix = "DEV" if kind == KIND_DEVELOPER else "WKS"
    return f"{prefix}-{numbers.pop():04d}", ""


def make_hosts(seed: int, count: int, org: str) -> list[Host]:
    """``count`` hosts with names like ``WKS-0042``, ``DEV-0107``, ``SRV-DB-03``."""
    rng = random.Random(f"{seed}|hosts")
    kinds = host_kinds(count, rng)
    numbers = sorted(rng.sample(range(1, max(10_000, 3 * count)), count), reverse=True)
    names = _Names(rng)
    counters: dict[str, int] = {}
    domain_sid = "S-1-5-21-" + "-".join(str(rng.randint(10**8, 4 * 10**9)) for _ in range(3))
    hosts: list[Host] = []
    for idx, kind in enumerate(kinds):
        name, role = _host_name(kind, rng, counters, numbers)
        users = _users(kind, rng, names, org, domain_sid, idx)
        hosts.append(_new_host(seed, rng, idx, name, kind, role, users))
    _assign_prefixes(seed, hosts)
    return hosts


def _users(kind: str, rng: random.Random, names: _Names, org: str, sid: str, idx: int) -> tuple[User, ...]:
    domain = org.upper()
    if kind == KIND_SERVER:
        account, full = names.person()
        admins = [f"adm_{account}"] + (
            [f"svc_{rng.choice(('sql', 'backup', 'deploy', 'monitor'))}"] if rng.random() < 0.5 else []
        )
        return tuple(_user(a, full, domain, f"{sid}-{5000 + 7 * idx + i}") for i, a in enumerate(admins))
    how_many = 2 if kind == KIND_WORKSTATION and rng.random() < 0.2 else 1
    people = [names.person() for _ in range(how_many)]
    return tuple(_user(a, f, domain, f"{sid}-{1100 + 3 * idx + i}") for i, (a, f) in enumerate(people))


def _user(account: str, full: str, domain: str, sid: str) -> User:
    return User(account, full, f'{{"name":{jstr(account)},"domain":{jstr(domain)},"id":"{sid}"}}')


def _new_host(
    seed: int, rng: random.Random, idx: int, name: str, kind: str, role: str, users: tuple[User, ...]
) -> Host:
    server = kind == KIND_SERVER
    builds = [b for b in OS_BUILDS if b.server == server]
    build = rng.choices(builds, weights=[b.weight for b in builds])[0]
    tz = SERVER_TZ if server else rng.choices([t for t, _ in WORKSTATION_TZ], [w for _, w in WORKSTATION_TZ])[0]
    host = Host(
        idx=idx,
        name=name,
        kind=kind,
        role=role,
        build=build,
        host_id=stable_guid(seed, f"host|{idx}").lower(),
        agent_id=stable_guid(seed, f"agent|{idx}").lower(),
        ip=f"10.{20 if server else 40 + idx // 60000}.{(idx // 250) % 256}.{idx % 250 + 4}",
        users=users,
        hour_cum=_hour_cum(kind, tz),
        activity=rng.lognormvariate(0.0, 0.35) * (1.3 if server else 1.4 if kind == KIND_DEVELOPER else 1.0),
        diligence=rng.lognormvariate(0.0, 0.5) * (2.5 if server else 1.0),
    )
    agent_version = rng.choices([v for v, _ in AGENT_VERSIONS], [w for _, w in AGENT_VERSIONS])[0]
    host.json = _host_json(host)
    # Elastic's entity_id is base64("<agent id>-<pid>-<start time>"); the 36-character agent id encodes alone.
    host.entity_prefix = base64.b64encode(host.agent_id.encode()).decode()
    host.tails = {
        dataset: _tail_json(host.agent_id, agent_version, dataset) for dataset in ("process", "network", "file")
    }
    return host


def _host_json(host: Host) -> str:
    b = host.build
    os_json = (
        f'{{"family":"windows","name":"Windows","full":{jstr(b.full)},"version":{jstr(b.version)},'
        f'"kernel":"{b.version} (10.0.{b.build}.{b.revision})","platform":"windows","type":"windows"}}'
    )
    return (
        f'{{"id":"{host.host_id}","name":{jstr(host.name)},"hostname":{jstr(host.name)},'
        f'"architecture":"x86_64","ip":["{host.ip}"],"os":{os_json}}}'
    )


def _tail_json(agent_id: str, version: str, dataset: str) -> str:
    return (
        f'"agent":{{"id":"{agent_id}","type":"endpoint","version":"{version}"}},'
        f'"data_stream":{{"namespace":"default","type":"logs","dataset":"endpoint.events.{dataset}"}},'
        f'"ecs":{{"version":"{ECS_VERSION}"}},"message":"Endpoint {dataset} event"'
    )


def _assign_prefixes(seed: int, hosts: list[Host]) -> None:
    """A unique 12-character event.id prefix per host (Elastic's ids are base64-like)."""
    seen: set[str] = set()
    for host in hosts:
        salt = 0
        while True:
            digest = hashlib.sha256(f"{seed}|eid|{host.idx}|{salt}".encode()).digest()
            prefix = base64.b64encode(digest[:9]).decode()
            if prefix not in seen:
                break
            salt += 1
        seen.add(prefix)
        host.eid_prefix = prefix
