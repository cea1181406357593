#!/bin/sh
# ghlterm --sandbox starts both sandboxes (HighLevel and Salesmate) as its
# children: a new user opens a contact, presses m and sees it mirrored; q
# stops both children.
. "$TESTS_DIR/tui/tuilib.sh"
command -v pgrep >/dev/null 2>&1 || { echo "1..0 # SKIP pgrep not found"; exit 77; }
unset SALESMATE_TOKEN GHLTERM_SALESMATE_KEY

BASE_URL=http://127.0.0.1:9	# replaced by the sandbox's
tui_start 120 30 --sandbox
check "first screen from the sandbox" tui_wait 'Contacts [0-9?]+/500'
pane=$("$TMUX_BIN" -L "$T_SOCK" display-message -p -t t '#{pane_pid}')
gpid=$(pgrep -P "$pane" | head -n 1)
kids() { pgrep -P "$gpid" -a 2>/dev/null; }
two() { [ "$(kids | grep -c ghlterm-sandbox)" = 2 ]; }
check "two sandbox children" wait_for two
check "one of them is the Salesmate sandbox" sh -c "pgrep -P $gpid -a | grep -q -- '--api salesmate'"
tui_keys Enter
check "header: not mirrored yet" tui_wait 'Salesmate: not mirrored'
tui_keys m
check "m mirrors: status bar" tui_wait 'mirrored to Salesmate'
check "m mirrors: header" tui_wait 'Salesmate: mirrored at [0-9]'
tui_keys q q
check "quits" tui_wait 'EXITED 0'
none() { ! pgrep -P "$gpid" >/dev/null 2>&1 && ! kill -0 "$gpid" 2>/dev/null; }
check "both sandboxes stopped" wait_for none
done_testing
