"""What the commands that append an analyst's entry to an ops/ table share (``verdict add``, ``intel add`` and
``intel import``): who is adding it, today's date, and certificate thumbprints as typed -> as stored."""

from __future__ import annotations

import datetime as dt
import getpass
import os
import re

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from codesign_prevalence.features.normalize import canonical_signer

THUMBPRINT_PATTERN = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def default_analyst() -> str:
    """``$USER``, else the login name, else ``unknown``."""
    from_env = os.environ.get("USER", "").strip()
    if from_env:
        return from_env
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def who(given: str | None) -> str:
    """The name given (``--analyst`` / ``--by``), else :func:`default_analyst`."""
    return (given or "").strip() or default_analyst()


def thumbprint_text(text: str) -> str:
    """A thumbprint as stored: lower case, without white space or colons (as ``thumbprint_key`` compares it)."""
    return re.sub(r"[\s:]+", "", text.lower())


def is_thumbprint(text: str) -> bool:
    """Whether ``text`` is a SHA-1 or SHA-256 thumbprint in hexadecimal (case, spaces and colons ignored)."""
    return THUMBPRINT_PATTERN.match(thumbprint_text(text)) is not None


def canonical(spark: SparkSession, subject_name: str) -> str | None:
    """The canonical signer of a name (features/normalize.py), computed by the same Spark expression."""
    row = spark.range(1).select(canonical_signer(F.lit(subject_name)).alias("signer")).head()
    return None if row is None else row["signer"]
