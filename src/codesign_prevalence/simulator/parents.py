"""Parent processes: a kind name -> the parent's executable path (``{U}`` is the user's profile folder).

A process event names its parent by kind; the stream gives each kind one pid and entity id per host and
day, as a long-running parent would have. The kind ``self`` means "another instance of the same binary"
(browser and Electron helper processes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from codesign_prevalence.simulator.model import jstr

SELF = "self"

_S32 = "C:\\Windows\\System32\\"
_IME = "C:\\Program Files (x86)\\Microsoft Intune Management Extension\\"
_OFFICE = "C:\\Program Files\\Microsoft Office\\root\\Office16\\"

DEFAULT_PARENTS: dict[str, str] = {
    "services": _S32 + "services.exe",
    "svchost": _S32 + "svchost.exe",
    "explorer": "C:\\Windows\\explorer.exe",
    "userinit": _S32 + "userinit.exe",
    "winlogon": _S32 + "winlogon.exe",
    "wininit": _S32 + "wininit.exe",
    "searchindexer": _S32 + "SearchIndexer.exe",
    "cmd": _S32 + "cmd.exe",
    "powershell": _S32 + "WindowsPowerShell\\v1.0\\powershell.exe",
    "wmiprvse": _S32 + "wbem\\WmiPrvSE.exe",
    "wsmprovhost": _S32 + "wsmprovhost.exe",
    "msiexec": _S32 + "msiexec.exe",
    "rundll32": _S32 + "rundll32.exe",
    "regsvr32": _S32 + "regsvr32.exe",
    "mshta": _S32 + "mshta.exe",
    "wscript": _S32 + "wscript.exe",
    "ccmexec": "C:\\Windows\\CCM\\CcmExec.exe",
    "ime": _IME + "Microsoft.Management.Services.IntuneWindowsAgent.exe",
    "agentexecutor": _IME + "AgentExecutor.exe",
    "choco": "C:\\ProgramData\\chocolatey\\choco.exe",
    "winword": _OFFICE + "WINWORD.EXE",
    "excel": _OFFICE + "EXCEL.EXE",
    "outlook": _OFFICE + "OUTLOOK.EXE",
    "chrome": "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
    "msedge": "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
    "firefox": "C:\\Program Files\\Mozilla Firefox\\firefox.exe",
    "devenv": "C:\\Program Files\\Microsoft Visual Studio\\2022\\Professional\\Common7\\IDE\\devenv.exe",
    "dotnet": "C:\\Program Files\\dotnet\\dotnet.exe",
    "vscode": "C:\\Users\\{U}\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe",
}


@dataclass(slots=True)
class ParentRegistry:
    """Parent kinds and the JSON text ``"executable":..,"name":..`` of each."""

    paths: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_PARENTS))
    _exe_json: dict[str, str] = field(default_factory=dict)

    def add(self, kind: str, path: str) -> str:
        """Register a parent kind (e.g. a vendor's updater); returns the kind."""
        self.paths[kind] = path
        self._exe_json.pop(kind, None)
        return kind

    def exe_json(self, kind: str) -> str:
        text = self._exe_json.get(kind)
        if text is None:
            path = self.paths[kind]
            text = f'"executable":{jstr(path)},"name":{jstr(path.rsplit(chr(92), 1)[-1])}'
            self._exe_json[kind] = text
        return text
