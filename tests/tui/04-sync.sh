#!/bin/sh
# s pulls the selected contact again (a change made on the server shows);
# S pulls every contact with "sync n/N" and the elapsed time in the status
# bar, and a contact created on the server meanwhile appears in the list.
. "$TESTS_DIR/tui/tuilib.sh"

sandbox_start --contacts 600 --seed 11 --latency 400 || exit 1
cid=$(make_contact Aaron Aasyncme aaron@example.test)
ghl sync --all >/dev/null 2>&1 || { echo "not ok 1 - sync --all"; exit 1; }

tui_start 100 30
tui_ready || { not_ok "first screen"; exit 1; }
tui_keys / A a s y n c Enter
tui_wait 'Contacts 1/1' || not_ok "search"
api PUT "/contacts/$cid" '{"lastName":"Aasynced","companyName":"Changed Remotely Ltd"}' >/dev/null
tui_keys s
check "s pulls the contact: the server's change shows" tui_wait 'Changed Remotely Ltd'
check "status says it was synced" tui_wait 'contact synced'

tui_keys Escape
tui_wait_not 'Contacts 1/1  /' || not_ok "Esc clears the filter"
new=$(make_contact Zed Zzlatecomer zed@example.test)
tui_keys S
check "S shows progress n/N and elapsed time" \
	tui_wait 'sync [0-9]+/[0-9]+ [0-9]+:[0-9][0-9]|sync done: [0-9]+/[0-9]+ contacts in [0-9]+:[0-9][0-9]'
check "sync ends with a summary" tui_wait 'sync done: 602/602 contacts'
check "list count grew" tui_wait 'Contacts [0-9]+/602'
tui_keys / Z z l a t e Enter
check "the contact created meanwhile is in the list" tui_wait 'Zed Zzlatecomer'
tui_keys Escape
tui_wait_not 'Contacts [0-9]+/[0-9]+  /' || not_ok "Esc clears the filter"

# S twice cancels (the second S arrives before or while the job runs)
tui_keys S S
check "S again cancels the sync" tui_wait 'cancelling sync|sync cancelled'
check "no sync left running" tui_wait_not '\| sync [0-9]'
done_testing
