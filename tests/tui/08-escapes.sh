#!/bin/sh
# Untrusted text: a contact whose name, tags and note carry escape
# sequences (OSC 0/2 title set, OSC 52 clipboard, CSI 2J clear, cursor
# moves, C1 CSI, bidi overrides) is shown inert: the terminal title and
# the rest of the screen stay intact, the sequences show as visible text.
. "$TESTS_DIR/tui/tuilib.sh"

sandbox_start --contacts 10 --seed 23 || exit 1
cid=$(api POST /contacts/ '{"locationId":"'$LOCATION'",
	"firstName":"Evil\u001b]0;PWNED\u0007Zz",
	"lastName":"Zzescape\u001b[2J\u001b[H\u001b[5;5H\u009b31m\u202eoknom",
	"email":"evil@example.test",
	"companyName":"\u001b]2;TITLE2\u001b\\Corp",
	"tags":["\u001b]52;c;cm0gLXJmIH4K\u0007clip", "bidi\u2066x\u2069"]}' |
	json_id)
[ -n "$cid" ] || { echo "not ok 1 - fixture"; exit 1; }
api POST "/contacts/$cid/notes" '{"body":"line one\u001b[1A\u001b[2Kline two\r\noverwrite\rX"}' >/dev/null
ghl sync --all >/dev/null 2>&1 || { echo "not ok 1 - sync --all"; exit 1; }

tui_start 100 30
tui_ready || { not_ok "first screen"; exit 1; }
"$TMUX_BIN" -L "$T_SOCK" select-pane -t t -T "untouched-title"
tui_keys / z z e s c Enter
tui_wait 'Contacts 1/1' || not_ok "search"
check "escape sequences are shown as text" tui_wait 'Evil\^\[\]0;PWNED\^GZz'
check "CSI clear and cursor moves are visible, not executed" \
	tui_wait 'Zzescape\^\[\[2J\^\[\[H'
check "the hint bar was not cleared" tui_wait '^ghlterm '
check "the status bar was not cleared" tui_wait '^\[online\]'
title_ok() { [ "$(tui_title)" = "untouched-title" ]; }
check "the terminal title was not changed" title_ok
tui_keys Enter
check "the contact view shows the company inertly" tui_wait '\^\[\]2;TITLE2\^\[\\Corp'
check "tags with OSC 52 are inert" tui_wait 'Tags: \^\[\]52;c;cm0gLXJmIH4K\^Gclip'
tui_keys 2
check "note text with cursor-up and erase-line is inert" \
	tui_wait 'line one\^\[\[1A\^\[\[2Kline two'
check "a lone CR is visible" tui_wait 'overwrite\^MX'
check "bidi override replaced" sh -c "! ($TMUX_BIN -L $T_SOCK capture-pane -p -t t | grep -q \"$(printf '\342\200\256')\")"
check "title still intact after the contact view" title_ok
check "hint bar still intact" tui_wait '^ghlterm '
done_testing
