#!/usr/bin/env python3
"""blind_fleet: a third, independently written synthetic Windows fleet for codesign-prevalence.

Provenance (read this first)
----------------------------
Written blind, by an outside author, as a yardstick the ranking model was never tuned on. The author did
NOT read the project's source (``src/``), tests, configuration, the other benchmark scripts or generators,
nor the README sections on the features, the model or ranking quality, and never ran the project's
features/train/score/evaluate/report commands on these fleets. What was read: ``../shared/DESIGN.md`` (data
contract, seed rule, the two scoring populations), the third-party samples in ``../shared/samples/`` (field
shapes of Elastic Defend and Sysmon-through-Elastic-Agent documents, ECS ``code_signature``), and the README
sections "What runs", "The ingest" and "Sources ..." (the input contract). The only project command run was
``ingest`` (plus ``sql`` on bronze/quarantine) to check that the documents are accepted. The fleet model
below comes from the author's own knowledge of Windows estates and of public T1588.003 cases.

Usage::

    python benchmarks/blind_fleet.py --out DIR --hosts N --days D --seed S [--format elastic|sysmon_ecs]

writes ``DIR/events.ndjson.gz`` (one process start per line; for ``sysmon_ecs`` an Event ID 1 followed by
the Event ID 7 of the process's own image) and ``DIR/labels.csv``
(``sha256,label,scenario,signer,description``, one row per distinct sha256 of the events, sorted by sha256).
Python 3.11 standard library + numpy. Deterministic: same arguments, byte-identical files (all randomness
from ``numpy.random.default_rng(seed)``, hashes/thumbprints are SHA-256 of seed + identity, gzip mtime 0,
no wall clock; independent of PYTHONHASHSEED). The window ends 2026-05-21T00:00:00Z (a Thursday, so that a
2-day window is two workdays; Patch Tuesday 2026-05-12 falls inside windows of 9+ days, earlier windows see
the patched builds) and is ``--days`` long. ``--knobs`` prints the seed's drawn knobs on stderr.

The fleet
---------
Hosts: workstations, developer workstations and servers. Each host has an OS build (4 builds drawn per
seed: the build sets the hash of every inbox binary), a hardware vendor (Dell/HP/Lenovo/ASUS/other: OEM
helper software), a primary user, and whether it trusts the organisation's internal root CA.

Benign software (label ``benign``):

* ``windows_inbox`` - System32/SysWOW64/WinSxS binaries signed "Microsoft Windows" / "Microsoft Windows
  Publisher", hash per OS build, partly re-hashed by the Patch Tuesday roll-out (host lag ~ exponential).
  Noisy inbox binaries are thinned by a per-seed factor.
* ``mainstream_app`` - ~60 widespread products (browsers, Office, Teams, OneDrive, Zoom, Slack, Webex,
  Acrobat, VPN/EDR agents, Defender platform in ProgramData, OEM helpers, Java, Git ...), several installed
  per user under AppData (Teams classic, OneDrive, Zoom, Slack, Discord, Spotify, VS Code, Python) with their
  updaters, and their real certificate quirks: signer != pe.company after acquisitions/renames (Broadcom for
  VMware, Cloud Software Group for Citrix, Zoom Communications, Cisco WebEx LLC), one version update rolled
  out mid-window per product with probability ~0.5.
* ``niche_vendor`` - a long tail of synthetic vendors (count ~ U(0.3, 1.0) x hosts + 20..60), 1-3 binaries
  each (main program, updater/helper/service/tray), host coverage lognormal (median 1-3 hosts, a few on
  10 %+), 12 % server-only. Install location weights: Program Files 38, Program Files (x86) 12,
  ProgramData 16, AppData\\Local\\Programs 16, AppData\\Roaming 9, C:\\<Product> 6, Users\\Public 3.
  Signature mix drawn per seed (Dirichlet) around: unsigned U(12, 32) %, of the signed trusted ~72 %,
  expired before the window ~12 % of signed, expiring mid-window ~5 %, errorChaining ~4 %, untrusted root
  ~3 %, revoked (vendor breach) ~1 %, bad digest / revocation-offline errors ~1 %. ~8 % have pe.company !=
  signer (former name, parent company, OEM), ~5 % are renamed (original_file_name differs).
* ``internal_pki`` - 3-9 tools signed by the organisation's CA ("<Org> IT Operations"...), trusted on hosts
  with the internal root, errorUntrustedRoot on the rest (share U(0.03, 0.35)); logon-script helpers in
  ProgramData launched by wscript/cscript/cmd, helpdesk tools in AppData; one legacy tool whose old internal
  certificate has expired.
* ``dev_build`` - developer hosts (share U(0.02, 0.12)) each with 1-3 projects, U(0.2, 3) builds per
  workday per project, a new hash per build run 1-8 times on that one host; unsigned (~55 %), self-signed
  test certificate (errorUntrustedRoot, or trusted where the developer installed the test root), or the
  internal CA. Output in source\\repos, C:\\dev, AppData\\Local\\Temp, AppData\\Local.
* ``portable_tool`` - admin/power-user tools run from Downloads (PuTTY, WinSCP, Sysinternals, Rufus, CPU-Z,
  HWiNFO, Process Hacker with its expired certificate, old AnyDesk builds on a revoked certificate ...),
  some renamed "x (1).exe".
* ``installer`` - per-user and downloaded installers in Downloads / Temp (setup.exe, ChromeSetup.exe,
  niche vendors' setup programs incl. expired-certificate ones), launched by explorer, browsers, msiexec or
  cmd; Inno-style unsigned ``is-XXXXX.tmp`` children in Temp (35 %). Rate U(0.03, 0.3) per
  workstation-workday; half mainstream installers (4 versions each, same hash on every host), half niche
  vendors' setup programs (with the vendor's certificate, expired ones included); 10 % renamed "x (1).exe".
* ``oneoff_download`` - freeware/shareware/vendor utilities one user downloads and runs (one hash, one host,
  1-4 runs): a new vendor or an individual developer each time; Downloads, Downloads\\<tool>, Temp, a
  zip opened in Temp (``Temp1_x.zip``), Desktop; status mix per seed around trusted 70 / expired 12 /
  untrusted root 3 / chaining 2 / unsigned 25; parent explorer, browsers, 7-Zip or cmd. Rate U(0.03, 0.15)
  per workstation-day (weekends 30 %).
* ``deployment`` - 2-8 software deployment packages per seed (SCCM ccmcache, Intune IMECache, ProgramData
  or Windows\\Temp staging), one wave over 1-3 days to 15-100 % of hosts, run by cmd/powershell/CcmExec/
  AgentExecutor as SYSTEM.
* mid-window certificate events: with probability 0.6 one benign niche vendor's certificate is revoked
  mid-window (vendor breach, AnyDesk-style), and the mid-window expiries above.

Malicious (label ``malicious``), count: 1-4 attacks (p = .35/.35/.2/.1) for fleets of at most 50 hosts,
with at most 2 hashes per campaign there, else
clip(Poisson(hosts / U(30, 80)) + 1, 2, 25); scenario mix Dirichlet-drawn per seed over:

* ``stolen_vendor_cert_revoked`` - a small hardware/game/software vendor's certificate (half the time a
  vendor whose own software the fleet runs), revoked before the window or mid-window (then the vendor's
  benign binaries flip to errorRevoked as well);
* ``stolen_vendor_cert_trusted`` - same, not (yet) revoked: status trusted;
* ``shell_company_cert`` - a certificate bought for a front company ("... LIMITED", "OOO ...", "... ApS"),
  trusted (45 %), revoked mid-window after reports (35 %) or already revoked (20 %);
* ``self_signed_impostor`` - a self-signed certificate naming an allow-listed publisher (Microsoft
  Corporation, Google LLC, Adobe Inc., Intel Corporation ...): errorUntrustedRoot/errorChaining, missed by
  the seed rule's allow-list;
* ``leaked_expired_cert`` - an old leaked certificate (NVIDIA Corporation as in the LAPSUS$ leak, or an
  expired vendor certificate): errorExpired;
* ``supply_chain_signed`` - a trojanised update signed with an OEM's real certificate (ShadowHammer-like),
  trusted, in Program Files, missed by the seed rule.

Each attack is a campaign of 1 (~50 %), 2-4 (~35 %) or 5-10 (~15 %) near-identical hashes under one
certificate; each hash runs on 1 host (~60 %), 2-3 (~25 %) or 4-8 hosts (lateral movement, parents
services.exe / WmiPrvSE.exe, user SYSTEM). Arrival ~ Beta(2.5, 1.3) over the window (later rather than
earlier). ~30 % persist (scheduled task / Run key: runs daily or at logon). Locations (one per campaign, 30 % of
later builds draw again): AppData Roaming/Local, Temp, Windows\\Temp, ProgramData, Users\\Public, Downloads
(~85 %), else C:\\Windows\\Tasks, C:\\PerfLogs, C:\\Intel, C:\\Program Files\\<vendor>, C:\\Users\\<user>
(outside the seed rule's paths); supply-chain builds sit in the OEM's Program Files (x86) folder. Names: imitating widespread
software (~40 %), consistent with the signer (~30 %) or generic. ~35 % renamed (original_file_name
differs), pe.company claiming a known vendor ~25 %. Parents: Office apps, browsers, explorer, script hosts,
LOLBins (rundll32, mshta, regsvr32), svchost (tasks), services.exe.

Volumes: a host starts ~50-165 processes per workday (10th-90th percentile, median ~120; interactive
starts on weekends ~20 % of a workday's), servers fewer interactive ones. Measured on the author's machine
(2 shared cores): 400 hosts x 14 days, seed 1: 614,026 events, 3,446 hashes (46 malicious), 29 s, 170 MB
RSS, 222 MB gzip; 1000 hosts x 30 days, seed 9: 3.40 M events, 3 min 13 s, 710 MB RSS.

Known shortcomings: no parent/child causality beyond one level; command lines are mostly static; signer
and status are the same for a hash on every host except for internal PKI (per-host root) and mid-window
changes; no DLL sideloading or unsigned second stages (the labels are about signed executables).
"""
from __future__ import annotations

import argparse
import base64
import csv
import gzip
import hashlib
import io
import json
import math
import os
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np

WINDOW_END = datetime(2026, 5, 21, 0, 0, 0, tzinfo=timezone.utc)
PATCH_TUESDAY = datetime(2026, 5, 12, 17, 0, 0, tzinfo=timezone.utc)
DAY = 86400.0

# --------------------------------------------------------------------------------------------- helpers

SEED = 0


def h256(*parts) -> str:
    return hashlib.sha256(("|".join(str(p) for p in (SEED,) + parts)).encode()).hexdigest()


def jdump(o) -> str:
    return json.dumps(o, separators=(",", ":"), ensure_ascii=False)


def basename(p: str) -> str:
    return p.rsplit("\\", 1)[-1]


def pick(rng, seq, p=None):
    if p is not None:
        p = np.asarray(p, dtype=float)
        p = p / p.sum()
        return seq[int(rng.choice(len(seq), p=p))]
    return seq[int(rng.integers(len(seq)))]


SYS32 = "C:\\Windows\\System32\\"
EXPLORER = "C:\\Windows\\explorer.exe"
SERVICES = SYS32 + "services.exe"
SVCHOST = SYS32 + "svchost.exe"
CMD = SYS32 + "cmd.exe"
POWERSHELL = SYS32 + "WindowsPowerShell\\v1.0\\powershell.exe"
WSCRIPT = SYS32 + "wscript.exe"
CSCRIPT = SYS32 + "cscript.exe"
RUNDLL32 = SYS32 + "rundll32.exe"
MSIEXEC = SYS32 + "msiexec.exe"
MSHTA = SYS32 + "mshta.exe"
REGSVR32 = SYS32 + "regsvr32.exe"
WMIPRVSE = SYS32 + "wbem\\WmiPrvSE.exe"
TASKHOSTW = SYS32 + "taskhostw.exe"
USERINIT = SYS32 + "userinit.exe"
SEARCHIDX = SYS32 + "SearchIndexer.exe"
CHROME = "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"
MSEDGE = "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe"
FIREFOX = "C:\\Program Files\\Mozilla Firefox\\firefox.exe"
OFFICE = "C:\\Program Files\\Microsoft Office\\root\\Office16\\"
WINWORD = OFFICE + "WINWORD.EXE"
EXCEL = OFFICE + "EXCEL.EXE"
OUTLOOK = OFFICE + "OUTLOOK.EXE"
CCMEXEC = "C:\\Windows\\CCM\\CcmExec.exe"
AGENTEXEC = "C:\\Program Files (x86)\\Microsoft Intune Management Extension\\AgentExecutor.exe"
DEVENV = "C:\\Program Files\\Microsoft Visual Studio\\2022\\Professional\\Common7\\IDE\\devenv.exe"
VSCODE = "C:\\Users\\{u}\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe"
WINTERM = "C:\\Program Files\\WindowsApps\\Microsoft.WindowsTerminal_1.21.2911.0_x64__8wekyb3d8bbwe\\WindowsTerminal.exe"
SEVENZIP = "C:\\Program Files\\7-Zip\\7zFM.exe"

MS = "Microsoft Corporation"
MW = "Microsoft Windows"
MWP = "Microsoft Windows Publisher"

