"""Profile generated fleets without Spark: base rates, hard negatives, and how well simple rankers do.

For each fleet (generated here, or an existing folder with events.ndjson.gz and labels.csv) it prints the
hunt-like population (signed binaries seen in a user-writable path), its malicious count, how many benign
binaries in it sit on one host, the share of benign and malicious binaries carrying each trait, and the
average precision of two simple rankers in that population: ascending host count (rarer first) and a plain
sum of the traits (rarity on a log scale + bad status + company mismatch + renamed + LOLBin parent share +
signer seen on no other binary).

Run: ``.venv/bin/python benchmarks/sim_profile.py --hosts 400 --days 14 --seeds 1 2 3 4 5 6``
     ``.venv/bin/python benchmarks/sim_profile.py --folder DIR [DIR ...]``
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import gzip
import math
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from sklearn.metrics import average_precision_score

from codesign_prevalence.simulator import EVENTS_FILE, LABELS_FILE, generate_fleet

USER_WRITABLE = (r"*\appdata\*", r"*\temp\*", r"*\downloads\*", r"*\users\public\*", r"*\programdata\*")
LOLBINS = frozenset(
    name + ".exe"
    for name in (
        "rundll32", "regsvr32", "mshta", "wscript", "cscript", "powershell", "pwsh", "cmd", "msiexec", "certutil",
        "bitsadmin", "wmic", "installutil", "regasm", "msbuild", "winword", "excel", "powerpnt", "outlook",
    )
)  # fmt: skip
TRAITS = ("bad_status", "company_mismatch", "renamed", "lolbin_parent", "lone_signer")
_LEGAL = re.compile(
    r"\b(inc|ltd|llc|gmbh|b\.?v|ab|pty|corporation|corp|co|s\.?a|oy|limited|sas|ag|s\.?r\.?l|plc|"
    r"aps|s\.?r\.?o|ooo|sp z o o)\b\.?"
)


def flatten(doc: dict[str, Any], prefix: str = "", out: dict[str, Any] | None = None) -> dict[str, Any]:
    """Nested objects and dotted keys -> one level of dotted keys."""
    out = {} if out is None else out
    for key, value in doc.items():
        if isinstance(value, dict):
            flatten(value, f"{prefix}{key}.", out)
        else:
            out[f"{prefix}{key}"] = value
    return out


def _words(text: str) -> str:
    return " ".join(_LEGAL.sub(" ", re.sub(r"[,.()®™]", " ", text.casefold())).split())


def company_mismatch(company: str, signer: str) -> bool:
    """A non-empty pe.company that neither contains nor is contained in the signer (legal forms dropped)."""
    if not company or not signer:
        return False
    a, b = _words(company), _words(signer)
    return bool(a and b) and a not in b and b not in a


@dataclass
class BinaryFacts:
    hosts: set[str] = field(default_factory=set)
    events: int = 0
    lolbin_events: int = 0
    writable: bool = False
    signer: str = ""
    bad_status: bool = False
    company: str = ""
    original: str = ""
    names: set[str] = field(default_factory=set)


def as_list(value: Any) -> list[Any]:
    return [value] if isinstance(value, str) else list(value or [])


def read_events(path: Path) -> dict[str, BinaryFacts]:
    facts: dict[str, BinaryFacts] = defaultdict(BinaryFacts)
    with gzip.open(path, "rb") as handle:
        for line in handle:
            try:
                raw = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if not isinstance(raw, dict):
                continue
            doc = flatten(raw)
            if "process" not in as_list(doc.get("event.category")) or "start" not in as_list(doc.get("event.type")):
                continue
            sha, host, exe = doc.get("process.hash.sha256"), doc.get("host.id"), doc.get("process.executable")
            if not sha or not host or not exe:
                continue
            f = facts[sha]
            f.hosts.add(host)
            f.events += 1
            f.lolbin_events += str(doc.get("process.parent.name") or "").lower() in LOLBINS
            f.writable = f.writable or any(fnmatch.fnmatch(exe.lower(), p) for p in USER_WRITABLE)
            subject = doc.get("process.code_signature.subject_name") or ""
            if subject and doc.get("process.code_signature.exists") is not False:
                f.signer = subject
                status = doc.get("process.code_signature.status") or ""
                f.bad_status = f.bad_status or status != "trusted" or doc.get("process.code_signature.trusted") is False
            f.company = doc.get("process.pe.company") or f.company
            f.original = doc.get("process.pe.original_file_name") or f.original
            f.names.add(str(doc.get("process.name") or exe.rsplit("\\", 1)[-1]))
    return facts


def read_labels(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="") as handle:
        return {row["sha256"]: row for row in csv.DictReader(handle)}


def trait_values(f: BinaryFacts, signer_hashes: dict[str, int]) -> dict[str, float]:
    renamed = bool(f.original) and all(n.casefold() != f.original.casefold() for n in f.names)
    return {
        "bad_status": float(f.bad_status),
        "company_mismatch": float(company_mismatch(f.company, f.signer)),
        "renamed": float(renamed),
        "lolbin_parent": f.lolbin_events / f.events,
        "lone_signer": float(signer_hashes[f.signer] <= 1),
    }


def profile(folder: Path) -> dict[str, Any]:
    facts = read_events(folder / EVENTS_FILE)
    labels = read_labels(folder / LABELS_FILE)
    all_hosts = {h for f in facts.values() for h in f.hosts}
    signer_hashes: dict[str, int] = defaultdict(int)
    for f in facts.values():
        if f.signer:
            signer_hashes[f.signer] += 1
    hunt = {sha: f for sha, f in facts.items() if f.signer and f.writable}
    y = [labels[sha]["label"] == "malicious" for sha in hunt]
    traits = {sha: trait_values(f, signer_hashes) for sha, f in hunt.items()}
    log_max = math.log(max(len(all_hosts), 2))
    rarity = {sha: 1.0 - math.log(len(f.hosts)) / log_max for sha, f in hunt.items()}
    ascending = [-len(f.hosts) for f in hunt.values()]
    trait_sum = [rarity[sha] + sum(traits[sha].values()) for sha in hunt]
    benign = [sha for sha, bad in zip(hunt, y, strict=True) if not bad]
    malicious = [sha for sha, bad in zip(hunt, y, strict=True) if bad]
    share = {
        t: (
            sum(traits[s][t] > 0 for s in benign) / max(len(benign), 1),
            sum(traits[s][t] > 0 for s in malicious) / max(len(malicious), 1),
        )
        for t in TRAITS
    }
    two_plus = sum(sum(v > 0 for v in traits[s].values()) >= 2 for s in benign)
    three_plus = sum(sum(v > 0 for v in traits[s].values()) >= 3 for s in benign)
    return {
        "hosts": len(all_hosts),
        "binaries": len(facts),
        "hunt": len(hunt),
        "malicious": len(malicious),
        "benign_1host": sum(len(hunt[s].hosts) == 1 for s in benign),
        "benign_2traits": two_plus,
        "benign_3traits": three_plus,
        "mal_hosts_max": max((len(hunt[s].hosts) for s in malicious), default=0),
        "share": share,
        "ap_ascending": average_precision_score(y, ascending) if any(y) else float("nan"),
        "ap_traits": average_precision_score(y, trait_sum) if any(y) else float("nan"),
        "scenarios": sorted({labels[s]["scenario"] for s in malicious}),
    }


def print_profile(name: str, p: dict[str, Any]) -> None:
    shares = " ".join(f"{t}={b:.2f}/{m:.2f}" for t, (b, m) in p["share"].items())
    print(
        f"{name}: hosts={p['hosts']} binaries={p['binaries']} hunt={p['hunt']} malicious={p['malicious']} "
        f"({p['malicious'] / max(p['hunt'], 1):.1%}) benign_1host={p['benign_1host']} "
        f"benign_2+traits={p['benign_2traits']} benign_3+traits={p['benign_3traits']} "
        f"mal_max_hosts={p['mal_hosts_max']} | AP ascending={p['ap_ascending']:.3f} traits={p['ap_traits']:.3f}"
    )
    print(f"    trait share benign/malicious: {shares}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, nargs="*", default=[], help="existing fleet folders")
    parser.add_argument("--hosts", type=int, default=400)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3])
    parser.add_argument("--rate", type=float, default=120.0, help="events per host and day")
    args = parser.parse_args(argv)
    results: list[dict[str, Any]] = []
    for folder in args.folder:
        results.append(profile(folder))
        print_profile(str(folder), results[-1])
    if not args.folder:
        with tempfile.TemporaryDirectory(prefix="sim-profile-") as tmp:
            for seed in args.seeds:
                began = time.perf_counter()
                out = Path(tmp) / str(seed)
                generate_fleet(out, hosts=args.hosts, days=args.days, seed=seed, events_per_host_day=args.rate)
                took = time.perf_counter() - began
                results.append(profile(out))
                print_profile(f"seed {seed} ({args.hosts}x{args.days}, generated in {took:.1f} s)", results[-1])
    for key in ("ap_ascending", "ap_traits"):
        values = [r[key] for r in results if not math.isnan(r[key])]
        if values:
            print(f"{key}: mean={statistics.fmean(values):.3f} min={min(values):.3f} max={max(values):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
