#!/usr/bin/env bash
# Benchmark of saferoomd's read paths with wrk over TLS on loopback. Prints
# requests per second for each route and its ratio to a static file served
# by the same server in the same run: the machines are noisy, so compare
# ratios between runs, not raw figures.
#   bash tests/bench/bench.sh [BUILD_DIR] [SECONDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
build="${1:-build}"
secs="${2:-5}"
command -v wrk >/dev/null || { echo "bench.sh: wrk is not installed (apt-get install wrk)" >&2; exit 2; }
dir="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$dir/key.pem" -out "$dir/cert.pem" -days 2 -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
"$build/saferoomctl" --db "$dir/s.db" demo >/dev/null
# saferoomd refuses to run as root: as root, serve as nobody, who then owns $dir.
user=()
if [ "$(id -u)" = 0 ]; then
	chown nobody: "$dir"
	user=(--user nobody)
fi
"$build/saferoomd" --db "$dir/s.db" --listen 127.0.0.1:0 --tls-cert "$dir/cert.pem" \
	--tls-key "$dir/key.pem" --log-level warn "${user[@]}" >"$dir/out" 2>"$dir/err" &
pid=$!
for _ in $(seq 50); do grep -q listening "$dir/out" 2>/dev/null && break; sleep 0.1; done
url="$(sed -n 's/^listening on //p' "$dir/out")"
monday="$(date -d 'next monday' +%F)"

rate() {
	wrk -t2 -c32 -d"${secs}s" "$url$1" | awk '/Requests\/sec/ { print $2 }'
}
ref="$(rate /static/style.css)"
printf '%-44s %10s %8s\n' route req/s ratio
printf '%-44s %10.0f %8.2f\n' /static/style.css "$ref" 1
for path in /api/v1/services /api/v1/therapists "/api/v1/slots?service=2&from=$monday&days=7" /; do
	r="$(rate "$path")"
	printf '%-44s %10.0f %8.2f\n' "$path" "$r" "$(awk -v a="$r" -v b="$ref" 'BEGIN { print a / b }')"
done
