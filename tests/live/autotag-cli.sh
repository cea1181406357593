#!/bin/sh
# autotag-cli.sh: ghlterm autotag [--dry-run] [CONTACT_ID] on a cache fed
# by the receiver: a dry run prints what would change and writes nothing;
# a real run queues one tags.add and sends it to the sandbox; a second run
# has nothing to do; usage errors exit 2, an unknown contact exits 1.
. "$TESTS_DIR/live/lib.sh"

cat >"$XDG_CONFIG_HOME/ghlterm/config" <<'CFG'
[autotag]
contact = refund => billing, urgent
task = renewal => renewal
CFG
: >"$T/empty.conf"

start_sandbox --contacts 10 --seed 5
export GHL_API_BASE="$SB_URL" GHL_TOKEN=sandbox-token GHL_LOCATION_ID=$LOC
CID=$(api POST /contacts/search "{\"locationId\":\"$LOC\",\"pageLimit\":1}" | first_id)
ok $([ -n "$CID" ] && echo 0 || echo 1) "a sandbox contact ($CID)"

# Feed the cache through a receiver that has no rules of its own.
GHLTERM_CONFIG="$T/empty.conf" start_listen --offline -- --no-sync
ok $? "receiver started (no rules, no sync)"
printf '{"type":"ContactCreate","locationId":"%s","id":"%s","firstName":"Auto","tags":["lead"]}' \
	"$LOC" "$CID" >"$T/c.json"
printf '{"type":"NoteCreate","locationId":"%s","id":"AutoNote000000000001","contactId":"%s","body":"Wants a REFUND for March"}' \
	"$LOC" "$CID" >"$T/n.json"
is "$(post "$T/c.json")" 200 "contact posted"
is "$(post "$T/n.json")" 200 "matching note posted"
stop_listen

"$LIVE" --offline autotag --dry-run "$CID" >"$T/out" 2>"$T/err"
is $? 0 "autotag --dry-run exits 0"
grep -q "would add tag 'billing' (rule 'refund', note AutoNote000000000001)" "$T/out"
ok $? "dry run names the tag, the rule and the note"
grep -q "would add tag 'urgent'" "$T/out"
ok $? "dry run lists every tag of the rule"
is "$(sql "SELECT count(*) FROM outbox")" 0 "dry run queued nothing"
is "$(sql "SELECT count(*) FROM autotag_fired")" 0 "dry run recorded nothing"

"$LIVE" autotag --bogus >/dev/null 2>&1
is $? 2 "unknown option is a usage error"
"$LIVE" autotag A B >/dev/null 2>&1
is $? 2 "two contact ids is a usage error"
"$LIVE" --offline autotag NoSuchContact000001 >"$T/out" 2>"$T/err"
is $? 1 "unknown contact exits 1"
grep -q "NoSuchContact000001 is not in the cache" "$T/err"
ok $? "... naming the contact"

"$LIVE" autotag "$CID" >"$T/out" 2>"$T/err"
rc=$?
is $rc 0 "autotag applies and replays the outbox"
[ $rc -eq 0 ] || diag "$T/err"
grep -q "add tag 'billing'" "$T/out"
ok $? "it prints the tag added"
is "$(sql "SELECT op || ':' || status FROM outbox")" "tags.add:done" \
	"one tags.add entry, sent"
api GET "/contacts/$CID" | grep -q '"billing"'
ok $? "the server has the billing tag"
api GET "/contacts/$CID" | grep -q '"urgent"'
ok $? "and the urgent tag"

"$LIVE" autotag >"$T/out" 2>"$T/err"
is $? 0 "a second run over every contact exits 0"
grep -q "no tag to add" "$T/out"
ok $? "... with nothing to add"
is "$(sql "SELECT count(*) FROM outbox")" 1 "still one outbox entry"

done_testing
