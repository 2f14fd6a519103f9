#!/usr/bin/env bash
# Installs the Debian 12 packages saferoom needs, and only those that are
# missing: dpkg-query decides, apt-get runs only when something is absent.
#   bash deploy/deps.sh          what building and serving need
#   bash deploy/deps.sh --test   also what the test suite needs (node, npm,
#                                chromium, zbar, clang, wrk, slowhttptest,
#                                testssl.sh) and tests/node_modules
# Runs as root on a fresh machine; on a machine that has everything it
# changes nothing and needs no network (except `npm ci` when node_modules
# does not match tests/package-lock.json).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

want_tests=0
for arg in "$@"; do
	case "$arg" in
	--test) want_tests=1 ;;
	-h|--help) sed -n '2,10p' "$0"; exit 0 ;;
	*) echo "deps.sh: unknown argument: $arg" >&2; exit 2 ;;
	esac
done

build_pkgs=(
	build-essential cmake pkg-config
	libevent-dev libssl-dev libsqlite3-dev libqrencode-dev libscrypt-dev
	libjansson-dev libpng-dev
	tzdata openssl sqlite3 ca-certificates
)
# clang and its runtime libraries (libFuzzer, the sanitizers) build tests/fuzz;
# util-linux gives prlimit and setpriv to the fault tests; slowhttptest and
# testssl.sh attack and scan a running server.
test_pkgs=(chromium zbar-tools clang libclang-rt-14-dev wrk procps util-linux
	slowhttptest testssl.sh)

wanted=("${build_pkgs[@]}")
if [ "$want_tests" = 1 ]; then
	wanted+=("${test_pkgs[@]}")
	# The machine may carry its own node (a newer one from outside apt);
	# Debian's nodejs would conflict with it, so add ours only when there
	# is none at all.
	if ! command -v node >/dev/null 2>&1; then
		wanted+=(nodejs npm)
	elif ! command -v npm >/dev/null 2>&1; then
		echo "deps.sh: node is on PATH ($(command -v node)) but npm is not;" \
		     "install the npm that belongs to that node" >&2
		exit 1
	fi
fi

installed() {
	dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null | grep -qx installed
}

missing=()
for p in "${wanted[@]}"; do
	installed "$p" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
	echo "deps.sh: installing ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps.sh: missing packages need root: apt-get install ${missing[*]}" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
else
	echo "deps.sh: all ${#wanted[@]} Debian packages present"
fi

if [ "$want_tests" = 1 ]; then
	# playwright-core drives the system chromium and downloads no browser.
	export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
	export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
	if [ -f tests/package-lock.json ]; then
		# npm ci wipes and refetches node_modules; skip it when what is
		# there already matches the lock file exactly.
		if node -e '
			const fs = require("fs");
			const lock = JSON.parse(fs.readFileSync("tests/package-lock.json", "utf8"));
			for (const [p, v] of Object.entries(lock.packages || {})) {
				if (!p.startsWith("node_modules/")) continue;
				const m = JSON.parse(fs.readFileSync("tests/" + p + "/package.json", "utf8"));
				if (m.version !== v.version) process.exit(1);
			}' 2>/dev/null; then
			echo "deps.sh: tests/node_modules matches tests/package-lock.json"
		else
			echo "deps.sh: npm ci in tests/"
			(cd tests && npm ci --no-audit --no-fund)
		fi
	else
		echo "deps.sh: npm install in tests/ (no lock file yet)"
		(cd tests && npm install --no-audit --no-fund)
	fi
fi
