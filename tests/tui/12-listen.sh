#!/bin/sh
# Writes by another process show up: `ghlterm listen` applies the
# sandbox's webhooks to the same cache file beside the TUI, and the TUI's
# data_version check re-reads the list and the open contact (polling off).
. "$TESTS_DIR/tui/tuilib.sh"
[ -n "$PYTHON3" ] && [ -x "$PYTHON3" ] || { echo "1..0 # SKIP no python3"; exit 77; }
L_PID=
trap '[ -n "$L_PID" ] && kill "$L_PID" 2>/dev/null && wait "$L_PID" 2>/dev/null; tui_cleanup' EXIT

free_port() {
	"$PYTHON3" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# The sandbox needs the receiver's URL before the receiver can start: take
# a port the kernel just handed out, retrying if someone else took it.
tries=0
while :; do
	P=$(free_port)
	sandbox_start --contacts 30 --seed 9 --webhook "http://127.0.0.1:$P/" || exit 1
	# Not through the ghl function: "$!" of a backgrounded function is
	# the subshell, and killing it left the receiver running.
	"$GHLTERM" --base-url "$BASE_URL" --cache "$CACHE" --location "$LOCATION" \
		listen --listen "127.0.0.1:$P" >"$T_DIR/listen.out" 2>"$T_DIR/listen.err" &
	L_PID=$!
	wait_for sh -c "head -n1 '$T_DIR/listen.out' | grep -q '^http://'" && break
	kill "$L_PID" 2>/dev/null
	L_PID=
	sandbox_stop
	tries=$((tries + 1))
	[ $tries -lt 3 ] || { echo "Bail out! ghlterm listen did not start: $(cat "$T_DIR/listen.err")"; exit 1; }
done
cid=$(make_contact Liv Livewire liv.live@example.test)
ghl sync --all >/dev/null 2>&1 || { echo "not ok 1 - sync --all"; exit 1; }
printf '[sync]\npoll_interval = 0\n' >"$GHLTERM_CONFIG"

tui_start 120 30
tui_ready || { not_ok "first screen"; exit 1; }
tui_keys / L i v e w i r e Enter
tui_wait 'Contacts 1/1' || not_ok "search"
check "detail pane shows the contact without tags" tui_wait 'Tags: -'
api POST "/contacts/$cid/tags" '{"tags":["wired-by-webhook"]}' >/dev/null
check "the tag applied by ghlterm listen appears on screen" \
	tui_wait 'Tags: wired-by-webhook'
api PUT "/contacts/$cid" '{"firstName":"Livia"}' >/dev/null
check "a renamed contact is renamed in the list and the open contact" \
	tui_wait '│Livia Livewire'
check "the list row is renamed too" tui_wait '^ *Livia Livewire +liv'
tui_keys q
check "quits" tui_wait 'EXITED 0'
done_testing
