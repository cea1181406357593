#!/bin/sh
# 005-readonly: with a read-only token a write exits 1 with the server's
# message on one line, the entry is kept as failed, and the cache shows the
# server's truth again.  Retry (with a read-write token) and discard.
. "$TESTS_DIR/cli/lib.sh"

start_sandbox --contacts 10 --seed 5
TOKEN=sandbox-readonly
export TOKEN
g sync --all >/dev/null 2>"$T/err"
is "$?" 0 "read-only token can sync"
C=$(first_contact_id)

g tag add "$C" ro-tag >"$T/out" 2>"$T/err"
is "$?" 1 "write with a read-only token exits 1"
is "$(lines "$T/err")" 1 "one line on stderr"
check "the line names the endpoint, the contact and the status" \
    grep -q "^ghlterm: .*POST /contacts/$C/tags: 401" "$T/err"
check "the line says the write is kept as failed" grep -q "kept as failed" "$T/err"
is "$(g outbox --json | jq_py '[(e["op"], e["status"], e["attempts"] >= 1, "401" in (e["error"] or "")) for e in j]')" \
    '[["tags.add", "failed", true, true]]' "outbox --json: the entry is failed with the error"
is "$(g show --json "$C" | jq_py '"ro-tag" in j["contact"]["tags"]')" False \
    "the cache shows the server's truth (no tag)"
is "$(http GET "/contacts/$C" | jq_py '"ro-tag" in j["contact"]["tags"]')" \
    False "the server never got the tag"
is "$(g show --json "$C" | jq_py 'len(j["pending"])')" 1 \
    "show --json lists the failed entry under pending"

# A later write of the same contact waits behind the failed one.
g note add "$C" "queued" >"$T/out" 2>"$T/err"
is "$?" 1 "a write behind a failed one exits 1"
check "it says which entry blocks it" grep -q "queued behind failed outbox entry" "$T/err"

# Retry with a read-write token: both reach the server, in order.
ID=$(g outbox --json | jq_py 'j[0]["id"]')
TOKEN=sandbox-token g outbox retry "$ID" >"$T/out" 2>"$T/err"
is "$?" 0 "outbox retry with a read-write token exits 0"
is "$(http GET "/contacts/$C" | jq_py '"ro-tag" in j["contact"]["tags"]')" \
    True "retry: the server has the tag"
TOKEN=sandbox-token g sync --outbox >/dev/null 2>&1
is "$(http GET "/contacts/$C/notes" | jq_py 'sum(n["body"] == "queued" for n in j["notes"])')" \
    1 "the queued note followed"
is "$(g outbox --json | jq_py 'len(j)')" 0 "outbox empty"

# Discard: the entry goes, and the contact is re-synced.
g tag remove "$C" ro-tag >/dev/null 2>&1
ID=$(g outbox --json | jq_py 'j[0]["id"]')
g outbox discard "$ID" >"$T/out" 2>"$T/err"
is "$?" 0 "outbox discard exits 0"
is "$(g outbox --json | jq_py 'len(j)')" 0 "discard: the entry is gone"
is "$(g show --json "$C" | jq_py '"ro-tag" in j["contact"]["tags"]')" True \
    "discard: the cache shows the server's tags again"
g outbox discard "$ID" >"$T/out" 2>"$T/err"
is "$?" 1 "discarding it again exits 1"

done_testing
