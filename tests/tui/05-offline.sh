#!/bin/sh
# With --offline the TUI browses the cache and says so; a write stays in
# the outbox (pending) and u undoes it.  With the server gone (no
# --offline) the app still starts, browses the cache and shows "offline".
. "$TESTS_DIR/tui/tuilib.sh"

sandbox_start --contacts 25 --seed 13 || exit 1
cid=$(make_contact Olga Zzoffline olga@example.test)
tid=$(make_task "$cid" "Offline task" 2026-12-03T09:00:00Z)
ghl sync --all >/dev/null 2>&1 || { echo "not ok 1 - sync --all"; exit 1; }
ghl sync "$cid" >/dev/null 2>&1 || { echo "not ok 1 - sync contact"; exit 1; }

tui_start 100 30 --offline
check "offline start shows the cached list" tui_wait 'Contacts 1/26'
check "status bar says offline" tui_wait '^\[offline\]'
tui_keys / Z z o f f Enter
tui_wait 'Contacts 1/1' || not_ok "search"
tui_keys Enter
check "cached tasks shown offline" tui_wait '\[ \] Offline task'
tui_keys c
check "completing offline is optimistic" tui_wait '\[x\] Offline task'
check "and the write is pending" tui_wait '1 pending'
tui_keys u
check "u undoes the unsent write" tui_wait '\[ \] Offline task'
check "nothing pending after undo" tui_wait_not '1 pending'
tui_keys c
tui_wait '1 pending' || not_ok "pending again"
tui_keys o
check "o shows the outbox with the pending write" \
	tui_wait '#[0-9]+ pending +task.complete +Olga Zzoffline'
tui_keys q
tui_wait_not '^Outbox' || not_ok "outbox closed"
tui_keys q q
check "quits" tui_wait '^EXITED 0'
still_open() {
	api GET "/contacts/$cid/tasks/$tid" | grep -Eq '"completed": *false'
}
check "nothing was sent while offline" still_open

# the server goes away: start without --offline, keep browsing
sandbox_stop
"$TMUX_BIN" -L "$T_SOCK" kill-server >/dev/null 2>&1
tui_start 100 30
check "no network: the app starts from the cache" tui_wait 'Contacts 1/26'
check "and says it is offline" tui_wait '^\[offline\]'
tui_keys j
check "browsing still works" tui_wait 'Contacts 2/26'
check "the pending write is kept" tui_wait '1 pending'
done_testing
