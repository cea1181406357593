#!/bin/sh
# tests/engine/ratelimit.sh: a deep sync under a tight rate limit (20
# requests per 2 s) paces itself from the X-RateLimit-* headers: it
# finishes, draws no 429 after the first window, and uses most of the
# budget.
. "$TESTS_DIR/cli/lib.sh"

start_sandbox --contacts 60 --seed 5 --rate-limit 20/2000 --log "$T/requests.log"
t0=$(date +%s)
g sync --all --deep >"$T/out" 2>"$T/err"
ok $? "deep sync of 60 contacts at 20 requests / 2 s completes"
diag "$T/err"
t1=$(date +%s)

# 429s after the first window (the client learns the limit from the first
# response's headers, so the first window is allowed to overshoot).
late=$("$PYTHON3" - "$T/requests.log" <<'PY'
import json, sys, datetime
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
t = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
first = t(lines[0]["time"])
print(sum(1 for l in lines if l["status"] == 429 and t(l["time"]) - first > 2.0))
PY
)
is "$late" 0 "no 429 after the first window"
n=$(route_count "GET /contacts/:contactId")
is "$n" 60 "every contact pulled once"
total=$(http GET /_sandbox/stats | jq_py 'j["requests"]')
secs=$((t1 - t0))
[ "$secs" -gt 0 ] || secs=1
# 241 requests at 10/s need >= 24 s; well paced they take < 40 s.
ok $([ "$secs" -le 40 ] && echo 0 || echo 1) "paced near the budget: $total requests in ${secs}s"
done_testing
