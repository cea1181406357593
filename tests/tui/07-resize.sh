#!/bin/sh
# Resize at any moment, down to 40x10 and back: one pane below 100
# columns, two at 100 and more; the status bar stays on the last row and
# the selection and the open contact survive.
. "$TESTS_DIR/tui/tuilib.sh"

sandbox_start --contacts 50 --seed 19 || exit 1
ghl sync --all >/dev/null 2>&1 || { echo "not ok 1 - sync --all"; exit 1; }

tui_start 120 30
tui_ready || { not_ok "first screen"; exit 1; }
tui_keys j j j
tui_wait 'Contacts 4/50' || not_ok "moved"
check "two panes side by side at 120 columns" tui_wait '│'
last_row_is_status() {
	tui_screen | tail -n 1 | grep -Eq '^\[(online|online\?|sandbox|offline)\]'
}
check "status bar on the last row" last_row_is_status
tui_resize 40 10
check "40x10: one pane, the list" tui_wait_not '│'
check "40x10: selection kept" tui_wait 'Contacts 4/50'
check "40x10: status bar on the last row" wait_for last_row_is_status
rows_ok() { [ "$(tui_screen | wc -l)" -eq 10 ]; }
check "40x10: fills ten rows" rows_ok
tui_keys Enter
check "40x10: the contact view opens" tui_wait 'Tasks \('
tui_resize 80 24
check "80x24: still the contact view" tui_wait 'Tasks \('
tui_resize 41 11
tui_resize 100 30
check "back to 100x30: two panes again" tui_wait '│.*Tasks \('
check "100x30: the list is back on the left" tui_wait '^Contacts 4/50'
check "100x30: status bar on the last row" wait_for last_row_is_status
tui_resize 15 3
check "tiny terminal: says so, does not crash" tui_wait 'too small'
tui_resize 100 30
check "and recovers" tui_wait '^Contacts 4/50'
done_testing
