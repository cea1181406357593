#!/bin/sh
# 004-writes: every write command end to end; the sandbox's state is read
# back over HTTP afterwards.  Also an offline write replayed later.
. "$TESTS_DIR/cli/lib.sh"

start_sandbox --contacts 30 --seed 3
g sync --all >/dev/null 2>"$T/err" || diag "$T/err"
C=$(first_contact_id)

# field PATH EXPR: evaluate EXPR over the JSON of GET PATH.
field() {
	http GET "$1" | jq_py "$2"
}
# gone PATH: GET PATH answers 404.
gone() {
	! http GET "$1" >/dev/null 2>&1
}

# --- tasks ---
TID=$(g task add "$C" --title "Call back ✓" --due 2026-12-24 --body "re: renewal")
is "$?" 0 "task add exits 0"
check "task add prints a server id" sh -c 'case $1 in local-*|"") exit 1;; esac' sh "$TID"
is "$(field "/contacts/$C/tasks/$TID" 'j["task"]["title"]')" "Call back ✓" \
    "task add: title on the server (UTF-8)"
is "$(field "/contacts/$C/tasks/$TID" 'j["task"]["dueDate"][:10]')" \
    2026-12-24 "task add: due date on the server"
is "$(field "/contacts/$C/tasks/$TID" 'j["task"]["completed"]')" False \
    "task add: open"

g task edit "$C" "$TID" --title "Call back today" --body "moved" >"$T/out"
is "$?" 0 "task edit exits 0"
is "$(field "/contacts/$C/tasks/$TID" 'j["task"]["title"] + "|" + j["task"]["body"]')" \
    "Call back today|moved" "task edit: server has the new title and body"

g task complete "$C" "$TID" >"$T/out"
is "$?" 0 "task complete exits 0"
is "$(cat "$T/out")" "task $TID completed" "task complete: says so"
is "$(field "/contacts/$C/tasks/$TID" 'j["task"]["completed"]')" True \
    "task complete: completed on the server"
g task reopen "$C" "$TID" >/dev/null
is "$(field "/contacts/$C/tasks/$TID" 'j["task"]["completed"]')" False \
    "task reopen: open again on the server"

g task delete "$C" "$TID" >/dev/null
is "$?" 0 "task delete exits 0"
check "task delete: gone from the server" gone "/contacts/$C/tasks/$TID"
is "$(g show --json "$C" | jq_py "any(t['id'] == '$TID' for t in j['tasks'])")" \
    False "task delete: gone from the cache"

# --- tags ---
g tag add "$C" cli-test "two words" >/dev/null
is "$?" 0 "tag add exits 0"
is "$(field "/contacts/$C" '"cli-test" in j["contact"]["tags"] and "two words" in j["contact"]["tags"]')" \
    True "tag add: both tags on the server"
g tag remove "$C" cli-test >/dev/null
is "$?" 0 "tag remove exits 0"
is "$(field "/contacts/$C" '"cli-test" in j["contact"]["tags"]')" False \
    "tag remove: gone on the server"
is "$(g show --json "$C" | jq_py 'sorted(j["contact"]["tags"])')" \
    "$(field "/contacts/$C" 'sorted(j["contact"]["tags"])')" \
    "tags: cache equals the server"

# --- notes ---
NID=$(g note add "$C" "first note")
is "$?" 0 "note add exits 0"
is "$(field "/contacts/$C/notes/$NID" 'j["note"]["body"]')" "first note" \
    "note add: body on the server"
printf 'from standard input\nsecond line\n' | g note edit "$C" "$NID" - >/dev/null
is "$?" 0 "note edit (stdin) exits 0"
is "$(field "/contacts/$C/notes/$NID" 'j["note"]["body"]')" \
    "from standard input
second line" "note edit: body from stdin on the server"
g note delete "$C" "$NID" >/dev/null
is "$?" 0 "note delete exits 0"
check "note delete: gone from the server" gone "/contacts/$C/notes/$NID"

# --- contacts ---
NEW=$(g contact add --first Zoë --last Quist --email zoe.quist@example.test \
    --phone +15555550123 --company "Quist & Co" --tag cli --tag new)
is "$?" 0 "contact add exits 0"
is "$(field "/contacts/$NEW" 'j["contact"]["firstName"] + "|" + j["contact"]["email"] + "|" + j["contact"]["companyName"]')" \
    "Zoë|zoe.quist@example.test|Quist & Co" "contact add: fields on the server"
is "$(field "/contacts/$NEW" 'sorted(j["contact"]["tags"])')" '["cli", "new"]' \
    "contact add: tags on the server"
is "$(g show --json "$NEW" | jq_py 'j["contact"]["id"]')" "$NEW" \
    "contact add: the cache knows the server's id"
g contact edit "$NEW" --company "Quist Ltd" --dnd yes >/dev/null
is "$?" 0 "contact edit exits 0"
is "$(field "/contacts/$NEW" 'j["contact"]["companyName"] + "|" + str(j["contact"]["dnd"])')" \
    "Quist Ltd|True" "contact edit: company and dnd on the server"
g contact delete "$NEW" >/dev/null
is "$?" 0 "contact delete exits 0"
check "contact delete: gone from the server" gone "/contacts/$NEW"
g show "$NEW" >/dev/null 2>&1
is "$?" 1 "contact delete: gone from the cache"

is "$(g outbox --json | jq_py 'len(j)')" 0 "outbox empty after the writes"

# --- offline, then replay ---
before=$(route_count "POST /contacts/:contactId/notes")
LID=$(g --offline note add "$C" "written offline" 2>"$T/err")
is "$?" 0 "offline note add exits 0"
check "offline note add prints a local id" sh -c 'case $1 in local-*) ;; *) exit 1;; esac' sh "$LID"
is "$(route_count "POST /contacts/:contactId/notes")" "$before" \
    "offline: nothing sent"
is "$(g outbox --json | jq_py '[(e["op"], e["status"], e["contactId"]) for e in j]')" \
    "[[\"note.create\", \"pending\", \"$C\"]]" "offline: outbox --json shows the entry"
g sync --outbox >"$T/out" 2>"$T/err"
is "$?" 0 "sync --outbox exits 0"
is "$(route_count "POST /contacts/:contactId/notes")" "$((before + 1))" \
    "sync --outbox: the note was sent exactly once"
is "$(field "/contacts/$C/notes" 'sum(n["body"] == "written offline" for n in j["notes"])')" \
    1 "sync --outbox: the server has the note once"
is "$(g outbox --json | jq_py 'len(j)')" 0 "outbox empty after replay"

done_testing
