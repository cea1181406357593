# sandbox-lib.sh: helpers for shell tests of ghlterm-sandbox (sourced).
# sb_start ARGS... starts a sandbox on an ephemeral port and sets SB_URL
# and SB_PID; it is stopped when the test exits.  TAP helpers: ok, is.
: "${GHLTERM_SANDBOX:?GHLTERM_SANDBOX is not set}"
SB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sbtest.XXXXXX")
SB_PIDS=
TAP_N=0
TAP_FAILED=0

sb_cleanup() {
	for p in $SB_PIDS; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$SB_TMP"
}
trap sb_cleanup EXIT

# sb_start ARGS...: start, wait (deadline 20 s) for the URL line.
sb_start() {
	local out="$SB_TMP/out.$TAP_N.$$.$RANDOM" i
	"$GHLTERM_SANDBOX" "$@" >"$out" 2>"$out.err" &
	SB_PID=$!
	SB_PIDS="$SB_PIDS $SB_PID"
	SB_URL=
	for i in $(seq 1 200); do
		SB_URL=$(head -n 1 "$out" 2>/dev/null)
		case "$SB_URL" in http://*:[0-9]*) return 0 ;; esac
		kill -0 "$SB_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "# sandbox did not start: $(cat "$out.err")"
	return 1
}

ok() {	# ok COND-STATUS NAME
	TAP_N=$((TAP_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $TAP_N - $2"
	else
		echo "not ok $TAP_N - $2"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
}

is() {	# is GOT WANT NAME
	TAP_N=$((TAP_N + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $TAP_N - $3"
	else
		echo "not ok $TAP_N - $3"
		echo "#   got:  '$1'"
		echo "#   want: '$2'"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
}

tap_done() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}

# hdr FILE NAME: value of header NAME in a curl -D dump (case-insensitive).
hdr() {
	tr -d '\r' <"$1" | awk -v n="$2" 'BEGIN{IGNORECASE=1} tolower($0) ~ "^"tolower(n)":" {sub(/^[^:]*: */,""); print; exit}'
}
