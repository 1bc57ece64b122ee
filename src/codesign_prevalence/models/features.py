"""The model's feature list as configured: the defaults, name checks and constants read from ``model.*``.

The transforms themselves are part of the registered model's own code, :mod:`codesign_prevalence_model.features`
(its docstring describes each feature). ``FeatureParams`` is also named here for the models registered before
that move, whose pickles reference ``codesign_prevalence.models.features.FeatureParams``.
"""

from __future__ import annotations

from collections.abc import Sequence

from codesign_prevalence.config import ModelConfig
from codesign_prevalence.errors import ConfigError
from codesign_prevalence_model.features import FEATURE_FUNCTIONS, RARITY_GATE, FeatureParams, fold_signers

__all__ = [
    "DEFAULT_FEATURES",
    "FeatureParams",
    "check_feature_names",
    "fact_priors",
    "feature_params",
    "graded_facts",
    "ungated_facts",
]

DEFAULT_FEATURES: tuple[str, ...] = ModelConfig().features


def feature_params(config: ModelConfig) -> FeatureParams:
    """The transforms' constants of ``model.*``."""
    return FeatureParams(
        config.rarity_ceiling_fraction,
        float(config.rarity_ceiling_min_hosts),
        config.signer_recency_days,
        config.rarity_gate_knee,
        cert_age_horizon_days=config.cert_age_horizon_days,
        cert_short_lifetime_days=config.cert_short_lifetime_days,
        churn_discount=config.churn_discount,
        test_certificate_discount=config.test_certificate_discount,
        hash_new_days=config.hash_new_days,
        known_publisher_discount=config.known_publisher_discount,
        known_publishers=fold_signers(config.known_publishers),
        ungated=ungated_facts(config),
    )


def graded_facts(config: ModelConfig) -> tuple[str, ...]:
    """The facts of ``model.graded_facts`` that ``model.features`` lists (the others are not scored, so not graded);
    a name that is no feature at all is a :class:`ConfigError`."""
    _check_known(config.graded_facts, "model.graded_facts")
    return tuple(name for name in config.graded_facts if name in config.features)


def ungated_facts(config: ModelConfig) -> tuple[str, ...]:
    """The facts of ``model.ungated_facts``; a name that is no feature, or the rarity itself (the gate), is a
    :class:`ConfigError`."""
    _check_known(config.ungated_facts, "model.ungated_facts")
    if RARITY_GATE in config.ungated_facts:
        raise ConfigError(f"model.ungated_facts cannot list {RARITY_GATE}: it is the gate")
    return tuple(config.ungated_facts)


def fact_priors(config: ModelConfig) -> dict[str, float]:
    """Each fact ``model.features`` lists and its prior of ``model.fact_priors``, 1.0 where it names none (a prior of
    a fact not scored changes nothing); a name that is no feature at all is a :class:`ConfigError`."""
    _check_known(tuple(config.fact_priors), "model.fact_priors")
    return {name: config.fact_priors.get(name, 1.0) for name in config.features}


def _check_known(names: Sequence[str], key: str) -> None:
    """A :class:`ConfigError` naming the first of ``names`` (listed under ``key``) that is no feature."""
    for name in names:
        if name not in FEATURE_FUNCTIONS:
            known = ", ".join(FEATURE_FUNCTIONS)
            raise ConfigError(f"unknown model feature '{name}' in {key}; known: {known}")


def check_feature_names(names: Sequence[str]) -> tuple[str, ...]:
    """The names, validated: known, unique, at least one (a :class:`ConfigError` names the bad one)."""
    if not names:
        raise ConfigError("model.features must list at least one feature")
    _check_known(names, "model.features")
    if len(set(names)) != len(names):
        raise ConfigError("model.features lists a feature twice")
    return tuple(names)
