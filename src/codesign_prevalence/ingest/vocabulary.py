"""One certificate-status vocabulary: every source's signature verdict mapped onto Elastic Defend's.

Elastic Defend writes ``process.code_signature.status`` as ``trusted`` or an ``error...`` code
(``errorExpired``, ``errorRevoked``, ``errorUntrustedRoot``, ``errorChaining``, ``errorBadDigest``,
``errorCode_endpoint: 0x...``), ``trusted`` as a boolean and ``exists`` for whether there is a signature at
all; it leaves ``valid`` unset. The other sources say the same things in their own words:

- Sysmon (Event ID 7): ``Signed`` (``true``, ``false`` or ``failed: <reason>``), ``SignatureStatus``
  (``Valid``, ``Expired``, ``Revoked``, ``Unavailable``, or the text of a Windows trust error such as "A
  certificate chain processed, but terminated in a root certificate which is not trusted by the trust
  provider.") and ``Signature`` (the signer, ``-`` when none);
- Microsoft Defender (``DeviceFileCertificateInfo``): ``IsSigned``, ``IsTrusted`` (the WinVerifyTrust
  verdict), ``CertificateExpirationTime`` and, where an export carries it, a ``SignatureState`` text.

Pure Python: the adapters call it on the executors, once per document.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

STATUS_TRUSTED = "trusted"
STATUS_EXPIRED = "errorExpired"
STATUS_REVOKED = "errorRevoked"
STATUS_UNTRUSTED_ROOT = "errorUntrustedRoot"
STATUS_CHAINING = "errorChaining"
STATUS_BAD_DIGEST = "errorBadDigest"
SYSMON_OTHER_PREFIX = "errorCode_sysmon: "
DEFENDER_OTHER_PREFIX = "errorCode_defender: "

# Folded status words (exact) -> Elastic Defend status; None = "no verdict" (unknown, not an error).
_EXACT: dict[str, str | None] = {
    "valid": STATUS_TRUSTED,
    "trusted": STATUS_TRUSTED,
    "signedvalid": STATUS_TRUSTED,
    "expired": STATUS_EXPIRED,
    "errorexpired": STATUS_EXPIRED,
    "revoked": STATUS_REVOKED,
    "errorrevoked": STATUS_REVOKED,
    "untrustedroot": STATUS_UNTRUSTED_ROOT,
    "erroruntrustedroot": STATUS_UNTRUSTED_ROOT,
    "chaining": STATUS_CHAINING,
    "errorchaining": STATUS_CHAINING,
    "baddigest": STATUS_BAD_DIGEST,
    "errorbaddigest": STATUS_BAD_DIGEST,
    "invalid hash": STATUS_BAD_DIGEST,
    "invalid": STATUS_BAD_DIGEST,
    "signedinvalid": STATUS_BAD_DIGEST,
    "unavailable": None,
    "unknown": None,
    "-": None,
    "": None,
}
# Phrases of the Windows trust-error messages Sysmon writes in SignatureStatus (or after "failed: ").
_PHRASES: tuple[tuple[str, str], ...] = (
    ("validity period", STATUS_EXPIRED),  # CERT_E_EXPIRED
    ("expired", STATUS_EXPIRED),
    ("revoked", STATUS_REVOKED),  # CERT_E_REVOKED
    ("root certificate which is not trusted", STATUS_UNTRUSTED_ROOT),  # CERT_E_UNTRUSTEDROOT
    ("untrusted root", STATUS_UNTRUSTED_ROOT),
    ("chain could not be built", STATUS_CHAINING),  # CERT_E_CHAINING
    ("did not verify", STATUS_BAD_DIGEST),  # TRUST_E_BAD_DIGEST
    ("invalid hash", STATUS_BAD_DIGEST),
    ("digest", STATUS_BAD_DIGEST),
)
# Windows messages meaning "there is no signature" (TRUST_E_NOSIGNATURE, TRUST_E_SUBJECT_FORM_UNKNOWN).
_UNSIGNED_PHRASES = ("no signature was present", "not signed", "unsigned")

# The message Sysmon writes for each error status (used by the simulator to write Sysmon documents).
SYSMON_STATUS_TEXT: dict[str, str] = {
    STATUS_TRUSTED: "Valid",
    STATUS_EXPIRED: "Expired",
    STATUS_REVOKED: "Revoked",
    STATUS_UNTRUSTED_ROOT: (
        "A certificate chain processed, but terminated in a root certificate which is not trusted by the "
        "trust provider."
    ),
    STATUS_CHAINING: "A certificate chain could not be built to a trusted root authority.",
    STATUS_BAD_DIGEST: "The digital signature of the object did not verify.",
}


@dataclass(frozen=True)
class Signature:
    """A signature verdict in Elastic Defend's terms; None is unknown (never the same as false)."""

    exists: bool | None = None
    trusted: bool | None = None
    valid: bool | None = None
    status: str | None = None
    subject_name: str | None = None

    def texts(self) -> tuple[str | None, str | None, str | None, str | None, str | None]:
        """(exists, trusted, valid, status, subject) as the text the ingest reads booleans from."""
        exists, trusted, valid = _bool_text(self.exists), _bool_text(self.trusted), _bool_text(self.valid)
        return (exists, trusted, valid, self.status, self.subject_name)


