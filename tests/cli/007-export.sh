#!/bin/sh
# 007-export: CSV (RFC 4180) and NDJSON exports are well-formed, complete,
# and honour --since and --output.
. "$TESTS_DIR/cli/lib.sh"

start_sandbox --contacts 50 --seed 11
g sync --all >/dev/null 2>&1
g tag add "$(first_contact_id)" 'comma, "quote"' >/dev/null 2>&1
g list --json >"$T/list.json"

g export --format csv --output "$T/out.csv" >"$T/out" 2>"$T/err"
is "$?" 0 "export csv --output exits 0"
check "it says how many" grep -q "^exported 50 contacts to $T/out.csv" "$T/out"
check "the file is private (0600)" test "$(stat -c %a "$T/out.csv")" = 600
g export --format csv >"$T/stdout.csv"
check "stdout and --output give the same bytes" cmp -s "$T/out.csv" "$T/stdout.csv"
g export --format ndjson >"$T/out.ndjson"
is "$?" 0 "export ndjson exits 0"

"$PYTHON3" - "$T" >"$T/checks" <<'PY'
import csv, io, json, sys
t = sys.argv[1]
raw = open(t + "/out.csv", "rb").read()
lines = raw.split(b"\r\n")
print(raw.endswith(b"\r\n"))                       # CRLF terminated
rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
print(len(rows) - 1)                               # data rows
print(all(len(r) == len(rows[0]) for r in rows))   # same width
want = json.load(open(t + "/list.json", encoding="utf-8"))
print(sorted(r[0] for r in rows[1:]) == sorted(c["id"] for c in want))
print(any('comma, "quote"' in r[8].split(";") for r in rows[1:]))
nd = [json.loads(l) for l in open(t + "/out.ndjson", encoding="utf-8")]
print(len(nd))
print(sorted(c["id"] for c in nd) == sorted(c["id"] for c in want))
byid = {c["id"]: c for c in want}
print(all(all(byid[c["id"]].get(k) == v for k, v in c.items()) for c in nd))
print(rows[0][:3])
PY
is "$(sed -n 1p "$T/checks")" True "CSV lines end in CRLF"
is "$(sed -n 2p "$T/checks")" 50 "CSV has 50 data rows"
is "$(sed -n 3p "$T/checks")" True "every CSV row has the header's width"
is "$(sed -n 4p "$T/checks")" True "CSV ids are the cached contacts"
is "$(sed -n 5p "$T/checks")" True "a tag with a comma and quotes round-trips"
is "$(sed -n 6p "$T/checks")" 50 "NDJSON has 50 lines"
is "$(sed -n 7p "$T/checks")" True "NDJSON ids are the cached contacts"
is "$(sed -n 8p "$T/checks")" True "NDJSON objects are the API's objects"
is "$(sed -n 9p "$T/checks")" "['id', 'locationId', 'firstName']" "CSV header"

g export --format ndjson --since 2999-01-01 >"$T/none"
is "$(lines "$T/none")" 0 "--since in the future exports nothing"
g export --format ndjson --since 1970-01-01T00:00:00Z >"$T/all"
is "$(lines "$T/all")" 50 "--since the epoch exports everything"
g export --format csv --output /nonexistent/dir/x.csv >"$T/out" 2>"$T/err"
is "$?" 1 "unwritable --output exits 1"
is "$(lines "$T/err")" 1 "unwritable --output: one line"

done_testing
