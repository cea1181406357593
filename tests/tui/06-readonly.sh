#!/bin/sh
# A read-only token: the write is refused by the server (403), an alert
# shows and stays until acknowledged, the entry stays in the outbox as
# failed with the server's message; r retries, d discards after y/n.
. "$TESTS_DIR/tui/tuilib.sh"

sandbox_start --contacts 20 --seed 17 || exit 1
cid=$(make_contact Rhea Zzreadonly rhea@example.test)
tid=$(make_task "$cid" "Cannot complete me" 2026-12-04T09:00:00Z)
ghl sync --all >/dev/null 2>&1 || { echo "not ok 1 - sync --all"; exit 1; }
export GHL_TOKEN=sandbox-readonly

tui_start 100 30
tui_ready || { not_ok "first screen"; exit 1; }
tui_keys / Z z r e a d Enter
tui_wait 'Contacts 1/1' || not_ok "search"
tui_keys Enter
tui_wait '\[ \] Cannot complete me' || not_ok "task listed"
tui_keys c
check "the refused write raises an alert" tui_wait '^! write failed'
check "the status bar counts the failed write" tui_wait '1 failed'
check "the server's truth is shown again" tui_wait '\[ \] Cannot complete me'
check "the outbox keeps it as failed" sh -c \
	"'$GHLTERM' --base-url '$BASE_URL' --cache '$CACHE' --location $LOCATION --offline outbox --json | grep -q '\"failed\"'"
tui_keys j k
check "the alert stays until acknowledged" tui_wait '^! write failed'
tui_keys !
check "! acknowledges it" tui_wait_not '^! write failed'
tui_keys o
check "outbox shows the failed write" tui_wait '#[0-9]+ failed +task.complete'
check "with the server's message" tui_wait '^  .*(40[13]|scope|read-only|not authorized|permission)'
tui_keys d
check "d asks first" tui_wait '^Discard #[0-9]+ task.complete'
tui_keys n
check "n keeps it" tui_wait '#[0-9]+ failed +task.complete'
tui_keys d
tui_wait '^Discard' || not_ok "asks again"
tui_keys y
check "y discards it" tui_wait 'Nothing waiting'
check "no failed count any more" tui_wait_not '[0-9]+ failed'
done_testing
