#!/bin/sh
# tests/torture/alloc.sh: allocation failure walk.  Counts the x*-
# allocations of a `sync --all` of a small sandbox, then for every N fails
# the Nth one (GHLTERM_FAIL_ALLOC=N, test builds): each run must succeed or
# end cleanly with "ghlterm: out of memory" and exit 71 (no abort, no
# signal); the cache then passes integrity_check and a clean sync matches
# the server.  GHLTERM_TORTURE_STEP=K tries every Kth N only (default 1).
. "$TESTS_DIR/cli/lib.sh"
. "$TESTS_DIR/faults/lib.sh"
start_sandbox --contacts 8 --seed 2 --rate-limit 1000000/1000
export GHLTERM_TEST_PAGE_LIMIT=4
STEP=${GHLTERM_TORTURE_STEP:-1}

# Find the allocation count: the first N where the run is not affected.
n=1 max=0
while :; do
	fresh
	GHLTERM_FAIL_ALLOC=$n g sync --all >/dev/null 2>"$T/err"
	[ $? -eq 0 ] && ! grep -q 'out of memory' "$T/err" && { max=$((n - 1)); break; }
	n=$((n * 2))
	[ $n -gt 10000000 ] && break
done
# Binary search between n/2 and n for the last failing allocation.
lo=$((n / 2)) hi=$n
while [ $((hi - lo)) -gt 1 ]; do
	mid=$(((lo + hi) / 2))
	fresh
	GHLTERM_FAIL_ALLOC=$mid g sync --all >/dev/null 2>"$T/err"
	if grep -q 'out of memory' "$T/err"; then lo=$mid; else hi=$mid; fi
done
max=$lo
echo "# sync --all makes about $max x*-allocations"

bad=0 runs=0 oom=0
N=1
while [ $N -le "$max" ]; do
	fresh
	GHLTERM_FAIL_ALLOC=$N g sync --all >/dev/null 2>"$T/err"
	st=$?
	runs=$((runs + 1))
	r=0
	if [ $st -eq 71 ]; then
		oom=$((oom + 1))
		[ "$(tail -n 1 "$T/err")" = "ghlterm: out of memory" ] || r=1
	elif [ $st -ne 0 ]; then
		r=1
	fi
	if [ -f "$CACHE" ]; then integrity || r=1; fi
	if [ $r -ne 0 ]; then
		bad=$((bad + 1))
		echo "# N=$N: exit $st"; diag "$T/err"
	fi
	N=$((N + STEP))
done
ok $bad "$runs runs ($oom out of memory): every one clean (exit 0 or 71, cache intact)"
fresh
GHLTERM_FAIL_ALLOC=$((max / 2)) g sync --all >/dev/null 2>&1
g sync --all >/dev/null 2>"$T/err"
ok $? "a sync after a failed one completes"
check "the cache then equals the server" matches
done_testing
