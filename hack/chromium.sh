#!/usr/bin/env bash
# Installs Debian's chromium package when /usr/bin/chromium is missing, for the test that
# opens `palisade netpol -o html` in a headless browser. A second run finds it and costs
# nothing. Set PALISADE_CHROMIUM to use another browser binary instead.
#
# When it cannot install it (no root and no sudo, no apt-get, apt-get failing) it says so;
# that fails `make test` under CI=true, and elsewhere the browser test is skipped.
set -euo pipefail

bin=${PALISADE_CHROMIUM:-/usr/bin/chromium}
if [[ -x "$bin" ]]; then exit 0; fi

cannot() {
	echo "chromium: $bin is missing and $1; install it with:" \
		"apt-get install -y --no-install-recommends chromium (or set PALISADE_CHROMIUM)" >&2
	if [[ ${CI:-} == true ]]; then exit 1; fi
	echo "chromium: the headless browser test will be skipped" >&2
	exit 0
}

if [[ $(id -u) -eq 0 ]]; then
	run=()
elif command -v sudo >/dev/null 2>&1; then
	run=(sudo)
else
	cannot "installing it needs root or sudo"
fi
command -v apt-get >/dev/null 2>&1 || cannot "this system has no apt-get"

echo "chromium: installing Debian's chromium package (for the HTML report's browser test)" >&2
export DEBIAN_FRONTEND=noninteractive
"${run[@]}" apt-get update -qq || cannot "apt-get update failed"
"${run[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null || cannot "apt-get install failed"
[[ -x "$bin" ]] || cannot "the chromium package did not install it"
