"""The suspicion features: one-sided, in [0, 1], common binaries collapsed onto zero (pure pandas)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from codesign_prevalence.config import ModelConfig
from codesign_prevalence.errors import ConfigError
from codesign_prevalence.models.features import DEFAULT_FEATURES, check_feature_names, feature_params
from codesign_prevalence_model.features import (
    FEATURE_FUNCTIONS,
    KNOWN_PUBLISHER_EXPLAINS,
    FeatureParams,
    distinctive_words,
    fold_signers,
    imitated_process,
    one_edit_apart,
    random_folder_of,
    suspicion_features,
)
from codesign_prevalence_model.known_names import SYSTEM_PROCESS_STEMS, WINDOWS_STEMS
from test_model_support import benign_fleet, candidate

ALL_FEATURES = tuple(FEATURE_FUNCTIONS)


def test_default_features_are_the_configured_ones() -> None:
    assert ModelConfig().features == DEFAULT_FEATURES
    assert check_feature_names(DEFAULT_FEATURES) == DEFAULT_FEATURES


def test_the_transforms_defaults_are_the_configured_ones() -> None:
    # FeatureParams carries its own defaults (the registered model's code does not import the configuration);
    # suspicion_features falls back on them, so they must stay those of model.*.
    assert feature_params(ModelConfig()) == FeatureParams()


def test_hand_computed_rows() -> None:
    rows = pd.DataFrame.from_records(
        [
            candidate("a" * 64),  # common: 200 of 400 hosts
            candidate(
                "b" * 64,
                hash_host_count=1,
                status_category="untrusted_root",
                signer_anomalous_status_share=0.0,
                signer_path_class_share=0.0,
                pe_company_mismatch=True,
                lolbin_parent_share=0.5,
            ),  # self-signed copy of a big vendor's name
            candidate(
                "c" * 64,
                hash_host_count=1,
                status_category="expired",
                signer_other_host_count=0,
                signer_other_hash_count=0,
                signer_anomalous_status_share=1.0,
                signer_path_class_share=0.0,
                original_name_mismatch=True,
                lolbin_parent_share=None,
            ),  # a lone signer: no sibling binaries to compare with
        ]
    )
    # ceiling = 5% of 400 = 20 hosts; obscurity of 1 + 300 other hosts is past it (0)
    expected = pd.DataFrame(
        {
            "hash_rarity": [0.0, 1.0, 1.0],
            "signer_obscurity": [0.0, 0.0, 1.0],
            # No widest other binary figure (candidates written before it): no spread to judge.
            "signer_spread": [0.0, 0.0, 0.0],
            "status_severity": [0.0, 0.5, 0.25],
            # An untrusted chain under a name whose other binaries are validly signed: an impostor, as revoked.
            "status_surprise": [0.0, 1.0, 0.0],
            # No certificate figure (candidates written before it, sources without a thumbprint): nothing judged.
            "certificate_impostor": [0.0, 0.0, 0.0],
            "publisher_lapsed": [0.0, 0.0, 0.0],  # Contoso's lapsed certificate: no well-known publisher's
            "path_surprise": [0.0, 1.0, 0.0],
            # No path-names-signer flag (candidates written before it): nothing judged.
            "signer_not_in_path": [0.0, 0.0, 0.0],
            "path_impersonation": [0.0, 0.0, 0.0],
            "name_impersonation": [0.0, 0.0, 0.0],
            "name_copy": [0.0, 0.0, 0.0],  # no name-copy figure (candidates written before it)
            "known_name": [0.0, 0.0, 0.0],  # Contoso's own names, none of them a well-known program's
            "document_lure": [0.0, 0.0, 0.0],  # no lure flag (candidates written before it)
            "random_folder": [0.0, 0.0, 0.0],  # Contoso's own folders
            "company_mismatch": [0.0, 1.0, 0.0],
            # No company figures (candidates written before them): the plain mismatch; no known vendor named.
            "company_surprise": [0.0, 1.0, 0.0],
            "company_impersonation": [0.0, 0.0, 0.0],
            "renamed": [0.0, 0.0, 1.0],
            "masquerade": [0.0, 0.5, 0.5],
            "lolbin_parent": [0.0, 0.5, 0.0],
            "task_parent": [0.0, 0.0, 0.0],  # explorer.exe started each
            "remote_parent": [0.0, 0.0, 0.0],  # no remote-parent figure (candidates written before it)
            "signer_recency": [0.0, 0.0, 0.0],
            "hash_new": [0.0, 0.0, 0.0],  # no first-run days (candidates the model did not read them from)
            # No issuer, validity or Code Integrity columns (as from Elastic Defend or Sysmon): neutral.
            "issuer_rarity": [0.0, 0.0, 0.0],
            "cert_age": [0.0, 0.0, 0.0],
            "cert_short_lifetime": [0.0, 0.0, 0.0],
            "ci_enforcement": [0.0, 0.0, 0.0],
        }
    )
    pd.testing.assert_frame_equal(suspicion_features(rows, ALL_FEATURES), expected)


def test_status_surprise_weighs_a_lapsed_certificate_below_one_that_does_not_verify() -> None:
    statuses = ["expired", "untrusted_root", "chaining", "invalid", "bad_digest", "revoked", "trusted"]
    rows = pd.DataFrame.from_records(
        [
            candidate(f"{index:064x}", hash_host_count=1, status_category=status, signer_anomalous_status_share=0.2)
            for index, status in enumerate(statuses)
        ]
    )
    surprise = suspicion_features(rows, ("status_surprise",))["status_surprise"]
    # 80% of the signer's runs are validly signed; a lapsed certificate is an old build, the others impostors.
    assert surprise.round(6).tolist() == [0.2, 0.8, 0.8, 0.8, 0.8, 0.8, 0.0]


def test_certificate_impostor_is_a_certificate_that_does_not_verify_under_a_name_whose_binaries_carry_another() -> (
    None
):
    """A self-signed "Contoso Software Ltd." (the name's other binaries run on 300 hosts, none under this
    certificate) is an impostor; the name's own certificate failing to chain on a host without the root (an
    enterprise CA's tool: 270 of the 300 hosts ran its siblings under it) hardly is; nor a renewed certificate that
    verifies, a lapsed or revoked one (they verified once), an unknown name, a long-tail vendor's name whose widest
    other binary runs on 5 hosts (below the 20-host ceiling: not known enough to be impersonated), or a row without
    the figure. A well-known publisher's name (the catalogue's) under a certificate that does not verify is an
    impostor wherever the fleet does not run that publisher, and however its campaign's siblings share the
    certificate; not where the name verifies or lapsed, nor where the publisher's word is only part of a word."""
    unknown = {"signer_other_host_count": 0, "signer_other_hash_count": 0}
    cases = {
        "self-signed impostor": ({"status_category": "untrusted_root", "certificate_other_host_count": 0}, 1.0),
        "its sibling's hosts": ({"status_category": "invalid", "certificate_other_host_count": 3}, 0.99),
        "internal CA, no root": ({"status_category": "chaining", "certificate_other_host_count": 270}, 0.1),
        "renewed, verifies": ({"status_category": "trusted", "certificate_other_host_count": 0}, 0.0),
        "lapsed": ({"status_category": "expired", "certificate_other_host_count": 0}, 0.0),
        "revoked": ({"status_category": "revoked", "certificate_other_host_count": 0}, 0.0),
        "unknown name": (
            {"status_category": "untrusted_root", "certificate_other_host_count": 0, "signer_other_host_count": 0,
             "signer_other_hash_count": 0}, 0.0,
        ),
        "long-tail name": (
            {"status_category": "untrusted_root", "certificate_other_host_count": 0, "signer_other_host_count": 9,
             "signer_widest_other_host_count": 5}, 0.0,
        ),
        "known at the ceiling": (
            {"status_category": "untrusted_root", "certificate_other_host_count": 0, "signer_other_host_count": 20,
             "signer_widest_other_host_count": 20}, 1.0,
        ),
        "no thumbprint": ({"status_category": "bad_digest", "certificate_other_host_count": None}, 0.0),
        "a publisher the fleet does not run": (
            {"signer": "zoom video communications inc", "status_category": "untrusted_root", **unknown}, 1.0,
        ),
        "a publisher's campaign under one certificate": (
            {"signer": "adobe inc", "status_category": "invalid", "certificate_other_host_count": 6,
             "signer_other_host_count": 6, "signer_widest_other_host_count": 2}, 1.0,
        ),
        "a publisher's name, no thumbprint": (
            {"signer": "nvidia corporation", "status_category": "chaining", "certificate_other_host_count": None,
             **unknown}, 1.0,
        ),
        "a publisher's name, lapsed": ({"signer": "nvidia corporation", "status_category": "expired", **unknown}, 0.0),
        "a publisher's name, verified": ({"signer": "zoom video communications inc", **unknown}, 0.0),
        "a publisher's word inside a word": (
            {"signer": "zoomtec gmbh", "status_category": "untrusted_root", **unknown}, 0.0,
        ),
    }
    rows = pd.DataFrame.from_records(
        [candidate(f"{index:064x}", hash_host_count=1, **fields) for index, (fields, _) in enumerate(cases.values())]
    )
    impostor = suspicion_features(rows, ("certificate_impostor",))["certificate_impostor"]
    assert dict(zip(cases, impostor.round(6).tolist(), strict=True)) == {
        name: expected for name, (_, expected) in cases.items()
    }


