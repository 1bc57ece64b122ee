#!/usr/bin/env bash
# The main job end to end on a generated sample fleet: generate -> run (ingest -> features -> train -> score -> report).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
fleet="${FLEET_DIR:-sample-fleet}"
root="${STORAGE_ROOT:-lakehouse}"
cli=".venv/bin/codesign-prevalence"
"$cli" generate --out "$fleet" --hosts "${HOSTS:-200}" --days "${DAYS:-14}" --seed "${SEED:-7}"
"$cli" --set storage.root="$root" run --input "$fleet/events.ndjson.gz"
cat <<MSG

Done. Results are Delta tables under $(pwd)/$root:
  gold/scored_binaries   ranked binaries with reasons (one row per binary, population and as-of date)
  gold/candidates, gold/hash_prevalence, gold/signer_prevalence, silver/rule_matches
  bronze/process_events, bronze/quarantine
MLflow runs and the registered model:  .venv/bin/mlflow ui --backend-store-uri sqlite:///$(pwd)/$root/mlflow/mlflow.db
Read the scored table from Python:     .venv/bin/python -c "from deltalake import DeltaTable; print(DeltaTable('$root/gold/scored_binaries').to_pandas().sort_values(['population','rank']).head(20))"
MSG
