#!/usr/bin/env python3
"""An independent fleet generator: a second yardstick for the ranking (issue 13, "data it was never tuned on").

Written without reading the project's own simulator, feature code or model: only DESIGN.md (the seed rule
and the two populations), the README's input and labels contract, and the shapes of the real third-party
documents in ``../shared/samples``. Standalone (stdlib + numpy); nothing here imports the project.

    python benchmarks/independent_fleet.py --out DIR --hosts 400 --days 14 --seed 1 [--format elastic|sysmon_ecs]

writes ``DIR/events.ndjson.gz`` (one process start per line as Elastic Defend writes it; with
``--format sysmon_ecs`` a Sysmon Event ID 1 through Elastic Agent plus the Event ID 7 of the process's own
image, which carries ``Signed``/``Signature``/``SignatureStatus``) and ``DIR/labels.csv``
(``sha256,label,scenario,signer,description``: one row per distinct sha256 in the events).

The model
=========

Everything is drawn from ``numpy.random.default_rng(seed)``; hashes, thumbprints and ids derive from the seed
and a binary's identity, so a seed always writes byte-identical files.

**Per-seed knobs** (``Knobs``; drawn first, so that fleets differ: some clean, some noisy). Ranges:
server share 4-15 %; activity multiplier 0.6-1.4; long-tail size ``hosts**0.8 * U(0.8, 2.6)`` products with
host counts lognormal (median 2-6 hosts, sigma 1.0-1.9) and 60 % of them confined to one department; tail
certificates expired 2-15 %, unsigned 3-15 %, missing intermediate (``errorChaining``) 0-3 %; share of tail
updates that run an installer from Temp 20-70 %; internal root deployed on 55-100 % of hosts, 2-8 internal
tools; per-user apps ``Poisson(0.5-3)`` per workstation; developer hosts 2-12 % of workstations, 10-50 % of
their builds test-signed; portable tools from Downloads 2-15 % of workstations; 1-6 software deployments
staged in ProgramData / Windows\\Temp; attacks ``2 + Poisson(hosts**0.35 / 2)`` capped at 9, scenario
weights Dirichlet(2); attack trait probabilities (renamed 30-80 %, pe.company naming someone else 20-70 %,
suspicious parent 40-90 %, user-writable folder 85-100 %).

**Hosts.** Workstations in departments (finance, sales, engineering, hr, it, ops, legal, marketing) with one
primary user (``first.last``; IT hosts sometimes run as an ``adm-`` account), a hardware vendor (Dell, HP,
Lenovo, or a VM), an OS build (Windows 10 22H2, Windows 11 22H2/23H2); servers (Windows Server 2019/2022,
VMs, mostly on AWS or VMware). Workstations are busy on weekdays (lognormal activity), nearly idle at
weekends and off on 7 % of weekdays (leave, laptop closed); servers run every day.

**Launches.** Each binary is deployed to hosts with a first and last day (a version update ends one hash
and starts the next on each host, a few days apart from host to host; some hosts never update) and a rate
of process starts per active day; the day's count is Poisson(rate x host activity), the time of day is
office hours for interactive programs, logon time for logon tools, any time for services. A workstation
starts a few to ~100 processes a day. A process start carries its parent (by name and path), its user
(the host's user, or ``SYSTEM`` for services), its path (per-user installs under the host's profile), the
PE original file name and company, and its code signature *on that host and day*: certificates may expire
or be revoked in the middle of the window (the status flips from ``trusted`` on that day), and internal
certificates are trusted only on hosts that have the internal root.

**Benign scenarios** (``label=benign``):

- ``windows_inbox``: System32 binaries per OS build, signed "Microsoft Windows" or "Microsoft Windows
  Publisher"; a Patch Tuesday inside the window gives a few of them new hashes rolled out over days.
- ``mainstream_app``: Office, Edge, Chrome, Firefox, Acrobat, Java, Zoom, Slack, Teams (classic in AppData,
  new in WindowsApps), OneDrive and its updaters (AppData), Defender platform binaries and Edge/Google
  updaters (ProgramData, Program Files), VPN and security agents, VMware Tools and the SSM agent on servers,
  Intel / NVIDIA / Realtek drivers' helpers on the hardware that has them; browsers and updaters get new
  versions during the window, Defender's definition updates a new hash every day or two.
- ``vendor_longtail``: the fleet's own long tail of line-of-business apps, agents and per-user apps from
  invented vendors (``Varentis Data GmbH``...), many on a handful of hosts, some in AppData or ProgramData,
  1-3 products per vendor on one certificate, a certificate renewal (same subject, new thumbprint) now and
  then; ``vendor_expired_cert`` and ``vendor_chaining`` are the tail products whose certificate expired
  (without a timestamp, so Windows says so) or whose intermediate is missing; ``unsigned_tool`` the
  unsigned ones.
- ``personal_app``: apps users install themselves in their profile (Spotify, Discord, Signal, Grammarly,
  Notion, Figma, Postman, Obsidian signed by "Dynalist Inc.", Brave, ChatGPT, Python...): each workstation
  ``Poisson(0.5-3)`` of them by popularity, 2-4 versions of each in circulation (hosts update at their own
  pace), and for the 6 % of installs that happen inside the window the installer run once from Downloads.
- ``update_installer``: a tail product's update run from ``AppData\\Local\\Temp\\{GUID}`` or
  ``Windows\\Temp`` by its updater or msiexec, once, on each host that updates.
- ``internal_pki_tool``: the organisation's own tools (inventory agent, drive mapper, LOB clients) signed by
  its enterprise CA, widely deployed in ProgramData / Users\\Public / Program Files: ``errorUntrustedRoot``
  on hosts without the root.
- ``deployment_staging``: installers of known vendors staged by PDQ (``Windows\\Temp\\PDQDeployRunner``),
  Chocolatey (``ProgramData\\chocolatey``), Intune (``Windows\\IMECache``) or SCCM (``Windows\\ccmcache``)
  and run as SYSTEM on many hosts within a day or two; sometimes an old installer whose certificate expired.
- ``portable_download``: portable tools (PuTTY, WinSCP, Rufus, CPU-Z, AnyDesk, TeamViewer QuickSupport,
  Sysinternals, NirSoft...) run from Downloads by explorer or the browser on 1-3 hosts, sometimes renamed by
  the browser (``putty (1).exe``), sometimes an old build with an expired certificate.
- ``developer_test_build``: developers' builds, a new hash per build on one host, self-signed
  (``WDKTestCert <user>,...``, ``<Org> Dev Test``) or unsigned, in ``source\\repos``, ``AppData\\Local\\Temp``
  or ``Downloads`` (CI artifacts), started by devenv, dotnet, pwsh or cmd.
- ``oem_rebranded``: hardware vendors' tools whose ``pe.company`` names the parent or acquired company
  (Conexant signed, Synaptics company; Waves Inc / Waves Audio Ltd.; HP Inc. / HP Development Company),
  often in ProgramData, on the hosts of that hardware.
- ``logon_script_tool``: tools started at logon by cmd.exe, wscript.exe or cscript.exe from Users\\Public,
  ProgramData or NETLOGON, signed by a small vendor or the internal CA, on one department.

**Malicious scenarios** (``label=malicious``, T1588.003), each on 1-5 hosts (first host on a day drawn from
the window, lateral spread over the following days, sometimes as SYSTEM under services.exe or
wmiprvse.exe), a lone binary or a campaign of 2-5 hashes under one certificate (dropper that runs once or
twice, implant that runs at each logon or by a scheduled task, lateral tool); traits drawn per binary:
user-writable folder (AppData, Temp, Downloads, Users\\Public, ProgramData; else Program Files (x86)),
masquerading names (droppers as lures: ``Invoice_2026-11.exe``, ``Scan_00417.pdf.exe``, fake installers in
Downloads; implants as services: ``OneDriveUpdate.exe`` in the real OneDrive folder, ``svchost.exe`` in
AppData...), renamed files (``pe.original_file_name``
differs), ``pe.company`` naming the impersonated brand or another company, parents winword/excel/outlook,
explorer, powershell, cmd, rundll32, mshta, wscript, msiexec, the browser:

- ``signer_stolen_revoked``: a vendor's stolen certificate (D-Link, Changing Information Technology, JMicron,
  HT Srl, game studios...), revoked by the CA before or during the window (``errorRevoked`` from that day).
- ``signer_stolen_live``: a stolen certificate nobody revoked yet: ``trusted``; sometimes the certificate of
  a vendor this very fleet runs (same subject, same thumbprint as the vendor's own binaries).
- ``signer_leaked_lapsed``: an old leaked certificate past its validity (the NVIDIA 2015 certificates of
  the 2022 leak, MSI, HT Srl): ``errorExpired``; an allow-listed name like NVIDIA escapes the seed rule.
- ``signer_shell_company``: an OV/EV certificate bought for a front company days before (``Osnova Teknik
  LLC``...): valid, trusted, a signer the fleet has never seen; now and then revoked during the window.
- ``signer_selfsigned_brand``: a self-signed certificate naming a big publisher (Google LLC, Microsoft
  Corporation, Adobe Inc., Mozilla Corporation: allow-listed, so the seed rule lets it through) or another
  brand (Zoom, Slack, a typo like "Micros0ft Corporation"): ``errorUntrustedRoot``.

By design the seed rule misses the trusted ones (live stolen, shell company) and the allow-listed names.

**Size.** 400 hosts x 14 days: 230-400 thousand process starts (the activity knob), 55-95 MB of gzip in the
Elastic Defend shape, 20-40 s; ``sysmon_ecs`` writes two documents per start, about 1.6x the bytes.
"""

from __future__ import annotations

import argparse
import base64
import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")
DEFAULT_END = dt.date(2026, 11, 29)

TRUSTED = "trusted"
EXPIRED = "errorExpired"
REVOKED = "errorRevoked"
UNTRUSTED_ROOT = "errorUntrustedRoot"
CHAINING = "errorChaining"

SYSMON_STATUS = {
    TRUSTED: "Valid",
    EXPIRED: "Expired",
    REVOKED: "Revoked",
    UNTRUSTED_ROOT: (
        "A certificate chain processed, but terminated in a root certificate which is not trusted by the "
        "trust provider."
    ),
    CHAINING: "A certificate chain could not be built to a trusted root authority.",
}

W = "C:\\Windows"
S32 = "C:\\Windows\\System32"
PF = "C:\\Program Files"
PF86 = "C:\\Program Files (x86)"
UP = "C:\\Users\\{user}"
LAD = UP + "\\AppData\\Local"
RAD = UP + "\\AppData\\Roaming"

PARENT_PATHS = {
    "explorer.exe": W + "\\explorer.exe",
    "svchost.exe": S32 + "\\svchost.exe",
    "services.exe": S32 + "\\services.exe",
    "userinit.exe": S32 + "\\userinit.exe",
    "winlogon.exe": S32 + "\\winlogon.exe",
    "wininit.exe": S32 + "\\wininit.exe",
    "smss.exe": S32 + "\\smss.exe",
    "cmd.exe": S32 + "\\cmd.exe",
    "powershell.exe": S32 + "\\WindowsPowerShell\\v1.0\\powershell.exe",
    "pwsh.exe": PF + "\\PowerShell\\7\\pwsh.exe",
    "wscript.exe": S32 + "\\wscript.exe",
    "cscript.exe": S32 + "\\cscript.exe",
    "mshta.exe": S32 + "\\mshta.exe",
    "rundll32.exe": S32 + "\\rundll32.exe",
    "msiexec.exe": S32 + "\\msiexec.exe",
    "wmiprvse.exe": S32 + "\\wbem\\WmiPrvSE.exe",
    "taskhostw.exe": S32 + "\\taskhostw.exe",
    "sihost.exe": S32 + "\\sihost.exe",
    "winword.exe": PF + "\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
    "excel.exe": PF + "\\Microsoft Office\\root\\Office16\\EXCEL.EXE",
    "outlook.exe": PF + "\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
    "msedge.exe": PF86 + "\\Microsoft\\Edge\\Application\\msedge.exe",
    "chrome.exe": PF + "\\Google\\Chrome\\Application\\chrome.exe",
    "firefox.exe": PF + "\\Mozilla Firefox\\firefox.exe",
    "devenv.exe": PF + "\\Microsoft Visual Studio\\2022\\Professional\\Common7\\IDE\\devenv.exe",
    "dotnet.exe": PF + "\\dotnet\\dotnet.exe",
    "Code.exe": LAD + "\\Programs\\Microsoft VS Code\\Code.exe",
    "CcmExec.exe": W + "\\CCM\\CcmExec.exe",
    "PDQDeployRunner-1.exe": W + "\\AdminArsenal\\PDQDeployRunner\\service-1\\PDQDeployRunner-1.exe",
    "choco.exe": "C:\\ProgramData\\chocolatey\\choco.exe",
    "AgentExecutor.exe": PF86 + "\\Microsoft Intune Management Extension\\AgentExecutor.exe",
    "OneDrive.exe": LAD + "\\Microsoft\\OneDrive\\OneDrive.exe",
    "Teams.exe": LAD + "\\Microsoft\\Teams\\current\\Teams.exe",
    "Zoom.exe": RAD + "\\Zoom\\bin\\Zoom.exe",
    "GoogleUpdate.exe": PF86 + "\\Google\\Update\\GoogleUpdate.exe",
    "MicrosoftEdgeUpdate.exe": PF86 + "\\Microsoft\\EdgeUpdate\\MicrosoftEdgeUpdate.exe",
}