# Elastic status -> Sysmon (Signed, Signature?, SignatureStatus)
SYSMON_STATUS = {
    "trusted": ("true", "Valid"),
    "errorExpired": ("true", "Expired"),
    "errorRevoked": ("true", "Revoked"),
    "errorUntrustedRoot": ("true", "A certificate chain processed, but terminated in a root certificate "
                                   "which is not trusted by the trust provider."),
    "errorChaining": ("true", "A certificate chain could not be built to a trusted root authority."),
    "errorBadDigest": ("failed: Invalid hash", None),
    "errorCode_endpoint: 0x80092013": ("true", "The revocation function was unable to check revocation "
                                               "because the revocation server was offline."),
}


# --------------------------------------------------------------------------------------------- model

@dataclass
class Cert:
    subject: str
    key: str
    status0: str = "trusted"          # status before change_t
    change_t: float | None = None     # seconds from window start
    status1: str | None = None
    internal: bool = False            # chains to the organisation's root (untrusted where absent)
    dev_trusted_host: int = -1        # a test root installed on this host only

    @property
    def thumb(self) -> str:
        return h256("cert", self.key, self.subject)

    def status(self, host, t: float) -> str:
        s = self.status0
        if self.change_t is not None and t >= self.change_t:
            s = self.status1
        if s == "trusted" and self.internal and not host.internal_root:
            s = "errorUntrustedRoot"
        if s == "errorUntrustedRoot" and self.dev_trusted_host == host.idx:
            s = "trusted"
        return s


@dataclass
class Binary:
    key: str
    path: str                 # may contain {u}
    cert: Cert | None
    label: str
    scenario: str
    description: str
    company: str = ""
    product: str = ""
    desc: str = ""
    version: str = "1.0.0.0"
    ofn: str | None = None
    parents: list = field(default_factory=lambda: [(EXPLORER, 1.0)])
    system: bool = False      # runs as SYSTEM
    args: str = ""
    idx: int = -1

    def __post_init__(self):
        self.sha256 = h256("bin", self.key)
        self.sha1 = hashlib.sha1(self.sha256.encode()).hexdigest()
        self.md5 = hashlib.md5(self.sha256.encode()).hexdigest()
        if self.ofn is None:
            self.ofn = basename(self.path)


@dataclass
class Host:
    idx: int
    name: str
    hid: str
    kind: str                 # ws / dev / srv
    user: str
    build: int
    hw: str
    internal_root: bool
    ip: str
    mac: str


OS_BUILDS = [  # (name, version, kernel, full)
    ("Windows 11 Enterprise", "23H2", "22631.{}", "Windows 11 Enterprise 23H2 (10.0.22631.{})", 22631),
    ("Windows 11 Enterprise", "24H2", "26100.{}", "Windows 11 Enterprise 24H2 (10.0.26100.{})", 26100),
    ("Windows 10 Enterprise", "22H2", "19045.{}", "Windows 10 Enterprise 22H2 (10.0.19045.{})", 19045),
    ("Windows 11 Pro", "24H2", "26100.{}", "Windows 11 Pro 24H2 (10.0.26100.{})", 26100),
]
SRV_BUILDS = [
    ("Windows Server 2022 Standard", "21H2", "20348.{}", "Windows Server 2022 Standard 21H2 (10.0.20348.{})", 20348),
    ("Windows Server 2019 Datacenter", "1809", "17763.{}", "Windows Server 2019 Datacenter 1809 (10.0.17763.{})", 17763),
]

FIRST = ["anna", "ben", "carla", "dmitri", "eva", "farid", "greta", "hugo", "ines", "jonas", "kemal", "lena",
         "marco", "nora", "oskar", "priya", "quentin", "rosa", "sven", "tanja", "umar", "vera", "wei", "xenia",
         "yusuf", "zoe", "amir", "bea", "chen", "dana", "emil", "fatima", "gil", "hana", "ivan", "julia"]
LAST = ["meyer", "smith", "kowalski", "rossi", "nguyen", "garcia", "jansen", "olsen", "novak", "schmidt",
        "brown", "costa", "dubois", "yilmaz", "tanaka", "khan", "berg", "weber", "moreau", "silva", "lund"]
ORGS = ["Contoso", "Fabrikam", "Northwind", "Tailspin", "Woodgrove", "Litware", "Proseware", "Fourth Coffee",
        "Alpine Ski House", "Wingtip", "Lamna", "Relecloud"]

# --------------------------------------------------------------------------------------------- inbox

# name, relative path, signer, ws rate/day, srv rate/day, parents, system, noisy
INBOX = [
    ("svchost.exe", SYS32 + "svchost.exe", MWP, 10, 12, [(SERVICES, 1)], True, True),
    ("conhost.exe", SYS32 + "conhost.exe", MW, 8, 10, [(CMD, 3), (POWERSHELL, 2), (SVCHOST, 1)], False, True),
    ("RuntimeBroker.exe", SYS32 + "RuntimeBroker.exe", MW, 5, 0.5, [(SVCHOST, 1)], False, True),
    ("backgroundTaskHost.exe", SYS32 + "backgroundTaskHost.exe", MW, 6, 1, [(SVCHOST, 1)], False, True),
    ("taskhostw.exe", SYS32 + "taskhostw.exe", MW, 3, 3, [(SVCHOST, 1)], False, True),
    ("dllhost.exe", SYS32 + "dllhost.exe", MW, 5, 3, [(SVCHOST, 1)], False, True),
    ("SearchProtocolHost.exe", SYS32 + "SearchProtocolHost.exe", MW, 7, 2, [(SEARCHIDX, 1)], True, True),
    ("SearchFilterHost.exe", SYS32 + "SearchFilterHost.exe", MW, 4, 1, [(SEARCHIDX, 1)], True, True),
    ("WmiPrvSE.exe", SYS32 + "wbem\\WmiPrvSE.exe", MW, 3, 5, [(SVCHOST, 1)], True, True),
    ("smartscreen.exe", SYS32 + "smartscreen.exe", MW, 1.5, 0.1, [(SVCHOST, 1)], False, True),
    ("MoUsoCoreWorker.exe", SYS32 + "MoUsoCoreWorker.exe", MW, 1, 1, [(SVCHOST, 1)], True, True),
    ("cmd.exe", SYS32 + "cmd.exe", MW, 2, 3, [(EXPLORER, 2), (SVCHOST, 1), (SERVICES, 0.5), (CCMEXEC, 0.5)], False, False),
    ("powershell.exe", POWERSHELL, MW, 1.2, 3, [(EXPLORER, 1), (CMD, 1), (SVCHOST, 1), (WMIPRVSE, 0.3)], False, False),
    ("rundll32.exe", SYS32 + "rundll32.exe", MW, 2, 1, [(SVCHOST, 2), (EXPLORER, 1)], False, False),
    ("msiexec.exe", SYS32 + "msiexec.exe", MW, 0.5, 0.3, [(SERVICES, 2), (EXPLORER, 1)], True, False),
    ("schtasks.exe", SYS32 + "schtasks.exe", MW, 0.3, 0.5, [(CMD, 1), (POWERSHELL, 1)], False, False),
    ("reg.exe", SYS32 + "reg.exe", MW, 0.3, 0.5, [(CMD, 1)], False, False),
    ("sc.exe", SYS32 + "sc.exe", MW, 0.2, 0.5, [(CMD, 1)], False, False),
    ("wermgr.exe", SYS32 + "wermgr.exe", MW, 0.4, 0.3, [(SVCHOST, 1)], True, False),
    ("sihost.exe", SYS32 + "sihost.exe", MW, 0.4, 0.1, [(SVCHOST, 1)], False, False),
    ("ctfmon.exe", SYS32 + "ctfmon.exe", MW, 0.4, 0.1, [(SVCHOST, 1)], False, False),
    ("userinit.exe", SYS32 + "userinit.exe", MW, 0.3, 0.1, [(SYS32 + "winlogon.exe", 1)], False, False),
    ("explorer.exe", "C:\\Windows\\explorer.exe", MWP, 0.3, 0.1, [(USERINIT, 1)], False, False),
    ("CompatTelRunner.exe", SYS32 + "CompatTelRunner.exe", MW, 0.4, 0.4, [(SVCHOST, 1)], True, False),
    ("gpupdate.exe", SYS32 + "gpupdate.exe", MW, 0.2, 0.2, [(CMD, 1), (SVCHOST, 1)], False, False),
    ("gpscript.exe", SYS32 + "gpscript.exe", MW, 0.3, 0.1, [(SVCHOST, 1)], False, False),
    ("notepad.exe", SYS32 + "notepad.exe", MW, 0.5, 0.2, [(EXPLORER, 1)], False, False),
    ("mmc.exe", SYS32 + "mmc.exe", MW, 0.1, 0.5, [(EXPLORER, 1)], False, False),
    ("Taskmgr.exe", SYS32 + "Taskmgr.exe", MW, 0.2, 0.2, [(EXPLORER, 1)], False, False),
    ("mstsc.exe", SYS32 + "mstsc.exe", MW, 0.2, 0.2, [(EXPLORER, 1)], False, False),
    ("net.exe", SYS32 + "net.exe", MW, 0.1, 0.3, [(CMD, 1), (POWERSHELL, 1)], False, False),
    ("ipconfig.exe", SYS32 + "ipconfig.exe", MW, 0.1, 0.2, [(CMD, 1)], False, False),
    ("whoami.exe", SYS32 + "whoami.exe", MW, 0.03, 0.05, [(CMD, 1), (POWERSHELL, 1)], False, False),
    ("wscript.exe", SYS32 + "wscript.exe", MW, 0.15, 0.05, [(EXPLORER, 1), (USERINIT, 1)], False, False),
    ("cscript.exe", SYS32 + "cscript.exe", MW, 0.2, 0.3, [(CMD, 1), (SVCHOST, 1)], False, False),
    ("SecurityHealthService.exe", SYS32 + "SecurityHealthService.exe", MW, 0.2, 0.2, [(SERVICES, 1)], True, False),
    ("DeviceCensus.exe", SYS32 + "DeviceCensus.exe", MW, 0.2, 0.2, [(SVCHOST, 1)], True, False),
    ("consent.exe", SYS32 + "consent.exe", MW, 0.3, 0.1, [(SVCHOST, 1)], True, False),
    ("TiWorker.exe", "C:\\Windows\\WinSxS\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.{b}.1_none_5a2f7b0b7d4c9e3a\\TiWorker.exe", MW, 0.5, 0.5, [(SVCHOST, 1)], True, False),
    ("OpenWith.exe", SYS32 + "OpenWith.exe", MW, 0.1, 0.0, [(SVCHOST, 1)], False, False),
    ("SnippingTool.exe", SYS32 + "SnippingTool.exe", MW, 0.2, 0.0, [(EXPLORER, 1)], False, False),
    ("PING.EXE", SYS32 + "PING.EXE", MW, 0.05, 0.2, [(CMD, 1)], False, False),
]

