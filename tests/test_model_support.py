"""Inline gold/candidates rows for the model tests (no tests here: a helper module the model tests import).

:func:`benign_fleet` is a deterministic population of ordinary binaries: common ones on many hosts and rare
ones from well-known, trusted signers that run where their siblings run. :func:`candidate` builds one row
with every column the model and the scoring read, ordinary unless told otherwise.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DateType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from codesign_prevalence_model.features import OPTIONAL_INPUTS

AS_OF = dt.date(2026, 11, 26)
FLEET_HOSTS = 400

# The gold/candidates columns these tests use, with the features stage's types.
CANDIDATE_SCHEMA = StructType(
    [
        StructField("as_of", DateType(), False),
        StructField("population", StringType(), False),
        StructField("sha256", StringType(), False),
        StructField("signer", StringType(), True),
        StructField("subject_name", StringType(), True),
        StructField("thumbprint", StringType(), True),
        StructField("rule_match", BooleanType(), False),
        StructField("status_category", StringType(), False),
        StructField("host_count", LongType(), False),
        StructField("hash_host_count", LongType(), False),
        StructField("fleet_hosts", LongType(), False),
        StructField("signer_other_host_count", LongType(), False),
        StructField("signer_other_hash_count", LongType(), False),
        StructField("signer_days_since_first_seen", IntegerType(), False),
        StructField("signer_anomalous_status_share", DoubleType(), False),
        StructField("path_class", StringType(), True),
        StructField("signer_path_class_share", DoubleType(), False),
        StructField("pe_company_mismatch", BooleanType(), False),
        StructField("original_name_mismatch", BooleanType(), False),
        StructField("lolbin_parent_share", DoubleType(), True),
        StructField("example_parent", StringType(), True),
        StructField("example_path", StringType(), True),
        StructField("example_host", StringType(), True),
        StructField("host_names", ArrayType(StringType()), True),
        StructField("first_seen", TimestampType(), True),
    ]
)


def candidate(sha256: str, population: str = "hunt", **overrides: Any) -> dict[str, Any]:
    """One ordinary binary: a trusted build of a big vendor on 200 hosts, where the vendor's binaries run."""
    row: dict[str, Any] = {
        "as_of": AS_OF,
        "population": population,
        "sha256": sha256,
        "signer": "contoso software ltd",
        "subject_name": "Contoso Software Ltd.",
        "thumbprint": "ab" * 32,
        "rule_match": population == "rule",
        "status_category": "trusted",
        "host_count": 200,
        "hash_host_count": 200,
        "fleet_hosts": FLEET_HOSTS,
        "signer_other_host_count": 300,
        "signer_other_hash_count": 12,
        "signer_days_since_first_seen": 29,
        "signer_anomalous_status_share": 0.0,
        "path_class": "appdata",
        "signer_path_class_share": 0.9,
        "pe_company_mismatch": False,
        "original_name_mismatch": False,
        "lolbin_parent_share": 0.0,
        "example_parent": "explorer.exe",
        "example_path": f"C:\\Users\\bob\\AppData\\Local\\Contoso\\{sha256[:6]}.exe",
        "example_host": "WKS-0001",
        "host_names": ["WKS-0001"],
        "first_seen": dt.datetime(2026, 11, 1, 8, 0, 0),
    }
    unknown = set(overrides) - set(row) - set(OPTIONAL_INPUTS)  # those only when given: as before they existed
    if unknown:
        raise KeyError(f"not a candidate column: {sorted(unknown)}")
    row.update(overrides)
    if "hash_host_count" in overrides and "host_count" not in overrides:
        row["host_count"] = overrides["hash_host_count"]
    return row


def benign_fleet(rows: int = 160, rare_share: float = 0.6, seed: int = 3) -> pd.DataFrame:
    """Ordinary binaries: ``rare_share`` of them rare (1..3 hosts; most of a real hunt population), the others
    common (20..400 hosts).

    Signed by known signers. Rare ones vary mildly the way benign software does (an odd parent now and
    then, a renamed file, a developer's test-signing CA that signs everything it signs untrusted), so that
    every feature varies in training: a forest cannot split on a feature that is constant.
    """
    rng = np.random.default_rng(seed)
    records = []
    for number in range(rows):
        rare = bool(rng.random() < rare_share)
        hosts = int(rng.integers(1, 4)) if rare else int(rng.integers(20, FLEET_HOSTS + 1))
        test_signed = rare and number % 7 == 0
        stale = rare and number % 11 == 0  # an old build whose certificate lapsed, of a vendor that renewed
        records.append(
            candidate(
                f"{number:064x}",
                hash_host_count=hosts,
                signer=f"vendor {number % 17}",
                subject_name=f"Vendor {number % 17} Inc.",
                status_category="untrusted_root" if test_signed else "expired" if stale else "trusted",
                signer_anomalous_status_share=1.0 if test_signed else 0.3 if stale else 0.0,
                signer_other_host_count=int(rng.integers(20, 400)),
                signer_other_hash_count=int(rng.integers(2, 30)),
                signer_path_class_share=float(rng.uniform(0.3, 1.0)),
                lolbin_parent_share=float(rng.choice([0.0, 0.0, 0.0, 0.1, 0.3])),
                pe_company_mismatch=bool(rng.random() < 0.1),
                original_name_mismatch=bool(rng.random() < 0.1),
            )
        )
    return pd.DataFrame.from_records(records)


def candidates_frame(spark: SparkSession, frame: pd.DataFrame) -> DataFrame:
    """The rows as a Spark DataFrame with :data:`CANDIDATE_SCHEMA`."""
    ordered = frame.loc[:, [field.name for field in CANDIDATE_SCHEMA.fields]]
    records = [tuple(_python(value) for value in row) for row in ordered.itertuples(index=False)]
    return spark.createDataFrame(records, schema=CANDIDATE_SCHEMA)


def _python(value: Any) -> Any:
    """A plain Python value for Spark: None for missing numbers, datetime for pandas timestamps."""
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value