DEPARTMENTS = ["finance", "sales", "engineering", "hr", "it", "ops", "legal", "marketing"]
DEPT_WEIGHTS = [0.14, 0.2, 0.2, 0.06, 0.07, 0.2, 0.04, 0.09]
FIRST = ["anna", "ben", "carla", "deniz", "emma", "farid", "greta", "hugo", "ines", "jonas", "kai", "lena",
         "mika", "nora", "omar", "paula", "quinn", "rosa", "sven", "tara", "umut", "vera", "wei", "yara",
         "zoe", "lukas", "maria", "jan", "sofia", "noah", "ahmed", "chen", "priya", "olga", "marco", "sara"]
LAST = ["muller", "schmidt", "novak", "rossi", "garcia", "kowalski", "jensen", "smith", "tanaka", "kim",
        "silva", "dubois", "berg", "meyer", "petrov", "nguyen", "oconnor", "weber", "fischer", "lopez",
        "hoffmann", "martin", "costa", "yilmaz", "larsen", "wagner", "becker", "sato", "ivanova", "brown"]
ORGS = ["Fabrikam", "Northwind", "Tailspin", "Wingtip", "Litware", "Proseware", "Adatum", "Lucerne",
        "Woodgrove", "Trey Research", "Alpine Ski", "Coho Vineyard"]

# Syllables for invented vendor and product names.
SYL_A = ["Var", "Nex", "Qua", "Lum", "Tor", "Bri", "Cal", "Den", "Ex", "Fal", "Gri", "Hel", "Ix", "Jor",
         "Kel", "Mar", "Nor", "Orb", "Pel", "Ral", "Sol", "Tal", "Ul", "Vel", "Wes", "Zen", "Ast", "Cor"]
SYL_B = ["entis", "ora", "ix", "ano", "via", "eron", "ium", "ada", "ello", "ure", "ion", "etra", "isto",
         "ona", "ex", "ari", "umo", "ent", "aro", "ica"]
VENDOR_KIND = ["Data", "Systems", "Software", "Technologies", "Labs", "Solutions", "Digital", "Networks",
               "Analytics", "Medical", "Logistics", "Engineering", "Informatik", "Tech", ""]
SUFFIX = ["GmbH", "Ltd", "Inc.", "LLC", "S.A.", "AB", "Oy", "s.r.o.", "Pty Ltd", "B.V.", "Co., Ltd.",
          "A/S", "S.p.A.", "Corporation", "AG", "SAS", "Sp. z o.o."]
PRODUCT_WORDS = ["Sync", "Agent", "Client", "Viewer", "Desk", "Scan", "Print", "Report", "Connect", "Link",
                 "Capture", "Plan", "Ledger", "Cad", "Lab", "Notes", "Meter", "Trace", "Chart", "Vault",
                 "Dispatch", "Route", "Pay", "Time", "Shift", "Stock", "Doc", "Sign", "Mail", "Backup"]
SHELL_WORDS = ["Osnova", "Blue Heron", "Kopelland", "Sagitta", "Mirabel", "Trans-Nord", "Eleks", "Sator",
               "Global Park", "Vintor", "Astra Line", "Baltic Peak", "Nordhaven", "Zhuhai Weilan",
               "Delta Quant", "Amber Crest", "Pine Ridge", "Stellar Bridge", "Orion Forge", "Hexa Path"]
SHELL_KIND = ["Teknik", "Trading", "Consulting", "Solutions", "Digital", "Soft", "Media", "Agency", "Service",
              "Logistic", "Innovations", "Ventures"]
SHELL_SUFFIX = ["LLC", "Ltd", "LTD", "SP Z O O", "ApS", "OOO", "s.r.o.", "Limited", "Inc.", "TOV", "Kft."]
STOLEN_EXTERNAL = ["D-Link Corporation", "Changing Information Technology Inc.", "JMicron Technology Corp.",
                   "Realtek Semiconductor Corp.", "HT Srl", "Wemade IO Co., Ltd.", "Gravity Co., Ltd.",
                   "YNK Japan Inc.", "Nayu Soft Co., Ltd.", "Zemana Ltd.", "Frontline Gaming Co., Ltd.",
                   "Hanbit Soft Inc.", "Micro-Star International CO., LTD.", "Beijing JoinHope Image Technology Ltd."]
LEAKED_OLD = ["NVIDIA Corporation", "NVIDIA Corporation", "HT Srl", "Micro-Star International CO., LTD.",
              "Hangzhou Bianfeng Networking Technology Co., Ltd.", "Zemana Ltd."]
ALLOW_BRANDS = ["Google LLC", "Microsoft Corporation", "Adobe Inc.", "Mozilla Corporation", "Cisco Systems, Inc."]
OTHER_BRANDS = ["Zoom Video Communications, Inc.", "Slack Technologies, LLC", "Micros0ft Corporation",
                "Google Inc", "Adobe Systems Incorporated", "TeamViewer Germany GmbH", "AnyDesk Software GmbH",
                "Citrix Systems, Inc."]
MASQUERADE = [  # (file name, folder under the profile or absolute, brand company)
    ("OneDriveUpdate.exe", LAD + "\\Microsoft\\OneDrive", "Microsoft Corporation"),
    ("OneDriveStandaloneUpdater.exe", LAD + "\\Microsoft\\OneDrive\\Update", "Microsoft Corporation"),
    ("GoogleUpdateSetup.exe", UP + "\\Downloads", "Google LLC"),
    ("GoogleCrashHandler.exe", LAD + "\\Google\\Update", "Google LLC"),
    ("AdobeARMHelper.exe", "C:\\ProgramData\\Adobe\\ARM", "Adobe Inc."),
    ("AcroUpdate.exe", LAD + "\\Temp", "Adobe Inc."),
    ("ZoomInstallerFull.exe", UP + "\\Downloads", "Zoom Video Communications, Inc."),
    ("Teams_windows_x64.exe", UP + "\\Downloads", "Microsoft Corporation"),
    ("svchost.exe", RAD + "\\Microsoft\\Network", "Microsoft Corporation"),
    ("RuntimeBroker.exe", LAD + "\\Microsoft\\WindowsApps\\Broker", "Microsoft Corporation"),
    ("msedgeupdate.exe", RAD + "\\Microsoft\\Edge", "Microsoft Corporation"),
    ("nvcontainer.exe", "C:\\ProgramData\\NVIDIA\\Container", "NVIDIA Corporation"),
    ("RtkAudUService64.exe", "C:\\Users\\Public\\Realtek", "Realtek Semiconductor"),
    ("vpnagent_update.exe", "C:\\ProgramData\\Cisco\\Secure Client", "Cisco Systems, Inc."),
    ("Invoice_2026-11.exe", UP + "\\Downloads", ""),
    ("Scan_00417.pdf.exe", LAD + "\\Temp\\Rar$EXa2164.19443", ""),
    ("DocuSign_Review.exe", UP + "\\Downloads", "DocuSign, Inc."),
    ("setup_x64.exe", LAD + "\\Temp\\7zS4A21", ""),
    ("DriverUpdate.exe", "C:\\ProgramData\\DriverUpdate", ""),
    ("winupd.exe", "C:\\Users\\Public\\Libraries", "Microsoft Corporation"),
    ("update.exe", RAD + "\\{vendordir}", ""),
    ("helper.exe", LAD + "\\{vendordir}", ""),
]
LURES = {"GoogleUpdateSetup.exe", "AcroUpdate.exe", "ZoomInstallerFull.exe", "Teams_windows_x64.exe",
         "Invoice_2026-11.exe", "Scan_00417.pdf.exe", "DocuSign_Review.exe", "setup_x64.exe"}
ORIGINAL_NAMES = ["loader.exe", "stub.exe", "Project1.exe", "client.exe", "payload.exe", "agent.exe",
                  "ConsoleApplication1.exe", "beacon.exe", "Setup.exe", "svc.exe", "update.exe"]
INITIAL_PARENTS = ["explorer.exe", "winword.exe", "excel.exe", "outlook.exe", "powershell.exe", "cmd.exe",
                   "rundll32.exe", "mshta.exe", "wscript.exe", "msiexec.exe", "msedge.exe", "chrome.exe"]
SUSPICIOUS_PARENTS = {"winword.exe", "excel.exe", "outlook.exe", "powershell.exe", "cmd.exe", "rundll32.exe",
                      "mshta.exe", "wscript.exe", "msiexec.exe"}


