#!/bin/sh
# ? shows the help screen generated from the command table: every key the
# defaults bind appears (paging through it), and a rebinding made with
# :bind shows there at once.
. "$TESTS_DIR/tui/tuilib.sh"

sandbox_start --contacts 5 --seed 29 || exit 1
ghl sync --all >/dev/null 2>&1 || { echo "not ok 1 - sync --all"; exit 1; }

tui_start 100 30
tui_ready || { not_ok "first screen"; exit 1; }
tui_keys :
tui_wait '^:' || not_ok "command prompt"
tui_keys "bind list x quit-all" Enter
check ":bind rebinds a key" tui_wait 'bind list x quit-all'
tui_keys '?'
check "? opens the help" tui_wait '^ghlterm keys'
: >"$T_DIR/help.txt"
i=0
while [ $i -lt 12 ]; do
	tui_screen >>"$T_DIR/help.txt"
	tui_keys PageDown
	i=$((i + 1))
	"$TMUX_BIN" -L "$T_SOCK" capture-pane -p -t t | grep -q '^  ESC h LEFT .*back' &&
		grep -q 'Everywhere' "$T_DIR/help.txt" && tui_screen | grep -q 'unbind' && break
done
tui_screen >>"$T_DIR/help.txt"
missing=
for k in j k DOWN UP PGDN PGUP g G ENTER / n N ESC TAB BTAB 1 2 3 c H a t T \
    E s r R d DEL q '?' F1 : '\^L' S o u '!' x; do
	grep -Eq "^  ([^ ]+ )*$k( |$)" "$T_DIR/help.txt" || missing="$missing $k"
done
if [ -z "$missing" ]; then ok "help lists every bound key"; else
	not_ok "help lists every bound key (missing:$missing)"; fi
check "the rebinding is listed" grep -Eq '^  x +quit-all' "$T_DIR/help.txt"
check "commands without a key show their :name" grep -Eq '^  :cancel +cancel' "$T_DIR/help.txt"
tui_keys q
check "q closes the help" tui_wait '^Contacts'
tui_keys x
check "the rebound key works" tui_wait '^EXITED 0'
done_testing
