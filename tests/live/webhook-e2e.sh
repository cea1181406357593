#!/bin/sh
# webhook-e2e.sh: ghlterm-sandbox --webhook posting to the receiver on a
# temp cache.  Changes made through the sandbox API with curl reach the
# cache: a contact the cache does not know is pulled in the background,
# notes and tasks are created, edited, completed and deleted, an auto-tag
# rule fires and its tags.add write is sent, and a deleted contact goes.
. "$TESTS_DIR/live/lib.sh"

cat >"$XDG_CONFIG_HOME/ghlterm/config" <<'CFG'
[autotag]
contact = refund|chargeback => billing
CFG

# The sandbox needs the receiver's URL and the receiver the sandbox's: take
# a port the kernel hands out for the receiver, retrying if it is lost.
tries=0
while :; do
	P=$(free_port)
	start_sandbox --contacts 30 --seed 7 --webhook "http://127.0.0.1:$P/"
	export GHL_API_BASE="$SB_URL" GHL_TOKEN=sandbox-token GHL_LOCATION_ID=$LOC
	start_listen -- --listen "127.0.0.1:$P" && break
	stop_sandbox
	tries=$((tries + 1))
	if [ $tries -ge 3 ]; then
		echo "Bail out! the receiver did not start"
		diag "$T/listen.err"
		exit 1
	fi
done
is "$L_URL" "http://127.0.0.1:$P/" "receiver listening, URL on stdout"

CID=$(api POST /contacts/search "{\"locationId\":\"$LOC\",\"pageLimit\":1}" |
	first_id)
ok $([ -n "$CID" ] && echo 0 || echo 1) "a sandbox contact to change ($CID)"
is "$(sql "SELECT count(*) FROM contacts")" 0 "the cache starts empty"

# 1. A contact update for a contact the cache has never seen.
api PUT "/contacts/$CID" '{"firstName":"Webhooked"}' >/dev/null
ok $? "PUT /contacts/$CID through the sandbox"
wait_for 10 sql_is Webhooked "SELECT first_name FROM contacts WHERE id = '$CID'"
ok $? "ContactUpdate reached the cache"
wait_for 15 sql_is 1 "SELECT synced_at IS NOT NULL FROM contacts WHERE id = '$CID'"
ok $? "unknown contact pulled in full by a background sync"
want=$(api GET "/contacts/$CID/tasks" | jq_py 'len(j["tasks"])')
wait_for 10 sql_is "$want" "SELECT count(*) FROM tasks WHERE contact_id = '$CID'"
ok $? "its $want tasks came with the pull"

# 2. A note that matches an auto-tag rule.
NID=$(api POST "/contacts/$CID/notes" '{"body":"Customer asked for a refund"}' | first_id)
ok $([ -n "$NID" ] && echo 0 || echo 1) "note created through the sandbox"
wait_for 10 sql_is "Customer asked for a refund" \
	"SELECT body FROM notes WHERE id = '$NID'"
ok $? "NoteCreate reached the cache"
wait_for 15 sh -c "curl -sf -H 'Authorization: Bearer sandbox-token' \
	-H 'Version: 2021-07-28' '$SB_URL/contacts/$CID' | grep -q '\"billing\"'"
ok $? "auto-tag rule fired and its tags.add reached the server"
wait_for 10 sql_is done "SELECT status FROM outbox WHERE contact_id = '$CID' AND op = 'tags.add'"
ok $? "the tags.add outbox entry is done (sent once)"
wait_for 10 sql_is 1 "SELECT count(*) FROM contact_tags t JOIN contacts c ON c.rid = t.crid WHERE c.id = '$CID' AND t.tag = 'billing'"
ok $? "the cache shows the tag"
api PUT "/contacts/$CID/notes/$NID" '{"body":"Refund issued"}' >/dev/null
wait_for 10 sql_is "Refund issued" "SELECT body FROM notes WHERE id = '$NID'"
ok $? "NoteUpdate reached the cache"
is "$(sql "SELECT count(*) FROM outbox WHERE op = 'tags.add'")" 1 \
	"an edited note does not queue the same tag twice"

# 3. A task: created, completed, deleted.
TID=$(api POST "/contacts/$CID/tasks" \
	'{"title":"Webhook task","dueDate":"2030-01-01T10:00:00Z","completed":false}' |
	first_id)
ok $([ -n "$TID" ] && echo 0 || echo 1) "task created through the sandbox"
wait_for 10 sql_is "Webhook task|0" \
	"SELECT title, completed FROM tasks WHERE id = '$TID'"
ok $? "TaskCreate reached the cache (completed learnt by a pull)"
api PUT "/contacts/$CID/tasks/$TID/completed" '{"completed":true}' >/dev/null
wait_for 10 sql_is 1 "SELECT completed FROM tasks WHERE id = '$TID'"
ok $? "TaskComplete marked it completed"
api DELETE "/contacts/$CID/tasks/$TID" >/dev/null
wait_for 10 sql_is 0 "SELECT count(*) FROM tasks WHERE id = '$TID'"
ok $? "TaskDelete removed it"

# 4. Note and contact deletes.
api DELETE "/contacts/$CID/notes/$NID" >/dev/null
wait_for 10 sql_is 0 "SELECT count(*) FROM notes WHERE id = '$NID'"
ok $? "NoteDelete removed the note"
api DELETE "/contacts/$CID" >/dev/null
wait_for 10 sql_is 1 "SELECT deleted FROM contacts WHERE id = '$CID'"
ok $? "ContactDelete marked the contact deleted"

n=$(grep -c '"msg":"webhook [A-Za-z]* [A-Za-z0-9]*: applied' "$LOGFILE")
ok $([ "$n" -ge 9 ] && echo 0 || echo 1) "one log line per applied event ($n)"
stop_listen
grep -q '"msg":"listen: stopped: ' "$LOGFILE"
ok $? "the receiver stops cleanly on SIGTERM"

done_testing
