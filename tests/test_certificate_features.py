"""The certificate and Code Integrity features (issue 17, part 3): the Code Integrity join in Spark, each
feature's value on hand-made rows (nulls: a source without the fields), their reasons, and models and frames
from before these inputs existed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest
from chispa import assert_df_equality
from pyspark.sql import DataFrame, SparkSession

from codesign_prevalence.config import ModelConfig
from codesign_prevalence.features.pipeline import feature_tables
from codesign_prevalence.models.training import fit_model, training_frame
from codesign_prevalence_model.features import (
    INPUT_COLUMNS,
    OPTIONAL_INPUTS,
    FeatureParams,
    suspicion_features,
)
from codesign_prevalence_model.forest import REASONS_COLUMN, SCORE_COLUMN, model_input_frame
from codesign_prevalence_model.reasons import PHRASES
from test_features import AS_OF, EVENTS, LOLBINS, LOOKBACK, RULE, bronze_frame
from test_model_support import benign_fleet, candidate

CERTIFICATE_FEATURES = ("issuer_rarity", "cert_age", "cert_short_lifetime", "ci_enforcement")
# The default list before the certificate features: a model logged then reads none of their inputs.
FEATURES_BEFORE = (
    "hash_rarity", "signer_obscurity", "status_severity", "status_surprise", "path_surprise",
    "company_mismatch", "renamed", "lolbin_parent",
)
NO_FIELDS: dict[str, Any] = dict.fromkeys(OPTIONAL_INPUTS)  # Elastic Defend, Sysmon: no issuer, no validity


def codeintegrity_frame(spark: SparkSession, rows: list[tuple[str, str, str, dt.date]]) -> DataFrame:
    """Rows of bronze/codeintegrity_events: the columns the features read."""
    return spark.createDataFrame(rows, "sha256 string, host_id string, action string, event_date date")


def test_codeintegrity_hosts_join_the_candidates(spark: SparkSession) -> None:
    """Per hash, the distinct hosts per action in the window (the hash's case folded); other hashes 0."""
    events = codeintegrity_frame(
        spark,
        [
            ("E", "h2", "blocked", dt.date(2026, 11, 20)),  # Code Integrity writes the hash in upper case
            ("e", "h2", "blocked", dt.date(2026, 11, 19)),  # the same host again
            ("e", "h5", "blocked", dt.date(2026, 11, 18)),  # a host that never started it
            ("e", "h2", "audited", dt.date(2026, 11, 18)),
            ("e", "h7", "audited", dt.date(2026, 10, 1)),  # before the window
            ("e", "h8", "blocked", dt.date(2026, 11, 21)),  # after the as-of day
            ("zz", "h1", "blocked", dt.date(2026, 11, 20)),  # a hash no process event has
        ],
    )
    tables = feature_tables(bronze_frame(spark, EVENTS), AS_OF, LOOKBACK, RULE, LOLBINS, events)
    actual = tables.candidates.where("population = 'reference'").select(
        "sha256", "ci_blocked_host_count", "ci_audited_host_count"
    )
    expected = spark.createDataFrame(
        [("a", 0, 0), ("b", 0, 0), ("c", 0, 0), ("e", 2, 1), ("g", 0, 0), ("s", 0, 0)],
        "sha256 string, ci_blocked_host_count long, ci_audited_host_count long",
    )
    assert_df_equality(actual, expected, ignore_nullable=True, ignore_row_order=True)


def test_certificate_features_on_hand_made_rows() -> None:
    rare = {"hash_host_count": 1, "signer_path_class_share": 1.0}
    rows = pd.DataFrame.from_records(
        [
            candidate("1" * 64, **rare, **NO_FIELDS),  # a source without the fields: all neutral
            candidate(
                "2" * 64, **rare, issuer_other_host_count=0, cert_age_days=4.5, cert_lifetime_days=91.25,
                ci_blocked_host_count=2, ci_audited_host_count=0, issuer="CN=Tiny CA",
            ),  # a front company's fresh, short certificate from an obscure CA, blocked on 2 hosts
            candidate(
                "3" * 64, **rare, issuer_other_host_count=300, cert_age_days=45.0, cert_lifetime_days=1095.0,
                ci_blocked_host_count=0, ci_audited_host_count=1, issuer="CN=Big CA",
            ),  # a big CA, an old 3-year certificate, audited once
            candidate("4" * 64, **rare, issuer_other_host_count=3, cert_age_days=-2.0, ci_audited_host_count=0),
            candidate(  # everything suspicious, but on 200 of 400 hosts: gated to 0
                "5" * 64, issuer_other_host_count=0, cert_age_days=0.0, cert_lifetime_days=10.0,
                ci_blocked_host_count=50,
            ),
        ]
    )
    features = suspicion_features(rows, CERTIFICATE_FEATURES)
    # ceiling: 5% of 400 hosts = 20; 1 + 3 other hosts -> log(20/4)/log(20)
    expected = pd.DataFrame(
        {
            "issuer_rarity": [0.0, 1.0, 0.0, np.log(5.0) / np.log(20.0), 0.0],
            "cert_age": [0.0, 1.0 - 4.5 / 30.0, 0.0, 0.0, 0.0],
            "cert_short_lifetime": [0.0, 0.75, 0.0, 0.0, 0.0],
            "ci_enforcement": [0.0, 1.0, 0.5, 0.0, 0.0],
        }
    )
    pd.testing.assert_frame_equal(features, expected)
    # The horizons are settings.
    tighter = suspicion_features(rows.iloc[[1]], ("cert_age", "cert_short_lifetime"), FeatureParams(
        cert_age_horizon_days=9.0, cert_short_lifetime_days=182.5))
    assert tighter.iloc[0].tolist() == [0.5, 0.5]


def test_frames_without_the_new_columns_score_neutral() -> None:
    """A gold/candidates or input frame from before these inputs: no error, every new feature 0, not NaN."""
    rows = pd.DataFrame.from_records([candidate("6" * 64, hash_host_count=1)])
    rows = rows.drop(columns=[name for name in OPTIONAL_INPUTS if name in rows.columns])  # example_path, a model
    assert not set(OPTIONAL_INPUTS) & set(rows.columns)  # input since session 31, is a candidate column of old
    features = suspicion_features(rows, CERTIFICATE_FEATURES)
    assert features.iloc[0].tolist() == [0.0, 0.0, 0.0, 0.0]
    frame = model_input_frame(rows)
    assert frame.loc[0, list(OPTIONAL_INPUTS)].isna().all()


def test_candidates_without_the_new_columns_train_as_with_them_null() -> None:
    """Kept candidates from before these inputs (the quality benchmark reuses them): the training frame has
    them as null, as the Spark training rows do, and the model fits and scores; a required column missing
    is still an error."""
    old = benign_fleet(rows=60, rare_share=0.5)
    old = old.drop(columns=[name for name in OPTIONAL_INPUTS if name in old.columns])
    config = ModelConfig(n_estimators=20, random_state=7, training_population="hunt")
    training = training_frame(old, config)
    assert len(training) == len(old)
    assert list(training.columns) == list(INPUT_COLUMNS)
    assert training.loc[:, list(OPTIONAL_INPUTS)].isna().all().all()
    scores = fit_model(training, config).model.score(old)
    assert len(scores) == len(old) and scores.notna().all()
    with pytest.raises(KeyError, match="hash_host_count"):
        training_frame(old.drop(columns=["hash_host_count"]), config)


def test_reason_phrases() -> None:
    row = {
        "issuer": "CN=Tiny CA", "issuer_other_host_count": 0.0, "cert_age_days": 4.6, "cert_lifetime_days": 91.0,
        "ci_blocked_host_count": 2.0, "ci_audited_host_count": 0.0,
    }
    assert PHRASES["issuer_rarity"](row) == "certificate issuer 'CN=Tiny CA' signs nothing else seen in the fleet"
    assert PHRASES["issuer_rarity"]({**row, "issuer_other_host_count": 1.0}) == (
        "certificate issuer 'CN=Tiny CA' signs binaries on only 1 other host"
    )
    assert PHRASES["cert_age"](row) == "certificate issued 4 days before this binary first ran"
    assert PHRASES["cert_age"]({**row, "cert_age_days": 0.3}) == "certificate issued the day this binary first ran"
    assert PHRASES["cert_short_lifetime"](row) == "certificate valid for only 91 days"
    assert PHRASES["ci_enforcement"](row) == "Code Integrity blocked it on 2 hosts"
    assert PHRASES["ci_enforcement"]({**row, "ci_blocked_host_count": 0.0, "ci_audited_host_count": 1.0}) == (
        "Code Integrity audited it on 1 host (an enforced policy would block it)"
    )


@pytest.fixture(scope="module")
def models() -> dict[str, Any]:
    # Ordinary certificates: widespread issuers, issued long before, valid for 1-3 years; a few audited by Code
    # Integrity (a forest splits only on features that vary in its training rows).
    training = benign_fleet(rows=200, rare_share=0.6)
    rng = np.random.default_rng(5)
    training = training.assign(
        issuer_other_host_count=rng.integers(0, 300, len(training)).astype("float64"),
        cert_age_days=rng.uniform(20.0, 900.0, len(training)),
        cert_lifetime_days=rng.choice([365.0, 730.0, 1095.0], len(training)),
        ci_blocked_host_count=0.0,
        ci_audited_host_count=(rng.uniform(size=len(training)) < 0.1).astype("float64"),
    )
    return {
        "before": fit_model(training, ModelConfig(features=FEATURES_BEFORE, n_estimators=100, random_state=7)).model,
        "with": fit_model(
            training, ModelConfig(features=(*FEATURES_BEFORE, *CERTIFICATE_FEATURES), n_estimators=100, random_state=7)
        ).model,
    }


def test_a_model_without_the_new_features_scores_frames_with_and_without_them(models: dict[str, Any]) -> None:
    rows = pd.DataFrame.from_records([candidate("7" * 64, hash_host_count=1), candidate("8" * 64)])
    old_frame = model_input_frame(rows)
    new_frame = model_input_frame(rows.assign(issuer_other_host_count=0.0, cert_age_days=1.0))
    before = models["before"].predict(None, old_frame.drop(columns=list(OPTIONAL_INPUTS)))
    assert before[SCORE_COLUMN].notna().all()
    pd.testing.assert_frame_equal(before, models["before"].predict(None, new_frame))  # inputs it does not read


def test_the_new_features_raise_the_score_and_are_named(models: dict[str, Any]) -> None:
    plain = candidate("9" * 64, hash_host_count=1, signer_path_class_share=1.0)
    fresh = {
        **plain, "sha256": "a" * 64, "issuer": "CN=Tiny CA", "issuer_other_host_count": 0, "cert_age_days": 2.0,
        "cert_lifetime_days": 60.0, "ci_blocked_host_count": 2, "ci_audited_host_count": 0,
    }
    rows = model_input_frame(pd.DataFrame.from_records([plain, fresh]))
    explained = models["with"].predict(None, rows, {"with_reasons": True})
    assert explained[SCORE_COLUMN].iloc[1] > explained[SCORE_COLUMN].iloc[0]
    assert not any("Code Integrity" in reason for reason in explained[REASONS_COLUMN].iloc[0])
    reasons = explained[REASONS_COLUMN].iloc[1]
    for phrase in (
        "Code Integrity blocked it on 2 hosts",
        "certificate issued 2 days before this binary first ran",
        "certificate valid for only 60 days",
        "certificate issuer 'CN=Tiny CA' signs nothing else seen in the fleet",
    ):
        assert phrase in reasons
    # Without the columns at all (an older gold/candidates), the same model scores the plain binary alike.
    without = models["with"].predict(None, rows.iloc[[0]].drop(columns=list(OPTIONAL_INPUTS)))
    assert without[SCORE_COLUMN].iloc[0] == pytest.approx(explained[SCORE_COLUMN].iloc[0])


def test_a_model_that_does_not_weigh_code_integrity_still_names_it(models: dict[str, Any]) -> None:
    """``ci_enforcement`` is not a default feature; a block or audit Code Integrity logged is named anyway, after
    the model's own reasons, and only where it happened."""
    model = models["before"]
    assert "ci_enforcement" not in model.feature_names
    loud = candidate(
        "b" * 64, hash_host_count=1, status_category="revoked", pe_company_mismatch=True,
        original_name_mismatch=True, signer_path_class_share=1.0,
    )
    rows = pd.DataFrame.from_records([
        {**loud, "ci_blocked_host_count": 1, "ci_audited_host_count": 2},
        {**loud, "sha256": "c" * 64, "ci_blocked_host_count": 0, "ci_audited_host_count": 0},
        {**loud, "sha256": "d" * 64},
    ])
    explained = model.predict(None, model_input_frame(rows), {"with_reasons": True})
    blocked, quiet, unknown = explained[REASONS_COLUMN]
    assert quiet and quiet == unknown and not any("Code Integrity" in reason for reason in quiet)
    assert blocked == [*quiet, "Code Integrity blocked it on 1 host and audited it on 2 hosts"]
    assert explained[SCORE_COLUMN].nunique() == 1  # named, not weighed
