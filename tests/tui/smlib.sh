# smlib.sh: the Salesmate sandbox beside tuilib.sh's HighLevel one (sourced
# after tuilib.sh).  sm_start sets SM_URL and writes a [salesmate] section
# pointing at it into the test's config; sm_state prints /_sandbox/state.

SM_PID=
SM_LINK=tuilink
SM_KEY=tui-sm-key

sm_start() {
	local i line
	"$GHLTERM_SANDBOX" --api salesmate --listen 127.0.0.1:0 \
		--link "$SM_LINK" --key "$SM_KEY" >"$T_DIR/sm.out" 2>"$T_DIR/sm.err" &
	SM_PID=$!
	for i in $(seq 1 $((T_DEADLINE * 20))); do
		line=$(head -n1 "$T_DIR/sm.out" 2>/dev/null)
		case $line in http*) SM_URL=$line; break ;; esac
		kill -0 "$SM_PID" 2>/dev/null || break
		sleep 0.05
	done
	[ -n "$SM_URL" ] || { echo "# Salesmate sandbox did not start: $(cat "$T_DIR/sm.err")"; return 1; }
	cat >>"$GHLTERM_CONFIG" <<CFG
[salesmate]
base_url = $SM_URL
linkname = $SM_LINK
owner = 3
id_field = textCustomField1
CFG
	export SALESMATE_TOKEN="$SM_KEY"
}

sm_stop() {
	[ -n "$SM_PID" ] && kill "$SM_PID" 2>/dev/null && wait "$SM_PID" 2>/dev/null
	SM_PID=
}

sm_state() { curl -sS "$SM_URL/_sandbox/state"; }
