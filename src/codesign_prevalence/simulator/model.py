"""The simulator's data model: certificates, binaries and the pre-serialised JSON fragments of each binary.

A binary is one sha256. Everything about it that does not change from one execution to the next (paths,
command lines, hashes, PE header, signature) is serialised to JSON text once, here, so that the event
stream only joins strings. Path templates may hold two placeholders, filled per execution:
``{U}`` (the user's profile folder name), and ``{G}`` (a ``{GUID}`` folder), ``{C}`` (two characters, a
ccmcache folder) and ``{O}`` (eight characters, an Outlook temp folder), all three from a scheduled run's token.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

USER_TOKEN = "{U}"
HOST_TOKEN = "{G}"
SHORT_TOKEN = "{C}"
FOLDER_TOKEN = "{O}"
TOKENS = (USER_TOKEN, HOST_TOKEN, SHORT_TOKEN, FOLDER_TOKEN)

LABEL_BENIGN = "benign"
LABEL_MALICIOUS = "malicious"

STATUS_TRUSTED = "trusted"
STATUS_EXPIRED = "errorExpired"
STATUS_REVOKED = "errorRevoked"
STATUS_UNTRUSTED_ROOT = "errorUntrustedRoot"
STATUS_CHAINING = "errorChaining"
STATUS_BAD_DIGEST = "errorBadDigest"
UNSIGNED_ENDPOINT_ERROR = "errorCode_endpoint: 0x800b0100"

RUN_AS_SYSTEM = "system"
RUN_AS_SERVICE = "service"
RUN_AS_USER = "user"
RUN_AS_ANY = "any"  # a system account or the interactive user

# Days before the first simulated day: "installed long ago".
LONG_AGO = -10_000


def jstr(text: str) -> str:
    """``text`` as a JSON string literal."""
    return json.dumps(text)


def digests(seed: int, key: str) -> tuple[str, str, str]:
    """Deterministic (sha256, sha1, md5) hex strings standing in for a file's hashes."""
    material = f"{seed}|file|{key}".encode()
    return (
        hashlib.sha256(material).hexdigest(),
        hashlib.sha1(material, usedforsecurity=False).hexdigest(),
        hashlib.md5(material, usedforsecurity=False).hexdigest(),
    )


def thumbprint(seed: int, key: str) -> str:
    """A deterministic certificate thumbprint (sha256 hex)."""
    return hashlib.sha256(f"{seed}|cert|{key}".encode()).hexdigest()


def stable_guid(seed: int, key: str) -> str:
    """A deterministic GUID text in upper case, without braces."""
    h = hashlib.sha256(f"{seed}|guid|{key}".encode()).hexdigest().upper()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89AB'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:32]}"


@dataclass(frozen=True, slots=True)
class Cert:
    """A code-signing certificate: its subject and thumbprint, valid on days [not_before, not_after], and the
    CA that issued it (empty: the large public CA of its subject; see ``simulator.certificates``)."""

    subject: str
    thumbprint: str
    not_before: int = LONG_AGO
    not_after: int = 10_000
    issuer: str = ""


def signature_json(cert: Cert | None, status: str = STATUS_TRUSTED, signed_at: str = "") -> str:
    """``process.code_signature`` as JSON text; ``cert=None`` for an unsigned file; ``signed_at`` (ISO text)
    is written as ``timestamp``, when the file was signed."""
    if cert is None:
        if status == UNSIGNED_ENDPOINT_ERROR:
            return f'{{"trusted":false,"exists":false,"status":{jstr(status)}}}'
        return '{"trusted":false,"exists":false}'
    trusted = "true" if status == STATUS_TRUSTED else "false"
    signed = f',"timestamp":"{signed_at}"' if signed_at else ""
    return (
        f'{{"trusted":{trusted},"subject_name":{jstr(cert.subject)},'
        f'"thumbprint_sha256":"{cert.thumbprint}"{signed},"exists":true,"status":{jstr(status)}}}'
    )


@dataclass(frozen=True, slots=True)
class SignatureTimeline:
    """The certificate a file is signed with and its status from given days on: ((day, status), ...)."""

    cert: Cert | None
    statuses: tuple[tuple[int, str], ...] = ((LONG_AGO, STATUS_TRUSTED),)

    def status_on(self, day: int) -> str:
        current = self.statuses[0][1]
        for start, status in self.statuses:
            if start <= day:
                current = status
        return current


@dataclass(frozen=True, slots=True)
class PeInfo:
    original_file_name: str
    company: str
    product: str
    file_version: str
    description: str

    def json(self) -> str:
        items = [
            ("original_file_name", self.original_file_name),
            ("company", self.company),
            ("product", self.product),
            ("file_version", self.file_version),
            ("description", self.description),
        ]
        return "{" + ",".join(f'"{k}":{jstr(v)}' for k, v in items if v) + "}"


