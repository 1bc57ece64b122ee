"""Reasons follow the score: per-feature occlusion on a fitted forest, rendered as phrases (pure pandas)."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from codesign_prevalence.config import ModelConfig
from codesign_prevalence.errors import ConfigError
from codesign_prevalence.features.candidates import REMOTE_PARENTS
from codesign_prevalence.models.features import DEFAULT_FEATURES
from codesign_prevalence.models.training import TrainingResult, fit_model, training_metrics
from codesign_prevalence_model.forest import (
    PEER_FACTS,
    REASONS_COLUMN,
    SCORE_COLUMN,
    SuspicionForestModel,
    model_input_frame,
)
from codesign_prevalence_model.reasons import (
    PHRASES,
    REMOTE_CHANNELS,
    STATUS_PHRASES,
    fact_contributions,
    occlusion_contributions,
    reason_names,
    top_reasons,
)
from test_model_support import benign_fleet, candidate

RARE_ONLY = {"hash_host_count": 1, "signer_path_class_share": 1.0}


@pytest.fixture(scope="module")
def trained() -> TrainingResult:
    """A model of a hunt-like population: most binaries rare, all benign."""
    # Surprisal weights alone (no model.fact_priors): these tests read which fact the fleet finds unusual.
    return fit_model(
        benign_fleet(rows=200, rare_share=0.6), ModelConfig(n_estimators=200, random_state=7, fact_priors={})
    )


@pytest.fixture(scope="module")
def trained_on_common() -> TrainingResult:
    """A model of a population where nine in ten binaries are common."""
    return fit_model(benign_fleet(rows=200, rare_share=0.1), ModelConfig(n_estimators=200, random_state=7))


def _rows(*overrides: dict[str, object]) -> pd.DataFrame:
    records = [candidate(f"{number:064x}", **extra) for number, extra in enumerate(overrides)]  # type: ignore[arg-type]
    return model_input_frame(pd.DataFrame.from_records(records))


def _pickled_before(model: SuspicionForestModel, field: str) -> SuspicionForestModel:
    """``model`` as one pickled before ``field`` existed unpickles: its state without the field, restored."""
    state = {name: value for name, value in vars(model).items() if name != field}
    restored = SuspicionForestModel.__new__(SuspicionForestModel)
    restored.__setstate__(pickle.loads(pickle.dumps(state)))
    return restored


def _explain(model: SuspicionForestModel, rows: pd.DataFrame) -> tuple[pd.DataFrame, list[list[str]]]:
    features = model.features(rows)
    contributions = fact_contributions(model.score_matrix, features, model.baseline)
    names = reason_names(features, contributions, model.baseline, model.reasons.top_n, model.reasons.min_contribution)
    return contributions, list(names)


def test_baseline_is_the_absent_fact(trained: TrainingResult) -> None:
    """Occlusion sets a feature to 0 (its fact absent), not to the training median: in a population where
    most binaries are rare (median rarity above 0.5), a binary seen on one host is still told so."""
    features = trained.model.features(trained.sample)
    assert trained.model.baseline == dict.fromkeys(features.columns, 0.0)
    assert features["hash_rarity"].median() > 0.5
    _, names = _explain(trained.model, _rows(RARE_ONLY))
    assert names == [["hash_rarity"]]


def test_rare_hash_among_common_ones_is_explained_by_rarity(trained_on_common: TrainingResult) -> None:
    rows = _rows({}, RARE_ONLY)
    _, names = _explain(trained_on_common.model, rows)
    assert names == [[], ["hash_rarity"]]
    assert trained_on_common.model.explain(rows)[REASONS_COLUMN].iloc[1] == ["hash seen on 1 of 400 hosts"]


def test_ordinary_binary_has_no_reasons(trained: TrainingResult) -> None:
    rows = _rows({}, {"hash_host_count": 60})
    contributions, names = _explain(trained.model, rows)
    assert names == [[], []]
    assert (contributions.to_numpy() <= 0.0).all()  # no feature makes it look more anomalous than typical
    assert trained.model.explain(rows)[REASONS_COLUMN].tolist() == [[], []]


@pytest.mark.parametrize(
    ("overrides", "top_features"),
    [
        ({**RARE_ONLY, "lolbin_parent_share": 1.0}, {"lolbin_parent"}),
        ({**RARE_ONLY, "pe_company_mismatch": True}, {"company_surprise"}),
        ({**RARE_ONLY, "original_name_mismatch": True}, {"renamed"}),
        ({**RARE_ONLY, "signer_path_class_share": 0.0}, {"path_surprise"}),
        ({**RARE_ONLY, "status_category": "revoked"}, {"status_surprise", "status_severity"}),
    ],
)
def test_top_reason_is_the_unusual_feature(
    trained: TrainingResult, overrides: dict[str, object], top_features: set[str]
) -> None:
    _, names = _explain(trained.model, _rows(overrides))
    assert names[0][0] in top_features


def test_phrases_of_a_stolen_certificate(trained: TrainingResult) -> None:
    stolen = _rows(
        {
            "hash_host_count": 1,
            "status_category": "revoked",
            "signer_anomalous_status_share": 0.02,
            "path_class": "users_public",
            "signer_path_class_share": 0.0,
            "pe_company_mismatch": True,
            "lolbin_parent_share": 1.0,
            "example_parent": "rundll32.exe",
        }
    )
    explained = trained.model.explain(stolen)
    reasons = explained[REASONS_COLUMN].iloc[0]
    assert 2 <= len(reasons) <= trained.model.reasons.top_n
    expected = {
        "certificate revoked, although 98% of signer 'contoso software ltd' runs are validly signed",
        "runs from C:\\Users\\Public, where this signer's other binaries never run",
        "100% of its runs started by a LOLBin or Office app (most frequent parent: rundll32.exe)",
        "pe.company does not match signer 'contoso software ltd'",
        "hash seen on 1 of 400 hosts",
    }
    assert set(reasons) <= expected
    assert not any(reason == "certificate revoked" for reason in reasons)  # said once, with its context


def test_a_scheduled_task_is_named_where_task_parent_is_listed() -> None:
    """task_parent is available, not default (session 42's judgement): listed, it is the reason of a rare binary
    whose most frequent parent is the Task Scheduler's process."""
    config = ModelConfig(n_estimators=100, random_state=7, fact_priors={}, features=(*DEFAULT_FEATURES, "task_parent"))
    model = fit_model(benign_fleet(rows=200, rare_share=0.6), config).model
    rows = _rows(RARE_ONLY, {**RARE_ONLY, "example_parent": "C:\\Windows\\System32\\svchost.exe"})
    _, names = _explain(model, rows)
    assert "task_parent" not in names[0] and names[1][0] == "task_parent"
    assert model.explain(rows)[REASONS_COLUMN].iloc[1][0] == (
        "most often started by C:\\Windows\\System32\\svchost.exe, the process the Task Scheduler starts tasks"
        " from: a scheduled task?"
    )
    assert "task_parent" not in ModelConfig().features


def test_a_remote_execution_is_named_with_its_channel_and_hosts() -> None:
    """A rare binary WMI started on 2 hosts (lateral movement) has that as its top reason, with the channel."""
    config = ModelConfig(n_estimators=100, random_state=7, fact_priors={})
    assert "remote_parent" in config.features
    model = fit_model(benign_fleet(rows=200, rare_share=0.6), config).model
    remote = {**RARE_ONLY, "remote_parent": "wmiprvse.exe", "remote_parent_host_count": 2}
    rows = _rows(RARE_ONLY, remote)
    _, names = _explain(model, rows)
    assert "remote_parent" not in names[0] and names[1][0] == "remote_parent"
    assert model.explain(rows)[REASONS_COLUMN].iloc[1][0] == (
        "started by wmiprvse.exe on 2 hosts: through WMI, from another host or a script?"
    )


def test_every_remote_parent_the_features_stage_looks_for_has_its_channel_named() -> None:
    """The model's package does not import the job's, so the reasons keep their own list: the same names."""
    assert set(REMOTE_CHANNELS) == set(REMOTE_PARENTS)


def test_a_publishers_lapsed_certificate_is_named_where_publisher_lapsed_is_listed() -> None:
    """publisher_lapsed is available, not default (session 44's judgement): listed, it is the top reason of a rare
    binary under NVIDIA's expired certificate, said once (not again as a status)."""
    assert "publisher_lapsed" not in ModelConfig().features
    config = ModelConfig(
        n_estimators=100, random_state=7, fact_priors={}, features=(*DEFAULT_FEATURES, "publisher_lapsed")
    )
    model = fit_model(benign_fleet(rows=200, rare_share=0.6), config).model
    lapsed = {**RARE_ONLY, "signer": "nvidia corporation", "status_category": "expired"}
    rows = _rows(RARE_ONLY, lapsed)
    _, names = _explain(model, rows)
    assert "publisher_lapsed" not in names[0] and names[1][0] == "publisher_lapsed"
    assert not {"status_severity", "status_surprise"} & set(names[1])
    assert model.explain(rows)[REASONS_COLUMN].iloc[1][0] == (
        "certificate expired, under 'nvidia corporation', a well-known publisher's name: publishers timestamp their"
        " signatures, so this one was signed after the certificate lapsed (a leaked certificate?)"
    )


def test_suspicious_rows_outscore_the_training_population(trained: TrainingResult) -> None:
    suspicious = _rows(
        {**RARE_ONLY, "status_category": "untrusted_root", "signer_path_class_share": 0.0, "lolbin_parent_share": 1.0},
        {**RARE_ONLY, "status_category": "revoked", "pe_company_mismatch": True, "original_name_mismatch": True},
    )
    scores = trained.model.score(suspicious).to_numpy()
    assert scores.min() > trained.scores.max()


def test_reasons_follow_the_score(trained: TrainingResult) -> None:
    odd_parent = {**RARE_ONLY, "lolbin_parent_share": 1.0}
    masquerading = {**odd_parent, "pe_company_mismatch": True, "original_name_mismatch": True}
    rows = _rows({}, odd_parent, masquerading)
    scores = trained.model.explain(rows)[SCORE_COLUMN].to_numpy()
    assert scores[0] < scores[1] < scores[2]
    features = [names[:2] for names in _explain(trained.model, rows)[1]]
    assert features[0] == []
    assert features[1][0] == "lolbin_parent"
    assert features[2][0] in {"lolbin_parent", "company_mismatch", "renamed"}
    assert {"company_mismatch", "renamed"} & set(features[2])  # what separates it from row 1 is named


def test_predict_is_the_pyfunc_contract(trained: TrainingResult) -> None:
    rows = _rows({}, RARE_ONLY, {**RARE_ONLY, "status_category": "revoked"})
    plain = trained.model.predict(None, rows)
    pd.testing.assert_frame_equal(plain, pd.DataFrame({SCORE_COLUMN: trained.model.score(rows)}))
    explained = trained.model.predict(None, rows, params={"with_reasons": True})
    assert list(explained.columns) == [SCORE_COLUMN, REASONS_COLUMN]
    np.testing.assert_allclose(explained[SCORE_COLUMN].to_numpy(), plain[SCORE_COLUMN].to_numpy())
    empty = trained.model.predict(None, rows.iloc[0:0], params={"with_reasons": True})
    assert empty.empty and list(empty.columns) == [SCORE_COLUMN, REASONS_COLUMN]


def test_training_is_reproducible() -> None:
    config = ModelConfig(n_estimators=50, random_state=11)
    first, second = (fit_model(benign_fleet(rows=80), config) for _ in range(2))
    np.testing.assert_array_equal(first.scores, second.scores)


def test_training_metrics() -> None:
    metrics = training_metrics(np.array([0.1, 0.2, 0.3, 0.9]), alert_top_n=2, alert_min_score=0.25)
    assert metrics["training_rows"] == 4.0
    assert metrics["score_max"] == 0.9
    assert metrics["score_at_alert_top_n"] == 0.3
    assert metrics["training_rows_above_alert_min_score"] == 2.0
    assert metrics["score_p50"] == pytest.approx(0.25)


EVERYTHING_SUSPICIOUS = {
    "hash_host_count": 1,
    "lure_name": True,
    "signer_other_host_count": 8,
    "signer_other_hash_count": 2,
    "signer_widest_other_host_count": 0,
    "status_category": "revoked",
    "signer_anomalous_status_share": 0.0,
    "path_class": "temp",
    "signer_path_class_share": 0.0,
    "pe_company_mismatch": True,
    "original_name_mismatch": True,
    "lolbin_parent_share": 1.0,
    "example_parent": "rundll32.exe",
    "remote_parent": "wmiprvse.exe",
    "remote_parent_host_count": 1,
    "cert_age_days": 0.0,
    "signer_days_since_first_seen": 0,
    "hash_days_since_first_seen": 0,
    "fleet_history_days": 29,
    "mismatched_company": "zoom video communications inc",
    "path_names_signer": False,
    "path_vendor": "nvidia corporation",
    "path_vendor_host_count": 150,
    "name_owner": "microsoft corporation",
    "name_owner_host_count": 150,
    "name_copy_signer": "microsoft windows",
    "name_copy_host_count": 380,
    "company_other_host_count": 0,
    "company_signer_host_count": 150,
    # A Windows name, not Microsoft's, in a folder of a random name.
    "example_path": "C:\\Users\\bob\\AppData\\Roaming\\3fa9c2d1\\svchost.exe",
}
# status_severity is said inside status_surprise, company_surprise inside company_impersonation, name_impersonation
# inside name_copy.
EVERY_FACT = ["hash_rarity", "signer_obscurity", "status_surprise", "path_surprise", "signer_not_in_path",
              "path_impersonation", "name_copy", "known_name", "document_lure", "random_folder",
              "company_impersonation", "renamed",
              "lolbin_parent", "remote_parent",
              "cert_age", "signer_recency", "signer_spread", "hash_new"]


def test_a_saturated_score_still_names_every_fact(trained: TrainingResult) -> None:
    """A binary with every suspicious fact at once: the forest isolates it at once in every tree, so occluding
    any single feature leaves the forest's score where it is; the facts' additive shares still name each one."""
    rows = _rows(EVERYTHING_SUSPICIOUS)
    model = trained.model
    features = model.features(rows)
    # An impostor of a name the fleet knows cannot also sign under a name the fleet does not know, nor be revoked.
    assert features["certificate_impostor"].iloc[0] == 0.0
    assert (features.drop(columns="certificate_impostor").to_numpy() == 1.0).all()
    forest_drops = occlusion_contributions(model.forest_matrix_scores, features, model.baseline)
    saturated = [name for name in features.columns if forest_drops[name].iloc[0] < model.reasons.min_contribution]
    assert saturated, "the score does not saturate here: the test would show nothing"
    _, names = _explain(model, rows)
    assert sorted(names[0]) == sorted(EVERY_FACT)
    reasons = model.explain(rows)[REASONS_COLUMN].iloc[0]
    assert len(reasons) == len(EVERY_FACT)
    assert reasons[0] != ""




def test_a_campaign_does_not_mask_itself() -> None:
    """Eight near-identical revoked implants (a campaign) in the reference population, beside a developer's
    test-signed build (untrusted root, nothing else odd): with small subsamples (the default 128 rows per tree)
    the campaign ranks first; with subsamples as large as the population it forms a dense cluster that the
    forest learns as normal, and the lone oddity outranks it (the masking of Liu, Ting and Zhou 2008)."""
    implant = {
        "hash_host_count": 2,
        "status_category": "revoked",
        "signer_anomalous_status_share": 0.0,
        "signer_path_class_share": 0.0,
        "pe_company_mismatch": True,
        "lolbin_parent_share": 1.0,
    }
    developer_build = {
        "hash_host_count": 2,
        "status_category": "untrusted_root",
        "signer": "dev test",
        "signer_other_host_count": 0,
        "signer_other_hash_count": 0,
        "signer_anomalous_status_share": 1.0,
        "signer_path_class_share": 0.0,
    }
    campaign = [candidate(f"c{number:063x}", **implant) for number in range(8)]  # type: ignore[arg-type]
    lone = candidate("d" * 64, **developer_build)  # type: ignore[arg-type]
    reference = pd.concat(
        [benign_fleet(rows=1200, rare_share=0.6), pd.DataFrame.from_records([*campaign, lone])], ignore_index=True
    )
    rows = _rows(implant, developer_build)
    for random_state in (0, 1):
        forest_alone = ModelConfig(n_estimators=300, random_state=random_state, forest_weight=1.0)  # no additive part
        small = fit_model(reference, forest_alone).model.score(rows)
        assert small.iloc[0] > small.iloc[1]
        whole = forest_alone.model_copy(update={"max_samples": len(reference)})
        large = fit_model(reference, whole).model.score(rows)
        assert large.iloc[0] < large.iloc[1]  # the control: the test can fail


def test_a_status_phrase_says_when_the_certificate_names_itself_a_test_one() -> None:
    """The discount of a test certificate (codesign_prevalence_model/features.py) is visible to the analyst: the
    status reason quotes the name that earned it; a name without a test word, or a status the name does not
    explain, reads as before."""
    test = {"signer": "wdktestcert priya schmidt 133600152045788270", "status_category": "untrusted_root"}
    assert PHRASES["status_severity"](test) == (
        "certificate chains to an untrusted root (self-signed or private CA);"
        " its name says test certificate ('wdktestcert priya schmidt 133600152045788270')"
    )
    assert PHRASES["status_severity"]({**test, "signer": "contoso software ltd"}) == STATUS_PHRASES["untrusted_root"]
    assert PHRASES["status_severity"]({**test, "status_category": "revoked"}) == "certificate revoked"
    assert PHRASES["status_severity"]({**test, "signer": None}) == STATUS_PHRASES["untrusted_root"]
    # A certificate named after the user whose profile runs the binary says whom it names.
    own = {"signer": "farid fischer", "status_category": "untrusted_root",
           "example_path": "C:\\Users\\ffischer\\AppData\\Local\\LabelPrinter\\LabelPrinter.exe"}
    assert PHRASES["status_severity"](own) == (
        "certificate chains to an untrusted root (self-signed or private CA);"
        " it is named after the user whose profile runs it ('farid fischer', 'ffischer')"
    )
    assert PHRASES["status_severity"]({**own, "example_path": "C:\\Users\\jdoe\\x.exe"}) == (
        STATUS_PHRASES["untrusted_root"]
    )
    assert PHRASES["status_severity"]({**own, "status_category": "revoked"}) == "certificate revoked"


def test_a_known_names_phrase_names_the_file_and_its_publishers() -> None:
    row = {"signer": "melanix sp z o o", "example_path": "C:\\Users\\Public\\Libraries\\AnyDeskSetup.exe"}
    assert PHRASES["known_name"](row) == (
        "file name 'AnyDeskSetup.exe' is a well-known program's, published by 'anydesk' or 'philandro',"
        " but the signer is 'melanix sp z o o'"
    )
    assert PHRASES["known_name"]({"signer": None, "example_path": "c:/temp/svchost.exe"}) == (
        "file name 'svchost.exe' is a well-known program's, published by 'microsoft', but the signer is '(no signer)'"
    )
    assert PHRASES["known_name"]({"signer": "bright mosaic ltd", "example_path": "C:\\ProgramData\\rundl132.exe"}) == (
        "file name 'rundl132.exe' is an imitation of Windows' 'rundll32.exe', published by 'microsoft', but the"
        " signer is 'bright mosaic ltd'"
    )


def test_company_phrases_name_the_company_and_how_established_the_pairing_is() -> None:
    row = {"signer": "evil llc", "mismatched_company": "google llc", "company_other_host_count": 0.0,
           "company_signer_host_count": 120.0}
    assert PHRASES["company_surprise"](row) == (
        "pe.company 'google llc' does not match signer 'evil llc', and no other binary of the signer names it"
    )
    assert PHRASES["company_surprise"]({**row, "company_other_host_count": 2.0}) == (
        "pe.company 'google llc' does not match signer 'evil llc', paired with it on only 2 other hosts"
    )
    assert PHRASES["company_surprise"]({**row, "company_other_host_count": float("nan")}) == (
        "pe.company 'google llc' does not match signer 'evil llc'"
    )
    assert PHRASES["company_impersonation"](row) == (
        "pe.company claims 'google llc', a vendor whose own certificate signs binaries on 120 hosts, but the signer"
        " is 'evil llc'"
    )
    # The impersonation says what the surprise and the plain mismatch would: one phrase, not three.
    names = ["company_mismatch", "company_surprise", "company_impersonation"]
    values = pd.Series(1.0, index=names)
    assert top_reasons(values, values, dict.fromkeys(names, 0.0), top_n=5, min_contribution=0.0) == [
        "company_impersonation"
    ]


def test_name_copy_phrase_names_the_other_signer_its_hosts_and_the_signer() -> None:
    row = {"signer": "zenith works ltd", "name_copy_signer": "microsoft windows", "name_copy_host_count": 385,
           "fleet_hosts": 400}
    assert PHRASES["name_copy"](row) == (
        "file name is that of binaries 'microsoft windows' runs on 385 of 400 hosts, but the signer is 'zenith works"
        " ltd'"
    )
    names = ["name_impersonation", "name_copy"]
    values = pd.Series(1.0, index=names)
    assert top_reasons(values, values, dict.fromkeys(names, 0.0), top_n=5, min_contribution=0.0) == ["name_copy"]


def test_name_phrase_names_the_word_its_owner_and_the_signer() -> None:
    """The word as the owner spells it, and the file name's misspelling of it where it differs; candidates
    written before the words were kept still get the owner and the signer."""
    row = {"signer": "nordhaven innovations inc", "name_owner": "microsoft corporation", "name_owner_host_count": 150}
    assert PHRASES["name_impersonation"](row) == (
        "file name holds the name of a product of 'microsoft corporation', whose binaries with that name run on 150"
        " hosts, but the signer is 'nordhaven innovations inc'"
    )
    assert PHRASES["name_impersonation"]({**row, "name_owner_word": "teams", "name_word": "teams"}) == (
        "file name holds 'teams', the name of a product of 'microsoft corporation', whose binaries with that name"
        " run on 150 hosts, but the signer is 'nordhaven innovations inc'"
    )
    assert PHRASES["name_impersonation"]({**row, "name_owner_word": "svchost", "name_word": "svchostt"}) == (
        "file name holds 'svchostt', a misspelling of 'svchost', the name of a product of 'microsoft corporation',"
        " whose binaries with that name run on 150 hosts, but the signer is 'nordhaven innovations inc'"
    )


def test_impostor_phrase_names_the_status_the_name_and_its_hosts_under_this_certificate() -> None:
    row = {"signer": "microsoft corporation", "status_category": "untrusted_root", "signer_other_host_count": 400}
    assert PHRASES["certificate_impostor"]({**row, "certificate_other_host_count": 0}) == (
        "certificate chains to an untrusted root (self-signed or private CA), and it is not the certificate of"
        " 'microsoft corporation': that name's other binaries run on 400 hosts, none of them under this certificate"
    )
    assert PHRASES["certificate_impostor"](
        {**row, "status_category": "invalid", "certificate_other_host_count": 1}
    ).endswith("run on 400 hosts, only 1 host under this certificate")
    # A well-known publisher's name that this fleet does not run: the catalogue's fact.
    assert PHRASES["certificate_impostor"](
        {**row, "signer": "zoom video communications inc", "signer_other_host_count": 0}
    ) == (
        "certificate chains to an untrusted root (self-signed or private CA), under 'zoom video communications inc', a"
        " well-known publisher's name, whose own certificates chain to a public root"
    )


def test_spread_phrase_names_the_hosts_the_siblings_reach() -> None:
    row = {
        "signer": "zenithanalytics ab",
        "signer_other_hash_count": 8.0,
        "signer_other_host_count": 13.0,
        "signer_widest_other_host_count": 3.0,
    }
    assert PHRASES["signer_spread"](row) == (
        "signer 'zenithanalytics ab' reaches 13 other hosts through 8 other binaries, none of them on more than 3 hosts"
    )
    one = {**row, "signer_other_hash_count": 1.0, "signer_other_host_count": 1.0, "signer_widest_other_host_count": 1.0}
    assert PHRASES["signer_spread"](one) == (
        "signer 'zenithanalytics ab' reaches 1 other host through 1 other binary, none of them on more than 1 host"
    )


def test_signer_phrase_names_the_widest_other_binary_where_candidates_have_it() -> None:
    row = {"signer": "ardent nord sp z o o", "signer_other_hash_count": 3.0, "signer_other_host_count": 7.0}
    assert PHRASES["signer_obscurity"](row) == "signer 'ardent nord sp z o o' seen on only 7 other hosts"
    assert PHRASES["signer_obscurity"]({**row, "signer_widest_other_host_count": 3.0}) == (
        "signer 'ardent nord sp z o o' has no widespread binary: its other binaries (3) run on at most 3 hosts each"
    )
    alone = {**row, "signer_other_hash_count": 0.0, "signer_widest_other_host_count": 0.0}
    assert PHRASES["signer_obscurity"](alone) == (
        "signer 'ardent nord sp z o o' signs no other binary in the fleet"
    )


def test_the_additive_half_counts_the_facts_the_rarity_gates_not_the_rarity_again() -> None:
    """With the forest weighed out, the score is the mean of the gated facts: a binary on one host with nothing
    else odd scores 0, and a revoked one on three hosts as high as one on a single host (both below the gate's
    knee). The rarity, counted again in the sum (models pickled before the option, or
    ``additive_includes_rarity``), ranks the single host first, and lifts the lone oddity above 0."""
    reference = benign_fleet(rows=200, rare_share=0.6)
    revoked = {"status_category": "revoked", "signer_anomalous_status_share": 0.0}
    rows = _rows(RARE_ONLY, {"hash_host_count": 1, **revoked}, {"hash_host_count": 3, **revoked})
    additive_only = ModelConfig(n_estimators=20, random_state=0, forest_weight=0.0, additive_includes_rarity=False)
    gated = fit_model(reference, additive_only).model
    scores = gated.score(rows).to_numpy()
    assert scores[0] == 0.0 and scores[1] > 0.0
    assert scores[1] == pytest.approx(scores[2])
    with_rarity = fit_model(reference, additive_only.model_copy(update={"additive_includes_rarity": True})).model
    plain = with_rarity.score(rows).to_numpy()
    assert plain[0] > 0.0 and plain[1] > plain[2]  # the control: the test can fail
    restored = _pickled_before(gated, "additive_includes_gate")
    np.testing.assert_allclose(restored.score(rows).to_numpy(), plain)


def test_surprisal_weights_count_a_rare_fact_above_a_common_one() -> None:
    """``additive_weights: surprisal``: each fact weighs ``-log((training rows with it + 1) / (rows + 2))``.
    In the benign fleet most rare binaries run where their signer's other binaries seldom do, few are renamed:
    with the forest weighed out, a renamed binary then outscores one in an unusual folder, which the plain mean
    scores alike; models pickled before the option weigh every fact alike."""
    reference = benign_fleet(rows=200, rare_share=0.6)
    rows = _rows(
        {"hash_host_count": 1, "signer_path_class_share": 1.0, "original_name_mismatch": True},
        {"hash_host_count": 1, "signer_path_class_share": 0.0},
    )
    additive_only = ModelConfig(
        n_estimators=20, random_state=0, forest_weight=0.0, additive_weights="uniform", fact_priors={}
    )
    weighted = fit_model(
        reference, additive_only.model_copy(update={"additive_weights": "surprisal", "surprisal_power": 1.0})
    )
    features = weighted.model.features(weighted.sample)
    expected = -np.log((features.gt(0.0).sum(axis=0) + 1.0) / (len(features) + 2.0))
    assert weighted.model.fact_weights == pytest.approx(expected.to_dict())
    rooted = fit_model(
        reference, additive_only.model_copy(update={"additive_weights": "surprisal", "surprisal_power": 0.5})
    )
    assert rooted.model.fact_weights == pytest.approx(np.sqrt(expected).to_dict())  # model.surprisal_power
    assert weighted.model.fact_weights["renamed"] > 2 * weighted.model.fact_weights["path_surprise"]
    scores = weighted.model.score(rows).to_numpy()
    assert scores[0] > scores[1] > 0.0
    assert _explain(weighted.model, rows)[1][0] == ["renamed", "hash_rarity"]  # the rarer fact first
    plain = fit_model(reference, additive_only).model
    assert plain.fact_weights is None
    assert plain.score(rows).iloc[0] == pytest.approx(plain.score(rows).iloc[1])  # the control
    restored = _pickled_before(weighted.model, "fact_weights")
    np.testing.assert_allclose(restored.score(rows).to_numpy(), plain.score(rows).to_numpy())


def test_a_graded_fact_weighs_the_rarity_of_its_level() -> None:
    """``model.graded_facts``: ``signer_spread`` weighs the surprisal of the level a row reaches among the training
    rows, ``-log((rows at or above it + 1) / (rows + 2))``, not of its presence. In a fleet where a third of the rare
    binaries' signers reach a few more hosts than their widest binary (a trace of spread) and none reaches four
    times as many, a campaign's full spread weighs what no training row reaches, a trace weighs its presence; with
    ``graded_facts`` empty (the default), and in models pickled before the option, the fact weighs its presence at
    any level; a fact ``model.features`` does not list is not graded, a name that is no feature is an error."""
    reference = benign_fleet(rows=200, rare_share=0.6)
    rare = reference["hash_host_count"] < 4
    trace = rare & (np.arange(len(reference)) % 3 == 0)
    reference.loc[trace, "signer_other_hash_count"] = 3
    reference.loc[trace, "signer_other_host_count"] = 6
    reference["signer_widest_other_host_count"] = np.where(trace, 5.0, reference["signer_other_host_count"])
    spread = {"signer_other_hash_count": 20, "signer_other_host_count": 40, "signer_widest_other_host_count": 5}
    rows = _rows({**RARE_ONLY, **spread}, {**RARE_ONLY, "original_name_mismatch": True})
    config = ModelConfig(n_estimators=20, random_state=0, forest_weight=0.0, surprisal_power=1.0, fact_priors={})
    assert config.graded_facts == ()  # the default: presence alone
    graded = fit_model(reference, config.model_copy(update={"graded_facts": ("signer_spread",)}))
    presence = fit_model(reference, config).model
    assert presence.level_weights is None
    assert graded.model.fact_weights == pytest.approx(presence.fact_weights)
    values = graded.model.features(graded.sample)["signer_spread"]
    assert values.gt(0.0).sum() == trace.sum() > 20 and values.max() < 0.2  # a trace on many rows, nothing more
    table = graded.model.level_weights["signer_spread"]  # type: ignore[index]
    assert list(table.levels) == sorted(set(values[values > 0].round(6)))
    rows_count = len(values)
    assert table.surprisals[0] == pytest.approx(presence.fact_weights["signer_spread"])  # the lowest level: presence
    assert table.surprisals[-1] == pytest.approx(-np.log(1.0 / (rows_count + 2.0)))  # above every level
    assert presence.fact_weights["renamed"] > presence.fact_weights["signer_spread"]
    features = graded.model.features(rows)
    assert features["signer_spread"].iloc[0] == 1.0
    scores, plain = graded.model.score(rows).to_numpy(), presence.score(rows).to_numpy()
    assert plain[0] < plain[1]  # presence: the common fact weighs less than a renaming
    assert scores[0] > scores[1] == pytest.approx(plain[1])  # graded: a level no training row reaches
    assert "reaches 40 other hosts through 20 other binaries" in graded.model.explain(rows)[REASONS_COLUMN].iloc[0][0]
    restored = _pickled_before(graded.model, "level_weights")
    np.testing.assert_allclose(restored.score(rows).to_numpy(), plain)
    unlisted = config.model_copy(update={"graded_facts": ("cert_short_lifetime",)})
    assert fit_model(reference, unlisted).model.level_weights is None
    with pytest.raises(ConfigError, match="signer_sprad"):
        fit_model(reference, config.model_copy(update={"graded_facts": ("signer_sprad",)}))


def test_a_lolbin_parent_weighs_the_rarity_of_its_parent() -> None:
    """``model.parent_surprisal``: ``lolbin_parent`` weighs, in a row, its presence's weight times its parent's
    factor: 1 for the most common parent of the training rows that carry the fact, more for a rarer one (the rows
    through a parent at most as common), most for one no training row had. Where installers come from msiexec and
    a few from cmd, a binary that rundll32 starts ranks first of three binaries alike but for the parent, and names
    its parent first; names are compared as file names in lower case. Off, and in models pickled before the
    option, every parent weighs alike."""
    reference = benign_fleet(rows=200, rare_share=0.6)
    launched = reference.index[reference["lolbin_parent_share"] > 0.0]
    reference.loc[launched, "example_parent"] = "msiexec.exe"
    reference.loc[launched[::4], "example_parent"] = "cmd.exe"
    lolbin = {**RARE_ONLY, "lolbin_parent_share": 1.0}
    rows = _rows(
        {**lolbin, "example_parent": "MSIEXEC.EXE"},
        {**lolbin, "example_parent": "cmd.exe "},
        {**lolbin, "example_parent": "C:\\Windows\\System32\\rundll32.exe"},
        {**lolbin, "example_parent": None},
    )
    config = ModelConfig(n_estimators=20, random_state=0, forest_weight=0.0, surprisal_power=1.0, fact_priors={})
    assert config.parent_surprisal  # the default
    result = fit_model(reference, config)
    model = result.model
    alike = fit_model(reference, config.model_copy(update={"parent_surprisal": False})).model
    assert alike.parent_factors is None and model.parent_factors is not None
    assert model.fact_weights == alike.fact_weights and model.peer_weights == alike.peer_weights
    factors, unseen = model.parent_factors
    carries = model.observed_features(result.sample)["lolbin_parent"].gt(0.0)  # the rare ones: the gate
    rows_count, carrying = len(reference), int(carries.sum())
    through_cmd = int((carries & result.sample["example_parent"].eq("cmd.exe")).sum())
    assert 0 < through_cmd < carrying - through_cmd
    assert set(factors) == {"msiexec.exe", "cmd.exe"}
    assert factors["msiexec.exe"] == pytest.approx(1.0)  # the most common: the fact's presence
    presence = -np.log((carrying + 1.0) / (rows_count + 2.0))
    assert factors["cmd.exe"] == pytest.approx(-np.log((through_cmd + 1.0) / (rows_count + 2.0)) / presence)
    assert unseen == pytest.approx(-np.log(1.0 / (rows_count + 2.0)) / presence) and unseen > factors["cmd.exe"] > 1
    scores, plain = model.score(rows).to_numpy(), alike.score(rows).to_numpy()
    assert plain == pytest.approx(np.full(4, plain[0]))  # off: the parent changes nothing
    assert scores[0] == pytest.approx(plain[0]) and scores[3] == pytest.approx(plain[3])  # most common; none named
    assert scores[0] < scores[1] < scores[2]
    groups, parents = model.peer_groups(rows), model.parent_weight_factors(rows)
    contributions = fact_contributions(
        lambda matrix: model.score_matrix(matrix, groups, parents), model.features(rows), model.baseline
    )["lolbin_parent"].to_numpy()
    assert contributions[0] < contributions[1] < contributions[2]  # the reasons read the parent's weight too
    assert "rundll32.exe" in model.explain(rows)[REASONS_COLUMN].iloc[2][0]
    restored = _pickled_before(model, "parent_factors")
    np.testing.assert_allclose(restored.score(rows).to_numpy(), plain)


def test_a_prior_multiplies_its_facts_weights() -> None:
    """``model.fact_priors``: each named fact's weights, fleet-wide, per folder class and per level, are its
    surprisal's times its prior, baked into the model at training; the other facts' are the surprisals as they
    were; ``{}`` is every prior at 1. A prior on ``path_surprise`` twice the renaming's rarity over the folder's
    puts the binary in an unusual folder above the renamed one, which outranked it; a prior that is no feature is
    an error, and a prior of 0 or below is refused."""
    reference = benign_fleet(rows=200, rare_share=0.6)
    rows = _rows(  # a binary in a folder its signer's others never use; a renamed one
        {"hash_host_count": 1, "signer_path_class_share": 0.0},
        {"hash_host_count": 1, "signer_path_class_share": 1.0, "original_name_mismatch": True},
    )
    plain_config = ModelConfig(n_estimators=20, random_state=0, forest_weight=0.0, fact_priors={})
    plain = fit_model(reference, plain_config).model
    assert plain.fact_weights is not None and plain.peer_weights is not None
    assert ModelConfig().fact_priors["known_name"] > 1.0 > ModelConfig().fact_priors["renamed"]  # the defaults
    ratio = plain.fact_weights["renamed"] / plain.fact_weights["path_surprise"]
    priors = {"path_surprise": 2.0 * ratio, "signer_spread": 1.5}
    config = plain_config.model_copy(update={"fact_priors": priors, "graded_facts": ("signer_spread",)})
    weighted = fit_model(reference, config).model
    for name, weight in plain.fact_weights.items():
        assert weighted.fact_weights is not None
        assert weighted.fact_weights[name] == pytest.approx(weight * priors.get(name, 1.0)), name
    for group, facts in plain.peer_weights.items():
        assert weighted.peer_weights is not None
        for name, weight in facts.items():
            assert weighted.peer_weights[group][name] == pytest.approx(weight * priors.get(name, 1.0)), (group, name)
    graded = fit_model(reference, plain_config.model_copy(update={"graded_facts": ("signer_spread",)})).model
    assert graded.level_weights is not None and weighted.level_weights is not None
    np.testing.assert_allclose(
        weighted.level_weights["signer_spread"].surprisals, graded.level_weights["signer_spread"].surprisals * 1.5
    )
    before, after = plain.score(rows).to_numpy(), weighted.score(rows).to_numpy()
    assert before[0] < before[1] and after[0] > after[1]  # the folder's prior outweighs the renaming's rarity
    assert _explain(weighted, rows)[1][0][0] == "path_surprise"
    with pytest.raises(ConfigError, match="renamd"):
        fit_model(reference, plain_config.model_copy(update={"fact_priors": {"renamd": 2.0}}))
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ValidationError, match="must be a number above 0"):
            ModelConfig(fact_priors={"renamed": bad})