def test_document_lure_reads_the_flag_and_counts_however_widely_the_binary_runs() -> None:
    """A document's name on an executable is not gated by rarity (``model.ungated_facts``): a phishing wave on half
    the fleet keeps it; with the gate (``ungated`` without it) the common binary carries none."""
    rows = pd.DataFrame.from_records(
        [
            candidate("a" * 64, hash_host_count=1, lure_name=True),
            candidate("b" * 64, hash_host_count=1, lure_name=False),
            candidate("c" * 64, hash_host_count=1, lure_name=None),
            candidate("d" * 64, hash_host_count=200, lure_name=True),  # common: ungated, it keeps the fact
        ]
    )
    assert suspicion_features(rows, ("document_lure",))["document_lure"].tolist() == [1.0, 0.0, 0.0, 1.0]
    gated = suspicion_features(rows, ("document_lure",), FeatureParams(ungated=("known_name",)))
    assert gated["document_lure"].tolist() == [1.0, 0.0, 0.0, 0.0]  # the gate closes


def test_random_folder_is_a_random_name_where_programs_keep_folders_named_after_themselves() -> None:
    """A dropper's staging folder, a random token directly under AppData\\Roaming or Local, ProgramData or
    Users\\Public; not a vendor's hashed sub-folder, a version, a word, Temp's installer folders, nor a file name."""
    folders = {
        r"C:\Users\ana\AppData\Roaming\1f689584\svcupdate.exe": "Roaming\\1f689584",
        r"C:\ProgramData\66DF264B\chromeupdater.exe": "ProgramData\\66DF264B",
        r"C:\Users\Public\deadbeef01\x.exe": "Public\\deadbeef01",
        r"C:\ProgramData\ab12cd34\bin\tool.exe": "ProgramData\\ab12cd34",  # a folder above the file's
        "c:/users/ana/appdata/local/0a1b2c/x.exe": "local\\0a1b2c",
        r"C:\ProgramData\Dell\TechHub\Plugins\3f03edd854d90e0b\Dell.TechHub.exe": None,  # the vendor's own
        r"C:\Users\ana\AppData\Local\Apps\2.0\E11A18A4\PolicyCheck.exe": None,  # ClickOnce's
        r"C:\Users\ana\AppData\Local\Temp\9072B518\setup.exe": None,  # Temp: installers unpack there
        r"C:\ProgramData\12345678\x.exe": None,  # digits only: a number, a date
        r"C:\ProgramData\facade\x.exe": None,  # letters only: a word
        r"C:\ProgramData\ab12c\x.exe": None,  # too short
        r"C:\ProgramData\0123456789abcdef0\x.exe": None,  # too long
        r"C:\ProgramData\1f689584.exe": None,  # the file's name, not a folder
        r"C:\ProgramData\{6850F4E7-F217-4C46-B017-32242A93AD9A}\setup.exe": None,  # a GUID
        "": None,
    }
    assert {path: random_folder_of(path) for path in folders} == folders
    assert random_folder_of(None) is None and random_folder_of(float("nan")) is None
    rows = pd.DataFrame.from_records(
        [
            candidate("a" * 64, hash_host_count=1, example_path=r"C:\ProgramData\66df264b\x.exe"),
            candidate("b" * 64, hash_host_count=1, example_path=r"C:\ProgramData\Vendor\x.exe"),
            candidate("c" * 64, hash_host_count=1, example_path=None),
            candidate("d" * 64, hash_host_count=200, example_path=r"C:\ProgramData\66df264b\x.exe"),  # gated
        ]
    )
    assert suspicion_features(rows, ("random_folder",))["random_folder"].tolist() == [1.0, 0.0, 0.0, 0.0]


