#!/usr/bin/env python3
"""Blind synthetic Windows fleet no. 2 ("blind2"): an engineering firm's estate, written blind.

Provenance
----------
Written by an outside author as an independent yardstick. Read before writing it: ``DESIGN.md`` (data
contract, seed rule, the ``rule`` and ``hunt`` populations), the third-party sample documents in
``shared/samples/`` and their README (Elastic Defend and Sysmon-through-Elastic-Agent field shapes, ECS
``code_signature``), and the input-contract sections of the project README ("What runs" through "Sources:
Elastic Defend, Sysmon, Microsoft Defender, Windows Code Integrity"). NOT read: the project's sources, tests,
configuration, the other generators or simulator, the benchmark notes, the README's sections on features,
model, ranking quality or benchmarks, the git history. No project command other than ``ingest`` and ``sql``
(to check that every document is accepted) was run against these fleets. The fleet model below comes from
the author's own idea of real Windows estates and of public T1588.003 cases; nothing in it was tuned on the
project's scores.

The estate
----------
"Halvorsen Marine Engineering" (domain HME), a mid-sized naval-architecture and test-engineering firm, its
clocks on CET, its window ending on Friday 2026-03-13 (Patch Tuesday 2026-03-10 falls inside a 14-day window).
Host roles (shares drawn per seed): office workstations, engineering workstations (CAD/CAE, developers),
lab and test-rig PCs (instrument software, old vendor tools, a workgroup, some never updated), servers,
contractors' and BYOD laptops (not domain-joined, so the internal CA is untrusted there; remote-support
tools, self-installed software), meeting-room kiosks. Each host has its own activity level (log-normal),
weekday/weekend pattern, absences (holidays, sick days, contractors who arrive or leave in the window) and
office-hours profile. IT pushes software with PDQ Deploy (runner under C:\\Windows\\AdminArsenal, packages
staged in C:\\ProgramData\\HME-Deploy) and logon scripts (wscript/cmd) on domain hosts; users install their own.

Benign software (label ``benign``; rough shares of a 400-host fleet's distinct hashes, which vary by seed):
- ``windows_inbox`` (~4-6 %): System32/SystemApps/WinSxS binaries, "Microsoft Windows"/"... Publisher", each
  with a cumulative-update version that rolls out host by host after Patch Tuesday (servers later, lab rigs
  often never), DismHost from per-run GUID Temp folders;
- ``microsoft_product`` (~2 %): Defender platform (ProgramData, versioned folder), Edge/WebView2, Office,
  per-user OneDrive/Teams classic/VS Code in AppData, Sysinternals from Downloads;
- ``mainstream_app`` (~3-5 %): ~50 widely used products, many per-user under AppData (Zoom, Slack, Discord,
  Webex, Spotify, Postman, Figma, GitHub Desktop, ...), auto-updating: every release a new hash reaching hosts
  over days, stale hosts keeping old versions; signer/company drift (Citrix now signed by Cloud Software
  Group, GoTo with pe.company LogMeIn, Poly signed by HP Inc., Broadcom/VMware...);
- ``oem_helper`` (~1 %, plus as many ``old_version_leftover``): Dell/HP/Lenovo/Realtek/Waves/DisplayLink/Logitech helpers, some in ProgramData, some
  with a former company name;
- ``niche_vendor`` and its ``niche_vendor_unsigned``, ``lapsed_vendor_cert``, ``revoked_vendor_cert``,
  ``private_ca_vendor``, ``chaining_vendor_cert`` variants (~35-50 %): a Zipf long tail of small vendors (instrument, CAD plug-in, utility, licence
  daemons...), 1-3 products each, installed in Program Files, per-user AppData, ProgramData, C:\\Tools;
  brands differing from legal names, pe.company blank/short/parent company; certificate lapses without a
  timestamp (errorExpired), revocations, private CAs (errorUntrustedRoot), missing intermediates on offline
  lab hosts (errorChaining), unsigned binaries - each at a per-seed rate;
- ``portable_tool`` (~2 %): PuTTY, WinSCP, Process Hacker (expired), CPU-Z, Rufus, AnyDesk (old revoked
  certificate), NirSoft..., run from Downloads/Desktop/C:\\Tools, often renamed ("putty (1).exe");
- ``installer_download`` / ``installer_temp`` (~20-35 %, the bulk of single-host hashes in user folders): vendor installers run once from Downloads or
  unpacked into %TEMP% (Inno/NSIS/MSI custom actions under msiexec), mostly single-host, some with lapsed
  certificates;
- ``it_deployment`` (<1 %): PDQ packages pushed fleet- or role-wide in a day, some old vendor installers with
  lapsed certificates staged in ProgramData (a mass benign seed-rule match);
- ``internal_tool`` (<1 %): in-house tools signed by "Halvorsen Marine Engineering AS" through the internal CA,
  trusted on domain hosts, errorUntrustedRoot on workgroup/contractor hosts, launched by logon scripts,
  services, scheduled tasks, from ProgramData and a shared tools folder;
- ``dev_build`` (~3-15 %): developers' and test engineers' builds, test-signed with self-signed certificates
  (errorUntrustedRoot) or unsigned, a new hash per build, one host each, some run from Temp by test runners;
- ``old_version_leftover``: previous OEM versions still run on stale hosts (some long-expired, untimestamped).

Attacks (label ``malicious``), modelled on public T1588.003 cases, 10-40 hashes per 400 hosts (fewer on
small fleets), weights drawn per seed:
- ``stolen_cert_revoked`` (Stuxnet's Realtek/JMicron, Plead/BlackTech's D-Link certificates): a vendor's
  certificate (sometimes a vendor present in the fleet, same thumbprint) revoked, or revoked mid-window;
- ``stolen_cert_valid`` (Winnti's game-studio certificates before revocation): trusted;
- ``leaked_expired_cert`` (the 2022 NVIDIA leak and other old leaked certificates): errorExpired, half under
  an allow-listed name;
- ``front_company_cert`` (Qakbot/IcedID/Bumblebee loaders signed with OV/EV certificates bought by shell
  companies): trusted, often revoked by the CA part-way through the window, phishing parents (Outlook cache,
  Temp1_*.zip, Downloads, wscript, msiexec), several hashes per certificate;
- ``self_signed_impostor``: a self-signed certificate naming Microsoft/Google/Adobe/Zoom/AnyDesk...
  (errorUntrustedRoot / errorChaining), often in a folder mimicking that publisher;
- ``sigthief_bad_digest``: a signature copied from a real binary (subject and thumbprint of the real
  certificate), errorBadDigest;
- ``supply_chain_update`` (3CX, CCleaner 2017, ASUS ShadowHammer, SolarWinds): a trojanised release of a
  product the fleet runs, vendor's valid certificate, same path and name, reaching part of the product's
  hosts before a clean release replaces it, with an unsigned second stage on a few.
Each operation has 1 host, a few, or a campaign spreading laterally (services.exe/WmiPrvSE.exe parents);
runs once, in bursts, or persists (scheduled task, Run key); arrives any time in the window; a per-seed
share of "careful" actors give the implant the certificate owner's product name, folder and pe.company.

Per-seed knobs (``--knobs`` prints them as JSON to stderr): role mix, events per host-day and its spread,
long-tail size, per-user install share, rates of lapsed/revoked/untrusted/chaining/unsigned long-tail
certificates, developer build rate, installer rate, stale-host share, attack hash budget, attack scenario
weights, careful-actor share, share of hosts per campaign.

Output: ``DIR/events.ndjson.gz`` (``--format elastic``: Elastic Defend ``endpoint.events.process`` starts;
``--format sysmon_ecs``: Sysmon Event ID 1 through Elastic Agent, each followed by the Event ID 7 of its own
image carrying Signed/Signature/SignatureStatus) and ``DIR/labels.csv``. Deterministic: all randomness from
``numpy.random.default_rng(seed)``, hashes from seed and identity, gzip mtime 0.
"""
from __future__ import annotations

import argparse
import base64
import csv
import datetime as _dt
import gzip
import hashlib
import io
import json
import os
import sys

import numpy as np

END_DATE = _dt.date(2026, 3, 13)          # last day of the window (a Friday)
PATCH_TUESDAY = _dt.date(2026, 3, 10)
TZ_OFFSET_H = 1                            # CET (local office hours are UTC+1)
DOMAIN = "HME"
ORG_SIGNER = "Halvorsen Marine Engineering AS"
ALLOW = {"microsoft corporation", "microsoft windows publisher", "google llc", "adobe inc.",
         "oracle america, inc.", "mozilla corporation", "cisco systems, inc.", "vmware, inc.",
         "intel corporation", "nvidia corporation", "apple inc.", "amazon.com, inc."}
DAY = 86400.0

# --------------------------------------------------------------------------------------------- helpers

J = json.dumps


def _hb(seed: int, *parts) -> bytes:
    return hashlib.sha256(("|".join([str(seed)] + [str(p) for p in parts])).encode("utf-8")).digest()


def _hex(seed, *parts, n=64):
    return hashlib.sha256(("|".join([str(seed)] + [str(p) for p in parts])).encode("utf-8")).hexdigest()[:n]


def _guid(seed, *parts, upper=True):
    h = _hex(seed, "guid", *parts, n=32)
    g = f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
    return g.upper() if upper else g


class Sig:
    """A signature verdict: (exists, subject, thumbprint, status, trusted)."""
    __slots__ = ("exists", "subject", "thumb", "status", "trusted")

    def __init__(self, subject=None, thumb=None, status=None):
        self.exists = subject is not None
        self.subject = subject
        self.thumb = thumb
        self.status = status if subject is not None else None
        self.trusted = (status == "trusted") if subject is not None else False


class Version:
    __slots__ = ("sha256", "sha1", "md5", "file_version", "sig", "release", "revoke_at", "vdir", "label",
                 "scenario", "desc")


class Item:
    """One executable slot (a product's file), possibly in several versions (one hash each)."""

    def __init__(self, key, scenario, label, desc, name, dirtpl, orig, company, product, pdesc, parents,
                 userkind, args=""):
        self.key = key
        self.scenario = scenario
        self.label = label
        self.desc = desc
        self.name = name
        self.dirtpl = dirtpl
        self.orig = orig
        self.company = company
        self.product = product
        self.pdesc = pdesc
        self.parents = parents          # list of (parent exe path, weight)
        self.userkind = userkind        # user | system | svc | lab
        self.args = args
        self.versions: list[Version] = []
        self.internal = False           # internal CA: untrusted on hosts outside the domain
        self.per_event_guid = False


# --------------------------------------------------------------------------------------------- data

SYS = "C:\\Windows\\System32"
PF = "C:\\Program Files"
PF86 = "C:\\Program Files (x86)"
UAPP = "C:\\Users\\{user}\\AppData"
EXPLORER = "C:\\Windows\\explorer.exe"
SERVICES = SYS + "\\services.exe"
SVCHOST = SYS + "\\svchost.exe"
CMD = SYS + "\\cmd.exe"
PWSH = SYS + "\\WindowsPowerShell\\v1.0\\powershell.exe"
WSCRIPT = SYS + "\\wscript.exe"
MSIEXEC = SYS + "\\msiexec.exe"
RUNDLL = SYS + "\\rundll32.exe"
WMIPRV = SYS + "\\wbem\\WmiPrvSE.exe"
CHROME = PF + "\\Google\\Chrome\\Application\\chrome.exe"
EDGE = PF86 + "\\Microsoft\\Edge\\Application\\msedge.exe"
FIREFOX = PF + "\\Mozilla Firefox\\firefox.exe"
OUTLOOK = PF + "\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE"
PDQRUN = "C:\\Windows\\AdminArsenal\\PDQDeployRunner\\service-1\\PDQDeployRunner-1.exe"
TASKENG = SVCHOST
USERINIT = SYS + "\\userinit.exe"
BROWSERS = [(CHROME, 5), (EDGE, 4), (FIREFOX, 1)]

