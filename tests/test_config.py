from __future__ import annotations

from pathlib import Path

import pytest

from codesign_prevalence import spark as spark_module
from codesign_prevalence.config import Config, SparkConfig, config_as_yaml, load_config, parse_override
from codesign_prevalence.errors import ConfigError
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.spark import (
    CACHE_ENV_VAR,
    FAST_START_JVM_OPTIONS,
    JIT_THRESHOLD_OPTIONS,
    class_archive,
    class_archive_options,
    local_bytes,
    resolve_fast_start,
    session_settings,
)
from codesign_prevalence.storage import BRONZE_EVENTS

DEFAULT_YAML = Path(__file__).resolve().parents[1] / "conf" / "default.yaml"


def test_default_yaml_matches_built_in_defaults() -> None:
    body = "".join(
        line for line in DEFAULT_YAML.read_text().splitlines(keepends=True) if not line.startswith("#")
    )
    assert body == config_as_yaml(Config()), (
        "conf/default.yaml is out of date: regenerate it with "
        "'.venv/bin/python -m codesign_prevalence.config > conf/default.yaml'"
    )
    assert load_config(DEFAULT_YAML) == Config()


def test_seed_rule_defaults() -> None:
    rule = Config().rule
    assert "errorUntrustedRoot" in rule.anomalous_statuses
    assert "*\\Users\\Public\\*" in rule.path_patterns
    assert len(rule.allowed_publishers) == 12


def test_unknown_key_in_file_is_named(tmp_path: Path) -> None:
    conf = tmp_path / "c.yaml"
    conf.write_text("storage:\n  root: x\n  rooot: y\n")
    with pytest.raises(ConfigError, match=r"unknown configuration key 'storage\.rooot'"):
        load_config(conf)


def test_unknown_section_is_named() -> None:
    with pytest.raises(ConfigError, match="unknown configuration key 'nope'"):
        load_config(None, ["nope.x=1"])


def test_wrong_type_is_named() -> None:
    with pytest.raises(ConfigError, match=r"invalid value for 'features\.lookback_days'"):
        load_config(None, ["features.lookback_days=soon"])


def test_overrides_apply_in_order_and_keep_paths_as_text(tmp_path: Path) -> None:
    config = load_config(None, ["features.lookback_days=7", "features.lookback_days=9", "storage.root=~/x:1"])
    assert config.features.lookback_days == 9
    assert config.storage.root == "~/x:1"


def test_override_without_equals_sign() -> None:
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_override("storage.root")


def test_missing_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("- just\n- a list\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(bad)


def test_earlier_source_name_still_reads() -> None:
    assert load_config(None, ["ingest.source=elastic_defend"]).ingest.source == "elastic"


def test_fast_start_tunes_the_local_jvm_and_spark_extra_still_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path))  # no class archive there: its options are tested below
    plain = session_settings(load_config(None, []).spark, [])
    fast = session_settings(load_config(None, ["spark.fast_start=true"]).spark, [])
    assert "TieredStopAtLevel" not in plain["spark.driver.extraJavaOptions"]
    assert "spark.sql.codegen.wholeStage" not in plain
    assert plain["spark.python.sql.dataFrameDebugging.enabled"] == "false"  # no call-site capture per call
    for key in ("spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions"):
        assert plain[key].endswith(f" {JIT_THRESHOLD_OPTIONS}")
        assert fast[key] == f"{plain[key].removesuffix(JIT_THRESHOLD_OPTIONS)}{FAST_START_JVM_OPTIONS}"
    assert fast["spark.sql.codegen.wholeStage"] == "false"
    overridden = SparkConfig(fast_start=True, extra={"spark.sql.codegen.wholeStage": "true"})
    assert session_settings(overridden, [])["spark.sql.codegen.wholeStage"] == "true"


