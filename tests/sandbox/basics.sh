#!/bin/sh
# basics.sh: ghlterm-sandbox command line, URL line, auth, Version header,
# scopes, rate-limit headers, 429 + Retry-After, control endpoints, the
# request log and clean shutdown, driven with curl.
. "$TESTS_DIR/sandbox/sandbox-lib.sh"
command -v curl >/dev/null || { echo "1..0 # SKIP curl not found"; exit 77; }
LOC=SandboxLocation00001

"$GHLTERM_SANDBOX" --version | grep -q '^ghlterm-sandbox [0-9]'
ok $? "--version prints the version"
"$GHLTERM_SANDBOX" --help | grep -q -- '--rate-limit'
ok $? "--help lists the options"
"$GHLTERM_SANDBOX" --rate-limit nonsense >/dev/null 2>&1
is $? 2 "a bad option value exits 2"

# reset-stats before any API request (no route counted yet) once wrote
# through a NULL pointer: under UBSan that killed the sandbox.
sb_start --contacts 3 || exit 1
curl -s -X POST "$SB_URL/_sandbox/reset-stats" | grep -q '"ok":true'
ok $? "reset-stats before any request answers"
curl -s "$SB_URL/_sandbox/stats" | grep -q '"requests":0'
ok $? "and the sandbox is still up"

LOG="$SB_TMP/req.log"
sb_start --contacts 50 --rate-limit 5/6000 --token alpha-secret-token \
    --token gamma-secret-token --token beta-secret-token:readonly --log "$LOG" || exit 1
echo "$SB_URL" | grep -Eq '^http://127\.0\.0\.1:[0-9]+$'
ok $? "first stdout line is the base URL ($SB_URL)"

c() {	# c TOKEN VERSION METHOD PATH [BODY]: prints status; body in $SB_TMP/b
	tok=$1 ver=$2 m=$3 p=$4
	shift 4
	[ $# -gt 0 ] && set -- -d "$1"
	set -- -s -o "$SB_TMP/b" -D "$SB_TMP/h" -w '%{http_code}' -X "$m" \
	    ${tok:+-H "Authorization: Bearer $tok"} ${ver:+-H "Version: $ver"} \
	    -H 'Content-Type: application/json' "$@" "$SB_URL$p"
	curl "$@"
}
V=2021-07-28
L="/contacts/?locationId=$LOC&limit=2"

is "$(c '' $V GET "$L")" 401 "no Authorization -> 401"
grep -q '"error":"Unauthorized"' "$SB_TMP/b"
ok $? "401 body has error Unauthorized"
is "$(hdr "$SB_TMP/h" X-RateLimit-Max)" 5 "rate-limit headers also on 401"
is "$(c wrong-token $V GET "$L")" 401 "unknown token -> 401"
is "$(c alpha-secret-token '' GET "$L")" 400 "missing Version -> 400"
is "$(cat "$SB_TMP/b")" '{"statusCode":400,"message":"Version header is required"}' \
    "missing Version body"
is "$(c alpha-secret-token 2023-02-21 GET "$L")" 400 "other Version -> 400"
grep -q '2023-02-21' "$SB_TMP/b"
ok $? "the 400 names the bad Version value"

# Rate limit: 5 per 6 s per token (a fresh token; curl starts slowly).
for i in 1 2 3 4 5; do
	s=$(c gamma-secret-token $V GET "$L")
	is "$s/$(hdr "$SB_TMP/h" X-RateLimit-Remaining)" "200/$((5 - i))" \
	    "request $i: 200 and X-RateLimit-Remaining $((5 - i))"
done
for h in X-RateLimit-Limit-Daily X-RateLimit-Daily-Remaining \
    X-RateLimit-Interval-Milliseconds X-RateLimit-Max X-RateLimit-Remaining; do
	[ -n "$(hdr "$SB_TMP/h" $h)" ]
	ok $? "header $h present"
done
is "$(hdr "$SB_TMP/h" X-RateLimit-Interval-Milliseconds)" 6000 "interval header"
is "$(c gamma-secret-token $V GET "$L")" 429 "6th request in the window -> 429"
is "$(cat "$SB_TMP/b")" '{"statusCode":429,"message":"Too many requests"}' "429 body"
ra=$(hdr "$SB_TMP/h" Retry-After)
[ "$ra" -ge 1 ] && [ "$ra" -le 6 ]
ok $? "Retry-After is the ceiling of the time left ($ra s)"
is "$(hdr "$SB_TMP/h" X-RateLimit-Remaining)" 0 "429 carries Remaining 0"
is "$(c beta-secret-token $V GET "$L")" 200 "another token has its own window"
stats=$(curl -s "$SB_URL/_sandbox/stats")
echo "$stats" | grep -q '"429":1'
ok $? "stats count statuses ($stats)"
echo "$stats" | grep -q '"rateLimited":1'
ok $? "stats count 429s"
echo "$stats" | grep -q '"GET /contacts/":'
ok $? "stats count by method and route template"
# Wait (deadline) for the window to end.
got=429
for i in $(seq 1 50); do
	got=$(c gamma-secret-token $V GET "$L")
	[ "$got" = 200 ] && break
	sleep 0.2
done
is "$got" 200 "a new window starts after the old one ends"

is "$(c beta-secret-token $V POST /contacts/$LOC/tags '{"tags":["x"]}')" 401 \
    "write with a read-only token -> 401"
grep -q 'scope' "$SB_TMP/b"
ok $? "the 401 names the scope"

curl -s -X POST "$SB_URL/_sandbox/reset-stats" >/dev/null
curl -s "$SB_URL/_sandbox/stats" | grep -q '"requests":0'
ok $? "reset-stats zeroes the counters"

curl -s -X POST "$SB_URL/_sandbox/down?ms=700" | grep -q '"ok":true'
ok $? "down accepted"
curl -s -o /dev/null -H "Authorization: Bearer beta-secret-token" -H "Version: $V" \
    "$SB_URL$L"
is $? 52 "while down a request gets no response (curl: empty reply)"
got=0
for i in $(seq 1 40); do
	got=$(c beta-secret-token $V GET "$L")
	[ "$got" = 200 ] && break
	sleep 0.1
done
is "$got" 200 "the sandbox recovers by itself"

[ -s "$LOG" ] && ! grep -q 'alpha-secret-token' "$LOG" && grep -q '"token":"alph\*\*\*"' "$LOG"
ok $? "request log written, tokens redacted"
"${PYTHON3:-python3}" -c '
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    assert {"time", "method", "path", "status", "latency_ms", "token"} <= d.keys(), d
' "$LOG"
ok $? "every log line is JSON with time, method, path, status, latency_ms, token"

SB_MAIN=$SB_PID
sb_start --api salesmate --link beta --key k9 || exit 1
echo "$SB_URL" | grep -Eq '^http://127\.0\.0\.1:[0-9]+$'
ok $? "--api salesmate: first stdout line is the base URL"
is "$(curl -s -o /dev/null -w '%{http_code}' -H 'accessToken: k9' \
    -H 'x-linkname: beta.salesmate.io' "$SB_URL/apis/core/v4/users?status=active")" 200 \
    "--api salesmate serves the Salesmate API with its own options"
is "$(c sandbox-token $V GET "$L")" 404 "... and not the Contacts API"
SB_PID=$SB_MAIN

kill -TERM "$SB_PID"
i=0
while kill -0 "$SB_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
wait "$SB_PID"
is $? 0 "SIGTERM stops it cleanly (exit 0)"
tap_done
