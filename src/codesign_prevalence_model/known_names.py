"""Well-known program names and who publishes them (``known_name``): part of the registered model's own code.

Every other name fact reads the fleet: ``name_impersonation`` and ``name_copy`` know a name because some signer
runs it on many hosts here. An implant named after software this fleet does not run (``AnyDeskSetup.exe`` where
nobody uses AnyDesk, ``SecurityHealthHost.exe`` on a fleet whose sensors never saw Windows Security's host, a
``DocuSign_Review.exe`` lure) is named after something all the same (ATT&CK T1036.005, match a legitimate name).
This catalogue is what a detection engineer knows without the fleet: the names of Windows components, and the
name prefixes of widely used software, each with words of its publishers' certificate names (folded, as
gold/candidates' ``signer``; a legal name the brand does not show included: AnyDesk signs as "philandro Software
GmbH"), and the Windows processes whose names implants imitate by a character or two.
"""

from __future__ import annotations

MICROSOFT: tuple[str, ...] = ("microsoft",)

# Elastic's T1588.003 rule skips these publishers' certificate subjects (the seed rule's ``rule.allowed_publishers``,
# whose default this is).
SEED_ALLOWED_PUBLISHERS: tuple[str, ...] = (
    "Microsoft Corporation",
    "Microsoft Windows Publisher",
    "Google LLC",
    "Adobe Inc.",
    "Oracle America, Inc.",
    "Mozilla Corporation",
    "Cisco Systems, Inc.",
    "VMware, Inc.",
    "Intel Corporation",
    "NVIDIA Corporation",
    "Apple Inc.",
    "Amazon.com, Inc.",
)
# The publishers whose *trusted* signature the model takes at its word (``model.known_publishers``,
# ``known_publisher_discount``): the rule's, and the subject of Windows' own components' signatures, which the rule
# need not list (a component of Windows in a user-writable folder with an anomalous status is rare enough).
KNOWN_PUBLISHERS: tuple[str, ...] = (*SEED_ALLOWED_PUBLISHERS, "Microsoft Windows")

# File stems (lower case, without the extension) of Windows components and Microsoft's own applications.
WINDOWS_STEMS: frozenset[str] = frozenset(
    (
        "svchost", "lsass", "csrss", "winlogon", "userinit", "explorer", "services", "smss", "wininit", "taskhostw",
        "taskhost", "dllhost", "rundll32", "regsvr32", "conhost", "spoolsv", "searchindexer", "searchprotocolhost",
        "wmiprvse", "wuauclt", "msmpeng", "securityhealthservice", "securityhealthhost", "securityhealthsystray",
        "smartscreen", "consent", "logonui", "runtimebroker", "sihost", "ctfmon", "dwm", "fontdrvhost", "audiodg",
        "compattelrunner", "sppsvc", "sppextcomobj", "mmc", "powershell", "cmd", "mshta", "wscript", "cscript",
        "msiexec", "onedrive", "onedrivestandaloneupdater", "onedriveupdater", "microsoftedgeupdate", "msedge",
        "msedgeupdate", "officeclicktorun", "winword", "excel", "outlook", "backgroundtaskhost", "werfault", "wermgr",
        "taskmgr", "notepad", "lsm", "searchui", "startmenuexperiencehost",
    )
)

# Windows system processes whose names an implant imitates rather than copies (``rundl132.exe``, ``svchostt.exe``,
# ``winlogin.exe``, ``dllhostex.exe``, ``wuauclt_x.exe``): a name one edit from one of these of LOOKALIKE_EDIT_MIN
# letters or more, or one of these of LOOKALIKE_SUFFIX_MIN letters or more followed by one or two letters, digits or
# underscores. The edit form skips stems of six letters or fewer, whose neighbours are ordinary names (a vendor's
# "SPSSvc.exe" is one edit from "sppsvc"). Every Windows stem but those left out here:
NOT_IMITATED_STEMS: frozenset[str] = frozenset(
    (
        # Applications: "notepad2", "notepad++", "outlook2" are other programs.
        "notepad", "excel", "winword", "outlook", "onedrive", "onedrivestandaloneupdater", "onedriveupdater",
        "msedge", "msedgeupdate", "microsoftedgeupdate", "officeclicktorun",
        # Ordinary words, whose neighbours ("service", "consents") are names of any vendor's files.
        "services", "consent",
        # Too short for either form.
        "cmd", "dwm", "lsm", "mmc",
        # Shell and helper hosts the judged list (session 32) did not hold.
        "searchui", "startmenuexperiencehost", "securityhealthsystray", "sppextcomobj",
    )
)
SYSTEM_PROCESS_STEMS: frozenset[str] = WINDOWS_STEMS - NOT_IMITATED_STEMS
LOOKALIKE_EDIT_MIN = 7
LOOKALIKE_SUFFIX_MIN = 5
LOOKALIKE_SUFFIX_MAX = 2

