#!/usr/bin/env bash
# The first README command: install what is missing, build, and serve a demo
# clinic on https://localhost:8443 from a local state folder ./state/
# (database, key file, self-signed certificate, demo logins; mode 0700).
# Run as root, it serves as the system user saferoom (made if missing), who
# owns state/; when saferoom cannot reach ./state (a checkout under /root),
# the state is in /var/lib/saferoom-demo instead.
#   SAFEROOM_LISTEN=HOST or HOST:PORT   where to listen (default 127.0.0.1:8443)
# Run it again to serve the same clinic: nothing in state/ is remade.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash deploy/deps.sh

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"

umask 077
state=state
user_flag=()
mkdir -p "$state"
chmod 0700 "$state"
if [ "$(id -u)" -eq 0 ]; then
	# saferoomd refuses to run as root: it binds the port and reads the
	# certificate as root, then becomes the system user saferoom, who owns
	# the state folder (docs/operations.md "Running as a service").
	if ! id -u saferoom >/dev/null 2>&1; then
		echo "demo.sh: adding the system user saferoom"
		useradd --system --user-group --no-create-home \
			--home-dir /nonexistent --shell /usr/sbin/nologin saferoom
	fi
	chown saferoom: "$state"
	# A checkout under a closed folder (/root is 0700) is out of its reach:
	# SQLite opens the database by its absolute path.
	if ! runuser -u saferoom -- test -w "$PWD/$state/." -a -x "$PWD/$state/."; then
		state=/var/lib/saferoom-demo
		echo "demo.sh: user saferoom cannot reach $PWD/state; the state is in $state"
		mkdir -p "$state"
		chmod 0700 "$state"
		chown saferoom: "$state"
	fi
	user_flag=(--user saferoom)
fi

if [ ! -s "$state/cert.pem" ] || [ ! -s "$state/key.pem" ]; then
	echo "demo.sh: making a self-signed certificate for localhost in $state/"
	rm -f "$state/cert.pem" "$state/key.pem"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -days 825 -subj "/CN=localhost" \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
		-addext "extendedKeyUsage=serverAuth" \
		-keyout "$state/key.pem" -out "$state/cert.pem" 2>/dev/null
	chmod 0600 "$state/key.pem"
fi

# Made by root, the database files are handed to saferoom by saferoomd itself.
if [ ! -e "$state/saferoom.db" ]; then
	echo "demo.sh: making the demo clinic in $state/saferoom.db"
	if ! build/saferoomctl --db "$state/saferoom.db" demo >"$state/demo-logins.txt.tmp"; then
		rm -f "$state/saferoom.db" "$state/saferoom.db-wal" "$state/saferoom.db-shm" \
			"$state/demo-logins.txt.tmp"
		echo "demo.sh: saferoomctl demo failed" >&2
		exit 1
	fi
	chmod 0600 "$state/demo-logins.txt.tmp"
	mv "$state/demo-logins.txt.tmp" "$state/demo-logins.txt"
fi

listen="${SAFEROOM_LISTEN:-127.0.0.1}"
case "$listen" in
\[*\]:*) ;;                       # [v6]:port
*:*:*)  listen="[$listen]:8443" ;; # bare IPv6 address
*:*)    ;;                        # host:port
*)      listen="$listen:8443" ;;
esac
port="${listen##*:}"

echo
echo "Demo clinic: https://localhost:$port/  (self-signed certificate: your browser will warn once)"
if [ -s "$state/demo-logins.txt" ]; then
	echo "Demo logins (a copy is in $state/demo-logins.txt):"
	sed 's/^./    &/' "$state/demo-logins.txt"
fi
echo "Stop with Ctrl-C."
echo

exec build/saferoomd --db "$state/saferoom.db" --listen "$listen" \
	--tls-cert "$state/cert.pem" --tls-key "$state/key.pem" "${user_flag[@]}"
