"""The one typed configuration object, loaded from ``conf/*.yaml`` and ``--set KEY=VALUE`` overrides.

Every section rejects unknown keys, naming the key, so that a typo never silently falls back to a default.
The built-in defaults below are the seed rule's values; ``conf/default.yaml`` is a copy of them that a
test keeps in step.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from codesign_prevalence.errors import ConfigError
from codesign_prevalence_model.known_names import KNOWN_PUBLISHERS, SEED_ALLOWED_PUBLISHERS

# The seed rule (Elastic's EQL rule for T1588.003), verbatim values.
SEED_ANOMALOUS_STATUSES: tuple[str, ...] = (
    "expired",
    "revoked",
    "invalid",
    "errorUntrustedRoot",
    "errorExpired",
    "errorChaining",
)
SEED_PATH_PATTERNS: tuple[str, ...] = (
    "*\\AppData\\*",
    "*\\Temp\\*",
    "*\\Downloads\\*",
    "*\\Users\\Public\\*",
    "*\\ProgramData\\*",
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class StorageConfig(_Section):
    """Where the tables live: Delta paths under ``root`` (the default), or, with ``catalog`` and ``schema`` set,
    catalog tables ``<catalog>.<schema>.<table>`` (Unity Catalog on Databricks; locally ``spark_catalog``, kept in
    a metastore under ``root``). ``root`` also holds the default MLflow store and the reports either way."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, populate_by_name=True)

    root: str = "lakehouse"
    catalog: str | None = None
    schema_name: str | None = Field(default=None, alias="schema")  # "schema" is a pydantic BaseModel attribute

    @field_validator("catalog", "schema_name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must be a non-empty name (or unset)")
        return value

    @model_validator(mode="after")
    def _both_or_neither(self) -> StorageConfig:
        if (self.catalog is None) != (self.schema_name is None):
            raise ValueError("storage.catalog and storage.schema are set together (or neither)")
        return self

    @property
    def root_path(self) -> Path:
        return Path(self.root).expanduser().absolute()


class SparkConfig(_Section):
    master: str = "local[*]"
    remote: str | None = None  # a Spark Connect URL (sc://host:port): every stage runs through Spark Connect
    app_name: str = "codesign-prevalence"
    driver_memory: str = "4g"
    shuffle_partitions: int = Field(default=8, ge=1)
    ui_enabled: bool = False
    log_level: str = "ERROR"
    jars_dir: str | None = None
    # A local JVM tuned for one short command on a small input (spark.py, FAST_START_JVM_OPTIONS): on, off, or
    # "auto": on when the files the command reads locally (its --input files, bronze under a local storage root)
    # hold at most fast_start_max_mb megabytes (spark.resolve_fast_start).
    fast_start: bool | Literal["auto"] = "auto"
    fast_start_max_mb: int = Field(default=32, ge=0)
    extra: dict[str, str] = Field(default_factory=dict)

    @field_validator("remote")
    @classmethod
    def _connect_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("sc://"):
            raise ValueError("a Spark Connect URL starts with sc:// (sc://host:port)")
        return value


class IngestConfig(_Section):
    max_line_bytes: int = Field(default=1_048_576, ge=1024)
    arrow_batch_lines: int = Field(default=20_000, ge=100)
    raw_quarantine_chars: int = Field(default=65_536, ge=256)
    min_event_date: dt.date = dt.date(2000, 1, 1)
    max_future_hours: int = Field(default=48, ge=0)
    # Input files on this machine holding at most this many MB together (gzip as it is on disk) are read and
    # classified by this process and handed to Spark as Arrow, not by Python tasks (no worker to start); 0: never.
    in_driver_max_mb: float = Field(default=8.0, ge=0)
    # auto: decide per document (Elastic Defend, Sysmon raw or through ECS, Defender, Code Integrity); or
    # force one. (``elastic_defend``, the only value of earlier versions, still reads as ``elastic``.)
    source: Literal["auto", "elastic", "sysmon", "defender", "codeintegrity"] = "auto"

    @field_validator("source", mode="before")
    @classmethod
    def _earlier_source_name(cls, value: Any) -> Any:
        return "elastic" if value == "elastic_defend" else value


class RuleConfig(_Section):
    """The seed rule's lists. Statuses compare exactly; paths and publishers case-insensitively."""

    anomalous_statuses: tuple[str, ...] = SEED_ANOMALOUS_STATUSES
    path_patterns: tuple[str, ...] = SEED_PATH_PATTERNS
    allowed_publishers: tuple[str, ...] = SEED_ALLOWED_PUBLISHERS


