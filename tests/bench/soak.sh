#!/usr/bin/env bash
# Soak of saferoomd under mixed load (issue 6): a demo server gets, for the
# whole run, the steady client and staff traffic of soak-client.mjs
# (bookings, vouchers sold and spent, cancellations, staff logins, pages),
# bursts of wrk against the read paths (5 s of every 15 s), and a few slow
# clients (slowhttptest slowloris and slow read, 16 connections). The
# server's RSS and open files are sampled every 10 s to a CSV; at the end
# the start (idle), warm, late, peak and end figures are printed with a
# verdict. Single samples jump by 16 or 32 MiB when they catch an scrypt
# at work (its buffer is returned when done), so warm is the median of the
# first minute after the warm-up and late the median of the last minute
# (of the first and last half of the loaded time in a short run).
#   flat  late and end RSS within max(10 %, 4 MiB) of warm, open files back
#         to the idle count (+2) once the load has stopped, no client
#         errors, and saferoomd stopping cleanly (status 0) on SIGTERM.
# Exit status 0 when flat, 1 when not, 2 on bad usage or a missing tool.
# Under AddressSanitizer RSS is printed but not judged: its quarantine and
# allocator keep freed memory and its shadow grows for minutes, so RSS says
# nothing about saferoomd's own use there; LeakSanitizer's check at the
# clean exit (which is judged) says more.
#   bash tests/bench/soak.sh [--minutes N] [--build DIR] [--csv FILE]
# SAFEROOMD and SAFEROOMCTL, when set, name the binaries (as under ctest).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

minutes=10
build=build
csv=
while [ $# -gt 0 ]; do
	case "$1" in
	--minutes) minutes="${2:?--minutes needs a value}"; shift 2 ;;
	--build) build="${2:?--build needs a value}"; shift 2 ;;
	--csv) csv="${2:?--csv needs a value}"; shift 2 ;;
	-h|--help) sed -n '2,20p' "$0"; exit 0 ;;
	*) echo "soak.sh: unknown argument: $1" >&2; exit 2 ;;
	esac
done
case "$minutes" in
''|*[!0-9]*|0) echo "soak.sh: --minutes must be a whole number above 0" >&2; exit 2 ;;
esac
saferoomd="${SAFEROOMD:-$build/saferoomd}"
saferoomctl="${SAFEROOMCTL:-$build/saferoomctl}"
for tool in node wrk slowhttptest openssl; do
	command -v "$tool" >/dev/null ||
	    { echo "soak.sh: $tool is not installed (bash deploy/deps.sh --test)" >&2; exit 2; }
done
[ -x "$saferoomd" ] && [ -x "$saferoomctl" ] ||
    { echo "soak.sh: no saferoomd/saferoomctl in $build (build first, or --build DIR)" >&2; exit 2; }

secs=$((minutes * 60))
# The warm-up: a fifth of the run, at least 20 s, at most 2 min.
warm=$((secs / 5)); [ "$warm" -lt 20 ] && warm=20; [ "$warm" -gt 120 ] && warm=120
interval=10

dir="$(mktemp -d "${TMPDIR:-/tmp}/soak.XXXXXX")"
[ -n "$csv" ] || csv="$(mktemp "${TMPDIR:-/tmp}/soak-XXXXXX.csv")"
pid=
bg=()
cleanup() {
	local p
	# Only what this script started, by id: the load loops, their children
	# (wrk, slowhttptest), then the server.
	for p in "${bg[@]}"; do
		pkill -P "$p" 2>/dev/null || true
		kill "$p" 2>/dev/null || true
	done
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$dir"
}
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$dir/key.pem" -out "$dir/cert.pem" -days 2 -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
"$saferoomctl" --db "$dir/s.db" demo >"$dir/demo.txt"
# One client books many times an hour; the per-address limit would stop it.
"$saferoomctl" --db "$dir/s.db" settings set booking_rate_per_hour 10000 >/dev/null
# saferoomd refuses to run as root: as root, serve as SAFEROOM_TEST_USER
# (nobody), who then owns $dir, as the tests' harness does.
user=()
if [ "$(id -u)" = 0 ]; then
	u="${SAFEROOM_TEST_USER:-nobody}"
	chown -R "$u:" "$dir"
	user=(--user "$u")
