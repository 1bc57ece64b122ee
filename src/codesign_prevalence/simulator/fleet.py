"""generate_fleet: catalogue + hosts + scenarios -> events.ndjson.gz, labels.csv and certificates.csv, with a
summary."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from codesign_prevalence.simulator import words
from codesign_prevalence.simulator.attacks import add_attacks
from codesign_prevalence.simulator.benign import add_benign_scenarios
from codesign_prevalence.simulator.catalog import HOST_KINDS, KIND_SERVER, Catalog
from codesign_prevalence.simulator.certificates import CERTIFICATES_FILE, details, write_registry
from codesign_prevalence.simulator.hosts import Host, make_hosts
from codesign_prevalence.simulator.longtail import add_long_tail
from codesign_prevalence.simulator.model import LABEL_MALICIOUS, Binary, Plan
from codesign_prevalence.simulator.profile import FleetProfile
from codesign_prevalence.simulator.software import add_big_products, add_big_vendors, add_os
from codesign_prevalence.simulator.stream import FleetStream, HostState, Installed
from codesign_prevalence.simulator.summary import FleetSummary
from codesign_prevalence.simulator.writer import MALFORMED_KINDS, EventSink, write_labels

EVENTS_FILE = "events.ndjson.gz"
LABELS_FILE = "labels.csv"
DEFAULT_END_DATE = dt.date(2026, 11, 26)
MALFORMED_RATE = 1e-4
MALFORMED_ALL_KINDS_FROM = 5000  # expected events from which every malformed kind appears at least once


def generate_fleet(
    out_dir: Path,
    hosts: int = 200,
    days: int = 14,
    seed: int = 7,
    end_date: dt.date = DEFAULT_END_DATE,
    events_per_host_day: float = 120.0,
) -> FleetSummary:
    """Simulate ``hosts`` Windows endpoints for ``days`` days ending on ``end_date``.

    Writes ``out_dir/events.ndjson.gz`` (Elastic Defend documents, one per line, with dirty data) and
    ``out_dir/labels.csv`` (one row per sha256 in the events). The same arguments give byte-identical files.
    """
    check_arguments(hosts, days, events_per_host_day)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = end_date - dt.timedelta(days=days - 1)
    org = random.Random(f"{seed}|org").choice(words.INTERNAL_ORGS)
    profile = FleetProfile.draw(seed)
    catalog = build_catalog(seed, days, start, profile.tail_density)
    fleet = make_hosts(seed, hosts, org)
    plan = Plan(days)
    add_benign_scenarios(catalog, fleet, plan, org, profile)
    add_attacks(catalog, fleet, plan, profile)
    rng = np.random.default_rng([abs(seed), seed < 0, 1])
    states = install_software(catalog, fleet, rng)
    counts = daily_counts(fleet, start, days, events_per_host_day, rng)
    bad = malformed_slots(int(counts.sum()), hosts * days * events_per_host_day, random.Random(f"{seed}|bad"))
    stream = FleetStream(catalog, states, plan, counts, bad, seed)
    events_path, labels_path = out_dir / EVENTS_FILE, out_dir / LABELS_FILE
    with EventSink(events_path) as sink:
        stream.run(sink)
    emitted = [b for b in catalog.binaries if stream.emitted[b.bid]]
    write_labels(labels_path, emitted)
    write_certificates(out_dir / CERTIFICATES_FILE, emitted, start, days)
    return _summary(
        stream,
        sink,
        emitted,
        events_path=events_path,
        labels_path=labels_path,
        hosts=hosts,
        days=days,
        seed=seed,
        start_date=start,
        end_date=end_date,
        profile=dataclasses.asdict(profile),
    )


def write_certificates(path: Path, emitted: list[Binary], start: dt.date, days: int) -> None:
    """The details of every certificate that signed an emitted binary (``simulator.certificates``), by
    thumbprint: the formats that carry issuer and validity (Defender, Code Integrity) are written from it."""
    certs = {b.signature.cert.thumbprint: b.signature.cert for b in emitted if b.signature.cert is not None}
    write_registry(path, (details(cert, start, days) for cert in certs.values()))


def build_catalog(seed: int, days: int, start: dt.date, tail_density: float = 1.0) -> Catalog:
    """Everyday software: the OS, the allow-listed publishers, well-known per-user apps, the long tail."""
    rng = random.Random(f"{seed}|catalog")
    catalog = Catalog(seed=seed, days=days, start=start)
    add_big_vendors(catalog, rng)
    add_os(catalog, rng)
    add_big_products(catalog, rng)
    add_long_tail(catalog, rng, tail_density)
    return catalog


def check_arguments(hosts: int, days: int, events_per_host_day: float) -> None:
    if hosts < 1:
        raise ValueError(f"hosts must be at least 1, got {hosts}")
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    if not events_per_host_day > 0:
        raise ValueError(f"events_per_host_day must be greater than 0, got {events_per_host_day}")


def install_software(catalog: Catalog, hosts: list[Host], rng: np.random.Generator) -> list[HostState]:
    """Each host gets each product with the product's share for its kind, an update lag and usage weights."""
    products = catalog.products
    shares = np.array([p.share for p in products], dtype=float)
    lag_means = np.array([p.lag_mean for p in products], dtype=float)
    states: list[HostState] = []
    for host in hosts:
        chosen = np.nonzero(rng.random(len(products)) < shares[:, HOST_KINDS.index(host.kind)])[0]
        lags = rng.exponential(1.0, len(chosen)) * lag_means[chosen] * host.diligence
        usage = rng.lognormal(0.0, 0.5, len(chosen))
        installed = []
        for index, lag, factor in zip(chosen.tolist(), lags.tolist(), usage.tolist(), strict=True):
            product = products[index]
            if product.os_build and product.os_build != host.build.key:
                continue
            if product.roles and host.kind == KIND_SERVER and host.role not in product.roles:
                continue
            weights = tuple(w * factor for w in product.weights)
            installed.append(Installed(product.versions, int(lag), weights))
        states.append(HostState(host, installed))
    return states