# ----------------------------------------------------------------------------------------- mainstream
# key, path, signer, company, product, ws coverage, srv coverage, rate/day, parents, system, ofn
L = "C:\\Users\\{u}\\AppData\\Local\\"
R = "C:\\Users\\{u}\\AppData\\Roaming\\"
PF = "C:\\Program Files\\"
PF86 = "C:\\Program Files (x86)\\"
PD = "C:\\ProgramData\\"
MAINSTREAM = [
    ("chrome", CHROME, "Google LLC", "Google LLC", "Google Chrome", 0.8, 0.05, 18, [(EXPLORER, 3), (CHROME, 6)], False, None),
    ("chrome_user", L + "Google\\Chrome\\Application\\chrome.exe", "Google LLC", "Google LLC", "Google Chrome", 0.04, 0, 15, [(EXPLORER, 1)], False, None),
    ("googleupdater", PF86 + "Google\\GoogleUpdater\\131.0.6724.0\\updater.exe", "Google LLC", "Google LLC", "Google Updater", 0.8, 0.05, 2, [(SVCHOST, 1), (SERVICES, 1)], True, None),
    ("googleupdate_user", L + "Google\\Update\\GoogleUpdate.exe", "Google LLC", "Google LLC", "Google Update", 0.06, 0, 2, [(SVCHOST, 1)], False, None),
    ("msedge", MSEDGE, MS, MS, "Microsoft Edge", 1.0, 0.5, 8, [(EXPLORER, 2), (MSEDGE, 5)], False, None),
    ("webview2", PF86 + "Microsoft\\EdgeWebView\\Application\\131.0.2903.86\\msedgewebview2.exe", MS, MS, "Microsoft Edge WebView2", 0.95, 0.2, 8, [(EXPLORER, 1)], False, None),
    ("edgeupdate", PF86 + "Microsoft\\EdgeUpdate\\MicrosoftEdgeUpdate.exe", MS, MS, "Microsoft Edge Update", 1.0, 0.6, 2, [(SVCHOST, 1)], True, None),
    ("firefox", FIREFOX, "Mozilla Corporation", "Mozilla Corporation", "Firefox", 0.18, 0.02, 10, [(EXPLORER, 1), (FIREFOX, 3)], False, None),
    ("ff_maint", PF86 + "Mozilla Maintenance Service\\maintenanceservice.exe", "Mozilla Corporation", "Mozilla Foundation", "Firefox", 0.18, 0.02, 0.3, [(SERVICES, 1)], True, None),
    ("winword", WINWORD, MS, MS, "Microsoft Office", 0.92, 0.02, 2.5, [(EXPLORER, 2), (OUTLOOK, 1)], False, None),
    ("excel", EXCEL, MS, MS, "Microsoft Office", 0.92, 0.02, 3, [(EXPLORER, 2), (OUTLOOK, 1)], False, None),
    ("outlook", OUTLOOK, MS, MS, "Microsoft Office", 0.92, 0.0, 1.5, [(EXPLORER, 1)], False, None),
    ("powerpnt", OFFICE + "POWERPNT.EXE", MS, MS, "Microsoft Office", 0.85, 0.0, 0.6, [(EXPLORER, 1), (OUTLOOK, 1)], False, None),
    ("c2r", PF + "Common Files\\microsoft shared\\ClickToRun\\OfficeClickToRun.exe", MS, MS, "Microsoft Office", 0.92, 0.02, 1, [(SERVICES, 1)], True, None),
    ("teams_new", PF + "WindowsApps\\MSTeams_24295.605.3225.8804_x64__8wekyb3d8bbwe\\ms-teams.exe", MS, MS, "Microsoft Teams", 0.75, 0.0, 4, [(EXPLORER, 1), (SVCHOST, 1)], False, None),
    ("teams_classic", L + "Microsoft\\Teams\\current\\Teams.exe", MS, MS, "Microsoft Teams", 0.12, 0.0, 6, [(EXPLORER, 1), (L + "Microsoft\\Teams\\Update.exe", 1)], False, None),
    ("teams_update", L + "Microsoft\\Teams\\Update.exe", MS, MS, "Microsoft Teams", 0.12, 0.0, 1, [(EXPLORER, 1)], False, "Squirrel.exe"),
    ("onedrive", L + "Microsoft\\OneDrive\\OneDrive.exe", MS, MS, "Microsoft OneDrive", 0.85, 0.0, 1.5, [(EXPLORER, 1)], False, None),
    ("onedrive_upd", L + "Microsoft\\OneDrive\\OneDriveStandaloneUpdater.exe", MS, MS, "Microsoft OneDrive", 0.85, 0.0, 1, [(SVCHOST, 1)], False, None),
    ("filecoauth", L + "Microsoft\\OneDrive\\24.201.1006.0005\\FileCoAuth.exe", MS, MS, "Microsoft OneDrive", 0.8, 0.0, 2, [(SVCHOST, 1)], False, None),
    ("zoom", R + "Zoom\\bin\\Zoom.exe", "Zoom Communications, Inc.", "Zoom Video Communications, Inc.", "Zoom", 0.3, 0.0, 2, [(EXPLORER, 1), (CHROME, 1), (MSEDGE, 1)], False, None),
    ("slack", L + "slack\\app-4.41.105\\slack.exe", "Slack Technologies, LLC", "Slack Technologies Inc.", "Slack", 0.15, 0.0, 6, [(EXPLORER, 1), (L + "slack\\slack.exe", 2)], False, None),
    ("webex", L + "CiscoSparkLauncher\\CiscoCollabHost.exe", "Cisco WebEx LLC", "Cisco Systems, Inc.", "Webex", 0.1, 0.0, 2, [(EXPLORER, 1)], False, None),
    ("acrobat", PF + "Adobe\\Acrobat DC\\Acrobat\\Acrobat.exe", "Adobe Inc.", "Adobe Systems Incorporated", "Adobe Acrobat", 0.7, 0.05, 1.5, [(EXPLORER, 2), (OUTLOOK, 1), (CHROME, 0.5)], False, None),
    ("adobearm", PF86 + "Common Files\\Adobe\\ARM\\1.0\\AdobeARM.exe", "Adobe Inc.", "Adobe Inc.", "Adobe Reader and Acrobat Manager", 0.7, 0.05, 0.5, [(SVCHOST, 1)], False, None),
    ("acrocef", PF + "Adobe\\Acrobat DC\\Acrobat\\acrocef_1\\AcroCEF.exe", "Adobe Inc.", "Adobe Inc.", "Adobe Acrobat", 0.7, 0.05, 4, [(PF + "Adobe\\Acrobat DC\\Acrobat\\Acrobat.exe", 1)], False, None),
    ("globalprotect", PF + "Palo Alto Networks\\GlobalProtect\\PanGPA.exe", "Palo Alto Networks", "Palo Alto Networks", "GlobalProtect", 0.0, 0.0, 1, [(EXPLORER, 1)], False, None),
    ("anyconnect", PF86 + "Cisco\\Cisco Secure Client\\UI\\csc_ui.exe", "Cisco Systems, Inc.", "Cisco Systems, Inc.", "Cisco Secure Client", 0.0, 0.0, 1, [(EXPLORER, 1)], False, None),
    ("elastic_endpoint", PF + "Elastic\\Endpoint\\elastic-endpoint.exe", "Elasticsearch, Inc.", "Elasticsearch, Inc.", "Elastic Endpoint", 1.0, 1.0, 0.3, [(SERVICES, 1)], True, None),
    ("elastic_agent", PF + "Elastic\\Agent\\elastic-agent.exe", "Elasticsearch B.V.", "Elastic", "Elastic Agent", 1.0, 1.0, 0.4, [(SERVICES, 1)], True, None),
    ("msmpeng", PD + "Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MsMpEng.exe", MS, MS, "Microsoft Defender", 1.0, 1.0, 0.2, [(SERVICES, 1)], True, None),
    ("mpcmdrun", PD + "Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MpCmdRun.exe", MS, MS, "Microsoft Defender", 1.0, 1.0, 1.5, [(PD + "Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MsMpEng.exe", 1), (SVCHOST, 1)], True, None),
    ("nissrv", PD + "Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\NisSrv.exe", MS, MS, "Microsoft Defender", 1.0, 1.0, 0.2, [(SERVICES, 1)], True, None),
    ("ime", PF86 + "Microsoft Intune Management Extension\\Microsoft.Management.Services.IntuneWindowsAgent.exe", MS, MS, "Intune", 0.0, 0.0, 0.3, [(SERVICES, 1)], True, None),
    ("agentexec", AGENTEXEC, MS, MS, "Intune", 0.0, 0.0, 1, [(PF86 + "Microsoft Intune Management Extension\\Microsoft.Management.Services.IntuneWindowsAgent.exe", 1)], True, None),
    ("ccmexec", CCMEXEC, MS, MS, "Configuration Manager", 0.0, 0.0, 0.3, [(SERVICES, 1)], True, None),
    ("sevenzip", SEVENZIP, None, "Igor Pavlov", "7-Zip", 0.35, 0.3, 0.3, [(EXPLORER, 1)], False, None),
    ("npp", PF + "Notepad++\\notepad++.exe", "Notepad++", "Don HO don.h@free.fr", "Notepad++", 0.3, 0.4, 0.8, [(EXPLORER, 1)], False, None),
    ("java", PF + "Java\\jre-1.8\\bin\\javaw.exe", "Oracle America, Inc.", "Oracle Corporation", "Java Platform SE 8", 0.12, 0.1, 1, [(EXPLORER, 1), (CMD, 1)], False, None),
    ("citrix", PF86 + "Citrix\\ICA Client\\SelfServicePlugin\\SelfService.exe", "Cloud Software Group, Inc.", "Citrix Systems, Inc.", "Citrix Workspace", 0.15, 0.0, 1, [(EXPLORER, 1)], False, None),
    ("horizon", PF86 + "VMware\\VMware Horizon View Client\\vmware-view.exe", "Broadcom Inc.", "VMware, Inc.", "VMware Horizon Client", 0.06, 0.0, 1, [(EXPLORER, 1)], False, None),
    ("vmtools", PF + "VMware\\VMware Tools\\vmtoolsd.exe", "Broadcom Inc.", "VMware, Inc.", "VMware Tools", 0.0, 0.7, 0.5, [(SERVICES, 1)], True, None),
    ("git", PF + "Git\\cmd\\git.exe", "Johannes Schindelin", "The Git Development Community", "Git", 0.05, 0.05, 3, [(CMD, 1), (VSCODE, 1)], False, None),
    ("spotify", R + "Spotify\\Spotify.exe", "Spotify AB", "Spotify Ltd", "Spotify", 0.06, 0.0, 3, [(EXPLORER, 1)], False, None),
    ("discord", L + "Discord\\app-1.0.9173\\Discord.exe", "Discord Inc.", "Discord Inc.", "Discord", 0.03, 0.0, 3, [(L + "Discord\\Update.exe", 1)], False, None),
    ("grammarly", L + "Grammarly\\DesktopIntegrations\\Grammarly.Desktop.exe", "Grammarly, Inc.", "Grammarly", "Grammarly for Windows", 0.05, 0.0, 1, [(EXPLORER, 1)], False, None),
    ("zscaler", PF + "Zscaler\\ZSATray\\ZSATray.exe", "Zscaler, Inc.", "Zscaler Inc.", "Zscaler Client Connector", 0.0, 0.0, 0.8, [(EXPLORER, 1)], False, None),
    ("snagit", PF + "TechSmith\\Snagit 2024\\SnagitCapture.exe", "TechSmith Corporation", "TechSmith Corporation", "Snagit", 0.08, 0.0, 1, [(EXPLORER, 1)], False, None),
    ("keepass", PF + "KeePass Password Safe 2\\KeePass.exe", "Dominik Reichl", "Dominik Reichl", "KeePass", 0.06, 0.05, 1, [(EXPLORER, 1)], False, None),
    ("gdrive", PF + "Google\\Drive File Stream\\103.0.3.0\\GoogleDriveFS.exe", "Google LLC", "Google, Inc.", "Google Drive", 0.07, 0.0, 3, [(EXPLORER, 1)], False, None),
    ("logi", PF + "LogiOptionsPlus\\logioptionsplus_agent.exe", "Logitech Inc", "Logitech, Inc.", "Logi Options+", 0.15, 0.0, 0.5, [(SERVICES, 1)], True, None),
    ("python_user", L + "Programs\\Python\\Python312\\python.exe", "Python Software Foundation", "Python Software Foundation", "Python", 0.03, 0.02, 4, [(CMD, 1), (VSCODE, 1)], False, None),
    ("vscode", VSCODE, MS, MS, "Visual Studio Code", 0.06, 0.0, 3, [(EXPLORER, 1)], False, None),
    ("veeam", PF + "Veeam\\Endpoint Backup\\Veeam.EndPoint.Service.exe", "Veeam Software Group GmbH", "Veeam Software Group GmbH", "Veeam Agent", 0.0, 0.5, 0.3, [(SERVICES, 1)], True, None),
]
# per-host-kind extras for VPN / management (decided per seed)
OEM = {
    "Dell": [("dell_sa", PF + "Dell\\SupportAssistAgent\\bin\\SupportAssistAgent.exe", "Dell Inc", "Dell Inc.", "SupportAssist", 0.5, [(SERVICES, 1)], True),
             ("dell_cmd", PF86 + "Dell\\CommandUpdate\\dcu-cli.exe", "Dell Inc", "Dell Technologies", "Dell Command | Update", 0.3, [(SVCHOST, 1)], True)],
    "HP": [("hp_sa", PF86 + "HP\\HP Support Framework\\HPSF.exe", "HP Inc.", "HP Inc.", "HP Support Assistant", 0.5, [(EXPLORER, 1)], False),
           ("hp_hotkey", PF + "HP\\HP Hotkey UWP Service\\HotKeyServiceUWP.exe", "HP Inc.", "HP Development Company, L.P.", "HP Hotkey Support", 0.5, [(SERVICES, 1)], True)],
    "Lenovo": [("len_vantage", PF86 + "Lenovo\\VantageService\\4.1.40.0\\LenovoVantageService.exe", "Lenovo", "Lenovo Group Ltd.", "Lenovo Vantage", 0.6, [(SERVICES, 1)], True),
               ("len_hotkeys", PF86 + "Lenovo\\ImController\\Plugins\\LenovoBatteryGaugePackage\\x64\\BGHelper.exe", "Lenovo", "Lenovo", "ImController", 0.6, [(SVCHOST, 1)], False)],
    "ASUS": [("asus_lu", PF86 + "ASUS\\ASUS Live Update\\LiveUpdate.exe", "ASUSTeK Computer Inc.", "ASUSTeK Computer Inc.", "ASUS Live Update", 0.4, [(SVCHOST, 1)], True),
             ("asus_armoury", PF + "ASUS\\ARMOURY CRATE Lite Service\\ArmouryCrate.Service.exe", "ASUSTeK COMPUTER INC.", "ASUSTeK COMPUTER INC.", "Armoury Crate", 0.5, [(SERVICES, 1)], True)],
    "other": [],
}
DRIVER_HELPERS = [
    ("igfx", SYS32 + "DriverStore\\FileRepository\\iigd_dch.inf_amd64_8f3e4e1d2c5b7a90\\igfxEM.exe", "Intel Corporation", "Intel Corporation", "Intel Graphics", 0.55, [(SVCHOST, 1)], False),
    ("nvcontainer", PF + "NVIDIA Corporation\\Display.NvContainer\\NVDisplay.Container.exe", "NVIDIA Corporation", "NVIDIA Corporation", "NVIDIA Container", 0.15, [(SERVICES, 1)], True),
    ("rtkaud", SYS32 + "DriverStore\\FileRepository\\realtekservice.inf_amd64_0a9c1f5e7b3d2e41\\RtkAudUService64.exe", "Realtek Semiconductor Corp", "Realtek Semiconductor", "Realtek Audio Universal Service", 0.45, [(SERVICES, 1)], True),
    ("synaptics", PF + "Synaptics\\SynTP\\SynTPEnh.exe", "Synaptics Incorporated", "Synaptics Incorporated", "Synaptics Pointing Device Driver", 0.15, [(EXPLORER, 1)], False),
]