fi
"$saferoomd" --db "$dir/s.db" --listen 127.0.0.1:0 --tls-cert "$dir/cert.pem" \
	--tls-key "$dir/key.pem" --log-level warn "${user[@]}" >"$dir/out" 2>"$dir/err" &
pid=$!
for _ in $(seq 100); do grep -q listening "$dir/out" 2>/dev/null && break; sleep 0.1; done
url="$(sed -n 's/^listening on //p' "$dir/out")"
[ -n "$url" ] || { echo "soak.sh: saferoomd did not start:" >&2; cat "$dir/err" >&2; exit 1; }
port="${url##*:}"
asan=0
grep -qE 'libasan|libclang_rt\.asan' "/proc/$pid/maps" && asan=1

sample() {	# t_s phase: one CSV line
	local rss fds thr
	rss="$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")"
	thr="$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status")"
	fds="$(ls "/proc/$pid/fd" | wc -l)"
	echo "$1,$2,$rss,$fds,$thr" >>"$csv"
}

echo "t_s,phase,rss_kb,fds,threads" >"$csv"
# Each path once, so that what is made on first use is not counted as growth.
for p in / /api/v1/services /static/style.css; do
	curl -skf -o /dev/null "$url$p" 2>/dev/null || true
done
sleep 1
sample 0 idle
t0=$(date +%s)
end=$((t0 + secs))

node tests/bench/soak-client.mjs --port "$port" --cert "$dir/cert.pem" --demo "$dir/demo.txt" \
	--seconds "$secs" >"$dir/client.json" 2>"$dir/client.err" &
client=$!
bg+=("$client")

monday="$(date -d 'next monday' +%F)"
(
	paths=(/api/v1/services /api/v1/therapists "/api/v1/slots?service=2&from=$monday&days=7" / /static/style.css)
	i=0
	while [ $(($(date +%s) + 6)) -le "$end" ]; do
		wrk -t1 -c8 -d5s "$url${paths[i % ${#paths[@]}]}" 2>/dev/null |
		    awk '/requests in/ { print $1 }' >>"$dir/wrk.txt" || true
		i=$((i + 1))
		sleep 10
	done
) 2>/dev/null &
bg+=("$!")
(
	i=0
	while :; do
		left=$((end - $(date +%s)))
		[ "$left" -ge 5 ] || break
		if [ $((i % 2)) = 0 ]; then
			mode=(-H -i 5 -x 24)
		else
			mode=(-X -w 512 -y 1024 -n 2 -z 32 -k 3)
		fi
		# At most a minute a run, so that the modes take turns: slowhttptest
		# does not notice the server closing its slow-read connections.
		[ "$left" -le 60 ] || left=60
		slowhttptest "${mode[@]}" -c 16 -r 4 -p 3 -l "$left" -u "$url/" >/dev/null 2>&1 || true
		echo x >>"$dir/slow.txt"
		i=$((i + 1))
	done
) 2>/dev/null &
bg+=("$!")

while [ "$(date +%s)" -lt "$end" ]; do
	sleep "$interval"
	now=$(($(date +%s) - t0))
	if [ "$now" -lt "$warm" ]; then sample "$now" warmup; else sample "$now" load; fi
done
wait "$client" || true
# The loops stop themselves before the end; this only makes sure.
for p in "${bg[@]}"; do
	pkill -P "$p" 2>/dev/null || true
	kill "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
done
bg=()

# Load is off: the server should let go of every connection. Idle
# connections go at --idle-timeout (15 s), so wait up to 30 s.
idle_fds="$(awk -F, '$2 == "idle" { print $4 }' "$csv")"
for _ in $(seq 30); do
	[ "$(ls "/proc/$pid/fd" | wc -l)" -le $((idle_fds + 2)) ] && break
	sleep 1
done
sample $(($(date +%s) - t0)) end
kill "$pid"
status=0
wait "$pid" || status=$?
pid=
if [ "$status" != 0 ]; then
	echo "soak.sh: saferoomd exited $status on SIGTERM; its log ends:" >&2
	tail -20 "$dir/err" >&2
fi