class FeaturesConfig(_Section):
    lookback_days: int = Field(default=30, ge=1)
    lolbin_parents: tuple[str, ...] = (
        "rundll32.exe",
        "regsvr32.exe",
        "mshta.exe",
        "wscript.exe",
        "cscript.exe",
        "powershell.exe",
        "pwsh.exe",
        "cmd.exe",
        "msiexec.exe",
        "certutil.exe",
        "bitsadmin.exe",
        "wmic.exe",
        "installutil.exe",
        "regasm.exe",
        "msbuild.exe",
        "winword.exe",
        "excel.exe",
        "powerpnt.exe",
        "outlook.exe",
    )


# model.fact_priors' defaults (session 39): the square roots of the fitted multipliers, which lie in [0.5, 2] (the
# full multipliers lowered the independent generator's hunt line by 0.013 on fleets they were fitted on); cert_age,
# never present in those fleets, keeps 1.0.
DEFAULT_FACT_PRIORS: dict[str, float] = {
    "hash_rarity": 1.14,
    "signer_obscurity": 0.71,
    "status_severity": 1.04,
    "status_surprise": 1.2,
    "certificate_impostor": 1.41,
    "path_surprise": 0.71,
    "signer_not_in_path": 0.71,
    "path_impersonation": 0.71,
    "name_impersonation": 0.97,
    "name_copy": 0.97,
    "known_name": 1.41,
    "company_surprise": 0.71,
    "company_impersonation": 1.41,
    "renamed": 0.71,
    "document_lure": 1.41,
    "lolbin_parent": 1.2,
    "signer_recency": 1.41,
    "signer_spread": 1.41,
    "hash_new": 1.35,
}