# inbox: name, dir, parents, userkind, rate/day, signer (W=Microsoft Windows, P=... Publisher), patched, where
INBOX = [
    ("svchost.exe", SYS, [SERVICES], "system", 12, "P", 1, "all"),
    ("conhost.exe", SYS, [CMD, PWSH, SVCHOST], "user", 6, "W", 1, "all"),
    ("RuntimeBroker.exe", SYS, [SVCHOST], "user", 5, "W", 1, "ws"),
    ("backgroundTaskHost.exe", SYS, [SVCHOST], "user", 6, "W", 0, "ws"),
    ("taskhostw.exe", SYS, [SVCHOST], "user", 3, "W", 1, "all"),
    ("dllhost.exe", SYS, [SVCHOST], "user", 4, "W", 0, "all"),
    ("SearchProtocolHost.exe", SYS, [SYS + "\\SearchIndexer.exe"], "system", 5, "W", 1, "ws"),
    ("SearchFilterHost.exe", SYS, [SYS + "\\SearchIndexer.exe"], "system", 3, "W", 1, "ws"),
    ("WmiPrvSE.exe", SYS + "\\wbem", [SVCHOST], "system", 2, "W", 0, "all"),
    ("cmd.exe", SYS, [EXPLORER, SVCHOST, WSCRIPT], "user", 1.5, "W", 0, "all"),
    ("powershell.exe", SYS + "\\WindowsPowerShell\\v1.0", [EXPLORER, SVCHOST, CMD], "user", 1, "W", 1, "all"),
    ("rundll32.exe", SYS, [SVCHOST, EXPLORER], "user", 2, "W", 1, "all"),
    ("consent.exe", SYS, [SVCHOST], "system", 0.3, "W", 1, "ws"),
    ("smartscreen.exe", SYS, [SVCHOST], "user", 1, "W", 1, "ws"),
    ("sppsvc.exe", SYS, [SERVICES], "system", 1, "W", 1, "all"),
    ("audiodg.exe", SYS, [SVCHOST], "system", 1, "W", 0, "ws"),
    ("ctfmon.exe", SYS, [SVCHOST], "user", 1, "W", 0, "ws"),
    ("sihost.exe", SYS, [SVCHOST], "user", 1, "W", 0, "ws"),
    ("explorer.exe", "C:\\Windows", [USERINIT], "user", 1, "W", 1, "all"),
    ("userinit.exe", SYS, [SYS + "\\winlogon.exe"], "user", 1, "W", 0, "all"),
    ("WerFault.exe", SYS, [SVCHOST], "user", 0.3, "W", 1, "all"),
    ("wermgr.exe", SYS, [SVCHOST], "system", 0.5, "W", 1, "all"),
    ("CompatTelRunner.exe", SYS, [SVCHOST], "system", 0.5, "W", 1, "all"),
    ("MusNotification.exe", SYS, [SVCHOST], "system", 0.4, "W", 1, "ws"),
    ("UsoClient.exe", SYS, [SVCHOST], "system", 0.6, "W", 1, "all"),
    ("MoUsoCoreWorker.exe", SYS, [SVCHOST], "system", 0.8, "W", 1, "all"),
    ("SecurityHealthService.exe", SYS, [SERVICES], "system", 1, "W", 0, "ws"),
    ("SgrmBroker.exe", SYS, [SERVICES], "system", 1, "W", 0, "all"),
    ("OpenWith.exe", SYS, [SVCHOST], "user", 0.2, "W", 0, "ws"),
    ("notepad.exe", SYS, [EXPLORER], "user", 0.5, "W", 1, "all"),
    ("mstsc.exe", SYS, [EXPLORER], "user", 0.3, "W", 0, "ws"),
    ("Taskmgr.exe", SYS, [EXPLORER], "user", 0.2, "W", 0, "all"),
    ("mmc.exe", SYS, [EXPLORER], "user", 0.1, "W", 0, "all"),
    ("net.exe", SYS, [CMD, PWSH], "user", 0.5, "W", 0, "all"),
    ("net1.exe", SYS, [SYS + "\\net.exe"], "user", 0.5, "W", 0, "all"),
    ("reg.exe", SYS, [CMD], "user", 0.3, "W", 0, "all"),
    ("schtasks.exe", SYS, [CMD, PWSH], "user", 0.2, "W", 0, "all"),
    ("gpupdate.exe", SYS, [SVCHOST, CMD], "user", 0.3, "W", 0, "dom"),
    ("gpscript.exe", SYS, [SVCHOST], "user", 1, "W", 0, "dom"),
    ("ipconfig.exe", SYS, [CMD], "user", 0.2, "W", 0, "all"),
    ("PING.EXE", SYS, [CMD], "user", 0.2, "W", 0, "all"),
    ("tasklist.exe", SYS, [CMD], "user", 0.1, "W", 0, "all"),
    ("whoami.exe", SYS, [CMD], "user", 0.05, "W", 0, "all"),
    ("sc.exe", SYS, [CMD], "system", 0.2, "W", 0, "all"),
    ("msiexec.exe", SYS, [SERVICES, EXPLORER], "system", 0.6, "W", 1, "all"),
    ("TiWorker.exe", "C:\\Windows\\WinSxS\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.{build}_none_7d3b4c8e1b2f9a10",
     [SVCHOST], "system", 0.3, "W", 1, "all"),
    ("TrustedInstaller.exe", "C:\\Windows\\servicing", [SERVICES], "system", 0.3, "W", 1, "all"),
    ("SearchApp.exe", "C:\\Windows\\SystemApps\\Microsoft.Windows.Search_cw5n1h2txyewy", [SVCHOST], "user", 2, "W", 1, "ws"),
    ("StartMenuExperienceHost.exe", "C:\\Windows\\SystemApps\\Microsoft.Windows.StartMenuExperienceHost_cw5n1h2txyewy",
     [SVCHOST], "user", 1, "W", 1, "ws"),
    ("TextInputHost.exe", "C:\\Windows\\SystemApps\\MicrosoftWindows.Client.CBS_cw5n1h2txyewy", [SVCHOST], "user", 1, "W", 1, "ws"),
    ("ShellExperienceHost.exe", "C:\\Windows\\SystemApps\\ShellExperienceHost_cw5n1h2txyewy", [SVCHOST], "user", 1, "W", 1, "ws"),
    ("ApplicationFrameHost.exe", SYS, [SVCHOST], "user", 1, "W", 0, "ws"),
    ("LogonUI.exe", SYS, [SYS + "\\winlogon.exe"], "system", 0.5, "W", 1, "all"),
    ("fontdrvhost.exe", SYS, [SYS + "\\winlogon.exe"], "system", 1, "W", 0, "all"),
    ("dwm.exe", SYS, [SYS + "\\winlogon.exe"], "system", 1, "W", 1, "all"),
    ("winlogon.exe", SYS, [SYS + "\\smss.exe"], "system", 0.4, "W", 1, "all"),
    ("csrss.exe", SYS, [SYS + "\\smss.exe"], "system", 0.4, "W", 1, "all"),
    ("lsass.exe", SYS, [SYS + "\\wininit.exe"], "system", 0.3, "W", 1, "all"),
    ("services.exe", SYS, [SYS + "\\wininit.exe"], "system", 0.3, "W", 1, "all"),
    ("spoolsv.exe", SYS, [SERVICES], "system", 0.3, "W", 1, "all"),
    ("WUDFHost.exe", SYS, [SERVICES], "system", 1, "W", 0, "ws"),
    ("dasHost.exe", SYS, [SVCHOST], "system", 0.5, "W", 0, "ws"),
    ("DismHost.exe", "{dismtemp}", [SYS + "\\CompatTelRunner.exe", "C:\\Windows\\servicing\\TrustedInstaller.exe"],
     "system", 0.25, "W", 1, "all"),
    ("w3wp.exe", SYS + "\\inetsrv", [SVCHOST], "svc", 3, "W", 1, "srv"),
    ("vssvc.exe", SYS, [SERVICES], "system", 0.5, "W", 0, "srv"),
    ("wsmprovhost.exe", SYS, [SVCHOST], "svc", 1, "W", 1, "srv"),
]

