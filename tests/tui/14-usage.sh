#!/bin/sh
# The usage view (U, :usage): requests per UTC hour over 24 hours as a bar
# chart with the 429s in red (x in mono/ASCII), hours on the x axis, the y
# scale, today's requests against the daily budget with the daily_warn
# warning, the latest X-RateLimit-* headers, calls by endpoint; re-read
# when the cache changes; scrolls at 40x10; q goes back to the list.
. "$TESTS_DIR/tui/tuilib.sh"
PY=${PYTHON3:-python3}

sandbox_start --contacts 20 --seed 4 --daily-limit 1000 || exit 1
faults() { api POST "/_sandbox/faults?spec=$1" >/dev/null; }
# pages of 5, one in five answered 429: some 429s recorded for this hour
faults '429%3D0.2%2Cseed%3D9'
GHLTERM_TEST_PAGE_LIMIT=5 ghl sync --all >/dev/null 2>&1 ||
	{ echo "not ok 1 - sync --all"; exit 1; }
faults ''
n429=$(ghl usage --json | json_get 'sum(d["rateLimited"] for d in j["days"])')
check "the sync drew 429s ($n429)" test "$n429" -gt 0
# Five hours ago: 400 calls, 50 of them 429s.
"$PY" - "$CACHE" <<'EOF'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO api_usage VALUES ('GET /contacts/:contactId', ?, "
           "400, 50, 0, 7)", (int(time.time() * 1000) // 3600000 - 5,))
db.commit()
EOF
printf '[sync]\ndaily_warn = 5000\n' >"$GHLTERM_CONFIG"

# chart.py MODE: checks on the chart in the pane (capture with -e on
# stdin): MODE utf8 or ascii.  Prints what is wrong, exits 1.
cat >"$T_DIR/chart.py" <<'EOF'
import re, sys, time
mode = sys.argv[1]
raw = sys.stdin.read()
rows = []          # [(char, fg)] per line
for line in raw.split("\n"):
    cells, fg = [], None
    for m in re.finditer(r"\x1b\[([0-9;]*)m|(.)", line):
        if m.group(2) is None:
            for p in (m.group(1) or "0").split(";"):
                p = int(p or 0)
                if p == 0 or p == 39:
                    fg = None
                elif 30 <= p <= 37 or 90 <= p <= 97:
                    fg = p % 10
            continue
        cells.append((m.group(2), fg))
    rows.append(cells)
text = ["".join(c for c, _ in r) for r in rows]
bad = []
leg = next(i for i, t in enumerate(text) if " requests " in t and " 429s" in t)
corner = "\u2514" if mode == "utf8" else "+"
axis = next(i for i in range(leg + 1, len(text)) if corner in text[i])
col = text[axis].index(corner)
nslot = 24
sw = (len(text[axis].rstrip()) - col - 1) // nslot
chart = rows[leg + 1:axis]
if mode == "ascii":
    for t in text[leg:axis + 2]:
        if any(ord(c) >= 0x80 for c in t):
            bad.append("non-ASCII in the chart: %r" % t)
def column(slot):
    x = col + 1 + slot * sw
    return [r[x] if x < len(r) else (" ", None) for r in chart]
def filled(slot):
    return sum(1 for c, _ in column(slot) if c != " ")
if not filled(18) > filled(23) > 0:
    bad.append("slot heights: 5 h ago %d, now %d" % (filled(18), filled(23)))
if filled(17) != 0:
    bad.append("an hour without calls has a bar")
c18 = column(18)
bottom, topc = c18[-1], next(c for c in c18 if c[0] != " ")
if mode == "utf8":
    if bottom[1] != 1 or topc[1] == 1:
        bad.append("429s not red at the bottom only: %r %r" % (bottom, topc))
    if column(23)[-1][1] != 1:
        bad.append("this hour's 429s not red")
else:
    if bottom[0] != "x" or topc[0] != "#":
        bad.append("ascii glyphs: bottom %r top %r" % (bottom, topc))
if text[leg + 1][:col].strip() != "500":
    bad.append("y scale top: %r" % text[leg + 1])
first = time.strftime("%H", time.gmtime(time.time() - 23 * 3600))
hours = text[axis + 1]
if hours[col + 1:col + 3] != first:
    bad.append("first hour label %r, want %r" % (hours[col + 1:col + 3], first))
for b in bad:
    print("# " + b)
sys.exit(1 if bad else 0)
EOF
chart_ok() {
	"$TMUX_BIN" -L "$T_SOCK" capture-pane -e -p -t t >"$T_DIR/pane"
	"$PY" "$T_DIR/chart.py" "$1" <"$T_DIR/pane"
}
today_count() {
	tui_screen | sed -n 's/^Today (UTC): \([0-9]*\) request.*/\1/p'
}

tui_start 100 30 --offline
tui_ready || { not_ok "first screen"; exit 1; }
tui_keys U
check "U opens the usage view" tui_wait '^API usage \(UTC\)'
check "the legend and the busiest hour" tui_wait 'requests .* 429s +max 400/h'
check "the chart: bars per hour, 429s in red, y scale, hours" chart_ok utf8
check "today's requests" tui_wait '^Today \(UTC\): [0-9]+ requests, [0-9]+ 429s'
check "the daily budget from the headers" \
	tui_wait '^Daily budget: [0-9]+ of 1000 left \([0-9]+ used'
check "below daily_warn: the warning line" \
	tui_wait '^WARNING: [0-9]+ requests left today, below daily_warn = 5000'
check "the latest X-RateLimit-* values with their age" \
	tui_wait 'X-RateLimit-\* headers, [0-9]+ (s|min) ago'
check "X-RateLimit-Max" tui_wait 'X-RateLimit-Max +100$'
check "by endpoint: today and 7 days" \
	tui_wait '^POST /contacts/search +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+'
check "the busy hour's endpoint counts 400 calls" \
	tui_wait '^GET /contacts/:contactId +[0-9]+ +[0-9]+ +[0-9]+ +4[0-9][0-9] '

# re-read when another process writes the cache (data_version)
before=$(today_count)
ghl sync --all >/dev/null 2>&1
after_more() { [ "$(today_count)" -gt "$before" ]; }
check "a sync by another process shows up ($before requests before)" \
	wait_for after_more

tui_resize 40 10
check "40x10: the view stays" tui_wait '^API usage'
check "40x10: the chart fits" tui_wait '^ *0└─+$'
tui_keys G
check "40x10: scrolls to the end of the table" tui_wait '^all endpoints'
tui_keys g
check "40x10: and back to the top" tui_wait 'requests .* 429s'
tui_resize 100 30
check "100x30 again: all of it" tui_wait 'X-RateLimit-Max +100$'
tui_keys q
check "q goes back to the list" tui_wait 'Contacts [0-9]+/[0-9]+'
tui_keys :
tui_keys -l usage
tui_keys Enter
check ":usage opens it too" tui_wait '^API usage \(UTC\)'
tui_keys Escape
check "Esc goes back" tui_wait 'Contacts [0-9]+/[0-9]+'
tui_keys '?'
tui_keys G
check "help lists U" tui_wait '^  U +usage +API usage'
tui_keys q
check "help closes" tui_wait 'Contacts [0-9]+/[0-9]+'
# opened again and left open at exit: freed (ASan builds check leaks)
tui_keys U
tui_wait '^API usage' || not_ok "U again"
tui_keys :
tui_keys -l quit-all
tui_keys Enter
check "quits cleanly with the view open (status 0)" tui_wait '^EXITED 0'

# mono (NO_COLOR): ASCII only, 429s as x
"$TMUX_BIN" -L "$T_SOCK" kill-server >/dev/null 2>&1
NO_COLOR=1 tui_start 100 30 --offline
tui_ready || { not_ok "mono first screen"; exit 1; }
tui_keys U
check "mono: the view opens" tui_wait '^# requests x 429s'
check "mono: ASCII chart, # for requests and x for 429s" chart_ok ascii
tui_keys q
tui_keys q
check "mono: q, q quits with status 0" tui_wait '^EXITED 0'
done_testing
