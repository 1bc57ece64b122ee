"""The event stream: day by day, host by host, process starts and the other documents, joined as text.

Memory stays flat: one host-day is built at a time and handed to the sink. Each line is joined from the
binary's pre-serialised fragments; only the rare dotted-key and malformed variants go through ``json``.
"""

from __future__ import annotations

import binascii
import datetime as dt
import random
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from codesign_prevalence.simulator.catalog import Catalog
from codesign_prevalence.simulator.hosts import LOCAL_SERVICE, NETWORK_SERVICE, SYSTEM, Host, User
from codesign_prevalence.simulator.model import (
    FOLDER_TOKEN,
    HOST_TOKEN,
    RUN_AS_SERVICE,
    RUN_AS_SYSTEM,
    RUN_AS_USER,
    SHORT_TOKEN,
    USER_BY_RUN_AS,
    USER_SYSTEM,
    USER_TOKEN,
    Binary,
    Invocation,
    Plan,
    Run,
    jstr,
)
from codesign_prevalence.simulator.parents import SELF
from codesign_prevalence.simulator.writer import DOTTED_STYLES, EventSink, dotted, malformed

P_END, P_NETWORK, P_FILE = 0.012, 0.018, 0.010
P_NON_PROCESS = P_END + P_NETWORK + P_FILE
P_DOTTED, P_STRING_CATEGORY, P_DUPLICATE = 0.02, 0.005, 0.005
MAX_DUPLICATE_DELAY = 3000

HOUR_TICKS = 36_000_000_000  # 100 ns ticks, as in Windows FILETIME
DAY_TICKS = 24 * HOUR_TICKS
TICKS_PER_SECOND = 10_000_000
FILETIME_UNIX_OFFSET = 11_644_473_600

_MODULE = '"module":"endpoint"'
EV_START = (
    f'"kind":"event","category":["process"],"type":["start"],"action":"start",'
    f'"dataset":"endpoint.events.process",{_MODULE}'
)
EV_START_TEXT = EV_START.replace('["process"]', '"process"').replace('["start"]', '"start"')
EV_END = (
    f'"kind":"event","category":["process"],"type":["end"],"action":"end","dataset":"endpoint.events.process",{_MODULE}'
)
EV_NETWORK = (
    '"kind":"event","category":["network"],"type":["start"],"action":"connection_attempted",'
    f'"dataset":"endpoint.events.network",{_MODULE}'
)
EV_FILE = (
    f'"kind":"event","category":["file"],"type":["creation"],"action":"creation",'
    f'"dataset":"endpoint.events.file",{_MODULE}'
)

DESTINATIONS = ("52.96.165.18", "142.250.185.78", "20.190.151.7", "13.107.42.14", "104.18.32.47", "10.20.0.10")


@dataclass(slots=True)
class Installed:
    """A product on one host: its releases, the host's update lag for it, and per-executable weights."""

    versions: list[tuple[int, tuple[int, ...]]]
    lag: int
    weights: tuple[float, ...]