# mainstream: key, file, orig, signer, company, product, dir, prevalence by role (office, eng, lab, contr,
# srv, kiosk), rate/day, parents, userkind, releases per day, version-folder template or ""
R_ALL = (0.9, 0.9, 0.6, 0.7, 0.1, 0.8)
MAINSTREAM = [
    ("chrome", "chrome.exe", "chrome.exe", "Google LLC", "Google LLC", "Google Chrome", PF + "\\Google\\Chrome\\Application",
     (0.85, 0.9, 0.5, 0.8, 0.2, 0.7), 9, [(EXPLORER, 1)], "user", 1 / 7, ""),
    ("gupdate", "GoogleUpdate.exe", "GoogleUpdate.exe", "Google LLC", "Google LLC", "Google Update",
     PF86 + "\\Google\\Update", (0.85, 0.9, 0.5, 0.8, 0.2, 0.7), 3, [(SVCHOST, 1)], "system", 1 / 30, ""),
    ("edge", "msedge.exe", "msedge.exe", "Microsoft Corporation", "Microsoft Corporation", "Microsoft Edge",
     PF86 + "\\Microsoft\\Edge\\Application", (1, 1, 0.9, 0.9, 0.6, 1), 6, [(EXPLORER, 3), (OUTLOOK, 1)], "user", 1 / 7, ""),
    ("webview", "msedgewebview2.exe", "msedgewebview2.exe", "Microsoft Corporation", "Microsoft Corporation",
     "Microsoft Edge WebView2", PF86 + "\\Microsoft\\EdgeWebView\\Application\\{ver}", (1, 1, 0.8, 0.9, 0.3, 1), 5,
     [(OUTLOOK, 2), (EXPLORER, 1)], "user", 1 / 7, "v"),
    ("edgeupd", "MicrosoftEdgeUpdate.exe", "MicrosoftEdgeUpdate.exe", "Microsoft Corporation", "Microsoft Corporation",
     "Microsoft Edge Update", PF86 + "\\Microsoft\\EdgeUpdate", (1, 1, 0.9, 0.9, 0.6, 1), 2, [(SVCHOST, 1)], "system", 1 / 40, ""),
    ("firefox", "firefox.exe", "firefox.exe", "Mozilla Corporation", "Mozilla Corporation", "Firefox", PF + "\\Mozilla Firefox",
     (0.15, 0.35, 0.1, 0.4, 0.02, 0.05), 6, [(EXPLORER, 1)], "user", 1 / 14, ""),
    ("msmpeng", "MsMpEng.exe", "MsMpEng.exe", "Microsoft Corporation", "Microsoft Corporation", "Microsoft Defender",
     "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\{ver}", (1, 1, 0.9, 1, 1, 1), 0.6, [(SERVICES, 1)], "system", 1 / 30, "d"),
    ("mpcmd", "MpCmdRun.exe", "MpCmdRun.exe", "Microsoft Corporation", "Microsoft Corporation", "Microsoft Defender",
     "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\{ver}", (1, 1, 0.9, 1, 1, 1), 3,
     [(SVCHOST, 3), ("C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\{ver}\\MsMpEng.exe", 1)],
     "system", 1 / 30, "d"),
    ("nissrv", "NisSrv.exe", "NisSrv.exe", "Microsoft Corporation", "Microsoft Corporation", "Microsoft Defender",
     "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\{ver}", (1, 1, 0.9, 1, 1, 1), 0.5, [(SERVICES, 1)], "system", 1 / 30, "d"),
    ("word", "WINWORD.EXE", "WinWord.exe", "Microsoft Corporation", "Microsoft Corporation", "Microsoft Office",
     PF + "\\Microsoft Office\\root\\Office16", (0.95, 0.8, 0.3, 0.5, 0.05, 0.1), 2, [(EXPLORER, 3), (OUTLOOK, 1)], "user", 1 / 14, ""),
    ("excel", "EXCEL.EXE", "Excel.exe", "Microsoft Corporation", "Microsoft Corporation", "Microsoft Office",
     PF + "\\Microsoft Office\\root\\Office16", (0.95, 0.85, 0.4, 0.5, 0.05, 0.1), 2.5, [(EXPLORER, 3), (OUTLOOK, 1)], "user", 1 / 14, ""),
    ("outlook", "OUTLOOK.EXE", "Outlook.exe", "Microsoft Corporation", "Microsoft Corporation", "Microsoft Office",
     PF + "\\Microsoft Office\\root\\Office16", (0.95, 0.85, 0.2, 0.3, 0.02, 0.0), 1.2, [(EXPLORER, 1)], "user", 1 / 14, ""),
    ("pptx", "POWERPNT.EXE", "PowerPnt.exe", "Microsoft Corporation", "Microsoft Corporation", "Microsoft Office",
     PF + "\\Microsoft Office\\root\\Office16", (0.8, 0.5, 0.1, 0.3, 0.0, 0.6), 0.6, [(EXPLORER, 3), (OUTLOOK, 1)], "user", 1 / 14, ""),
    ("c2r", "OfficeClickToRun.exe", "OfficeClickToRun.exe", "Microsoft Corporation", "Microsoft Corporation", "Microsoft Office",
     PF + "\\Common Files\\microsoft shared\\ClickToRun", (0.95, 0.85, 0.4, 0.5, 0.05, 0.6), 1, [(SERVICES, 1)], "system", 1 / 14, ""),
    ("onedrive", "OneDrive.exe", "OneDrive.exe", "Microsoft Corporation", "Microsoft Corporation", "Microsoft OneDrive",
     UAPP + "\\Local\\Microsoft\\OneDrive", (0.9, 0.8, 0.1, 0.2, 0.0, 0.0), 1.5, [(EXPLORER, 3), (SVCHOST, 1)], "user", 1 / 10, ""),
    ("filecoauth", "FileCoAuth.exe", "FileCoAuth.exe", "Microsoft Corporation", "Microsoft Corporation", "Microsoft OneDrive",
     UAPP + "\\Local\\Microsoft\\OneDrive\\{ver}", (0.9, 0.8, 0.1, 0.2, 0.0, 0.0), 1, [(SVCHOST, 1)], "user", 1 / 10, "v"),
    ("odupd", "OneDriveStandaloneUpdater.exe", "OneDriveStandaloneUpdater.exe", "Microsoft Corporation", "Microsoft Corporation",
     "Microsoft OneDrive", UAPP + "\\Local\\Microsoft\\OneDrive", (0.9, 0.8, 0.1, 0.2, 0.0, 0.0), 1, [(SVCHOST, 1)], "user", 1 / 10, ""),
    ("teamsclassic", "Teams.exe", "Teams.exe", "Microsoft Corporation", "Microsoft Corporation", "Microsoft Teams",
     UAPP + "\\Local\\Microsoft\\Teams\\current", (0.3, 0.25, 0.05, 0.1, 0.0, 0.1), 3, [(EXPLORER, 1), (UAPP + "\\Local\\Microsoft\\Teams\\Update.exe", 2)],
     "user", 1 / 20, ""),
    ("newteams", "ms-teams.exe", "ms-teams.exe", "Microsoft Corporation", "Microsoft Corporation", "Microsoft Teams",
     PF + "\\WindowsApps\\MSTeams_{ver}_x64__8wekyb3d8bbwe", (0.7, 0.7, 0.1, 0.3, 0.0, 0.9), 2, [(EXPLORER, 1)], "user", 1 / 10, "v"),
    ("vscode", "Code.exe", "electron.exe", "Microsoft Corporation", "Microsoft Corporation", "Visual Studio Code",
     UAPP + "\\Local\\Programs\\Microsoft VS Code", (0.03, 0.55, 0.2, 0.4, 0.05, 0), 4, [(EXPLORER, 3), (CMD, 1)], "user", 1 / 20, ""),
    ("devenv", "devenv.exe", "devenv.exe", "Microsoft Corporation", "Microsoft Corporation", "Visual Studio",
     PF + "\\Microsoft Visual Studio\\2022\\Professional\\Common7\\IDE", (0, 0.25, 0.05, 0.1, 0, 0), 1, [(EXPLORER, 1)], "user", 1 / 30, ""),
    ("msbuild", "MSBuild.exe", "MSBuild.exe", "Microsoft Corporation", "Microsoft Corporation", "Microsoft Build Tools",
     PF + "\\Microsoft Visual Studio\\2022\\Professional\\MSBuild\\Current\\Bin\\amd64", (0, 0.25, 0.05, 0.1, 0.02, 0), 4,
     [(PF + "\\Microsoft Visual Studio\\2022\\Professional\\Common7\\IDE\\devenv.exe", 2), (CMD, 1)], "user", 1 / 30, ""),
    ("acrobat", "Acrobat.exe", "Acrobat.exe", "Adobe Inc.", "Adobe Inc.", "Adobe Acrobat", PF + "\\Adobe\\Acrobat DC\\Acrobat",
     (0.8, 0.7, 0.3, 0.4, 0.02, 0.2), 1, [(EXPLORER, 2), (OUTLOOK, 1)], "user", 1 / 20, ""),
    ("adobearm", "AdobeARM.exe", "AdobeARM.exe", "Adobe Inc.", "Adobe Inc.", "Adobe Reader and Acrobat Manager",
     PF86 + "\\Common Files\\Adobe\\ARM\\1.0", (0.8, 0.7, 0.3, 0.4, 0.02, 0.2), 0.5, [(SVCHOST, 1)], "system", 1 / 60, ""),
    ("zoom", "Zoom.exe", "Zoom.exe", "Zoom Video Communications, Inc.", "Zoom Video Communications, Inc.", "Zoom",
     UAPP + "\\Roaming\\Zoom\\bin", (0.35, 0.3, 0.05, 0.6, 0, 0.3), 1.2, [(EXPLORER, 2), (CHROME, 1), (EDGE, 1)], "user", 1 / 14, ""),
    ("slack", "slack.exe", "slack.exe", "Slack Technologies, LLC", "Slack Technologies Inc.", "Slack",
     UAPP + "\\Local\\slack\\app-{ver}", (0.1, 0.35, 0.02, 0.3, 0, 0), 5, [(UAPP + "\\Local\\slack\\slack.exe", 3), (EXPLORER, 1)],
     "user", 1 / 12, "v"),
    ("webex", "CiscoCollabHost.exe", "CiscoCollabHost.exe", "Cisco WebEx LLC", "Cisco Webex LLC", "Cisco Webex Meetings",
     UAPP + "\\Local\\WebEx\\WebEx\\Applications", (0.15, 0.1, 0.0, 0.2, 0, 0.5), 1, [(EXPLORER, 1), (CHROME, 1)], "user", 1 / 20, ""),
    ("spotify", "Spotify.exe", "Spotify.exe", "Spotify AB", "Spotify Ltd", "Spotify", UAPP + "\\Roaming\\Spotify",
     (0.12, 0.15, 0.02, 0.35, 0, 0), 2, [(EXPLORER, 1)], "user", 1 / 10, ""),
    ("discord", "Discord.exe", "Discord.exe", "Discord Inc.", "Discord Inc.", "Discord", UAPP + "\\Local\\Discord\\app-{ver}",
     (0.02, 0.08, 0.0, 0.25, 0, 0), 4, [(UAPP + "\\Local\\Discord\\Update.exe", 1), (EXPLORER, 1)], "user", 1 / 7, "v"),
    ("postman", "Postman.exe", "Postman.exe", "Postman, Inc.", "Postman, Inc.", "Postman", UAPP + "\\Local\\Postman\\app-{ver}",
     (0.0, 0.15, 0.0, 0.2, 0, 0), 3, [(EXPLORER, 1)], "user", 1 / 14, "v"),
    ("ghdesktop", "GitHubDesktop.exe", "GitHubDesktop.exe", "GitHub, Inc.", "GitHub, Inc.", "GitHub Desktop",
     UAPP + "\\Local\\GitHubDesktop\\app-{ver}", (0.0, 0.15, 0.0, 0.15, 0, 0), 1, [(EXPLORER, 1)], "user", 1 / 20, "v"),
    ("figma", "Figma.exe", "Figma.exe", "Figma, Inc.", "Figma, Inc.", "Figma", UAPP + "\\Local\\Figma\\app-{ver}",
     (0.04, 0.02, 0, 0.15, 0, 0), 1, [(EXPLORER, 1)], "user", 1 / 10, "v"),
    ("git", "git.exe", "git.exe", "Johannes Schindelin", "The Git Development Community", "Git", PF + "\\Git\\cmd",
     (0.01, 0.55, 0.15, 0.4, 0.05, 0), 8, [(PF + "\\Microsoft VS Code\\Code.exe", 1), (CMD, 1), (UAPP + "\\Local\\Programs\\Microsoft VS Code\\Code.exe", 2)],
     "user", 1 / 40, ""),
    ("python", "python.exe", "python.exe", "Python Software Foundation", "Python Software Foundation", "Python",
     UAPP + "\\Local\\Programs\\Python\\Python311", (0.01, 0.45, 0.3, 0.3, 0.05, 0), 6, [(CMD, 2), (PWSH, 1), (UAPP + "\\Local\\Programs\\Microsoft VS Code\\Code.exe", 2)],
     "user", 0, ""),
    ("pycharm", "pycharm64.exe", "pycharm64.exe", "JetBrains s.r.o.", "JetBrains s.r.o.", "PyCharm",
     UAPP + "\\Local\\Programs\\PyCharm Professional\\bin", (0, 0.12, 0.02, 0.1, 0, 0), 1, [(UAPP + "\\Local\\JetBrains\\Toolbox\\bin\\jetbrains-toolbox.exe", 1), (EXPLORER, 1)],
     "user", 1 / 30, ""),
    ("jbtoolbox", "jetbrains-toolbox.exe", "jetbrains-toolbox.exe", "JetBrains s.r.o.", "JetBrains s.r.o.", "JetBrains Toolbox",
     UAPP + "\\Local\\JetBrains\\Toolbox\\bin", (0, 0.14, 0.02, 0.1, 0, 0), 1, [(EXPLORER, 1)], "user", 1 / 20, ""),
    ("docker", "Docker Desktop.exe", "Docker Desktop.exe", "Docker Inc", "Docker Inc.", "Docker Desktop", PF + "\\Docker\\Docker",
     (0, 0.12, 0, 0.15, 0, 0), 1, [(EXPLORER, 1)], "user", 1 / 20, ""),
    ("npp", "notepad++.exe", "notepad++.exe", "Notepad++", "Don HO don.h@free.fr", "Notepad++", PF + "\\Notepad++",
     (0.15, 0.5, 0.35, 0.4, 0.3, 0), 1.5, [(EXPLORER, 1)], "user", 1 / 40, ""),
    ("sevenzip", "7zFM.exe", "7zFM.exe", None, "Igor Pavlov", "7-Zip", PF + "\\7-Zip", (0.6, 0.7, 0.5, 0.5, 0.4, 0), 0.5,
     [(EXPLORER, 1)], "user", 0, ""),
    ("vlc", "vlc.exe", "vlc.exe", "VideoLAN", "VideoLAN", "VLC media player", PF + "\\VideoLAN\\VLC", (0.2, 0.2, 0.05, 0.4, 0, 0.3), 0.3,
     [(EXPLORER, 1)], "user", 0, ""),
    ("keepass", "KeePass.exe", "KeePass.exe", "Dominik Reichl", "Dominik Reichl", "KeePass", PF + "\\KeePass Password Safe 2",
     (0.05, 0.15, 0.05, 0.2, 0.3, 0), 1, [(EXPLORER, 1)], "user", 0, ""),
    ("citrix", "SelfService.exe", "SelfService.exe", "Cloud Software Group, Inc.", "Citrix Systems, Inc.", "Citrix Workspace",
     PF86 + "\\Citrix\\ICA Client\\SelfServicePlugin", (0.2, 0.1, 0, 0.5, 0, 0), 1, [(EXPLORER, 1)], "user", 1 / 60, ""),
    ("anyconnect", "vpnui.exe", "vpnui.exe", "Cisco Systems, Inc.", "Cisco Systems, Inc.", "Cisco Secure Client",
     PF86 + "\\Cisco\\Cisco Secure Client", (0.7, 0.7, 0, 0, 0, 0), 1, [(EXPLORER, 1)], "user", 0, ""),
    ("goto", "g2mcomm.exe", "g2mcomm.exe", "GoTo Technologies USA, Inc.", "LogMeIn, Inc.", "GoTo Meeting",
     UAPP + "\\Local\\GoToMeeting\\{ver}", (0.05, 0.05, 0, 0.2, 0, 0.2), 0.5, [(CHROME, 1), (EXPLORER, 1)], "user", 1 / 30, "v"),
    ("teamviewer", "TeamViewer.exe", "TeamViewer.exe", "TeamViewer Germany GmbH", "TeamViewer Germany GmbH", "TeamViewer",
     PF + "\\TeamViewer", (0.01, 0.03, 0.15, 0.3, 0.05, 0), 0.5, [(EXPLORER, 1), (SERVICES, 1)], "user", 1 / 30, ""),
    ("grammarly", "Grammarly.Desktop.exe", "Grammarly.Desktop.exe", "Grammarly, Inc.", "Grammarly Inc.", "Grammarly for Windows",
     UAPP + "\\Local\\Grammarly\\DesktopIntegrations", (0.05, 0.02, 0, 0.15, 0, 0), 2, [(EXPLORER, 1)], "user", 1 / 7, ""),
    ("whatsapp", "WhatsApp.exe", "WhatsApp.exe", "WhatsApp LLC", "WhatsApp LLC", "WhatsApp", UAPP + "\\Local\\WhatsApp",
     (0.03, 0.03, 0, 0.25, 0, 0), 1, [(EXPLORER, 1)], "user", 1 / 14, ""),
    ("dropbox", "Dropbox.exe", "Dropbox.exe", "Dropbox, Inc", "Dropbox, Inc.", "Dropbox", PF86 + "\\Dropbox\\Client",
     (0.03, 0.05, 0, 0.3, 0, 0), 1, [(EXPLORER, 1)], "user", 1 / 10, ""),
    ("javaw", "javaw.exe", "javaw.exe", "Oracle America, Inc.", "Oracle Corporation", "Java Platform SE 8", PF + "\\Java\\jre1.8.0_441\\bin",
     (0.1, 0.3, 0.4, 0.1, 0.2, 0), 1, [(EXPLORER, 1), (CMD, 1)], "user", 0, ""),
    ("adoptium", "java.exe", "java.exe", "Eclipse.org Foundation, Inc.", "Eclipse Adoptium", "OpenJDK Platform",
     PF + "\\Eclipse Adoptium\\jdk-17.0.14.7-hotspot\\bin", (0, 0.3, 0.1, 0.1, 0.2, 0), 3, [(CMD, 1), (SERVICES, 1)], "user", 0, ""),
    ("logioptions", "logioptionsplus_agent.exe", "logioptionsplus_agent.exe", "Logitech Inc", "Logitech", "Logi Options+",
     PF + "\\LogiOptionsPlus", (0.25, 0.3, 0.02, 0.1, 0, 0), 1, [(SERVICES, 1)], "user", 1 / 30, ""),
    ("elasticagent", "elastic-agent.exe", "elastic-agent.exe", "Elasticsearch, Inc.", "Elastic", "Elastic Agent",
     PF + "\\Elastic\\Agent\\data\\elastic-agent-{ver}", (1, 1, 1, 0.9, 1, 1), 0.5, [(SERVICES, 1)], "system", 0, "v"),
    ("veeamagent", "VeeamAgent.exe", "VeeamAgent.exe", "Veeam Software Group GmbH", "Veeam Software Group GmbH", "Veeam Agent",
     PF + "\\Veeam\\Backup and Replication\\Backup", (0, 0, 0, 0, 0.8, 0), 4, [(PF + "\\Veeam\\Backup and Replication\\Backup\\Veeam.Backup.Service.exe", 1)],
     "system", 0, ""),
    ("sqlservr", "sqlservr.exe", "sqlservr.exe", "Microsoft Corporation", "Microsoft Corporation", "Microsoft SQL Server",
     PF + "\\Microsoft SQL Server\\MSSQL15.MSSQLSERVER\\MSSQL\\Binn", (0, 0, 0, 0, 0.4, 0), 0.3, [(SERVICES, 1)], "svc", 0, ""),
    ("pdqrunner", "PDQDeployRunner-1.exe", "PDQDeployRunner.exe", "PDQ.com Corporation", "PDQ.com", "PDQ Deploy",
     "C:\\Windows\\AdminArsenal\\PDQDeployRunner\\service-1", (0.9, 0.9, 0.5, 0, 0.9, 0.9), 0.4, [(SERVICES, 1)], "system", 0, ""),
    ("bitwarden", "Bitwarden.exe", "Bitwarden.exe", "8bit Solutions LLC", "Bitwarden Inc.", "Bitwarden",
     UAPP + "\\Local\\Programs\\Bitwarden", (0.02, 0.08, 0, 0.15, 0, 0), 1, [(EXPLORER, 1)], "user", 1 / 20, ""),
    ("steam", "steam.exe", "steam.exe", "Valve Corp.", "Valve Corporation", "Steam", PF86 + "\\Steam", (0, 0.01, 0, 0.12, 0, 0), 1,
     [(EXPLORER, 1)], "user", 1 / 14, ""),
]

# OEM helpers: signer, company, file, dir, prevalence (share of hosts of that make), status override, desc
OEM = [
    ("Dell", "Dell Inc", "Dell Inc.", "SupportAssistAgent.exe", PF + "\\Dell\\SupportAssistAgent\\bin", "system", 1),
    ("Dell", "Dell Inc", "Dell Inc.", "DellCommandUpdate.exe", PF + "\\Dell\\CommandUpdate", "user", 0.3),
    ("Dell", "Dell Inc", "Dell Inc.", "Dell.TechHub.Instrumentation.SubAgent.exe", "C:\\ProgramData\\Dell\\TechHub\\Plugins\\{ver}", "system", 1),
    ("HP", "HP Inc.", "HP Inc.", "HPHotkeyNotification.exe", PF86 + "\\HP\\HP Hotkey Support", "user", 1),
    ("HP", "HP Inc.", "Hewlett-Packard Company", "HPMSGSVC.exe", PF86 + "\\Hewlett-Packard\\HP Support Framework\\Resources\\HPMSGSVC", "system", 0.6),
    ("HP", "HP Inc.", "Plantronics, Inc.", "LensService.exe", PF + "\\Poly\\Poly Lens Control Service", "system", 0.2),
    ("Lenovo", "Lenovo", "Lenovo Group Limited", "LenovoVantageService.exe", "C:\\ProgramData\\Lenovo\\Vantage\\Addins\\LenovoVantageService\\{ver}", "system", 1),
    ("Lenovo", "Lenovo", "Lenovo", "TPHKLOAD.exe", PF86 + "\\Lenovo\\HOTKEY", "user", 0.7),
    ("*", "Realtek Semiconductor Corp.", "Realtek Semiconductor", "RtkAudUService64.exe", SYS + "\\DriverStore\\FileRepository\\realtekservice.inf_amd64_{ver}", "system", 0.7),
    ("Dell", "Waves Inc", "Waves Audio Ltd.", "WavesSvc64.exe", SYS + "\\DriverStore\\FileRepository\\wavesapo9de.inf_amd64_{ver}", "system", 0.5),
    ("*", "Synaptics Incorporated", "DisplayLink Corp.", "DisplayLinkUserAgent.exe", PF + "\\DisplayLink Core Software", "user", 0.25),
    ("*", "Intel Corporation", "Intel Corporation", "IntelCpHDCPSvc.exe", SYS + "\\DriverStore\\FileRepository\\iigd_dch.inf_amd64_{ver}", "system", 0.7),
    ("*", "NVIDIA Corporation", "NVIDIA Corporation", "NVDisplay.Container.exe", SYS + "\\DriverStore\\FileRepository\\nv_dispsig.inf_amd64_{ver}\\Display.NvContainer", "system", 0.15),
    ("*", "GN Audio A/S", "GN Audio A/S", "Jabra Direct.exe", PF86 + "\\Jabra\\Direct6", "user", 0.15),
    ("*", "Yubico AB", "Yubico AB", "ykman-gui.exe", PF + "\\Yubico\\YubiKey Manager", "user", 0.05),
]

