#!/bin/sh
# 010-watch-usage: sync --watch picks up a change made on the server and
# stops cleanly on SIGINT; usage --json reports the calls and the last
# rate-limit headers; sync --all draws a progress bar on a terminal.
. "$TESTS_DIR/cli/lib.sh"

start_sandbox --contacts 20 --seed 4
g sync --all >/dev/null 2>"$T/err" || diag "$T/err"
C=$(first_contact_id)

g usage --json >"$T/usage.json"
is "$?" 0 "usage --json exits 0"
is "$(jq_py 'sum(d["count"] for d in j["days"] if "/contacts/search" in d["endpoint"]) >= 1' <"$T/usage.json")" \
    True "usage counts the search calls"
is "$(jq_py 'j["rateLimit"]["max"], j["rateLimit"]["intervalMs"]' <"$T/usage.json")" \
    "(100, 10000)" "usage has the last rate-limit headers"
is "$(jq_py 'isinstance(j["dailyBudgetLeft"], int) and 0 < j["dailyBudgetLeft"] <= 200000' <"$T/usage.json")" \
    True "usage has the daily budget left"
g usage >"$T/out"
check "human usage names the endpoint" grep -q "/contacts/search" "$T/out"
check "no budget warning above daily_warn (default 10,000)" \
    sh -c "! grep -q '^warning: the daily budget' '$T/out'"
mkdir -p "$XDG_CONFIG_HOME/ghlterm"
printf '[sync]\ndaily_warn = 300000\n' >"$XDG_CONFIG_HOME/ghlterm/config"
g usage >"$T/out"
check "a budget below daily_warn is called out" \
    grep -q '^warning: the daily budget left ([0-9]*) is below daily_warn = 300000$' "$T/out"
rm -f "$XDG_CONFIG_HOME/ghlterm/config"

# sync --watch: a change made on the server reaches the cache.
# (not through g: the signal must reach ghlterm itself, not a subshell)
GHL_TOKEN=sandbox-token "$GHLTERM" --base-url "$URL" --location "$LOC" \
    --cache "$CACHE" sync --watch --interval 300ms \
    >"$T/watch.out" 2>"$T/watch.err" &
W=$!
http PUT "/contacts/$C" '{"firstName":"Watched"}' >/dev/null
i=0
name=
while [ $i -lt 100 ]; do	# 20 s deadline
	name=$(g --offline show --json "$C" | jq_py 'j["contact"]["firstName"]')
	[ "$name" = Watched ] && break
	sleep 0.2
	i=$((i + 1))
done
is "$name" Watched "sync --watch brought the server's change into the cache"
kill -INT "$W"
wait "$W"
is "$?" 0 "sync --watch exits 0 on SIGINT"
check "sync --watch prints a line per poll" grep -q "polled" "$T/watch.out"

# A progress bar on a terminal (script(1) gives us one), none otherwise.
if command -v script >/dev/null 2>&1; then
	script -qec "GHL_TOKEN=sandbox-token '$GHLTERM' --base-url '$URL' \
	    --location $LOC --cache '$CACHE' sync --all" /dev/null \
	    >"$T/tty.out" 2>&1
	check "progress bar drawn on a terminal" grep -q "contacts" "$T/tty.out"
	check "summary line on a terminal" grep -q "synced 20 contacts" "$T/tty.out"
else
	ok 0 "# SKIP script(1) not found"
	ok 0 "# SKIP script(1) not found"
fi

done_testing
