#!/usr/bin/env bash
# `make test` runs the browser journeys (tests/e2e, docs/e2e.md) in Debian's Chromium, driven by
# Playwright from PyPI (Playwright's own browser download is never used). Chromium is installed
# when it is missing and this user may install packages (scripts/ensure_package.sh); otherwise
# this stops with what to do. KORLANTAS_CHROMIUM names another Chromium binary.
set -euo pipefail

if [ -n "${KORLANTAS_CHROMIUM:-}" ]; then
    if [ -x "$KORLANTAS_CHROMIUM" ]; then
        exit 0
    fi
    echo "make ${1:-test}: KORLANTAS_CHROMIUM=$KORLANTAS_CHROMIUM is not an executable file." >&2
    exit 1
fi
exec bash "$(dirname "$0")/ensure_package.sh" /usr/bin/chromium chromium "${1:-test}" "the browser journeys"
