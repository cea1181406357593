#!/bin/sh
# 011-usage-spark: on a terminal `ghlterm usage` ends with sparklines of
# requests and 429s per UTC hour over the last 24 hours (blocks in a UTF-8
# locale, the ASCII ramp under NO_COLOR or a non-UTF-8 locale); piped or
# with --json the output is what it always was.
. "$TESTS_DIR/cli/lib.sh"

if ! command -v script >/dev/null 2>&1; then
	echo "1..0 # SKIP script(1) not found"
	exit 77
fi

start_sandbox --contacts 20 --seed 4 --fault 429=0.2,seed=9
# pages of 5: several requests, some of them answered 429 (and retried)
GHLTERM_TEST_PAGE_LIMIT=5 g sync --all >/dev/null 2>"$T/err" || diag "$T/err"
g usage --json >"$T/live.json"
is "$(jq_py 'sum(d["rateLimited"] for d in j["days"]) > 0' <"$T/live.json")" \
    True "the sync drew 429s, recorded in the usage tables"

# Five hours ago: a busier hour than the sync's, with 429s.
"$PYTHON3" - "$CACHE" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
hour = int(time.time() * 1000) // 3600000 - 5
db.execute("INSERT INTO api_usage(endpoint, hour, count, n429, errors, "
           "retries) VALUES ('GET /contacts/:contactId', ?, 400, 50, 0, 3)",
           (hour,))
db.commit()
PY

# run ENV...: ghlterm usage ARGS under a pty (script(1)), \r dropped.
cat >"$T/run" <<EOF
#!/bin/sh
exec "$GHLTERM" --base-url "$URL" --location "$LOC" --cache "$CACHE" usage "\$@"
EOF
chmod +x "$T/run"
tty_usage() {
	script -qec "$T/run $*" /dev/null | tr -d '\r'
}

# cells FILE: every cell of both sparklines of FILE, one "LABEL N 'C'"
# a line (one python run: it is slow to start on a loaded machine), and
# the expected first and last hour labels; cell N FILE LABEL reads them.
cells() {
	"$PYTHON3" - "$1" >"$1.cells" <<'PY'
import sys, time
for line in open(sys.argv[1], encoding="utf-8"):
    for label in ("requests/h", "429s/h"):
        if line.startswith(label + " "):
            for i, c in enumerate(line[12:36]):
                print("%s %d %r" % (label, i, c))
print(time.strftime("first %H:00", time.gmtime(time.time() - 23 * 3600)))
print(time.strftime("last %H:00", time.gmtime()))
PY
}
cell() {
	sed -n "s|^$3 $1 ||p" "$2.cells"
}

tty_usage >"$T/tty.out"
cells "$T/tty.out"
check "on a terminal: a requests/h sparkline" grep -q '^requests/h  ' "$T/tty.out"
check "on a terminal: a 429s/h sparkline" grep -q '^429s/h  ' "$T/tty.out"
check "requests/h: the busiest hour's maximum" \
    grep -q '^requests/h  .*  max 400$' "$T/tty.out"
check "429s/h: its own maximum" grep -q '^429s/h  .*  max 50$' "$T/tty.out"
is "$(cell 18 "$T/tty.out" requests/h)" "'█'" \
    "requests/h: five hours ago (cell 18 of 24) is the full block"
is "$(cell 17 "$T/tty.out" requests/h)" "' '" \
    "requests/h: an hour with no requests is blank"
is "$(cell 23 "$T/tty.out" requests/h)" "'▁'" \
    "requests/h: this hour's few requests show as the lowest block"
is "$(cell 18 "$T/tty.out" 429s/h)" "'█'" \
    "429s/h: five hours ago is the full block"
is "$(cell 23 "$T/tty.out" 429s/h)" "'▁'" \
    "429s/h: this hour's 429s show"
first=$(sed -n 's/^first //p' "$T/tty.out.cells")
last=$(sed -n 's/^last //p' "$T/tty.out.cells")
check "hours under the line: $first to $last UTC" \
    grep -q "^            $first  *$last UTC\$" "$T/tty.out"

# the rest of the output is what a pipe gets
g usage >"$T/pipe.out"
check "piped: no sparkline" sh -c "! grep -q 'requests/h\|429s/h' '$T/pipe.out'"
head -n -4 "$T/tty.out" >"$T/tty.head"
check "on a terminal the table and headers are the piped output" \
    cmp -s "$T/tty.head" "$T/pipe.out"
tty_usage --json >"$T/tty.json"
check "--json on a terminal: no sparkline" \
    sh -c "! grep -q 'requests/h' '$T/tty.json'"
is "$(jq_py 'len(j["days"]) > 0' <"$T/tty.json")" True \
    "--json on a terminal is still JSON"

# ASCII: NO_COLOR (the TUI's mono rule) and a non-UTF-8 locale
NO_COLOR=1 tty_usage >"$T/nocolor.out"
cells "$T/nocolor.out"
check "NO_COLOR: sparkline drawn" grep -q '^requests/h  .*  max 400$' "$T/nocolor.out"
check "NO_COLOR: ASCII only" sh -c "! LC_ALL=C grep -q '[^ -~]' '$T/nocolor.out'"
is "$(cell 18 "$T/nocolor.out" requests/h)" "'#'" \
    "NO_COLOR: the busiest hour is the top of the ramp"
is "$(cell 23 "$T/nocolor.out" requests/h)" "'.'" \
    "NO_COLOR: a small hour is the lowest visible step"
LC_ALL=C tty_usage >"$T/c.out"
check "C locale: sparkline drawn in ASCII" \
    sh -c "grep -q '^requests/h  .*#.*  max 400\$' '$T/c.out' && ! LC_ALL=C grep -q '[^ -~]' '$T/c.out'"

done_testing
