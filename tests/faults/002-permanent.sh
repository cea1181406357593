#!/bin/sh
# tests/faults/002-permanent.sh: `sync --all --deep` against ghlterm-sandbox
# --fault.  Transient faults (5xx, 429, dropped connections, truncated
# bodies, slow responses, and a 30% mix of them) are retried: the sync
# completes, the cache passes integrity_check and equals the server.
# Permanent ones (malformed JSON, HTML error pages, bodies over the 32 MB
# cap) end the command with exit 1 and one clear line, the cache intact.
# Invalid UTF-8 never reaches --json output.
. "$TESTS_DIR/cli/lib.sh"
. "$TESTS_DIR/faults/lib.sh"

start_sandbox --contacts 12 --seed 5 --rate-limit 1000000/1000 \
	--log "$T/sb.log"
export GHLTERM_TEST_PAGE_LIMIT=5

# Permanent faults: exit 1, one line naming the endpoint, nothing broken.
for kind in malformed ${GHLTERM_FAULTS_FULL:+html} huge; do
	fresh
	faults "$kind=1"
	g sync --all >/dev/null 2>"$T/err"
	st=$?
	is "$st" 1 "$kind: sync --all exits 1"
	r=0
	one_line "$T/err" || r=1
	grep -q 'POST /contacts/search' "$T/err" || r=1
	ok $r "$kind: one line naming the request: $(head -c 120 "$T/err")"
	check "$kind: cache intact" integrity
done
grep -q 'over 32 MB' "$T/err"
ok $? "huge: the message names the 32 MB cap"

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