def test_task_parent_is_a_binary_the_task_scheduler_starts() -> None:
    parents = [
        r"C:\Windows\System32\svchost.exe",
        r"C:\WINDOWS\system32\TASKHOSTW.EXE",
        "taskeng.exe",
        r"C:\Windows\explorer.exe",
        r"C:\Windows\System32\services.exe",
        None,
    ]
    rows = pd.DataFrame.from_records(
        [candidate(f"{index:064x}", hash_host_count=1, example_parent=parent) for index, parent in enumerate(parents)]
        + [candidate("f" * 64, example_parent=parents[0])]  # on 200 of 400 hosts: the rarity gate closes
    )
    assert suspicion_features(rows, ("task_parent",))["task_parent"].tolist() == [1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]


def test_remote_parent_is_a_binary_a_remote_execution_host_started_somewhere() -> None:
    """WMI started a rare binary on 2 of its hosts: 1; on none (0), or without the figure (null, candidates written
    before it): 0; on a binary 200 of 400 hosts run (an IT team's deployment): the rarity gate closes."""
    rows = pd.DataFrame.from_records(
        [
            candidate("a" * 64, hash_host_count=3, remote_parent="wmiprvse.exe", remote_parent_host_count=2),
            candidate("b" * 64, hash_host_count=3, remote_parent=None, remote_parent_host_count=0),
            candidate("c" * 64, hash_host_count=3, remote_parent=None, remote_parent_host_count=None),
            candidate("d" * 64, remote_parent="wsmprovhost.exe", remote_parent_host_count=200),
        ]
    )
    assert suspicion_features(rows, ("remote_parent",))["remote_parent"].tolist() == [1.0, 0.0, 0.0, 0.0]


def test_publisher_lapsed_is_a_well_known_publishers_expired_certificate() -> None:
    """An expired certificate under NVIDIA's or Zoom's name on a rare binary: 1; a long-tail vendor's lapsed one, a
    publisher's revoked one (a vendor revokes its own after a breach), trusted one or one that does not chain (the
    impostor's fact): 0; a publisher's lapsed build on 200 of 400 hosts: the rarity gate closes."""
    rare = {"hash_host_count": 1, "status_category": "expired"}
    rows = pd.DataFrame.from_records(
        [
            candidate("a" * 64, **{**rare, "signer": "nvidia corporation"}),
            candidate("b" * 64, **{**rare, "signer": "zoom video communications inc"}),
            candidate("c" * 64, **{**rare, "signer": "rilum systems llc"}),
            candidate("d" * 64, **{**rare, "signer": "nvidia corporation", "status_category": "revoked"}),
            candidate("e" * 64, **{**rare, "signer": "nvidia corporation", "status_category": "trusted"}),
            candidate("f" * 64, **{**rare, "signer": "nvidia corporation", "status_category": "untrusted_root"}),
            candidate("0" * 64, signer="nvidia corporation", status_category="expired"),
        ]
    )
    values = suspicion_features(rows, ("publisher_lapsed",))["publisher_lapsed"].tolist()
    assert values == [1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]


def test_name_copy_fires_where_another_signer_runs_the_name_on_half_the_fleet_whatever_the_folder() -> None:
    """Another signer's binaries under this very file name on 300 or 200 of the 400 hosts: 1, also where a path
    names the binary's own signer (a stolen certificate's implant in ``ProgramData\\<its vendor>\\Update\\``); on 150
    (a tool some vendors bundle): 0; no such signer, a common binary, candidates written before the figure: 0."""
    rare = {"hash_host_count": 1}
    rows = pd.DataFrame.from_records(
        [
            candidate("a" * 64, **rare, name_copy_signer="microsoft windows", name_copy_host_count=300),
            candidate("b" * 64, **rare, name_copy_signer="microsoft windows", name_copy_host_count=200),
            candidate("c" * 64, **rare, path_names_signer=True, name_copy_host_count=300),
            candidate("d" * 64, **rare, name_copy_signer="python software foundation", name_copy_host_count=150),
            candidate("e" * 64, **rare, name_copy_signer=None, name_copy_host_count=0),
            candidate("f" * 64, hash_host_count=200, name_copy_host_count=300),
        ]
    )
    assert rows["fleet_hosts"].eq(400).all()
    assert suspicion_features(rows, ("name_copy",))["name_copy"].tolist() == [1.0, 1.0, 1.0, 0.0, 0.0, 0.0]
    written_before = pd.DataFrame.from_records([candidate("g" * 64, **rare)])
    assert "name_copy_host_count" not in written_before.columns
    assert suspicion_features(written_before, ("name_copy",))["name_copy"].tolist() == [0.0]


def test_common_binaries_collapse_onto_zero_whatever_else_they_show() -> None:
    odd_but_common = pd.DataFrame.from_records(
        [
            candidate(
                f"{hosts:064x}",
                hash_host_count=hosts,
                status_category="revoked",
                signer_path_class_share=0.0,
                pe_company_mismatch=True,
                original_name_mismatch=True,
                lolbin_parent_share=1.0,
                signer_days_since_first_seen=0,
            )
            for hosts in (20, 50, 400)
        ]
    )
    features = suspicion_features(odd_but_common, ALL_FEATURES)
    assert (features.to_numpy() == 0.0).all()


