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
# The client finds the cursor (the last item's searchAfter) and the ids
# without decoding the whole page, so the figure is the sandbox's, not
# Python's JSON decoder's.
import http.client, json, re, resource, sys, time, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
H = {"Authorization": "Bearer sandbox-token", "Version": "2021-07-28",
     "Content-Type": "application/json"}
SA = re.compile(rb'"searchAfter":(\[[^\]]*\])')
t0 = time.time()
n, after, ids, pages, nbytes = 0, None, [], 0, 0
while True:
    b = {"locationId": "SandboxLocation00001", "pageLimit": 500}
    if after:
        b["searchAfter"] = after
    c.request("POST", "/contacts/search", json.dumps(b), H)
    r = c.getresponse()
    data = r.read()
    if r.status != 200:
        sys.exit("search -> %d %s" % (r.status, data[:200]))
    pages += 1
    nbytes += len(data)
    cur = SA.findall(data)
    if not cur:
        break
    n += len(cur)
    if len(ids) < 5000:
        ids += [json.loads(x)[1] for x in cur]
    after = json.loads(cur[-1])
dt = time.time() - t0
ru = resource.getrusage(resource.RUSAGE_SELF)
print("search paging: %d contacts in %d pages (%.1f MB), %.2f s (target <= 5 s);"
      " client CPU %.2f s" % (n, pages, nbytes / 1e6, dt, ru.ru_utime + ru.ru_stime))
open(sys.argv[2], "w").write("\n".join(ids) + "\n")
PY

SB_IDS="$TMP/ids" wrk -t2 -c"$CONNS" -d"${DURATION}s" -s "$HERE/sandbox-get.lua" "$URL" |
    tee "$TMP/wrk"
rps=$(awk '/^Requests\/sec/ {print $2}' "$TMP/wrk")
cpu=$(cat /proc/$PID/task/*/stat 2>/dev/null | awk '{u += $14 + $15} END {print u / 100}')
echo "GET /contacts/:id: $rps requests/s (target >= 5000)"
echo "sandbox CPU time for both runs: ${cpu:-?} s"
