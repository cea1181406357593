#!/bin/sh
# sandbox.sh: throughput of ghlterm-sandbox (not part of make check).
#  1. GET /contacts/:id with wrk for $DURATION seconds (target >= 5,000/s);
#  2. paging through 100,000 contacts with POST /contacts/search,
#     pageLimit 500, cursor mode (target <= 5 s).
# Usage: tests/bench/sandbox.sh [path/to/ghlterm-sandbox]
set -eu
SANDBOX=${1:-${GHLTERM_SANDBOX:-./ghlterm-sandbox}}
DURATION=${DURATION:-10}
CONNS=${CONNS:-32}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=${PYTHON3:-python3}
command -v wrk >/dev/null || { echo "wrk not found" >&2; exit 77; }
TMP=$(mktemp -d)
"$SANDBOX" --contacts 100000 --seed 1 --rate-limit 100000000/1000 \
    --daily-limit 1000000000 --threads "${THREADS:-4}" >"$TMP/url" 2>/dev/null &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$TMP"' EXIT
i=0
until grep -q '^http' "$TMP/url" 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 200 ] || { echo "sandbox did not start" >&2; exit 1; }
	sleep 0.05
done
URL=$(head -n 1 "$TMP/url")
echo "sandbox at $URL (100,000 contacts)"

"$PY" - "$URL" "$TMP/ids" <<'PY'
import http.client, json, sys, time, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
H = {"Authorization": "Bearer sandbox-token", "Version": "2021-07-28",
     "Content-Type": "application/json"}
def search(body):
    c.request("POST", "/contacts/search", json.dumps(body), H)
    r = c.getresponse()
    return json.loads(r.read())
t0 = time.time()
n, after, ids, pages = 0, None, [], 0
while True:
    b = {"locationId": "SandboxLocation00001", "pageLimit": 500}
    if after:
        b["searchAfter"] = after
    js = search(b)
    pages += 1
    if not js["contacts"]:
        break
    n += len(js["contacts"])
    if len(ids) < 5000:
        ids += [x["id"] for x in js["contacts"]]
    after = js["contacts"][-1]["searchAfter"]
dt = time.time() - t0
print("search paging: %d contacts in %d pages, %.2f s (target <= 5 s)" % (n, pages, dt))
open(sys.argv[2], "w").write("\n".join(ids) + "\n")
PY

SB_IDS="$TMP/ids" wrk -t2 -c"$CONNS" -d"${DURATION}s" -s "$HERE/sandbox-get.lua" "$URL" |
    tee "$TMP/wrk"
rps=$(awk '/^Requests\/sec/ {print $2}' "$TMP/wrk")
echo "GET /contacts/:id: $rps requests/s (target >= 5000)"