def test_rarity_decreases_with_hosts_and_stays_in_unit_interval() -> None:
    rows = pd.DataFrame.from_records([candidate(f"{h:064x}", hash_host_count=h) for h in (1, 2, 3, 5, 10, 19, 20, 21)])
    rarity = suspicion_features(rows, ("hash_rarity",))["hash_rarity"].to_numpy()
    assert rarity[0] == 1.0
    assert np.all(np.diff(rarity[:-2]) < 0)  # strictly rarer below the ceiling of 20 hosts
    assert list(rarity[-2:]) == [0.0, 0.0]  # one value at and above it


def test_ceiling_has_a_floor_for_small_fleets() -> None:
    tiny_fleet = pd.DataFrame.from_records([candidate("d" * 64, hash_host_count=2, fleet_hosts=10)])
    rarity = suspicion_features(tiny_fleet, ("hash_rarity",), FeatureParams(rarity_ceiling_min_hosts=5))
    assert rarity["hash_rarity"].iloc[0] == pytest.approx(np.log(5 / 2) / np.log(5))


def test_features_stay_in_unit_interval_on_a_fleet() -> None:
    features = suspicion_features(benign_fleet(), ALL_FEATURES)
    assert features.notna().all().all()
    assert ((features >= 0.0) & (features <= 1.0)).all().all()


def test_missing_input_column_is_named() -> None:
    rows = pd.DataFrame.from_records([candidate("e" * 64)]).drop(columns=["signer_path_class_share"])
    with pytest.raises(ValueError, match="signer_path_class_share"):
        suspicion_features(rows, DEFAULT_FEATURES)