def test_the_weights_learn_the_facts_as_observed_and_a_known_publisher_is_discounted_when_scored() -> None:
    """``model.known_publisher_discount``: the forest and the surprisal weights are fitted on the facts the fleet
    shows (a trusted Microsoft binary in AppData is one of its signed binaries in an unusual folder), so they are
    those of a model without the discount; scoring clears every fact but the rarity of the publisher's trusted
    binary, which then ranks below the same binary under an unknown signer, and names its rarity alone."""
    reference = benign_fleet(rows=200, rare_share=0.6)
    publisher_rows = reference.index[:40]  # a fifth of the fleet signed by Microsoft, half of it in odd folders
    reference.loc[publisher_rows, ["signer", "subject_name", "status_category"]] = [
        "microsoft corporation", "Microsoft Corporation", "trusted"
    ]
    reference.loc[publisher_rows[::2], "signer_path_class_share"] = 0.0
    odd = {"hash_host_count": 1, "signer_path_class_share": 0.0, "signer_other_host_count": 3,
           "signer_other_hash_count": 6, "signer_widest_other_host_count": 1, "lolbin_parent_share": 1.0}
    rows = _rows({**odd, "signer": "microsoft corporation"}, {**odd, "signer": "fabrikam tools oy"})
    config = ModelConfig(n_estimators=20, random_state=0)
    model = fit_model(reference, config).model
    without = fit_model(reference, config.model_copy(update={"known_publisher_discount": 0.0})).model
    assert model.fact_weights == without.fact_weights and model.peer_weights == without.peer_weights
    observed = model.observed_features(rows)
    np.testing.assert_array_equal(
        model.forest.score_samples(observed.to_numpy()), without.forest.score_samples(observed.to_numpy())
    )
    before, after = without.score(rows).to_numpy(), model.score(rows).to_numpy()
    assert before[0] == pytest.approx(before[1])  # the same facts, the same score
    assert after[0] < after[1] == pytest.approx(before[1])
    named = _explain(model, rows)[1]
    assert named[0] == ["hash_rarity"]
    assert {"signer_obscurity", "path_surprise", "lolbin_parent", "hash_rarity"} <= set(named[1])