PORTABLE = [  # name, signer, company, status, ofn
    ("putty.exe", "Simon Tatham", "Simon Tatham", "trusted", None),
    ("WinSCP.exe", "Martin Prikryl", "Martin Prikryl", "trusted", None),
    ("procexp64.exe", MS, "Sysinternals - www.sysinternals.com", "trusted", "procexp.exe"),
    ("Procmon64.exe", MS, "Sysinternals - www.sysinternals.com", "trusted", "procmon.exe"),
    ("Autoruns64.exe", MS, "Sysinternals - www.sysinternals.com", "trusted", "autoruns.exe"),
    ("rufus-4.5.exe", "Akeo Consulting", "Akeo Consulting", "trusted", "rufus.exe"),
    ("cpuz_x64.exe", "CPUID S.A.R.L.U.", "CPUID", "trusted", "cpuz.exe"),
    ("HWiNFO64.exe", "Martin Malik - REALiX", "Martin Malik - REALiX", "trusted", None),
    ("ProcessHacker.exe", "Wen Jia Liu", "wj32", "errorExpired", None),
    ("AnyDesk.exe", "philandro Software GmbH", "AnyDesk Software GmbH", "errorRevoked", None),
    ("TeamViewerQS_x64.exe", "TeamViewer Germany GmbH", "TeamViewer Germany GmbH", "trusted", "TeamViewer.exe"),
    ("TreeSizeFree.exe", "JAM Software GmbH", "JAM Software GmbH", "trusted", None),
    ("Everything.exe", "voidtools", "voidtools", "trusted", None),
    ("windirstat.exe", None, "", None, None),
    ("iperf3.exe", None, "", None, None),
    ("nmap.exe", "Insecure.Com LLC", "Insecure.Com LLC", "trusted", None),
    ("CrystalDiskInfo.exe", "Crystal Dew World", "Crystal Dew World", "trusted", "DiskInfo.exe"),
    ("Bginfo64.exe", MS, "Sysinternals - www.sysinternals.com", "trusted", "bginfo.exe"),
    ("sqlite3.exe", None, "", None, None),
    ("mRemoteNG.exe", "mRemoteNG", "mRemoteNG", "errorExpired", None),
]

INSTALLERS = [  # name, signer, company, ofn
    ("ChromeSetup.exe", "Google LLC", "Google LLC", "mi_exe_stub.exe"),
    ("ZoomInstallerFull.exe", "Zoom Communications, Inc.", "Zoom Video Communications, Inc.", "Installer.exe"),
    ("OneDriveSetup.exe", MS, MS, None),
    ("VC_redist.x64.exe", MS, MS, "VC_redist.x64.exe"),
    ("Firefox Installer.exe", "Mozilla Corporation", "Mozilla", "setup-stub.exe"),
    ("AcroRdrDCx642400420220_MUI.exe", "Adobe Inc.", "Adobe Inc.", "AcroRdrDCx64.exe"),
    ("npp.8.7.1.Installer.x64.exe", "Notepad++", "Notepad++ Team", None),
    ("SlackSetup.exe", "Slack Technologies, LLC", "Slack Technologies Inc.", "Update.exe"),
    ("DiscordSetup.exe", "Discord Inc.", "Discord Inc.", "Update.exe"),
    ("SpotifySetup.exe", "Spotify AB", "Spotify Ltd", None),
    ("python-3.12.7-amd64.exe", "Python Software Foundation", "Python Software Foundation", None),
    ("Git-2.47.0-64-bit.exe", "Johannes Schindelin", "The Git Development Community", None),
    ("VSCodeUserSetup-x64-1.95.3.exe", MS, MS, None),
    ("TeamViewer_Setup_x64.exe", "TeamViewer Germany GmbH", "TeamViewer Germany GmbH", "TeamViewer_Setup.exe"),
    ("GoogleDriveSetup.exe", "Google LLC", "Google LLC", None),
    ("WebexBundle.exe", "Cisco WebEx LLC", "Cisco Webex LLC", None),
    ("7z2408-x64.exe", None, "Igor Pavlov", None),
    ("LogiOptionsPlusInstaller.exe", "Logitech Inc", "Logitech", None),
]

# ------------------------------------------------------------------------------------ name material
WORDS = ["Norvik", "Halcyon", "Brightline", "Kestrel", "Ardent", "Vantor", "Quillon", "Meridia", "Solvik",
         "Tessaro", "Corvane", "Lumio", "Praxa", "Oberon", "Zentry", "Ravel", "Altamira", "Fjordsen", "Kairo",
         "Nimbal", "Orison", "Pelion", "Sableway", "Trivia", "Umbria", "Veltra", "Wexford", "Yarrow", "Zephyr",
         "Aquila", "Borealis", "Castell", "Delmar", "Elara", "Ferros", "Graniq", "Helix", "Istra", "Jovian",
         "Kinetiq", "Larkin", "Mosaiq", "Nexora", "Optima", "Pallas", "Quantix", "Rhoda", "Stratos", "Tundra"]
FIELDS = ["Software", "Systems", "Technologies", "Solutions", "Labs", "Data", "Instruments", "Medical",
          "Engineering", "Metrology", "Imaging", "Logistics", "Analytics", "Automation", "Networks"]
FORMS = ["GmbH", "Ltd", "Inc.", "LLC", "B.V.", "AB", "S.A.", "Co., Ltd.", "Pty Ltd", "s.r.o.", "Oy", "A/S",
         "Corp.", "AG", "S.r.l.", "Limited"]
PNOUNS = ["Scan", "Sync", "Agent", "Viewer", "Manager", "Connect", "Studio", "Desk", "Link", "Capture", "Print",
          "Label", "CAD", "Monitor", "Client", "Console", "Bridge", "Reader", "Planner", "Tray"]
HW_VENDORS = ["Shenzhen {w} Electronic Technology Co., Ltd.", "{w} Peripheral Inc.", "{w} Gaming Gear Co., Ltd.",
              "{w} Interactive Co., Ltd.", "{w} Microsystems Corp.", "Guangzhou {w} Information Technology Co., Ltd.",
              "{w} Games GmbH", "{w} Semiconductor Corp."]
SHELL_FORMS = ["{w} {v} LIMITED", "OOO {w}", "{w} {v} ApS", "{w}-{v} LLC", "{w} Consulting Ltd", "{w} {v} s.r.o.",
               "{w} Digital Sp. z o.o.", "{w} Trade SRL", "TOV {w} {v}"]
MASQ = [  # name, claimed company, original file name, location hint
    ("OneDriveUpdater.exe", MS, "OneDriveUpdater.exe", "Microsoft\\OneDrive"),
    ("GoogleUpdate.exe", "Google LLC", "GoogleUpdate.exe", "Google\\Update"),
    ("AdobeARM.exe", "Adobe Inc.", "AdobeARM.exe", "Adobe\\ARM"),
    ("msedgeupdate.exe", MS, "MicrosoftEdgeUpdate.exe", "Microsoft\\EdgeUpdate"),
    ("Teams.exe", MS, "Teams.exe", "Microsoft\\Teams"),
    ("svchost.exe", MS, "svchost.exe", "Microsoft\\Windows"),
    ("RuntimeBroker.exe", MS, "RuntimeBroker.exe", "Microsoft\\Windows"),
    ("Zoom.exe", "Zoom Video Communications, Inc.", "Zoom.exe", "Zoom\\bin"),
    ("vmtoolsd.exe", "VMware, Inc.", "vmtoolsd.exe", "VMware"),
    ("igfxEM.exe", "Intel Corporation", "igfxEM.exe", "Intel"),
    ("SecurityHealthSystray.exe", MS, "SecurityHealthSystray.exe", "Microsoft\\Security"),
    ("slack.exe", "Slack Technologies Inc.", "slack.exe", "slack"),
    ("AcroCEF.exe", "Adobe Inc.", "AcroCEF.exe", "Adobe"),
    ("WinSCP.exe", "Martin Prikryl", "WinSCP.exe", "WinSCP"),
]
GENERIC = ["update.exe", "setup.exe", "x64.exe", "svc.exe", "helper.exe", "launcher.exe", "installer.exe",
           "client.exe", "agent.exe", "sync.exe", "tool.exe", "invoice_viewer.exe", "document.exe"]
IMPOSTOR_SUBJECTS = ["Microsoft Corporation", "Google LLC", "Adobe Inc.", "Microsoft Windows", "Intel Corporation",
                     "Mozilla Corporation", "Zoom Video Communications, Inc.", "Cisco Systems, Inc.", "VMware, Inc."]


# --------------------------------------------------------------------------------------------- builder

