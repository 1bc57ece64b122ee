"""What the simulated certificates look like beyond their subject and thumbprint: the issuing CA, the serial
number, the validity window, when files were signed with them, and the signature type.

Everything here is derived from the certificate itself (a hash of its thumbprint), never from the
simulator's random streams, so a seed's events, labels and counts are the same as before these details
existed. The choice of CA follows how code-signing certificates are issued, without giving the attacks away:

- most benign vendors chain to a few large public CAs (DigiCert, Sectigo, GlobalSign, Entrust, SSL.com);
  Microsoft's binaries to Microsoft's own PCAs, Windows' binaries being catalog-signed;
- niche tools' vendors use a small CA about half the time;
- internal tools chain to the organisation's enterprise CA, developers' test builds are self-signed;
- stolen certificates are real vendors' certificates: the vendor's large CA, often old;
- certificates bought by front companies come from the CAs that sell to small companies, and were issued a
  few days to weeks before the first payload ran (as were some benign newcomers' and every renewal's);
- public CAs issue for one to three years.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codesign_prevalence.simulator.model import LONG_AGO, Cert

BIG_CAS: tuple[tuple[str, int], ...] = (
    ("CN=DigiCert Trusted G4 Code Signing RSA4096 SHA384 2021 CA1, O=DigiCert, Inc., C=US", 45),
    ("CN=Sectigo Public Code Signing CA R36, O=Sectigo Limited, C=GB", 25),
    ("CN=GlobalSign GCC R45 CodeSigning CA 2020, O=GlobalSign nv-sa, C=BE", 15),
    ("CN=Entrust Code Signing CA - OVCS2, O=Entrust, Inc., C=US", 10),
    ("CN=SSL.com Code Signing Intermediate CA RSA R1, O=SSL Corp, C=US", 5),
)
SMALL_CAS: tuple[str, ...] = (
    "CN=Certum Code Signing 2021 CA, O=Asseco Data Systems S.A., C=PL",
    "CN=GoGetSSL RSA CS CA, O=GoGetSSL, C=LV",
    "CN=Actalis Code Signing CA G3, O=Actalis S.p.A., C=IT",
    "CN=HARICA Code Signing RSA SubCA R1, O=Hellenic Academic and Research Institutions CA, C=GR",
)
# Where certificates bought for a front company tend to come from (cheap, fast validation).
RETAIL_CAS: tuple[str, ...] = (
    "CN=Sectigo Public Code Signing CA R36, O=Sectigo Limited, C=GB",
    "CN=Certum Code Signing 2021 CA, O=Asseco Data Systems S.A., C=PL",
    "CN=SSL.com Code Signing Intermediate CA RSA R1, O=SSL Corp, C=US",
    "CN=GoGetSSL RSA CS CA, O=GoGetSSL, C=LV",
    "CN=DigiCert Trusted G4 Code Signing RSA4096 SHA384 2021 CA1, O=DigiCert, Inc., C=US",
)
MICROSOFT_CA = "CN=Microsoft Code Signing PCA 2011, O=Microsoft Corporation, L=Redmond, S=Washington, C=US"
WINDOWS_CA = "CN=Microsoft Windows Production PCA 2011, O=Microsoft Corporation, L=Redmond, S=Washington, C=US"
WINDOWS_SUBJECT = "Microsoft Windows"
SIGNATURE_EMBEDDED = "embedded"
SIGNATURE_CATALOG = "catalog"
# The fleet's certificates, one row each (CSV like labels.csv, so that an ingest of the fleet's folder
# does not read it as events).
CERTIFICATES_FILE = "certificates.csv"
REGISTRY_COLUMNS = (
    "thumbprint_sha256", "subject", "issuer", "issuer_thumbprint", "serial_number", "not_before", "not_after",
    "signing_time", "signature_type", "root_microsoft",
)
Registry = dict[str, dict[str, Any]]  # certificate thumbprint -> its row


def _number(*parts: str) -> int:
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:12], 16)


def public_ca(subject: str) -> str:
    """The large public CA a vendor's certificates chain to (the same CA for every certificate it renews)."""
    if subject.startswith("Microsoft"):
        return WINDOWS_CA if subject == WINDOWS_SUBJECT else MICROSOFT_CA
    point = _number("ca", subject) % sum(weight for _, weight in BIG_CAS)
    for name, weight in BIG_CAS:
        if point < weight:
            return name
        point -= weight
    return BIG_CAS[0][0]


