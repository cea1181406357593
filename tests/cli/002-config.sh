#!/bin/sh
# 002-config: settings precedence end to end (flags > environment > config
# file > defaults) and token files that others can read are refused.
. "$TESTS_DIR/cli/lib.sh"

start_sandbox --contacts 20
DEAD=http://127.0.0.1:9	# discard port: nothing listens
CFG="$XDG_CONFIG_HOME/ghlterm/config"
printf 'sandbox-token\n' >"$T/token"
chmod 600 "$T/token"

# sync_ok DESCRIPTION ARGS...: a one-contact pull must reach the sandbox.
ID=$(http POST /contacts/search \
    "{\"locationId\":\"$LOC\",\"pageLimit\":1}" | jq_py 'j["contacts"][0]["id"]')

# 1. config file only: base URL, location, token file and cache from it.
cat >"$CFG" <<EOC
[api]
base_url = $URL
location = $LOC
token_file = $T/token
[cache]
path = $T/file.db
[sync]
replay_timeout = 2s
EOC
"$GHLTERM" sync "$ID" >"$T/out" 2>"$T/err"
is "$?" 0 "config file alone is enough to sync"
check "config file's cache path used" test -s "$T/file.db"

# 2. environment beats the file.
printf '[api]\nbase_url = %s\nlocation = NoSuchLocation\ntoken_file = %s\n' \
    "$DEAD" "$T/missing-token" >"$CFG"
GHL_API_BASE=$URL GHL_LOCATION_ID=$LOC GHL_TOKEN=sandbox-token \
    GHLTERM_CACHE="$T/env.db" "$GHLTERM" sync --all >"$T/out" 2>"$T/err"
rc=$?
is "$rc" 0 "environment beats the config file (URL, location, token)"
[ $rc -eq 0 ] || diag "$T/err"
check "GHLTERM_CACHE used" test -s "$T/env.db"
n=$(GHLTERM_CACHE="$T/env.db" "$GHLTERM" --offline list --json |
    jq_py 'len(j)')
is "$n" 20 "the environment's location was synced"

# 3. flags beat the environment.
GHL_API_BASE=$DEAD GHL_LOCATION_ID=NoSuchLocation GHL_TOKEN=bad-token \
    GHLTERM_CACHE="$T/env2.db" "$GHLTERM" --base-url "$URL" \
    --location "$LOC" --token-file "$T/token" --cache "$T/flag.db" \
    sync "$ID" >"$T/out" 2>"$T/err"
rc=$?
is "$rc" 0 "flags beat the environment"
[ $rc -eq 0 ] || diag "$T/err"
check "--cache beats GHLTERM_CACHE" test -s "$T/flag.db"
check "GHLTERM_CACHE not created" test ! -e "$T/env2.db"

# 4. defaults: cache under XDG_CACHE_HOME named after the location.
rm -f "$CFG"
GHL_TOKEN=sandbox-token "$GHLTERM" --base-url "$URL" --location "$LOC" \
    sync "$ID" >"$T/out" 2>"$T/err"
is "$?" 0 "default cache path works"
check "default cache is \$XDG_CACHE_HOME/ghlterm/<location>.db" \
    test -s "$XDG_CACHE_HOME/ghlterm/$LOC.db"

# 5. GHLTERM_CONFIG points at another file.
printf '[api]\nlocation = %s\nbase_url = %s\n' "$LOC" "$URL" >"$T/alt.conf"
GHLTERM_CONFIG="$T/alt.conf" GHL_TOKEN=sandbox-token "$GHLTERM" \
    --cache "$T/alt.db" sync "$ID" >"$T/out" 2>"$T/err"
is "$?" 0 "GHLTERM_CONFIG names the config file"

# 6. A token file readable by others is refused, with one clear line.
chmod 644 "$T/token"
"$GHLTERM" --base-url "$URL" --location "$LOC" --token-file "$T/token" \
    --cache "$T/flag.db" sync "$ID" >"$T/out" 2>"$T/err"
rc=$?
is "$rc" 1 "token file mode 0644: sync exits 1"
is "$(lines "$T/err")" 1 "token file mode 0644: one line on stderr"
check "token file mode 0644: message says readable by others" \
    grep -q "readable by others" "$T/err"
check "token never printed" sh -c '! grep -q sandbox-token "$1" "$2"' \
    sh "$T/out" "$T/err"
"$GHLTERM" --base-url "$URL" --location "$LOC" --token-file "$T/token" \
    --cache "$T/flag.db" doctor >"$T/out" 2>"$T/err"
is "$?" 1 "token file mode 0644: doctor exits 1"
check "token file mode 0644: doctor's token check fails" \
    grep -q "^FAIL  token: .*readable by others" "$T/out"

done_testing
