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

Done. The tables are Delta tables under $(pwd)/$root:
  bronze/process_events, bronze/quarantine (ingest)
Query them with:  .venv/bin/python -c "from deltalake import DeltaTable; print(DeltaTable('$root/bronze/process_events').to_pandas().head())"
MSG
