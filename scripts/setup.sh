#!/usr/bin/env bash
# Installs whatever is missing, and nothing that is already there:
#   .venv/ (Python 3.11) with the project and its pinned dependencies, and Delta Lake's jars in .cache/jars.
# Safe to run again; after it has run once, job runs and tests need no network.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

if ! command -v java >/dev/null 2>&1; then
  say "Java 17 is needed by Spark and was not found on PATH; install it (e.g. apt-get install openjdk-17-jre-headless)"
  exit 1
fi

python_bin="${PYTHON:-}"
if [ -z "$python_bin" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      python_bin="$candidate"; break
    fi
  done
fi
if [ -z "$python_bin" ]; then
  say "Python 3.11 was not found; install it or point PYTHON at it"
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $python_bin"
  "$python_bin" -m venv .venv
fi

stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  say "installing the project and its pinned dependencies into .venv (a few minutes the first time)"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[spark,dev]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi

mkdir -p .cache
.venv/bin/python -m codesign_prevalence.spark fetch-jars >/dev/null 2>.cache/fetch-jars.log || {
  cat .cache/fetch-jars.log >&2; rm -f .cache/fetch-jars.log
  say "could not fetch Delta Lake's jars from Maven Central"
  exit 1
}
rm -f .cache/fetch-jars.log

# A class-data-sharing archive of the JVM's classes, made once from a tiny ingest and features run (~2 min): every
# later Spark JVM starts several seconds faster. Optional: without it the jobs run as before.
archive=$(.venv/bin/python -c 'from codesign_prevalence.spark import class_archive as a; print(a())')
if [ ! -f "$archive.size" ] && [ ! -f "$archive.failed" ]; then
  say "archiving the JVM's classes for faster starts (once, about 2 minutes)"
  .venv/bin/python -m codesign_prevalence.spark archive-classes >.cache/archive-classes.log 2>&1 \
    || say "no class archive (see .cache/archive-classes.log); the jobs run without it"
fi