def niche_ca(subject: str) -> str:
    """A niche vendor's CA: a small one about half the time, else a large one."""
    if _number("niche", subject) % 2:
        return SMALL_CAS[_number("small", subject) % len(SMALL_CAS)]
    return public_ca(subject)


def retail_ca(subject: str) -> str:
    return RETAIL_CAS[_number("retail", subject) % len(RETAIL_CAS)]


def enterprise_ca(org: str) -> str:
    return f"CN={org} Issuing CA 01, DC=corp, DC=example"


@dataclass(frozen=True, slots=True)
class CertificateDetails:
    """A certificate's details as the sources that carry them report them."""

    thumbprint: str
    subject: str
    issuer: str
    issuer_thumbprint: str
    serial_number: str
    not_before: dt.datetime
    not_after: dt.datetime
    signing_time: dt.datetime
    signature_type: str
    root_microsoft: bool

    def as_json(self) -> dict[str, object]:
        """The registry row of this certificate (:data:`CERTIFICATES_FILE`)."""
        return {
            "thumbprint_sha256": self.thumbprint,
            "subject": self.subject,
            "issuer": self.issuer,
            "issuer_thumbprint": self.issuer_thumbprint,
            "serial_number": self.serial_number,
            "not_before": iso(self.not_before),
            "not_after": iso(self.not_after),
            "signing_time": iso(self.signing_time),
            "signature_type": self.signature_type,
            "root_microsoft": self.root_microsoft,
        }


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def details(cert: Cert, start: dt.date, days: int) -> CertificateDetails:
    """The details of ``cert`` in a simulation whose day 0 is ``start`` and which lasts ``days`` days.

    A certificate made with explicit validity days keeps them; one without (valid throughout) gets a window
    of one to three years that started 30-730 days before the simulation and ends after it. Files are signed
    within the validity, before the first day the certificate was used (day 0 for the long-lived ones).
    """
    digest = _number("details", cert.thumbprint)
    issuer = cert.issuer or public_ca(cert.subject)
    first = cert.not_before if cert.not_before > LONG_AGO else -(30 + digest % 700)
    if cert.not_after < 10_000:
        last = cert.not_after
    else:
        years = 1 + digest % 3
        while first + 365 * years < days + 30:
            years += 1
        last = first + 365 * years
    signed_span = max(1, min(last, 0) - first)
    signed = first + (digest // 7) % signed_span if first < 0 else first
    midnight = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)
    return CertificateDetails(
        thumbprint=cert.thumbprint,
        subject=cert.subject,
        issuer=issuer,
        issuer_thumbprint=hashlib.sha1(issuer.encode(), usedforsecurity=False).hexdigest(),
        serial_number=hashlib.sha256(f"serial|{cert.thumbprint}".encode()).hexdigest()[:32],
        not_before=midnight + dt.timedelta(days=first, hours=digest % 24),
        not_after=midnight + dt.timedelta(days=last, hours=digest % 24, minutes=59, seconds=59),
        signing_time=midnight + dt.timedelta(days=signed, hours=(digest // 24) % 24, minutes=digest % 60),
        signature_type=SIGNATURE_CATALOG if cert.subject == WINDOWS_SUBJECT else SIGNATURE_EMBEDDED,
        root_microsoft=issuer in (MICROSOFT_CA, WINDOWS_CA),
    )


def write_registry(path: Path, certificates: Iterable[CertificateDetails]) -> None:
    """Write the registry (:data:`CERTIFICATES_FILE`): one row per certificate, sorted by thumbprint."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=REGISTRY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for entry in sorted(certificates, key=lambda item: item.thumbprint):
            writer.writerow(entry.as_json())


def load_registry(path: Path) -> Registry:
    """The fleet's certificate details by thumbprint (empty when there is no registry beside the events)."""
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {row["thumbprint_sha256"]: {**row, "root_microsoft": row["root_microsoft"] == "True"} for row in rows}
