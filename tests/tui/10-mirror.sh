#!/bin/sh
# m mirrors the selected contact to the Salesmate sandbox: the status bar
# says so, the header shows "Salesmate: mirrored at TIME" and the sandbox
# holds the contact with the GHL id in the id field.  Without [salesmate]
# settings m says Salesmate is not configured.
. "$TESTS_DIR/tui/tuilib.sh"
. "$TESTS_DIR/tui/smlib.sh"
trap 'sm_stop; tui_cleanup' EXIT

sandbox_start --contacts 40 --seed 5 || exit 1
cid=$(make_contact Mira Mirrorme mira.mirror@example.test)
ghl sync --all >/dev/null 2>&1 || { echo "not ok 1 - sync --all"; exit 1; }

# 1. not configured
tui_start 100 30
tui_ready || { not_ok "first screen"; exit 1; }
tui_keys m
check "m without [salesmate] says it is not configured" \
	tui_wait 'Salesmate is not configured'
tui_keys q
tui_wait 'EXITED 0' || not_ok "q quits"
"$TMUX_BIN" -L "$T_SOCK" kill-server >/dev/null 2>&1

# 2. configured
sm_start || { not_ok "Salesmate sandbox"; exit 1; }
tui_start 120 30
tui_ready || { not_ok "first screen (configured)"; exit 1; }
tui_keys / M i r r o r m e Enter
tui_wait 'Contacts 1/1' || not_ok "search"
tui_keys Enter
check "header shows the contact is not mirrored" tui_wait 'Salesmate: not mirrored'
tui_keys m
check "status bar: mirrored to Salesmate" tui_wait 'mirrored to Salesmate'
check "header: Salesmate: mirrored at TIME" \
	tui_wait 'Salesmate: mirrored at [0-9]'
in_sm() { sm_state | grep -q "mira.mirror@example.test" && sm_state | grep -q "\"$cid\""; }
check "the Salesmate sandbox holds the contact with its GHL id" wait_for in_sm
tui_keys '?'
check "help lists mirror (m)" tui_wait 'm +mirror +Mirror this contact to Salesmate'
tui_keys q q q
check "quits" tui_wait 'EXITED 0'
done_testing