def digest(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()


@dataclass
class Knobs:
    server_share: float
    activity: float
    tail_products: int
    tail_median_hosts: float
    tail_sigma: float
    tail_expired: float
    tail_unsigned: float
    tail_chaining: float
    installer_share: float
    root_coverage: float
    internal_tools: int
    personal_apps: float
    dev_share: float
    dev_signed: float
    portable_share: float
    stagings: int
    attacks: int
    attack_weights: list[float]
    p_renamed: float
    p_company_other: float
    p_suspicious_parent: float
    p_user_writable: float


ATTACK_SCENARIOS = ["signer_stolen_revoked", "signer_stolen_live", "signer_leaked_lapsed",
                    "signer_shell_company", "signer_selfsigned_brand"]


def draw_knobs(rng: np.random.Generator, hosts: int) -> Knobs:
    return Knobs(
        server_share=float(rng.uniform(0.04, 0.15)),
        activity=float(rng.uniform(0.6, 1.4)),
        tail_products=max(4, round(hosts ** 0.8 * rng.uniform(0.8, 2.6))),
        tail_median_hosts=float(rng.uniform(2.0, 6.0)),
        tail_sigma=float(rng.uniform(1.0, 1.9)),
        tail_expired=float(rng.uniform(0.02, 0.15)),
        tail_unsigned=float(rng.uniform(0.03, 0.15)),
        tail_chaining=float(rng.uniform(0.0, 0.03)),
        installer_share=float(rng.uniform(0.2, 0.7)),
        root_coverage=float(rng.uniform(0.55, 1.0)),
        internal_tools=int(rng.integers(2, 9)),
        personal_apps=float(rng.uniform(0.5, 3.0)),
        dev_share=float(rng.uniform(0.02, 0.12)),
        dev_signed=float(rng.uniform(0.1, 0.5)),
        portable_share=float(rng.uniform(0.02, 0.15)),
        stagings=int(rng.integers(1, 7)),
        attacks=int(min(9, 2 + rng.poisson(hosts ** 0.35 / 2))),
        attack_weights=[float(x) for x in rng.dirichlet([2.0] * len(ATTACK_SCENARIOS))],
        p_renamed=float(rng.uniform(0.3, 0.8)),
        p_company_other=float(rng.uniform(0.2, 0.7)),
        p_suspicious_parent=float(rng.uniform(0.4, 0.9)),
        p_user_writable=float(rng.uniform(0.85, 1.0)),
    )


@dataclass
class Cert:
    subject: str
    thumb: str
    base: str = TRUSTED
    change_day: int | None = None  # from this day on, the status is `after`
    after: str | None = None
    internal: bool = False  # trusted only on hosts with the organisation's root

    def status(self, has_root: bool, day: int) -> str:
        status = self.after if self.change_day is not None and day >= self.change_day and self.after else self.base
        if self.internal and status == TRUSTED and not has_root:
            return UNTRUSTED_ROOT
        return status


@dataclass
class Binary:
    key: str
    label: str
    scenario: str
    description: str
    name: str
    original: str
    company: str
    cert: Cert | None
    parents: list[str]
    system: bool = False
    product: str = ""
    version: str = ""
    sha256: str = ""


@dataclass
class Deploy:
    binary: int
    host: int
    path: str
    start: int
    end: int  # inclusive
    rate: float = 0.0
    when: str = "work"  # work | any | logon
    schedule: dict[int, int] = field(default_factory=dict)  # day -> exact count (overrides rate)
    parent: str | None = None  # fixed parent for this deployment


@dataclass
class Host:
    id: str
    name: str
    user: str
    domain: str
    server: bool
    dept: str
    hw: str
    os_build: str
    has_root: bool
    dev: bool
    agent: str


class Fleet:
    def __init__(self, hosts: int, days: int, seed: int) -> None:
        self.seed = seed
        self.days = days
        self.rng = np.random.default_rng(seed)
        self.k = draw_knobs(self.rng, hosts)
        self.org = ORGS[int(self.rng.integers(len(ORGS)))]
        self.domain = self.org.replace(" ", "").upper()[:12]
        self.binaries: list[Binary] = []
        self.deploys: list[Deploy] = []
        self.hosts = self._hosts(hosts)
        self.activity = self._activity()
        self.certs: dict[str, Cert] = {}

    # ----- helpers -------------------------------------------------------------------------------------
    def choice(self, items: Sequence[T], p: Sequence[float] | None = None) -> T:
        return items[int(self.rng.choice(len(items), p=p))]

    def cert(self, subject: str, key: str, **kw: object) -> Cert:
        if key not in self.certs:
            self.certs[key] = Cert(subject, digest(self.seed, "cert", key), **kw)  # type: ignore[arg-type]
        return self.certs[key]

    def add(self, b: Binary) -> int:
        b.sha256 = digest(self.seed, "bin", b.label, b.key)
        self.binaries.append(b)
        return len(self.binaries) - 1

    def guid(self) -> str:
        h = digest(self.seed, "guid", self.rng.integers(1 << 62)).upper()
        return "{" + "-".join((h[:8], h[8:12], h[12:16], h[16:20], h[20:32])) + "}"

    def _hosts(self, n: int) -> list[Host]:
        out = []
        users: set[str] = set()
        n_servers = round(n * self.k.server_share) if n >= 10 else (1 if n >= 4 else 0)
        for i in range(n):
            server = i >= n - n_servers
            dept = "servers" if server else self.choice(DEPARTMENTS, DEPT_WEIGHTS)
            while True:
                user = f"{self.choice(FIRST)}.{self.choice(LAST)}"
                if user not in users or len(users) > 900:
                    break
            users.add(user)
            if server:
                name = f"SRV-{self.choice(['APP', 'SQL', 'FS', 'WEB', 'DC', 'PRT', 'RDS'])}-{i:03d}"
                user, hw = "svc_" + name.split("-")[1].lower(), self.choice(["vm", "aws"])
                os_build = self.choice(["server2019", "server2022"])
            else:
                prefix = self.choice(["LT", "WKS", "LT", "VDI"])
                name = f"{prefix}-{dept[:3].upper()}-{1000 + i}"
                hw = "vm" if prefix == "VDI" else self.choice(["dell", "hp", "lenovo"], [0.45, 0.3, 0.25])
                os_build = self.choice(["win10_22h2", "win11_22h2", "win11_23h2"], [0.3, 0.25, 0.45])
                if dept == "it" and self.rng.random() < 0.3:
                    user = "adm-" + user.split(".")[1]
            out.append(Host(
                id=digest(self.seed, "host", i)[:8] + "-" + digest(self.seed, "host", i)[8:12] + "-4"
                + digest(self.seed, "host", i)[13:16] + "-a" + digest(self.seed, "host", i)[17:20] + "-"
                + digest(self.seed, "host", i)[20:32],
                name=name, user=user, domain=self.domain, server=server, dept=dept, hw=hw, os_build=os_build,
                has_root=bool(self.rng.random() < self.k.root_coverage),
                dev=bool(not server and dept in ("engineering", "it") and self.rng.random() < self.k.dev_share * 4),
                agent=digest(self.seed, "agent", i)[:32]))
        return out

    def _activity(self) -> np.ndarray:
        n, d = len(self.hosts), self.days
        act = np.ones((n, d))
        end = DEFAULT_END
        weekday = np.array([(end - dt.timedelta(days=d - 1 - j)).weekday() for j in range(d)])
        for i, h in enumerate(self.hosts):
            if h.server:
                act[i] = self.rng.lognormal(0, 0.1, d)
                continue
            base = self.rng.lognormal(0, 0.35, d)
            weekend = weekday >= 5
            base[weekend] *= np.where(self.rng.random(weekend.sum()) < 0.2, 0.3, 0.0)
            base[~weekend & (self.rng.random(d) < 0.07)] = 0.0
            act[i] = base
        return act * self.k.activity

    def hosts_where(self, pred: Callable[[Host], bool]) -> list[int]:
        return [i for i, h in enumerate(self.hosts) if pred(h)]

    def sample_hosts(self, pool: list[int], k: int) -> list[int]:
        k = max(0, min(k, len(pool)))
        return sorted(int(x) for x in self.rng.choice(pool, size=k, replace=False)) if k else []

    def rollout(self, hosts: list[int], versions: list[int], path: str, rate: float, when: str = "work",
                parent: str | None = None, update_days: list[int] | None = None,
                stay_behind: float = 0.08) -> None:
        """Deploy a product's successive versions (binary indexes) to hosts; version v+1 replaces v on each
        host a few days after its release day (update_days[v]), except on hosts that stay behind."""
        for h in hosts:
            start = 0
            for v, b in enumerate(versions):
                if v + 1 < len(versions):
                    rel = update_days[v] if update_days else 0
                    lag = int(self.rng.geometric(0.45)) - 1
                    if self.rng.random() < stay_behind:
                        lag = self.days
                    end = min(self.days - 1, rel + lag - 1)
                else:
                    end = self.days - 1
                if end >= start:
                    self.deploys.append(Deploy(b, h, path, start, end, rate, when, parent=parent))
                start = max(start, end + 1)
                if start >= self.days:
                    break

    def product(self, scenario: str, name: str, original: str, company: str, cert: Cert | None,
                parents: list[str], n_versions: int, key: str, description: str, system: bool = False,
                label: str = "benign") -> tuple[list[int], list[int]]:
        versions = []
        for v in range(n_versions):
            versions.append(self.add(Binary(f"{key}#v{v}", label, scenario, description, name, original, company,
                                            cert, parents, system, product=key, version=str(v))))
        days = sorted(int(x) for x in self.rng.integers(1, max(2, self.days), size=max(0, n_versions - 1)))
        return versions, days

    # ----- benign ---------------------------------------------------------------------------------------
    def build_benign(self) -> None:
        self._windows()
        self._mainstream()
        self._long_tail()
        self._personal()
        self._internal()
        self._oem()
        self._staging()
        self._portable()
        self._dev()
        self._logon()

    def _windows(self) -> None:
        win = self.cert("Microsoft Windows", "ms-windows")
        pub = self.cert("Microsoft Windows Publisher", "ms-windows-publisher")
        inbox = [  # name, parents, rate, system, publisher
            ("svchost.exe", ["services.exe"], 6.0, True, True), ("conhost.exe", ["cmd.exe", "powershell.exe"], 3.0,
                False, False),
            ("RuntimeBroker.exe", ["svchost.exe"], 3.0, False, False), ("dllhost.exe", ["svchost.exe"], 2.5, False,
                False),
            ("taskhostw.exe", ["svchost.exe"], 2.0, False, False), ("backgroundTaskHost.exe", ["svchost.exe"], 2.0,
                False, False),
            ("SearchProtocolHost.exe", ["SearchIndexer.exe"], 2.0, True, False), ("WmiPrvSE.exe", ["svchost.exe"],
                1.5, True, False),
            ("smartscreen.exe", ["svchost.exe"], 1.0, False, False), ("consent.exe", ["svchost.exe"], 0.3, True, False),
            ("cmd.exe", ["explorer.exe", "svchost.exe"], 1.0, False, False), ("powershell.exe", ["explorer.exe",
                "svchost.exe", "cmd.exe"], 0.6, False, False),
            ("rundll32.exe", ["svchost.exe", "explorer.exe"], 0.8, False, False), ("msiexec.exe", ["services.exe"],
                0.3, True, False),
            ("sihost.exe", ["svchost.exe"], 0.4, False, False), ("userinit.exe", ["winlogon.exe"], 0.4, False, True),
            ("explorer.exe", ["userinit.exe"], 0.4, False, True), ("notepad.exe", ["explorer.exe"], 0.4, False, False),
            ("SecurityHealthSystray.exe", ["explorer.exe"], 0.4, False, False), ("ctfmon.exe", ["svchost.exe"], 0.5,
                False, False),
            ("MoUsoCoreWorker.exe", ["svchost.exe"], 0.6, True, False), ("TiWorker.exe", ["svchost.exe"], 0.3, True,
                False),
            ("wermgr.exe", ["svchost.exe"], 0.3, True, False), ("gpupdate.exe", ["cmd.exe", "svchost.exe"], 0.2,
                False, False),
        ]
        builds = sorted({h.os_build for h in self.hosts})
        patch_day = None
        for j in range(self.days):  # a Patch Tuesday in the window (second Tuesday of the month)
            day = DEFAULT_END - dt.timedelta(days=self.days - 1 - j)
            if day.weekday() == 1 and 8 <= day.day <= 14:
                patch_day = j
        for name, parents, rate, system, publisher in inbox:
            for build in builds:
                hosts = self.hosts_where(lambda h, b=build: h.os_build == b)
                n_versions = 2 if patch_day is not None and self.rng.random() < 0.35 else 1
                cert = pub if publisher else win
                versions, _ = self.product("windows_inbox", name, name, "Microsoft Corporation", cert, parents,
                                           n_versions, f"win:{build}:{name}", f"Windows inbox {name} ({build})",
                                           system=system)
                self.rollout(hosts, versions, S32 + "\\" + name if name != "explorer.exe" else W + "\\explorer.exe",
                             rate * (0.5 if self.hosts[hosts[0]].server else 1.0), "any" if system else "work",
                             update_days=[patch_day] if n_versions == 2 and patch_day is not None else None,
                             stay_behind=0.05)

    def _mainstream(self) -> None:
        ms = self.cert("Microsoft Corporation", "ms-corp")
        goog = self.cert("Google LLC", "google")
        adobe = self.cert("Adobe Inc.", "adobe")
        moz = self.cert("Mozilla Corporation", "mozilla")
        oracle = self.cert("Oracle America, Inc.", "oracle")
        cisco = self.cert("Cisco Systems, Inc.", "cisco")
        webex = self.cert("Cisco WebEx LLC", "webex")
        vmw = self.cert("VMware, Inc.", "vmware")
        intel = self.cert("Intel Corporation", "intel")
        nv = self.cert("NVIDIA Corporation", "nvidia")
        amzn = self.cert("Amazon.com Services LLC", "amazon")
        zoom = self.cert("Zoom Video Communications, Inc.", "zoom")
        slack = self.cert("Slack Technologies, LLC", "slack")
        cs = self.cert("CrowdStrike, Inc.", "crowdstrike")
        el = self.cert("Elasticsearch, Inc.", "elastic")
        zs = self.cert("Zscaler, Inc.", "zscaler")
        npp = self.cert("Notepad++", "npp")
        citrix = self.cert("Citrix Systems, Inc.", "citrix")
        realtek = self.cert("Realtek Semiconductor Corp.", "realtek")
        apple = self.cert("Apple Inc.", "apple")
        ws = lambda h: not h.server  # noqa: E731
        d_off = PF + "\\Microsoft Office\\root\\Office16\\"
        defender_ver = f"4.18.{24090 + int(self.rng.integers(0, 20))}.{int(self.rng.integers(1, 12))}-0"
        apps = [  # name, original, company, cert, folder, host filter, share, rate, versions, parents, system, when
            ("OneDrive.exe", "OneDrive.exe", "Microsoft Corporation", ms, LAD + "\\Microsoft\\OneDrive", ws, 0.85,
                1.2, 2, ["explorer.exe"], False, "logon"),
            ("OneDriveStandaloneUpdater.exe", "OneDriveStandaloneUpdater.exe", "Microsoft Corporation", ms,
                LAD + "\\Microsoft\\OneDrive", ws, 0.85, 1.0, 2, ["svchost.exe"], False, "any"),
            ("Teams.exe", "Teams.exe", "Microsoft Corporation", ms, LAD + "\\Microsoft\\Teams\\current", ws, 0.45,
                3.0, 2, ["explorer.exe", "Teams.exe"], False, "work"),
            ("Update.exe", "Squirrel.exe", "Microsoft Corporation", ms, LAD + "\\Microsoft\\Teams", ws, 0.45, 0.8, 1,
                ["explorer.exe"], False, "logon"),
            ("ms-teams.exe", "ms-teams.exe", "Microsoft Corporation", ms,
                PF + "\\WindowsApps\\MSTeams_24295.605.3225.8804_x64__8wekyb3d8bbwe", ws, 0.4, 4.0, 2,
                    ["explorer.exe", "svchost.exe"], False, "work"),
            ("WINWORD.EXE", "WinWord.exe", "Microsoft Corporation", ms, d_off, ws, 0.9, 1.5, 2, ["explorer.exe",
                "outlook.exe"], False, "work"),
            ("EXCEL.EXE", "Excel.exe", "Microsoft Corporation", ms, d_off, ws, 0.9, 1.8, 2, ["explorer.exe",
                "outlook.exe"], False, "work"),
            ("OUTLOOK.EXE", "Outlook.exe", "Microsoft Corporation", ms, d_off, ws, 0.9, 1.2, 2, ["explorer.exe"],
                False, "logon"),
            ("POWERPNT.EXE", "PowerPnt.exe", "Microsoft Corporation", ms, d_off, ws, 0.7, 0.4, 2, ["explorer.exe",
                "outlook.exe"], False, "work"),
            ("OfficeClickToRun.exe", "OfficeClickToRun.exe", "Microsoft Corporation", ms,
                PF + "\\Common Files\\microsoft shared\\ClickToRun", ws, 0.9, 0.6, 2, ["services.exe"], True, "any"),
            ("msedge.exe", "msedge.exe", "Microsoft Corporation", ms, PF86 + "\\Microsoft\\Edge\\Application",
                lambda h: True, 0.97, 7.0, 3, ["explorer.exe", "msedge.exe", "outlook.exe"], False, "work"),
            ("MicrosoftEdgeUpdate.exe", "msedgeupdate.dll", "Microsoft Corporation", ms,
                PF86 + "\\Microsoft\\EdgeUpdate", lambda h: True, 0.97, 1.5, 2, ["svchost.exe"], True, "any"),
            ("MpCmdRun.exe", "MpCmdRun.exe", "Microsoft Corporation", ms,
                "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\" + defender_ver, lambda h: True, 0.95, 1.5,
                    1, ["svchost.exe", "MsMpEng.exe"], True, "any"),
            ("MsMpEng.exe", "MsMpEng.exe", "Microsoft Corporation", ms,
                "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\" + defender_ver, lambda h: True, 0.95, 0.2,
                    1, ["services.exe"], True, "any"),
            ("Microsoft.Management.Services.IntuneWindowsAgent.exe",
                "Microsoft.Management.Services.IntuneWindowsAgent.exe", "Microsoft Corporation", ms,
                    PF86 + "\\Microsoft Intune Management Extension", ws, 0.8, 0.5, 1, ["services.exe"], True, "any"),
            ("Code.exe", "electron.exe", "Microsoft Corporation", ms, LAD + "\\Programs\\Microsoft VS Code",
                lambda h: h.dev or h.dept in ("engineering", "it"), 0.6, 4.0, 2, ["explorer.exe", "Code.exe"], False,
                    "work"),
            ("chrome.exe", "chrome.exe", "Google LLC", goog, PF + "\\Google\\Chrome\\Application", ws, 0.65, 6.0, 3,
                ["explorer.exe", "chrome.exe"], False, "work"),
            ("GoogleUpdate.exe", "GoogleUpdate.exe", "Google LLC", goog, PF86 + "\\Google\\Update", ws, 0.65, 1.5, 1,
                ["svchost.exe", "services.exe"], True, "any"),
            ("updater.exe", "updater.exe", "Google LLC", goog, LAD + "\\Google\\GoogleUpdater\\131.0.6776.0", ws,
                0.08, 1.0, 2, ["svchost.exe"], False, "any"),
            ("Acrobat.exe", "Acrobat.exe", "Adobe Inc.", adobe, PF + "\\Adobe\\Acrobat DC\\Acrobat", ws, 0.6, 0.8, 2,
                ["explorer.exe", "outlook.exe"], False, "work"),
            ("AdobeARM.exe", "AdobeARM.exe", "Adobe Inc.", adobe, PF86 + "\\Common Files\\Adobe\\ARM\\1.0", ws, 0.6,
                0.4, 1, ["svchost.exe"], True, "any"),
            ("AdobeCollabSync.exe", "AdobeCollabSync.exe", "Adobe Inc.", adobe, PF + "\\Adobe\\Acrobat DC\\Acrobat",
                ws, 0.6, 0.8, 2, ["Acrobat.exe"], False, "work"),
            ("Creative Cloud.exe", "Creative Cloud.exe", "Adobe Inc.", adobe,
                PF + "\\Adobe\\Adobe Creative Cloud\\ACC", lambda h: h.dept == "marketing", 0.6, 1.0, 1,
                    ["explorer.exe"], False, "logon"),
            ("firefox.exe", "firefox.exe", "Mozilla Corporation", moz, PF + "\\Mozilla Firefox", ws, 0.15, 6.0, 2,
                ["explorer.exe", "firefox.exe"], False, "work"),
            ("javaw.exe", "javaw.exe", "Oracle Corporation", oracle, PF + "\\Java\\jre1.8.0_431\\bin",
                lambda h: h.dept in ("finance", "ops", "engineering"), 0.25, 1.0, 1, ["explorer.exe", "cmd.exe"],
                    False, "work"),
            ("vpnui.exe", "vpnui.exe", "Cisco Systems, Inc.", cisco, PF86 + "\\Cisco\\Cisco Secure Client", ws, 0.75,
                0.8, 1, ["explorer.exe"], False, "logon"),
            ("vpnagent.exe", "vpnagent.exe", "Cisco Systems, Inc.", cisco, PF86 + "\\Cisco\\Cisco Secure Client", ws,
                0.75, 0.1, 1, ["services.exe"], True, "any"),
            ("CiscoCollabHost.exe", "CiscoCollabHost.exe", "Cisco WebEx LLC", webex, LAD + "\\CiscoSparkLauncher",
                ws, 0.1, 1.5, 2, ["explorer.exe"], False, "work"),
            ("vmtoolsd.exe", "vmtoolsd.exe", "VMware, Inc.", vmw, PF + "\\VMware\\VMware Tools",
                lambda h: h.hw == "vm", 1.0, 0.3, 1, ["services.exe"], True, "any"),
            ("amazon-ssm-agent.exe", "amazon-ssm-agent.exe", "", amzn, PF + "\\Amazon\\SSM", lambda h: h.hw == "aws",
                1.0, 0.2, 1, ["services.exe"], True, "any"),
            ("ssm-document-worker.exe", "ssm-document-worker.exe", "", amzn, PF + "\\Amazon\\SSM",
                lambda h: h.hw == "aws", 1.0, 1.5, 1, ["amazon-ssm-agent.exe"], True, "any"),
            ("igfxEM.exe", "igfxEM.exe", "Intel Corporation", intel,
                S32 + "\\DriverStore\\FileRepository\\iigd_dch.inf_amd64_5e3f1c8a9d5b3c11",
                    lambda h: h.hw in ("dell", "hp", "lenovo"), 0.8, 0.5, 1, ["svchost.exe"], False, "logon"),
            ("NVDisplay.Container.exe", "NVDisplay.Container.exe", "NVIDIA Corporation", nv,
                S32 + "\\DriverStore\\FileRepository\\nv_dispig.inf_amd64_2b0c5f3e8d1a7e44\\Display.NvContainer",
                    lambda h: h.dept in ("engineering", "marketing"), 0.35, 0.6, 1, ["services.exe"], True, "any"),
            ("RtkAudUService64.exe", "RtkAudUService64.exe", "Realtek Semiconductor", realtek,
                S32 + "\\DriverStore\\FileRepository\\realtekservice.inf_amd64_9b2f0f7e55c4a1d2",
                    lambda h: h.hw in ("dell", "lenovo"), 0.7, 0.5, 1, ["services.exe"], True, "any"),
            ("Zoom.exe", "Zoom.exe", "Zoom Video Communications, Inc.", zoom, RAD + "\\Zoom\\bin", ws, 0.45, 1.5, 3,
                ["explorer.exe", "Zoom.exe"], False, "work"),
            ("slack.exe", "slack.exe", "Slack Technologies Inc.", slack, LAD + "\\slack\\app-4.41.105",
                lambda h: h.dept in ("engineering", "it", "marketing"), 0.6, 3.0, 2, ["explorer.exe", "slack.exe"],
                    False, "work"),
            ("CSFalconService.exe", "CSFalconService.exe", "CrowdStrike, Inc.", cs, PF + "\\CrowdStrike",
                lambda h: True, 1.0, 0.1, 1, ["services.exe"], True, "any"),
            ("elastic-endpoint.exe", "elastic-endpoint.exe", "Elasticsearch, Inc.", el, PF + "\\Elastic\\Endpoint",
                lambda h: True, 1.0, 0.1, 1, ["services.exe"], True, "any"),
            ("ZSATray.exe", "ZSATray.exe", "Zscaler, Inc.", zs, PF + "\\Zscaler\\ZSATray", ws, 0.5, 0.6, 1,
                ["explorer.exe"], False, "logon"),
            ("notepad++.exe", "notepad++.exe", "Don HO don.h@free.fr", npp, PF + "\\Notepad++", ws, 0.2, 1.0, 1,
                ["explorer.exe"], False, "work"),
            ("SelfService.exe", "SelfService.exe", "Citrix Systems, Inc.", citrix,
                PF86 + "\\Citrix\\ICA Client\\SelfServicePlugin", ws, 0.3, 0.7, 1, ["explorer.exe"], False, "logon"),
            ("mDNSResponder.exe", "mDNSResponder.exe", "Apple Inc.", apple, PF + "\\Bonjour", ws, 0.05, 0.1, 1,
                ["services.exe"], True, "any"),
            ("7zFM.exe", "7zFM.exe", "Igor Pavlov", None, PF + "\\7-Zip", ws, 0.3, 0.5, 1, ["explorer.exe"], False,
                "work"),
        ]
        for name, orig, company, cert, folder, pred, share, rate, nver, parents, system, when in apps:
            pool = self.hosts_where(pred)
            hosts = self.sample_hosts(pool, round(len(pool) * share * self.rng.uniform(0.85, 1.1)))
            if not hosts:
                continue
            nver = min(nver, 1 + int(self.rng.binomial(nver - 1, 0.7))) if nver > 1 else 1
            versions, days = self.product("mainstream_app" if cert else "unsigned_tool", name, orig, company, cert,
                                          parents, nver, f"main:{name}", f"{company or name} {name}", system)
            self.rollout(hosts, versions, folder + "\\" + name, rate, when, update_days=days)
        # Defender definition updates: a new hash every 1-2 days, run by the Windows Update agent.
        day, k = 0, 0
        all_hosts = list(range(len(self.hosts)))
        while day < self.days:
            b = self.add(Binary(f"main:am_delta:{k}", "benign", "mainstream_app", "Defender definition update",
                                f"AM_Delta_Patch_1.421.{1024 + k * 37}.0.exe", "AM_Delta_Patch.exe",
                                "Microsoft Corporation", ms, ["svchost.exe"], True))
            for h in all_hosts:
                if self.rng.random() < 0.9:
                    self.deploys.append(Deploy(b, h, W + "\\SoftwareDistribution\\Download\\Install\\"
                                               + self.binaries[b].name, day, day, when="any", schedule={day: 1}))
            day += int(self.rng.integers(1, 3))
            k += 1

    def vendor_name(self) -> str:
        kind = self.choice(VENDOR_KIND)
        return " ".join(x for x in [self.choice(SYL_A) + self.choice(SYL_B), kind, self.choice(SUFFIX)] if x)

    def _long_tail(self) -> None:
        ws = self.hosts_where(lambda h: not h.server)
        srv = self.hosts_where(lambda h: h.server)
        k = self.k
        vendors: list[tuple[str, Cert | None, str]] = []
        made = 0
        while made < k.tail_products:
            vname = self.vendor_name()
            short = vname.split(" ")[0]
            r = self.rng.random()
            if r < k.tail_unsigned:
                cert, scen = None, "unsigned_tool"
            elif r < k.tail_unsigned + k.tail_expired:
                # Expired without a timestamp: errorExpired everywhere, or from a day inside the window.
                mid = self.rng.random() < 0.3
                cert = self.cert(vname, f"tail:{vname}", base=TRUSTED if mid else EXPIRED,
                                 change_day=int(self.rng.integers(1, max(2, self.days))) if mid else None,
                                 after=EXPIRED if mid else None)
                scen = "vendor_expired_cert"
            elif r < k.tail_unsigned + k.tail_expired + k.tail_chaining:
                cert, scen = self.cert(vname, f"tail:{vname}", base=CHAINING), "vendor_chaining"
            else:
                cert, scen = self.cert(vname, f"tail:{vname}"), "vendor_longtail"
            vendors.append((vname, cert, scen))
            n_products = int(min(3, 1 + self.rng.geometric(0.6) - 1))
            dept = self.choice(DEPARTMENTS, DEPT_WEIGHTS)
            for p in range(n_products):
                made += 1
                prod = self.choice(PRODUCT_WORDS) + self.choice(["", "Pro", "Hub", "Plus", "360", "X", "Go"])
                server_app = bool(srv) and self.rng.random() < 0.12
                pool = srv if server_app else (
                    self.hosts_where(lambda h, d=dept: h.dept == d) if self.rng.random() < 0.6 else ws)
                if not pool:
                    pool = ws or srv
                n_hosts = int(np.clip(np.round(self.rng.lognormal(np.log(k.tail_median_hosts), k.tail_sigma)), 1,
                    len(pool)))
                hosts = self.sample_hosts(pool, n_hosts)
                loc = self.choice(["pf", "pf86", "localprograms", "roaming", "programdata", "localvendor"],
                                  [0.38, 0.22, 0.12, 0.1, 0.12, 0.06])
                exe = f"{short}{prod}.exe"
                folder = {"pf": f"{PF}\\{short}\\{short} {prod}", "pf86": f"{PF86}\\{vname.split(' ')[0]}\\{prod}",
                          "localprograms": f"{LAD}\\Programs\\{short}-{prod.lower()}",
                          "roaming": f"{RAD}\\{short}\\{prod}", "programdata": f"C:\\ProgramData\\{short}\\{prod}",
                          "localvendor": f"{LAD}\\{short}\\{prod}\\app-"
                                         f"{self.rng.integers(1, 9)}.{self.rng.integers(0, 40)}",
                          }[loc]
                system = (loc == "programdata" and self.rng.random() < 0.6) or server_app
                parents = ["services.exe"] if system else ["explorer.exe"] * 3 + ["svchost.exe"]
                nver = 1 + int(self.rng.binomial(3, min(0.9, 0.012 * self.days)))
                versions, days = self.product(scen, exe, exe, vname if self.rng.random() < 0.9 else short, cert,
                                              parents, nver, f"tail:{vname}:{prod}:{p}",
                                              f"{vname} {prod} ({loc})", system)
                if scen == "vendor_longtail" and nver > 1 and self.rng.random() < 0.25 and cert is not None:
                    # a renewal: the later versions are signed with the vendor's new certificate (same subject)
                    renewed = self.cert(vname, f"tail:{vname}:renewed")
                    for b in versions[1:]:
                        self.binaries[b].cert = renewed
                rate = float(self.rng.choice([0.2, 0.5, 1.0, 2.0, 4.0], p=[0.25, 0.25, 0.25, 0.15, 0.1]))
                first = len(self.deploys)
                self.rollout(hosts, versions, folder + "\\" + exe, rate, "any" if system else "work",
                             update_days=days, stay_behind=0.15)
                # updates run the vendor's installer from Temp (once per updating host)
                if nver > 1 and cert is not None and self.rng.random() < k.installer_share:
                    for v in range(1, nver):
                        inst = self.add(Binary(f"tail:{vname}:{prod}:{p}:setup{v}", "benign", "update_installer",
                                               f"{vname} {prod} update installer", f"{short}{prod}_Setup.exe",
                                               f"{short}{prod}_Setup.exe", vname, cert,
                                               [exe, "msiexec.exe"], system))
                        for d in self.deploys[first:len(self.deploys)]:
                            if d.binary == versions[v]:
                                tmp = (W + "\\Temp\\" if system else LAD + "\\Temp\\") + self.guid()
                                self.deploys.append(Deploy(inst, d.host, tmp + "\\" + self.binaries[inst].name,
                                                           d.start, d.start, schedule={d.start: 1}, parent=exe))

    def _personal(self) -> None:
        """Per-user apps that users install themselves: each workstation a few, each app in a few versions
        (hosts update at their own pace, so one app is several hashes), the installer run from Downloads on
        the hosts that install it during the window."""
        apps = [  # name, original, signer (= company unless given), folder, popularity
            ("Spotify.exe", "Spotify.exe", "Spotify AB", RAD + "\\Spotify", 3.0),
            ("Discord.exe", "Discord.exe", "Discord Inc.", LAD + "\\Discord\\app-1.0.9171", 1.0),
            ("Signal.exe", "Signal.exe", "Signal Messenger, LLC", LAD + "\\Programs\\signal-desktop", 0.8),
            ("GrammarlyForWindows.exe", "GrammarlyForWindows.exe", "Grammarly, Inc.", LAD + "\\GrammarlyForWindows",
                1.5),
            ("Notion.exe", "Notion.exe", "Notion Labs, Incorporated", LAD + "\\Programs\\Notion", 1.5),
            ("Figma.exe", "Figma.exe", "Figma, Inc.", LAD + "\\Figma\\app-124.6.5", 1.0),
            ("Postman.exe", "Postman.exe", "Postman, Inc.", LAD + "\\Postman\\app-11.20.0", 1.0),
            ("GitHubDesktop.exe", "GitHubDesktop.exe", "GitHub, Inc.", LAD + "\\GitHubDesktop\\app-3.4.9", 0.7),
            ("Obsidian.exe", "Obsidian.exe", "Dynalist Inc.", LAD + "\\Programs\\Obsidian", 0.6),
            ("Telegram.exe", "Telegram.exe", "Telegram FZ-LLC", RAD + "\\Telegram Desktop", 0.8),
            ("Canva.exe", "Canva.exe", "Canva Pty Ltd", LAD + "\\Programs\\Canva", 0.5),
            ("brave.exe", "brave.exe", "Brave Software, Inc.", LAD + "\\BraveSoftware\\Brave-Browser\\Application",
                0.8),
            ("opera.exe", "opera.exe", "Opera Norway AS", LAD + "\\Programs\\Opera", 0.4),
            ("Lightshot.exe", "Lightshot.exe", "Skillbrains", LAD + "\\Skillbrains\\lightshot", 0.5),
            ("Bitwarden.exe", "Bitwarden.exe", "Bitwarden Inc.", LAD + "\\Programs\\Bitwarden", 0.6),
            ("1Password.exe", "1Password.exe", "AgileBits Inc.", LAD + "\\1Password\\app\\8", 0.5),
            ("jetbrains-toolbox.exe", "jetbrains-toolbox.exe", "JetBrains s.r.o.", LAD + "\\JetBrains\\Toolbox\\bin",
                0.5),
            ("Cursor.exe", "Cursor.exe", "Anysphere, Inc.", LAD + "\\Programs\\cursor", 0.4),
            ("claude.exe", "claude.exe", "Anthropic, PBC", LAD + "\\AnthropicClaude\\app-0.7.9", 0.4),
            ("ChatGPT.exe", "ChatGPT.exe", "OpenAI OpCo, LLC", LAD + "\\Programs\\ChatGPT", 0.6),
            ("python.exe", "python.exe", "Python Software Foundation", LAD + "\\Programs\\Python\\Python312", 0.7),
            ("Loom.exe", "Loom.exe", "Loom, Inc.", LAD + "\\Programs\\Loom", 0.4),
            ("Miro.exe", "Miro.exe", "RealtimeBoard, Inc.", LAD + "\\Programs\\Miro", 0.4),
            ("Evernote.exe", "Evernote.exe", "Evernote Corporation", LAD + "\\Programs\\Evernote", 0.3),
            ("Dropbox.exe", "Dropbox.exe", "Dropbox, Inc", PF86 + "\\Dropbox\\Client", 0.5),
            ("pdf24.exe", "pdf24.exe", "geek Software GmbH", PF + "\\PDF24", 0.5),
            ("FoxitPDFReader.exe", "FoxitPDFReader.exe", "Foxit Software Inc.",
                PF86 + "\\Foxit Software\\Foxit PDF Reader", 0.5),
            ("vlc.exe", "vlc.exe", "VideoLAN", PF + "\\VideoLAN\\VLC", 1.0),
            ("ShareX.exe", "ShareX.exe", "", PF + "\\ShareX", 0.3),
            ("Greenshot.exe", "Greenshot.exe", "", PF + "\\Greenshot", 0.4),
        ]
        pop = np.array([a[4] for a in apps])
        pop = pop / pop.sum()
        per_host = self.k.personal_apps
        state: dict[int, tuple[list[int], list[int]]] = {}
        setups: dict[str, int] = {}
        for h in self.hosts_where(lambda h: not h.server):
            n = int(self.rng.poisson(per_host))
            for t in sorted({int(x) for x in self.rng.choice(len(apps), size=min(n, len(apps)), p=pop)}):
                name, orig, signer, folder, _ = apps[t]
                if t not in state:
                    cert = self.cert(signer, f"personal:{signer}") if signer else None
                    versions = []
                    for v in range(int(self.rng.integers(2, 5))):  # versions in circulation; the newest last
                        versions.append(self.add(Binary(
                            f"personal:{name}#v{v}", "benign", "personal_app" if cert else "unsigned_tool",
                            f"per-user app {name} ({signer or 'unsigned'}), version {v}", name, orig, signer, cert,
                            ["explorer.exe", name])))
                    state[t] = (versions, [int(x) for x in self.rng.integers(1, max(2, self.days), size=1)])
                versions, (release,) = state[t]
                start_v = int(self.rng.integers(0, len(versions) - 1))
                installed = int(self.rng.integers(0, self.days)) if self.rng.random() < 0.06 * self.days / 14 else 0
                first = len(self.deploys)
                self.rollout([h], versions[start_v:], folder + "\\" + name, float(self.rng.choice([0.3, 1.0, 2.0])),
                             "work", update_days=[release] * (len(versions) - start_v - 1), stay_behind=0.3)
                for d in self.deploys[first:]:
                    d.start = max(d.start, installed)
                self.deploys[first:] = [d for d in self.deploys[first:] if d.start <= d.end]
                if installed and signer:
                    # one installer build per app per week: hosts installing the same week share the hash
                    key = f"personal:{name}:setup:{installed // 7}"
                    if key not in setups:
                        setups[key] = self.add(Binary(
                            key, "benign", "personal_app", f"installer of {name} run from Downloads",
                            name.replace(".exe", "Setup.exe"), name.replace(".exe", "Setup.exe"), signer,
                            self.cert(signer, f"personal:{signer}"), ["explorer.exe", "msedge.exe"]))
                    setup = setups[key]
                    self.deploys.append(Deploy(setup, h, f"{UP}\\Downloads\\{self.binaries[setup].name}",
                                               installed, installed, schedule={installed: 1}))

    def _internal(self) -> None:
        subject = self.choice([f"{self.org} Code Signing", f"{self.org} IT Services",
            f"{self.org} Enterprise CA Code Signing"])
        cert = self.cert(subject, "internal", internal=True)
        tools = [
            ("InvAgent.exe", "C:\\ProgramData\\{org}\\Inventory", True, 1.0, "any"),
            ("DriveMap.exe", "C:\\Users\\Public\\{org}", False, 0.8, "logon"),
            ("PrinterSetup.exe", "C:\\ProgramData\\{org}\\Printers", False, 0.4, "logon"),
            ("ExpenseClient.exe", PF + "\\{org}\\Expense", False, 0.5, "work"),
            ("WallpaperSet.exe", "C:\\ProgramData\\{org}\\Branding", False, 0.9, "logon"),
            ("CertRenew.exe", "C:\\ProgramData\\{org}\\PKI", True, 0.6, "any"),
            ("SupportChat.exe", LAD + "\\{org}\\Support", False, 0.3, "work"),
            ("LicenseCheck.exe", "C:\\ProgramData\\{org}\\Licensing", True, 0.3, "any"),
        ]
        order = self.rng.permutation(len(tools))[: self.k.internal_tools]
        ws = self.hosts_where(lambda h: not h.server)
        for i in order:
            name, folder, system, share, when = tools[int(i)]
            folder = folder.replace("{org}", self.org.replace(" ", ""))
            dept_only = self.rng.random() < 0.3
            dept = self.choice(DEPARTMENTS)
            pool = self.hosts_where(lambda h, d=dept: h.dept == d) if dept_only else ws
            hosts = self.sample_hosts(pool, round(len(pool) * share))
            parents = ["services.exe"] if system else (["cmd.exe",
                "wscript.exe"] if when == "logon" else ["explorer.exe"])
            versions, days = self.product("internal_pki_tool", name, name, f"{self.org} IT", cert, parents,
                                          1 + int(self.rng.random() < 0.3), f"internal:{name}",
                                          f"internal tool {name}, {subject} (enterprise CA)", system)
            self.rollout(hosts, versions, folder + "\\" + name, 0.6 if system else 0.8, when, update_days=days)

    def _oem(self) -> None:
        oem = [  # signer, company, name, folder, hw
            ("Conexant Systems, Inc.", "Synaptics Incorporated", "SmartAudio3.exe", PF + "\\CONEXANT\\SA3", "hp"),
            ("Waves Inc", "Waves Audio Ltd.", "WavesSvc64.exe", PF + "\\Waves\\MaxxAudio", "dell"),
            ("HP Inc.", "HP Development Company, L.P.", "HPAudioSwitch.exe", PF + "\\HP\\HPAudioSwitch", "hp"),
            ("HP Inc.", "HP Development Company, L.P.", "HPSF.exe", "C:\\ProgramData\\HP\\HP Support Framework", "hp"),
            ("Dell Inc", "Dell Technologies Inc.", "SupportAssistAgent.exe", PF + "\\Dell\\SupportAssistAgent\\bin",
                "dell"),
            ("Dell Inc", "Dell", "DellOptimizer.exe", "C:\\ProgramData\\Dell\\DellOptimizer", "dell"),
            ("Lenovo", "Lenovo Group Limited", "LenovoVantageService.exe",
                "C:\\ProgramData\\Lenovo\\Vantage\\Addins\\LenovoBatteryGaugeAddin", "lenovo"),
            ("Lenovo", "Lenovo", "ImController.InfInstaller.exe", W + "\\Temp\\Lenovo\\ImController", "lenovo"),
            ("Synaptics Incorporated", "Synaptics", "SynTPEnh.exe", PF + "\\Synaptics\\SynTP", "lenovo"),
            ("Intel(R) Rapid Storage Technology", "Intel Corporation", "IAStorIcon.exe",
                PF + "\\Intel\\Intel(R) Rapid Storage Technology", "dell"),
        ]
        for signer, company, name, folder, hw in oem:
            pool = self.hosts_where(lambda h, w=hw: h.hw == w)
            if not pool:
                continue
            hosts = self.sample_hosts(pool, round(len(pool) * self.rng.uniform(0.3, 0.95)))
            cert = self.cert(signer, f"oem:{signer}")
            system = "Service" in name or "Svc" in name or name.startswith("Im")
            versions, days = self.product("oem_rebranded", name, name, company, cert,
                                          ["services.exe"] if system else ["explorer.exe"],
                                          1 + int(self.rng.random() < 0.3), f"oem:{name}",
                                          f"OEM tool {name} signed {signer}, company {company}", system)
            self.rollout(hosts, versions, folder + "\\" + name, 0.8, "any" if system else "logon", update_days=days)

    def _staging(self) -> None:
        tools = [("pdq", W + "\\Temp\\PDQDeployRunner\\service-1\\exec", "PDQDeployRunner-1.exe"),
                 ("choco", "C:\\ProgramData\\chocolatey\\lib\\{pkg}\\tools", "choco.exe"),
                 ("intune", W + "\\IMECache\\{guid}_1", "AgentExecutor.exe"),
                 ("sccm", W + "\\ccmcache\\{n}", "CcmExec.exe")]
        packages = [("Zoom Video Communications, Inc.", "ZoomInstallerFull.exe"), ("Google LLC",
            "GoogleChromeStandaloneEnterprise64.exe"),
                    ("Adobe Inc.", "AcroRdrDCx642400420220_MUI.exe"), ("Notepad++", "npp.8.7.1.Installer.x64.exe"),
                    ("Igor Pavlov", "7z2408-x64.exe"), ("Cisco Systems, Inc.",
                        "cisco-secure-client-win-5.1.6.103-core-vpn-predeploy-k9.exe"),
                    ("Dell Inc", "Dell-Command-Update-Windows-Universal-Application_C8JXV_WIN_5.4.0_A00.exe"),
                    ("VideoLAN", "vlc-3.0.21-win64.exe"), ("Python Software Foundation", "python-3.12.7-amd64.exe"),
                    ("Microsoft Corporation", "MicrosoftEdgeEnterpriseX64.exe"), ("Mozilla Corporation",
                        "Firefox Setup 132.0.exe")]
        ws = self.hosts_where(lambda h: not h.server)
        for s in range(self.k.stagings):
            tool, folder, parent = tools[int(self.rng.integers(len(tools)))]
            signer, name = packages[int(self.rng.integers(len(packages)))]
            old = self.rng.random() < 0.2  # an old packaged installer whose certificate has expired since
            cert = self.cert(signer, f"stage:{signer}:{'old' if old else 'cur'}", base=EXPIRED if old else TRUSTED) \
                if signer != "Igor Pavlov" else None
            b = self.add(Binary(f"stage:{s}:{name}", "benign", "deployment_staging",
                                f"{name} staged by {tool}{' (expired certificate)' if old else ''}", name, name,
                                signer if signer != "Igor Pavlov" else "Igor Pavlov", cert, [parent], True))
            folder = folder.replace("{pkg}", name.split(".")[0].split("-")[0].lower()).replace(
                "{guid}", self.guid().strip("{}")).replace("{n}", str(int(self.rng.integers(1, 40))))
            hosts = self.sample_hosts(ws, round(len(ws) * self.rng.uniform(0.1, 0.9)))
            day0 = int(self.rng.integers(0, self.days))
            for h in hosts:
                d = min(self.days - 1, day0 + int(self.rng.geometric(0.6)) - 1)
                self.deploys.append(Deploy(b, h, folder + "\\" + name, d, d, when="any", schedule={d: 1},
                    parent=parent))

    def _portable(self) -> None:
        tools = [("putty.exe", "PuTTY", "Simon Tatham", "Simon Tatham"), ("WinSCP.exe", "winscp.exe",
            "Martin Prikryl", "Martin Prikryl"),
                 ("rufus-4.6.exe", "rufus-4.6.exe", "Akeo Consulting", "Akeo Consulting"), ("cpuz_x64.exe",
                     "cpuz.exe", "CPUID", "CPUID S.A.R.L.U."),
                 ("AnyDesk.exe", "AnyDesk.exe", "AnyDesk Software GmbH", "philandro Software GmbH"),
                 ("TeamViewerQS_x64.exe", "TeamViewer.exe", "TeamViewer Germany GmbH", "TeamViewer Germany GmbH"),
                 ("procexp64.exe", "Process Explorer", "Sysinternals - www.sysinternals.com", "Microsoft Corporation"),
                 ("Autoruns64.exe", "Autoruns.exe", "Sysinternals - www.sysinternals.com", "Microsoft Corporation"),
                 ("KeePass.exe", "KeePass.exe", "Dominik Reichl", "Dominik Reichl"), ("HWiNFO64.exe", "HWiNFO64.exe",
                     "Martin Malik - REALiX", "Martin Malik - REALiX"),
                 ("Everything.exe", "Everything.exe", "voidtools", "voidtools"), ("WiresharkPortable64.exe",
                     "WiresharkPortable64.exe", "Wireshark Foundation", "Wireshark Foundation"),
                 ("cports-x64.exe", "cports.exe", "NirSoft", "Nir Sofer"), ("FileZilla_3.68.1_win64-setup.exe",
                     "FileZilla_3.68.1_win64-setup.exe", "Tim Kosse", "Tim Kosse"),
                 ("obs-studio-30.2-portable.exe", "obs64.exe", "OBS Project", "OBS Project"), ("windirstat.exe",
                     "windirstat.exe", "WinDirStat", "")]
        ws = self.hosts_where(lambda h: not h.server)
        hosts = [h for h in ws if self.rng.random() < self.k.portable_share]
        for h in hosts:
            for _ in range(1 + int(self.rng.random() < 0.3)):
                t = int(self.rng.integers(len(tools)))
                name, orig, company, signer = tools[t]
                old = self.rng.random() < 0.15
                variant = int(self.rng.integers(0, 3))  # a few builds of each tool in circulation
                key = f"portable:{name}:{variant}:{'old' if old else 'cur'}"
                cert = self.cert(signer, f"portable:{signer}:{'old' if old else 'cur'}",
                                 base=EXPIRED if old else TRUSTED) if signer else None
                shared = [i for i, b in enumerate(self.binaries) if b.key == key]
                what = f"portable {orig} from Downloads" + (" (old build, expired certificate)" if old else "")
                b = shared[0] if shared else self.add(Binary(key, "benign", "portable_download", what,
                                                             name, orig, company, cert, ["explorer.exe",
                                                                 "msedge.exe", "chrome.exe"]))
                shown = name if self.rng.random() > 0.25 else name.replace(".exe", " (1).exe")
                d0 = int(self.rng.integers(0, self.days))
                sched = {d0: int(self.rng.integers(1, 4))}
                for d in range(d0 + 1, self.days):
                    if self.rng.random() < 0.15:
                        sched[d] = 1
                self.deploys.append(Deploy(b, h, f"{UP}\\Downloads\\{shown}", d0, max(sched), schedule=sched))

    def _dev(self) -> None:
        devs = [i for i, h in enumerate(self.hosts) if h.dev]
        for h in devs:
            host = self.hosts[h]
            proj = self.choice(["OrderSync", "LabelPrinter", "ReportGen", "FieldApp", "EdiBridge", "ScanTool",
                "Telemetry", "Installer"])
            signed = self.rng.random() < self.k.dev_signed
            kind = self.choice(["wdk", "org", "self"])
            subject = {"wdk": f"WDKTestCert {host.user},{133600000000000000 + int(self.rng.integers(10**12))}",
                       "org": f"{self.org} Dev Test", "self": f"CN={proj} Debug"}[kind]
            cert = self.cert(subject, f"dev:{host.name}:{kind}", base=UNTRUSTED_ROOT) if signed else None
            loc = self.choice([f"{UP}\\source\\repos\\{proj}\\bin\\Debug\\net8.0", f"{LAD}\\Temp\\{proj}_build",
                               f"{UP}\\Downloads\\{proj}-artifacts", f"C:\\dev\\{proj}\\out\\build\\x64-Debug"],
                                   [0.45, 0.2, 0.15, 0.2])
            builds = int(self.rng.integers(1, max(2, self.days)))
            days = sorted(int(x) for x in self.rng.integers(0, self.days, size=builds))
            for j, d in enumerate(days):
                b = self.add(Binary(f"dev:{host.name}:{proj}:{j}", "benign", "developer_test_build",
                                    f"developer build of {proj} on {host.name}{' (test-signed)' if signed else ''}",
                                    f"{proj}.exe", f"{proj}.exe", self.org if self.rng.random() < 0.7 else "", cert,
                                    ["devenv.exe", "dotnet.exe", "pwsh.exe", "cmd.exe", "Code.exe"]))
                sched = {d: int(self.rng.integers(1, 8))}
                self.deploys.append(Deploy(b, h, f"{loc}\\{proj}.exe", d, d, schedule=sched))

    def _logon(self) -> None:
        tools = [("BGInfo64.exe", "Bginfo64.exe", "Sysinternals - www.sysinternals.com", "Microsoft Corporation",
            "C:\\Users\\Public\\BGInfo"),
                 ("pc-client-local-cache.exe", "pc-client.exe", "PaperCut Software International Pty Ltd",
                     "PaperCut Software International Pty Ltd", "C:\\ProgramData\\PaperCut"),
                 ("SetDefaultPrinter.exe", "SetDefaultPrinter.exe", "", "{org}", "\\\\{dom}.local\\NETLOGON\\tools"),
                 ("NetTime.exe", "NetTime.exe", "Mark Russinovich", "", "C:\\Users\\Public\\Scripts"),
                 ("LogonInfo.exe", "LogonInfo.exe", "Tools4ever", "Tools4ever B.V.", "C:\\ProgramData\\Tools4ever"),
                 ("ShortcutDeploy.exe", "ShortcutDeploy.exe", "{org}", "{org}", "C:\\ProgramData\\{org}\\Logon")]
        n = int(self.rng.integers(1, 4))
        for t in self.rng.permutation(len(tools))[:n]:
            name, orig, company, signer, folder = tools[int(t)]
            org = self.org.replace(" ", "")
            company = company.replace("{org}", self.org)
            folder = folder.replace("{org}", org).replace("{dom}", org.lower())
            if signer == "{org}":
                cert = self.cert(f"{self.org} Code Signing", "internal", internal=True)
            elif signer:
                cert = self.cert(signer, f"logon:{signer}", base=EXPIRED if self.rng.random() < 0.2 else TRUSTED)
            else:
                cert = None
            dept = self.choice(DEPARTMENTS)
            pool = self.hosts_where(lambda h, d=dept: h.dept == d)
            if self.rng.random() < 0.4:
                pool = self.hosts_where(lambda h: not h.server)
            hosts = self.sample_hosts(pool, round(len(pool) * self.rng.uniform(0.5, 1.0)))
            versions, _ = self.product("logon_script_tool", name, orig, company, cert,
                                       ["cmd.exe", "wscript.exe", "cscript.exe"], 1, f"logon:{name}",
                                       f"logon-script tool {name} from {folder}")
            self.rollout(hosts, versions, folder + "\\" + name, 0.9, "logon")

    # ----- attacks --------------------------------------------------------------------------------------
    def build_attacks(self) -> None:
        ws = self.hosts_where(lambda h: not h.server)
        tail_certs = [b.cert for b in self.binaries if b.scenario == "vendor_longtail" and b.cert is not None]
        for a in range(self.k.attacks):
            scen = ATTACK_SCENARIOS[int(self.rng.choice(len(ATTACK_SCENARIOS), p=self.k.attack_weights))]
            r = self.rng.random()
            if scen == "signer_stolen_revoked":
                subject = self.choice(STOLEN_EXTERNAL)
                revoked_at = int(self.rng.integers(-5, self.days))
                cert = Cert(subject, digest(self.seed, "attack-cert", a), TRUSTED if revoked_at > 0 else REVOKED,
                            revoked_at if revoked_at > 0 else None, REVOKED if revoked_at > 0 else None)
                why = f"stolen certificate of {subject}, revoked" + (
                    f" on day {revoked_at}" if revoked_at > 0 else " before the window")
            elif scen == "signer_stolen_live":
                if tail_certs and r < 0.35:
                    cert = tail_certs[int(self.rng.integers(len(tail_certs)))]
                    subject = cert.subject
                    why = f"stolen, unrevoked certificate of {subject}, a vendor this fleet runs"
                else:
                    subject = self.choice(STOLEN_EXTERNAL)
                    cert = Cert(subject, digest(self.seed, "attack-cert", a))
                    why = f"stolen, unrevoked certificate of {subject}"
            elif scen == "signer_leaked_lapsed":
                subject = self.choice(LEAKED_OLD)
                cert = Cert(subject, digest(self.seed, "attack-cert", a), EXPIRED)
                why = f"leaked certificate of {subject}, expired years ago"
            elif scen == "signer_shell_company":
                subject = f"{self.choice(SHELL_WORDS)} {self.choice(SHELL_KIND)} {self.choice(SHELL_SUFFIX)}"
                rev = int(self.rng.integers(1, self.days + 8))
                cert = Cert(subject, digest(self.seed, "attack-cert", a), TRUSTED,
                            rev if rev < self.days else None, REVOKED if rev < self.days else None)
                why = f"EV/OV certificate bought for front company {subject}" + (
                    f", revoked on day {rev}" if rev < self.days else "")
            else:
                subject = self.choice(ALLOW_BRANDS) if r < 0.6 else self.choice(OTHER_BRANDS)
                cert = Cert(subject, digest(self.seed, "attack-cert", a), UNTRUSTED_ROOT)
                why = f"self-signed certificate naming {subject}"
            n_hosts = int(self.rng.choice([1, 2, 3, 4, 5], p=[0.4, 0.25, 0.15, 0.1, 0.1]))
            pool = ws if ws else list(range(len(self.hosts)))
            if self.rng.random() < 0.3:
                dept_pool = [i for i in pool if self.hosts[i].dept == self.choice(["finance", "hr", "sales", "legal"])]
                pool = dept_pool if len(dept_pool) >= n_hosts else pool
            hosts = self.sample_hosts(pool, n_hosts)
            self.rng.shuffle(hosts)
            day0 = int(self.rng.integers(0, self.days))
            n_bins = 1 if self.rng.random() < 0.55 else int(self.rng.integers(2, 6))
            vendordir = self.choice(["NetCache", "SyncHelper", "Intel Graphics", "MSUpdate", "Updater", "WinSvc",
                "Packages"])
            for j in range(n_bins):
                role = "dropper" if j == 0 and n_bins > 1 else (
                    "lateral" if j == n_bins - 1 and n_bins > 2 else "implant")
                if n_bins == 1:
                    role = self.choice(["dropper", "implant"], [0.35, 0.65])
                # droppers carry lure names (an invoice, an installer); implants and lateral tools hide as services
                names = [m for m in MASQUERADE if (m[0] in LURES) == (role == "dropper")]
                name, folder, brand = names[int(self.rng.integers(len(names)))]
                folder = folder.replace("{vendordir}", vendordir)
                traits = []
                if self.rng.random() > self.k.p_user_writable:
                    folder = f"{PF86}\\{vendordir}"
                    traits.append("program-files")
                renamed = self.rng.random() < self.k.p_renamed
                original = self.choice(ORIGINAL_NAMES) if renamed else name
                if renamed:
                    traits.append(f"renamed from {original}")
                if self.rng.random() < self.k.p_company_other:
                    company = brand or self.choice(["Microsoft Corporation", "Google LLC", "Realtek Semiconductor"])
                    if company == subject:
                        company = self.choice(["Microsoft Corporation", "Adobe Inc.", ""])
                else:
                    company = subject if self.rng.random() < 0.7 else ""
                traits.append(f"company '{company}'")
                suspicious = self.rng.random() < self.k.p_suspicious_parent
                if role == "dropper":
                    parents = [self.choice(INITIAL_PARENTS[1:] if suspicious else ["explorer.exe", "msedge.exe",
                        "chrome.exe"])]
                elif role == "lateral":
                    parents = [self.choice(["services.exe", "wmiprvse.exe", "cmd.exe", "powershell.exe"])]
                else:
                    parents = [self.choice(["rundll32.exe", "powershell.exe", "cmd.exe", "wscript.exe"])
                               if suspicious else self.choice(["explorer.exe", "svchost.exe"])]
                traits.append(f"parent {parents[0]}")
                system = role == "lateral" and parents[0] in ("services.exe", "wmiprvse.exe")
                if system and folder.startswith(UP):
                    folder = self.choice(["C:\\ProgramData\\" + vendordir, W + "\\Temp",
                        "C:\\Users\\Public\\" + vendordir])
                b = self.add(Binary(f"attack:{a}:{j}", "malicious", scen, f"{why}; {role} {name}; " + ", ".join(traits),
                                    name, original, company, cert, parents, system))
                # Which hosts this binary reaches and when: the first host at day0, the others over days after.
                reach = hosts if role != "dropper" else hosts[: max(1, int(self.rng.integers(1, len(hosts) + 1)))]
                if role == "lateral":
                    reach = hosts[1:] or hosts
                for i, h in enumerate(reach):
                    start = min(self.days - 1, day0 + (j if role != "lateral" else 1) + (int(self.rng.integers(0,
                        4)) if i else 0))
                    if role == "dropper":
                        sched = {start: int(self.rng.integers(1, 3))}
                    else:
                        sched = {d: int(self.rng.integers(1, 3)) for d in range(start, self.days)
                                 if self.activity[h, d] > 0 and self.rng.random() < (0.9 if role == "implant" else 0.3)}
                        sched = sched or {start: 1}
                    self.deploys.append(Deploy(b, h, folder + "\\" + name, min(sched), max(sched),
                                               when="work", schedule=sched, parent=parents[0]))


# ----- events ---------------------------------------------------------------------------------------------
def day_seconds(rng: np.random.Generator, when: str, n: int) -> np.ndarray:
    if when == "work":
        s = rng.normal(11.5 * 3600, 2.6 * 3600, n)
    elif when == "logon":
        s = rng.normal(8.4 * 3600, 0.8 * 3600, n)
    else:
        s = rng.uniform(0, 86400, n)
    return np.clip(s, 0, 86399.999)


def iso(ts: float) -> str:
    t = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=ts)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def events(fleet: Fleet) -> list[tuple[float, int, int, str, str]]:
    """(epoch seconds, host, binary, path, parent name) for every process start, in time order."""
    rng = fleet.rng
    start = dt.datetime.combine(DEFAULT_END - dt.timedelta(days=fleet.days - 1), dt.time())
    epoch0 = (start - dt.datetime(1970, 1, 1)).total_seconds()
    out: list[tuple[float, int, int, str, str]] = []
    for d in fleet.deploys:
        b = fleet.binaries[d.binary]
        user = fleet.hosts[d.host].user
        path = d.path.replace("{user}", user)
        if d.schedule:
            counts = {day: n for day, n in d.schedule.items() if 0 <= day < fleet.days}
        else:
            days = np.arange(d.start, d.end + 1)
            act = fleet.activity[d.host, d.start:d.end + 1]
            # services run whenever the machine is on; interactive programs follow the user's activity
            lam = d.rate * (np.where(act > 0, np.maximum(act, 0.6), 0.0) if b.system else act)
            n = rng.poisson(lam)
            counts = {int(day): int(c) for day, c in zip(days, n, strict=True) if c}
        for day, c in counts.items():
            secs = day_seconds(rng, d.when, c)
            for s in secs:
                parent = d.parent or b.parents[int(rng.integers(len(b.parents)))]
                out.append((epoch0 + day * 86400 + float(s), d.host, d.binary, path, parent))
    out.sort(key=lambda e: (e[0], e[1], e[2]))
    return out