def test_fast_start_auto_is_on_for_small_local_reads_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spark_module, "_launched_by_spark_submit", lambda: False)
    monkeypatch.delenv("DATABRICKS_RUNTIME_VERSION", raising=False)
    (tmp_path / "events.ndjson.gz").write_bytes(b"x" * 1000)
    (tmp_path / "bronze" / "event_date=2026-11-26").mkdir(parents=True)
    (tmp_path / "bronze" / "event_date=2026-11-26" / "part-0.parquet").write_bytes(b"y" * 500)
    reads = [tmp_path / "events.ndjson.gz", tmp_path / "bronze"]
    assert local_bytes(reads) == 1500
    assert local_bytes(reads, stop_above=999) == 1000  # past the limit after the first file: the rest not walked
    assert local_bytes([str(tmp_path / "*.gz")]) == 1000
    assert local_bytes([tmp_path / "missing.gz"]) is None and local_bytes(["s3a://bucket/events/"]) is None

    auto = load_config(None, []).spark
    assert auto.fast_start == "auto"
    assert resolve_fast_start(auto, lambda: reads).fast_start is True
    tiny = auto.model_copy(update={"fast_start_max_mb": 0})  # 1,500 bytes are more than 0 MB
    assert resolve_fast_start(tiny, lambda: reads).fast_start is False
    assert resolve_fast_start(auto, lambda: None).fast_start is False  # catalog tables: not known here
    assert resolve_fast_start(auto, lambda: [tmp_path / "missing.gz"]).fast_start is False
    for elsewhere in (
        auto.model_copy(update={"master": "local-cluster[2,1,1024]"}),
        auto.model_copy(update={"master": "spark://cluster:7077"}),
        auto.model_copy(update={"remote": "sc://localhost:15002"}),
    ):
        assert resolve_fast_start(elsewhere, lambda: reads).fast_start is False
    with monkeypatch.context() as patched:  # spark-submit's JVM is already running
        patched.setattr(spark_module, "_launched_by_spark_submit", lambda: True)
        assert resolve_fast_start(auto, lambda: reads).fast_start is False
    for chosen in (True, False):  # an explicit choice is kept, whatever the size
        explicit = load_config(None, [f"spark.fast_start={str(chosen).lower()}"]).spark
        assert resolve_fast_start(explicit, lambda: None).fast_start is chosen
    # Unresolved, "auto" is not "on": a session built from it directly runs the default JVM.
    assert "TieredStopAtLevel" not in session_settings(auto, [])["spark.driver.extraJavaOptions"]


def test_a_command_reads_its_inputs_and_a_local_bronze(tmp_path: Path) -> None:
    root = tmp_path / "lake"
    context = JobContext(load_config(None, [f"storage.root={root}"]), reads=("events.ndjson.gz",))
    assert context._local_reads() == ["events.ndjson.gz"]  # no bronze yet: nothing of it to read
    bronze = Path(context.lakehouse.location(BRONZE_EVENTS))
    bronze.mkdir(parents=True)
    assert context._local_reads() == ["events.ndjson.gz", bronze]
    by_name = load_config(None, [f"storage.root={root}", "storage.catalog=spark_catalog", "storage.schema=cs"])
    assert JobContext(by_name, reads=("events.ndjson.gz",))._local_reads() is None
    assert JobContext(load_config(None, [f"storage.root={root}"]))._local_reads() is None  # reads not declared


def test_the_class_archive_is_used_only_when_it_is_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path))
    archive = class_archive()
    assert archive.parent == tmp_path / "jvm" and class_archive_options() == ""  # none built
    archive.parent.mkdir()
    archive.write_bytes(b"x" * 100)
    assert class_archive_options() == ""  # no recorded size: maybe still being written
    archive.with_name(archive.name + ".size").write_text("99\n")
    assert class_archive_options() == ""  # not the size it was written with: JDK 17 would crash on it
    archive.with_name(archive.name + ".size").write_text("100\n")
    options = class_archive_options()
    assert options.startswith(f"-XX:SharedArchiveFile={archive} ") and "VerifySharedSpaces" in options
    plain = session_settings(load_config(None, []).spark, [])
    assert plain["spark.driver.extraJavaOptions"].endswith(options)
    assert "SharedArchiveFile" not in plain["spark.executor.extraJavaOptions"]
