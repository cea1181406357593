# tuilib.sh: helpers shared by the tmux-driven TUI tests (sourced).
# Starts a sandbox on port 0, fills a cache with `ghlterm sync --all`,
# runs ghlterm in a private tmux server and waits on screen conditions with
# deadlines (capture-pane every 50 ms), never with fixed sleeps.
# Provides: tui_init, tui_start, tui_keys, tui_screen, tui_wait, tui_wait_not,
# tui_cleanup, ok/not_ok/done (TAP), api_get/api_post (curl on the sandbox).

[ -n "$TMUX_BIN" ] || { echo "1..0 # SKIP tmux not found"; exit 77; }
[ -x "$GHLTERM" ] || { echo "1..0 # SKIP $GHLTERM not built"; exit 77; }
[ -x "$GHLTERM_SANDBOX" ] || { echo "1..0 # SKIP ghlterm-sandbox not built"; exit 77; }
command -v curl >/dev/null 2>&1 || { echo "1..0 # SKIP curl not found"; exit 77; }

T_N=0
T_FAIL=0
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ghltui.XXXXXX")
T_SOCK="ghltui-$$-$RANDOM"
T_SB_PID=
LOCATION=SandboxLocation00001
export GHL_TOKEN=sandbox-token
export TERM=xterm-256color
export LC_ALL=C.UTF-8
unset NO_COLOR TMUX
# a config of our own, nothing from the user running the tests
export XDG_CONFIG_HOME="$T_DIR/config" XDG_STATE_HOME="$T_DIR/state" \
	XDG_CACHE_HOME="$T_DIR/cache" GHLTERM_CONFIG="$T_DIR/none.conf"
: >"$T_DIR/none.conf"
CACHE="$T_DIR/cache.db"
# timing scale for slow (sanitizer) builds
T_DEADLINE=${TUI_DEADLINE:-20}

ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() {
	T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $*"
	echo "# screen:"; tui_screen 2>/dev/null | sed 's/^/#   /'
	[ -s "$T_DIR/tui.err" ] && { echo "# stderr:"; tail -n 40 "$T_DIR/tui.err" | sed 's/^/#   /'; }
	return 0
}
check() { # check "name" command...
	local name=$1; shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
done_testing() { echo "1..$T_N"; [ "$T_FAIL" = 0 ]; }

tui_cleanup() {
	"$TMUX_BIN" -L "$T_SOCK" kill-server >/dev/null 2>&1
	[ -n "$T_SB_PID" ] && kill "$T_SB_PID" 2>/dev/null && wait "$T_SB_PID" 2>/dev/null
	[ -n "$TUI_KEEP" ] || rm -rf "$T_DIR"
}
trap tui_cleanup EXIT

# sandbox_start [args...]: sets BASE_URL
sandbox_start() {
	local i line
	"$GHLTERM_SANDBOX" --listen 127.0.0.1:0 "$@" >"$T_DIR/sb.out" 2>"$T_DIR/sb.err" &
	T_SB_PID=$!
	for i in $(seq 1 $((T_DEADLINE * 20))); do
		line=$(head -n1 "$T_DIR/sb.out" 2>/dev/null)
		case $line in http*) BASE_URL=$line; return 0 ;; esac
		kill -0 "$T_SB_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "# sandbox did not start: $(cat "$T_DIR/sb.err")"
	return 1
}

sandbox_stop() {
	[ -n "$T_SB_PID" ] && kill "$T_SB_PID" 2>/dev/null && wait "$T_SB_PID" 2>/dev/null
	T_SB_PID=
}

ghl() { "$GHLTERM" --base-url "$BASE_URL" --cache "$CACHE" --location "$LOCATION" "$@"; }

api() { # api METHOD PATH [JSON]
	curl -sS -X "$1" -H "Authorization: Bearer sandbox-token" \
		-H "Version: 2021-07-28" -H "Content-Type: application/json" \
		${3:+--data "$3"} "$BASE_URL$2"
}

# tui_start [cols rows] [ghlterm args...]
tui_start() {
	local cols=${1:-100} rows=${2:-30}
	shift 2 2>/dev/null
	printf '%s\n' "$@" >"$T_DIR/args"
	cat >"$T_DIR/run.sh" <<EOS
#!/bin/sh
cd "$T_DIR"
exec "$GHLTERM" --base-url "$BASE_URL" --cache "$CACHE" --location "$LOCATION" "\$@" 2>"$T_DIR/tui.err"
EOS
	chmod +x "$T_DIR/run.sh"
	"$TMUX_BIN" -L "$T_SOCK" -f /dev/null new-session -d -x "$cols" -y "$rows" \
		-s t "$T_DIR/run.sh $*; echo EXITED \$?; sleep 600"
	"$TMUX_BIN" -L "$T_SOCK" set -g remain-on-exit on >/dev/null 2>&1
}

tui_keys() { "$TMUX_BIN" -L "$T_SOCK" send-keys -t t "$@"; }
tui_screen() { "$TMUX_BIN" -L "$T_SOCK" capture-pane -p -t t; }
tui_title() { "$TMUX_BIN" -L "$T_SOCK" display-message -p -t t '#{pane_title}'; }
tui_resize() { "$TMUX_BIN" -L "$T_SOCK" resize-window -t t -x "$1" -y "$2"; }

# tui_wait PATTERN [seconds]: grep -E on the screen until it matches
tui_wait() {
	local end=$(( $(date +%s) + ${2:-$T_DEADLINE} ))
	while [ "$(date +%s)" -le "$end" ]; do
		tui_screen | grep -Eq -- "$1" && return 0
		sleep 0.05
	done
	return 1
}

# tui_wait_not PATTERN [seconds]: until the pattern is gone
tui_wait_not() {
	local end=$(( $(date +%s) + ${2:-$T_DEADLINE} ))
	while [ "$(date +%s)" -le "$end" ]; do
		tui_screen | grep -Eq -- "$1" || return 0
		sleep 0.05
	done
	return 1
}

# wait_for CMD... : until the command succeeds
wait_for() {
	local end=$(( $(date +%s) + T_DEADLINE ))
	while [ "$(date +%s)" -le "$end" ]; do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# json_get EXPR: evaluate a Python expression on the JSON read from stdin,
# bound to j (e.g. json_get 'j["contact"]["id"]').
json_get() {
	"${PYTHON3:-python3}" -c 'import json,sys
j = json.load(sys.stdin)
v = eval(sys.argv[1])
print(v if not isinstance(v, (dict, list)) else json.dumps(v))' "$1"
}

# json_id: the first "id" of the JSON on stdin (the created object's own id
# for the contacts and tasks made here: they hold no nested ids).  Cheaper
# than starting python for every fixture on a loaded machine.
json_id() {
	grep -o '"id": *"[^"]*"' | head -n 1 | sed 's/.*"\([^"]*\)"$/\1/'
}

# make_contact FIRST LAST EMAIL: creates it on the sandbox, prints its id
make_contact() {
	api POST /contacts/ "{\"locationId\":\"$LOCATION\",\"firstName\":\"$1\",\"lastName\":\"$2\",\"email\":\"$3\"}" |
		json_id
}

# make_task CONTACT_ID TITLE DUE: prints the task id
make_task() {
	api POST "/contacts/$1/tasks" "{\"title\":\"$2\",\"dueDate\":\"$3\",\"completed\":false}" |
		json_id
}

# the app is running and drew its first screen
tui_ready() { tui_wait 'Contacts [0-9?]+/[0-9]+'; }