class ModelConfig(_Section):
    """The IsolationForest, its features (``codesign_prevalence_model/features.py``), scoring, alerts, reasons."""

    name: str = "codesign_prevalence_iforest"
    n_estimators: int = Field(default=1000, ge=10)
    # Rows per tree (an int above the training rows means all of them). Small subsamples (Liu, Ting and
    # Zhou 2008: 256 or less) keep a campaign of near-identical hashes from masking itself as a dense cluster.
    max_samples: int | float | Literal["auto"] = 128
    max_features: float = Field(default=1.0, gt=0.0, le=1.0)
    random_state: int = 42
    max_training_rows: int = Field(default=200_000, ge=100)
    features: tuple[str, ...] = (
        "hash_rarity",
        "signer_obscurity",
        "status_severity",
        "status_surprise",
        # A certificate that does not verify under a name the fleet knows, not that name's own (session 30, with the
        # name known at the rarity ceiling; judged on fresh fleets of both generators).
        "certificate_impostor",
        "path_surprise",
        # No path of the binary names its signer; a path names another, widespread vendor (session 22: each
        # judged on fresh fleets of both generators, adopted); its file name is another signer's product
        # (session 23, the same way); its very file name is one another signer runs on half the fleet, whatever
        # the folder (session 30: judged twice, adopted the second time on a tie).
        "signer_not_in_path",
        "path_impersonation",
        "name_impersonation",
        "name_copy",
        # A well-known program's name (a Windows component, a widely used program) under a certificate that is none
        # of its publishers', read from a catalogue, not the fleet (session 31, judged on fresh fleets).
        "known_name",
        "company_surprise",
        "company_impersonation",
        "renamed",
        # A file name that is a document lure's (Invoice_2026-11.exe, Scan_00417.pdf.exe; session 29, judged on
        # fresh fleets of both generators).
        "document_lure",
        # A folder of a random name (hexadecimal, letters and digits) directly under a user's AppData\Roaming or
        # AppData\Local, ProgramData or Users\Public, where programs keep folders named after their vendor or
        # product: a dropper's staging folder (session 47).
        "random_folder",
        "lolbin_parent",
        # A parent that starts programs for someone elsewhere (WMI's provider host, WinRM's hosts, WMI's script
        # consumer) started it on some host: lateral movement through WMI or PowerShell remoting (session 43).
        "remote_parent",
        # Not listed: task_parent (the Task Scheduler's process starts the binary most often: persistence as a
        # scheduled task), available; it raised the eight lines' mean AP on fresh fleets but lost its judgement on
        # the rule-missed attacks found (benchmarks/README.md, "Session 42"); publisher_lapsed (a well-known
        # publisher's expired certificate), available; it lowered the eight lines' mean AP on fresh fleets, where
        # publishers' old installers outnumbered the attacks under their lapsed certificates ("Session 44").
        # Of the certificate figures cert_age helped on the quality benchmark (benchmarks/README.md), and
        # certificate_impostor (above); issuer_rarity, cert_short_lifetime and ci_enforcement are available, not
        # default.
        "cert_age",
        # New to the fleet (where the fleet was watched long enough before the signer appeared): helped on
        # the simulator's and the independent generator's fleets alike (benchmarks/README.md, session 9).
        "signer_recency",
        # The signer's other binaries reach more hosts between them than the widest of them does: a campaign
        # shipping a new hash to each few victims under one certificate. Lost its judgements of sessions 16 and 35;
        # adopted by its third in session 36, once the simulator carried careful actors' campaigns
        # (benchmarks/README.md, "Session 36").
        "signer_spread",
        # The binary arrived during the period under review (after the first watched day, within hash_new_days):
        # 88-99 % of every generator's attacks, 49-79 % of their benign binaries (benchmarks/README.md, "Session
        # 38"). Last in the list: the forest reads the columns in this order.
        "hash_new",
    )
    training_population: Literal["reference", "hunt", "rule", "all"] = "reference"
    # Weight of the forest's score beside the additive one (weighted mean of the suspicion features); 1 = forest
    # alone. 0.1 since session 18, with the surprisal weights: on these fleets the forest does not earn a larger
    # share against a well-weighted sum (benchmarks/README.md, "Session 18").
    forest_weight: float = Field(default=0.1, ge=0.0, le=1.0)
    # Whether the additive score counts hash_rarity beside the facts it gates. false (with forest_weight 0.4)
    # won on the tuning fleets and on the independent generator's fresh ones, lost on the simulator's fresh
    # ones: available, not default (benchmarks/README.md, "Session 18").
    additive_includes_rarity: bool = True
    # How the additive score weighs the facts: each by its surprisal in the training population (the default
    # since session 18: codesign_prevalence_model/forest.py, fact_surprisals; benchmarks/README.md), or alike.
    additive_weights: Literal["uniform", "surprisal"] = "surprisal"
    # With surprisal weights, each weight is the surprisal to this power: 1 = the surprisal itself, towards 0 =
    # alike. 0.5 lost its judgement on fresh fleets in session 19 and won its second, with session 30's model
    # (benchmarks/README.md, "Session 19", "Session 30").
    surprisal_power: float = Field(default=0.5, gt=0.0, le=1.0)
    # With surprisal weights, the facts whose base rate depends on the kind of folder (hash_rarity, signer_obscurity,
    # path_surprise, signer_not_in_path, renamed, lolbin_parent, task_parent, signer_recency, hash_new) weigh their
    # surprisal among the training rows of the binary's own folder class (path_class), each class's rate drawn
    # toward the fleet-wide one by this many rows (codesign_prevalence_model/forest.py, peer_surprisals); null: the
    # fleet-wide weights for every row, as before session 34 (benchmarks/README.md, "Session 34", "Session 35").
    peer_prior_rows: float | None = Field(default=20.0, ge=0.0)
    # With surprisal weights, the facts whose weight is the surprisal of the level a row reaches (the training rows at
    # or above its value), not of the fact's mere presence: a graded fact that many benign binaries carry a little of
    # (a product's siblings on a few more hosts than its widest binary) and few at full strength (a certificate's
    # hashes each on hosts of their own) weighs its strength's rarity (codesign_prevalence_model/forest.py,
    # level_table). Those model.features does not list are not graded; a fact of the folder classes' weights
    # (peer_prior_rows) weighs its level fleet-wide. [signer_spread] won on four tuning sets (tied on a fifth) and
    # lost its judgement by 0.0006 of the line means' average (benchmarks/README.md, "Session 37"): available, not
    # default.
    graded_facts: tuple[str, ...] = ()
    # With surprisal weights, lolbin_parent weighs more in a row whose parent (its most frequent, example_parent) is
    # rarer among the training rows that a LOLBin or Office app started: the most common such parent (msiexec or cmd
    # starting installers) weighs what the fact's presence does, one no training row had (rundll32, mshta, an
    # Office app starting an implant) as a fact no training row carries (codesign_prevalence_model/forest.py,
    # parent_factors). false: every parent alike, as models logged before session 41 score.
    parent_surprisal: bool = True
    # With surprisal weights, each fact's weights (fleet-wide, per folder class, per level) times this prior: how
    # much the fact says "attack" beside how rare it is in the fleet. A fact not named keeps 1.0. The defaults were
    # fitted on labelled fleets of four generators written apart (a logistic regression on the facts' additive
    # contributions, clipped to [0.5, 2], square roots taken); learnt on three generators, such priors raised the
    # fourth's lines on average in each turn (benchmarks/README.md, "Session 39"). A mapping given replaces the
    # defaults whole (``--set model.fact_priors.known_name=2`` leaves every other fact at 1.0); {}: the weights of
    # session 38.
    fact_priors: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_FACT_PRIORS))
    rarity_ceiling_fraction: float = Field(default=0.05, gt=0.0, le=1.0)
    rarity_ceiling_min_hosts: int = Field(default=10, ge=2)
    # The rarity gate of the other features is min(1, hash_rarity / knee): 1 = the rarity itself.
    rarity_gate_knee: float = Field(default=0.25, gt=0.0, le=1.0)
    # Facts the rarity does not gate: a well-known program's name under a signer that is not its publisher
    # (known_name, since session 40) and a document's name on an executable (document_lure, since session 41:
    # "Invoice_6982.exe", "scan.pdf.exe") count however widely the binary runs; a campaign of fake updaters on a
    # twentieth of the fleet, or a phishing wave that reached a third of a small office, would otherwise sit at the
    # origin with the fleet's everyday software (benchmarks/README.md, "Session 40", "Session 41"). The rarity itself
    # cannot be listed. Models logged before session 40 gate every fact.
    ungated_facts: tuple[str, ...] = ("known_name", "document_lure")
    signer_recency_days: float = Field(default=7.0, gt=0.0)
    # hash_new: a binary the fleet first ran this many days ago or more is established, not new (the default
    # look-back, features.lookback_days: what a run reviews).
    hash_new_days: float = Field(default=30.0, gt=0.0)
    # cert_age: 1 for a certificate issued the day the binary first ran, 0 from this many days on.
    cert_age_horizon_days: float = Field(default=30.0, gt=0.0)
    # cert_short_lifetime: 1 for a certificate valid for no time, 0 from this many days of validity on.
    cert_short_lifetime_days: float = Field(default=365.0, gt=0.0)
    # A developer's churn (many hashes of the signer per host it reaches) discounts signer_obscurity,
    # company_surprise and status_severity by 1 / (1 + churn_discount * log2(churn)); 0 = off
    # (codesign_prevalence_model/features.py, developer_churn_discount). 1.0 since session 19 (judged twice on
    # fresh fleets: lost by 0.0007 of the means' average the first time, won the second, after the simulator's
    # developers built as often as real ones; benchmarks/README.md, "Session 19"). Models logged before score
    # without it.
    churn_discount: float = Field(default=1.0, ge=0.0)
    # A certificate that names itself a test or development one ("WDKTestCert <user>,...", "<Org> Dev Test CA"), or
    # is named after the user whose profile runs the binary (session 31), and does not chain to a trusted root: the
    # share of the facts it explains (its status, the signer unknown to the fleet and named by no path, a header
    # naming someone else) taken off; 0 = off, 1 = cleared
    # (codesign_prevalence_model/features.py, declared_test_certificate). 0.5: the name is the certificate's own claim.
    # Models logged before score without it.
    test_certificate_discount: float = Field(default=0.5, ge=0.0, le=1.0)
    # A certificate that verifies (status trusted) and whose subject is one of known_publishers (compared as the
    # signer is folded: case, spaces and punctuation): the share taken off every fact but the rarity, when a binary
    # is scored (the forest and the weights learn the facts as observed); 0 = off, 1 = cleared (session 40). A small
    # fleet or a capture of a few hosts has not seen Microsoft's widespread binaries; the world has, and a trusted
    # signature in such a name is the publisher's: what else the binary shows is another technique's evidence.
    # Models logged before score without it.
    known_publisher_discount: float = Field(default=1.0, ge=0.0, le=1.0)
    # The seed rule's allow-list and "Microsoft Windows" (the subject of Windows' own components) by default; a key
    # of its own: widening the rule's list need not widen the model's trust.
    known_publishers: tuple[str, ...] = KNOWN_PUBLISHERS
    alert_top_n: int = Field(default=20, ge=0)
    alert_min_score: float | None = None
    # Every default feature's reason: 22 features, four of whose reasons the fuller ones say (certificate_impostor
    # says status_surprise's, either of them status_severity's, company_impersonation company_surprise's, name_copy
    # name_impersonation's): 18. The Code Integrity evidence is named beyond them.
    reasons_per_binary: int = Field(default=18, ge=1, le=22)
    reason_min_contribution: float = Field(default=0.005, ge=0.0)

    @field_validator("fact_priors")
    @classmethod
    def _positive_priors(cls, value: dict[str, float]) -> dict[str, float]:
        for name, prior in value.items():
            if not math.isfinite(prior) or prior <= 0.0:
                raise ValueError(f"the prior of '{name}' must be a number above 0")
        return value


