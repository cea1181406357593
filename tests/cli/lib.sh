# tests/cli/lib.sh: helpers shared by the command-line tests (sourced).
# TAP output, a private temp dir with its own XDG dirs and cache, a
# ghlterm-sandbox on an ephemeral loopback port (killed on exit), and small
# HTTP/JSON helpers built on $PYTHON3 so the tests need nothing else.

set -u

if [ -z "${GHLTERM:-}" ] || [ ! -x "$GHLTERM" ]; then
	echo "1..0 # SKIP ghlterm not built"
	exit 77
fi
PYTHON3=${PYTHON3:-python3}
if ! "$PYTHON3" -c 'import json' 2>/dev/null; then
	echo "1..0 # SKIP python3 not found"
	exit 77
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/ghlcli.XXXXXX")
export XDG_CONFIG_HOME="$T/config" XDG_CACHE_HOME="$T/cache"
export XDG_STATE_HOME="$T/state" HOME="$T/home"
mkdir -p "$XDG_CONFIG_HOME/ghlterm" "$HOME"
unset GHL_API_BASE GHL_TOKEN GHL_LOCATION_ID GHLTERM_CACHE GHLTERM_CONFIG \
	NO_COLOR
export LC_ALL=C.UTF-8
CACHE="$T/cache.db"
LOC=SandboxLocation00001
SB_PID=
URL=

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

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
	_d=$1
	shift
	if "$@"; then ok 0 "$_d"; else ok 1 "$_d"; fi
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
	sed 's/^/#   /' "$1" 2>/dev/null | head -20
}

cleanup() {
	stop_sandbox
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

done_testing() {
	echo "1..$tap_n"
	exit $tap_failed
}

# start_sandbox [ARGS...]: start ghlterm-sandbox, set URL and SB_PID.
start_sandbox() {
	if [ -z "${GHLTERM_SANDBOX:-}" ] || [ ! -x "$GHLTERM_SANDBOX" ]; then
		echo "1..0 # SKIP ghlterm-sandbox not built"
		exit 77
	fi
	"$GHLTERM_SANDBOX" --listen 127.0.0.1:0 "$@" \
		>"$T/sandbox.out" 2>"$T/sandbox.err" &
	SB_PID=$!
	URL=
	_i=0
	while [ $_i -lt 500 ]; do	# 10 s deadline
		URL=$(head -n 1 "$T/sandbox.out" 2>/dev/null)
		case $URL in http://*) break ;; esac
		if ! kill -0 "$SB_PID" 2>/dev/null; then
			break
		fi
		sleep 0.02
		_i=$((_i + 1))
	done
	case $URL in
	http://*) ;;
	*)
		echo "Bail out! ghlterm-sandbox did not start"
		diag "$T/sandbox.err"
		exit 1
		;;
	esac
}

stop_sandbox() {
	if [ -n "$SB_PID" ]; then
		kill "$SB_PID" 2>/dev/null
		wait "$SB_PID" 2>/dev/null
		SB_PID=
	fi
}

# g ARGS...: ghlterm against the sandbox with the demo token and our cache.
g() {
	GHL_TOKEN=${TOKEN:-sandbox-token} "$GHLTERM" --base-url "$URL" \
		--location "$LOC" --cache "$CACHE" "$@"
}

# http METHOD PATH [BODY]: a request to the sandbox as the read-write demo
# token; prints the body, fails on a status >= 400.
http() {
	"$PYTHON3" - "$URL" "$1" "$2" "${3:-}" <<'EOF'
import sys, urllib.request
url, method, path, body = sys.argv[1:5]
req = urllib.request.Request(url + path, method=method,
    data=body.encode() if body else None)
req.add_header("Authorization", "Bearer sandbox-token")
req.add_header("Version", "2021-07-28")
req.add_header("Accept", "application/json")
if body:
    req.add_header("Content-Type", "application/json")
try:
    with urllib.request.urlopen(req, timeout=10) as r:
        sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    sys.stdout.write(e.read().decode())
    sys.exit(1)
EOF
}

# route_count ROUTE: how many requests the sandbox served on ROUTE (a
# template such as "POST /contacts/:contactId/tags").
route_count() {
	http GET /_sandbox/stats | "$PYTHON3" -c '
import json, sys
print(json.load(sys.stdin)["byRoute"].get(sys.argv[1], 0))' "$1"
}

# jq_py EXPR: evaluate a Python expression over the JSON on stdin (as j).
jq_py() {
	"$PYTHON3" -c '
import json, sys
j = json.load(sys.stdin)
r = eval(sys.argv[1])
print(json.dumps(r) if isinstance(r, (dict, list)) else r)' "$1"
}

# first_contact_id: an id from the local cache.
first_contact_id() {
	g list --json --limit "${1:-1}" | jq_py '" ".join(c["id"] for c in j)'
}

# lines FILE: number of lines in FILE.
lines() {
	wc -l <"$1" | tr -d ' '
}
