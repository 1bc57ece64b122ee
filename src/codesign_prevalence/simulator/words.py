"""Word lists the simulator draws names from (vendors, products, people, front companies, lures).

Every vendor, person and company built from these lists is invented. The only real names in the simulator
are the seed rule's allow-listed publishers and a few well-known per-user applications in ``catalog.py``.
"""

from __future__ import annotations

VENDOR_CLASSICS: tuple[str, ...] = (
    "Northwind Traders",
    "Fabrikam",
    "Adventure Works",
    "Tailspin Toys",
    "Wingtip Toys",
    "Proseware",
    "Litware",
    "Lucerne Publishing",
    "Alpine Ski House",
    "Blue Yonder Airlines",
    "Coho Vineyard",
    "Fourth Coffee",
    "Graphic Design Institute",
    "Humongous Insurance",
    "Margie's Travel",
    "Trey Research",
    "Wide World Importers",
    "VanArsdel",
    "Relecloud",
    "First Up Consultants",
)

BRAND_HEADS: tuple[str, ...] = (
    "Apex", "Beacon", "Cedar", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iron", "Juniper",
    "Keystone", "Lumen", "Meridian", "Nimbus", "Orbit", "Pioneer", "Quartz", "Redwood", "Summit", "Titan",
    "Umber", "Vertex", "Willow", "Zenith", "Aurora", "Bluefin", "Copper", "Driftwood", "Evergreen", "Foxglove",
    "Glacier", "Hollow", "Indigo", "Jasper", "Kestrel", "Lantern", "Marble", "Northstar", "Oakridge", "Pinnacle",
    "Quill", "Riverbend", "Sable", "Tidewater", "Upland", "Valley", "Westgate", "Yarrow", "Arbor", "Brightline",
    "Cobalt", "Dunmore", "Elmstead", "Fairview", "Goldcrest", "Highpoint", "Ironbark", "Lakeshore", "Moorland",
    "Newbridge", "Oxbow", "Palisade", "Rookwood", "Silverleaf", "Thornbury", "Wexford", "Ashgrove", "Bramble",
)

BRAND_TAILS: tuple[str, ...] = (
    "Soft", "Systems", "Labs", "Works", "Data", "Logic", "Digital", "Networks", "Software", "Technologies",
    "Solutions", "Analytics", "Dynamics", "Micro", "Tech", "Media", "Interactive", "Computing", "Devices",
    "Informatics", "Cloud", "Security", "Imaging", "Audio",
)

LEGAL_FORMS: tuple[str, ...] = (
    "{b}, Inc.", "{b} Ltd", "{b} LLC", "{b} GmbH", "{b} B.V.", "{b} AB", "{b} Pty Ltd", "{b} Corporation",
    "{b} Co., Ltd.", "{b} S.A.", "{b} Oy", "{b} Limited", "{b} Inc.", "{b} SAS", "{b} AG", "{b} S.r.l.",
)

PRODUCT_NOUNS: tuple[str, ...] = (
    "Studio", "Viewer", "Editor", "Manager", "Suite", "Designer", "Reader", "Converter", "Assistant", "Monitor",
    "Client", "Workbench", "Console", "Scanner", "Sync", "Backup", "Capture", "Notes", "Planner", "Analyzer",
    "Print Center", "Archiver", "Inspector", "Recorder", "Launcher", "Connect", "Diagram", "Ledger",
)

AGENT_NOUNS: tuple[str, ...] = (
    "Agent", "Service", "Endpoint Agent", "Backup Agent", "Monitoring Agent", "License Service", "Sync Service",
)

PER_USER_NOUNS: tuple[str, ...] = ("Chat", "Meet", "Music", "Notes", "Drive", "Mail", "Boards", "Talk")

FIRST_NAMES: tuple[str, ...] = (
    "Ana", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Karin", "Liam",
    "Maya", "Nils", "Olga", "Pedro", "Quinn", "Rosa", "Samir", "Tara", "Umar", "Vera", "Wei", "Xenia",
    "Yusuf", "Zoe", "Aaron", "Bianca", "Chen", "Dana", "Erik", "Fatima", "Gregor", "Hana", "Ivan", "Julia",
    "Kofi", "Lena", "Marco", "Nadia", "Oscar", "Priya", "Rafael", "Sofia", "Tomas", "Ursula", "Viktor",
    "Wanda", "Yara", "Andre", "Beatriz", "Connor", "Dmitri", "Emma", "Felix", "Gina", "Henrik", "Isla",
)