# portable tools: key, signer, company, file, orig, status, prevalence knob share, desc
PORTABLE = [
    ("putty", "Simon Tatham", "Simon Tatham", "putty.exe", "PuTTY", "trusted", 0.25, "PuTTY SSH client"),
    ("winscp", "Martin Prikryl", "Martin Prikryl", "WinSCP.exe", "winscp.exe", "trusted", 0.12, "WinSCP portable"),
    ("prochacker", "Wen Jia Liu", "wj32", "ProcessHacker.exe", "ProcessHacker.exe", "errorExpired", 0.04, "Process Hacker 2.39 (certificate long expired)"),
    ("cpuz", "CPUID S.A.R.L.U.", "CPUID", "cpuz_x64.exe", "cpuz.exe", "trusted", 0.05, "CPU-Z"),
    ("hwinfo", "Martin Malik - REALiX", "Martin Malik, REALiX", "HWiNFO64.exe", "HWiNFO64.EXE", "trusted", 0.04, "HWiNFO64"),
    ("rufus", "Akeo Consulting", "Akeo Consulting", "rufus-4.6p.exe", "rufus-4.6.exe", "trusted", 0.04, "Rufus"),
    ("anydesk_old", "philandro Software GmbH", "AnyDesk Software GmbH", "AnyDesk.exe", "AnyDesk.exe", "errorRevoked", 0.08,
     "AnyDesk 7.x signed with the certificate revoked after AnyDesk's 2024 breach"),
    ("anydesk", "AnyDesk Software GmbH", "AnyDesk Software GmbH", "AnyDesk.exe", "AnyDesk.exe", "trusted", 0.08, "AnyDesk 8.x"),
    ("procexp", "Microsoft Corporation", "Sysinternals - www.sysinternals.com", "procexp64.exe", "procexp.exe", "trusted", 0.06, "Sysinternals Process Explorer"),
    ("procmon", "Microsoft Corporation", "Sysinternals - www.sysinternals.com", "Procmon64.exe", "procmon.exe", "trusted", 0.04, "Sysinternals Process Monitor"),
    ("psexec", "Microsoft Corporation", "Sysinternals - www.sysinternals.com", "PsExec64.exe", "psexec.exe", "trusted", 0.02, "Sysinternals PsExec (IT)"),
    ("nirsoft", "Nir Sofer", "NirSoft", "BlueScreenView.exe", "BlueScreenView.exe", "trusted", 0.03, "NirSoft BlueScreenView"),
    ("treesize", "JAM Software GmbH", "JAM Software", "TreeSizeFree.exe", "TreeSizeFree.exe", "trusted", 0.05, "TreeSize Free"),
    ("filezilla", "Tim Kosse", "FileZilla Project", "filezilla.exe", "filezilla.exe", "trusted", 0.05, "FileZilla portable"),
    ("termius", "Termius Corporation", "Termius Corporation", "Termius.exe", "Termius.exe", "trusted", 0.02, "Termius"),
    ("ch341", "Jiangsu Qinheng Co., Ltd.", "WCH.CN", "CH341SER.EXE", "SETUP.EXE", "errorExpired", 0.03, "CH340 USB-serial driver installer (expired)"),
    ("ftdi", "Future Technology Devices International Ltd", "FTDI Ltd", "CDM212364_Setup.exe", "CDMSetup.exe", "trusted", 0.03, "FTDI CDM driver"),
    ("pl2303", "Prolific Technology Inc.", "Prolific Technology Inc.", "PL23XX-M_LogoDriver_Setup_408_20220725.exe", "PL2303_Prolific_DriverInstaller.exe",
     "errorExpired", 0.015, "Prolific PL2303 driver installer (expired)"),
    ("wireshark", "Wireshark Foundation", "The Wireshark developer community, https://www.wireshark.org/", "Wireshark.exe", "Wireshark.exe", "trusted", 0.04, "Wireshark portable"),
]

SURN = ["berg", "nilsen", "hansen", "johansen", "larsen", "andersen", "pedersen", "olsen", "haugen", "solberg", "dahl",
        "lie", "moen", "bakken", "strand", "lund", "eide", "holm", "smith", "garcia", "kowalski", "novak", "ivanova",
        "fischer", "rossi", "silva", "kim", "patel", "nguyen", "murphy", "brennan", "vik", "aas", "halvorsen", "ruud"]
SYL = ["nor", "vik", "tek", "lum", "ax", "sol", "mar", "ion", "ver", "gal", "dyn", "hel", "kor", "pro", "tri", "zen",
       "ul", "qua", "ser", "ra", "mo", "lin", "sig", "tor", "ba", "ne", "sen", "ka", "ri", "del", "fa", "ost"]
SUFFIX = ["GmbH", "AS", "AB", "Ltd", "Ltd.", "LLC", "Inc.", "s.r.o.", "Co., Ltd.", "B.V.", "S.A.", "Pty Ltd", "Oy",
          "A/S", "SAS", "Sp. z o.o.", "Corporation", "Limited", "Srl", "KG"]
DOMAINWORDS = ["Instruments", "Systems", "Software", "Engineering", "Technologies", "Solutions", "Labs", "Marine",
               "Automation", "Electronics", "Measurement", "Controls", "Data", "Sensors", "Design", "Hydro", "Acoustics"]
PRODWORDS = ["Studio", "Manager", "Viewer", "Link", "Suite", "Logger", "Analyzer", "Scope", "Sync", "Config", "Monitor",
             "Explorer", "Pro", "Toolkit", "Bridge", "Agent", "Designer", "Calc", "Flow", "Hub", "Net", "Cam", "Lab"]
EXEROLES = ["", "Update", "Updater", "Svc", "Service", "Helper", "Launcher", "Agent", "Tray", "Cli", "Host", "Lic"]

PARENT_CODES = {
    "E": [(EXPLORER, 1)], "S": [(SERVICES, 1)], "T": [(SVCHOST, 1)], "B": BROWSERS, "M": [(MSIEXEC, 1)],
    "C": [(CMD, 1)], "W": [(WSCRIPT, 1)],
}

# Sysmon wording of each Elastic Defend status
SYSMON_STATUS = {
    "trusted": ("true", "Valid"),
    "errorExpired": ("true", "Expired"),
    "errorRevoked": ("true", "Revoked"),
    "errorUntrustedRoot": ("true", "A certificate chain processed, but terminated in a root certificate which is not trusted by the trust provider."),
    "errorChaining": ("true", "A certificate chain could not be built to a trusted root authority."),
    "errorBadDigest": ("true", "The digital signature of the object did not verify."),
}


# --------------------------------------------------------------------------------------------- the fleet