class Fleet:
    def __init__(self, n_hosts: int, days: int, seed: int):
        global SEED
        SEED = seed
        self.rng = np.random.default_rng(seed)
        self.n_hosts, self.days = n_hosts, days
        self.t_end = days * DAY
        self.start = WINDOW_END - timedelta(days=days)
        self.patch_t = (PATCH_TUESDAY - self.start).total_seconds()
        self.binaries: list[Binary] = []
        self.by_key: dict[str, Binary] = {}
        # assignments: bin idx, host idx, t0, t1, rate per day, kind (0 interactive, 1 flat, 2 exact times)
        self.A: list[tuple] = []
        self.exact: list[tuple] = []   # (bin, host, t, parent or None)
        self.knobs: dict = {}
        self.path_override: dict = {}   # (bin idx, host idx) -> path, for one file at several paths

    def place(self, b: Binary, host: int, path: str):
        if path != b.path:
            self.path_override[(b.idx, host)] = path

    # ------------------------------------------------------------------ registration
    def add_bin(self, b: Binary) -> Binary:
        if b.key in self.by_key:
            return self.by_key[b.key]
        b.idx = len(self.binaries)
        self.binaries.append(b)
        self.by_key[b.key] = b
        return b

    def assign(self, b: Binary, host: int, t0: float, t1: float, rate: float, kind: int = 0):
        t0, t1 = max(t0, 0.0), min(t1, self.t_end)
        if t1 > t0 and rate > 0:
            self.A.append((b.idx, host, t0, t1, rate, kind))

    def once(self, b: Binary, host: int, t: float, parent: str | None = None, user: str | None = None):
        if 0 <= t < self.t_end:
            self.exact.append((b.idx, host, t, parent, user))

    def workday_time(self, day: int) -> float:
        """A time in a working day (local ~07-19h, host in UTC+1)."""
        hour = float(np.clip(self.rng.normal(12.5, 2.8), 6.0, 21.5)) - 1.0
        return day * DAY + hour * 3600.0 + float(self.rng.uniform(0, 60))

    def is_weekend(self, day: int) -> bool:
        return (self.start + timedelta(days=day)).weekday() >= 5

    # ------------------------------------------------------------------ hosts
    def build_hosts(self):
        rng = self.rng
        n = self.n_hosts
        k = self.knobs
        k["server_share"] = float(rng.uniform(0.04, 0.15))
        k["dev_share"] = float(rng.uniform(0.02, 0.12))
        k["no_internal_root_share"] = float(rng.uniform(0.03, 0.35))
        k["org"] = pick(rng, ORGS)
        k["hw_mix"] = rng.dirichlet([4, 3, 3, 0.6, 1.0]).round(3).tolist()
        build_mix = rng.dirichlet([3, 3, 2, 0.7])
        k["vpn"] = pick(rng, ["globalprotect", "anyconnect", "zscaler"])
        k["mgmt"] = pick(rng, ["ime", "ccmexec", "both"])
        self.hosts: list[Host] = []
        prefix = pick(rng, ["WKS", "LT", "PC", "NB", k["org"][:3].upper()])
        ubr = {22631: int(rng.integers(4100, 4500)), 26100: int(rng.integers(2100, 2500)),
               19045: int(rng.integers(5000, 5300)), 20348: int(rng.integers(2700, 3000)),
               17763: int(rng.integers(6400, 6700))}
        self.ubr = ubr
        for i in range(n):
            r = rng.random()
            if i == 0:
                r = 1.0  # at least one workstation, however small the fleet
            kind = "srv" if r < k["server_share"] else ("dev" if r < k["server_share"] + k["dev_share"] else "ws")
            if kind == "srv":
                build = int(rng.integers(len(SRV_BUILDS))) + 100
                name = f"SRV-{pick(rng, ['APP', 'FS', 'SQL', 'WEB', 'DC', 'PRN', 'RDS'])}-{i:03d}"
                user = "svc_" + pick(rng, ["backup", "app", "sql", "deploy"])
            else:
                build = int(rng.choice(4, p=build_mix))
                name = f"{prefix}-{h256('hn', i)[:6].upper()}"
                if rng.random() < 0.06:
                    name = "DESKTOP-" + h256("dn", i)[:7].upper()
                user = f"{pick(rng, FIRST)}.{pick(rng, LAST)}"
            hw = pick(rng, ["Dell", "HP", "Lenovo", "ASUS", "other"], k["hw_mix"]) if kind != "srv" else "other"
            hid = h256("host", i)
            hid = f"{hid[:8]}-{hid[8:12]}-{hid[12:16]}-{hid[16:20]}-{hid[20:32]}"
            ip = f"10.{20 + i // 250 % 200}.{i % 250 // 1 + 1}.{int(rng.integers(2, 250))}"
            m = h256("mac", i)
            mac = "-".join(m[j:j + 2].upper() for j in range(0, 12, 2))
            root = not (rng.random() < k["no_internal_root_share"] or name.startswith("DESKTOP-"))
            self.hosts.append(Host(i, name, hid, kind, user, build, hw, root, ip, mac))
        self.ws = [h.idx for h in self.hosts if h.kind != "srv"]
        self.srv = [h.idx for h in self.hosts if h.kind == "srv"]
        self.dev = [h.idx for h in self.hosts if h.kind == "dev"]

    def os_of(self, h: Host):
        return SRV_BUILDS[h.build - 100] if h.build >= 100 else OS_BUILDS[h.build]

    # ------------------------------------------------------------------ benign software
    def build_inbox(self):
        rng = self.rng
        thin = float(rng.uniform(0.35, 0.9))
        self.knobs["inbox_noise_factor"] = round(thin, 3)
        patched_share = float(rng.uniform(0.6, 0.95))
        lag = float(rng.uniform(0.5, 4.0))
        switch = {}
        for h in self.hosts:
            sw = self.patch_t + DAY * 0.2 + float(rng.exponential(lag)) * DAY
            switch[h.idx] = sw if rng.random() < patched_share else 1e18
        for (name, path, signer, rws, rsrv, parents, system, noisy) in INBOX:
            patched = rng.random() < 0.35
            for h in self.hosts:
                osb = self.os_of(h)
                b_no = osb[4]
                ubr = self.ubr[b_no]
                rate = (rsrv if h.kind == "srv" else rws) * (thin if noisy else 1.0)
                rate *= float(rng.lognormal(0, 0.35))
                p = path.replace("{b}", str(b_no))
                cert = Cert(signer, f"ms-{signer}")
                mk = lambda u: self.add_bin(Binary(
                    f"inbox|{name}|{b_no}|{u}", p, cert, "benign", "windows_inbox",
                    f"Windows inbox binary, build {b_no}.{u}", company=MS,
                    product="Microsoft\u00ae Windows\u00ae Operating System", desc=name[:-4],
                    version=f"10.0.{b_no}.{u} (WinBuild.160101.0800)", parents=parents, system=system,
                    ofn=name.upper() if name in ("notepad.exe", "cmd.exe") else name))
                b0 = mk(ubr)
                sw = switch[h.idx] if (patched and self.patch_t < self.t_end) else 1e18
                self.assign(b0, h.idx, 0, min(sw, self.t_end), rate, 1 if system else 0)
                if sw < self.t_end:
                    self.assign(mk(ubr + 17), h.idx, sw, self.t_end, rate, 1 if system else 0)

    def vendor_cert(self, subject, key=None, **kw) -> Cert:
        return Cert(subject, key or f"v-{subject}", **kw)

    def build_mainstream(self):
        rng = self.rng
        k = self.knobs
        for (key, path, signer, company, product, cws, csrv, rate, parents, system, ofn) in MAINSTREAM:
            if key in ("globalprotect", "anyconnect", "zscaler"):
                cws = 0.97 if key == k["vpn"] else (0.03 if key == "anyconnect" else 0.0)
            if key in ("ime", "agentexec"):
                cws = csrv = 1.0 if k["mgmt"] in ("ime", "both") else 0.0
            if key == "ccmexec":
                cws = csrv = 1.0 if k["mgmt"] in ("ccmexec", "both") else 0.0
            cws = min(1.0, cws * float(rng.uniform(0.6, 1.3))) if cws < 0.97 else cws
            self._product(key, path, signer, company, product, cws, csrv, rate, parents, system, ofn,
                          "mainstream_app", f"{product} ({signer or 'unsigned'})")
        for hw, items in OEM.items():
            for (key, path, signer, company, product, cov, parents, system) in items:
                hosts = [h for h in self.ws if self.hosts[h].hw == hw]
                self._product(key, path, signer, company, product, cov, 0.0, 0.5, parents, system, None,
                              "mainstream_app", f"{hw} OEM software {product}", hosts=hosts)
        for (key, path, signer, company, product, cov, parents, system) in DRIVER_HELPERS:
            self._product(key, path, signer, company, product, cov, 0.0, 0.6, parents, system, None,
                          "mainstream_app", f"driver helper {product}")

    def _product(self, key, path, signer, company, product, cws, csrv, rate, parents, system, ofn, scenario,
                 descr, hosts=None, cert=None, versions=None, update_p=0.5, label="benign", ver0=None):
        rng = self.rng
        if cert is None and signer:
            cert = self.vendor_cert(signer)
        pool = hosts if hosts is not None else list(range(self.n_hosts))
        chosen = [h for h in pool if rng.random() < (csrv if self.hosts[h].kind == "srv" else cws)]
        if not chosen:
            return []
        ver0 = ver0 or f"{int(rng.integers(1, 30))}.{int(rng.integers(0, 12))}.{int(rng.integers(0, 9999))}.0"
        mk = lambda v: self.add_bin(Binary(
            f"{scenario}|{key}|{v}", path, cert, label, scenario, f"{descr} v{v}", company=company,
            product=product, desc=product, version=v, ofn=ofn, parents=parents, system=system))
        b0 = mk(ver0)
        upd = rng.random() < update_p
        rel = float(rng.uniform(0, self.t_end)) if upd else 1e18
        lagd = float(rng.uniform(0.2, 5))
        out = [b0]
        b1 = None
        for h in chosen:
            r = rate * float(rng.lognormal(0, 0.6))
            if self.hosts[h].kind == "srv" and not system:
                r *= 0.2
            sw = rel + float(rng.exponential(lagd)) * DAY
            self.assign(b0, h, 0, min(sw, self.t_end), r, 1 if system else 0)
            if sw < self.t_end:
                if b1 is None:
                    b1 = mk(ver0.rsplit(".", 2)[0] + f".{int(rng.integers(0, 9999))}.1")
                    out.append(b1)
                self.assign(b1, h, sw, self.t_end, r, 1 if system else 0)
        return out

    def gen_vendor(self) -> str:
        rng = self.rng
        w = pick(rng, WORDS)
        s = rng.random()
        if s < 0.6:
            return f"{w} {pick(rng, FIELDS)} {pick(rng, FORMS)}"
        if s < 0.85:
            return f"{w}{pick(rng, ['soft', 'tec', 'ware', 'logic', 'med', 'data'])} {pick(rng, FORMS)}"
        return f"{w} {pick(rng, WORDS)} {pick(rng, FORMS)}"

    def build_niche(self):
        rng = self.rng
        k = self.knobs
        n_v = int(rng.uniform(0.3, 1.0) * self.n_hosts) + int(rng.integers(20, 60))
        k["niche_vendors"] = n_v
        mix = rng.dirichlet(np.array([72, 12, 5, 4, 3, 1, 1.5]) * 1.5)
        statuses = ["trusted", "expired", "expiring", "errorChaining", "errorUntrustedRoot", "errorRevoked", "other"]
        unsigned_p = float(rng.uniform(0.12, 0.32))
        k["niche_unsigned_share"] = round(unsigned_p, 3)
        k["niche_status_mix"] = dict(zip(statuses, mix.round(3).tolist()))
        self.niche: list[tuple[str, Cert | None, str, list]] = []
        used = set()
        for v in range(n_v):
            vendor = self.gen_vendor()
            if vendor in used:
                vendor = vendor.replace(" ", f" {pick(rng, WORDS)} ", 1)
            used.add(vendor)
            w0 = vendor.split()[0].rstrip(",")
            signed = rng.random() >= unsigned_p
            cert = None
            if signed:
                st = pick(rng, statuses, mix)
                if st == "expired":
                    cert = self.vendor_cert(vendor, status0="errorExpired")
                elif st == "expiring":
                    cert = self.vendor_cert(vendor, change_t=float(rng.uniform(0.1, 0.95)) * self.t_end,
                                            status1="errorExpired")
                elif st == "other":
                    cert = self.vendor_cert(vendor, status0=pick(rng, ["errorBadDigest", "errorCode_endpoint: 0x80092013"]))
                else:
                    cert = self.vendor_cert(vendor, status0=st)
            company = vendor
            r = rng.random()
            if r < 0.08:
                company = pick(rng, [f"{w0} Corporation", f"{pick(rng, WORDS)} Holdings {pick(rng, FORMS)}",
                                     f"{w0} (formerly {pick(rng, WORDS)} {pick(rng, FIELDS)})"])
            elif r < 0.2:
                company = vendor.replace(",", "").replace(".", "")
            loc = pick(rng, ["pf", "pf86", "pd", "local", "roam", "root", "public"], [38, 12, 16, 16, 9, 6, 3])
            prod = w0 + pick(rng, PNOUNS)
            srv_only = rng.random() < 0.12 and bool(self.srv)
            if srv_only and loc in ("local", "roam", "public"):
                loc = "pf"
            base = {"pf": PF + f"{w0}\\{prod}\\", "pf86": PF86 + f"{w0}\\{prod}\\", "pd": PD + f"{w0}\\{prod}\\",
                    "local": L + f"Programs\\{prod}\\", "roam": R + f"{w0}\\{prod}\\", "root": f"C:\\{prod}\\",
                    "public": f"C:\\Users\\Public\\{prod}\\"}[loc]
            cov_hosts = int(np.clip(round(rng.lognormal(math.log(1 + 0.006 * self.n_hosts), 1.25)), 1, self.n_hosts))
            pool = self.srv if srv_only else self.ws
            hosts = [int(x) for x in rng.choice(pool, size=min(cov_hosts, len(pool)), replace=False)]
            bins = []
            n_b = int(rng.choice([1, 2, 3], p=[0.55, 0.3, 0.15]))
            main_exe = base + prod + ".exe"
            for j in range(n_b):
                if j == 0:
                    path, parents, system, rate = main_exe, [(EXPLORER, 3), (USERINIT, 0.5)], False, 1.2
                    if srv_only:
                        parents, system = [(SERVICES, 1)], True
                else:
                    sfx = pick(rng, ["Updater", "Helper", "Service", "Tray", "Agent", "Launcher"])
                    path = base + prod + sfx + ".exe"
                    if sfx in ("Service", "Agent"):
                        parents, system, rate = [(SERVICES, 1)], True, 0.4
                    elif sfx == "Updater":
                        parents, system, rate = [(SVCHOST, 1), (main_exe, 1)], False, 0.5
                    else:
                        parents, system, rate = [(main_exe, 2), (EXPLORER, 1)], False, 1.0
                ofn = None
                if rng.random() < 0.05:
                    ofn = pick(rng, [prod.lower() + ".exe", "app.exe", prod + "_x64.exe", "Launcher.exe"])
                out = self._product(f"{vendor}|{j}", path, vendor if cert else None, company, prod, 1.0, 1.0,
                                    rate * float(rng.lognormal(-0.5, 0.8)), parents, system, ofn, "niche_vendor",
                                    f"niche vendor {vendor}, {prod} ({loc})", hosts=hosts, cert=cert,
                                    update_p=0.3)
                bins += out
            self.niche.append((vendor, cert, prod, hosts))
        # a benign vendor whose certificate is revoked mid-window (breach at the vendor)
        if rng.random() < 0.6:
            cands = [x for x in self.niche if x[1] is not None and x[1].status0 == "trusted" and x[1].change_t is None]
            if cands:
                v = cands[int(rng.integers(len(cands)))]
                v[1].change_t = float(rng.uniform(0.2, 0.9)) * self.t_end
                v[1].status1 = "errorRevoked"
                k["benign_revoked_vendor"] = v[0]

    def build_internal(self):
        rng = self.rng
        org = self.knobs["org"]
        subj = [f"{org} IT Operations", f"{org} Code Signing", f"{org} Engineering"]
        certs = [Cert(s, f"int-{s}", internal=True) for s in subj]
        legacy = Cert(f"{org} Code Signing 2019", f"int-legacy", status0="errorExpired", internal=True)
        tools = [
            ("mapdrives.exe", PD + f"{org}\\LogonTools\\mapdrives.exe", [(WSCRIPT, 2), (CSCRIPT, 1), (CMD, 1)], False, 1.0, 0),
            ("invagent.exe", PF + f"{org}\\Inventory\\invagent.exe", [(SERVICES, 1)], True, 1.0, 0),
            ("HelpdeskConnect.exe", L + f"{org}\\Helpdesk\\HelpdeskConnect.exe", [(EXPLORER, 1)], False, 0.3, 0),
            ("printmap.exe", PD + f"{org}\\LogonTools\\printmap.exe", [(WSCRIPT, 1), (CMD, 1)], False, 0.8, 0),
            ("ExpenseClient.exe", f"C:\\{org}Apps\\Expense\\ExpenseClient.exe", [(EXPLORER, 1)], False, 0.15, 2),
            ("LabelPrint.exe", R + f"{org}\\LabelPrint\\LabelPrint.exe", [(EXPLORER, 1)], False, 0.05, 2),
            ("wallpaper.exe", PD + f"{org}\\Branding\\wallpaper.exe", [(USERINIT, 1), (CMD, 1)], False, 0.9, 0),
            ("vpnhelper.exe", PD + f"{org}\\VPN\\vpnhelper.exe", [(SVCHOST, 1)], True, 0.4, 1),
            ("ReportBuilder.exe", f"C:\\{org}Apps\\Reports\\ReportBuilder.exe", [(EXPLORER, 1)], False, 0.08, 1),
        ]
        n = int(rng.integers(3, len(tools) + 1))
        idx = rng.choice(len(tools), size=n, replace=False)
        for j, ti in enumerate(sorted(idx)):
            name, path, parents, system, cov, ci = tools[ti]
            cert = legacy if (j == n - 1 and rng.random() < 0.6) else certs[ci]
            self._product(f"int|{name}", path, cert.subject, org if rng.random() < 0.7 else "", name[:-4], cov, 0.2,
                          float(rng.uniform(0.3, 1.5)), parents, system, None, "internal_pki",
                          f"internal tool {name} signed by the organisation's CA", cert=cert, update_p=0.2)

    def build_dev(self):
        rng = self.rng
        org = self.knobs["org"]
        for h in self.dev:
            host = self.hosts[h]
            u = host.user
            for p in range(int(rng.integers(1, 4))):
                proj = pick(rng, WORDS) + pick(rng, ["Svc", "Tool", "App", "Cli", "Api", "Sim", "Bench", ""])
                loc = pick(rng, ["repos", "dev", "temp", "local"], [55, 15, 15, 15])
                path = {"repos": f"C:\\Users\\{{u}}\\source\\repos\\{proj}\\bin\\Debug\\net8.0\\{proj}.exe",
                        "dev": f"C:\\dev\\{proj.lower()}\\target\\debug\\{proj.lower()}.exe",
                        "temp": f"C:\\Users\\{{u}}\\AppData\\Local\\Temp\\go-build{int(rng.integers(1e8, 1e9))}\\b001\\exe\\{proj.lower()}.exe",
                        "local": f"C:\\Users\\{{u}}\\AppData\\Local\\{proj}Dev\\{proj}.exe"}[loc]
                s = rng.random()
                if s < 0.55:
                    cert = None
                elif s < 0.85:
                    cert = Cert(pick(rng, [f"{proj} Test", f"{u} Dev", "Test Certificate", f"CN={proj}Dev",
                                           f"{org} Dev Test"]), f"dev-{h}-{p}", status0="errorUntrustedRoot",
                                dev_trusted_host=h if rng.random() < 0.3 else -1)
                else:
                    cert = Cert(f"{org} Engineering", "int-" + f"{org} Engineering", internal=True)
                rate = float(rng.uniform(0.2, 3.0))
                parents = [(DEVENV, 2), (VSCODE, 1), (CMD, 1), (POWERSHELL, 1), (WINTERM, 0.5)]
                company = pick(rng, [org, "", proj])
                for d in range(self.days):
                    if self.is_weekend(d) and rng.random() < 0.85:
                        continue
                    for bi in range(int(rng.poisson(rate))):
                        b = self.add_bin(Binary(f"dev|{h}|{p}|{d}|{bi}", path, cert, "benign", "dev_build",
                                                f"developer build of {proj} on {host.name}", company=company,
                                                product=proj, desc=proj, version=f"0.{d}.{bi}.0", parents=parents))
                        t = self.workday_time(d)
                        for r in range(int(rng.integers(1, 9))):
                            self.once(b, h, t + r * float(rng.uniform(60, 2400)), pick(rng, [x for x, _ in parents]))

    def build_portable(self):
        rng = self.rng
        admins = [h for h in self.ws if rng.random() < 0.15] or self.ws[:1]
        for (name, signer, company, status, ofn) in PORTABLE:
            cert = Cert(signer, f"v-{signer}", status0=status) if signer else None
            nh = int(np.clip(rng.lognormal(math.log(1 + 0.01 * self.n_hosts), 0.9), 1, len(admins)))
            hosts = [int(x) for x in rng.choice(admins, size=nh, replace=False)]
            vers = [f"{int(rng.integers(1, 9))}.{int(rng.integers(0, 80))}.0.0" for _ in range(2)]
            for h in hosts:
                v = pick(rng, vers)
                b_name = name
                if rng.random() < 0.15:
                    b_name = name[:-4] + pick(rng, [" (1)", "(1)", " (2)", "_old", "-copy"]) + ".exe"
                folder = pick(rng, ["Downloads\\", f"Downloads\\{name[:-4]}\\", "Desktop\\Tools\\", "Downloads\\"])
                path = f"C:\\Users\\{{u}}\\{folder}{b_name}"
                b = self.add_bin(Binary(f"portable|{name}|{v}", path, cert, "benign", "portable_tool",
                                        f"portable tool {name} run from the user profile", company=company,
                                        product=name[:-4], desc=name[:-4], version=v, ofn=ofn or name,
                                        parents=[(EXPLORER, 1)]))
                self.place(b, h, path)
                d0 = int(rng.integers(0, self.days))
                for d in range(d0, self.days):
                    if rng.random() < 0.35 or d == d0:
                        for _ in range(int(rng.integers(1, 4))):
                            self.once(b, h, self.workday_time(d), pick(rng, [EXPLORER, EXPLORER, CMD]))

    def build_installers(self):
        rng = self.rng
        rate = float(rng.uniform(0.03, 0.3))
        self.knobs["installer_rate_per_ws_day"] = round(rate, 3)
        niche_signed = [x for x in self.niche if x[1] is not None]
        for h in self.ws:
            for d in range(self.days):
                if self.is_weekend(d):
                    continue
                for _ in range(int(rng.poisson(rate))):
                    t = self.workday_time(d)
                    if rng.random() < 0.5 or not niche_signed:
                        name, signer, company, ofn = pick(rng, INSTALLERS)
                        v = int(rng.integers(0, 4))
                        key = f"inst|{name}|{v}"
                        cert = Cert(signer, f"v-{signer}") if signer else None
                        prod = name.split(".")[0].split("-")[0]
                        descr = f"installer {name} downloaded by the user"
                    else:
                        vendor, vcert, prod, _ = pick(rng, niche_signed)
                        name = pick(rng, ["setup.exe", f"{prod}Setup.exe", f"{prod}_setup_x64.exe", "install.exe"])
                        key, cert, company, ofn = f"inst|{vendor}|{name}", vcert, vendor, f"{prod}Setup.exe"
                        descr = f"installer of niche vendor {vendor}"
                    shown = name
                    if rng.random() < 0.1:
                        shown = name[:-4] + " (1).exe"
                    loc = pick(rng, ["dl", "temp", "temp_guid"], [65, 15, 20])
                    path = {"dl": f"C:\\Users\\{{u}}\\Downloads\\{shown}",
                            "temp": f"C:\\Users\\{{u}}\\AppData\\Local\\Temp\\{shown}",
                            "temp_guid": f"C:\\Users\\{{u}}\\AppData\\Local\\Temp\\{{{h256('g', key)[:8].upper()}-{h256('g', key)[8:12].upper()}-4A1B-9C2D-{h256('g', key)[12:24].upper()}}}\\{shown}"}[loc]
                    parent = pick(rng, [EXPLORER, CHROME, MSEDGE, MSIEXEC, CMD], [40, 25, 20, 8, 7])
                    b = self.add_bin(Binary(key, path, cert, "benign",
                                            "installer", descr, company=company, product=prod, desc=prod + " Setup",
                                            ofn=ofn or name, parents=[(parent, 1)]))
                    self.place(b, h, path)
                    self.once(b, h, t, parent)
                    if rng.random() < 0.35:  # Inno Setup style unsigned helper in Temp
                        tmpn = f"is-{h256('is', h, d, t)[:5].upper()}.tmp"
                        ipath = f"C:\\Users\\{{u}}\\AppData\\Local\\Temp\\{tmpn}\\{prod}.tmp"
                        hb = self.add_bin(Binary(f"inno|{key}", ipath,
                                                 None, "benign", "installer", f"Inno Setup helper of {prod}",
                                                 company="", product=prod, desc="Setup/Uninstall",
                                                 ofn="", parents=[(path, 1)]))
                        self.place(hb, h, ipath)
                        self.once(hb, h, t + 2.5, path)

    def build_oneoffs(self):
        """Freeware / shareware / vendor utilities a single user downloads and runs: one hash, one host."""
        rng = self.rng
        rate = float(rng.uniform(0.03, 0.15))
        self.knobs["oneoff_download_rate_per_ws_day"] = round(rate, 3)
        kinds = ["trusted", "errorExpired", "errorUntrustedRoot", "errorChaining", "unsigned"]
        mix = rng.dirichlet(np.array([70, 12, 3, 2, 25]) * 2)
        for h in self.ws:
            for d in range(self.days):
                if self.is_weekend(d) and rng.random() < 0.7:
                    continue
                for _ in range(int(rng.poisson(rate))):
                    vendor = self.gen_vendor() if rng.random() < 0.7 else \
                        f"{pick(rng, FIRST).title()} {pick(rng, LAST).title()}"
                    st = pick(rng, kinds, mix)
                    cert = None if st == "unsigned" else Cert(vendor, f"oneoff-{vendor}", status0=st)
                    w0 = vendor.split()[0]
                    prod = w0 + pick(rng, PNOUNS)
                    name = pick(rng, [f"{prod}.exe", f"{prod}_v{int(rng.integers(1, 9))}.{int(rng.integers(0, 20))}.exe",
                                      f"{prod.lower()}-portable.exe", f"{prod}Setup.exe", "setup.exe", f"{prod}64.exe"])
                    folder = pick(rng, ["Downloads\\", f"Downloads\\{prod}\\", "AppData\\Local\\Temp\\",
                                        f"AppData\\Local\\Temp\\Temp1_{prod.lower()}.zip\\", "Desktop\\"],
                                  [45, 20, 10, 15, 10])
                    path = f"C:\\Users\\{{u}}\\{folder}{name}"
                    t = self.workday_time(d)
                    b = self.add_bin(Binary(f"oneoff|{h}|{d}|{t:.0f}", path, cert, "benign", "oneoff_download",
                                            f"one-off download {name} by {vendor} on one host", company=vendor,
                                            product=prod, desc=prod, ofn=name if rng.random() < 0.85 else prod + ".exe",
                                            parents=[(EXPLORER, 1)]))
                    par = pick(rng, [EXPLORER, CHROME, MSEDGE, SEVENZIP, CMD], [50, 15, 15, 12, 8])
                    for r in range(int(rng.integers(1, 5))):
                        self.once(b, h, t + r * float(rng.uniform(30, 7200)), par if r == 0 else EXPLORER)

    def build_deployments(self):
        rng = self.rng
        org = self.knobs["org"]
        n = int(rng.integers(2, 9))
        self.knobs["deployments"] = n
        niche_signed = [x for x in self.niche if x[1] is not None]
        for j in range(n):
            if rng.random() < 0.5 or not niche_signed:
                name, signer, company, ofn = pick(rng, INSTALLERS)
                cert = Cert(signer, f"v-{signer}") if signer else None
                prod = name.split(".")[0]
            else:
                vendor, cert, prod, _ = pick(rng, niche_signed)
                name, company, ofn = pick(rng, ["setup.exe", "install.exe", f"{prod}_x64.exe"]), vendor, None
            pkg = f"PKG{int(rng.integers(10000, 99999))}"
            style = pick(rng, ["ccm", "ime", "pd", "wintemp"])
            path = {"ccm": f"C:\\Windows\\ccmcache\\{pkg[-2:].lower()}\\{name}",
                    "ime": f"C:\\Windows\\IMECache\\{h256('ime', pkg)[:8]}-{h256('ime', pkg)[8:12]}-4c1e-8d2a-{h256('ime', pkg)[12:24]}_1\\{name}",
                    "pd": PD + f"{org}\\Deploy\\{pkg}\\{name}",
                    "wintemp": f"C:\\Windows\\Temp\\{pkg}\\{name}"}[style]
            parents = {"ccm": [(CCMEXEC, 1), (CMD, 1)], "ime": [(AGENTEXEC, 1), (POWERSHELL, 1)],
                       "pd": [(CMD, 1), (POWERSHELL, 1)], "wintemp": [(CMD, 1), (POWERSHELL, 1)]}[style]
            b = self.add_bin(Binary(f"deploy|{pkg}", path, cert, "benign", "deployment",
                                    f"software deployment {pkg} ({style}) of {prod}", company=company, product=prod,
                                    desc=prod + " installer", ofn=ofn, parents=parents, system=True))
            share = float(rng.uniform(0.15, 1.0))
            t0 = float(rng.uniform(0, max(self.t_end - DAY, DAY * 0.5)))
            wave = float(rng.uniform(1, 3)) * DAY
            pool = self.ws if rng.random() < 0.8 else list(range(self.n_hosts))
            for h in pool:
                if rng.random() < share:
                    t = t0 + float(rng.exponential(wave / 2))
                    p = pick(rng, [x for x, _ in parents])
                    self.once(b, h, t, p, "SYSTEM")
                    if rng.random() < 0.1:
                        self.once(b, h, t + float(rng.uniform(600, 3 * DAY)), p, "SYSTEM")

    # ------------------------------------------------------------------ attacks
    def build_attacks(self):
        rng = self.rng
        k = self.knobs
        if self.n_hosts <= 50:
            n_att = int(rng.choice([1, 2, 3, 4], p=[0.35, 0.35, 0.2, 0.1]))
        else:
            n_att = int(np.clip(rng.poisson(self.n_hosts / rng.uniform(30, 80)) + 1, 2, 25))
        scen = ["stolen_vendor_cert_revoked", "stolen_vendor_cert_trusted", "shell_company_cert",
                "self_signed_impostor", "leaked_expired_cert", "supply_chain_signed"]
        mix = rng.dirichlet([3, 2, 3, 2, 1.2, 0.6])
        k["attacks"] = n_att
        k["attack_mix"] = dict(zip(scen, mix.round(3).tolist()))
        k["attack_list"] = []
        used_names = set()
        for a in range(n_att):
            sc = pick(rng, scen, mix)
            t_a = float(rng.beta(2.5, 1.3)) * self.t_end * 0.97
            vendor_bins_share = None
            folder = None
            if sc in ("stolen_vendor_cert_revoked", "stolen_vendor_cert_trusted", "leaked_expired_cert"):
                known = [x for x in self.niche if x[1] is not None and x[1].status0 == "trusted"
                         and x[1].change_t is None and not x[1].subject in used_names]
                if sc == "leaked_expired_cert" and rng.random() < 0.5:
                    cert = Cert("NVIDIA Corporation", "leak-nvidia-2014", status0="errorExpired")
                    subject = cert.subject
                    folder = "NVIDIA"
                elif known and rng.random() < 0.5:
                    vendor, cert, prod, _ = known[int(rng.integers(len(known)))]
                    subject = vendor
                    folder = vendor.split()[0]
                else:
                    subject = pick(rng, HW_VENDORS).format(w=pick(rng, WORDS))
                    cert = Cert(subject, f"stolen-{a}-{subject}")
                    folder = subject.split()[0] if not subject.startswith(("Shenzhen", "Guangzhou")) else subject.split()[1]
                if sc == "stolen_vendor_cert_revoked":
                    if rng.random() < 0.5:
                        cert.status0 = "errorRevoked"
                        cert.change_t = None
                    else:
                        cert.change_t = min(self.t_end * 0.99, t_a + float(rng.uniform(0.5, 8)) * DAY)
                        cert.status1 = "errorRevoked"
                elif sc == "leaked_expired_cert":
                    if cert.subject != "NVIDIA Corporation":
                        cert.status0 = "errorExpired"
            elif sc == "shell_company_cert":
                subject = pick(rng, SHELL_FORMS).format(w=pick(rng, WORDS).upper() if rng.random() < 0.5 else pick(rng, WORDS),
                                                         v=pick(rng, ["Soft", "Trade", "Media", "Tech", "Invest", "Data", "Consult"]))
                r = rng.random()
                if r < 0.45:
                    cert = Cert(subject, f"shell-{a}")
                elif r < 0.8:
                    cert = Cert(subject, f"shell-{a}", change_t=min(self.t_end * 0.99, t_a + float(rng.uniform(1, 10)) * DAY),
                                status1="errorRevoked")
                else:
                    cert = Cert(subject, f"shell-{a}", status0="errorRevoked")
            elif sc == "self_signed_impostor":
                subject = pick(rng, IMPOSTOR_SUBJECTS, [5, 4, 3, 1, 1, 1, 1, 1, 1])
                cert = Cert(subject, f"selfsigned-{a}-{subject}",
                            status0="errorUntrustedRoot" if rng.random() < 0.8 else "errorChaining")
            else:  # supply_chain_signed
                subject = pick(rng, ["ASUSTeK Computer Inc.", "Lenovo", "HP Inc.", "Dell Inc"])
                cert = self.vendor_cert(subject)
                folder = subject
            used_names.add(subject)
            # campaign size
            r = rng.random()
            n_hash = 1 if r < 0.5 else (int(rng.integers(2, 5)) if r < 0.85 else int(rng.integers(5, 11)))
            if self.n_hosts <= 50:
                n_hash = min(n_hash, 2)
            # naming / location style for the campaign
            masq = pick(rng, MASQ)
            style = pick(rng, ["masq", "vendor", "generic"], [40, 30, 30])
            if sc == "self_signed_impostor":
                style = "masq" if rng.random() < 0.8 else "generic"
            if sc == "supply_chain_signed":
                style = "vendor"
            persist = rng.random() < 0.3
            locs = ["roam", "local", "temp", "wintemp", "pd", "public", "dl", "tasks", "perflogs", "intel", "pfvendor",
                    "userroot"]
            loc_w = [15, 11, 13, 3, 16, 7, 9, 3, 2, 2, 5, 2]
            loc0 = pick(rng, locs, loc_w)
            if sc == "supply_chain_signed":
                loc0 = "supply"
            patient0 = pick(rng, self.ws)
            victims = [patient0]
            k["attack_list"].append({"scenario": sc, "signer": subject, "hashes": n_hash, "location": loc0,
                                     "style": style, "arrival_day": round(t_a / DAY, 2)})
            for j in range(n_hash):
                loc = loc0 if (j == 0 or loc0 == "supply" or rng.random() < 0.7) else pick(rng, locs, loc_w)
                if style == "masq":
                    name, company, ofn, hint = masq
                    if rng.random() < 0.35:
                        ofn = pick(rng, ["loader.exe", "stub.exe", "payload.dll.exe", "beacon.exe", "Project1.exe"])
                elif style == "vendor":
                    base = (folder or subject.split()[0]).replace(",", "").replace(".", "")
                    name = base + pick(rng, ["Updater.exe", "Service.exe", "Helper.exe", "Update.exe", "Sync.exe"])
                    hint = base
                    company = subject if rng.random() < 0.6 else ""
                    ofn = name if rng.random() < 0.7 else pick(rng, ["loader.exe", "svc.exe", "Project1.exe"])
                else:
                    name = pick(rng, GENERIC)
                    hint = pick(rng, ["Updater", "cache", "sys", "tmp", "Microsoft", "WinSvc"])
                    company = pick(rng, ["", subject, MS, "Google LLC"], [3, 3, 2, 1])
                    ofn = name if rng.random() < 0.6 else pick(rng, ["loader.exe", "stub.exe", "Project1.exe"])
                if style == "masq" and rng.random() < 0.25:
                    company = subject if sc != "self_signed_impostor" else company
                if j and rng.random() < 0.3:  # rebuilt per victim: occasionally renamed too
                    name = name[:-4] + pick(rng, ["", "64", "_x64", "2"]) + ".exe"
                path = {"roam": f"C:\\Users\\{{u}}\\AppData\\Roaming\\{hint}\\{name}",
                        "local": f"C:\\Users\\{{u}}\\AppData\\Local\\{hint}\\{name}",
                        "temp": f"C:\\Users\\{{u}}\\AppData\\Local\\Temp\\{name}",
                        "wintemp": f"C:\\Windows\\Temp\\{name}",
                        "pd": f"C:\\ProgramData\\{hint.split(chr(92))[0]}\\{name}",
                        "public": f"C:\\Users\\Public\\{pick(rng, ['Libraries', 'Documents', 'Music', ''])}\\{name}".replace("\\\\", "\\"),
                        "dl": f"C:\\Users\\{{u}}\\Downloads\\{name}",
                        "tasks": f"C:\\Windows\\Tasks\\{name}",
                        "perflogs": f"C:\\PerfLogs\\{name}",
                        "intel": f"C:\\Intel\\{name}",
                        "pfvendor": f"C:\\Program Files\\{hint.split(chr(92))[0]}\\{name}",
                        "userroot": f"C:\\Users\\{{u}}\\{name}",
                        "supply": PF86 + f"{folder}\\Live Update\\{name}"}[loc]
                descr = (f"{sc}: campaign {a} build {j} signed '{subject}', {style} name in {loc}"
                         + (", persistent" if persist else ""))
                b = self.add_bin(Binary(f"mal|{a}|{j}", path, cert, "malicious", sc, descr, company=company,
                                        product=hint.split("\\")[-1], desc=name[:-4],
                                        version=f"{int(rng.integers(1, 12))}.{int(rng.integers(0, 9))}.{int(rng.integers(0, 999))}.{j}",
                                        ofn=ofn, parents=[(EXPLORER, 1)]))
                tj = t_a + j * float(rng.exponential(0.8)) * DAY
                if tj >= self.t_end:
                    tj = float(rng.uniform(t_a, self.t_end))
                rr = rng.random()
                nh = 1 if rr < 0.6 else (int(rng.integers(2, 4)) if rr < 0.85 else int(rng.integers(4, 9)))
                if j == 0 or rng.random() < 0.5:
                    hosts = [patient0]
                else:
                    hosts = [pick(rng, self.ws)]
                while len(hosts) < nh:
                    cand = pick(rng, self.ws if rng.random() < 0.8 or not self.srv else self.srv)
                    if cand not in hosts:
                        hosts.append(cand)
                    if len(hosts) >= self.n_hosts:
                        break
                for hi, h in enumerate(hosts):
                    th = tj if hi == 0 else tj + float(rng.exponential(1.0)) * DAY * (0.2 + hi * 0.3)
                    if th >= self.t_end:
                        th = float(rng.uniform(tj, self.t_end))
                    if hi == 0:
                        par = pick(rng, [WINWORD, EXCEL, OUTLOOK, CHROME, MSEDGE, EXPLORER, WSCRIPT, MSHTA, RUNDLL32,
                                         CMD, POWERSHELL, SEVENZIP, REGSVR32],
                                   [8, 8, 5, 8, 8, 10, 6, 4, 4, 5, 7, 3, 2])
                        user = None
                    else:
                        par = pick(rng, [SERVICES, WMIPRVSE, SVCHOST, CMD, POWERSHELL], [4, 3, 2, 1, 2])
                        user = "SYSTEM" if par in (SERVICES, WMIPRVSE) or rng.random() < 0.3 else None
                    if sc == "supply_chain_signed":
                        par, user = SVCHOST, "SYSTEM"
                    self.once(b, h, th, par, user)
                    for _ in range(int(rng.integers(0, 3))):
                        self.once(b, h, th + float(rng.uniform(5, 3600)), pick(rng, [par, CMD, RUNDLL32]), user)
                    if persist:
                        t = th + float(rng.uniform(0.3, 1.0)) * DAY
                        while t < self.t_end:
                            self.once(b, h, t, pick(rng, [SVCHOST, TASKHOSTW, EXPLORER]), user)
                            t += float(rng.uniform(0.15, 1.2)) * DAY

    # ------------------------------------------------------------------ events
    def build(self):
        self.build_hosts()
        self.build_inbox()
        self.build_mainstream()
        self.build_niche()
        self.build_internal()
        self.build_dev()
        self.build_portable()
        self.build_installers()
        self.build_oneoffs()
        self.build_deployments()
        self.build_attacks()

    def sample_events(self):
        rng = self.rng
        A = self.A
        bi = np.fromiter((a[0] for a in A), dtype=np.int64, count=len(A))
        hi = np.fromiter((a[1] for a in A), dtype=np.int64, count=len(A))
        t0 = np.fromiter((a[2] for a in A), dtype=np.float64, count=len(A))
        t1 = np.fromiter((a[3] for a in A), dtype=np.float64, count=len(A))
        rate = np.fromiter((a[4] for a in A), dtype=np.float64, count=len(A))
        kind = np.fromiter((a[5] for a in A), dtype=np.int8, count=len(A))
        # interactive load is concentrated on workdays: expected count uses the workday share
        counts = rng.poisson(rate * (t1 - t0) / DAY)
        E_b = np.repeat(bi, counts)
        E_h = np.repeat(hi, counts)
        E_k = np.repeat(kind, counts)
        lo = np.repeat(t0, counts)
        span = np.repeat(t1 - t0, counts)
        t = lo + rng.random(E_b.size) * span
        # interactive starts: move to working hours, thin weekends
        inter = E_k == 0
        day = np.floor(t / DAY)
        hour = np.clip(rng.normal(12.0, 3.0, E_b.size), 5.5, 22.5) - 1.0
        t_int = day * DAY + hour * 3600.0 + rng.random(E_b.size) * 60
        ok = inter & (t_int >= lo) & (t_int < lo + span)
        t = np.where(ok, t_int, t)
        start_wd = self.start.weekday()
        wd = (start_wd + day.astype(np.int64)) % 7
        srv = np.array([h.kind == "srv" for h in self.hosts])[E_h]
        keep = ~(inter & (wd >= 5) & ~srv & (rng.random(E_b.size) < 0.8))
        E_b, E_h, t = E_b[keep], E_h[keep], t[keep]
        par = np.full(E_b.size, -1, dtype=np.int64)
        usr = np.full(E_b.size, -1, dtype=np.int64)
        # exact events
        self.parent_table: list[str | None] = []
        pidx: dict = {}

        def pid_of(p):
            if p not in pidx:
                pidx[p] = len(self.parent_table)
                self.parent_table.append(p)
            return pidx[p]
        if self.exact:
            xb = np.array([e[0] for e in self.exact], dtype=np.int64)
            xh = np.array([e[1] for e in self.exact], dtype=np.int64)
            xt = np.array([e[2] for e in self.exact], dtype=np.float64)
            xp = np.array([pid_of(e[3]) if e[3] else -1 for e in self.exact], dtype=np.int64)
            xu = np.array([1 if e[4] == "SYSTEM" else -1 for e in self.exact], dtype=np.int64)
            E_b = np.concatenate([E_b, xb])
            E_h = np.concatenate([E_h, xh])
            t = np.concatenate([t, xt])
            par = np.concatenate([par, xp])
            usr = np.concatenate([usr, xu])
        t = np.clip(t, 0, self.t_end - 0.001)
        order = np.lexsort((E_h, E_b, t))
        self.E_b, self.E_h, self.E_t, self.E_p, self.E_u = E_b[order], E_h[order], t[order], par[order], usr[order]
        # draw a parent for events without one
        self.E_r = rng.random(self.E_b.size)
        self.E_pid = rng.integers(400, 30000, self.E_b.size) // 4 * 4
        self.E_ppid = rng.integers(400, 30000, self.E_b.size) // 4 * 4