@pytest.mark.parametrize(
    ("names", "message"),
    [((), "at least one"), (("hash_rarity", "nope"), "unknown model feature 'nope'"), (("masquerade",) * 2, "twice")],
)
def test_feature_names_are_checked(names: tuple[str, ...], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        check_feature_names(names)


def test_rarity_gate_knee() -> None:
    """The gate keeps a rare binary's facts at full strength up to about C^(1 - knee) hosts, then fades to 0 at
    the ceiling C (20 of 400 hosts); the rarity itself is never gated. Knee 1 is the old gate, the rarity."""
    revoked = {"status_category": "revoked", "signer_anomalous_status_share": 0.0, "signer_path_class_share": 1.0}
    rows = pd.DataFrame.from_records(
        [candidate(f"{hosts:064x}", hash_host_count=hosts, **revoked) for hosts in (1, 6, 9, 14, 20)]  # type: ignore[arg-type]
    )
    names = ("hash_rarity", "status_severity")
    knee = suspicion_features(rows, names, FeatureParams(gate_knee=0.25))
    rarity = np.log(20.0 / np.array([1, 6, 9, 14, 20])) / np.log(20.0)
    np.testing.assert_allclose(knee["hash_rarity"], rarity)
    np.testing.assert_allclose(knee["status_severity"], np.clip(rarity / 0.25, 0.0, 1.0))
    assert knee["status_severity"].tolist()[:2] == [1.0, 1.0]  # 6 hosts < 20^0.75 = 9.5: full strength
    assert 0.0 < knee["status_severity"].iloc[3] < 1.0 and knee["status_severity"].iloc[4] == 0.0
    plain = suspicion_features(rows, names, FeatureParams(gate_knee=1.0))
    np.testing.assert_allclose(plain["status_severity"], rarity)


def _pickled_before(params: FeatureParams, field: str) -> FeatureParams:
    """``params`` as a model pickled before ``field`` existed unpickles: its state without the field, restored."""
    import pickle

    state = {name: value for name, value in vars(params).items() if name != field}
    restored = FeatureParams.__new__(FeatureParams)
    restored.__setstate__(pickle.loads(pickle.dumps(state)))
    return restored


def test_parameters_pickled_before_the_knee_keep_the_old_gate() -> None:
    """A registered model pickled before ``gate_knee`` existed unpickles with knee 1 (the gate it was fitted with)."""
    import pickle

    params = FeatureParams(rarity_ceiling_fraction=0.1)
    assert pickle.loads(pickle.dumps(params)) == params
    assert _pickled_before(params, "gate_knee") == FeatureParams(rarity_ceiling_fraction=0.1, gate_knee=1.0)


def test_signer_recency_needs_a_watched_history_and_a_signer() -> None:
    """A signer first seen yesterday is new only if the fleet was watched for ``recency_days`` before it; on a
    young history (or candidates without ``fleet_history_days``) every signer would look new, so none does."""
    new_signer = {"hash_host_count": 1, "signer_days_since_first_seen": 1}
    rows = pd.DataFrame.from_records(
        [
            candidate("a" * 64, **new_signer, fleet_history_days=29),  # watched 28 days before: new
            candidate("b" * 64, **new_signer, fleet_history_days=5),  # watched 4 days before: cannot tell
            candidate("c" * 64, **new_signer),  # no history column: cannot tell
            candidate("d" * 64, **new_signer, fleet_history_days=29, signer=None),  # no canonical signer
            candidate("e" * 64, hash_host_count=1, signer_days_since_first_seen=29, fleet_history_days=29),
        ]
    )
    recency = suspicion_features(rows, ("signer_recency",), FeatureParams(recency_days=7.0))["signer_recency"]
    assert recency.tolist() == pytest.approx([1.0 - 1.0 / 7.0, 0.0, 0.0, 0.0, 0.0])


def test_hash_new_is_a_binary_first_run_after_the_first_watched_day_and_within_its_horizon() -> None:
    """A binary the fleet first ran on its first watched day was there before the watch began; one first run
    ``hash_new_days`` ago or more is established; without the columns nothing is judged."""
    rare = {"hash_host_count": 1}  # the rarity gate lets the fact through
    rows = pd.DataFrame.from_records(
        [
            candidate("a" * 64, **rare, hash_days_since_first_seen=3, fleet_history_days=13),  # arrived in the window
            candidate("b" * 64, **rare, hash_days_since_first_seen=13, fleet_history_days=13),  # since the first day
            candidate("c" * 64, **rare, hash_days_since_first_seen=0, fleet_history_days=1),  # the second watched day
            candidate("d" * 64, **rare, hash_days_since_first_seen=0, fleet_history_days=0),  # a first day: cannot tell
            candidate("e" * 64, **rare, hash_days_since_first_seen=45, fleet_history_days=200),  # established
            candidate("f" * 64, **rare, hash_days_since_first_seen=3),  # no history column
            candidate("g" * 64, **rare, fleet_history_days=13),  # no first-run column (candidates written before it)
        ]
    )
    new = suspicion_features(rows, ("hash_new",), FeatureParams(hash_new_days=30.0))["hash_new"]
    assert new.tolist() == [1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    longer = suspicion_features(rows, ("hash_new",), FeatureParams(hash_new_days=60.0))["hash_new"]
    assert longer.tolist() == [1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0]


def test_company_surprise_discounts_a_pairing_the_signers_other_binaries_share() -> None:
    """A brand name its vendor's other binaries carry on many hosts is how that vendor labels its files; one no
    other binary of the signer names is an impersonation's; naming a vendor the fleet knows by its own
    certificate is its own feature."""
    mismatch = {"hash_host_count": 1, "pe_company_mismatch": True, "mismatched_company": "nirsoft"}
    rows = pd.DataFrame.from_records(
        [
            candidate("a" * 64, **mismatch, company_other_host_count=0, company_signer_host_count=0),
            candidate("b" * 64, **mismatch, company_other_host_count=3, company_signer_host_count=0),
            candidate("c" * 64, **mismatch, company_other_host_count=40, company_signer_host_count=0),
            candidate("d" * 64, **mismatch, company_other_host_count=0, company_signer_host_count=120),
            candidate("e" * 64, hash_host_count=1, company_other_host_count=None, company_signer_host_count=None),
            candidate("f" * 64, **mismatch, company_other_host_count=40, company_signer_host_count=120),  # OEM
        ]
    )
    features = suspicion_features(rows, ("company_surprise", "company_impersonation"))
    # ceiling 20 hosts: 1 + 3 other hosts -> log(20 / 4) / log(20)
    assert features["company_surprise"].tolist() == pytest.approx([1.0, np.log(5.0) / np.log(20.0), 0.0, 1.0, 0.0, 0.0])
    assert features["company_impersonation"].tolist() == [0.0, 0.0, 0.0, 1.0, 0.0, 0.0]


def test_a_header_naming_the_signers_own_family_is_no_company_surprise() -> None:
    """A subsidiary naming its parent, a vendor its fuller or former name, an enterprise CA its IT department:
    the company shares a distinctive word with the signer, or is the catalogue's brand of a publisher the signer
    is, so neither company fact counts it, however rare the pairing. A shared generic word ("software",
    "systems") or legal form relates nothing."""
    rare = {"hash_host_count": 1, "pe_company_mismatch": True, "company_other_host_count": 0}
    pairs = [
        ("cisco webex llc", "cisco systems inc", 300),  # a subsidiary, its parent known by its own certificate
        ("zoom communications inc", "zoom video communications inc", 0),  # the fuller name
        ("proseware code signing", "proseware it", 0),  # an enterprise's CA, its IT department
        ("castell networks llc", "castell formerly trivia software", 0),  # a former name
        ("philandro software gmbh", "anydesk software gmbh", 0),  # the catalogue's brand of the signer
        ("praxa software ltd", "microsoft corporation", 300),  # a stolen certificate, a famous vendor's name
        ("kairo systems gmbh", "zenkor systems gmbh", 0),  # only generic words and legal forms in common
        ("ht srl", "hp inc", 0),  # no distinctive word on either side: nothing relates them
    ]
    rows = pd.DataFrame.from_records(
        [
            candidate(
                f"{number:064x}", **rare, signer=signer, mismatched_company=company, company_signer_host_count=hosts
            )
            for number, (signer, company, hosts) in enumerate(pairs)
        ]
    )
    features = suspicion_features(rows, ("company_surprise", "company_impersonation"))
    assert features["company_surprise"].tolist() == [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    assert features["company_impersonation"].tolist() == [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    assert distinctive_words("cisco webex llc") == {"cisco", "webex"}
    assert distinctive_words("kairo systems gmbh") == {"kairo"}
    assert distinctive_words("hp development company l p") == frozenset()  # short, generic or a legal form
    assert distinctive_words("腾讯科技 深圳 有限公司") == frozenset()
    assert distinctive_words(None) == frozenset()


def test_signer_spread_tells_a_polymorphic_campaign_from_builds_and_vendors() -> None:
    """A campaign's siblings (8 hashes reaching 13 hosts, none beyond 3) are spread; a developer's test
    certificate (5 builds on 2 hosts), a vendor (its widest binary covers most of its hosts) and a signer of
    nothing else are not; candidates written before the widest figure score 0."""
    # (other hosts, other hashes, widest other binary's hosts); None: written before the widest figure
    signers = [(13, 8, 3), (2, 5, 1), (325, 13, 248), (0, 0, 0), (13, 8, None), (40, 8, 2)]
    rows = pd.DataFrame.from_records(
        [
            candidate(
                f"{number:064x}",
                hash_host_count=1,
                signer_other_host_count=hosts,
                signer_other_hash_count=hashes,
                **({} if widest is None else {"signer_widest_other_host_count": widest}),
            )
            for number, (hosts, hashes, widest) in enumerate(signers)
        ]
    )
    spread = suspicion_features(rows, ("hash_rarity", "signer_spread"))["signer_spread"]
    log4 = np.log(4.0)
    assert spread.tolist() == pytest.approx(
        [np.log(14 / 4) / log4, np.log(3 / 2) / log4 * 2 / 5, np.log(326 / 249) / log4, 0.0, 0.0, 1.0]
    )
    assert spread[0] > 2 * max(spread[1], spread[2])


def test_signer_obscurity_reads_the_widest_other_binary_where_candidates_have_it() -> None:
    """A campaign's siblings on 2-3 hosts each make each other look known by the hosts of all of them (7),
    not by the widest of them (3); candidates written before the widest figure keep the older reading."""
    campaign = {"hash_host_count": 2, "signer_other_host_count": 7, "signer_other_hash_count": 3}
    rows = pd.DataFrame.from_records(
        [
            candidate("a" * 64, **campaign, signer_widest_other_host_count=3),
            candidate("b" * 64, **campaign),  # written before the widest figure
            candidate("c" * 64, **campaign, signer_widest_other_host_count=150),
        ]
    )
    obscurity = suspicion_features(rows, ("hash_rarity", "signer_obscurity"))["signer_obscurity"]
    # ceiling 20 hosts: 1 + 3 -> log(20 / 4) / log(20); 1 + 7 -> log(20 / 8) / log(20); 151 is past it
    assert obscurity.tolist() == pytest.approx([np.log(5.0) / np.log(20.0), np.log(2.5) / np.log(20.0), 0.0])


def test_a_developers_churn_discounts_what_it_explains() -> None:
    """``churn_discount``: a signer with twenty other builds on its one host (a developer's test certificate)
    has its obscurity, company label and untrusted root discounted by 1 / (1 + log2 20); a campaign whose three
    other hashes reach five hosts, and every other feature, are left as they were; 0 (and a model pickled
    before the option) discounts nothing."""

    shared = {"hash_host_count": 1, "status_category": "untrusted_root", "signer_anomalous_status_share": 1.0,
              "pe_company_mismatch": True, "original_name_mismatch": True, "signer_widest_other_host_count": 1,
              "company_other_host_count": 0, "lolbin_parent_share": 1.0}
    rows = pd.DataFrame.from_records([
        candidate("a" * 64, signer_other_hash_count=20, signer_other_host_count=1, **shared),  # type: ignore[arg-type]
        candidate("b" * 64, signer_other_hash_count=3, signer_other_host_count=5, **shared),  # type: ignore[arg-type]
    ])
    names = ("hash_rarity", "signer_obscurity", "company_surprise", "status_severity", "renamed", "lolbin_parent")
    plain = suspicion_features(rows, names, FeatureParams(churn_discount=0.0))
    discounted = suspicion_features(rows, names, FeatureParams())  # the default since session 19
    assert FeatureParams().churn_discount == 1.0
    factor = 1.0 / (1.0 + np.log2(20.0))
    for name in ("signer_obscurity", "company_surprise", "status_severity"):
        assert plain[name].iloc[0] > 0.0
        assert discounted[name].iloc[0] == pytest.approx(plain[name].iloc[0] * factor)
        assert discounted[name].iloc[1] == pytest.approx(plain[name].iloc[1])
    for name in ("hash_rarity", "renamed", "lolbin_parent"):
        assert discounted[name].tolist() == plain[name].tolist()
    assert _pickled_before(FeatureParams(churn_discount=1.0), "churn_discount").churn_discount == 0.0


def test_a_lookalike_imitates_a_windows_system_processs_name_by_one_edit_or_a_short_suffix() -> None:
    assert SYSTEM_PROCESS_STEMS <= WINDOWS_STEMS
    imitations = {
        "svchostt": "svchost", "scvhost": "svchost", "winlogin": "winlogon", "rundl132": "rundll32",
        "dllhostex": "dllhost", "wuauclt_x": "wuauclt", "csrsss": "csrss", "lsass2": "lsass",
        "sv\u0441host": "svchost",  # a Cyrillic "с" for the Latin "c": a homoglyph is one substitution
    }
    assert {stem: imitated_process(stem) for stem in imitations} == imitations
    long_name = "svchost" + "\u0445" * 100_000  # any length, any script: data, never a match
    others = ("svchost", "lsas", "lsass-helper", "sshost", "spssvc", "service", "notepad2", "myexplorer", "", long_name)
    for stem in others:
        assert imitated_process(stem) is None, stem[:20]
    assert one_edit_apart("abcd", "abdc") and one_edit_apart("abc", "abxc") and one_edit_apart("abc", "ab")
    assert not one_edit_apart("abc", "abc") and not one_edit_apart("abcd", "badc") and not one_edit_apart("ab", "abcd")


def test_known_name_is_a_well_known_programs_name_under_another_publishers_certificate() -> None:
    """1 where the file name is a Windows component's (its stem, any case and folder) or starts with a widely used
    program's letters (``AnyDesk (1).exe``, ``DocuSign_Review.exe``) and the signer holds none of its publishers'
    words, or imitates a Windows system process's (``rundl132.exe``, ``wuauclt_x.exe``); 0 under the publisher's own
    certificate (AnyDesk's legal name "philandro" included), for a name the catalogue does not hold or one that
    merely contains a known name, and without a path. Not gated by rarity (``model.ungated_facts``): a fake updater
    on a twentieth of the fleet is an impersonation all the same; with the gate (``ungated=()``, and models pickled
    before the option) a common binary carries none."""
    paths_signers = [
        (r"C:\Users\Public\Libraries\AnyDeskSetup.exe", "melanix sp z o o", 1.0),
        (r"C:\Users\ana\Downloads\AnyDesk (1).exe", "philandro software gmbh", 0.0),  # AnyDesk's own
        (r"C:\Users\ana\Downloads\DocuSign_Review.exe", "zemana ltd", 1.0),
        (r"C:\Users\ana\AppData\Roaming\ZoomUpdater\SecurityHealthHost.EXE", "oskar trade llc", 1.0),
        (r"c:/programdata/update/svchost.exe", "microsoft windows", 0.0),  # Microsoft's own name
        (r"C:\ProgramData\Update\svchost.exe", None, 1.0),  # no signer: none of the publishers
        (r"C:\ProgramData\Update\mysvchost.exe", "tallis trade ltd", 0.0),  # a Windows name inside another
        (r"C:\Users\ana\AppData\Local\LabelPrinter\LabelPrinter.exe", "farid fischer", 0.0),  # not well known
        (None, "tallis trade ltd", 0.0),
        (r"C:\ProgramData\ZoomUpdater\rundl132.exe", "bright mosaic ltd", 1.0),  # imitates rundll32
        (r"C:\Users\ana\AppData\Roaming\Intel\Wireless\wuauclt_x.exe", "oskar trade llc", 1.0),  # a suffix
        (r"C:\ProgramData\SPS\SPSSvc.exe", "sps co ltd", 0.0),  # one edit from a six-letter stem (sppsvc)
        (r"C:\Users\ana\Downloads\notepad2.exe", "florian balmer", 0.0),  # an application's name, not a process's
    ]
    rows = pd.DataFrame.from_records([
        candidate(f"{i:064x}", hash_host_count=1, example_path=path, signer=signer)  # type: ignore[arg-type]
        for i, (path, signer, _) in enumerate(paths_signers)
    ])
    assert suspicion_features(rows, ["known_name"])["known_name"].tolist() == [v for _, _, v in paths_signers]
    common = rows.assign(hash_host_count=200)
    assert FeatureParams().ungated == feature_params(ModelConfig()).ungated == ("known_name", "document_lure")
    widespread = suspicion_features(common, ["known_name", "hash_rarity", "renamed"], FeatureParams())
    assert widespread["known_name"].tolist() == [v for _, _, v in paths_signers]
    assert (widespread["hash_rarity"] == 0.0).all()
    gated = suspicion_features(common, ["known_name"], FeatureParams(ungated=()))
    assert (gated["known_name"] == 0.0).all()  # the rarity gate

    assert _pickled_before(FeatureParams(), "ungated").ungated == ()
    for bad, message in (("renamd", "unknown model feature 'renamd'"), ("hash_rarity", "it is the gate")):
        with pytest.raises(ConfigError, match=message):
            feature_params(ModelConfig(ungated_facts=(bad,)))
    older = rows.drop(columns=["example_path"])
    assert (suspicion_features(older, ["known_name"])["known_name"] == 0.0).all()


def test_a_certificate_named_for_testing_halves_what_it_explains() -> None:
    """``test_certificate_discount`` (0.5): a certificate whose name says test or debug as a whole word and that
    does not chain to a trusted root (WDK's "WDKTestCert <user>,<n>", "<Org> Dev Test CA"), or that is named after
    the user whose profile the binary runs from (a developer's own certificate, ClickOnce's "<DOMAIN>\\<user>"), has
    its status, its unknown signer, its unnamed path and its header naming someone else halved; one that names
    nothing of the kind, a test word inside another word, another user, a shared profile, or a status the name does
    not explain (a signature that does not verify, a revoked certificate) keeps them; the rarity, the parent, a
    renamed file and an impersonated company are never touched; 0 (and a model pickled before the option) discounts
    nothing."""

    shared = {"hash_host_count": 1, "signer_other_hash_count": 2, "signer_other_host_count": 2,
              "signer_widest_other_host_count": 1, "signer_anomalous_status_share": 0.5,
              "signer_path_class_share": 0.0, "pe_company_mismatch": True, "original_name_mismatch": True,
              "company_other_host_count": 0, "company_signer_host_count": 40, "lolbin_parent_share": 1.0,
              "path_names_signer": False}
    app = r"\AppData\Local\LabelPrinter\LabelPrinter.exe"
    signers_statuses = [
        ("wdktestcert priya schmidt 133600152045788270", "untrusted_root", True, None),
        ("contoso dev test ca", "chaining", True, None),
        ("cn ordersync debug", "untrusted_root", True, None),
        ("contoso software ltd", "untrusted_root", False, None),  # no test word
        ("protestant devices oy", "untrusted_root", False, None),  # "test" and "dev" only inside words
        ("contoso dev test ca", "invalid", False, None),  # the signature does not verify: not the name's to explain
        ("contoso dev test ca", "revoked", False, None),
        # Named after the profile's user: initial + last name, first.last, ClickOnce's domain\user folded.
        ("farid fischer", "untrusted_root", True, r"C:\Users\ffischer" + app),
        ("farid fischer", "chaining", True, r"c:/users/Farid.Fischer" + app),
        ("contoso ffischer", "untrusted_root", True, r"C:\Users\ffischer" + app),
        ("farid fischer", "untrusted_root", False, r"C:\Users\jdoe" + app),  # another user
        ("farid fischer", "untrusted_root", False, r"C:\Users\Public" + app),  # a shared profile
        ("farid fischer", "untrusted_root", False, r"C:\ProgramData\ffischer" + app),  # no profile
        ("farid fischer", "revoked", False, r"C:\Users\ffischer" + app),
    ]
    rows = pd.DataFrame.from_records([
        candidate(  # type: ignore[arg-type]
            f"{i:064x}", signer=signer, status_category=status, example_path=path, **shared
        )
        for i, (signer, status, _, path) in enumerate(signers_statuses)
    ])
    explained = ("status_severity", "status_surprise", "signer_obscurity", "signer_not_in_path", "company_surprise")
    untouched = ("hash_rarity", "path_surprise", "renamed", "lolbin_parent", "company_impersonation")
    names = (*explained, *untouched)
    plain = suspicion_features(rows, names, FeatureParams(test_certificate_discount=0.0))
    discounted = suspicion_features(rows, names, FeatureParams())
    assert FeatureParams().test_certificate_discount == 0.5
    for position, (_, _, is_test, _) in enumerate(signers_statuses):
        for name in explained:
            assert plain[name].iloc[position] > 0.0, (position, name)
            expected = plain[name].iloc[position] * (0.5 if is_test else 1.0)
            assert discounted[name].iloc[position] == pytest.approx(expected), (position, name)
        for name in untouched:
            assert plain[name].iloc[position] > 0.0, (position, name)
            assert discounted[name].iloc[position] == plain[name].iloc[position], (position, name)
    cleared = suspicion_features(rows, names, FeatureParams(test_certificate_discount=1.0))
    assert (cleared.loc[0, list(explained)] == 0.0).all()
    assert _pickled_before(FeatureParams(), "test_certificate_discount").test_certificate_discount == 0.0


def test_a_known_publishers_trusted_signature_clears_what_the_fleet_alone_says_of_its_signer() -> None:
    """``known_publisher_discount`` (1.0): a binary whose certificate verifies and whose signer is on
    ``model.known_publishers`` (the seed rule's allow-list and Windows' own components, folded as the signer is)
    has every fact but its rarity cleared: a capture of a few hosts that never ran Microsoft's widespread binaries
    makes Microsoft look obscure, and a LOLBin parent or a renamed file is another technique's evidence once the
    certificate is the publisher's. The same name on a certificate that does not verify, is revoked or lapsed, a
    trusted signer not on the list, or a name that only contains a listed one keeps them all; the rarity is never
    touched; 0 (and a model pickled before the option) clears nothing."""

    shared = {"hash_host_count": 1, "signer_other_hash_count": 8, "signer_other_host_count": 4,
              "signer_widest_other_host_count": 1, "signer_anomalous_status_share": 0.0,
              "signer_path_class_share": 0.0, "pe_company_mismatch": True, "original_name_mismatch": True,
              "company_other_host_count": 0, "company_signer_host_count": 40, "lolbin_parent_share": 1.0,
              "path_names_signer": False, "signer_days_since_first_seen": 1.0, "fleet_history_days": 400.0}
    signers_statuses = [
        ("microsoft corporation", "trusted", True),
        ("oracle america inc", "trusted", True),  # "Oracle America, Inc." folded
        ("microsoft windows", "trusted", True),  # Windows' own components: not on the rule's list, on the model's
        ("microsoft corporation", "untrusted_root", False),  # a self-made "Microsoft Corporation": an impostor
        ("microsoft corporation", "revoked", False),
        ("nvidia corporation", "expired", False),  # a lapsed certificate may have left its owner
        ("python software foundation", "trusted", False),  # trusted, not on the list
        ("microsoft corporation helpdesk", "trusted", False),  # holds a listed name, is not one
    ]
    rows = pd.DataFrame.from_records([
        candidate(f"{i:064x}", signer=signer, status_category=status, **shared)  # type: ignore[arg-type]
        for i, (signer, status, _) in enumerate(signers_statuses)
    ])
    explained = ("signer_obscurity", "signer_spread", "signer_recency", "signer_not_in_path", "path_surprise",
                 "company_surprise", "renamed", "lolbin_parent", "company_impersonation")
    untouched = ("hash_rarity",)
    names = (*explained, *untouched)
    assert set(KNOWN_PUBLISHER_EXPLAINS) == set(FEATURE_FUNCTIONS) - {"hash_rarity"}
    params = feature_params(ModelConfig())
    assert params.known_publisher_discount == 1.0
    assert "oracle america inc" in params.known_publishers and "amazon com inc" in params.known_publishers
    plain = suspicion_features(rows, names, dataclasses.replace(params, known_publisher_discount=0.0))
    discounted = suspicion_features(rows, names, params)
    for position, (_, _, known) in enumerate(signers_statuses):
        for name in explained:
            assert plain[name].iloc[position] > 0.0, (position, name)
            assert discounted[name].iloc[position] == (0.0 if known else plain[name].iloc[position]), (position, name)
        for name in untouched:
            assert plain[name].iloc[position] > 0.0, (position, name)
            assert discounted[name].iloc[position] == plain[name].iloc[position], (position, name)
    halved = suspicion_features(rows, names, dataclasses.replace(params, known_publisher_discount=0.5))
    assert halved.loc[0, list(explained)].tolist() == pytest.approx((plain.loc[0, list(explained)] * 0.5).tolist())
    assert _pickled_before(params, "known_publisher_discount").known_publisher_discount == 0.0
    assert fold_signers(["Oracle America, Inc.", "Amazon.com, Inc.", "  ", "Microsoft_Corporation"]) == (
        "amazon com inc", "microsoft corporation", "oracle america inc"
    )


def test_signer_not_in_path_reads_the_flag_and_judges_nothing_without_it() -> None:
    """1 where no path names the signer, 0 where one does, 0 where there is nothing to judge (a signer without a
    distinctive word: null; candidates written before the flag: absent); gated by rarity like every fact."""
    rare = {"hash_host_count": 1}
    rows = pd.DataFrame.from_records(
        [
            candidate("a" * 64, **rare, path_names_signer=False),
            candidate("b" * 64, **rare, path_names_signer=True),
            candidate("c" * 64, **rare, path_names_signer=None),
            candidate("d" * 64, hash_host_count=400, path_names_signer=False),  # common: gated to 0
        ]
    )
    names = ("hash_rarity", "signer_not_in_path")
    assert suspicion_features(rows, names)["signer_not_in_path"].tolist() == [1.0, 0.0, 0.0, 0.0]
    written_before = pd.DataFrame.from_records([candidate("e" * 64, **rare)])
    assert "path_names_signer" not in written_before.columns
    assert suspicion_features(written_before, names)["signer_not_in_path"].tolist() == [0.0]


@pytest.mark.parametrize(
    ("feature", "other", "hosts"),
    [
        ("path_impersonation", "path_vendor", "path_vendor_host_count"),  # a path names another vendor
        ("name_impersonation", "name_owner", "name_owner_host_count"),  # the file name is another's product
    ],
)
def test_impersonation_reads_how_widespread_the_other_signer_is(feature: str, other: str, hosts: str) -> None:
    """A path or file name naming a signer on 150 of 400 hosts (past the 20-host ceiling) that is not the
    binary's: 1; one on 4 hosts: partly; none named, the path also naming the binary's own signer (a vendor's
    add-in named for the product it extends, in its own folder), a common binary, or candidates written before
    the figures: 0."""
    rare = {"hash_host_count": 1, "path_names_signer": False}
    rows = pd.DataFrame.from_records(
        [
            candidate("a" * 64, **rare, **{other: "nvidia corporation", hosts: 150}),
            candidate("b" * 64, **rare, **{other: "tiny vendor ltd", hosts: 4}),
            candidate("c" * 64, **rare, **{other: None, hosts: 0}),
            candidate("d" * 64, hash_host_count=1, path_names_signer=True, **{hosts: 150}),
            candidate("e" * 64, hash_host_count=400, path_names_signer=False, **{hosts: 150}),
            candidate("f" * 64, **rare),
        ]
    )
    values = suspicion_features(rows, ("hash_rarity", feature))[feature].tolist()
    assert values == pytest.approx([1.0, 1.0 - np.log(20.0 / 5.0) / np.log(20.0), 0.0, 0.0, 0.0, 0.0])
    written_before = pd.DataFrame.from_records([candidate("g" * 64, **rare)])
    assert hosts not in written_before.columns
    assert suspicion_features(written_before, ("hash_rarity", feature))[feature].tolist() == [0.0]
