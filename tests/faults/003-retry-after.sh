#!/bin/sh
# tests/faults/003-retry-after.sh: `sync --all --deep` against ghlterm-sandbox
# --fault.  Transient faults (5xx, 429, dropped connections, truncated
# bodies, slow responses, and a 30% mix of them) are retried: the sync
# completes, the cache passes integrity_check and equals the server.
# Permanent ones (malformed JSON, HTML error pages, bodies over the 32 MB
# cap) end the command with exit 1 and one clear line, the cache intact.
# Invalid UTF-8 never reaches --json output.
. "$TESTS_DIR/cli/lib.sh"
. "$TESTS_DIR/faults/lib.sh"

start_sandbox --contacts 12 --seed 5 --rate-limit 1000000/1000 \
	--log "$T/sb.log"
export GHLTERM_TEST_PAGE_LIMIT=5

# Retry-After: no request before the time the server asked for.  Pages
# of a plain sync go one after another, so the log's order is the
# client's.
fresh
skip=$(lines "$T/sb.log")
faults "429=0.6,seed=4"
g sync --all >/dev/null 2>"$T/err"
ok $? "429 storm: sync --all completes"
"$PYTHON3" - "$T/sb.log" "$skip" <<'PY'
import json, sys
from datetime import datetime
def ms(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp() * 1000
rows = [json.loads(l) for l in open(sys.argv[1]).readlines()[int(sys.argv[2]):]]
rows = [r for r in rows if not r["path"].startswith("/_sandbox")]
bad = n = 0
for a, b in zip(rows, rows[1:]):
    if "retryAfter" in a and a.get("fault") == "429":
        n += 1
        gap = ms(b["time"]) - ms(a["time"])
        if gap < a["retryAfter"] * 1000 - 25:
            bad += 1
            print("# request %.0f ms after a Retry-After of %d s" % (gap, a["retryAfter"]))
print("# %d answers with Retry-After checked" % n)
sys.exit(1 if bad or n == 0 else 0)
PY
ok $? "429 storm: no request before Retry-After elapsed"
check "429 storm: cache equals the server" matches

done_testing