client_json="$(cat "$dir/client.json")"
[ -n "$client_json" ] || client_json='{"requests":0,"errors":1,"error_samples":["soak-client printed nothing"]}'
wrk_requests="$(awk '{ s += $1 } END { print s + 0 }' "$dir/wrk.txt" 2>/dev/null || echo 0)"
slow_runs="$(wc -l <"$dir/slow.txt" 2>/dev/null || echo 0)"

node -e '
const fs = require("fs");
const [csvFile, clientJson, wrkReq, slowRuns, minutes, warm, status, asan] = process.argv.slice(1);
const rows = fs.readFileSync(csvFile, "utf8").trim().split("\n").slice(1).map((l) => {
  const [t, phase, rss, fds, thr] = l.split(",");
  return { t: +t, phase, rss: +rss, fds: +fds, thr: +thr };
});
const client = JSON.parse(clientJson);
const idle = rows.find((r) => r.phase === "idle");
const end = rows[rows.length - 1];
const loadRows = rows.filter((r) => r.phase === "load");
const median = (xs) => { const a = [...xs].sort((x, y) => x - y); return a[Math.floor(a.length / 2)]; };
// Windows of a minute, or of half the loaded time in a short run.
const firstT = loadRows.length ? loadRows[0].t : 0;
const lastT = loadRows.length ? loadRows[loadRows.length - 1].t : 0;
const win = Math.min(60, (lastT - firstT) / 2 + 1);
const first = loadRows.filter((r) => r.t < firstT + win);
const last = loadRows.filter((r) => r.t > lastT - win);
const warmRss = first.length ? median(first.map((r) => r.rss)) : end.rss;
const lateRss = last.length ? median(last.map((r) => r.rss)) : end.rss;
const warmFds = first.length ? median(first.map((r) => r.fds)) : end.fds;
const peakRss = Math.max(...rows.map((r) => r.rss));
const peakFds = Math.max(...rows.map((r) => r.fds));
const allow = Math.max(Math.round(warmRss * 0.10), 4096);
const why = [];
const rssWhy = [];
if (lateRss - warmRss > allow) rssWhy.push(`RSS under load grew ${lateRss - warmRss} kB after the warm-up (allowed ${allow})`);
if (end.rss - warmRss > allow) rssWhy.push(`RSS at the end ${end.rss - warmRss} kB above warm (allowed ${allow})`);
if (asan !== "1") why.push(...rssWhy);
if (end.fds > idle.fds + 2) why.push(`${end.fds} open files at the end, ${idle.fds} idle`);
if (client.errors > 0) why.push(`${client.errors} client errors: ${JSON.stringify(client.error_samples)}`);
if (client.requests === 0) why.push("the client made no requests");
if (status !== "0") why.push(`saferoomd exited ${status} on SIGTERM`);
const f = (kb) => `${kb} kB (${(kb / 1024).toFixed(1)} MiB)`;
console.log(`soak: ${minutes} min, ${rows.length} samples, warm-up ${warm} s, CSV ${csvFile}`);
console.log(`load: client ${client.requests} requests (median ${client.ms_median} ms, p99 ${client.ms_p99} ms, `
  + `max ${client.ms_max} ms, ${client.errors} errors), wrk ${wrkReq} requests, slowhttptest ${slowRuns} runs`);
console.log(`client: ${JSON.stringify(client.by)}`);
console.log(`rss   start ${f(idle.rss)}  warm ${f(warmRss)}  late ${f(lateRss)}  peak ${f(peakRss)}  end ${f(end.rss)}`);
console.log(`fds   start ${idle.fds}  warm ${warmFds}  peak ${peakFds}  end ${end.fds}`);
console.log(`threads start ${idle.thr}  end ${end.thr}`);
if (asan === "1")
  console.log(`AddressSanitizer build: RSS not judged${rssWhy.length ? ` (${rssWhy.join("; ")})` : ""}`);
console.log(why.length ? `verdict: NOT flat: ${why.join("; ")}` : "verdict: flat");
process.exit(why.length ? 1 : 0);
' "$csv" "$client_json" "$wrk_requests" "$slow_runs" "$minutes" "$warm" "$status" "$asan"
