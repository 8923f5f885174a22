#!/usr/bin/env bash
# Installs a Debian package when the command a make target needs is missing and this user may
# install packages (root, or sudo without a password); otherwise stops with what to do.
#
#   bash scripts/ensure_package.sh <command or path> <Debian package> <make target> <what it is for>
#
# Used for Chromium (scripts/ensure_chromium.sh: the browser journeys) and pdftoppm (poppler-utils:
# the card test and `make screenshots`).
set -euo pipefail

command_name="$1"
package="$2"
target="$3"
purpose="$4"

present() {
    if [[ "$command_name" == /* ]]; then [ -x "$command_name" ]; else command -v "$command_name" >/dev/null 2>&1; fi
}

if present; then
    exit 0
fi

how="install Debian's $package package (sudo apt-get install -y $package) and run make $target again"
if ! command -v apt-get >/dev/null 2>&1; then
    echo "make $target: $purpose needs $command_name ($package) and this system has no apt-get:" >&2
    echo "  install it with this system's package manager." >&2
    exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
else
    echo "make $target: $purpose needs $command_name, and this user may not install packages:" >&2
    echo "  $how." >&2
    exit 1
fi

echo "make $target: installing Debian's $package for $purpose"
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" apt-get install -y "$package"; then
    # A fresh machine may have no package lists yet.
    "${sudo[@]}" apt-get update
    "${sudo[@]}" apt-get install -y "$package"
fi
if ! present; then
    echo "make $target: $package was installed but $command_name is missing; $how." >&2
    exit 1
fi
