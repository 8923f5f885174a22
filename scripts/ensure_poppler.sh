#!/usr/bin/env bash
# `make screenshots` (docs/e2e.md) turns each kind of PDF into a PNG with pdftoppm, from Debian's
# poppler-utils package. It is installed here when it is missing and this user may install
# packages (root, or sudo without a password); otherwise this stops with what to do.
set -euo pipefail

if command -v pdftoppm >/dev/null 2>&1; then
    exit 0
fi

how="install poppler-utils (sudo apt-get install -y poppler-utils) and run make screenshots again"
if ! command -v apt-get >/dev/null 2>&1; then
    echo "make screenshots: pdftoppm (poppler-utils) is missing and this system has no apt-get:" >&2
    echo "  install poppler's pdftoppm with this system's package manager." >&2
    exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
else
    echo "make screenshots: pdftoppm is missing, and this user may not install packages:" >&2
    echo "  $how." >&2
    exit 1
fi

echo "make screenshots: installing Debian's poppler-utils for pdftoppm"
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" apt-get install -y poppler-utils; then
    # A fresh machine may have no package lists yet.
    "${sudo[@]}" apt-get update
    "${sudo[@]}" apt-get install -y poppler-utils
fi
if ! command -v pdftoppm >/dev/null 2>&1; then
    echo "make screenshots: poppler-utils was installed but pdftoppm is missing; $how." >&2
    exit 1
fi