class MlflowConfig(_Section):
    tracking_uri: str | None = None
    registry_uri: str | None = None
    experiment: str = "codesign-prevalence"


class EvaluateConfig(_Section):
    """Labels for ``evaluate``/``compare``, the cut-off k of recall@k and top-k overlap, the promotion metric."""

    labels: str | None = None
    promote_metric: Literal[
        "rule_average_precision",
        "rule_precision_at_k",
        "rule_recall_at_k",
        "hunt_average_precision",
        "hunt_precision_at_k",
        "hunt_recall_at_k",
    ] = "rule_average_precision"
    top_k: int = Field(default=20, ge=1)


class Config(_Section):
    storage: StorageConfig = StorageConfig()
    spark: SparkConfig = SparkConfig()
    ingest: IngestConfig = IngestConfig()
    rule: RuleConfig = RuleConfig()
    features: FeaturesConfig = FeaturesConfig()
    model: ModelConfig = ModelConfig()
    mlflow: MlflowConfig = MlflowConfig()
    evaluate: EvaluateConfig = EvaluateConfig()

    @field_validator("rule")
    @classmethod
    def _rule_lists_not_empty(cls, rule: RuleConfig) -> RuleConfig:
        if not rule.anomalous_statuses or not rule.path_patterns:
            raise ValueError("rule.anomalous_statuses and rule.path_patterns must not be empty")
        return rule

    @model_validator(mode="after")
    def _catalog_placeholders(self) -> Config:
        """``{catalog}`` and ``{schema}`` in ``storage.root`` and ``model.name`` stand for ``storage.catalog`` and
        ``storage.schema``: one settings file (``conf/databricks.yaml``) serves every Databricks target, each
        task giving only ``--set storage.catalog=...``."""
        holders = ("{catalog}", "{schema}")
        texts = {"storage.root": self.storage.root, "model.name": self.model.name}
        if not any(holder in text for text in texts.values() for holder in holders):
            return self
        catalog, schema = self.storage.catalog, self.storage.schema_name
        if catalog is None or schema is None:
            key = next(key for key, text in texts.items() if any(holder in text for holder in holders))
            raise ValueError(f"{key} names {{catalog}}/{{schema}}, but storage.catalog and storage.schema are not set")

        def filled(text: str) -> str:
            return text.replace("{catalog}", catalog).replace("{schema}", schema)

        return self.model_copy(
            update={
                "storage": self.storage.model_copy(update={"root": filled(self.storage.root)}),
                "model": self.model.model_copy(update={"name": filled(self.model.name)}),
            }
        )


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        return f"unknown configuration key '{key}'"
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"invalid value for '{key}': {message}" if key else f"invalid configuration: {message}"