UNKNOWN = Signature()


def _bool_text(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def _fold(text: str) -> str:
    return " ".join(text.strip().lower().split())


def is_unsigned_text(text: str | None) -> bool:
    return text is not None and any(phrase in _fold(text) for phrase in _UNSIGNED_PHRASES)


def status_from_text(text: str | None, other_prefix: str = SYSMON_OTHER_PREFIX) -> str | None:
    """A source's status text -> Elastic Defend's status; None for "no verdict" (``Unavailable``, ``-``).

    Unknown error texts are kept, prefixed (``errorCode_sysmon: <text>``), like Elastic's ``errorCode_endpoint``.
    """
    if text is None:
        return None
    folded = _fold(text)
    if folded.startswith("failed:"):
        folded = folded[len("failed:") :].strip()
    if folded in _EXACT:
        return _EXACT[folded]
    for phrase, status in _PHRASES:
        if phrase in folded:
            return status
    return other_prefix + text.strip()


def _signer(text: str | None) -> str | None:
    if text is None or text.strip() in ("", "-"):
        return None
    return text


def sysmon_signature(signed: str | None, status: str | None, signer: str | None) -> Signature:
    """Sysmon's ``Signed`` / ``SignatureStatus`` / ``Signature`` -> a verdict in Elastic Defend's terms.

    - ``Signed: false`` (or a "no signature" message): unsigned, ``exists`` and ``trusted`` false;
    - ``Signed: failed: <reason>``: signed but broken, ``trusted`` false, status from the reason
      (``failed: Invalid hash`` -> ``errorBadDigest``; an unknown reason -> ``errorCode_sysmon: ...``);
    - ``Signed: true``: ``Valid`` -> ``trusted``; an error word or message -> its ``error...`` status with
      ``trusted`` false; ``Unavailable`` or nothing -> signed, trust unknown;
    - neither field: unknown.
    """
    folded = _fold(signed) if signed is not None else None
    subject = _signer(signer)
    if folded == "false" or is_unsigned_text(status) or (folded is not None and is_unsigned_text(folded)):
        return Signature(exists=False, trusted=False)
    if folded is not None and folded.startswith("failed"):
        reason = status_from_text(signed) or status_from_text(status) or STATUS_BAD_DIGEST
        if reason == STATUS_TRUSTED:
            reason = STATUS_BAD_DIGEST
        return Signature(exists=True, trusted=False, status=reason, subject_name=subject)
    mapped = status_from_text(status)
    if folded not in ("true", "1") and mapped is None:
        return Signature(subject_name=subject) if subject else UNKNOWN
    if mapped is None:
        return Signature(exists=True, subject_name=subject)
    return Signature(exists=True, trusted=mapped == STATUS_TRUSTED, status=mapped, subject_name=subject)


def text_boolean(text: object) -> bool | None:
    """``true``/``false``/``1``/``0`` (any case, booleans or text) -> bool; anything else None."""
    if isinstance(text, bool):
        return text
    if isinstance(text, int):
        return {1: True, 0: False}.get(text)
    if isinstance(text, str):
        return {"true": True, "1": True, "false": False, "0": False}.get(text.strip().lower())
    return None


def parse_time(text: str | None) -> dt.datetime | None:
    """ISO-8601 text (``T`` or space, optional ``Z``/offset, any fraction) -> aware UTC datetime, else None."""
    if not text:
        return None
    value = text.strip().replace(" ", "T", 1)
    if value.endswith("Z") or value.endswith("z"):
        value = value[:-1] + "+00:00"
    head, dot, rest = value.partition(".")
    if dot:  # Python takes at most 6 fraction digits
        digits = len(rest) - len(rest.lstrip("0123456789"))
        value = head + "." + rest[: min(digits, 6)] + rest[digits:] if digits else head + rest
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


def defender_signature(
    is_signed: object,
    is_trusted: object,
    signer: str | None,
    expires: str | None = None,
    observed: str | None = None,
    signature_state: str | None = None,
) -> Signature:
    """Defender's ``DeviceFileCertificateInfo`` verdict -> Elastic Defend's terms.

    - ``IsSigned`` false: unsigned;
    - a ``SignatureState`` text, when the export has one, is read like Sysmon's status words;
    - ``IsTrusted`` true: ``trusted``;
    - ``IsTrusted`` false: ``errorExpired`` when ``CertificateExpirationTime`` is before the row's own
      ``Timestamp``, otherwise ``errorUntrustedRoot`` (Defender does not say why WinVerifyTrust failed;
      a certificate not expired and not trusted is most often one whose root the machine does not trust);
    - ``IsTrusted`` missing: signed, trust unknown.
    """
    signed = text_boolean(is_signed)
    trusted = text_boolean(is_trusted)
    subject = _signer(signer)
    if signed is False or is_unsigned_text(signature_state):
        return Signature(exists=False, trusted=False)
    state = status_from_text(signature_state, DEFENDER_OTHER_PREFIX) if signature_state else None
    if state is not None:
        return Signature(exists=True, trusted=state == STATUS_TRUSTED, status=state, subject_name=subject)
    if trusted is True:
        return Signature(exists=True, trusted=True, status=STATUS_TRUSTED, subject_name=subject)
    if trusted is False:
        not_after, seen = parse_time(expires), parse_time(observed)
        expired = not_after is not None and seen is not None and not_after < seen
        status = STATUS_EXPIRED if expired else STATUS_UNTRUSTED_ROOT
        return Signature(exists=True, trusted=False, status=status, subject_name=subject)
    if signed is True or subject is not None:
        return Signature(exists=True, subject_name=subject)
    return UNKNOWN


HASH_NAMES = {"SHA1": "sha1", "MD5": "md5", "SHA256": "sha256", "IMPHASH": "imphash", "SHA384": "sha384"}


def parse_hashes(text: str | None) -> dict[str, str]:
    """Sysmon's ``Hashes`` (``SHA1=...,MD5=...,SHA256=...,IMPHASH=...``) -> {``sha1``: lower-case hex, ...}.

    Unknown algorithms are kept under their lower-cased name; empty values and pieces without ``=`` are
    ignored. A single bare hash (Sysmon configured with one algorithm writes ``SHA256=...`` anyway) works.
    """
    hashes: dict[str, str] = {}
    if not text:
        return hashes
    for piece in text.split(","):
        name, equals, value = piece.partition("=")
        value = value.strip().lower()
        key = name.strip().upper()
        if equals and key and value and value != "-":
            hashes[HASH_NAMES.get(key, key.lower())] = value
    return hashes