# --------------------------------------------------------------------------------------------- writing

def fmt_ts(ts: float, start: datetime) -> str:
    dt = start + timedelta(seconds=float(ts))
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def entity(agent: str, pid: int, t: float) -> str:
    return base64.b64encode(f"{agent}-{pid}-{int(t * 1e7)}".encode()).decode()


class Writer:
    def __init__(self, fleet: Fleet, fmt: str):
        self.f = fleet
        self.fmt = fmt
        self.host_frag = {}
        self.static = {}
        self.sig = {}
        self.agent = {}
        self.host_dict = {}
        for h in fleet.hosts:
            osb = fleet.os_of(h)
            ubr = fleet.ubr[osb[4]]
            os_ = {"Ext": {"variant": osb[0]}, "family": "windows", "full": osb[3].format(ubr),
                   "kernel": f"{osb[1]} (10.0.{osb[2].format(ubr)})", "name": "Windows", "platform": "windows",
                   "type": "windows", "version": osb[1]}
            if fmt == "elastic":
                hd = {"architecture": "x86_64", "hostname": h.name.lower(), "id": h.hid, "ip": [h.ip], "mac": [h.mac],
                      "name": h.name, "os": os_}
            else:
                hd = {"architecture": "x86_64", "hostname": h.name.lower(), "id": h.hid, "ip": [h.ip], "mac": [h.mac],
                      "name": h.name.lower(), "os": {k: v for k, v in os_.items() if k != "Ext"}}
            self.host_frag[h.idx] = jdump(hd)
            self.agent[h.idx] = h256("agent", h.idx)[:8] + "-" + h256("agent", h.idx)[8:12] + "-4" + \
                h256("agent", h.idx)[13:16] + "-a" + h256("agent", h.idx)[17:20] + "-" + h256("agent", h.idx)[20:32]

    def parent_of(self, b: Binary, i: int) -> str:
        p = self.f.E_p[i]
        if p >= 0:
            pe = self.f.parent_table[p]
            if pe == "__self_parent__":
                return b.parents[0][0]
            return pe
        ps = b.parents
        if len(ps) == 1:
            return ps[0][0]
        tot = sum(w for _, w in ps)
        r = self.f.E_r[i] * tot
        for pe, w in ps:
            r -= w
            if r < 0:
                return pe
        return ps[-1][0]

    def user_of(self, b: Binary, h: Host, i: int):
        if self.f.E_u[i] == 1 or b.system or h.kind == "srv" and b.scenario == "windows_inbox":
            return ("NT AUTHORITY", "SYSTEM", "S-1-5-18")
        return (h.name.upper()[:15] if h.name.startswith("DESKTOP") else self.f.knobs["org"].upper().replace(" ", "")[:15],
                h.user, "S-1-5-21-" + str(int(h256("sid", h.idx)[:8], 16)) + "-" +
                str(int(h256("sid2", 0)[:8], 16)) + "-" + str(1000 + h.idx))

    def exe_of(self, b: Binary, h: Host) -> str:
        return self.f.path_override.get((b.idx, h.idx), b.path).replace("{u}", h.user)

    def static_frag(self, b: Binary, h: Host) -> str:
        key = (b.idx, h.idx)
        s = self.static.get(key)
        if s is None:
            exe = self.exe_of(b, h)
            args = [exe] + (b.args.split() if b.args else [])
            cl = (f'"{exe}"' if " " in exe else exe) + (" " + b.args if b.args else "")
            pe = {"company": b.company, "description": b.desc, "file_version": b.version,
                  "original_file_name": b.ofn, "product": b.product}
            pe = {k: v for k, v in pe.items() if v}
            d = {"args": args, "args_count": len(args), "command_line": cl, "executable": exe,
                 "hash": {"md5": b.md5, "sha1": b.sha1, "sha256": b.sha256}, "name": basename(exe), "pe": pe,
                 "working_directory": exe.rsplit("\\", 1)[0] + "\\"}
            s = jdump(d)[1:-1]
            if len(self.static) > 200000:
                self.static.clear()
            self.static[key] = s
        return s

    def sig_frag(self, b: Binary, status: str | None) -> str:
        key = (id(b.cert), status)
        s = self.sig.get(key)
        if s is None:
            if b.cert is None:
                d = {"exists": False, "trusted": False}
            else:
                d = {"exists": True, "status": status, "subject_name": b.cert.subject,
                     "thumbprint_sha256": b.cert.thumb, "trusted": status == "trusted"}
            s = jdump(d)
            self.sig[key] = s
        return s

    def write(self, out_dir: str):
        f = self.f
        os.makedirs(out_dir, exist_ok=True)
        path = os.path.join(out_dir, "events.ndjson.gz")
        with open(path, "wb") as raw:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=5) as gz:
                buf = io.TextIOWrapper(gz, encoding="utf-8", newline="\n", write_through=False)
                lines = []
                for i in range(f.E_b.size):
                    lines.extend(self.event(i))
                    if len(lines) >= 5000:
                        buf.write("".join(lines))
                        lines.clear()
                buf.write("".join(lines))
                buf.flush()
                buf.detach()
        return path

    def event(self, i: int) -> list[str]:
        f = self.f
        b = f.binaries[f.E_b[i]]
        h = f.hosts[f.E_h[i]]
        t = float(f.E_t[i])
        status = b.cert.status(h, t) if b.cert else None
        ts = fmt_ts(t, f.start)
        pexe = self.parent_of(b, i)
        if "{u}" in pexe:
            pexe = pexe.replace("{u}", h.user)
        pid = int(f.E_pid[i])
        ppid = int(f.E_ppid[i])
        dom, uname, sid = self.user_of(b, h, i)
        agent = self.agent[h.idx]
        if self.fmt == "elastic":
            eid = base64.b64encode(hashlib.blake2b(f"{SEED}:{i}".encode(), digest_size=18).digest()).decode()
            sig = self.sig_frag(b, status)
            ent = entity(agent, pid, t)
            parent = jdump({"entity_id": entity(agent, ppid, t - 1), "executable": pexe, "name": basename(pexe),
                            "pid": ppid})
            il = "system" if uname == "SYSTEM" else "medium"
            return ['{"@timestamp":"', ts, '","agent":{"id":"', agent,
                    '","type":"endpoint","version":"8.15.3"},"data_stream":{"dataset":"endpoint.events.process",'
                    '"namespace":"default","type":"logs"},"ecs":{"version":"8.10.0"},"event":{"action":"start",'
                    '"agent_id_status":"verified","category":["process"],"created":"', ts,
                    '","dataset":"endpoint.events.process","id":"', eid, '","kind":"event","module":"endpoint",'
                    '"sequence":', str(i + 1000), ',"type":["start"]},"host":', self.host_frag[h.idx],
                    ',"message":"Endpoint process event","process":{', self.static_frag(b, h),
                    ',"code_signature":', sig, ',"Ext":{"code_signature":[', sig,
                    '],"token":{"integrity_level_name":"', il, '"}},"entity_id":"', ent, '","parent":', parent,
                    ',"pid":', str(pid), '},"user":', jdump({"domain": dom, "id": sid, "name": uname}), '}\n']
        # sysmon via Elastic Agent: EID 1 then EID 7 of the image itself
        g = h256("guid", i)
        hh = h256("hostguid", h.idx)[:8].upper()
        guid = "{" + f"{hh}-{g[0:4].upper()}-{g[4:8].upper()}-{g[8:12].upper()}-{g[12:24].upper()}" + "}"
        pguid = "{" + f"{hh}-{g[24:28].upper()}-{g[28:32].upper()}-{g[32:36].upper()}-{g[36:48].upper()}" + "}"
        exe = self.exe_of(b, h)
        name = basename(exe)
        args_cl = (f'"{exe}"' if " " in exe else exe) + (" " + b.args if b.args else "")
        ed = {"Company": b.company or "-", "Description": b.desc or "-", "FileVersion": b.version or "-",
              "Product": b.product or "-"}
        pe = {"company": b.company, "description": b.desc, "file_version": b.version,
              "original_file_name": b.ofn, "product": b.product, "imphash": b.md5[::-1]}
        pe = {k: v for k, v in pe.items() if v}
        hashes = {"md5": b.md5, "sha1": b.sha1, "sha256": b.sha256}
        wl_user = {"domain": "NT AUTHORITY", "identifier": "S-1-5-18", "name": "SYSTEM", "type": "Well Known Group"}
        rec = 2 * i + 100
        host = self.host_dict.setdefault(h.idx, json.loads(self.host_frag[h.idx]))
        user = {"domain": dom, "id": sid, "name": uname}
        e1 = {"@timestamp": ts,
              "agent": {"id": agent, "type": "filebeat", "version": "8.15.3"},
              "data_stream": {"dataset": "windows.sysmon_operational", "namespace": "default", "type": "logs"},
              "ecs": {"version": "8.11.0"},
              "event": {"action": "Process creation", "category": ["process"], "code": "1", "created": ts,
                        "dataset": "windows.sysmon_operational", "kind": "event", "module": "sysmon",
                        "provider": "Microsoft-Windows-Sysmon", "type": ["start"]},
              "host": host, "log": {"level": "information"},
              "process": {"args": [exe], "args_count": 1, "command_line": args_cl, "entity_id": guid,
                          "executable": exe, "hash": hashes, "name": name,
                          "parent": {"args": [pexe], "args_count": 1, "command_line": pexe, "entity_id": pguid,
                                     "executable": pexe, "name": basename(pexe), "pid": ppid},
                          "pe": pe, "pid": pid, "working_directory": exe.rsplit("\\", 1)[0] + "\\"},
              "related": {"hash": [b.sha1, b.md5, b.sha256], "user": [uname]},
              "user": user,
              "winlog": {"channel": "Microsoft-Windows-Sysmon/Operational", "computer_name": h.name.lower(),
                         "event_data": dict(ed, IntegrityLevel="System" if uname == "SYSTEM" else "Medium",
                                            LogonGuid="{" + hh + "-0000-0000-0000-000000000000}",
                                            LogonId="0x3e7" if uname == "SYSTEM" else "0x2c9e7",
                                            TerminalSessionId="0" if uname == "SYSTEM" else "1"),
                         "event_id": "1", "opcode": "Info", "process": {"pid": 3120, "thread": {"id": 4400}},
                         "provider_guid": "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}",
                         "provider_name": "Microsoft-Windows-Sysmon", "record_id": str(rec),
                         "task": "Process Create (rule: ProcessCreate)", "user": wl_user, "version": 5}}
        ts7 = fmt_ts(t + 0.004, f.start)
        if b.cert is None:
            signed, signature, sstat = "false", "-", "Unavailable"
            cs = {"exists": False}
        else:
            signed, sstat = SYSMON_STATUS[status]
            signature = b.cert.subject
            if sstat is None:  # bad digest: Sysmon puts the failure in Signed
                signature = None
                cs = {"exists": True, "status": signed, "trusted": False}
            else:
                cs = {"exists": True, "status": sstat, "subject_name": signature, "trusted": sstat == "Valid",
                      "valid": sstat == "Valid"}
        ed7 = dict(ed, Signed=signed)
        if signature is not None:
            ed7["Signature"] = signature
            ed7["SignatureStatus"] = sstat
        e7 = {"@timestamp": ts7,
              "agent": {"id": agent, "type": "filebeat", "version": "8.15.3"},
              "data_stream": {"dataset": "windows.sysmon_operational", "namespace": "default", "type": "logs"},
              "ecs": {"version": "8.11.0"},
              "event": {"action": "Image loaded", "category": ["process"], "code": "7", "created": ts7,
                        "dataset": "windows.sysmon_operational", "kind": "event", "module": "sysmon",
                        "provider": "Microsoft-Windows-Sysmon", "type": ["change"]},
              "file": {"code_signature": cs, "directory": exe.rsplit("\\", 1)[0], "extension": "exe",
                       "hash": hashes, "name": name, "path": exe, "pe": pe},
              "host": host, "log": {"level": "information"},
              "process": {"entity_id": guid, "executable": exe, "name": name, "pid": pid},
              "related": {"hash": [b.sha256, b.sha1, b.md5]},
              "user": {"id": sid},
              "winlog": {"channel": "Microsoft-Windows-Sysmon/Operational", "computer_name": h.name.lower(),
                         "event_data": ed7, "event_id": "7", "opcode": "Info",
                         "process": {"pid": 3120, "thread": {"id": 4400}},
                         "provider_guid": "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}",
                         "provider_name": "Microsoft-Windows-Sysmon", "record_id": str(rec + 1),
                         "task": "Image loaded (rule: ImageLoad)", "user": wl_user, "version": 3}}
        return [jdump(e1), "\n", jdump(e7), "\n"]


