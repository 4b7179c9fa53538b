#!/usr/bin/env bash
# Installs Debian's chromium package when /usr/bin/chromium is missing, for the tests that
# open `palisade netpol -o html` in a headless browser. A second run finds it and costs
# nothing. Set PALISADE_CHROMIUM to use another browser binary instead.
set -euo pipefail

bin=${PALISADE_CHROMIUM:-/usr/bin/chromium}
if [[ -x "$bin" ]]; then exit 0; fi

if [[ $(id -u) -eq 0 ]]; then
	run=()
elif command -v sudo >/dev/null 2>&1; then
	run=(sudo)
else
	echo "chromium: $bin is missing, and installing it needs root or sudo;" \
		"install it with: apt-get install -y --no-install-recommends chromium" >&2
	exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "chromium: $bin is missing and this system has no apt-get;" \
		"install Chromium and set PALISADE_CHROMIUM to its path" >&2
	exit 1
fi

echo "chromium: installing Debian's chromium package (for the HTML report's browser test)" >&2
export DEBIAN_FRONTEND=noninteractive
"${run[@]}" apt-get update -qq
"${run[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null
if [[ ! -x "$bin" ]]; then
	echo "chromium: apt-get installed the chromium package but $bin is still missing" >&2
	exit 1
fi
