#!/usr/bin/env bash
# The whole check: set-up if needed, then ruff, mypy and the test suite (pytest), offline.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/setup-chromium.sh
echo "== ruff"; .venv/bin/ruff check src tests benchmarks
echo "== mypy"; .venv/bin/mypy
echo "== pytest"; .venv/bin/python -m pytest -n 2 --dist loadgroup --no-loadscope-reorder "$@"