def write_labels(fleet: Fleet, out_dir: str) -> int:
    seen = np.unique(fleet.E_b)
    rows = []
    for bi in seen:
        b = fleet.binaries[int(bi)]
        rows.append((b.sha256, b.label, b.scenario, b.cert.subject if b.cert else "", b.description))
    rows.sort()
    with open(os.path.join(out_dir, "labels.csv"), "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["sha256", "label", "scenario", "signer", "description"])
        w.writerows(rows)
    return len(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--hosts", type=int, default=200)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--format", choices=["elastic", "sysmon_ecs"], default="elastic")
    ap.add_argument("--knobs", action="store_true", help="print the seed's drawn knobs as JSON on stderr")
    a = ap.parse_args(argv)
    if not (2 <= a.hosts <= 5000) or not (1 <= a.days <= 60):
        print("blind_fleet: --hosts must be 2..5000 and --days 1..60", file=sys.stderr)
        return 2
    fleet = Fleet(a.hosts, a.days, a.seed)
    fleet.build()
    fleet.sample_events()
    Writer(fleet, a.format).write(a.out)
    n_labels = write_labels(fleet, a.out)
    mal = sum(1 for b in set(int(x) for x in np.unique(fleet.E_b)) if fleet.binaries[b].label == "malicious")
    print(f"blind_fleet: {fleet.E_b.size} process starts, {n_labels} hashes ({mal} malicious), "
          f"{len(fleet.hosts)} hosts, {a.days} days ending {WINDOW_END.date()}", file=sys.stderr)
    if a.knobs:
        print(json.dumps(fleet.knobs, indent=1, sort_keys=True), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
