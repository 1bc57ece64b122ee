#!/usr/bin/env bash
# Installs Debian's chromium (for the headless check of the run report, tests/test_report_cli.py) when
# /usr/bin/chromium is missing. Quiet and idempotent; never fails the caller: without chromium (not root,
# no apt-get, no network) the screenshot test skips and says why.
set -uo pipefail

[ -x /usr/bin/chromium ] && exit 0
say() { printf 'setup-chromium: %s\n' "$*" >&2; }
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  say "chromium is not installed and cannot be installed here (needs root and apt-get); its test will skip"
  exit 0
fi
say "installing Debian's chromium for the report screenshot test (once)"
install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; }
if ! install; then
  apt-get update -qq >/dev/null 2>&1 && install || say "apt-get could not install chromium; its test will skip"
fi
exit 0
