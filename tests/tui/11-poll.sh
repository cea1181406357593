#!/bin/sh
# Polling: with [sync] poll_interval = 1 the TUI posts a poll every second;
# a change made through the sandbox API shows up without a key press, and
# the status bar shows when the last poll ran.
. "$TESTS_DIR/tui/tuilib.sh"

sandbox_start --contacts 30 --seed 9 || exit 1
cid=$(make_contact Liv Livewire liv.live@example.test)
ghl sync --all >/dev/null 2>&1 || { echo "not ok 1 - sync --all"; exit 1; }
printf '[sync]\npoll_interval = 1\n' >"$GHLTERM_CONFIG"
tui_start 120 30
tui_ready || { not_ok "first screen (polling)"; exit 1; }
check "status bar shows the last poll" tui_wait 'polled [0-9]+:[0-9]+:[0-9]+'
tui_keys / L i v e w i r e Enter
tui_wait 'Contacts 1/1' || not_ok "search (polling)"
api PUT "/contacts/$cid" '{"companyName":"Polled Industries"}' >/dev/null
check "a poll picks up the change made through the API" \
	tui_wait 'Polled Industries'
tui_keys q
check "quits" tui_wait 'EXITED 0'
done_testing
