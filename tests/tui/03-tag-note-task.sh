#!/bin/sh
# Writes from the contact view reach the sandbox: t adds tags (Tab
# completes known tags), T removes one picked from the contact's tags, n
# adds a multi-line note in the popup editor, a adds a task with a due date.
. "$TESTS_DIR/tui/tuilib.sh"

sandbox_start --contacts 30 --seed 7 || exit 1
cid=$(make_contact Tabitha Zztagger tabitha@example.test)
api POST "/contacts/$cid/tags" '{"tags":["alpha-old","zzkeep"]}' >/dev/null
other=$(make_contact Other Person other@example.test)
api POST "/contacts/$other/tags" '{"tags":["zzcompleteme"]}' >/dev/null
ghl sync --all >/dev/null 2>&1 || { echo "not ok 1 - sync --all"; exit 1; }

# $EDITOR for notes: a script that writes the note into the file it gets
cat >"$T_DIR/editor.sh" <<'EOS'
#!/bin/sh
printf 'Written in the editor\nwith two lines\n' >"$1"
EOS
chmod +x "$T_DIR/editor.sh"
export EDITOR="$T_DIR/editor.sh"
unset VISUAL

tui_start 100 30
tui_ready || { not_ok "first screen"; exit 1; }
tui_keys / Z z t a g g Enter
tui_wait 'Contacts 1/1' || not_ok "search"
tui_keys Enter
check "contact opened" tui_wait 'Tags: alpha-old, zzkeep'

# t: tags, with completion of a tag known from another contact
tui_keys t
check "t opens the tag prompt" tui_wait '^Add tags'
tui_keys z z c o Tab
check "Tab completes a known tag" tui_wait '^Add tags.*: zzcompleteme'
tui_keys , " " t u i - n e w Enter
check "tags shown at once (optimistic)" tui_wait 'Tags: .*zzcompleteme, tui-new'
has_tags() {
	api GET "/contacts/$cid" >"$T_DIR/c.json" &&
	grep -q '"tui-new"' "$T_DIR/c.json" && grep -q '"zzcompleteme"' "$T_DIR/c.json"
}
check "the sandbox has the new tags" wait_for has_tags

# T: remove a tag picked from a menu of the contact's tags
tui_keys T
check "T shows the contact's tags" tui_wait 'Remove which tag'
tui_keys Enter
lacks_old() {
	api GET "/contacts/$cid" >"$T_DIR/c.json" &&
	grep -q '"zzkeep"' "$T_DIR/c.json" && ! grep -q '"alpha-old"' "$T_DIR/c.json"
}
check "the first tag was removed on the sandbox" wait_for lacks_old
check "and from the screen" tui_wait_not 'alpha-old'

# n: a note in the popup editor, two lines, ^D saves
tui_keys n
check "n opens the note editor" tui_wait 'New note'
tui_keys "First line of the note" Enter "second line ☃"
tui_keys C-d
tui_keys 2
check "the note shows on the Notes tab" tui_wait 'First line of the note'
check "with its second line" tui_wait 'second line ☃'
has_note() {
	api GET "/contacts/$cid/notes" | grep -q 'second line'
}
check "the sandbox has the note" wait_for has_note

# a: a task with a relative due date
tui_keys 1 a
check "a asks for the title" tui_wait '^Task title:'
tui_keys "Follow up from the TUI" Enter
check "then for the due date" tui_wait '^Due'
tui_keys C-u "+3d" Enter
check "the task is listed" tui_wait '\[ \] Follow up from the TUI'
has_task() {
	api GET "/contacts/$cid/tasks" | grep -q '"Follow up from the TUI"'
}
check "the sandbox has the task" wait_for has_task
check "no failed writes" tui_wait_not 'failed'

# E: the note is written in $EDITOR with curses suspended
tui_keys E 2
check "the note from \$EDITOR shows" tui_wait 'Written in the editor'
has_ed_note() {
	api GET "/contacts/$cid/notes" | grep -q 'Written in the editor'
}
check "the sandbox has the \$EDITOR note" wait_for has_ed_note
check "the screen is redrawn after the editor" tui_wait '^ghlterm '
done_testing