OS_TEXT = {"win10_22h2": ("Windows 10 Enterprise", "22H2 (10.0.19045.5131)"),
           "win11_22h2": ("Windows 11 Enterprise", "22H2 (10.0.22621.4460)"),
           "win11_23h2": ("Windows 11 Enterprise", "23H2 (10.0.22631.4460)"),
           "server2019": ("Windows Server 2019 Datacenter", "1809 (10.0.17763.6532)"),
           "server2022": ("Windows Server 2022 Datacenter", "21H2 (10.0.20348.2849)")}


def file_name(path: str) -> str:
    return path.rsplit("\\", 1)[-1]


def host_block(h: Host) -> dict[str, Any]:
    variant, version = OS_TEXT[h.os_build]
    return {"hostname": h.name, "name": h.name.lower(), "id": h.id, "architecture": "x86_64",
            "os": {"Ext": {"variant": variant}, "name": "Windows", "family": "windows", "type": "windows",
                   "platform": "windows", "version": version, "kernel": version, "full": f"{variant} {version}"}}


def user_block(fleet: Fleet, h: Host, b: Binary) -> dict[str, Any]:
    if b.system:
        return {"domain": "NT AUTHORITY", "name": "SYSTEM", "id": "S-1-5-18"}
    rid = 1100 + int(digest(h.user)[:4], 16) % 9000
    return {"domain": fleet.domain, "name": h.user, "id": f"S-1-5-21-3623811015-3361044348-30300820-{rid}"}


