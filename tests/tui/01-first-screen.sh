#!/bin/sh
# The first screen: contacts from the cache with the position "n/N", the
# hint bar and the status bar; ghlterm -n N exits by itself after N frames.
. "$TESTS_DIR/tui/tuilib.sh"

sandbox_start --contacts 60 --seed 3 || exit 1
ghl sync --all >/dev/null 2>&1 || { echo "not ok 1 - sync --all"; exit 1; }
first=$(ghl list --json --limit 1 | json_get 'j[0]["name"] or (j[0]["firstName"] + " " + j[0]["lastName"])')

tui_start 100 30
check "first screen shows the list with its position" tui_wait 'Contacts 1/60'
check "first contact of the cache on row 1" tui_wait "^. $(printf '%s' "$first" | cut -c1-10)"
check "hint bar lists keys from the command table" tui_wait '^ghlterm .*ENTER:open .*/:search'
check "status bar says online once the server answered" tui_wait '^\[online\]'
check "right pane previews the selected contact" tui_wait "│$(printf '%s' "$first" | cut -c1-10)"
tui_keys j j
check "j moves the selection" tui_wait 'Contacts 3/60'
tui_keys G
check "G goes to the last contact" tui_wait 'Contacts 60/60'
tui_keys g
check "g goes back to the first" tui_wait 'Contacts 1/60'
tui_keys q
check "q in the list quits with status 0" tui_wait '^EXITED 0'

"$TMUX_BIN" -L "$T_SOCK" kill-server >/dev/null 2>&1
tui_start 80 24 -n 3
check "ghlterm -n 3 exits after three frames" tui_wait '^EXITED 0'
done_testing