# Prefixes of a file name's letters and digits (lower case) -> words of its publishers' folded signer names.
BRAND_PREFIXES: dict[str, tuple[str, ...]] = {
    "anydesk": ("anydesk", "philandro"),
    "teamviewer": ("teamviewer",),
    "zoom": ("zoom",),
    "docusign": ("docusign",),
    "googleupdate": ("google",),
    "googlecrashhandler": ("google",),
    "chrome": ("google",),
    "adobe": ("adobe",),
    "acrord": ("adobe",),
    "acrobat": ("adobe",),
    "nvcontainer": ("nvidia",),
    "nvtelemetry": ("nvidia",),
    "nvidia": ("nvidia",),
    "rtkaud": ("realtek",),
    "realtek": ("realtek",),
    "igfx": ("intel",),
    "intelgfx": ("intel",),
    "vpnagent": ("cisco",),
    "teams": MICROSOFT,
    "onedrive": MICROSOFT,
    "msedge": MICROSOFT,
    "microsoftedge": MICROSOFT,
    "office": MICROSOFT,
    "windows": MICROSOFT,
}

# Words of well-known publishers' certificate names: the catalogue's publishers, and those of the seed rule's
# allow-list (DESIGN.md) that it does not hold. Their certificates chain to public roots; a certificate that does not
# verify under such a name is made by someone else, whether or not this fleet runs the publisher's software (a
# self-signed "Zoom Video Communications, Inc." on a fleet that runs no Zoom; certificate_impostor).
PUBLISHER_WORDS: frozenset[str] = frozenset(
    {word for publishers in BRAND_PREFIXES.values() for word in publishers}
    | set(MICROSOFT)
    | {"oracle", "mozilla", "vmware", "apple", "amazon"}
)


# Legal forms at the end of a folded company name (canonical_signer's output: lower case, punctuation as spaces).
# Folded away only to compare a header's pe.company with the signer: "Slack Technologies, LLC" labels binaries
# signed by "Slack Technologies, Inc.", "HP Development Company, L.P." those signed by "HP Inc.". Signers stay
# grouped with their suffix (canonical_signer). Here, with the generic words below, because the model reads them
# too (features.related_company); the job's features.normalize imports them.
LEGAL_FORMS: tuple[str, ...] = (
    "inc", "incorporated", "llc", "l l c", "ltd", "limited", "corp", "corporation", "co", "company", "gmbh",
    "mbh", "ag", "kg", "sa", "s a", "sas", "sarl", "s a r l", "srl", "s r l", "spa", "s p a", "bv", "b v", "nv",
    "n v", "plc", "lp", "l p", "llp", "pty", "pte", "oy", "oyj", "ab", "as", "a s", "aps", "kk", "k k", "se",
    # Central and Eastern Europe, Iberia and Latin America, single-member French forms (session 48: 675 signer
    # names of the blind fleets end in "s r o", so that "Kairo Metrology s.r.o." named another company than
    # "Kairo Metrology sro")
    "s r o", "sro", "spol", "kft", "zrt", "sp z o o", "ooo", "d o o", "doo", "bvba", "ltda", "sl", "s l",
    "sasu", "sarlu", "s a r l u", "s a s u",
)

# Words of a canonical signer that do not say who it is: the legal forms (above, and their longer spellings),
# words many company names share, code-signing vocabulary, and folder names every Windows path holds. A signer
# name's other words of at least SIGNER_WORD_MIN_LENGTH characters are its *distinctive* words.
SIGNER_WORD_MIN_LENGTH = 4
GENERIC_SIGNER_WORDS: frozenset[str] = frozenset(
    (
        *(form for form in LEGAL_FORMS if " " not in form),
        # company words
        "holdings", "holding", "group",
        "international", "global", "software", "systems", "system", "technologies", "technology", "solutions",
        "services", "service", "digital", "media", "labs", "trading", "ventures", "agency", "networks", "network",
        "engineering", "consulting", "enterprises", "enterprise", "development", "computer", "computers",
        "electronics", "industries", "interactive", "studio", "studios", "games", "entertainment",
        "communications", "security", "products", "partners", "associates", "innovations", "business", "data",
        "tech", "soft", "info", "online", "cloud", "apps", "team",
        # code signing
        "code", "signing", "publisher", "certificate", "test", "root", "authority", "developer", "internal",
        # Windows folders
        "users", "public", "appdata", "local", "roaming", "locallow", "temp", "downloads", "programdata",
        "program", "programs", "files", "windows", "common", "desktop", "documents", "update", "updater",
        "setup", "install", "installer", "tools", "tool", "application", "applications", "cache",
    )
)