@dataclass(frozen=True, slots=True)
class Invocation:
    """One way a binary is started: where it sits, its command line, and who starts it.

    ``exe`` is ``"executable":..,"name":..`` and ``cmd`` is ``"args":..,"command_line":..,
    "working_directory":..``, both JSON text ready to join. ``parents`` is a pool of parent kinds (see
    ``parents.py``) drawn from uniformly; repeating a kind weights it.
    """

    exe: str
    cmd: str
    parents: tuple[str, ...]


def make_invocation(
    path: str, args: Sequence[str] = (), parents: Sequence[str] = ("explorer",), workdir: str | None = None
) -> Invocation:
    name = path.rsplit("\\", 1)[-1]
    quoted = f'"{path}"' if " " in path else path
    command_line = " ".join([quoted, *args])
    directory = workdir if workdir is not None else path.rsplit("\\", 1)[0] + "\\"
    exe = f'"executable":{jstr(path)},"name":{jstr(name)}'
    cmd = (
        f'"args":{json.dumps([path, *args], separators=(",", ":"))},"command_line":{jstr(command_line)},'
        f'"working_directory":{jstr(directory)}'
    )
    return Invocation(exe=exe, cmd=cmd, parents=tuple(parents))


@dataclass(slots=True)
class Binary:
    """One distinct file (sha256) with its label and the JSON fragments its events are made of.

    ``sig`` is the signature JSON before any status change; :meth:`sig_on` gives it for a given day.
    """

    bid: int
    sha256: str
    sha1: str
    md5: str
    label: str
    scenario: str
    signer: str
    description: str
    invocations: tuple[Invocation, ...]
    static: str
    signature: SignatureTimeline
    run_as: str
    templated: bool
    sig: str = ""
    sig_by_status: dict[str, str] = field(default_factory=dict)
    signed_at: str = ""  # when the file was signed (ISO text), written as code_signature.timestamp

    def sig_on(self, day: int) -> str:
        status = self.signature.status_on(day)
        text = self.sig_by_status.get(status)
        if text is None:
            text = signature_json(self.signature.cert, status, self.signed_at)
            self.sig_by_status[status] = text
        return text

    @property
    def changes_status(self) -> bool:
        return len(self.signature.statuses) > 1


@dataclass(slots=True)
class BinarySpec:
    """What a scenario or product says about a new binary; the catalog turns it into a :class:`Binary`."""

    key: str
    invocations: tuple[Invocation, ...]
    pe: PeInfo | None
    signature: SignatureTimeline
    run_as: str
    label: str = LABEL_BENIGN
    scenario: str = "common_software"
    description: str = ""


def static_json(sha256: str, sha1: str, md5: str, pe: PeInfo | None) -> str:
    hashes = f'"hash":{{"sha256":"{sha256}","sha1":"{sha1}","md5":"{md5}"}}'
    if pe is None:
        return hashes
    pe_text = pe.json()
    return hashes if pe_text == "{}" else f'{hashes},"pe":{pe_text}'


def build_binary(bid: int, seed: int, spec: BinarySpec, signed_at: str = "") -> Binary:
    sha256, sha1, md5 = digests(seed, spec.key)
    templated = any(token in inv.exe or token in inv.cmd for inv in spec.invocations for token in TOKENS)
    cert = spec.signature.cert
    return Binary(
        bid=bid,
        sha256=sha256,
        sha1=sha1,
        md5=md5,
        label=spec.label,
        scenario=spec.scenario,
        signer=cert.subject if cert else "",
        description=spec.description,
        invocations=spec.invocations,
        static=static_json(sha256, sha1, md5, spec.pe),
        signature=spec.signature,
        run_as=spec.run_as,
        templated=templated,
        sig=signature_json(cert, spec.signature.statuses[0][1], signed_at),
        signed_at=signed_at,
    )


USER_BY_RUN_AS = -1
USER_SYSTEM = -2


@dataclass(frozen=True, slots=True)
class Run:
    """A scheduled execution of one binary on one host and day (scenarios plant these).

    ``invocation`` picks one of the binary's invocations (-1: random); ``parent`` overrides the parent kind;
    ``user`` is an index into the host's users, or USER_BY_RUN_AS / USER_SYSTEM; ``token`` is a GUID that
    fills the per-host placeholders ``{G}`` (``{GUID}``), ``{C}`` (two characters) and ``{O}`` (eight).
    """

    bid: int
    count: int = 1
    invocation: int = -1
    parent: str = ""
    user: int = USER_BY_RUN_AS
    token: str = ""


@dataclass(slots=True)
class Plan:
    """Scheduled runs by (day, host index); runs outside the simulated days are dropped."""

    days: int
    runs: dict[tuple[int, int], list[Run]] = field(default_factory=dict)

    def add(self, day: int, host: int, run: Run) -> None:
        if 0 <= day < self.days:
            self.runs.setdefault((day, host), []).append(run)
