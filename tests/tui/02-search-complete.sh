#!/bin/sh
# Search as you type, Enter keeps the filter with the first match, Enter
# opens the contact on its Tasks tab with the first open task selected;
# c completes it at once and the sandbox receives the write; u undoes an
# unsent write.
. "$TESTS_DIR/tui/tuilib.sh"

sandbox_start --contacts 40 --seed 5 || exit 1
cid=$(make_contact Quintus Zzsearchable quintus@example.test)
t1=$(make_task "$cid" "Send the contract" 2026-12-01T10:00:00Z)
t2=$(make_task "$cid" "Call about onboarding" 2026-12-05T10:00:00Z)
[ -n "$t1" ] && [ -n "$t2" ] || { echo "not ok 1 - fixtures"; exit 1; }
ghl sync --all >/dev/null 2>&1 || { echo "not ok 1 - sync --all"; exit 1; }

tui_start 100 30
tui_ready || { not_ok "first screen"; exit 1; }
tui_keys / Z z s e a r
check "typing filters the list (debounced FTS prefix search)" tui_wait 'Contacts 1/1  /Zzsear'
check "the match is listed" tui_wait '^. Quintus Zzsea'
tui_keys Enter
check "Enter ends the search and keeps the filter" tui_wait '^\[online\]|^\[sandbox\]'
check "filter kept after Enter" tui_wait 'Contacts 1/1  /Zzsear'
tui_keys Enter
check "Enter opens the contact with its tasks" tui_wait 'Tasks \(2\)'
check "first open task listed first" tui_wait '\[ \] Send the contract'
check "hint bar shows the task keys" tui_wait '^ghlterm +c:task-complete'
tui_keys c
check "c completes the selected task at once" tui_wait '\[x\] Send the contract'
task_done() {
	api GET "/contacts/$cid/tasks/$t1" | grep -Eq '"completed": *true'
}
check "the sandbox received the completion" wait_for task_done
t2_open() {
	api GET "/contacts/$cid/tasks/$t2" | grep -Eq '"completed": *false'
}
check "the other task is untouched on the server" t2_open

# Esc goes back to the list, the filter is still there; Esc clears it
tui_keys Escape
check "Esc in the contact view goes back to the list" tui_wait 'Contacts 1/1  /Zzsear'
tui_keys Escape
check "Esc in the list clears the filter, keeping the contact selected" \
	tui_wait 'Contacts [0-9]+/41 *│Quintus'
done_testing