@dataclass(slots=True)
class HostState:
    """A host, its installed software and the binaries it runs, recomputed when a release reaches it."""

    host: Host
    installed: list[Installed]
    _until: int = -1
    _bids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _cum: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def active(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Binary ids and cumulative launch weights on ``day``."""
        if day >= self._until:  # days only move forward
            self._refresh(day)
        return self._bids, self._cum

    def _refresh(self, day: int) -> None:
        bids: list[int] = []
        weights: list[float] = []
        next_change = 1 << 30
        for item in self.installed:
            current: tuple[int, ...] = ()
            for release, binaries in item.versions:
                if release + item.lag <= day:
                    current = binaries
                else:
                    next_change = min(next_change, release + item.lag)
                    break
            bids.extend(current)
            weights.extend(item.weights[: len(current)])
        self._until = next_change
        self._bids = np.array(bids, dtype=np.int64)
        self._cum = np.cumsum(np.array(weights, dtype=float))


@dataclass(slots=True)
class Counters:
    starts: int = 0
    dotted: int = 0
    string_category: int = 0
    end: int = 0
    network: int = 0
    file: int = 0
    malformed: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class Day:
    """What every event of one day shares."""

    index: int
    minutes: list[str]
    filetime: int
    sigs: dict[int, str]


class Proc(NamedTuple):
    """The process part of a start line, repeated by its ``end``, network and file events."""

    tick: int
    user: str
    profile: str
    core: str
    static: str
    sig: str
    fill: tuple[str, str] | None


def fill(line: str, profile: str, token: str) -> str:
    """Put the user's profile folder and the run's GUID token into a templated line."""
    line = line.replace(USER_TOKEN, profile)
    if token:
        compact = token.replace("-", "")
        line = line.replace(HOST_TOKEN, "{" + token + "}").replace(SHORT_TOKEN, compact[:2].lower())
        line = line.replace(FOLDER_TOKEN, compact[-8:])
    return line


SECONDS = [f"{s:02d}." for s in range(60)]


def clock(day: Day, tick: int) -> tuple[str, str]:
    """``@timestamp`` text (ISO-8601 UTC, seven fractional digits as Elastic Defend writes it) and the same
    instant as FILETIME seconds (``13439829706.0806197``), the form Elastic puts inside entity ids."""
    seconds, fraction = divmod(tick, TICKS_PER_SECOND)
    digits = str(TICKS_PER_SECOND + fraction)[1:]
    return f"{day.minutes[seconds // 60]}{SECONDS[seconds % 60]}{digits}Z", f"{day.filetime + seconds}.{digits}"


def b64(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).decode()


class FleetStream:
    """Writes every host-day's documents to a sink, with the configured share of dirty data."""

    def __init__(
        self,
        catalog: Catalog,
        states: list[HostState],
        plan: Plan,
        counts: np.ndarray,
        malformed_slots: list[tuple[int, str]],
        seed: int,
    ) -> None:
        self.catalog, self.states, self.plan, self.counts = catalog, states, plan, counts
        self.binaries: list[Binary] = catalog.binaries
        self.rng = np.random.default_rng(abs(seed) * 2 + (seed < 0))
        self.prng = random.Random(f"{seed}|stream")
        self.malformed_slots = malformed_slots
        self.emitted = bytearray(len(self.binaries))
        self.counters = Counters()
        self._slot = 0  # background slots so far (1-based after increment)
        self._next_bad = 0
        self._bad_slot = self._upcoming_bad_slot()
        self._changing = [b for b in self.binaries if b.changes_status]

    def _upcoming_bad_slot(self) -> int:
        """The 1-based background slot of the next malformed line (-1: none left)."""
        if self._next_bad < len(self.malformed_slots):
            return self.malformed_slots[self._next_bad][0] + 1
        return -1

    def run(self, sink: EventSink) -> None:
        for index in range(self.catalog.days):
            day = self._day(index)
            for state in self.states:
                runs = self.plan.runs.get((index, state.host.idx), [])
                count = int(self.counts[state.host.idx, index])
                if count or runs:
                    self._host_day(sink, state, day, count, runs)

    def _day(self, index: int) -> Day:
        date = self.catalog.start + dt.timedelta(days=index)
        epoch = int(dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC).timestamp())
        sigs = {b.bid: b.sig_on(index) for b in self._changing}
        minutes = [f"{date.isoformat()}T{m // 60:02d}:{m % 60:02d}:" for m in range(24 * 60)]
        return Day(index, minutes, epoch + FILETIME_UNIX_OFFSET, sigs)

    def _ticks(self, host: Host, count: int) -> np.ndarray:
        hours = np.minimum(np.searchsorted(host.hour_cum, self.rng.random(count), side="right"), 23)
        return hours * HOUR_TICKS + self.rng.integers(0, HOUR_TICKS, count)

    def _plan_events(
        self, state: HostState, day: Day, count: int, runs: list[Run]
    ) -> tuple[list[int], list[int], list[Run | None]]:
        """(binary ids, ticks, runs) of one host-day, in time order; ``None`` marks a background event."""
        active, cum = state.active(day.index)
        scale, count = (cum[-1], count) if len(cum) else (0.0, 0)
        bids: list[int] = active[np.searchsorted(cum, self.rng.random(count) * scale, side="right")].tolist()
        events: list[Run | None] = [None] * len(bids)
        for run in runs:
            bids.extend([run.bid] * run.count)
            events.extend([run] * run.count)
        ticks = self._ticks(state.host, len(bids))
        order = np.argsort(ticks, kind="stable").tolist()
        tick_list = ticks.tolist()
        return [bids[i] for i in order], [tick_list[i] for i in order], [events[i] for i in order]

    def _host_day(self, sink: EventSink, state: HostState, day: Day, count: int, runs: list[Run]) -> None:
        bids, ticks, events = self._plan_events(state, day, count, runs)
        total = len(bids)
        draws = self.rng.random((4, total)).tolist()
        pids = (self.rng.integers(100, 16_000, total) * 4).tolist()
        parents: dict[tuple[str, str], str] = {}
        last: Proc | None = None
        for i in range(total):
            b = self.binaries[bids[i]]
            run = events[i]
            line, proc = self._start(state.host, day, b, ticks[i], run, draws[2][i], draws[3][i], pids[i], parents)
            if run is None:
                self._slot += 1
                if self._slot == self._bad_slot:
                    self._write_malformed(sink, b, line)
                    continue
                u = draws[0][i]
                if u < P_NON_PROCESS:
                    last = self._write_other(sink, state.host, day, u, proc, last)
                    continue
                u = (u - P_NON_PROCESS) / (1.0 - P_NON_PROCESS)
            else:
                u = draws[0][i]
            self._write_start(sink, b, line, draws[1][i], u)
            last = proc

    def _write_malformed(self, sink: EventSink, b: Binary, line: str) -> None:
        kind = self.malformed_slots[self._next_bad][1]
        self._next_bad += 1
        self._bad_slot = self._upcoming_bad_slot()
        text = malformed(line, kind, self.prng)
        if b.sha256 in text:
            self.emitted[b.bid] = 1
        self.counters.malformed[kind] = self.counters.malformed.get(kind, 0) + 1
        sink.write(text)

    def _write_start(self, sink: EventSink, b: Binary, line: str, shape: float, u: float) -> None:
        counters = self.counters
        if shape < P_DOTTED:
            line = dotted(line, DOTTED_STYLES[int(shape / P_DOTTED * len(DOTTED_STYLES))])
            counters.dotted += 1
        elif shape < P_DOTTED + P_STRING_CATEGORY:
            line = line.replace(EV_START, EV_START_TEXT, 1)
            counters.string_category += 1
        counters.starts += 1
        self.emitted[b.bid] = 1
        sink.write(line)
        if u < P_DUPLICATE:
            sink.duplicate_later(line, int(2 * (MAX_DUPLICATE_DELAY / 2) ** (u / P_DUPLICATE)))

    def _user(self, host: Host, b: Binary, run: Run | None, u: float) -> User:
        if run is not None and run.user != USER_BY_RUN_AS:
            if run.user == USER_SYSTEM or not host.users:
                return SYSTEM
            return host.users[min(run.user, len(host.users) - 1)]
        if b.run_as == RUN_AS_SYSTEM or not host.users:
            return SYSTEM
        if b.run_as == RUN_AS_SERVICE:
            return SYSTEM if u < 0.5 else LOCAL_SERVICE if u < 0.75 else NETWORK_SERVICE
        if b.run_as != RUN_AS_USER and u < 0.4:
            return SYSTEM
        if len(host.users) == 1 or u < 0.8:
            return host.users[0]
        return host.users[1 + int((u - 0.8) / 0.2 * (len(host.users) - 1))]

    def _start(
        self,
        host: Host,
        day: Day,
        b: Binary,
        tick: int,
        run: Run | None,
        u_pick: float,
        u_user: float,
        pid: int,
        parents: dict[tuple[str, str], str],
    ) -> tuple[str, Proc]:
        """A process-start line (nested, arrays) and what its ``end`` event would repeat."""
        invocations = b.invocations
        if run is not None and run.invocation >= 0:
            inv, u_parent = invocations[run.invocation], u_pick
        else:
            scaled = u_pick * len(invocations)
            inv, u_parent = invocations[int(scaled)], scaled - int(scaled)
        kind = run.parent if run is not None and run.parent else inv.parents[int(u_parent * len(inv.parents))]
        user = self._user(host, b, run, u_user)
        profile = user.name if user.full_name else host.profile
        parent = self._parent(host, day, kind, profile, inv, parents)
        stamp, filetime = clock(day, tick)
        entity = host.entity_prefix + b64(f"-{pid}-{filetime}".encode())
        sig = day.sigs.get(b.bid) or b.sig
        core = f'"pid":{pid},"entity_id":"{entity}",{inv.exe}'
        event_id = host.next_event_id()
        line = (
            f'{{"@timestamp":"{stamp}","event":{{"id":"{event_id}","sequence":{host.seq},{EV_START}}},'
            f'"host":{host.json},"user":{user.json},"process":{{{core},{inv.cmd},{b.static},'
            f'"code_signature":{sig},"parent":{parent}}},{host.tails["process"]}}}'
        )
        token = run.token if run is not None else ""
        filled = (profile, token) if b.templated else None
        if filled:
            line = fill(line, profile, token)
        return line, Proc(tick, user.json, profile, core, b.static, sig, filled)

    def _parent(
        self, host: Host, day: Day, kind: str, profile: str, inv: Invocation, cache: dict[tuple[str, str], str]
    ) -> str:
        key = (kind, inv.exe if kind == SELF else profile)
        text = cache.get(key)
        if text is None:
            exe = inv.exe if kind == SELF else self.catalog.parents.exe_json(kind).replace(USER_TOKEN, profile)
            pid = self.prng.randrange(100, 16_000) * 4
            started = day.filetime - self.prng.randrange(0, 3 * 86_400)
            entity = host.entity_prefix + b64(f"-{pid}-{started}.{self.prng.randrange(10**7):07d}".encode())
            text = f'{{{exe},"pid":{pid},"entity_id":"{entity}"}}'
            cache[key] = text
        return text

    def _write_other(
        self, sink: EventSink, host: Host, day: Day, u: float, proc: Proc, last: Proc | None
    ) -> Proc | None:
        """A document that is not a process start: the end of the last started process, a connection or a
        file write by this process. Returns the process still waiting for its end event."""
        head = f'"id":"{host.next_event_id()}","sequence":{host.seq}'
        if u < P_END and last is not None:
            tick = min(last.tick + self.prng.randrange(TICKS_PER_SECOND, 900 * TICKS_PER_SECOND), DAY_TICKS - 1)
            line = (
                f'{{"@timestamp":"{clock(day, tick)[0]}","event":{{{head},{EV_END}}},"host":{host.json},'
                f'"user":{last.user},"process":{{{last.core},{last.static},"code_signature":{last.sig},"exit_code":0}},'
                f"{host.tails['process']}}}"
            )
            self.counters.end += 1
            sink.write(fill(line, *last.fill) if last.fill else line)
            return None
        if u < P_END + P_NETWORK:
            line = self._network_line(host, day, head, proc)
            self.counters.network += 1
        else:
            line = self._file_line(host, day, head, proc)
            self.counters.file += 1
        sink.write(fill(line, *proc.fill) if proc.fill else line)
        return last

    def _network_line(self, host: Host, day: Day, head: str, proc: Proc) -> str:
        return (
            f'{{"@timestamp":"{clock(day, proc.tick)[0]}","event":{{{head},{EV_NETWORK}}},"host":{host.json},'
            f'"user":{proc.user},"process":{{{proc.core},"code_signature":{proc.sig}}},'
            f'"source":{{"ip":"{host.ip}","port":{self.prng.randrange(49152, 65535)}}},'
            f'"destination":{{"ip":"{self.prng.choice(DESTINATIONS)}","port":{self.prng.choice((443, 443, 80, 53))}}},'
            f'"network":{{"transport":"tcp","type":"ipv4","direction":"egress"}},{host.tails["network"]}}}'
        )

    def _file_line(self, host: Host, day: Day, head: str, proc: Proc) -> str:
        name = f"tmp{self.prng.getrandbits(16):04X}.tmp"
        system = '"NT AUTHORITY"' in proc.user
        folder = "C:\\Windows\\Temp" if system else f"C:\\Users\\{proc.profile}\\AppData\\Local\\Temp"
        path = f"{folder}\\{name}"
        return (
            f'{{"@timestamp":"{clock(day, proc.tick)[0]}","event":{{{head},{EV_FILE}}},"host":{host.json},'
            f'"user":{proc.user},"process":{{{proc.core},"code_signature":{proc.sig}}},'
            f'"file":{{"path":{jstr(path)},"name":"{name}","extension":"tmp"}},{host.tails["file"]}}}'
        )