def write(fleet: Fleet, out_dir: str, fmt: str) -> tuple[int, int]:
    os.makedirs(out_dir, exist_ok=True)
    evs = events(fleet)
    rng = np.random.default_rng([fleet.seed, 7])
    seen: set[int] = set()
    n_docs = 0
    pids: dict[tuple[int, str], int] = {}
    record = [0] * len(fleet.hosts)
    day0 = DEFAULT_END - dt.timedelta(days=fleet.days - 1)
    epoch_day0 = (dt.datetime.combine(day0, dt.time()) - dt.datetime(1970, 1, 1)).total_seconds()
    hblocks = [host_block(h) for h in fleet.hosts]
    parent_paths = dict(PARENT_PATHS)
    for d in fleet.deploys:  # a parent that is itself a deployed program starts from where it is installed
        parent_paths.setdefault(file_name(d.path), d.path)
    sha1s = [digest("sha1", b.sha256)[:40] for b in fleet.binaries]
    md5s = [digest("md5", b.sha256)[:32] for b in fleet.binaries]
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with open(os.path.join(out_dir, "events.ndjson.gz"), "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0) as gz, \
            io.TextIOWrapper(gz, encoding="utf-8", newline="\n") as f:  # mtime 0: byte-identical reruns
        for i, (ts, hi, bi, path, parent) in enumerate(evs):
            h, b = fleet.hosts[hi], fleet.binaries[bi]
            seen.add(bi)
            day = int((ts - epoch_day0) // 86400)
            status = b.cert.status(h.has_root, day) if b.cert else None
            pid = int(rng.integers(1000, 60000))
            ppid = pids.setdefault((hi, parent), int(rng.integers(400, 20000)))
            stamp = iso(ts)
            ppath = parent_paths.get(parent, S32 + "\\" + parent).replace("{user}", h.user)
            sha1, md5 = sha1s[bi], md5s[bi]
            pe: dict[str, Any] = {"original_file_name": b.original}
            if b.company:
                pe["company"] = b.company
            user = user_block(fleet, h, b)
            if fmt == "elastic":
                if b.cert is None:
                    cs: dict[str, Any] = {"exists": False, "trusted": False}
                else:
                    cs = {"exists": True, "trusted": status == TRUSTED, "status": status,
                          "subject_name": b.cert.subject, "thumbprint_sha256": b.cert.thumb}
                ev_id = base64.b64encode(digest(fleet.seed, "event", i).encode()[:18]).decode()
                doc = {"@timestamp": stamp,
                       "agent": {"id": h.agent, "type": "endpoint", "version": "8.15.3"},
                       "data_stream": {"namespace": "default", "type": "logs", "dataset": "endpoint.events.process"},
                       "ecs": {"version": "8.11.0"},
                       "event": {"kind": "event", "module": "endpoint", "action": "start", "id": ev_id,
                                 "category": ["process"], "type": ["start"], "created": stamp,
                                 "dataset": "endpoint.events.process", "outcome": "success"},
                       "host": hblocks[hi],
                       "message": "Endpoint process event",
                       "process": {"pid": pid, "entity_id": ev_id + "p", "executable": path, "name": file_name(path),
                                   "args": [path], "args_count": 1, "command_line": f'"{path}"',
                                   "working_directory": path.rsplit("\\", 1)[0],
                                   "hash": {"sha256": b.sha256, "sha1": sha1, "md5": md5},
                                   "pe": pe, "code_signature": cs,
                                   "parent": {"pid": ppid, "executable": ppath, "name": parent}},
                       "user": user}
                f.write(dumps(doc) + "\n")
                n_docs += 1
            else:
                record[hi] += 2
                g = digest(fleet.seed, "pg", i).upper()
                guid = "{" + "-".join((h.id[:8].upper(), g[:4], g[4:8], g[8:12], g[12:24])) + "}"
                pg = digest(fleet.seed, "ppg", hi, parent).upper()
                pguid = "{" + "-".join((h.id[:8].upper(), pg[:4], pg[4:8], pg[8:12], pg[12:24])) + "}"
                winlog_common: dict[str, Any] = {"channel": "Microsoft-Windows-Sysmon/Operational",
                                 "computer_name": f"{h.name}.{fleet.domain.lower()}.local",
                                 "provider_guid": "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}",
                                 "provider_name": "Microsoft-Windows-Sysmon", "opcode": "Info",
                                 "process": {"pid": 3120, "thread": {"id": 4100}},
                                 "user": {"domain": "NT AUTHORITY", "identifier": "S-1-5-18", "name": "SYSTEM",
                                          "type": "Well Known Group"}}
                hashes = {"sha1": sha1, "md5": md5, "sha256": b.sha256}
                host = {"id": h.id, "name": h.name.lower(), "hostname": h.name.lower(), "os": hblocks[hi]["os"],
                        "architecture": "x86_64"}
                common: dict[str, Any] = {"agent": {"id": h.agent, "type": "filebeat", "version": "8.15.3"},
                          "data_stream": {"namespace": "default", "type": "logs",
                              "dataset": "windows.sysmon_operational"},
                          "ecs": {"version": "8.11.0"}, "host": host}
                ed1 = {"Company": b.company or "-", "Description": "-", "FileVersion": "-", "Product": "-",
                       "IntegrityLevel": "System" if user["name"] == "SYSTEM" else "Medium",
                       "LogonGuid": "{" + h.id[:8].upper() + "-0000-0000-0000-000000000000}",
                       "LogonId": "0x3e7" if user["name"] == "SYSTEM" else "0x2c9e7", "TerminalSessionId": "1"}
                doc1 = dict(common)
                doc1.update({
                    "@timestamp": stamp,
                    "event": {"action": "Process creation", "category": ["process"], "code": "1", "kind": "event",
                              "module": "sysmon", "provider": "Microsoft-Windows-Sysmon", "type": ["start"],
                              "created": stamp, "dataset": "windows.sysmon_operational"},
                    "process": {"entity_id": guid, "pid": pid, "executable": path, "name": file_name(path),
                                "command_line": f'"{path}"', "args": [path], "args_count": 1,
                                "working_directory": path.rsplit("\\", 1)[0] + "\\", "hash": hashes, "pe": pe,
                                "parent": {"entity_id": pguid, "executable": ppath, "name": parent, "pid": ppid}},
                    "related": {"hash": [sha1, md5, b.sha256], "user": [user["name"]]},
                    "user": user,
                    "winlog": dict(winlog_common, event_data=ed1, event_id="1", record_id=str(record[hi] - 1),
                                   task="Process Create (rule: ProcessCreate)", version=5)})
                if b.cert is None:
                    signed, sig, sstat = "false", "-", "Unavailable"
                    fcs: dict[str, Any] = {"exists": False}
                else:
                    signed, sig, sstat = "true", b.cert.subject, SYSMON_STATUS[status or TRUSTED]
                    fcs = {"exists": True, "subject_name": sig, "status": sstat, "valid": status == TRUSTED,
                           "trusted": status == TRUSTED}
                ed7 = {"Company": b.company or "-", "Description": "-", "FileVersion": "-", "Product": "-",
                       "Signed": signed, "Signature": sig, "SignatureStatus": sstat}
                stamp7 = iso(ts + 0.004)
                fblock = {"code_signature": fcs, "directory": path.rsplit("\\", 1)[0], "extension": "exe",
                          "hash": hashes, "name": file_name(path), "path": path, "pe": pe}
                doc7 = dict(common)
                doc7.update({
                    "@timestamp": stamp7,
                    "dll": {"code_signature": fcs, "hash": hashes, "name": file_name(path), "path": path, "pe": pe},
                    "event": {"action": "Image loaded", "category": ["process"], "code": "7", "kind": "event",
                              "module": "sysmon", "provider": "Microsoft-Windows-Sysmon", "type": ["change"],
                              "created": stamp7, "dataset": "windows.sysmon_operational"},
                    "file": fblock,
                    "process": {"entity_id": guid, "executable": path, "name": file_name(path), "pid": pid},
                    "related": {"hash": [sha1, md5, b.sha256]},
                    "user": {"id": "S-1-5-18"},
                    "winlog": dict(winlog_common, event_data=ed7, event_id="7", record_id=str(record[hi]),
                                   task="Image loaded (rule: ImageLoad)", version=3)})
                f.write(dumps(doc1) + "\n")
                f.write(dumps(doc7) + "\n")
                n_docs += 2
    with open(os.path.join(out_dir, "labels.csv"), "w", newline="", encoding="utf-8") as lf:
        w = csv.writer(lf)
        w.writerow(["sha256", "label", "scenario", "signer", "description"])
        rows: dict[str, Binary] = {}
        for bi in seen:
            b = fleet.binaries[bi]
            if rows.setdefault(b.sha256, b) is not b:
                raise AssertionError(f"two binaries share the hash {b.sha256}: {b.key}, {rows[b.sha256].key}")
        for sha in sorted(rows):
            b = rows[sha]
            w.writerow([b.sha256, b.label, b.scenario, b.cert.subject if b.cert else "", b.description])
    return len(evs), n_docs


def build(hosts: int, days: int, seed: int) -> Fleet:
    fleet = Fleet(hosts, days, seed)
    fleet.build_benign()
    fleet.build_attacks()
    return fleet


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("--out", required=True)
    ap.add_argument("--hosts", type=int, default=400)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--format", choices=["elastic", "sysmon_ecs"], default="elastic")
    args = ap.parse_args(argv)
    if args.hosts < 1 or args.days < 1:
        ap.error("--hosts and --days must be at least 1")
    fleet = build(args.hosts, args.days, args.seed)
    starts, docs = write(fleet, args.out, args.format)
    labels = {b.sha256: b.label for b in fleet.binaries}
    mal = sum(1 for b in fleet.binaries if b.label == "malicious")
    print(f"independent fleet: seed {args.seed}, {args.hosts} hosts x {args.days} days: {starts} process starts, "
          f"{docs} documents, {len(labels)} binaries defined ({mal} malicious, {fleet.k.attacks} attacks) "
          f"-> {args.out}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
