#!/usr/bin/env bash
# `make test` runs the browser journeys (tests/e2e, docs/e2e.md) in Debian's Chromium, driven by
# Playwright from PyPI (Playwright's own browser download is never used). Chromium is installed
# here when it is missing and this user may install packages (root, or sudo without a
# password); otherwise this stops with what to do.
set -euo pipefail

chromium="${KORLANTAS_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then
    exit 0
fi
if [ -n "${KORLANTAS_CHROMIUM:-}" ]; then
    echo "make test: KORLANTAS_CHROMIUM=$chromium is not an executable file." >&2
    exit 1
fi

how="install Debian's chromium package (sudo apt-get install -y chromium) and run make test again"
if ! command -v apt-get >/dev/null 2>&1; then
    echo "make test: the browser journeys need Chromium at /usr/bin/chromium and this system has no apt-get:" >&2
    echo "  install Chromium and point KORLANTAS_CHROMIUM at its binary." >&2
    exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
else
    echo "make test: the browser journeys need Chromium at /usr/bin/chromium, and this user may not install packages:" >&2
    echo "  $how." >&2
    exit 1
fi

echo "make test: installing Debian's chromium for the browser journeys"
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" apt-get install -y chromium; then
    # A fresh machine may have no package lists yet.
    "${sudo[@]}" apt-get update
    "${sudo[@]}" apt-get install -y chromium
fi
if [ ! -x "$chromium" ]; then
    echo "make test: chromium was installed but $chromium is missing; $how." >&2
    exit 1
fi
