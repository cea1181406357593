#!/bin/sh
# 009-doctor: one line per check, exit 1 when any fails; the scope probe
# changes no data.
. "$TESTS_DIR/cli/lib.sh"

start_sandbox --contacts 5 --seed 2
g doctor >"$T/out" 2>"$T/err"
is "$?" 0 "doctor with a read-write token exits 0"
for c in token location "base URL" read scopes "rate limit" cache; do
	check "check '$c' ok" grep -q "^ok    $c: " "$T/out"
done
check "nothing on stderr" test ! -s "$T/err"
check "the token is never printed" sh -c '! grep -q sandbox-token "$1"' sh "$T/out"
is "$(route_count "DELETE /contacts/:contactId/tags")" 1 "one write probe"
is "$(http GET /_sandbox/stats | jq_py 'j["byStatus"].get("200", 0) + j["byStatus"].get("201", 0)')" \
    1 "only the read succeeded: the probe changed nothing"

TOKEN=sandbox-readonly g doctor >"$T/out" 2>"$T/err"
is "$?" 1 "doctor with a read-only token exits 1"
check "it reports the missing write scope" grep -q "^FAIL  scopes: contacts.readonly only" "$T/out"
check "the read still passes" grep -q "^ok    read: " "$T/out"

TOKEN=not-a-token g doctor >"$T/out" 2>"$T/err"
is "$?" 1 "doctor with an unknown token exits 1"
check "the read fails with 401" grep -q "^FAIL  read: .*401" "$T/out"

GHL_TOKEN=sandbox-token "$GHLTERM" --base-url http://127.0.0.1:9 \
    --location "$LOC" --cache "$CACHE" doctor >"$T/out" 2>"$T/err"
is "$?" 1 "doctor against a dead URL exits 1"
check "it says the base URL failed" grep -q "^FAIL  base URL: " "$T/out"
check "the cache check still runs" grep -q "^ok    cache: " "$T/out"

"$GHLTERM" --base-url "$URL" --location "$LOC" --cache "$CACHE" doctor \
    >"$T/out" 2>"$T/err"
is "$?" 1 "doctor without a token exits 1"
check "it says where a token comes from" grep -q "^FAIL  token: none" "$T/out"

done_testing
