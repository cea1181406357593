#!/bin/sh
# 008-sandbox: ghlterm --sandbox starts ghlterm-sandbox, syncs its demo
# data into a fresh cache of its own, runs the command, and stops it.
. "$TESTS_DIR/cli/lib.sh"
if [ -z "${GHLTERM_SANDBOX:-}" ] || [ ! -x "$GHLTERM_SANDBOX" ]; then
	echo "1..0 # SKIP ghlterm-sandbox not built"
	exit 77
fi

"$GHLTERM" -v --sandbox list --json >"$T/list.json" 2>"$T/err"
is "$?" 0 "--sandbox list exits 0"
is "$(jq_py 'len(j)' <"$T/list.json")" 500 "the demo data: 500 contacts"
check "its own cache" test -s "$XDG_CACHE_HOME/ghlterm/sandbox.db"
pid=$("$PYTHON3" -c '
import json, re, sys
for line in open(sys.argv[1]):
    m = re.search(r"\(pid (\d+)\)", json.loads(line).get("msg", ""))
    if m:
        print(m.group(1))' "$XDG_STATE_HOME/ghlterm/log.jsonl" | tail -n 1)
check "the log names the sandbox pid ($pid)" test -n "$pid"
check "the sandbox is gone after ghlterm exits" sh -c '! kill -0 "$1" 2>/dev/null' sh "${pid:-0}"

# Each start begins from a clean cache: a local-only contact disappears.
"$GHLTERM" --offline --cache "$XDG_CACHE_HOME/ghlterm/sandbox.db" \
    --location SandboxLocation00001 contact add --first Local >/dev/null
"$GHLTERM" --sandbox list --json >"$T/list2.json" 2>"$T/err"
is "$(jq_py 'len(j)' <"$T/list2.json")" 500 "the sandbox cache is recreated"

"$GHLTERM" --sandbox doctor >"$T/out" 2>"$T/err"
is "$?" 0 "--sandbox doctor passes"
check "doctor sees both scopes" grep -q "^ok    scopes: contacts.readonly contacts.write" "$T/out"

# --cache keeps a given cache (not recreated).
"$GHLTERM" --sandbox --cache "$T/keep.db" list --limit 1 >/dev/null 2>&1
"$GHLTERM" --offline --cache "$T/keep.db" --location SandboxLocation00001 \
    contact add --first Kept >/dev/null
"$GHLTERM" --sandbox --cache "$T/keep.db" list --json >"$T/list3.json" 2>/dev/null
is "$(jq_py 'sum(c.get("firstName") == "Kept" for c in j)' <"$T/list3.json")" 1 \
    "--sandbox --cache FILE keeps FILE"

# A signal to ghlterm stops its sandbox too.
"$GHLTERM" -v --sandbox sync --watch --interval 200ms >"$T/watch.out" 2>&1 &
W=$!
i=0
while [ $i -lt 150 ] && ! grep -q polled "$T/watch.out"; do	# 30 s
	sleep 0.2
	i=$((i + 1))
done
check "--sandbox sync --watch polls" grep -q polled "$T/watch.out"
pid=$("$PYTHON3" -c '
import json, re, sys
for line in open(sys.argv[1]):
    m = re.search(r"\(pid (\d+)\)", json.loads(line).get("msg", ""))
    if m:
        print(m.group(1))' "$XDG_STATE_HOME/ghlterm/log.jsonl" | tail -n 1)
kill -TERM "$W"
wait "$W"
is "$?" 0 "SIGTERM ends sync --watch cleanly"
check "SIGTERM: the sandbox ($pid) is gone too" sh -c '! kill -0 "$1" 2>/dev/null' sh "${pid:-0}"

done_testing
