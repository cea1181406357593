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
	http POST /_sandbox/reset-stats >/dev/null
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
is "$(route_count 'POST /contacts/search')" 1 \
	"huge: exactly one search request reached the server (no retries)"
[ $((t1 - t0)) -lt 3000 ]
ok $? "huge: sync --all gave up in $((t1 - t0)) ms (< 3 s)"

# A contact's four reads run in parallel: each over the cap is reported
# once, none retried, and the cached contact is left as it was.
faults ""
g sync --all >/dev/null 2>&1
id=$(first_contact_id)
g show --json "$id" >"$T/before.json"
faults "huge=1"
http POST /_sandbox/reset-stats >/dev/null
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
n=0
for route in 'GET /contacts/:contactId' 'GET /contacts/:contactId/tasks' \
	'GET /contacts/:contactId/notes' \
	'GET /contacts/:contactId/appointments'; do
	n=$((n + $(route_count "$route")))
done
is "$n" 4 "huge: one request for each of the four reads (no retries)"
[ $((t1 - t0)) -lt 3000 ]
ok $? "huge: sync CONTACT_ID gave up in $((t1 - t0)) ms (< 3 s)"
faults ""
g show --json "$id" >"$T/after.json"
cmp -s "$T/before.json" "$T/after.json"
ok $? "huge: the cached contact is unchanged"
check "huge: cache intact after sync CONTACT_ID" integrity

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