# (fact, its inputs where present, the word of its reason's phrase): a renamed installer, a signer first met a day ago
FOLDER_FACTS = [
    ("renamed", {"original_name_mismatch": True}, "renamed"),
    ("signer_recency", {"signer_days_since_first_seen": 1, "fleet_history_days": 30}, "new to the fleet"),
]


@pytest.mark.parametrize(("fact", "present", "phrase"), FOLDER_FACTS, ids=[fact for fact, _, _ in FOLDER_FACTS])
def test_a_fact_weighs_its_surprisal_in_its_own_folder_class(
    fact: str, present: dict[str, object], phrase: str
) -> None:
    """``model.peer_prior_rows``: the facts of ``PEER_FACTS`` weigh their surprisal among the training rows of
    the row's own ``path_class``, drawn toward the fleet-wide rate by ``peer_prior_rows`` rows. In a fleet where
    two in five binaries in Downloads carry the fact (installers saved as "setup.exe", from signers the fleet met
    this week) and few in AppData do, a binary with it in AppData outscores the same binary in Downloads; a class
    the training rows lack keeps the fleet-wide weights, as do the option's null and models pickled before it."""
    downloads = pd.DataFrame.from_records(
        [
            candidate(
                f"d{number:063x}",
                hash_host_count=1,
                path_class="downloads",
                signer=f"vendor {number % 17}",
                **(present if number % 5 < 2 else {}),
            )
            for number in range(100)
        ]
    )
    reference = pd.concat([benign_fleet(rows=200, rare_share=0.6), downloads], ignore_index=True)
    odd = {"hash_host_count": 1, "signer_path_class_share": 1.0, **present}
    rows = _rows({**odd, "path_class": "appdata"}, {**odd, "path_class": "downloads"})
    unseen = _rows({**odd, "path_class": "users_public"})
    config = ModelConfig(n_estimators=20, random_state=0, forest_weight=0.0, surprisal_power=1.0, fact_priors={})
    model = fit_model(reference, config).model
    fleet_wide = fit_model(reference, config.model_copy(update={"peer_prior_rows": None})).model
    assert fleet_wide.peer_weights is None
    assert model.fact_weights == pytest.approx(fleet_wide.fact_weights)
    features = model.features(model_input_frame(reference))
    in_downloads = features[fact].gt(0.0)[reference["path_class"] == "downloads"]
    assert in_downloads.sum() == 40
    fleet_rate = (features[fact].gt(0.0).sum() + 1.0) / (len(features) + 2.0)
    expected = -np.log((in_downloads.sum() + 20.0 * fleet_rate) / (len(in_downloads) + 20.0))
    assert model.peer_weights is not None and set(model.peer_weights) == {"appdata", "downloads"}
    assert set(model.peer_weights["downloads"]) == set(PEER_FACTS) & set(config.features)  # the listed ones
    assert model.peer_weights["downloads"][fact] == pytest.approx(expected)
    assert model.peer_weights["downloads"][fact] < model.fact_weights[fact]
    assert model.peer_weights["appdata"][fact] > model.fact_weights[fact]
    scores = model.score(rows).to_numpy()
    assert scores[0] > scores[1] > 0.0
    plain = fleet_wide.score(rows).to_numpy()
    assert plain[0] == pytest.approx(plain[1])  # the control
    assert model.score(unseen).iloc[0] == pytest.approx(fleet_wide.score(unseen).iloc[0])
    explained = model.explain(rows)
    assert explained[SCORE_COLUMN].to_numpy() == pytest.approx(scores)
    assert all(phrase in " ".join(phrases) for phrases in explained[REASONS_COLUMN])
    restored = _pickled_before(model, "peer_weights")
    np.testing.assert_allclose(restored.score(rows).to_numpy(), plain)


def test_a_fact_most_training_rows_carry_is_still_named() -> None:
    """In a small fleet nearly every binary is rare, so the surprisal weight of ``hash_rarity`` is near 0 (a real
    17-host Sysmon capture: 0.1 of a sum of ~30): a binary on one host with nothing else odd still scores above
    0, and its one present fact is still its reason (``score`` alerts only binaries with a reason)."""
    model = fit_model(benign_fleet(rows=200, rare_share=0.97), ModelConfig(n_estimators=100, random_state=0)).model
    # Its surprisal is under 0.1; the weight is the surprisal to model.surprisal_power.
    assert model.fact_weights is not None and model.fact_weights["hash_rarity"] < 0.1 ** ModelConfig().surprisal_power
    rows = _rows(RARE_ONLY)
    assert model.score(rows).iloc[0] > 0.0
    explained = model.explain(rows)
    assert explained[REASONS_COLUMN].iloc[0] == ["hash seen on 1 of 400 hosts"]
