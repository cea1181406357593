# tests/live/lib.sh: helpers shared by the live-sync tests (sourced): TAP
# output, a private temp dir with its own XDG dirs and cache, the webhook
# receiver and ghlterm-sandbox on loopback (killed on exit), curl-based
# requests, and deadline-based waiting (never fixed sleeps).

set -u

LIVE="$(dirname "${GHLTERM:-/nonexistent/ghlterm}")/tests/live/live_main"
if [ ! -x "$LIVE" ]; then
	echo "1..0 # SKIP tests/live/live_main not built"
	exit 77
fi
PYTHON3=${PYTHON3:-python3}
if ! "$PYTHON3" -c 'import json, sqlite3' 2>/dev/null; then
	echo "1..0 # SKIP python3 with sqlite3 not found"
	exit 77
fi
if ! command -v curl >/dev/null 2>&1; then
	echo "1..0 # SKIP curl not found"
	exit 77
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/ghllive.XXXXXX")
export XDG_CONFIG_HOME="$T/config" XDG_CACHE_HOME="$T/cache"
export XDG_STATE_HOME="$T/state" HOME="$T/home"
mkdir -p "$XDG_CONFIG_HOME/ghlterm" "$HOME"
unset GHL_API_BASE GHL_TOKEN GHL_LOCATION_ID GHLTERM_CONFIG NO_COLOR
export LC_ALL=C.UTF-8
export GHLTERM_CACHE="$T/cache.db"
LOC=SandboxLocation00001
SB_PID=
SB_URL=
L_PID=
L_URL=
LOGFILE="$XDG_STATE_HOME/ghlterm/log.jsonl"

tap_n=0
tap_failed=0

# ok STATUS DESCRIPTION: one TAP line; STATUS 0 passes.
ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=1
	fi
}

# is GOT WANT DESCRIPTION
is() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		echo "#   got '$1'"
		echo "#   want '$2'"
	fi
}

# diag FILE: show a file as TAP comments.
diag() {
	sed "s/^/#   /" "$1" 2>/dev/null | tail -${2:-20}
}

stop_listen() {
	if [ -n "$L_PID" ]; then
		kill "$L_PID" 2>/dev/null
		wait "$L_PID" 2>/dev/null
		L_PID=
	fi
}

stop_sandbox() {
	if [ -n "$SB_PID" ]; then
		kill "$SB_PID" 2>/dev/null
		wait "$SB_PID" 2>/dev/null
		SB_PID=
	fi
}

cleanup() {
	stop_listen
	stop_sandbox
	if [ "$tap_failed" -ne 0 ]; then
		for _f in listen.err sandbox.err; do
			[ -s "$T/$_f" ] && echo "# $_f:" && diag "$T/$_f" 80
		done
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

done_testing() {
	echo "1..$tap_n"
	exit $tap_failed
}

# alive PID: the process runs (a zombie, exited but not reaped, does not).
alive() {
	if [ -r "/proc/$1/stat" ]; then
		_st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
		[ -n "$_st" ] && [ "$_st" != Z ]
	else
		kill -0 "$1" 2>/dev/null
	fi
}

# wait_line FILE PID: the first line of FILE once it starts with http://
# (10 s deadline, or until PID dies).
wait_line() {
	_i=0
	while [ $_i -lt 500 ]; do
		_l=$(head -n 1 "$1" 2>/dev/null)
		case $_l in http://*) echo "$_l"; return 0 ;; esac
		alive "$2" || return 1
		sleep 0.02
		_i=$((_i + 1))
	done
	return 1
}

# start_sandbox [ARGS...]: ghlterm-sandbox on 127.0.0.1:0; sets SB_URL.
start_sandbox() {
	if [ -z "${GHLTERM_SANDBOX:-}" ] || [ ! -x "$GHLTERM_SANDBOX" ]; then
		echo "1..0 # SKIP ghlterm-sandbox not built"
		exit 77
	fi
	"$GHLTERM_SANDBOX" --listen 127.0.0.1:0 "$@" \
		>"$T/sandbox.out" 2>"$T/sandbox.err" &
	SB_PID=$!
	if ! SB_URL=$(wait_line "$T/sandbox.out" "$SB_PID"); then
		echo "Bail out! ghlterm-sandbox did not start"
		diag "$T/sandbox.err"
		exit 1
	fi
	SB_URL=${SB_URL%/}
}

# start_listen [GLOBAL...] -- [LISTEN ARGS...]: the receiver (live_main
# listen); --listen defaults to 127.0.0.1:0.  Sets L_URL.  Returns 1 when
# it did not start (stderr in $T/listen.err).
start_listen() {
	_g=
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		_g="$_g $1"
		shift
	done
	[ $# -gt 0 ] && shift
	case " $* " in
	*" --listen "*) ;;
	*) set -- --listen 127.0.0.1:0 "$@" ;;
	esac
	# shellcheck disable=SC2086
	"$LIVE" $_g listen "$@" >"$T/listen.out" 2>"$T/listen.err" &
	L_PID=$!
	if ! L_URL=$(wait_line "$T/listen.out" "$L_PID"); then
		L_PID=
		return 1
	fi
}