def daily_counts(hosts: list[Host], start: dt.date, days: int, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Background events per host and day: weekends quiet on workstations, laptops sometimes off."""
    weekend = np.array([(start + dt.timedelta(days=d)).weekday() >= 5 for d in range(days)])
    server = np.array([h.kind == KIND_SERVER for h in hosts])[:, None]
    activity = np.array([h.activity for h in hosts])[:, None]
    factor = np.where(server, np.where(weekend, 0.85, 1.0), np.where(weekend, 0.12, 1.0))
    online = rng.random((len(hosts), days)) < np.where(server, 1.0, np.where(weekend, 0.35, 0.93))
    expected = activity * factor * online
    if expected.sum() == 0:
        expected = np.ones((len(hosts), days))
    expected *= len(hosts) * days * rate / expected.sum()
    return rng.poisson(expected)


def malformed_slots(background: int, expected: float, rng: random.Random) -> list[tuple[int, str]]:
    """Which background slots become malformed lines, and of which kind: ~0.01%, every kind when large."""
    count = round(background * MALFORMED_RATE)
    if expected >= MALFORMED_ALL_KINDS_FROM:
        count = max(count, len(MALFORMED_KINDS))
    count = min(count, background)
    kinds = list(MALFORMED_KINDS) + rng.choices(MALFORMED_KINDS, k=max(0, count - len(MALFORMED_KINDS)))
    kinds = kinds[:count]
    rng.shuffle(kinds)
    return list(zip(sorted(rng.sample(range(background), count)), kinds, strict=True))


def _summary(stream: FleetStream, sink: EventSink, emitted: list[Binary], **identity: Any) -> FleetSummary:
    """The summary of a finished stream; ``identity`` holds the paths and the generation arguments."""
    c = stream.counters
    scenarios = Counter(b.scenario for b in emitted)
    return FleetSummary(
        **identity,
        lines_written=sink.lines,
        process_start_events=c.starts,
        duplicate_lines=sink.duplicates,
        dotted_key_docs=c.dotted,
        string_category_docs=c.string_category,
        non_process_events=c.end + c.network + c.file,
        process_end_events=c.end,
        network_events=c.network,
        file_events=c.file,
        malformed_lines=sum(c.malformed.values()),
        malformed_by_kind=dict(sorted(c.malformed.items())),
        binaries=len(emitted),
        malicious_binaries=sum(b.label == LABEL_MALICIOUS for b in emitted),
        binaries_by_scenario=dict(sorted(scenarios.items())),
    )
