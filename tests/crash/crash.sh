#!/bin/sh
# tests/crash/crash.sh: crash consistency of the cache and the outbox.
# Every named crash point of the sync and outbox code, then random kill -9
# of `sync --all --deep` and of outbox replay, against the sandbox.  After
# every kill: the SQLite file passes integrity_check, a following sync
# completes, the cache equals the sandbox, and every write acknowledged to
# the user reached the server exactly once.
#   GHLTERM_CRASH_TRIALS=N   random kills per kind (default 100 + 100)
. "$TESTS_DIR/cli/lib.sh"

STATE="$PYTHON3 $TESTS_DIR/crash/state.py"
TRIALS=${GHLTERM_CRASH_TRIALS:-100}
failures=0
trials=0

# Fast enough that a kill lands mid-sync; no rate limit to wait on.
start_sandbox --contacts 120 --seed 11 --rate-limit 1000000/1000
# Pages of 50 put page boundaries (and crash points) inside 120 contacts.
export GHLTERM_TEST_PAGE_LIMIT=50

fresh() {
	rm -f "$CACHE" "$CACHE-wal" "$CACHE-shm"
}

integrity() {
	_r=$($STATE integrity "$CACHE" 2>&1)
	[ "$_r" = ok ] || { echo "# integrity: $_r"; return 1; }
}

# settle DEEP: a full sync completes and the cache equals the server.
settle() {
	g sync --all ${1:+--deep} >/dev/null 2>"$T/settle.err" ||
		{ echo "# settle sync failed:"; diag "$T/settle.err"; return 1; }
	$STATE compare "$URL" "$CACHE" "$GHLTERM" ${1:+--deep --sample 8} \
		>"$T/cmp.out" 2>&1 || { diag "$T/cmp.out"; return 1; }
}

trial() {
	trials=$((trials + 1))
	if [ "$1" -ne 0 ]; then
		failures=$((failures + 1))
	fi
}

# ---- 1. named crash points during a deep sync ----
for cp in sync.all.page sync.all.page:2 sync.all.page:3 sync.deep.contact \
	sync.deep.contact:57 sync.deep.contact:119; do
	fresh
	GHLTERM_CRASH_AT=$cp g sync --all --deep >/dev/null 2>&1
	st=$?
	r=0
	[ $st -eq 137 ] || { echo "# $cp: exit $st, expected a kill"; r=1; }
	integrity || r=1
	settle deep || r=1
	ok $r "crash at $cp: cache intact and equal to the server after resync"
	trial $r
done

# ---- 2. named crash points during outbox replay ----
fresh
g sync --all >/dev/null 2>&1
ids=$(first_contact_id 6)
n=0
for cp in outbox.after_inflight outbox.after_send outbox.after_done; do
	for id in $ids; do
		n=$((n + 1))
		body="crash note $cp $n $$"
		title="crash task $cp $n $$"
		r=0
		g --offline note add "$id" "$body" >/dev/null 2>&1 || r=1
		g --offline task add "$id" --title "$title" --due 2027-01-02 >/dev/null 2>&1 || r=1
		g --offline tag add "$id" "crash-$n" >/dev/null 2>&1 || r=1
		GHLTERM_CRASH_AT=$cp g sync --outbox >/dev/null 2>&1
		st=$?
		[ $st -eq 137 ] || { echo "# $cp: exit $st, expected a kill"; r=1; }
		integrity || r=1
		g sync --outbox >/dev/null 2>"$T/replay.err" ||
			{ diag "$T/replay.err"; r=1; }
		c1=$($STATE count "$URL" "$id" notes body "$body")
		c2=$($STATE count "$URL" "$id" tasks title "$title")
		[ "$c1" = 1 ] || { echo "# note sent $c1 times"; r=1; }
		[ "$c2" = 1 ] || { echo "# task sent $c2 times"; r=1; }
		tags=$(http GET "/contacts/$id" | jq_py '"crash-%d" % '$n' in j["contact"]["tags"]')
		[ "$tags" = True ] || { echo "# tag crash-$n missing"; r=1; }
		pend=$(g outbox --json | jq_py 'len([x for x in j if x["status"] != "done"])')
		[ "$pend" = 0 ] || { echo "# $pend entries left in the outbox"; r=1; }
		trial $r
		[ $r -eq 0 ] || break
	done
	ok $r "crash at $cp: each note, task and tag reached the server exactly once"
done

# ---- 3. random kill -9 of sync --all --deep ----
rand_ms() {	# rand_ms MAX: a random delay in seconds, as "0.xyz"
	"$PYTHON3" -c 'import random,sys; print("%.3f" % (random.randint(20, int(sys.argv[1])) / 1000))' "$1"
}
bad=0
i=0
while [ $i -lt "$TRIALS" ]; do
	i=$((i + 1))
	[ $((i % 25)) -eq 1 ] && fresh
	g sync --all --deep >/dev/null 2>&1 &
	pid=$!
	sleep "$(rand_ms 700)"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	r=0
	integrity || r=1
	if [ $((i % 20)) -eq 0 ]; then
		settle deep || r=1
	fi
	trial $r
	[ $r -eq 0 ] || bad=$((bad + 1))
done
settle deep
r=$?
trial $r
ok $((bad + r)) "$TRIALS random kills of sync --all --deep: cache intact and equal to the server"

# ---- 4. random kill -9 of outbox replay ----
bad=0
i=0
ids=$(first_contact_id 4)
while [ $i -lt "$TRIALS" ]; do
	i=$((i + 1))
	set -- $ids
	id=$(eval echo \${$(( (i % 4) + 1 ))})
	body="kill note $i $$"
	g --offline note add "$id" "$body" >/dev/null 2>&1
	g --offline tag add "$id" "kill-$i" >/dev/null 2>&1
	g sync --outbox >/dev/null 2>&1 &
	pid=$!
	sleep "$(rand_ms 150)"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	r=0
	integrity || r=1
	g sync --outbox >/dev/null 2>"$T/replay.err" || { diag "$T/replay.err"; r=1; }
	c=$($STATE count "$URL" "$id" notes body "$body")
	[ "$c" = 1 ] || { echo "# trial $i: note sent $c times"; r=1; }
	trial $r
	[ $r -eq 0 ] || bad=$((bad + 1))
done
ok $bad "$TRIALS random kills of outbox replay: every note reached the server exactly once"

echo "# crash trials: $trials, failures: $failures"
done_testing