def _set_dotted(tree: dict[str, Any], dotted_key: str, value: Any) -> None:
    parts = dotted_key.split(".")
    node = tree
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"cannot set '{dotted_key}': '{part}' is not a section")
        node = child
    node[parts[-1]] = value


def parse_override(assignment: str) -> tuple[str, Any]:
    """Split ``KEY=VALUE``; the value is read as YAML (``true``, ``3``, ``[a, b]``), else kept as text."""
    key, sep, raw = assignment.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set expects KEY=VALUE, got '{assignment}'")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    if key.strip() in {"storage.root", "mlflow.tracking_uri", "evaluate.labels"}:
        value = raw
    return key.strip(), value


def load_config(path: str | Path | None = None, overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Load the configuration: built-in defaults, then the YAML file, then each ``--set`` override."""
    tree: dict[str, Any] = {}
    if path is not None:
        conf_path = Path(path)
        if not conf_path.is_file():
            raise ConfigError(f"configuration file not found: {conf_path}")
        try:
            loaded = yaml.safe_load(conf_path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ConfigError(
                f"configuration file {conf_path} is not valid YAML: {exc}".splitlines()[0]
            ) from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"configuration file {conf_path} must hold a mapping of sections")
        tree = loaded
    for assignment in overrides:
        key, value = parse_override(assignment)
        _set_dotted(tree, key, value)
    try:
        return Config.model_validate(tree)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def config_as_yaml(config: Config) -> str:
    """The configuration as YAML, the form ``conf/default.yaml`` holds."""
    return yaml.safe_dump(config.model_dump(mode="json", by_alias=True), sort_keys=False, allow_unicode=True)


if __name__ == "__main__":  # python -m codesign_prevalence.config > conf/default.yaml
    print("# codesign-prevalence configuration: the built-in defaults (the seed rule's values).")
    print(
        "# Copy this file, change what you need, pass it with --conf FILE; override one key with --set KEY=VALUE."
    )
    print(config_as_yaml(Config()), end="")