LAST_NAMES: tuple[str, ...] = (
    "Martinez", "Okafor", "Schmidt", "Nguyen", "Kowalski", "Haddad", "Lindqvist", "Moreau", "Tanaka",
    "Fischer", "Rossi", "Silva", "Novak", "Patel", "Johansson", "Dubois", "Kim", "Murphy", "Petrov",
    "Garcia", "Weber", "Costa", "Brennan", "Yilmaz", "Andersen", "Horvat", "Sato", "Leclerc", "Ivanova",
    "Mendes", "Hughes", "Baker", "Vogel", "Larsen", "Ortega", "Walsh", "Becker", "Sandoval", "Rahman",
    "Keller", "Morgan", "Duarte", "Eriksen", "Fontaine", "Grant", "Hoffmann", "Jovanovic", "Kaplan",
    "Lambert", "Meyer", "Nakamura", "Olsen", "Pereira", "Quintero", "Reyes", "Svensson", "Torres", "Ward",
)

INTERNAL_ORGS: tuple[str, ...] = ("Contoso", "Woodgrove", "Southridge", "Datum")

FRONT_HEADS: tuple[str, ...] = (
    "ALISA", "FORTH PROPERTIES", "KORVEL", "MELANIX", "ARDENT NORD", "BRIGHT MOSAIC", "TALLIS TRADE",
    "VOLTRA", "OSKAR TRADE", "PELICAN RIDGE", "NORTH QUAY", "SIRIUS GROUP", "AMBER HOLDINGS", "LOTOS STROI",
    "BLUE HARVEST", "ZEFIR", "KALINA SERVICE", "GREEN MILE TRADING", "ORION CONSULT", "VEGA TRANS",
    "NOVA MEDIA", "ELIPS", "MARLOW DIGITAL", "STELLAR WAVE", "TRIADA", "RUBIN", "ALTAIR BUSINESS",
)

FRONT_FORMS: tuple[str, ...] = ("{h} LTD", "{h} LIMITED", "{h} LLC", "{h} ApS", "{h} s.r.o.", "OOO {h}", "{h} SP Z O O")

PHISHING_NAMES: tuple[str, ...] = (
    "Invoice_{n}.exe", "Remittance_Advice_{n}.exe", "Scan_{n}.pdf.exe", "PO_{n}.exe", "Shipment_Notice_{n}.exe",
    "Payroll_Adjustment_{n}.exe", "Contract_{n}_signed.exe", "Statement_{n}.exe", "Voicemail_{n}.exe",
)

IMPLANT_NAMES: tuple[str, ...] = (
    "OneDriveUpdate.exe", "chrome_update.exe", "msupdate.exe", "svchostt.exe", "ZoomInstallerFull.exe",
    "TeamsUpdater.exe", "AdobeUpdate.exe", "winlogin.exe", "wuauclt_x.exe", "rundl132.exe", "dllhostex.exe",
    "SecurityHealthHost.exe", "IntelGfxSvc.exe", "NvTelemetry.exe", "AnyDeskSetup.exe",
)

IMPLANT_DIRS: tuple[str, ...] = (
    "Microsoft\\Network", "Intel\\Wireless", "ZoomUpdater", "Microsoft\\Crypto\\Keys", "Adobe\\Sync",
    "NVIDIA\\Telemetry", "Packages\\Cache", "WindowsUpdate", "Java\\jre", "SystemCache",
)

# (original_file_name, company, product, description): what an attacker's binary claims to be.
IMPERSONATED_PE: tuple[tuple[str, str, str, str], ...] = (
    ("Zoom.exe", "Zoom Video Communications, Inc.", "Zoom", "Zoom Meetings"),
    ("Teams.exe", "Microsoft Corporation", "Microsoft Teams", "Microsoft Teams"),
    ("chrome.exe", "Google LLC", "Google Chrome", "Google Chrome"),
    ("AcroRd32.exe", "Adobe Systems Incorporated", "Adobe Reader", "Adobe Acrobat Reader"),
    ("putty.exe", "Simon Tatham", "PuTTY suite", "SSH, Telnet and Rlogin client"),
    ("AnyDesk.exe", "philandro Software GmbH", "AnyDesk", "AnyDesk"),
    ("svchost.exe", "Microsoft Corporation", "Microsoft® Windows® Operating System", "Host Process"),
    ("loader.exe", "", "", ""),
    ("", "", "", ""),
    ("setup.exe", "Installer Team", "Setup", "Setup Application"),
)

DEV_PROJECTS: tuple[str, ...] = (
    "InventorySync", "ReportBuilder", "LabelPrinter", "PolicyCheck", "TicketBridge", "LogShipper",
    "HrExport", "BadgeReader", "QuoteTool", "ScanUploader", "BuildHelper", "DataPump",
)

NICHE_TOOLS: tuple[str, ...] = (
    "DiskPulse", "PortMapper", "HexPeek", "ClipSaver", "FontView", "CsvSplitter", "IconForge", "WinTail",
    "DupeFinder", "SerialTerm", "PdfMerge", "ScreenRuler", "TreeSizer", "NetScanLite", "RegSnap",
)
