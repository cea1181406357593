#!/bin/sh
# 006-down: with the server unreachable writes stay pending, the command
# says so within a bounded time and exits 1; once the server is back,
# sync --outbox delivers each write exactly once.
. "$TESTS_DIR/cli/lib.sh"

printf '[sync]\nreplay_timeout = 3s\nconnect_timeout = 1s\ntimeout = 3s\n' \
    >"$XDG_CONFIG_HOME/ghlterm/config"
start_sandbox --contacts 10 --seed 9
g sync --all >/dev/null 2>&1
C=$(first_contact_id)
g sync "$C" >/dev/null 2>&1
TID=$(g show --json "$C" | jq_py '[t["id"] for t in j["tasks"] if not t.get("completed")][0]')

http POST /_sandbox/reset-stats >/dev/null
http POST "/_sandbox/down?ms=600000" >/dev/null
t0=$(date +%s)
g tag add "$C" while-down >"$T/out" 2>"$T/err"
rc=$?
t1=$(date +%s)
is "$rc" 1 "write while the server is down exits 1"
check "it gave up within 30 s ($((t1 - t0)) s)" test $((t1 - t0)) -lt 30
is "$(lines "$T/err")" 1 "one line on stderr"
check "the line says the write is pending" grep -q "pending" "$T/err"
check "the line names the endpoint" grep -q "POST /contacts/$C/tags" "$T/err"
g task complete "$C" "$TID" >"$T/out" 2>"$T/err"
is "$?" 1 "a second write while down exits 1"
is "$(g outbox --json | jq_py '[(e["op"], e["status"]) for e in j]')" \
    '[["tags.add", "pending"], ["task.complete", "pending"]]' \
    "both writes pending in the outbox"
is "$(g show --json "$C" | jq_py '"while-down" in j["contact"]["tags"]')" True \
    "the cache shows the pending change"

# The server comes back.
http POST "/_sandbox/down?ms=1" >/dev/null
sleep 0.1
g sync --outbox >"$T/out" 2>"$T/err"
is "$?" 0 "sync --outbox exits 0 once the server is back"
is "$(route_count "POST /contacts/:contactId/tags")" 1 "the tag was sent exactly once"
is "$(route_count "PUT /contacts/:contactId/tasks/:taskId/completed")" 1 \
    "the completion was sent exactly once"
is "$(http GET "/contacts/$C" | jq_py '"while-down" in j["contact"]["tags"]')" \
    True "the server has the tag"
is "$(http GET "/contacts/$C/tasks/$TID" | jq_py 'j["task"]["completed"]')" \
    True "the server has the task completed"
is "$(g outbox --json | jq_py 'len(j)')" 0 "outbox empty"

# The sandbox killed outright: connection refused, same outcome.
stop_sandbox
t0=$(date +%s)
g note add "$C" "while killed" >"$T/out" 2>"$T/err"
rc=$?
t1=$(date +%s)
is "$rc" 1 "write with the sandbox killed exits 1"
check "it gave up within 30 s ($((t1 - t0)) s)" test $((t1 - t0)) -lt 30
check "the line says the write is pending" grep -q "pending" "$T/err"
start_sandbox --contacts 10 --seed 9	# same seed: same contacts, new port
g sync --outbox >"$T/out" 2>"$T/err"
is "$?" 0 "sync --outbox against the restarted sandbox exits 0"
is "$(route_count "POST /contacts/:contactId/notes")" 1 "the note was sent exactly once"
is "$(http GET "/contacts/$C/notes" | jq_py 'sum(n["body"] == "while killed" for n in j["notes"])')" \
    1 "the server has the note once"

done_testing