class Fleet:
    def __init__(self, hosts: int, days: int, seed: int):
        self.H = max(1, int(hosts))
        self.D = max(1, int(days))
        self.seed = int(seed)
        self.rng = np.random.default_rng(self.seed)
        self.start_date = END_DATE - _dt.timedelta(days=self.D - 1)
        self.T = self.D * DAY
        self.items: list[Item] = []
        self.ev_item: list[np.ndarray] = []
        self.ev_host: list[np.ndarray] = []
        self.ev_t: list[np.ndarray] = []
        self.ev_ver: list[np.ndarray] = []
        self.ev_par: list[np.ndarray] = []
        self.certs: dict[str, str] = {}
        self._knobs()
        self.vol = self.k["events_per_host_day"] / 200.0     # the catalogue's rates sum to ~200 starts a busy day
        self._hosts()

    # ---- knobs
    def _knobs(self):
        r = self.rng
        mix = r.dirichlet([9, 4, 1.5, 2, 1, 0.8])
        self.k = {
            "role_mix": dict(zip(["office", "eng", "lab", "contractor", "server", "kiosk"], [round(float(x), 3) for x in mix])),
            "events_per_host_day": float(r.uniform(40, 85)),
            "host_activity_sigma": float(r.uniform(0.4, 0.9)),
            "longtail_vendors_per_host": float(r.uniform(0.35, 1.0)),
            "longtail_zipf": float(r.uniform(1.5, 2.3)),
            "per_user_install_share": float(r.uniform(0.1, 0.35)),
            "lapsed_cert_rate": float(r.uniform(0.02, 0.08)),
            "revoked_cert_rate": float(r.uniform(0.003, 0.02)),
            "private_ca_rate": float(r.uniform(0.005, 0.03)),
            "chaining_rate": float(r.uniform(0.003, 0.015)),
            "unsigned_rate": float(r.uniform(0.1, 0.25)),
            "dev_builds_per_dev_day": float(r.uniform(0.1, 1.5)),
            "dev_share_of_eng": float(r.uniform(0.15, 0.5)),
            "installers_per_host_day": float(r.uniform(0.03, 0.15)),
            "stale_host_share": float(r.uniform(0.03, 0.15)),
            "portable_tool_scale": float(r.uniform(0.5, 1.6)),
            "attack_hashes_400": int(r.integers(10, 41)),
            "attack_weights": {},
            "careful_share": float(r.uniform(0.1, 0.6)),
            "renamed_benign_share": float(r.uniform(0.05, 0.2)),
        }
        names = ["stolen_cert_revoked", "stolen_cert_valid", "leaked_expired_cert", "front_company_cert",
                 "self_signed_impostor", "sigthief_bad_digest", "supply_chain_update"]
        w = r.dirichlet([1.4, 1.0, 0.9, 1.6, 1.0, 0.5, 0.5])
        self.k["attack_weights"] = {n: round(float(x), 3) for n, x in zip(names, w)}

    # ---- hosts
    def _hosts(self):
        r, H, D = self.rng, self.H, self.D
        roles = ["office", "eng", "lab", "contractor", "server", "kiosk"]
        p = np.array([self.k["role_mix"][x] for x in roles])
        p = p / p.sum()
        role = r.choice(len(roles), size=H, p=p)
        # small fleets: make sure there are at least an office and an engineering host
        if H >= 4:
            role[0], role[1] = 0, 1
        self.role = role
        self.domain = ~np.isin(role, [3]) & ~((role == 2) & (r.random(H) < 0.5))   # lab: half in a workgroup
        self.act = np.exp(r.normal(0, self.k["host_activity_sigma"], H))
        self.act *= np.array([1.0, 1.3, 0.7, 1.0, 0.6, 0.3])[role]
        self.stale = r.random(H) < self.k["stale_host_share"]
        self.stale |= (role == 2) & (r.random(H) < 0.4)
        cnt = {i: 0 for i in range(6)}
        self.hname, self.hid, self.user, self.agent, self.ip, self.osv = [], [], [], [], [], []
        for h in range(H):
            rr = int(role[h])
            cnt[rr] += 1
            if rr == 3:
                nm = ("DESKTOP-" if r.random() < 0.6 else "LAPTOP-") + "".join(
                    r.choice(list("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"), 7))
            else:
                nm = ["HME-WS", "HME-ENG", "HME-LAB", "", "HME-SRV", "HME-MR"][rr] + f"{cnt[rr]:03d}"
            self.hname.append(nm)
            self.hid.append(_guid(self.seed, "host", h, upper=False))
            self.agent.append(_guid(self.seed, "agent", h, upper=False))
            if rr == 4:
                u = "svc_" + ["backup", "sql", "app", "deploy"][h % 4]
            elif rr == 5:
                u = "mr." + str(cnt[rr])
            elif rr == 2 and r.random() < 0.6:
                u = "labuser"
            elif rr == 3 and r.random() < 0.3:
                u = ["Admin", "user", "owner"][int(r.integers(0, 3))]
            else:
                u = "abcdefghijklmnoprstuvw"[int(r.integers(0, 22))] + "." + SURN[int(r.integers(0, len(SURN)))]
            self.user.append(u)
            self.ip.append(f"10.{[20, 21, 40, 60, 10, 22][rr]}.{int(r.integers(0, 8))}.{int(r.integers(2, 254))}")
            if rr == 4:
                self.osv.append(("Windows Server 2022 Datacenter", "21H2 (10.0.20348.3207)", "10.0.20348"))
            elif rr == 2 and r.random() < 0.5:
                self.osv.append(("Windows 10 Enterprise LTSC 2019", "1809 (10.0.17763.6893)", "10.0.17763"))
            elif r.random() < 0.35:
                self.osv.append(("Windows 10 Pro" if rr == 3 else "Windows 10 Enterprise", "22H2 (10.0.19045.5487)", "10.0.19045"))
            else:
                self.osv.append(("Windows 11 Pro" if rr == 3 else "Windows 11 Enterprise", "23H2 (10.0.22631.4890)", "10.0.22631"))
        # day weights W[h, d]
        wd = np.array([(self.start_date + _dt.timedelta(days=d)).weekday() for d in range(D)])
        weekend = wd >= 5
        W = np.ones((H, D))
        wk = np.array([0.07, 0.2, 0.5, 0.15, 1.0, 0.03])[role]
        W[:, weekend] = wk[:, None]
        for h in range(H):
            rr = role[h]
            if rr in (0, 1, 3, 5) and r.random() < 0.12 and D > 2:      # holiday block
                a = int(r.integers(0, D))
                W[h, a:a + int(r.integers(2, 8))] *= 0.02
            W[h] *= np.where(r.random(D) < 0.03, 0.05, 1.0)          # sick day, laptop left off
            if rr == 3 and D > 3:                                     # contractor arrives or leaves
                if r.random() < 0.3:
                    W[h, :int(r.integers(1, D))] = 0.0
                elif r.random() < 0.2:
                    W[h, int(r.integers(1, D)):] = 0.0
        W[W.sum(1) == 0, -1] = 1.0
        self.W = W
        self.cumW = np.concatenate([np.zeros((H, 1)), np.cumsum(W, 1)], 1)
        self._gmax = float(self.cumW[:, -1].max()) + 1.0
        self._G = (self.cumW + (np.arange(H) * self._gmax)[:, None]).ravel()
        # hour profiles (UTC); office hours CET
        hrs = np.arange(24)
        loc = (hrs + TZ_OFFSET_H) % 24
        office = np.exp(-0.5 * ((loc - 12.5) / 3.0) ** 2) + 0.03
        office[(loc < 7) | (loc > 19)] *= 0.25
        flat = np.ones(24)
        self.hour_p = {0: office, 1: office * (1 + 0.3 * (loc > 17)), 2: office + 0.3, 3: office + 0.05,
                       4: flat, 5: office}
        for k_ in self.hour_p:
            self.hour_p[k_] = self.hour_p[k_] / self.hour_p[k_].sum()
        self.hour_cdf = {k_: np.cumsum(v) for k_, v in self.hour_p.items()}

    # ---- time sampling
    def sample_times(self, hosts: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """One time per entry: a day in [lo, hi] (inclusive day indexes) weighted by W, an hour by role."""
        r = self.rng
        n = len(hosts)
        if n == 0:
            return np.zeros(0)
        lo = np.clip(lo, 0, self.D - 1).astype(np.int64)
        hi = np.clip(hi, lo, self.D - 1).astype(np.int64)
        a = self.cumW[hosts, lo]
        b = self.cumW[hosts, hi + 1]
        u = r.random(n)
        tgt = a + u * (b - a) + hosts * self._gmax
        idx = np.searchsorted(self._G, tgt, side="right") - 1
        day = idx - hosts * (self.D + 1)
        bad = (b - a) <= 1e-9
        if bad.any():
            day[bad] = lo[bad] + (r.random(int(bad.sum())) * (hi[bad] - lo[bad] + 1)).astype(np.int64)
        day = np.clip(day, lo, hi)
        hour = np.empty(n, dtype=np.int64)
        roles = self.role[hosts]
        uu = r.random(n)
        for k_, cdf in self.hour_cdf.items():
            m = roles == k_
            if m.any():
                hour[m] = np.minimum(np.searchsorted(cdf, uu[m]), 23)
        return day * DAY + hour * 3600.0 + r.random(n) * 3600.0

    # ---- identities
    def thumb(self, subject, era="cur"):
        key = f"{subject}|{era}"
        if key not in self.certs:
            self.certs[key] = _hex(self.seed, "cert", subject, era)
        return self.certs[key]

    def new_version(self, item: Item, vkey, fv, sig: Sig, release=-1e9, vdir="", revoke_at=None, label=None,
                    scenario=None, desc=None) -> int:
        v = Version()
        ident = f"{item.key}|{vkey}"
        v.sha256 = _hex(self.seed, "sha256", ident)
        v.sha1 = _hex(self.seed, "sha1", ident, n=40)
        v.md5 = _hex(self.seed, "md5", ident, n=32)
        v.file_version = fv
        v.sig = sig
        v.release = release
        v.revoke_at = revoke_at
        v.vdir = vdir
        v.label = label or item.label
        v.scenario = scenario or item.scenario
        v.desc = desc or item.desc
        item.versions.append(v)
        return len(item.versions) - 1

    def add_item(self, it: Item) -> int:
        self.items.append(it)
        return len(self.items) - 1

    def emit(self, idx: int, hosts, times, vers=None):
        """Register events of item idx; versions default to 'latest released by then on this host' = 0."""
        hosts = np.asarray(hosts, dtype=np.int64)
        times = np.asarray(times, dtype=np.float64)
        m = (times >= 0) & (times < self.T)
        hosts, times = hosts[m], times[m]
        if vers is None:
            vers = np.zeros(len(hosts), dtype=np.int64)
        else:
            vers = np.asarray(vers, dtype=np.int64)[m]
        it = self.items[idx]
        npar = len(it.parents)
        if npar > 1:
            w = np.array([p[1] for p in it.parents], dtype=float)
            par = self.rng.choice(npar, size=len(hosts), p=w / w.sum())
        else:
            par = np.zeros(len(hosts), dtype=np.int64)
        self.ev_item.append(np.full(len(hosts), idx, dtype=np.int64))
        self.ev_host.append(hosts)
        self.ev_t.append(times)
        self.ev_ver.append(vers)
        self.ev_par.append(par.astype(np.int64))

    def rate_events(self, hosts, rate, t0=None, t1=None):
        """Poisson starts at `rate` per weighted day per host (times the host's activity), in [t0, t1)."""
        r = self.rng
        hosts = np.asarray(hosts, dtype=np.int64)
        if len(hosts) == 0:
            return hosts, np.zeros(0)
        t0 = np.zeros(len(hosts)) if t0 is None else np.asarray(t0, dtype=float)
        t1 = np.full(len(hosts), self.T) if t1 is None else np.asarray(t1, dtype=float)
        lo = np.floor(np.clip(t0, 0, self.T - 1) / DAY).astype(np.int64)
        hi = np.floor(np.clip(t1, 0, self.T - 1) / DAY).astype(np.int64)
        wsum = self.cumW[hosts, hi + 1] - self.cumW[hosts, lo]
        lam = np.asarray(rate, dtype=float) * self.act[hosts] * wsum
        n = r.poisson(np.maximum(lam, 0))
        eh = np.repeat(hosts, n)
        et = self.sample_times(eh, np.repeat(lo, n), np.repeat(hi, n))
        ok = (et >= np.repeat(t0, n)) & (et < np.repeat(t1, n))
        return eh[ok], et[ok]

    def pick_hosts(self, prev_by_role) -> np.ndarray:
        p = np.asarray(prev_by_role, dtype=float)[self.role]
        return np.nonzero(self.rng.random(self.H) < p)[0]

    def versions_by_time(self, item: Item, hosts, times, lag_med, lag_sigma=1.0):
        """Version index per event: release k reaches host h at release_k + lag(h, k); stale hosts never update."""
        rel = np.array([v.release for v in item.versions])
        K = len(rel)
        if K == 1:
            return np.zeros(len(hosts), dtype=np.int64)
        uh, inv = np.unique(hosts, return_inverse=True)
        lag = np.exp(self.rng.normal(np.log(max(lag_med, 1e-3)), lag_sigma, (len(uh), K))) * DAY
        lag *= np.where(self.role[uh] == 4, 3.0, np.where(self.role[uh] == 2, 2.0, 1.0))[:, None]   # servers, labs later
        up = rel[None, :] + lag
        up[:, 0] = -1e18
        st = self.stale[uh]
        up[st, 1:] = np.where(rel[None, 1:] > -5 * DAY, 1e18, up[st, 1:])
        up = np.maximum.accumulate(up, axis=1)
        uph = up[inv]
        return (times[:, None] >= uph).sum(1).astype(np.int64) - 1

    # ------------------------------------------------------------------------------ benign catalogue
    def build_inbox(self):
        r = self.rng
        pt = (PATCH_TUESDAY - self.start_date).days * DAY + 18 * 3600
        for name, d, parents, uk, rate, sg, patched, where in INBOX:
            subj = "Microsoft Windows Publisher" if sg == "P" else "Microsoft Windows"
            it = Item("inbox:" + name, "windows_inbox", "benign", f"Windows inbox {name}", name, d, name,
                      "Microsoft Corporation", "Microsoft\u00ae Windows\u00ae Operating System", name[:-4],
                      [(p, 1) for p in parents], uk)
            if name == "DismHost.exe":
                it.per_event_guid = True
            nb = {"10.0.22631": "22631.4890", "10.0.19045": "19041.5487", "10.0.17763": "17763.6893", "10.0.20348": "20348.3207"}
            self.new_version(it, "feb", "10.0.22621.4890 (WinBuild.160101.0800)", Sig(subj, self.thumb(subj, "2024"), "trusted"),
                             vdir=nb)
            if patched and pt > -DAY * 20:
                self.new_version(it, "mar", "10.0.22621.5039 (WinBuild.160101.0800)", Sig(subj, self.thumb(subj, "2025"), "trusted"),
                                 release=pt, vdir=nb)
            idx = self.add_item(it)
            if where == "ws":
                hosts = np.nonzero(self.role != 4)[0]
            elif where == "srv":
                hosts = np.nonzero((self.role == 4) & (r.random(self.H) < 0.5))[0]
            elif where == "dom":
                hosts = np.nonzero(self.domain)[0]
            else:
                hosts = np.arange(self.H)
            eh, et = self.rate_events(hosts, rate * self.vol)
            ver = self.versions_by_time(it, eh, et, lag_med=1.5, lag_sigma=0.9)
            self.emit(idx, eh, et, ver)

    def build_mainstream(self):
        r = self.rng
        for (key, fn, orig, signer, company, product, d, prev, rate, parents, uk, relrate, vf) in MAINSTREAM:
            it = Item("ms:" + key, "microsoft_product" if signer == "Microsoft Corporation" else "mainstream_app", "benign",
                      f"{product} ({signer or 'unsigned'})", fn, d, orig, company, product, product, parents, uk)
            sig = Sig(signer, self.thumb(signer, "2024"), "trusted") if signer else Sig()
            base = int(r.integers(1, 40))
            self.new_version(it, "old", f"{base}.{int(r.integers(0, 9))}.{int(r.integers(100, 999))}.0",
                             Sig(signer, self.thumb(signer, "2022"), "trusted") if signer else Sig(), release=-90 * DAY,
                             vdir=f"{base}.{int(r.integers(0, 9))}.{int(r.integers(100, 999))}")
            self.new_version(it, "cur", f"{base + 1}.0.{int(r.integers(100, 999))}.0", sig, release=-float(r.uniform(5, 40)) * DAY,
                             vdir=f"{base + 1}.0.{int(r.integers(100, 999))}")
            if relrate > 0:
                t = 0.0
                k = 0
                while True:
                    t += float(r.exponential(1.0 / relrate)) * DAY
                    if t >= self.T:
                        break
                    k += 1
                    self.new_version(it, f"r{k}", f"{base + 1}.{k}.{int(r.integers(100, 999))}.0", sig, release=t,
                                     vdir=f"{base + 1}.{k}.{int(r.integers(100, 999))}")
            idx = self.add_item(it)
            hosts = self.pick_hosts(prev)
            eh, et = self.rate_events(hosts, rate * self.vol)
            ver = self.versions_by_time(it, eh, et, lag_med=float(r.uniform(0.5, 4)), lag_sigma=1.0)
            self.emit(idx, eh, et, ver)

    def build_oem(self):
        r = self.rng
        make = r.choice(3, size=self.H, p=[0.5, 0.3, 0.2])      # Dell, HP, Lenovo
        makes = {"Dell": 0, "HP": 1, "Lenovo": 2}
        for i, (mk, signer, company, fn, d, uk, prev) in enumerate(OEM):
            it = Item(f"oem:{fn}", "oem_helper", "benign", f"OEM helper {fn} ({signer})", fn, d, fn, company,
                      fn[:-4], fn[:-4], [(SERVICES, 1)] if uk == "system" else [(EXPLORER, 1), (SVCHOST, 1)], uk)
            st = "trusted"
            self.new_version(it, "a", f"{int(r.integers(1, 12))}.{int(r.integers(0, 99))}.0.{int(r.integers(1, 999))}",
                             Sig(signer, self.thumb(signer, "2023"), st), release=-1e9, vdir=_hex(self.seed, fn, "a", n=16))
            # old version left behind on stale hosts, its certificate expired without a timestamp now and then
            ost = "errorExpired" if r.random() < 0.35 else "trusted"
            self.new_version(it, "b", f"{int(r.integers(1, 12))}.{int(r.integers(0, 99))}.1.{int(r.integers(1, 999))}",
                             Sig(signer, self.thumb(signer, "2019"), ost), release=-1e9, vdir=_hex(self.seed, fn, "b", n=16),
                             scenario="old_version_leftover", desc=f"old {fn} left on stale hosts")
            idx = self.add_item(it)
            if mk == "*":
                hosts = np.nonzero((r.random(self.H) < prev) & (self.role != 4))[0]
            else:
                hosts = np.nonzero((make == makes[mk]) & (r.random(self.H) < prev) & (self.role != 4) & (self.role != 3))[0]
            eh, et = self.rate_events(hosts, 0.8)
            ver = np.where(self.stale[eh], 1, 0)
            self.emit(idx, eh, et, ver)

    def _vendor_name(self, tag):
        r = self.rng
        base = "".join(SYL[int(r.integers(0, len(SYL)))] for _ in range(int(r.integers(2, 4)))).capitalize()
        if r.random() < 0.5:
            legal = f"{base} {DOMAINWORDS[int(r.integers(0, len(DOMAINWORDS)))]} {SUFFIX[int(r.integers(0, len(SUFFIX)))]}"
        elif r.random() < 0.15:     # acronym vendors
            legal = "".join(chr(65 + int(x)) for x in r.integers(0, 26, 3)) + " " + SUFFIX[int(r.integers(0, len(SUFFIX)))]
            base = legal.split()[0]
        else:
            legal = f"{base} {SUFFIX[int(r.integers(0, len(SUFFIX)))]}"
        return base, legal

    def build_longtail(self):
        """Niche vendors, Zipf-sized: most on a handful of hosts."""
        r, k = self.rng, self.k
        nv = max(5, int(round(k["longtail_vendors_per_host"] * self.H + 25)))
        self.vendors = []
        for v in range(nv):
            brand, legal = self._vendor_name(v)
            # prevalence (hosts): Zipf-like
            nh = int(min(self.H, max(1, np.floor(r.pareto(k["longtail_zipf"] - 1.0) + 1) * (1 + (r.random() < 0.1) * r.integers(2, 20)))))
            role_aff = r.dirichlet([2, 2, 1.5, 1, 0.3, 0.2])
            pw = role_aff[self.role] * self.act
            hosts = r.choice(self.H, size=min(nh, self.H), replace=False, p=pw / pw.sum())
            u = r.random()
            if u < k["unsigned_rate"]:
                status = None
            else:
                u = r.random()
                c = np.cumsum([k["lapsed_cert_rate"], k["revoked_cert_rate"], k["private_ca_rate"], k["chaining_rate"]])
                status = "errorExpired" if u < c[0] else "errorRevoked" if u < c[1] else "errorUntrustedRoot" if u < c[2] else \
                    "errorChaining" if u < c[3] else "trusted"
            cu = r.random()
            company = legal if cu < 0.55 else brand if cu < 0.75 else "" if cu < 0.85 else \
                (self._vendor_name(v)[1] if cu < 0.95 else legal.upper())
            scen = {None: "niche_vendor_unsigned", "trusted": "niche_vendor", "errorExpired": "lapsed_vendor_cert",
                    "errorRevoked": "revoked_vendor_cert", "errorUntrustedRoot": "private_ca_vendor",
                    "errorChaining": "chaining_vendor_cert"}[status]
            self.vendors.append((legal, brand, hosts, status))
            nprod = 1 + int(r.random() < 0.3) + int(r.random() < 0.1)
            for pi in range(nprod):
                pname = brand + PRODWORDS[int(r.integers(0, len(PRODWORDS)))] if r.random() < 0.6 else \
                    "".join(SYL[int(r.integers(0, len(SYL)))] for _ in range(2)).capitalize() + PRODWORDS[int(r.integers(0, len(PRODWORDS)))]
                pu = r.random()
                if pu < k["per_user_install_share"]:
                    d = UAPP + ("\\Local\\Programs\\" if r.random() < 0.5 else "\\Local\\" if r.random() < 0.6 else "\\Roaming\\") + pname
                    uk = "user"
                elif pu < k["per_user_install_share"] + 0.07:
                    d = "C:\\ProgramData\\" + brand + ("\\" + pname if r.random() < 0.5 else "")
                    uk = "system"
                elif pu < k["per_user_install_share"] + 0.11:
                    d = "C:\\Tools\\" + pname if r.random() < 0.5 else "D:\\Apps\\" + pname
                    uk = "user"
                else:
                    d = (PF if r.random() < 0.7 else PF86) + "\\" + (legal.split()[0] if r.random() < 0.6 else brand) + "\\" + pname
                    uk = "user"
                nf = 1 + int(r.random() < 0.5) + int(r.random() < 0.2)
                ph = hosts if pi == 0 else hosts[r.random(len(hosts)) < 0.5]
                for fi in range(nf):
                    role_word = "" if fi == 0 else EXEROLES[int(r.integers(1, len(EXEROLES)))]
                    fn = pname + role_word + ".exe"
                    if r.random() < 0.15:
                        fn = fn.lower()
                    orig = fn if r.random() < 0.85 else (pname[:8] + role_word + ".exe")
                    par = [(EXPLORER, 3)] if fi == 0 else [(SERVICES, 1)] if role_word in ("Svc", "Service", "Agent", "Lic", "Host") \
                        else [(SVCHOST, 1)] if role_word in ("Update", "Updater") else [(d + "\\" + pname + ".exe", 2), (EXPLORER, 1)]
                    it = Item(f"lt:{v}:{pi}:{fi}", scen, "benign", f"{pname} by {legal} (long-tail vendor)", fn, d, orig,
                              company, pname, pname + (" " + role_word if role_word else ""), par,
                              "system" if par[0][0] == SERVICES else uk)
                    nver = 1 + int(r.random() < 0.3)
                    for vi in range(nver):
                        rel = -1e9 if vi == 0 else float(r.uniform(-10, self.D)) * DAY
                        self.new_version(it, f"v{vi}", f"{int(r.integers(1, 9))}.{int(r.integers(0, 20))}.{int(r.integers(0, 999))}",
                                         Sig(legal, self.thumb(legal, "cur"), status) if status else Sig(), release=rel)
                    idx = self.add_item(it)
                    fh = ph if fi == 0 else ph[r.random(len(ph)) < 0.8]
                    rate = min(4.0, float(np.exp(r.normal(np.log(0.3), 1.1))))
                    # some installed in the window
                    t0 = np.where(r.random(len(fh)) < 0.15, r.uniform(0, self.T, len(fh)), 0.0)
                    eh, et = self.rate_events(fh, rate, t0=t0)
                    first = t0 > 0
                    if first.any():
                        eh = np.concatenate([eh, fh[first]])
                        et = np.concatenate([et, t0[first] + 1.0])
                    ver = self.versions_by_time(it, eh, et, lag_med=2.0) if nver > 1 else None
                    self.emit(idx, eh, et, ver)

    def build_portable(self):
        r = self.rng
        scale = self.k["portable_tool_scale"]
        for key, signer, company, fn, orig, status, prev, desc in PORTABLE:
            p = prev * scale * np.array([0.3, 1.5, 1.2, 2.0, 1.0, 0.0])[self.role]
            hosts = np.nonzero(r.random(self.H) < p)[0]
            for h in hosts:
                u = r.random()
                d = "C:\\Users\\{user}\\Downloads" if u < 0.55 else "C:\\Users\\{user}\\Desktop" if u < 0.7 else \
                    "C:\\Tools" if u < 0.85 else "C:\\Users\\{user}\\Documents\\tools" if u < 0.93 else \
                    "C:\\Users\\{user}\\AppData\\Local\\Temp\\Temp1_" + key + ".zip"
                name = fn
                if r.random() < self.k["renamed_benign_share"]:
                    name = fn[:-4] + [" (1)", " (2)", "_old", "64", "-portable"][int(r.integers(0, 5))] + ".exe"
                it = Item(f"pt:{key}:{h}", "portable_tool", "benign", desc, name, d, orig, company, fn[:-4], desc,
                          [(EXPLORER, 6), (CMD, 1), (BROWSERS[0][0], 1)], "user")
                # one version per tool across the fleet (same hash), a second newer build on some hosts
                newer = r.random() < 0.3
                sig = Sig(signer, self.thumb(signer, "cur" if status != "errorRevoked" else "revoked"), status)
                it.versions = []
                v = Version()
                ident = f"pt:{key}|{'n' if newer else 'o'}"
                v.sha256, v.sha1, v.md5 = _hex(self.seed, "sha256", ident), _hex(self.seed, "sha1", ident, n=40), _hex(self.seed, "md5", ident, n=32)
                v.file_version, v.sig, v.release, v.revoke_at, v.vdir = f"{int(r.integers(1, 9))}.{int(newer)}", sig, -1e9, None, ""
                v.label, v.scenario, v.desc = "benign", it.scenario, desc
                it.versions.append(v)
                idx = self.add_item(it)
                rate = float(np.exp(r.normal(np.log(0.3), 1.0)))
                t0 = r.uniform(-self.T, self.T)
                eh, et = self.rate_events([h], rate, t0=[max(t0, 0.0)])
                if t0 > 0:
                    eh, et = np.concatenate([eh, [h]]), np.concatenate([et, [t0]])
                self.emit(idx, eh, et)

    def build_installers(self):
        """Installers run from Downloads or unpacked into Temp (once), mostly by their own users."""
        r, k = self.rng, self.k
        vend = [(v[0], v[3], v[1]) for v in self.vendors] + [(x[3], "trusted", x[3].split()[0]) for x in MAINSTREAM if x[3]] * 2
        lam = k["installers_per_host_day"] * self.act * self.W.sum(1) * np.array([0.6, 1.5, 1.0, 2.0, 0.5, 0.1])[self.role]
        n = r.poisson(lam)
        for h in np.nonzero(n)[0]:
            for j in range(int(n[h])):
                legal, st, brand = vend[int(r.integers(0, len(vend)))]
                t = float(self.sample_times(np.array([h]), np.array([0]), np.array([self.D - 1]))[0])
                u = r.random()
                gid = _guid(self.seed, "inst", h, j)
                ver = f"{int(r.integers(1, 12))}.{int(r.integers(0, 30))}.{int(r.integers(0, 9))}"
                shared = r.random() < 0.35     # a popular installer the same on several hosts
                if u < 0.5:
                    scen = "installer_download"
                    d = "C:\\Users\\{user}\\Downloads"
                    fn = f"{brand}Setup_{ver}.exe" if r.random() < 0.6 else f"{brand.lower()}-{ver}-win64.exe"
                    if r.random() < k["renamed_benign_share"]:
                        fn = fn[:-4] + " (1).exe"
                    parents = BROWSERS + [(EXPLORER, 10)]
                    uk = "user"
                elif u < 0.8:
                    scen = "installer_temp"
                    d = "C:\\Users\\{user}\\AppData\\Local\\Temp\\" + (f"{{{gid}}}" if r.random() < 0.5 else f"is-{gid[:5]}.tmp")
                    fn = ["setup.exe", "install.exe", f"{brand}Installer.exe", "setup64.exe"][int(r.integers(0, 4))]
                    parents = [("C:\\Users\\{user}\\Downloads\\" + brand + "Setup.exe", 3), (EXPLORER, 1)]
                    uk = "user"
                else:
                    scen = "installer_temp"
                    d = "C:\\Windows\\Temp\\" + (f"MSI{gid[:4]}" if r.random() < 0.5 else f"{{{gid}}}")
                    fn = ["CustomAction.exe", "setup.exe", f"{brand}Prereq.exe", "vcredist_x64.exe"][int(r.integers(0, 4))]
                    parents = [(MSIEXEC, 1)]
                    uk = "system"
                ikey = f"inst:{legal}:{ver}" if shared else f"inst:{h}:{j}"
                it = Item(f"inst:{h}:{j}", scen, "benign", f"installer of {brand} {ver} ({legal})", fn, d,
                          fn if r.random() < 0.7 else "setup.exe", legal if r.random() < 0.7 else brand, f"{brand} Setup",
                          f"{brand} Installer", parents, uk)
                ist = st
                if ist == "trusted" and r.random() < 0.04:
                    ist = "errorExpired"
                v = Version()
                v.sha256, v.sha1, v.md5 = _hex(self.seed, "sha256", ikey), _hex(self.seed, "sha1", ikey, n=40), _hex(self.seed, "md5", ikey, n=32)
                v.file_version, v.release, v.revoke_at, v.vdir = ver, -1e9, None, ""
                v.sig = Sig(legal, self.thumb(legal, "cur"), ist) if ist else Sig()
                v.label, v.scenario, v.desc = "benign", scen, it.desc
                it.versions.append(v)
                idx = self.add_item(it)
                nrun = 1 + int(r.random() < 0.2)
                self.emit(idx, [h] * nrun, [t + 30.0 * i for i in range(nrun)])

    def build_it(self):
        """PDQ Deploy packages, logon scripts' tools and internal CA-signed tools."""
        r = self.rng
        dom = np.nonzero(self.domain & (self.role != 3))[0]
        # PDQ packages
        npk = int(r.integers(2, 7))
        for p in range(npk):
            brand, legal = self._vendor_name(p) if r.random() < 0.5 else (None, None)
            if brand is None:
                x = MAINSTREAM[int(r.integers(0, len(MAINSTREAM)))]
                legal, brand = x[3] or "Igor Pavlov", x[5].replace(" ", "")
            st = "trusted" if r.random() < 0.75 else "errorExpired"
            staged = r.random() < 0.5
            d = ("C:\\ProgramData\\HME-Deploy\\Packages\\" + brand) if staged else "C:\\Windows\\AdminArsenal\\PDQDeployRunner\\service-1\\exec"
            fn = f"{brand}_{int(r.integers(1, 20))}.{int(r.integers(0, 9))}_x64.exe"
            it = Item(f"pdq:{p}", "it_deployment", "benign", f"PDQ Deploy package {brand} ({legal})", fn, d, fn, legal, brand,
                      brand + " Setup", [(PDQRUN, 1)], "system")
            self.new_version(it, "a", "1.0", Sig(legal, self.thumb(legal, "pdq"), st))
            idx = self.add_item(it)
            target = dom[r.random(len(dom)) < r.uniform(0.2, 1.0)]
            day = int(r.integers(0, self.D))
            t = day * DAY + float(r.uniform(7, 16)) * 3600 + r.exponential(3 * 3600, len(target))
            t += np.where(self.W[target, day] < 0.5, r.uniform(1, 4, len(target)) * DAY, 0)    # off hosts catch up later
            self.emit(idx, target, t)
        # internal tools (internal CA)
        tools = [("HME.Inventory.exe", "C:\\ProgramData\\HME\\Inventory", [(WSCRIPT, 3), (CMD, 1)], "user", 1.0, 0.95),
                 ("HmeDriveMapper.exe", "C:\\ProgramData\\HME\\Logon", [(WSCRIPT, 1)], "user", 1.0, 0.9),
                 ("HmePrintSetup.exe", "C:\\ProgramData\\HME\\Logon", [(CMD, 1)], "user", 0.3, 0.5),
                 ("HmeLicenseCheck.exe", "C:\\Program Files\\HME\\LicenseCheck", [(SERVICES, 1)], "system", 0.5, 0.3),
                 ("RigLogger.exe", "C:\\HME\\RigTools", [(EXPLORER, 1), (SVCHOST, 1)], "lab", 3.0, -1),
                 ("HullCalcLauncher.exe", UAPP + "\\Local\\HME\\HullCalc", [(EXPLORER, 1)], "user", 1.0, -2),
                 ("hme-sync.exe", "C:\\Users\\{user}\\AppData\\Roaming\\HME\\Sync", [(SVCHOST, 1)], "user", 2.0, -2),
                 ("TimesheetReminder.exe", "C:\\ProgramData\\HME\\Timesheet", [(SVCHOST, 1)], "user", 1.0, 0.7)]
        for i, (fn, d, par, uk, rate, prev) in enumerate(tools):
            it = Item(f"int:{fn}", "internal_tool", "benign", f"in-house tool {fn} signed by the internal CA", fn, d, fn,
                      "Halvorsen Marine Engineering", "HME Tools", fn[:-4], par, uk if uk != "lab" else "user")
            it.internal = True
            self.new_version(it, "a", "2.3.1.0", Sig(ORG_SIGNER, self.thumb(ORG_SIGNER, "2023"), "trusted"), release=-1e9)
            self.new_version(it, "b", "2.4.0.0", Sig(ORG_SIGNER, self.thumb(ORG_SIGNER, "2025"), "trusted"),
                             release=float(r.uniform(-5, self.D)) * DAY)
            idx = self.add_item(it)
            if prev == -1:
                hosts = np.nonzero(self.role == 2)[0]
            elif prev == -2:
                hosts = np.nonzero(((self.role == 1) | (self.role == 3)) & (r.random(self.H) < 0.6))[0]
            else:
                hosts = np.nonzero((self.role != 4) & (r.random(self.H) < prev) & (self.domain | (r.random(self.H) < 0.5)))[0]
            eh, et = self.rate_events(hosts, rate)
            self.emit(idx, eh, et, self.versions_by_time(it, eh, et, lag_med=1.0))

    def build_devbuilds(self):
        r, k = self.rng, self.k
        eng = np.nonzero(((self.role == 1) | (self.role == 3) | (self.role == 2)) & (r.random(self.H) < k["dev_share_of_eng"]))[0]
        for h in eng:
            proj = "".join(SYL[int(r.integers(0, len(SYL)))] for _ in range(2)).capitalize() + ["Tool", "Sim", "Ctl", "Gui", "Test", "Svc"][int(r.integers(0, 6))]
            testcert = r.random() < 0.5
            subj = f"{self.user[h]} test" if r.random() < 0.3 else ("HME Dev Test Signing" if r.random() < 0.6 else f"CN={proj} Dev")
            nb = int(r.poisson(k["dev_builds_per_dev_day"] * max(1.0, self.W[h].sum())))
            if nb == 0:
                continue
            times = np.sort(self.sample_times(np.full(nb, h), np.zeros(nb, dtype=np.int64), np.full(nb, self.D - 1)))
            u = r.random()
            d = ("C:\\Users\\{user}\\source\\repos\\" + proj + "\\bin\\Release\\net8.0") if u < 0.55 else \
                ("C:\\Users\\{user}\\AppData\\Local\\Temp\\" + proj + "Tests") if u < 0.75 else \
                ("C:\\dev\\" + proj + "\\build\\x64") if u < 0.9 else ("C:\\Users\\{user}\\Desktop\\" + proj)
            for b in range(nb):
                it = Item(f"dev:{h}:{b}", "dev_build", "benign", f"developer build of {proj} on {self.hname[h]}", proj + ".exe", d,
                          proj + ".exe", "" if r.random() < 0.5 else "HME", proj, proj,
                          [(PF + "\\Microsoft Visual Studio\\2022\\Professional\\Common7\\IDE\\devenv.exe", 2), (CMD, 1),
                           (UAPP + "\\Local\\Programs\\Microsoft VS Code\\Code.exe", 1)], "user")
                st = ("errorUntrustedRoot" if r.random() < 0.8 else "errorChaining") if testcert else None
                self.new_version(it, "a", f"0.{b}.0.0", Sig(subj, self.thumb(subj, str(h)), st) if testcert else Sig())
                idx = self.add_item(it)
                nrun = 1 + int(r.poisson(2.0))
                self.emit(idx, [h] * nrun, times[b] + np.cumsum(r.exponential(600, nrun)))

    # ------------------------------------------------------------------------------ attacks
    def build_attacks(self):
        r, k = self.rng, self.k
        scale = (self.H / 400.0) ** 0.7
        budget = int(round(k["attack_hashes_400"] * scale * float(r.uniform(0.7, 1.3))))
        if self.H < 40:
            budget = int(r.integers(0, max(2, budget + 2)))
        names = list(k["attack_weights"])
        w = np.array([k["attack_weights"][n] for n in names])
        made = 0
        op = 0
        self.attack_log = []
        while made < budget and op < 200:
            scen = names[int(r.choice(len(names), p=w / w.sum()))]
            made += self._attack(op, scen, budget - made)
            op += 1

    def _victims(self, n):
        r = self.rng
        p = np.array([1.0, 1.2, 0.6, 1.0, 0.3, 0.2])[self.role] * np.sqrt(self.act)
        n = min(n, self.H)
        return r.choice(self.H, size=n, replace=False, p=p / p.sum())

    def _attack_name(self, careful, brand, prodname=None):
        r = self.rng
        if careful and brand:
            base = prodname or brand
            fn = base + ["Update", "Updater", "Service", "Helper", "Sync", ""][int(r.integers(0, 6))] + ".exe"
            d = [UAPP + "\\Local\\" + brand, UAPP + "\\Roaming\\" + brand + "\\" + base, "C:\\ProgramData\\" + brand,
                 UAPP + "\\Local\\Programs\\" + base, UAPP + "\\Local\\Temp\\" + brand,
                 "C:\\Program Files\\" + brand + "\\" + base][int(r.choice(6, p=[0.25, 0.2, 0.2, 0.15, 0.1, 0.1]))]
            return fn, d
        fn = ["update.exe", "setup_x64.exe", "Invoice_%04d.exe" % int(r.integers(1000, 9999)),
              "DocumentViewer.exe", "svcupdate.exe", "".join(chr(97 + int(x)) for x in r.integers(0, 26, 8)) + ".exe",
              "OneDriveUpdater.exe", "AdobeUpdate.exe", "msedge_update.exe", "Payment_Advice.exe", "TeamsHelper.exe",
              "RuntimeHost.exe", "wsupdate.exe", "chromeupdater.exe"][int(r.integers(0, 14))]
        rnd = _hex(self.seed, "adir", r.random(), n=8)
        d = [UAPP + "\\Local\\Temp", UAPP + "\\Local\\Temp\\Temp1_" + ["scan", "invoice", "order", "docs"][int(r.integers(0, 4))] + f"_{rnd[:4]}.zip",
             UAPP + "\\Roaming\\" + rnd.capitalize(), "C:\\ProgramData\\" + rnd, "C:\\Users\\Public",
             "C:\\Users\\{user}\\Downloads", UAPP + "\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\" + rnd.upper(),
             "C:\\Users\\Public\\Libraries", "C:\\Windows\\Temp"][int(r.choice(9, p=[0.16, 0.12, 0.16, 0.14, 0.06, 0.14, 0.1, 0.04, 0.08]))]
        return fn, d

    def _attack(self, op, scen, left) -> int:
        r, k = self.rng, self.k
        careful = r.random() < k["careful_share"]
        # size of the operation
        u = r.random()
        nh = 1 if u < 0.5 else int(r.integers(2, 6)) if u < 0.85 else int(r.integers(6, max(7, int(25 * (self.H / 400) ** 0.5) + 7)))
        nhash = 1 if r.random() < 0.55 else int(r.integers(2, 4)) if r.random() < 0.75 else int(r.integers(3, 9))
        nhash = max(1, min(nhash, left))
        arrive = float(r.uniform(0, self.T - 3600))
        revoke_at = None
        brand = None
        prodname = None
        company = None
        allow_name = False
        thumb = None
        if scen in ("stolen_cert_revoked", "stolen_cert_valid"):
            lt = [v for v in getattr(self, "vendors", []) if v[3] == "trusted"]
            if lt and r.random() < 0.4:                      # a vendor the fleet knows: same certificate
                legal, brand, _, _ = lt[int(r.integers(0, len(lt)))]
                thumb = self.thumb(legal, "cur")
            else:
                brand, legal = self._vendor_name(1000 + op)
                thumb = self.thumb(legal, "stolen")
            subject = legal
            company = legal if (careful or r.random() < 0.4) else ""
            if scen == "stolen_cert_revoked":
                status = "errorRevoked"
                if r.random() < 0.35:
                    status, revoke_at = "trusted", arrive + float(r.uniform(0.5, 6)) * DAY
            else:
                status = "trusted"
            desc = ("stolen code-signing certificate of " + legal + (", revoked" if scen == "stolen_cert_revoked" else ", still valid"))
        elif scen == "leaked_expired_cert":
            if r.random() < 0.45:
                subject, brand, company = "NVIDIA Corporation", "NVIDIA", "NVIDIA Corporation"
                allow_name = True
            else:
                brand, subject = self._vendor_name(2000 + op)
                company = subject if careful else ""
            thumb = self.thumb(subject, "leaked2015")
            status = "errorExpired"
            desc = f"loader signed with a leaked, long-expired certificate of {subject}"
        elif scen == "front_company_cert":
            brand, subject = self._vendor_name(3000 + op)
            subject = subject.upper() if r.random() < 0.4 else subject
            thumb = self.thumb(subject, "front")
            company = subject if careful else ["", brand, "Microsoft Corporation"][int(r.integers(0, 3))]
            status = "trusted"
            if r.random() < 0.5:
                revoke_at = arrive + float(r.uniform(1, 10)) * DAY
            desc = f"loader signed with an {'EV ' if r.random() < 0.4 else ''}certificate bought by front company {subject}"
        elif scen == "self_signed_impostor":
            subject, brand = [("Microsoft Corporation", "Microsoft"), ("Google LLC", "Google"), ("Adobe Inc.", "Adobe"),
                              ("Microsoft Windows", "Microsoft"), ("Zoom Video Communications, Inc.", "Zoom"),
                              ("AnyDesk Software GmbH", "AnyDesk"), ("Mozilla Corporation", "Mozilla"),
                              ("Slack Technologies, LLC", "Slack"), ("Dell Inc", "Dell")][int(r.integers(0, 9))]
            allow_name = subject.lower() in ALLOW
            thumb = _hex(self.seed, "selfsigned", op)
            status = "errorUntrustedRoot" if r.random() < 0.8 else "errorChaining"
            company = subject if r.random() < 0.8 else ""
            prodname = {"Google": "GoogleUpdate", "Microsoft": "OneDriveUpdate", "Adobe": "AdobeARMHelper", "Zoom": "ZoomUpdater",
                        "AnyDesk": "AnyDesk", "Mozilla": "MozillaMaintenance", "Slack": "SlackUpdate", "Dell": "DellSupportAssist"}[brand]
            desc = f"self-signed certificate impersonating {subject}"
        elif scen == "sigthief_bad_digest":
            subject, brand = [("Microsoft Corporation", "Microsoft"), ("VMware, Inc.", "VMware"), ("Zoom Video Communications, Inc.", "Zoom"),
                              ("Logitech Inc", "Logitech"), ("Dell Inc", "Dell")][int(r.integers(0, 5))]
            allow_name = subject.lower() in ALLOW
            thumb = self.thumb(subject, "2024")
            status = "errorBadDigest"
            company = subject if r.random() < 0.7 else ""
            desc = f"signature copied from a {subject} binary (SigThief), digest mismatch"
        else:   # supply_chain_update
            return self._supply_chain(op, left)
        made = 0
        victims = self._victims(nh)
        # lateral spread: first host at arrival, others over the next days
        vt = arrive + np.concatenate([[0.0], np.sort(r.exponential(1.5 * DAY, len(victims) - 1))])
        per_host_hash = nhash > 1 and r.random() < 0.35 and len(victims) > 1
        hashes = nhash if not per_host_hash else min(nhash, len(victims))
        fn0, d0 = self._attack_name(careful, brand, prodname)
        for j in range(hashes):
            fn, d = (fn0, d0) if (j == 0 or r.random() < 0.4) else self._attack_name(careful, brand, prodname)
            if careful:
                parents = [(EXPLORER, 2), (BROWSERS[0][0], 1), (SVCHOST, 1)]
            else:
                parents = [[(EXPLORER, 3), (OUTLOOK, 1)], [(WSCRIPT, 2), (CMD, 1)], [(MSIEXEC, 1)], [(RUNDLL, 1), (PWSH, 1)],
                           BROWSERS][int(r.choice(5, p=[0.35, 0.2, 0.15, 0.15, 0.15]))]
            lateral = [(SERVICES, 1)] if r.random() < 0.6 else [(WMIPRV, 1)]
            persist = [(SVCHOST, 1)] if r.random() < 0.6 else [(EXPLORER, 1)]
            # parents: 0..len-1 initial; then lateral, then persistence
            allp = parents + lateral + persist
            it = Item(f"atk:{op}:{j}", scen, "malicious", desc, fn, d, fn if (careful or r.random() < 0.5) else
                      ["loader.exe", "stub.exe", "", "Project1.exe"][int(r.integers(0, 4))] or fn,
                      company or "", (prodname or brand or "") if careful else "", (prodname or brand or "") if careful else "",
                      allp, "user")
            self.new_version(it, "a", f"{int(r.integers(1, 9))}.{int(r.integers(0, 9))}.{int(r.integers(0, 999))}.0",
                             Sig(subject, thumb, status), revoke_at=revoke_at)
            idx = self.add_item(it)
            hv = victims if not per_host_hash else victims[j:j + 1]
            ht = vt if not per_host_hash else vt[j:j + 1]
            if j > 0 and not per_host_hash:   # later stages: on a subset, a bit later
                keep = r.random(len(hv)) < 0.7
                keep[0] = True
                hv, ht = hv[keep], ht[keep] + r.exponential(3 * 3600, int(keep.sum()))
            EH, ET, EP = [], [], []
            npar = len(parents)
            mode = r.choice(3, p=[0.4, 0.2, 0.4])    # once, burst, persist
            for i, (h, t) in enumerate(zip(hv, ht)):
                p0 = int(r.integers(0, npar)) if (i == 0 or r.random() < 0.5) else npar   # lateral for later hosts
                EH.append(h); ET.append(t); EP.append(p0)
                if mode == 1:
                    nb = int(r.integers(2, 8))
                    EH += [h] * nb; ET += list(t + np.cumsum(r.exponential(900, nb))); EP += [p0] * nb
                elif mode == 2:
                    days = int((self.T - t) // DAY)
                    for dd in range(days):
                        if self.W[h, min(self.D - 1, int(t // DAY) + dd + 1)] > 0.2 or r.random() < 0.3:
                            EH.append(h); ET.append(t + (dd + 1) * DAY + float(r.normal(0, 1800))); EP.append(npar + 1)
            self._emit_par(idx, EH, ET, EP)
            made += 1
        return made

    def _emit_par(self, idx, EH, ET, EP):
        EH, ET, EP = np.asarray(EH, dtype=np.int64), np.asarray(ET, dtype=float), np.asarray(EP, dtype=np.int64)
        m = (ET >= 0) & (ET < self.T)
        self.ev_item.append(np.full(int(m.sum()), idx, dtype=np.int64))
        self.ev_host.append(EH[m])
        self.ev_t.append(ET[m])
        self.ev_ver.append(np.zeros(int(m.sum()), dtype=np.int64))
        self.ev_par.append(EP[m])

    def _supply_chain(self, op, left) -> int:
        """A trojanised release of a product the fleet runs: vendor's certificate, same path and name."""
        r = self.rng
        cands = [x for x in self.items if x.scenario in ("mainstream_app", "niche_vendor") and x.label == "benign"
                 and x.versions and x.versions[-1].sig.status == "trusted" and not x.key.startswith("atk")]
        if not cands:
            return 0
        # prefer things on several hosts
        pres = {}
        for ih, it in zip(self.ev_item, self.ev_host):
            if len(ih):
                pres.setdefault(int(ih[0]), set()).update(it.tolist())
        cset = {id(c) for c in cands}
        idxs = [i for i, x in enumerate(self.items) if id(x) in cset]
        idxs = [i for i in idxs if len(pres.get(i, ())) >= 2] or idxs
        base_idx = idxs[int(r.integers(0, len(idxs)))]
        base = self.items[base_idx]
        hosts = np.array(sorted(pres.get(base_idx, {0})), dtype=np.int64)
        share = float(r.uniform(0.1, 0.8))
        vic = hosts[r.random(len(hosts)) < share]
        if len(vic) == 0:
            vic = hosts[:1]
        vic = vic[:max(1, int(40 * (self.H / 400) ** 0.6) + 1)]
        bv = base.versions[-1]
        it = Item(f"atk:{op}:sc", "supply_chain_update", "malicious",
                  f"trojanised release of {base.product} signed with {bv.sig.subject}'s own certificate",
                  base.name, base.dirtpl, base.orig, base.company, base.product, base.pdesc, base.parents, base.userkind)
        vd = bv.vdir if isinstance(bv.vdir, str) else ""
        self.new_version(it, "a", bv.file_version + ".1", Sig(bv.sig.subject, bv.sig.thumb, "trusted"), vdir=vd)
        idx = self.add_item(it)
        arrive = float(r.uniform(0, self.T * 0.8))
        until = arrive + float(r.uniform(2, 12)) * DAY
        t0 = arrive + r.exponential(1.0 * DAY, len(vic))
        eh, et = self.rate_events(vic, 1.0, t0=t0, t1=np.full(len(vic), until))
        self.emit(idx, eh, et)
        made = 1
        if left > 1 and r.random() < 0.7:
            # second stage on a few: unsigned or signed with a front company's certificate
            few = vic[:max(1, min(len(vic), int(r.integers(1, 4))))]
            brand, legal = self._vendor_name(4000 + op)
            signed = r.random() < 0.4
            fn = ["d3dcompiler_update.exe", "msvcupdate.exe", "ffmpeg_helper.exe", "icuupdate.exe"][int(r.integers(0, 4))]
            it2 = Item(f"atk:{op}:sc2", "supply_chain_update", "malicious", f"second stage of the trojanised {base.product}",
                       fn, UAPP + "\\Local\\" + (base.product or "Temp").replace(" ", ""), fn, "", "", "",
                       [(base.dirtpl + "\\" + base.name, 1)], "user")
            self.new_version(it2, "a", "1.0", Sig(legal, self.thumb(legal, "front"), "trusted") if signed else Sig())
            i2 = self.add_item(it2)
            self.emit(i2, few, t0[:len(few)] + r.uniform(600, 7200, len(few)))
            made += 1
        return made

    def build(self):
        self.build_inbox()
        self.build_mainstream()
        self.build_oem()
        self.build_longtail()
        self.build_portable()
        self.build_installers()
        self.build_it()
        self.build_devbuilds()
        self.build_attacks()


# --------------------------------------------------------------------------------------------- writing


def _ts(t: float, start: _dt.datetime) -> str:
    ms = int(round(t * 1000))
    d = start + _dt.timedelta(milliseconds=ms)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"


class Writer:
    def __init__(self, fleet: Fleet, fmt: str):
        self.f = fleet
        self.fmt = fmt
        self.start = _dt.datetime.combine(fleet.start_date, _dt.time(0, 0), tzinfo=_dt.timezone.utc)
        self.host_frag = {}
        self.user_frag = {}
        self.proc_cache = {}
        self.sid = {}

    def path(self, it: Item, v: Version, h: int, ev: int) -> str:
        f = self.f
        d = it.dirtpl
        if "{" in d:
            vd = v.vdir
            if isinstance(vd, dict):
                vd = vd.get(f.osv[h][2], "")
            d = d.replace("{user}", f.user[h]).replace("{ver}", vd or v.file_version).replace(
                "{build}", vd if isinstance(vd, str) else "")
            if "{dismtemp}" in d:
                g = _guid(f.seed, "dism", h, ev)
                d = (f"C:\\Windows\\Temp\\{{{g}}}" if it.userkind == "system" else
                     f"C:\\Users\\{f.user[h]}\\AppData\\Local\\Temp\\{{{g}}}")
        return d + "\\" + it.name

    def user_of(self, it: Item, h: int):
        f = self.f
        uk = it.userkind
        if uk == "system":
            return ("NT AUTHORITY", "SYSTEM", "S-1-5-18")
        if uk == "svc":
            return (DOMAIN, f.user[h] if f.role[h] == 4 else "svc_app", self._sid(h, "svc"))
        dom = DOMAIN if f.domain[h] else f.hname[h]
        return (dom, f.user[h], self._sid(h, f.user[h]))

    def _sid(self, h, u):
        key = (h if not self.f.domain[h] else -1, u)
        if key not in self.sid:
            x = _hb(self.f.seed, "sid", *key)
            a, b, c = (int.from_bytes(x[i:i + 4], "little") % 4000000000 for i in (0, 4, 8))
            self.sid[key] = f"S-1-5-21-{a}-{b}-{c}-{1000 + int.from_bytes(x[12:14], 'little') % 9000}"
        return self.sid[key]

    def host_json(self, h: int) -> str:
        if h not in self.host_frag:
            f = self.f
            osn, ver, kern = f.osv[h]
            full = f"{osn} {ver}"
            d = {"architecture": "x86_64", "hostname": f.hname[h], "id": f.hid[h], "ip": [f.ip[h]],
                 "name": f.hname[h].lower(),
                 "os": {"Ext": {"variant": osn}, "family": "windows", "full": full, "kernel": ver, "name": "Windows",
                        "platform": "windows", "type": "windows", "version": ver}}
            if f.domain[h]:
                d["domain"] = "hme.local"
            self.host_frag[h] = J(d, separators=(",", ":"))
        return self.host_frag[h]

    def sig_variant(self, it: Item, v: Version, h: int, t: float) -> Sig:
        s = v.sig
        if not s.exists:
            return s
        if it.internal and not self.f.domain[h]:
            return Sig(s.subject, s.thumb, "errorUntrustedRoot")
        if v.revoke_at is not None and t >= v.revoke_at:
            return Sig(s.subject, s.thumb, "errorRevoked")
        return s

    def write(self, out_path: str):
        f = self.f
        it_a = np.concatenate(f.ev_item) if f.ev_item else np.zeros(0, dtype=np.int64)
        h_a = np.concatenate(f.ev_host) if f.ev_host else np.zeros(0, dtype=np.int64)
        t_a = np.concatenate(f.ev_t) if f.ev_t else np.zeros(0)
        v_a = np.concatenate(f.ev_ver) if f.ev_ver else np.zeros(0, dtype=np.int64)
        p_a = np.concatenate(f.ev_par) if f.ev_par else np.zeros(0, dtype=np.int64)
        t_ms = np.round(t_a * 1000).astype(np.int64)
        order = np.lexsort((np.arange(len(t_ms)), h_a, t_ms))
        seen = {}
        n = len(order)
        rng = f.rng
        pids = rng.integers(1000, 40000, size=n) // 4 * 4
        ppids = rng.integers(500, 30000, size=n) // 4 * 4
        ing = rng.integers(500, 60000, size=n)
        seq = np.zeros(f.H, dtype=np.int64)
        rec = np.zeros(f.H, dtype=np.int64) + rng.integers(10000, 900000, size=f.H)
        raw = open(out_path, "wb")
        gz = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=4)
        buf = io.TextIOWrapper(gz, encoding="utf-8", newline="\n", write_through=False)
        lines = []
        for k_, e in enumerate(order):
            ii = int(it_a[e]); h = int(h_a[e]); vi = int(v_a[e]); tm = int(t_ms[e])
            it = f.items[ii]
            if vi < 0:
                vi = 0
            v = it.versions[min(vi, len(it.versions) - 1)]
            t = tm / 1000.0
            sig = self.sig_variant(it, v, h, t)
            exe = self.path(it, v, h, k_)
            pexe = it.parents[min(int(p_a[e]), len(it.parents) - 1)][0].replace("{user}", f.user[h])
            seen.setdefault(v.sha256, (v, it, sig))
            if sig.exists and sig.status != "trusted":
                seen[v.sha256] = (v, it, sig) if seen[v.sha256][2].status == "trusted" else seen[v.sha256]
            ts = _ts(t, self.start)
            seq[h] += 1
            u = self.user_of(it, h)
            eid = base64.b64encode(_hb(f.seed, "eid", k_)[:18]).decode()
            if self.fmt == "elastic":
                lines.append(self.elastic(it, v, h, sig, exe, pexe, ts, t, eid, int(pids[k_]), int(ppids[k_]), int(ing[k_]),
                                          int(seq[h]), u, k_))
            else:
                rec[h] += 2
                lines.extend(self.sysmon(it, v, h, sig, exe, pexe, ts, t, int(pids[k_]), int(ppids[k_]), int(ing[k_]),
                                         int(rec[h]), u, k_))
            if len(lines) >= 20000:
                buf.write("\n".join(lines)); buf.write("\n"); lines = []
        if lines:
            buf.write("\n".join(lines)); buf.write("\n")
        buf.flush(); buf.close(); raw.close()
        return n, seen

    def _pe(self, it: Item, v: Version):
        pe = {}
        if it.company:
            pe["company"] = it.company
        if it.pdesc:
            pe["description"] = it.pdesc
        if v.file_version:
            pe["file_version"] = v.file_version
        if it.orig:
            pe["original_file_name"] = it.orig
        if it.product:
            pe["product"] = it.product
        return pe

    def elastic(self, it, v, h, sig, exe, pexe, ts, t, eid, pid, ppid, ing, seq, u, k_):
        f = self.f
        cs = {"exists": True, "status": sig.status, "subject_name": sig.subject, "thumbprint_sha256": sig.thumb,
              "trusted": sig.trusted} if sig.exists else {"exists": False, "trusted": False}
        key = (id(it), v.sha256, exe, sig.status)
        pj = self.proc_cache.get(key)
        if pj is None:
            name = exe.rsplit("\\", 1)[-1]
            cl = f'"{exe}"' + (" " + it.args if it.args else "")
            pj = (J({"executable": exe, "name": name}, separators=(",", ":"))[1:-1] + "," +
                  '"command_line":' + J(cl) + ',"args_count":' + str(1 + len(it.args.split()) if it.args else 1) +
                  ',"code_signature":' + J(cs, separators=(",", ":")) +
                  ',"hash":' + J({"md5": v.md5, "sha1": v.sha1, "sha256": v.sha256}, separators=(",", ":")) +
                  ',"pe":' + J(self._pe(it, v), separators=(",", ":")) +
                  ',"Ext":{"code_signature":[' + J(cs, separators=(",", ":")) + ']}')
            if len(self.proc_cache) < 400000:
                self.proc_cache[key] = pj
        ent = base64.b64encode(f"{f.agent[h][:13]}-{pid}-{int(t * 1e3)}".encode()).decode()
        pent = base64.b64encode(f"{f.agent[h][:13]}-{ppid}-{int(t)}".encode()).decode()
        pname = pexe.rsplit("\\", 1)[-1]
        ingt = _ts(t + ing / 1000.0 + 2, self.start)
        return ('{"@timestamp":"' + ts + '","agent":{"id":"' + f.agent[h] + '","type":"endpoint","version":"8.15.3"},'
                '"data_stream":{"dataset":"endpoint.events.process","namespace":"default","type":"logs"},'
                '"ecs":{"version":"8.11.0"},"event":{"action":"start","agent_id_status":"verified","category":["process"],'
                '"created":"' + ts + '","dataset":"endpoint.events.process","id":"' + eid + '","ingested":"' + ingt +
                '","kind":"event","module":"endpoint","sequence":' + str(seq) + ',"type":["start"]},'
                '"host":' + self.host_json(h) + ',"message":"Endpoint process event",'
                '"process":{' + pj + ',"entity_id":"' + ent + '","pid":' + str(pid) +
                ',"parent":{"entity_id":"' + pent + '","executable":' + J(pexe) + ',"name":' + J(pname) + ',"pid":' + str(ppid) + '}},'
                '"user":{"domain":' + J(u[0]) + ',"id":"' + u[2] + '","name":' + J(u[1]) + '}}')

    def sysmon(self, it, v, h, sig, exe, pexe, ts, t, pid, ppid, ing, rec, u, k_):
        f = self.f
        name = exe.rsplit("\\", 1)[-1]
        pguid = "{" + f.hid[h][:8].upper() + _guid(f.seed, "pg", k_)[8:] + "}"
        ppguid = "{" + f.hid[h][:8].upper() + _guid(f.seed, "ppg", k_)[8:] + "}"
        pe = self._pe(it, v)
        ed1 = {"Company": pe.get("company", "-"), "Description": pe.get("description", "-"), "FileVersion": pe.get("file_version", "-"),
               "IntegrityLevel": "System" if u[1] == "SYSTEM" else "Medium", "LogonGuid": "{" + f.hid[h][:8].upper() + "-0000-0000-0000-000000000000}",
               "LogonId": "0x3e7" if u[1] == "SYSTEM" else "0x" + _hex(f.seed, "lid", h, n=6), "Product": pe.get("product", "-"),
               "TerminalSessionId": "0" if u[1] == "SYSTEM" else "1"}
        host = self.host_json(h)
        winlog_common = ('"channel":"Microsoft-Windows-Sysmon/Operational","computer_name":' + J(f.hname[h] + (".hme.local" if f.domain[h] else "")) +
                         ',"opcode":"Info","provider_guid":"{5770385F-C22A-43E0-BF4C-06F5698FFBD9}","provider_name":"Microsoft-Windows-Sysmon",'
                         '"user":{"domain":"NT AUTHORITY","identifier":"S-1-5-18","name":"SYSTEM","type":"Well Known Group"}')
        agent = '"agent":{"id":"' + f.agent[h] + '","type":"filebeat","version":"8.15.3","name":' + J(f.hname[h].lower()) + '}'
        hashes = '{"md5":"' + v.md5 + '","sha1":"' + v.sha1 + '","sha256":"' + v.sha256 + '"}'
        ingt = _ts(t + ing / 1000.0 + 2, self.start)
        cl = f'"{exe}"' + (" " + it.args if it.args else "")
        d1 = ('{"@timestamp":"' + ts + '",' + agent + ',"data_stream":{"dataset":"windows.sysmon_operational","namespace":"default","type":"logs"},'
              '"ecs":{"version":"8.11.0"},"event":{"action":"Process creation","agent_id_status":"verified","category":["process"],"code":"1",'
              '"created":"' + ingt + '","dataset":"windows.sysmon_operational","ingested":"' + ingt + '","kind":"event","module":"sysmon",'
              '"provider":"Microsoft-Windows-Sysmon","type":["start"]},"host":' + host + ',"log":{"level":"information"},'
              '"process":{"args_count":' + str(1 + (len(it.args.split()) if it.args else 0)) +
              ',"command_line":' + J(cl) + ',"entity_id":"' + pguid + '","executable":' + J(exe) + ',"hash":' + hashes +
              ',"name":' + J(name) + ',"parent":{"entity_id":"' + ppguid + '","executable":' + J(pexe) + ',"name":' + J(pexe.rsplit("\\", 1)[-1]) +
              ',"pid":' + str(ppid) + '},"pe":' + J(pe, separators=(",", ":")) + ',"pid":' + str(pid) +
              ',"working_directory":' + J(exe.rsplit("\\", 1)[0] + "\\") + '},'
              '"user":{"domain":' + J(u[0]) + ',"id":"' + u[2] + '","name":' + J(u[1]) + '},'
              '"winlog":{' + winlog_common + ',"event_data":' + J(ed1, separators=(",", ":")) + ',"event_id":"1",'
              '"process":{"pid":' + str(2000 + h % 3000) + ',"thread":{"id":' + str(3000 + (k_ * 7) % 5000) + '}},"record_id":"' + str(rec) +
              '","task":"Process Create (rule: ProcessCreate)","version":5}}')
        if sig.exists:
            signed, status = SYSMON_STATUS.get(sig.status, ("true", sig.status))
            fcs = {"exists": True, "status": status, "subject_name": sig.subject, "trusted": sig.trusted, "valid": sig.trusted}
            ed7 = {"Company": pe.get("company", "-"), "Description": pe.get("description", "-"), "FileVersion": pe.get("file_version", "-"),
                   "OriginalFileName": pe.get("original_file_name", "-"), "Product": pe.get("product", "-"),
                   "Signature": sig.subject, "SignatureStatus": status, "Signed": signed}
        else:
            fcs = {"exists": False, "status": "Unavailable", "trusted": False, "valid": False}
            ed7 = {"Company": pe.get("company", "-"), "Description": pe.get("description", "-"), "FileVersion": pe.get("file_version", "-"),
                   "OriginalFileName": pe.get("original_file_name", "-"), "Product": pe.get("product", "-"),
                   "SignatureStatus": "Unavailable", "Signed": "false"}
        ts7 = _ts(t + 0.004, self.start)
        d7 = ('{"@timestamp":"' + ts7 + '",' + agent + ',"data_stream":{"dataset":"windows.sysmon_operational","namespace":"default","type":"logs"},'
              '"ecs":{"version":"8.11.0"},"event":{"action":"Image loaded","agent_id_status":"verified","category":["process"],"code":"7",'
              '"created":"' + ingt + '","dataset":"windows.sysmon_operational","ingested":"' + ingt + '","kind":"event","module":"sysmon",'
              '"provider":"Microsoft-Windows-Sysmon","type":["change"]},'
              '"file":{"code_signature":' + J(fcs, separators=(",", ":")) + ',"directory":' + J(exe.rsplit("\\", 1)[0]) +
              ',"extension":"exe","hash":' + hashes + ',"name":' + J(name) + ',"path":' + J(exe) + ',"pe":' + J(pe, separators=(",", ":")) + '},'
              '"host":' + host + ',"log":{"level":"information"},'
              '"process":{"entity_id":"' + pguid + '","executable":' + J(exe) + ',"name":' + J(name) + ',"pid":' + str(pid) + '},'
              '"user":{"domain":' + J(u[0]) + ',"id":"' + u[2] + '","name":' + J(u[1]) + '},'
              '"winlog":{' + winlog_common + ',"event_data":' + J(ed7, separators=(",", ":")) + ',"event_id":"7",'
              '"process":{"pid":' + str(2000 + h % 3000) + ',"thread":{"id":' + str(3000 + (k_ * 7) % 5000) + '}},"record_id":"' + str(rec + 1) +
              '","task":"Image loaded (rule: ImageLoad)","version":3}}')
        return [d1, d7]


def write_labels(path: str, seen: dict):
    rows = []
    for sha, (v, it, sig) in seen.items():
        rows.append((sha, v.label, v.scenario, sig.subject or "", v.desc))
    rows.sort()
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["sha256", "label", "scenario", "signer", "description"])
        w.writerows(rows)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Blind synthetic Windows fleet (engineering firm) with T1588.003 attacks")
    ap.add_argument("--out", required=True)
    ap.add_argument("--hosts", type=int, default=50)
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--format", choices=["elastic", "sysmon_ecs"], default="elastic")
    ap.add_argument("--knobs", action="store_true", help="print the seed's knobs as JSON on stderr")
    a = ap.parse_args(argv)
    if a.hosts < 1 or a.days < 1:
        print("blind2_fleet: --hosts and --days must be at least 1", file=sys.stderr)
        return 2
    fleet = Fleet(a.hosts, a.days, a.seed)
    fleet.build()
    os.makedirs(a.out, exist_ok=True)
    n, seen = Writer(fleet, a.format).write(os.path.join(a.out, "events.ndjson.gz"))
    rows = write_labels(os.path.join(a.out, "labels.csv"), seen)
    if a.knobs:
        k = dict(fleet.k)
        k["window"] = [fleet.start_date.isoformat(), END_DATE.isoformat()]
        k["process_starts"] = int(n)
        k["distinct_hashes"] = len(rows)
        k["malicious_hashes"] = sum(1 for r_ in rows if r_[1] == "malicious")
        print(json.dumps(k, sort_keys=True), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
