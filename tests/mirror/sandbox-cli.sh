#!/bin/sh
# tests/mirror/sandbox-cli.sh: the Salesmate sandbox as a program: the
# first stdout line is the base URL, --key/--link/--rate-limit apply, and
# SIGTERM stops it.  TAP.
SB=./tests/mirror/sm-sandbox
[ -x "$SB" ] || { echo "1..0 # SKIP sm-sandbox not built"; exit 77; }
[ -n "$PYTHON3" ] && [ -x "$PYTHON3" ] || { echo "1..0 # SKIP no python3"; exit 77; }
dir=$(mktemp -d /tmp/ghl-smsb-XXXXXX) || exit 1
trap 'kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
"$SB" --listen 127.0.0.1:0 --api salesmate --link beta --key k9 \
    --rate-limit 2 >"$dir/out" 2>"$dir/err" &
pid=$!
n=0
while [ ! -s "$dir/out" ] && [ $n -lt 100 ]; do
	sleep 0.05; n=$((n + 1))
done
url=$(head -n 1 "$dir/out")
case "$url" in
http://127.0.0.1:[0-9]*) echo "ok 1 - first line is the base URL";;
*) echo "not ok 1 - first line is the base URL ($url)";;
esac
get() {
	"$PYTHON3" - "$url" "$1" "$2" <<'PY'
import sys, urllib.request, urllib.error
url, key, link = sys.argv[1], sys.argv[2], sys.argv[3]
req = urllib.request.Request(url + "/apis/core/v4/users?status=active",
    headers={"accessToken": key, "x-linkname": link})
try:
    r = urllib.request.urlopen(req, timeout=5)
    print(r.status)
except urllib.error.HTTPError as e:
    print(e.code)
PY
}
[ "$(get k9 beta.salesmate.io)" = 200 ] && echo "ok 2 - --key and --link accepted" \
    || echo "not ok 2 - --key and --link accepted"
[ "$(get k9 acme.salesmate.io)" = 404 ] && echo "ok 3 - another link is 404" \
    || echo "not ok 3 - another link is 404"
[ "$(get k9 beta)" = 200 ] && [ "$(get k9 beta)" = 429 ] \
    && echo "ok 4 - bare link accepted; --rate-limit 2: third call is 429" \
    || echo "not ok 4 - --rate-limit 2: third call is 429"
kill -TERM "$pid"
n=0
while kill -0 "$pid" 2>/dev/null && [ $n -lt 100 ]; do
	sleep 0.05; n=$((n + 1))
done
kill -0 "$pid" 2>/dev/null && echo "not ok 5 - SIGTERM stops it" \
    || echo "ok 5 - SIGTERM stops it"
echo "1..5"
