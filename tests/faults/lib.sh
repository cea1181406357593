# tests/faults/lib.sh: helpers of the fault suites (sourced after
# tests/cli/lib.sh): switching the sandbox's faults at run time, cache
# checks through tests/crash/state.py, and a fresh cache.

STATE="$PYTHON3 $TESTS_DIR/crash/state.py"

# faults SPEC: replace the sandbox's --fault SPEC ("" turns faults off).
faults() {
	"$PYTHON3" - "$URL" "$1" <<'PY'
import sys, urllib.parse, urllib.request
url, spec = sys.argv[1:3]
req = urllib.request.Request(url + "/_sandbox/faults?spec=" +
    urllib.parse.quote(spec, safe=""), method="POST", data=b"")
urllib.request.urlopen(req, timeout=10).read()
PY
}

fresh() {
	rm -f "$CACHE" "$CACHE-wal" "$CACHE-shm"
}

# integrity: the cache file passes SQLite's integrity_check.
integrity() {
	_r=$($STATE integrity "$CACHE" 2>&1)
	[ "$_r" = ok ] || { echo "# integrity: $_r"; return 1; }
}

# matches [--deep]: with faults off, the cache equals the server.
matches() {
	faults "" || return 1
	$STATE compare "$URL" "$CACHE" "$GHLTERM" ${1:+--deep --sample 6} \
		>"$T/cmp.out" 2>&1 || { diag "$T/cmp.out"; return 1; }
}

# one_line FILE: FILE holds exactly one line starting "ghlterm: ".
one_line() {
	[ "$(lines "$1")" = 1 ] && grep -q '^ghlterm: ' "$1" ||
		{ echo "# expected one error line:"; diag "$1"; return 1; }
}
