#!/bin/sh
# tests/faults/001-transient.sh: `sync --all --deep` against ghlterm-sandbox
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

# One kind at a time only with GHLTERM_FAULTS_FULL=1 (several minutes).
specs="5xx=0.08,429=0.05,drop=0.07,truncate=0.05,slow=0.05,slowms=200,seed=8
dropafter=0.3,seed=7"
if [ -n "${GHLTERM_FAULTS_FULL:-}" ]; then
	specs="$specs
5xx=0.3,seed=2
drop=0.3,seed=3
truncate=0.3,seed=4
429=0.2,seed=5
slow=0.2,slowms=300,seed=6"
fi
for spec in $specs; do
	fresh
	faults "$spec"
	r=0
	g sync --all --deep >/dev/null 2>"$T/err" ||
		{ echo "# sync failed:"; diag "$T/err"; r=1; }
	integrity || r=1
	matches deep || r=1
	ok $r "transient $spec: deep sync completes, cache equals the server"
done

done_testing
