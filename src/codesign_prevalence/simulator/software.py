"""Everyday software of a Windows fleet: the OS and the allow-listed publishers' products (fixed tables)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from codesign_prevalence.simulator.catalog import (
    SCENARIO_COMMON,
    SCENARIO_OS,
    Catalog,
    ExeDef,
    Share,
    Vendor,
    cert_history,
    exe,
    release_plan,
)
from codesign_prevalence.simulator.model import (
    LONG_AGO,
    RUN_AS_ANY,
    RUN_AS_SERVICE,
    RUN_AS_SYSTEM,
    RUN_AS_USER,
)


@dataclass(frozen=True, slots=True)
class OsBuild:
    key: str
    full: str
    version: str
    build: int
    revision: int
    server: bool
    weight: float


OS_BUILDS: tuple[OsBuild, ...] = (
    OsBuild("win10-22h2", "Windows 10 Enterprise 22H2", "22H2", 19045, 5131, False, 0.35),
    OsBuild("win11-23h2", "Windows 11 Enterprise 23H2", "23H2", 22631, 4460, False, 0.40),
    OsBuild("win11-24h2", "Windows 11 Enterprise 24H2", "24H2", 26100, 2314, False, 0.25),
    OsBuild("srv2019", "Windows Server 2019 Datacenter", "1809", 17763, 6532, True, 0.4),
    OsBuild("srv2022", "Windows Server 2022 Datacenter", "21H2", 20348, 2849, True, 0.6),
)

_S32 = "C:\\Windows\\System32\\"
_WP, _MC, _MW = "Microsoft Windows Publisher", "Microsoft Corporation", "Microsoft Windows"

# (executable, signer subject, where: "all" | "client" | "server" | a server role)
OS_EXES: tuple[tuple[ExeDef, str, str], ...] = (
    (
        exe(
            _S32 + "svchost.exe",
            24,
            RUN_AS_SERVICE,
            ("-k netsvcs -p -s Schedule", "services"),
            ("-k LocalService -p -s EventSystem", "services"),
            ("-k NetworkService -p -s Dnscache", "services"),
            ("-k DcomLaunch -p", "services"),
            ("-k wsappx -p -s AppXSvc", "services"),
            ("-k LocalSystemNetworkRestricted -p -s SysMain", "services"),
            ("-k netsvcs -p -s wuauserv", "services"),
            desc="Host Process for Windows Services",
        ),
        _WP,
        "all",
    ),
    (
        exe(
            _S32 + "conhost.exe",
            16,
            RUN_AS_ANY,
            ("0xffffffff -ForceV1", "cmd cmd powershell svchost"),
            desc="Console Window Host",
        ),
        _MW,
        "all",
    ),
    (exe(_S32 + "RuntimeBroker.exe", 8, RUN_AS_USER, ("-Embedding", "svchost"), desc="Runtime Broker"), _MW, "client"),
    (
        exe(
            _S32 + "backgroundTaskHost.exe",
            7,
            RUN_AS_USER,
            ("-ServerName:BackgroundTaskHost.WebAccountProvider", "svchost"),
            ("-ServerName:App.AppXmfbx9h8wsn4d4ngq8mxqrrgptazaxkqg.mca", "svchost"),
            desc="Background Task Host",
        ),
        _MW,
        "client",
    ),
    (
        exe(
            _S32 + "dllhost.exe",
            7,
            RUN_AS_ANY,
            ("/Processid:{AB8902B4-09CA-4BB6-B78D-A8F59079A8D5}", "svchost"),
            ("/Processid:{3EB3C877-1F16-487C-9050-104DBCD66683}", "svchost"),
            desc="COM Surrogate",
        ),
        _MW,
        "all",
    ),
    (
        exe(
            _S32 + "taskhostw.exe",
            5,
            RUN_AS_USER,
            ("", "svchost"),
            ("KEYROAMING", "svchost"),
            desc="Host Process for Windows Tasks",
        ),
        _MW,
        "all",
    ),
    (
        exe(
            _S32 + "SearchProtocolHost.exe",
            5,
            RUN_AS_SYSTEM,
            ("Global\\UsGthrFltPipeMssGthrPipe1_ Global\\UsGthrCtrlFltPipeMssGthrPipe1 1", "searchindexer"),
            desc="Microsoft Windows Search Protocol Host",
        ),
        _MW,
        "client",
    ),
    (
        exe(
            _S32 + "SearchFilterHost.exe",
            4,
            RUN_AS_SYSTEM,
            ("0 704 708 716 8192 712 700", "searchindexer"),
            desc="Microsoft Windows Search Filter Host",
        ),
        _MW,
        "client",
    ),
    (
        exe(
            _S32 + "wbem\\WmiPrvSE.exe", 4, RUN_AS_SERVICE, ("-secured -Embedding", "svchost"), desc="WMI Provider Host"
        ),
        _MW,
        "all",
    ),
    (
        exe(
            _S32 + "cmd.exe",
            3,
            RUN_AS_ANY,
            ("/c ver", "explorer svchost"),
            ("", "explorer"),
            ("/d /c C:\\Windows\\system32\\silcollector.cmd publish", "svchost"),
            desc="Windows Command Processor",
        ),
        _MW,
        "all",
    ),
    (
        exe(
            _S32 + "rundll32.exe",
            3,
            RUN_AS_ANY,
            (
                "C:\\Windows\\System32\\shell32.dll,SHCreateLocalServerRunDll {9aa46009-3ce0-458a-a354-715610a075e6}"
                " -Embedding",
                "svchost",
            ),
            ("Windows.Storage.ApplicationData.dll,CleanupTemporaryState", "svchost"),
            desc="Windows host process (Rundll32)",
        ),
        _MW,
        "all",
    ),
    (
        exe(
            _S32 + "WindowsPowerShell\\v1.0\\powershell.exe",
            2,
            RUN_AS_ANY,
            ("-NoLogo", "explorer"),
            ("-NoProfile -NonInteractive -ExecutionPolicy Bypass -Command Get-Service", "svchost"),
            desc="Windows PowerShell",
        ),
        _MW,
        "all",
    ),
    (exe(_S32 + "sihost.exe", 0.5, RUN_AS_USER, ("", "svchost"), desc="Shell Infrastructure Host"), _MW, "client"),
    (exe(_S32 + "ctfmon.exe", 0.5, RUN_AS_USER, ("", "svchost"), desc="CTF Loader"), _MW, "client"),
    (
        exe(_S32 + "smartscreen.exe", 1, RUN_AS_USER, ("-Embedding", "svchost"), desc="Windows Defender SmartScreen"),
        _MW,
        "client",
    ),
    (
        exe(
            _S32 + "WerFault.exe", 0.6, RUN_AS_USER, ("-u -p 4242 -s 512", "svchost"), desc="Windows Problem Reporting"
        ),
        _MW,
        "all",
    ),
    (
        exe(_S32 + "wermgr.exe", 0.5, RUN_AS_SYSTEM, ("-upload", "svchost"), desc="Windows Problem Reporting"),
        _MW,
        "all",
    ),
    (
        exe(_S32 + "audiodg.exe", 1, RUN_AS_SERVICE, ("0x4a8", "svchost"), desc="Windows Audio Device Graph Isolation"),
        _MW,
        "client",
    ),
    (
        exe(
            _S32 + "consent.exe",
            0.3,
            RUN_AS_SYSTEM,
            ("4321 398 000001F0A2C3B4E0", "svchost"),
            desc="Consent UI for administrative applications",
        ),
        _MW,
        "client",
    ),
    (exe(_S32 + "msiexec.exe", 0.6, RUN_AS_SYSTEM, ("/V", "services"), desc="Windows installer"), _MW, "all"),
    (
        exe(_S32 + "SppExtComObj.Exe", 0.4, RUN_AS_SERVICE, ("-Embedding", "svchost"), desc="KMS Connection Broker"),
        _MW,
        "all",
    ),
    (
        exe(_S32 + "sppsvc.exe", 0.4, RUN_AS_SERVICE, ("", "services"), desc="Microsoft Software Protection Platform"),
        _WP,
        "all",
    ),
    (exe(_S32 + "MusNotification.exe", 0.3, RUN_AS_SYSTEM, ("", "svchost"), desc="MusNotification.exe"), _MW, "client"),
    (exe(_S32 + "usoclient.exe", 0.3, RUN_AS_SYSTEM, ("StartScan", "svchost"), desc="UsoClient"), _MW, "all"),
    (
        exe(
            _S32 + "CompatTelRunner.exe",
            0.3,
            RUN_AS_SYSTEM,
            ("-m:appraiser.dll -f:DoScheduledTelemetryRun", "svchost"),
            desc="Microsoft Compatibility Telemetry",
        ),
        _MW,
        "all",
    ),
    (exe(_S32 + "DeviceCensus.exe", 0.2, RUN_AS_SYSTEM, ("SystemCxt", "svchost"), desc="Device Census"), _MW, "client"),
    (
        exe(
            _S32 + "gpupdate.exe",
            0.3,
            RUN_AS_USER,
            ("/target:computer /force", "cmd"),
            desc="Microsoft Group Policy Update Utility",
        ),
        _MW,
        "all",
    ),
    (
        exe(
            _S32 + "schtasks.exe",
            0.3,
            RUN_AS_ANY,
            ("/query /fo csv", "cmd powershell"),
            desc="Task Scheduler Configuration Tool",
        ),
        _MW,
        "all",
    ),
    (
        exe(
            _S32 + "reg.exe",
            0.3,
            RUN_AS_ANY,
            ("query HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion", "cmd"),
            desc="Registry Console Tool",
        ),
        _MW,
        "all",
    ),
    (exe(_S32 + "net.exe", 0.2, RUN_AS_ANY, ("use", "cmd"), desc="Net Command"), _MW, "all"),
    (exe(_S32 + "tasklist.exe", 0.2, RUN_AS_USER, ("/v", "cmd"), desc="Lists the current running tasks"), _MW, "all"),
    (exe(_S32 + "notepad.exe", 0.6, RUN_AS_USER, ("", "explorer"), desc="Notepad"), _MW, "all"),
    (
        exe(
            _S32 + "mmc.exe",
            0.1,
            RUN_AS_USER,
            ("C:\\Windows\\system32\\services.msc", "explorer"),
            desc="Microsoft Management Console",
        ),
        _MW,
        "all",
    ),
    (exe("C:\\Windows\\explorer.exe", 0.3, RUN_AS_USER, ("", "userinit"), desc="Windows Explorer"), _MW, "all"),
    (exe(_S32 + "userinit.exe", 0.3, RUN_AS_USER, ("", "winlogon"), desc="Userinit Logon Application"), _MW, "all"),
    (
        exe(
            _S32 + "LogonUI.exe",
            0.3,
            RUN_AS_SYSTEM,
            ("/flags:0x2 /state0:0xa3b92855 /state1:0x41c64e6d", "winlogon"),
            desc="Windows Logon User Interface Host",
        ),
        _MW,
        "all",
    ),
    (
        exe(_S32 + "fontdrvhost.exe", 0.3, RUN_AS_SERVICE, ("", "wininit winlogon"), desc="Usermode Font Driver Host"),
        _MW,
        "all",
    ),
    (exe(_S32 + "dwm.exe", 0.3, RUN_AS_SERVICE, ("", "winlogon"), desc="Desktop Window Manager"), _MW, "all"),
    (
        exe(
            "C:\\Windows\\WinSxS\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_{V}_none_7c4e1b9a2f3d8e15"
            "\\TiWorker.exe",
            0.2,
            RUN_AS_SYSTEM,
            ("-Embedding", "svchost"),
            desc="Windows Modules Installer Worker",
        ),
        _MW,
        "all",
    ),
    (
        exe(
            "C:\\Windows\\servicing\\TrustedInstaller.exe",
            0.2,
            RUN_AS_SYSTEM,
            ("", "services"),
            desc="Windows Modules Installer",
        ),
        _WP,
        "all",
    ),
    (exe(_S32 + "ServerManager.exe", 0.3, RUN_AS_USER, ("", "explorer"), desc="Server Manager"), _MW, "server"),
    (
        exe(
            _S32 + "inetsrv\\w3wp.exe",
            3,
            RUN_AS_SERVICE,
            ('-ap "DefaultAppPool" -v "v4.0" -l "webengine4.dll"', "svchost"),
            desc="IIS Worker Process",
        ),
        _MW,
        "WEB",
    ),
    (exe(_S32 + "dns.exe", 0.1, RUN_AS_SYSTEM, ("", "services"), desc="Domain Name System (DNS) Server"), _MW, "DC"),
    (
        exe(_S32 + "dfsrs.exe", 0.2, RUN_AS_SYSTEM, ("", "services"), desc="Distributed File System Replication"),
        _MW,
        "DC",
    ),
    (exe(_S32 + "spoolsv.exe", 0.5, RUN_AS_SYSTEM, ("", "services"), desc="Spooler SubSystem App"), _WP, "PRT"),
)

_BIG_VENDORS: tuple[tuple[str, str, str], ...] = (
    ("microsoft", "Microsoft Corporation", "Microsoft Corporation"),
    ("mswp", "Microsoft Windows Publisher", "Microsoft Corporation"),
    ("msw", "Microsoft Windows", "Microsoft Corporation"),
    ("google", "Google LLC", "Google LLC"),
    ("adobe", "Adobe Inc.", "Adobe Inc."),
    ("mozilla", "Mozilla Corporation", "Mozilla Corporation"),
    ("oracle", "Oracle America, Inc.", "Oracle Corporation"),
    ("cisco", "Cisco Systems, Inc.", "Cisco Systems, Inc."),
    ("vmware", "VMware, Inc.", "VMware, Inc."),
    ("intel", "Intel Corporation", "Intel Corporation"),
    ("nvidia", "NVIDIA Corporation", "NVIDIA Corporation"),
    ("apple", "Apple Inc.", "Apple Inc."),
    ("amazon", "Amazon.com, Inc.", "Amazon.com Services LLC"),
    ("zoom", "Zoom Video Communications, Inc.", "Zoom Video Communications, Inc."),
    ("slack", "Slack Technologies, LLC", "Slack Technologies, LLC"),
    ("spotify", "Spotify AB", "Spotify Ltd"),
)


def add_big_vendors(catalog: Catalog, rng: random.Random) -> None:
    for key, signer, company in _BIG_VENDORS:
        certs = cert_history(catalog.seed, rng, signer, catalog.days)
        catalog.big[key] = Vendor(signer, company, signer.split(",")[0], certs, timestamped=True)


def patch_days(start: dt.date, days: int) -> list[int]:
    """Day indices of Patch Tuesdays (second Tuesday of a month) from ~70 days before the window to its end."""
    found: list[int] = []
    first = start - dt.timedelta(days=70)
    month = dt.date(first.year, first.month, 1)
    while month <= start + dt.timedelta(days=days):
        tuesday = month + dt.timedelta(days=(1 - month.weekday()) % 7 + 7)
        offset = (tuesday - start).days
        if -70 <= offset < days:
            found.append(offset)
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return found


def add_os(catalog: Catalog, rng: random.Random) -> None:
    """System binaries per OS build, with cumulative updates on Patch Tuesdays."""
    patches = patch_days(catalog.start, catalog.days)
    signers = {v.signer: v for v in catalog.big.values()}
    for build in OS_BUILDS:
        for definition, signer, where in OS_EXES:
            if (where == "client" and build.server) or (where not in ("all", "client") and not build.server):
                continue
            revision = build.revision
            releases = [(LONG_AGO, f"10.0.{build.build}.{revision}")]
            for day in patches:
                revision += rng.randint(150, 400)
                if rng.random() < 0.55:
                    releases.append((day, f"10.0.{build.build}.{revision}"))
            catalog.add_product(
                key=f"os|{build.key}|{definition.path}",
                name="Microsoft® Windows® Operating System",
                company="Microsoft Corporation",
                exes=[definition],
                releases=releases,
                sign=signers[signer].signature_for,
                share=(1.0, 1.0, 1.0),
                lag_mean=4.0,
                scenario=SCENARIO_OS,
                os_build=build.key,
                roles=(where,) if where not in ("all", "client", "server") else (),
            )


def _big(
    catalog: Catalog,
    rng: random.Random,
    vendor: str,
    name: str,
    share: Share,
    rate: float,
    base: tuple[int, int, int, int],
    *exes: ExeDef,
    roles: tuple[str, ...] = (),
    scenario: str = SCENARIO_COMMON,
) -> None:
    v = catalog.big[vendor]
    catalog.add_product(
        key=f"big|{vendor}|{name}",
        name=name,
        company=v.company,
        exes=exes,
        releases=release_plan(rng, catalog.days, rate, base),
        sign=v.signature_for,
        share=share,
        lag_mean=3.0 if rate > 0.04 else 8.0,
        scenario=scenario,
        roles=roles,
    )


_PF, _PF86 = "C:\\Program Files\\", "C:\\Program Files (x86)\\"
_OFFICE = _PF + "Microsoft Office\\root\\Office16\\"
_LOCAL, _ROAMING = "C:\\Users\\{U}\\AppData\\Local\\", "C:\\Users\\{U}\\AppData\\Roaming\\"
_BROWSER_KIDS = (
    ("--type=renderer", "self"),
    ("--type=renderer", "self"),
    ("--type=gpu-process", "self"),
    ("--type=utility --utility-sub-type=network.mojom.NetworkService", "self"),
    ("", "explorer"),
)


def add_big_products(catalog: Catalog, rng: random.Random) -> None:
    """Software of the allow-listed publishers and a few well-known per-user applications."""
    _microsoft_products(catalog, rng)
    _big(
        catalog,
        rng,
        "google",
        "Google Chrome",
        (0.75, 0.9, 0.15),
        0.08,
        (131, 0, 6778, 70),
        exe(_PF + "Google\\Chrome\\Application\\chrome.exe", 9, RUN_AS_USER, *_BROWSER_KIDS),
        exe(
            _PF86 + "Google\\Update\\GoogleUpdate.exe", 0.5, RUN_AS_SYSTEM, ("/ua /installsource scheduler", "svchost")
        ),
    )
    _big(
        catalog,
        rng,
        "google",
        "Google Chrome (per-user)",
        (0.04, 0.1, 0.0),
        0.08,
        (131, 0, 6778, 70),
        exe(_LOCAL + "Google\\Chrome\\Application\\chrome.exe", 9, RUN_AS_USER, *_BROWSER_KIDS),
    )
    _big(
        catalog,
        rng,
        "mozilla",
        "Firefox",
        (0.2, 0.5, 0.02),
        0.05,
        (132, 0, 2, 0),
        exe(
            _PF + "Mozilla Firefox\\firefox.exe",
            6,
            RUN_AS_USER,
            ("-contentproc -isForBrowser", "self"),
            ("-contentproc -isForBrowser", "self"),
            ("", "explorer"),
        ),
        exe(_PF86 + "Mozilla Maintenance Service\\maintenanceservice.exe", 0.1, RUN_AS_SYSTEM, ("", "services")),
    )
    _big(
        catalog,
        rng,
        "adobe",
        "Adobe Acrobat Reader",
        (0.6, 0.5, 0.05),
        0.03,
        (24, 4, 20270, 0),
        exe(_PF + "Adobe\\Acrobat DC\\Acrobat\\Acrobat.exe", 1.5, RUN_AS_USER, ("", "explorer outlook chrome")),
        exe(_PF + "Adobe\\Acrobat DC\\Acrobat\\acrocef_1\\AcroCEF.exe", 2, RUN_AS_USER, ("--type=renderer", "self")),
        exe(_PF86 + "Common Files\\Adobe\\ARM\\1.0\\AdobeARM.exe", 0.3, RUN_AS_SYSTEM, ("", "svchost")),
    )
    _big(
        catalog,
        rng,
        "adobe",
        "Adobe Creative Cloud",
        (0.05, 0.1, 0.0),
        0.04,
        (6, 4, 0, 361),
        exe(_PF + "Adobe\\Adobe Creative Cloud\\ACC\\Creative Cloud.exe", 1.5, RUN_AS_USER, ("", "explorer")),
    )
    _big(
        catalog,
        rng,
        "oracle",
        "Java Platform SE 8",
        (0.15, 0.5, 0.2),
        0.01,
        (8, 0, 4310, 9),
        exe(_PF + "Java\\jre-1.8\\bin\\javaw.exe", 1, RUN_AS_USER, ("-jar app.jar", "explorer cmd")),
        exe(_PF86 + "Common Files\\Java\\Java Update\\jusched.exe", 0.2, RUN_AS_USER, ("", "explorer")),
    )
    _big(
        catalog,
        rng,
        "oracle",
        "Oracle VM VirtualBox",
        (0.0, 0.3, 0.0),
        0.01,
        (7, 1, 4, 0),
        exe(_PF + "Oracle\\VirtualBox\\VirtualBox.exe", 0.8, RUN_AS_USER, ("", "explorer")),
    )
    _big(
        catalog,
        rng,
        "cisco",
        "Cisco Secure Client",
        (0.85, 0.85, 0.0),
        0.01,
        (5, 1, 4, 74),
        exe(_PF86 + "Cisco\\Cisco Secure Client\\vpnagent.exe", 0.1, RUN_AS_SYSTEM, ("", "services")),
        exe(_PF86 + "Cisco\\Cisco Secure Client\\UI\\csc_ui.exe", 0.8, RUN_AS_USER, ("-minimized", "explorer")),
    )
    _big(
        catalog,
        rng,
        "cisco",
        "Webex",
        (0.15, 0.15, 0.0),
        0.05,
        (44, 10, 0, 0),
        exe(_LOCAL + "CiscoSparkLauncher\\CiscoCollabHost.exe", 3, RUN_AS_USER, ("", "explorer")),
    )
    _big(
        catalog,
        rng,
        "vmware",
        "VMware Tools",
        (0.1, 0.0, 0.85),
        0.01,
        (12, 4, 5, 0),
        exe(_PF + "VMware\\VMware Tools\\vmtoolsd.exe", 0.3, RUN_AS_SYSTEM, ("", "services"), ("-n vmusr", "explorer")),
    )
    _big(
        catalog,
        rng,
        "vmware",
        "VMware Horizon Client",
        (0.08, 0.05, 0.0),
        0.01,
        (8, 13, 0, 0),
        exe(_PF86 + "VMware\\VMware Horizon View Client\\vmware-view.exe", 1, RUN_AS_USER, ("", "explorer")),
    )
    _big(
        catalog,
        rng,
        "intel",
        "Intel Management Engine Components",
        (0.6, 0.5, 0.05),
        0.005,
        (2406, 5, 5, 0),
        exe(_PF + "Intel\\Intel(R) Management Engine Components\\LMS\\LMS.exe", 0.2, RUN_AS_SYSTEM, ("", "services")),
    )
    _big(
        catalog,
        rng,
        "nvidia",
        "NVIDIA Display Container",
        (0.1, 0.6, 0.0),
        0.01,
        (1, 0, 0, 668),
        exe(
            _PF + "NVIDIA Corporation\\Display.NvContainer\\NVDisplay.Container.exe",
            0.5,
            RUN_AS_SYSTEM,
            ("-s NVDisplay.ContainerLocalSystem", "services"),
        ),
    )
    _big(
        catalog,
        rng,
        "apple",
        "Bonjour",
        (0.04, 0.1, 0.0),
        0.002,
        (3, 1, 0, 1),
        exe(_PF + "Bonjour\\mDNSResponder.exe", 0.1, RUN_AS_SYSTEM, ("", "services")),
    )
    _big(
        catalog,
        rng,
        "apple",
        "iTunes",
        (0.03, 0.05, 0.0),
        0.01,
        (12, 13, 4, 4),
        exe(_PF + "iTunes\\iTunes.exe", 1, RUN_AS_USER, ("", "explorer")),
        exe(_PF + "iTunes\\iTunesHelper.exe", 0.3, RUN_AS_USER, ("", "explorer")),
    )
    _big(
        catalog,
        rng,
        "amazon",
        "Amazon WorkSpaces",
        (0.03, 0.05, 0.0),
        0.02,
        (5, 22, 0, 0),
        exe(_PF + "Amazon Web Services, Inc\\Amazon WorkSpaces\\workspaces.exe", 1, RUN_AS_USER, ("", "explorer")),
    )
    _big(
        catalog,
        rng,
        "amazon",
        "Amazon Corretto",
        (0.0, 0.4, 0.05),
        0.01,
        (21, 0, 5, 11),
        exe(_PF + "Amazon Corretto\\jdk21.0.5_11\\bin\\java.exe", 1, RUN_AS_USER, ("-jar build.jar", "cmd powershell")),
    )
    _big(
        catalog,
        rng,
        "zoom",
        "Zoom Workplace",
        (0.6, 0.6, 0.02),
        0.07,
        (6, 2, 10, 57240),
        exe(
            _ROAMING + "Zoom\\bin\\Zoom.exe",
            5,
            RUN_AS_USER,
            ("", "explorer"),
            ("", "explorer"),
            ("--url=zoommtg://zoom.us/join", "chrome msedge outlook"),
        ),
    )
    _big(
        catalog,
        rng,
        "slack",
        "Slack",
        (0.35, 0.6, 0.0),
        0.06,
        (4, 41, 97, 0),
        exe(
            _LOCAL + "slack\\app-{V}\\slack.exe",
            6,
            RUN_AS_USER,
            ("", "explorer"),
            ("--type=renderer", "self"),
            ("--type=gpu-process", "self"),
        ),
        exe(_LOCAL + "slack\\Update.exe", 0.3, RUN_AS_USER, ("--processStart slack.exe", "explorer")),
    )
    _big(
        catalog,
        rng,
        "spotify",
        "Spotify",
        (0.15, 0.25, 0.0),
        0.05,
        (1, 2, 50, 335),
        exe(_ROAMING + "Spotify\\Spotify.exe", 4, RUN_AS_USER, ("", "explorer"), ("--type=renderer", "self")),
    )


def _microsoft_products(catalog: Catalog, rng: random.Random) -> None:
    _big(
        catalog,
        rng,
        "microsoft",
        "Microsoft Office",
        (0.95, 0.95, 0.05),
        0.04,
        (16, 0, 18129, 20140),
        exe(_OFFICE + "WINWORD.EXE", 3, RUN_AS_USER, ("", "explorer"), ("/n", "outlook")),
        exe(_OFFICE + "EXCEL.EXE", 3, RUN_AS_USER, ("", "explorer"), ("", "outlook")),
        exe(_OFFICE + "OUTLOOK.EXE", 2, RUN_AS_USER, ("", "explorer")),
        exe(_OFFICE + "POWERPNT.EXE", 1, RUN_AS_USER, ("", "explorer")),
        exe(
            _PF + "Common Files\\microsoft shared\\ClickToRun\\OfficeClickToRun.exe",
            0.8,
            RUN_AS_SYSTEM,
            ("/service", "services"),
            ("/frequentupdate SCHEDULEDTASK displaylevel=False", "svchost"),
        ),
    )
    _big(
        catalog,
        rng,
        "microsoft",
        "Microsoft Edge",
        (0.95, 0.95, 0.7),
        0.1,
        (131, 0, 2903, 70),
        exe(_PF86 + "Microsoft\\Edge\\Application\\msedge.exe", 8, RUN_AS_USER, *_BROWSER_KIDS),
        exe(_PF86 + "Microsoft\\EdgeUpdate\\MicrosoftEdgeUpdate.exe", 0.5, RUN_AS_SYSTEM, ("/c", "svchost")),
    )
    _big(
        catalog,
        rng,
        "microsoft",
        "Microsoft Edge WebView2 Runtime",
        (0.95, 0.95, 0.3),
        0.1,
        (131, 0, 2903, 70),
        exe(
            _PF86 + "Microsoft\\EdgeWebView\\Application\\{V}\\msedgewebview2.exe",
            5,
            RUN_AS_USER,
            ("--embedded-browser-webview=1", "self"),
            ("--type=renderer", "self"),
        ),
    )
    _big(
        catalog,
        rng,
        "microsoft",
        "Microsoft Teams",
        (0.9, 0.9, 0.0),
        0.06,
        (24295, 605, 3225, 8804),
        exe(
            _PF + "WindowsApps\\MSTeams_{V}_x64__8wekyb3d8bbwe\\ms-teams.exe",
            3,
            RUN_AS_USER,
            ("", "explorer"),
            ("-ProcessStart", "svchost"),
        ),
    )
    _big(
        catalog,
        rng,
        "microsoft",
        "Microsoft OneDrive",
        (0.9, 0.9, 0.0),
        0.04,
        (24, 211, 1016, 5),
        exe(_LOCAL + "Microsoft\\OneDrive\\OneDrive.exe", 2.5, RUN_AS_USER, ("/background", "explorer")),
        exe(_LOCAL + "Microsoft\\OneDrive\\{V}\\FileCoAuth.exe", 1.5, RUN_AS_USER, ("-Embedding", "svchost")),
        exe(_LOCAL + "Microsoft\\OneDrive\\OneDriveStandaloneUpdater.exe", 0.3, RUN_AS_USER, ("/reporting", "svchost")),
    )
    _big(
        catalog,
        rng,
        "microsoft",
        "Microsoft Defender Antivirus",
        (1.0, 1.0, 1.0),
        0.04,
        (4, 18, 24090, 11),
        exe(
            "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\{V}-0\\MpCmdRun.exe",
            2,
            RUN_AS_SYSTEM,
            ("-IdleTask -TaskName WdCacheMaintenance", "svchost"),
            ("SignaturesUpdateService -ScheduleJob", "svchost"),
        ),
        exe(
            "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\{V}-0\\MsMpEng.exe",
            0.05,
            RUN_AS_SYSTEM,
            ("", "services"),
        ),
        scenario=SCENARIO_OS,
    )
    _big(
        catalog,
        rng,
        "microsoft",
        "Microsoft Configuration Manager Client",
        (0.9, 0.9, 0.9),
        0.005,
        (5, 0, 9128, 1000),
        exe("C:\\Windows\\CCM\\CcmExec.exe", 0.1, RUN_AS_SYSTEM, ("", "services")),
        exe("C:\\Windows\\CCM\\CcmEval.exe", 0.1, RUN_AS_SYSTEM, ("", "svchost")),
        exe("C:\\Windows\\CCM\\SCNotification.exe", 0.3, RUN_AS_USER, ("", "explorer")),
    )
    _big(
        catalog,
        rng,
        "microsoft",
        "Microsoft Intune Management Extension",
        (0.7, 0.7, 0.0),
        0.02,
        (1, 87, 101, 0),
        exe(
            _PF86 + "Microsoft Intune Management Extension\\Microsoft.Management.Services.IntuneWindowsAgent.exe",
            0.1,
            RUN_AS_SYSTEM,
            ("", "services"),
        ),
        exe(
            _PF86 + "Microsoft Intune Management Extension\\AgentExecutor.exe",
            0.5,
            RUN_AS_SYSTEM,
            ("-powershell", "ime"),
        ),
    )
    _big(
        catalog,
        rng,
        "microsoft",
        "Visual Studio",
        (0.0, 0.9, 0.02),
        0.02,
        (17, 12, 35527, 113),
        exe(
            _PF + "Microsoft Visual Studio\\2022\\Professional\\Common7\\IDE\\devenv.exe",
            1.5,
            RUN_AS_USER,
            ("", "explorer"),
        ),
        exe(
            _PF + "Microsoft Visual Studio\\2022\\Professional\\MSBuild\\Current\\Bin\\amd64\\MSBuild.exe",
            2,
            RUN_AS_USER,
            ("/nologo /nodemode:1 /nodeReuse:true", "devenv"),
        ),
    )
    _big(
        catalog,
        rng,
        "microsoft",
        "Microsoft .NET",
        (0.1, 0.95, 0.4),
        0.03,
        (8, 0, 11, 0),
        exe(_PF + "dotnet\\dotnet.exe", 2.5, RUN_AS_USER, ("build", "vscode devenv cmd powershell"), ("run", "vscode")),
    )
    _big(
        catalog,
        rng,
        "microsoft",
        "Visual Studio Code",
        (0.05, 0.9, 0.0),
        0.06,
        (1, 95, 3, 0),
        exe(
            _LOCAL + "Programs\\Microsoft VS Code\\Code.exe",
            8,
            RUN_AS_USER,
            ("", "explorer"),
            ("--type=renderer", "self"),
            ("--type=utility", "self"),
        ),
    )
    _big(
        catalog,
        rng,
        "microsoft",
        "Microsoft SQL Server",
        (0.0, 0.1, 0.0),
        0.005,
        (2022, 160, 4150, 1),
        exe(
            _PF + "Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\Binn\\SQLAGENT.EXE",
            0.3,
            RUN_AS_SERVICE,
            ("-i MSSQLSERVER", "services"),
        ),
        exe(
            _PF + "Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\Binn\\sqlceip.exe",
            0.6,
            RUN_AS_SERVICE,
            ("-Service", "services"),
        ),
    )
    _big(
        catalog,
        rng,
        "microsoft",
        "Microsoft SQL Server (server)",
        (0.0, 0.0, 1.0),
        0.005,
        (2022, 160, 4150, 1),
        exe(
            _PF + "Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\Binn\\sqlservr.exe",
            0.3,
            RUN_AS_SERVICE,
            ("-sMSSQLSERVER", "services"),
        ),
        exe(
            _PF + "Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\Binn\\SQLAGENT.EXE",
            0.8,
            RUN_AS_SERVICE,
            ("-i MSSQLSERVER", "services"),
        ),
        roles=("DB",),
    )
