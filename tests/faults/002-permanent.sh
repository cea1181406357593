#!/bin/sh
# tests/faults/002-permanent.sh: `sync --all --deep` against ghlterm-sandbox
# --fault.  Transient faults (5xx, 429, dropped connections, truncated
# bodies, slow responses, and a 30% mix of them) are retried: the sync
# completes, the cache passes integrity_check and equals the server.
# Permanent ones (malformed JSON, HTML error pages, bodies over the 32 MB
# cap) end the command with exit 1 and one clear line, the cache intact.
# A body over the cap is not retried at all: one request per endpoint, for
# the paged search and for a contact's four parallel reads.
# Invalid UTF-8 never reaches --json output.
. "$TESTS_DIR/cli/lib.sh"
. "$TESTS_DIR/faults/lib.sh"

# now_ms: wall clock in milliseconds (GNU date).
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

start_sandbox --contacts 12 --seed 5 --rate-limit 1000000/1000 \
	--log "$T/sb.log"
export GHLTERM_TEST_PAGE_LIMIT=5

# Permanent faults: exit 1, one line naming the endpoint, nothing broken.
for kind in malformed ${GHLTERM_FAULTS_FULL:+html} huge; do
	fresh
	faults "$kind=1"
	n0=$(route_count 'POST /contacts/search')
	t0=$(now_ms)
	g sync --all >/dev/null 2>"$T/err"
	st=$?
	t1=$(now_ms)
	is "$st" 1 "$kind: sync --all exits 1"
	r=0
	one_line "$T/err" || r=1
	grep -q 'POST /contacts/search' "$T/err" || r=1
	ok $r "$kind: one line naming the request: $(head -c 120 "$T/err")"
	check "$kind: cache intact" integrity
done
grep -q 'POST /contacts/search: response body over 32 MB; giving up$' "$T/err"
ok $? "huge: the message names the endpoint and the 32 MB cap, gives up"
is "$(($(route_count 'POST /contacts/search') - n0))" 1 \
	"huge: exactly one search request reached the server (no retries)"
[ $((t1 - t0)) -lt 3000 ]
ok $? "huge: sync --all gave up in $((t1 - t0)) ms (< 3 s)"

# A contact's four reads run in parallel: each over the cap is reported
# once, none retried, and the cached contact is left as it was.
faults ""
g sync --all >/dev/null 2>&1
id=$(first_contact_id)
g show --json "$id" >"$T/before.json"
# reads: requests served so far on a contact's four read routes.
reads() {
	_n=0
	for _r in 'GET /contacts/:contactId' 'GET /contacts/:contactId/tasks' \
		'GET /contacts/:contactId/notes' \
		'GET /contacts/:contactId/appointments'; do
		_n=$((_n + $(route_count "$_r")))
	done
	echo "$_n"
}
faults "huge=1"
n0=$(reads)
t0=$(now_ms)
g sync "$id" >/dev/null 2>"$T/err"
st=$?
t1=$(now_ms)
is "$st" 1 "huge: sync CONTACT_ID exits 1"
r=0
one_line "$T/err" || r=1
grep -q "GET /contacts/$id[a-z/]*: response body over 32 MB; giving up" \
	"$T/err" || r=1
ok $r "huge: one line naming the read and the cap: $(head -c 120 "$T/err")"
is "$(($(reads) - n0))" 4 "huge: one request for each of the four reads (no retries)"
[ $((t1 - t0)) -lt 3000 ]
ok $? "huge: sync CONTACT_ID gave up in $((t1 - t0)) ms (< 3 s)"
faults ""
g show --json "$id" >"$T/after.json"
cmp -s "$T/before.json" "$T/after.json"
ok $? "huge: the cached contact is unchanged"
check "huge: cache intact after sync CONTACT_ID" integrity

# A body with no length announced (chunked) is cut off at the cap too:
# a tiny server sends 33 MB of chunks to every request and counts them.
"$PYTHON3" - "$T/chunked.count" >"$T/chunked.out" 2>"$T/chunked.err" <<'PY' &
import http.server, sys
count = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def reply(self):
        with open(count, "a") as f:
            f.write(self.command + " " + self.path.split("?")[0] + "\n")
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b" " * (1 << 20)
        try:
            for _ in range(33):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"2\r\n{}\r\n0\r\n\r\n")
        except OSError:
            pass
        self.close_connection = True
    do_GET = do_POST = reply
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print("http://127.0.0.1:%d" % s.server_address[1], flush=True)
s.serve_forever()
PY
CH_PID=$!
CH_URL=
_i=0
while [ $_i -lt 500 ] && [ -z "$CH_URL" ]; do	# 10 s deadline
	CH_URL=$(grep -m 1 '^http://' "$T/chunked.out")
	sleep 0.02
	_i=$((_i + 1))
done
fresh
GHL_TOKEN=sandbox-token "$GHLTERM" --base-url "$CH_URL" --location "$LOC" \
	--cache "$CACHE" sync --all >/dev/null 2>"$T/err"
st=$?
kill "$CH_PID" 2>/dev/null
wait "$CH_PID" 2>/dev/null
r=0
[ "$st" = 1 ] || r=1
one_line "$T/err" || r=1
grep -q 'POST /contacts/search: response body over 32 MB; giving up$' \
	"$T/err" || r=1
ok $r "chunked 33 MB body: exit 1, one line: $(head -c 120 "$T/err")"
is "$(grep -c 'POST /contacts/search' "$T/chunked.count" 2>/dev/null)" 1 \
	"chunked 33 MB body: exactly one request (no retries)"

# Invalid UTF-8 in names, notes, titles: never crashes, --json stays UTF-8.
fresh
faults "badutf8=1"
g sync --all --deep >/dev/null 2>"$T/err"
st=$?
[ $st -le 1 ]
ok $? "badutf8: sync ends normally (exit $st)"
check "badutf8: cache intact" integrity
faults ""
g list --json --limit 100 >"$T/list.json" 2>"$T/err"
"$PYTHON3" -c 'import sys, json; json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))' \
	"$T/list.json"
ok $? "badutf8: list --json is valid UTF-8 JSON"
g sync --all --deep >/dev/null 2>&1
check "badutf8: a clean resync matches the server" matches deep

done_testing
