"""Typed loaders of the simulator's package data: ``data/software.yaml`` and ``data/scenarios.yaml``.

Both files are validated on load; an unknown or missing key raises :class:`SimulatorDataError` naming it.
Each file is read once per process (the result is frozen and cached).
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

DATA_PACKAGE = "codesign_prevalence.simulator"
SOFTWARE_FILE = "data/software.yaml"
SCENARIOS_FILE = "data/scenarios.yaml"

Triple = tuple[float, float, float]


class SimulatorDataError(ValueError):
    """A simulator data file does not match its schema."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- software.yaml ---------------------------------------------------------------------------------------


class ExecutableData(_Strict):
    path: str
    weight: float = Field(gt=0)
    run_as: str
    calls: tuple[tuple[str, str], ...] = (("", "explorer"),)
    description: str = ""


class OsExecutableData(ExecutableData):
    signer: str
    where: str


class OsBuildData(_Strict):
    key: str
    full: str
    version: str
    build: int
    revision: int
    server: bool
    weight: float = Field(gt=0)


class BigVendorData(_Strict):
    key: str
    signer: str
    company: str


class BigProductData(_Strict):
    vendor: str
    name: str
    share: Triple
    rate: float = Field(ge=0)
    base: tuple[int, int, int, int]
    executables: tuple[ExecutableData, ...]
    roles: tuple[str, ...] = ()
    scenario: str = "common_software"


class SoftwareData(_Strict):
    os_builds: tuple[OsBuildData, ...]
    os_executables: tuple[OsExecutableData, ...]
    big_vendors: tuple[BigVendorData, ...]
    big_products: tuple[BigProductData, ...]


# --- scenarios.yaml --------------------------------------------------------------------------------------


class Range(_Strict):
    low: float
    high: float
    log: bool = False
    follows_regime: bool = False


class ProfileData(_Strict):
    regime_jitter: float = Field(ge=0)
    tail_density: Range
    hard_negative_scale: Range
    attack_hosts_max: Range
    campaign_probability: Range
    developer_builds_per_day: Range
    careful_attacks: Range


class LongTailData(_Strict):
    vendors: int = Field(ge=1)
    kind_weights: dict[str, float]
    tail_from_rank: int = Field(ge=0)
    tail_kinds: tuple[str, ...]
    own_brand_products: float = Field(ge=0, le=1)
    acronym_brands: float = Field(ge=0, le=1)


class AttackCountData(_Strict):
    at_reference: float = Field(gt=0)
    reference_host_days: float = Field(gt=0)
    minimum: int = Field(ge=1)
    maximum: int = Field(ge=1)


class CampaignData(_Strict):
    size: tuple[int, int]
    hosts: tuple[int, ...]
    hosts_per_hash: int = Field(ge=1)


class AttackData(_Strict):
    count: AttackCountData
    weights: dict[str, float]
    hosts: tuple[int, ...]
    campaign: CampaignData
    not_renamed: float = Field(ge=0, le=1)
    matching_company: float = Field(ge=0, le=1)
    in_signer_folder: float = Field(ge=0, le=1)
    fleet_name: float = Field(ge=0, le=1)
    random_folder: float = Field(default=0.0, ge=0, le=1)
    benign_first_parent: float = Field(ge=0, le=1)
    benign_first_parents: tuple[str, ...]
    lateral_parent: float = Field(default=0.0, ge=0, le=1)
    lateral_parents: dict[str, float] = Field(default_factory=dict)


class HardNegativeData(_Strict):
    description: str
    per_100_hosts: float = Field(ge=0)
    minimum: int = Field(ge=0)
    hosts: tuple[int, ...]
    folders: tuple[str, ...]
    status: dict[str, float]
    new_signer: float = Field(ge=0, le=1)
    company: dict[str, float]
    renamed: float = Field(ge=0, le=1)
    parents: dict[str, float]
    run_as_system: float = Field(default=0.0, ge=0, le=1)
    product_name: float = Field(default=0.0, ge=0, le=1)
    product_folder: float = Field(default=0.0, ge=0, le=1)
    glued_name: float = Field(default=0.0, ge=0, le=1)
    random_folder: float = Field(default=0.0, ge=0, le=1)


class RareBenignData(_Strict):
    developer_signing_share: float = Field(ge=0, le=1)
    developer_parents: dict[str, float]
    niche_tools_per_100_hosts: float = Field(ge=0)
    niche_tools_minimum: int = Field(ge=0)
    niche_tools_maximum: int = Field(ge=0)


class ScenarioData(_Strict):
    profile: ProfileData
    long_tail: LongTailData
    attacks: AttackData
    rare_benign: RareBenignData
    hard_negatives: dict[str, HardNegativeData]


def _read_yaml(name: str, path: Path | None) -> Any:
    text = path.read_text() if path else resources.files(DATA_PACKAGE).joinpath(name).read_text()
    return yaml.safe_load(text)


def _validate(model: type[BaseModel], raw: Any, name: str) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise SimulatorDataError(f"{name}: {where}: {first['msg']}") from None


def parse_software(raw: Any, name: str = SOFTWARE_FILE) -> SoftwareData:
    data: SoftwareData = _validate(SoftwareData, raw, name)
    return data


def parse_scenarios(raw: Any, name: str = SCENARIOS_FILE) -> ScenarioData:
    data: ScenarioData = _validate(ScenarioData, raw, name)
    return data


@functools.cache
def software_data() -> SoftwareData:
    """The packaged software catalogue."""
    return parse_software(_read_yaml(SOFTWARE_FILE, None))


@functools.cache
def scenario_data() -> ScenarioData:
    """The packaged scenario weights and per-fleet profile ranges."""
    return parse_scenarios(_read_yaml(SCENARIOS_FILE, None))