# post BODY [HEADER...]: POST BODY (a file) to the receiver; prints the
# HTTP status, the response body goes to $T/resp.
post() {
	_f=$1
	shift
	_n=$#
	while [ "$_n" -gt 0 ]; do
		_x=$1
		shift
		set -- "$@" -H "$_x"
		_n=$((_n - 1))
	done
	curl -s -o "$T/resp" -w '%{http_code}' --max-time 10 \
		-H 'Content-Type: application/json' "$@" \
		--data-binary "@$_f" "$L_URL"
}

# api METHOD PATH [BODY]: a call to the sandbox as the read-write demo
# token; prints the body; fails on a status >= 400.
api() {
	if [ -n "${3:-}" ]; then
		curl -sf --max-time 10 -X "$1" -H 'Authorization: Bearer sandbox-token' \
			-H 'Version: 2021-07-28' -H 'Accept: application/json' \
			-H 'Content-Type: application/json' --data-binary "$3" \
			"$SB_URL$2"
	else
		curl -sf --max-time 10 -X "$1" -H 'Authorization: Bearer sandbox-token' \
			-H 'Version: 2021-07-28' -H 'Accept: application/json' \
			"$SB_URL$2"
	fi
}

# jq_py EXPR: a Python expression over the JSON on stdin (as j).
jq_py() {
	"$PYTHON3" -c '
import json, sys
j = json.load(sys.stdin)
r = eval(sys.argv[1])
print(json.dumps(r) if isinstance(r, (dict, list)) else r)' "$1"
}

# sql QUERY: rows of a read-only query on the cache, one per line, columns
# joined with "|".  The sqlite3 shell when installed (fast), else Python.
if command -v sqlite3 >/dev/null 2>&1; then
	sql() {
		sqlite3 -readonly -batch -cmd '.timeout 5000' -separator '|' \
			"$GHLTERM_CACHE" "$1" 2>/dev/null
	}
else
	sql() {
		"$PYTHON3" - "$GHLTERM_CACHE" "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=5)
for row in db.execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in row))
PY
	}
fi

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds (deadline).
wait_for() {
	_end=$(( $(date +%s) + $1 ))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.05
	done
	return 0
}

# sql_is WANT QUERY: succeeds when the query prints WANT.
sql_is() {
	[ "$(sql "$2" 2>/dev/null)" = "$1" ]
}

# first_id: the first "id" string of the JSON on stdin (the created object's
# id in {"note": {"id": ...}}, the first contact of a search).
first_id() {
	grep -o '"id" *: *"[A-Za-z0-9_-]*"' | head -n 1 | sed 's/.*"\([^"]*\)"$/\1/'
}

# free_port: a port the kernel just handed out for 127.0.0.1 (then freed).
free_port() {
	"$PYTHON3" -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}
