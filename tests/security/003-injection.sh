#!/bin/sh
# Hostile ids, tags and text end to end through the CLI and ghlterm-sandbox:
# (a) ids with quotes, %, /, .., ?, #, spaces and newlines give one clear
#     line naming the id, reach the server only as one percent-encoded path
#     segment (checked in the sandbox's request log), leave the cache intact
#     and, queued offline, fail once on replay instead of retrying forever;
# (b) hostile tags and note bodies round-trip byte for byte (sandbox GET
#     and show --json), and list --tag / --search never raise SQL or FTS
#     errors;
# (c) a \u0000 inside a name, tag or note is decoded as U+FFFD without
#     cutting the rest (served by a small stub: the sandbox's own JSON
#     library cuts strings at NUL, so it cannot send one);
# (d) limits: a contact with 2,000 tags or a 2 MB note is refused by sync
#     with one line naming the endpoint, contact and field; the cache keeps
#     what it had.
. "$TESTS_DIR/cli/lib.sh"

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP the sqlite3 shell is not installed"
	exit 77
fi

start_sandbox --contacts 6 --seed 31 --max-body 8388608 --log "$T/sb.log"
g sync --all >/dev/null 2>"$T/err" || { diag "$T/err"; echo "Bail out! sync"; exit 1; }
ID=$(first_contact_id)
[ -n "$ID" ] || { echo "Bail out! no contact"; exit 1; }
# Its tasks and notes cached too (task complete below re-syncs it).
g sync "$ID" >/dev/null 2>"$T/err" || { diag "$T/err"; echo "Bail out! sync ID"; exit 1; }

NL='a
b'

# db SQL: run SQL on the cache with the sqlite3 shell.
db() {
	sqlite3 -batch "$CACHE" "$1"
}
counts() {
	db "SELECT 'contacts=' || (SELECT count(*) FROM contacts) ||
	    ' contact_tags=' || (SELECT count(*) FROM contact_tags) ||
	    ' tasks=' || (SELECT count(*) FROM tasks) ||
	    ' notes=' || (SELECT count(*) FROM notes) ||
	    ' appts=' || (SELECT count(*) FROM appts) ||
	    ' outbox=' || (SELECT count(*) FROM outbox)"
}
integrity_ok() {
	[ "$(db 'PRAGMA integrity_check')" = ok ]
}
log_mark() { wc -l <"$T/sb.log" | tr -d ' '; }
# log_since N: request log lines after line N as "METHOD PATH ROUTE".
log_since() {
	tail -n +"$(($1 + 1))" "$T/sb.log" | "$PYTHON3" -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    print(r["method"], r["path"], r["route"])'
}
# one_err FILE WANT: FILE is exactly one line, "ghlterm: ", containing WANT.
one_err() {
	[ "$(wc -l <"$1" | tr -d ' ')" = 1 ] && grep -q '^ghlterm: ' "$1" &&
		grep -qF -- "$2" "$1" || { echo "# want one line with '$2':"; diag "$1"; return 1; }
}
# enc ID: the path segment each hostile id must arrive as (RFC 3986:
# only unreserved characters kept), written out by hand.
enc() {
	case $1 in
	"'") echo %27 ;;
	'"') echo %22 ;;
	%) echo %25 ;;
	%2F) echo %252F ;;
	/) echo %2F ;;
	../../contacts) echo ..%2F..%2Fcontacts ;;
	'?x=1') echo %3Fx%3D1 ;;
	'#') echo %23 ;;
	'a b') echo a%20b ;;
	"$NL") echo a%0Ab ;;
	'id;DROP TABLE contacts;--') echo id%3BDROP%20TABLE%20contacts%3B-- ;;
	*) echo "enc: no encoding for [$1]" >&2; echo '?' ;;
	esac
}

before=$(counts)
mark=$(log_mark)

# ---- (a) hostile ids on the command line ----
for hid in "'" '"' '%' '%2F' '/' '../../contacts' '?x=1' '#' 'a b' "$NL" \
	'id;DROP TABLE contacts;--'; do
	# What the error line shows: the id as typed, a newline as U+23CE.
	shown=$(printf '%s' "$hid" | tr '\n' '\001' | sed 's/\x01/⏎/g')
	e=$(enc "$hid")
	g show "$hid" >"$T/out" 2>"$T/err"
	is "$?" 1 "show [$shown] fails"
	check "show [$shown]: one line naming the id" \
		one_err "$T/err" "show: contact $shown is not in the cache"
	g sync "$hid" >"$T/out" 2>"$T/err"
	st=$?
	is "$st" 1 "sync [$shown] fails"
	check "sync [$shown]: one line naming the id and the encoded path" \
		one_err "$T/err" "sync $shown: GET /contacts/$e: 404"
	for cmd in "tag add" "note add"; do
		# shellcheck disable=SC2086
		g $cmd "$hid" xval >"$T/out" 2>"$T/err"
		st=$?
		is "$st" 1 "$cmd [$shown] fails"
		check "$cmd [$shown]: one line naming the id" \
			one_err "$T/err" "$cmd $shown: GET /contacts/$e: 404"
	done
	g task complete "$ID" "$hid" >"$T/out" 2>"$T/err"
	is "$?" 1 "task complete on a real contact, task [$shown] fails"
	check "task complete ID [$shown]: one line naming the task id" \
		one_err "$T/err" "task $shown is not in the cache"
done
# Dot segments would be resolved away by HTTP (GET /contacts/.. is GET /):
# refused before anything is sent.
for hid in '..' '.' ''; do
	for cmd in sync tag note task; do
		case $cmd in
		sync) g sync "$hid" ;;
		tag) g tag add "$hid" t ;;
		note) g note add "$hid" text ;;
		task) g task complete "$ID" "$hid" ;;
		esac >"$T/out" 2>"$T/err"
		is "$?" 2 "$cmd [$hid]: usage error"
		check "$cmd [$hid]: one line saying the id is not valid" \
			one_err "$T/err" "'$hid' is not a valid"
	done
done

log_since "$mark" >"$T/reqs"
check "the hostile ids reached the sandbox" test -s "$T/reqs"
check "../../contacts arrived as one segment /contacts/..%2F..%2Fcontacts" \
	grep -q '^GET /contacts/\.\.%2F\.\.%2Fcontacts GET /contacts/:contactId$' "$T/reqs"
check "a newline arrived as %0A" grep -q '^GET /contacts/a%0Ab GET /contacts/:contactId$' "$T/reqs"
check "%2F typed arrived as %252F" grep -q '^GET /contacts/%252F ' "$T/reqs"
check "?x=1 stayed in the path" grep -q '^GET /contacts/%3Fx%3D1 ' "$T/reqs"
# Every request was a GET of one contact or its tasks/notes/appointments.
bad=$(grep -v -E '^GET /contacts/[^/ ]+(/tasks|/notes|/appointments)? GET /contacts/:contactId(/tasks|/notes|/appointments)?$' "$T/reqs")
is "$bad" "" "no request reached another route"
check "no write reached the server" sh -c "! grep -q -v '^GET ' '$T/reqs'"
check "cache integrity_check ok" integrity_ok
is "$(counts)" "$before" "cache row counts unchanged"

# Queued offline against a contact whose cached id is hostile (as a hostile
# server or webhook could leave it): the entry fails once on replay.
HID='../../contacts'
db "INSERT INTO contacts (id, location_id, first_name, last_name, name,
    dname, email, phone, company, tags, dnd, date_added, date_updated, raw,
    synced_at, sort_key) SELECT '$HID', location_id, first_name, last_name,
    name, dname, email, phone, company, '[]', dnd, date_added, date_updated,
    json_object('id', '$HID', 'locationId', location_id, 'firstName',
    first_name, 'lastName', last_name, 'tags', json('[]')), synced_at,
    sort_key || 'x' FROM contacts WHERE id = '$ID'"
check "planted a cached contact with id $HID" sh -c "'$GHLTERM' --offline --cache '$CACHE' show '$HID' >/dev/null"
g --offline tag add "$HID" planted >"$T/out" 2>"$T/err"
is "$?" 0 "tag add offline on it is queued"
g --offline note add "$HID" 'planted note' >"$T/out" 2>"$T/err"
is "$?" 0 "note add offline on it is queued"
mark=$(log_mark)
g sync --outbox >"$T/out" 2>"$T/err"
is "$?" 1 "replay fails"
check "replay: one line naming the encoded path and the 404" \
	one_err "$T/err" "POST /contacts/..%2F..%2Fcontacts/tags: 404"
g outbox --json >"$T/ob.json"
is "$(jq_py '" ".join("%s:%s:%d" % (o["op"], o["status"], o["attempts"]) for o in j if o["contactId"] == "'"$HID"'")' <"$T/ob.json")" \
	"tags.add:failed:1 note.create:pending:0" \
	"the tags entry failed permanently after one attempt; the note waits behind it"
check "the failed entry keeps the server's message" \
	sh -c "grep -q 'Contact not found' '$T/ob.json'"
g sync --outbox >/dev/null 2>&1
g sync --outbox >/dev/null 2>&1
log_since "$mark" >"$T/reqs"
is "$(grep -c '^POST /contacts/\.\.%2F\.\.%2Fcontacts/tags POST /contacts/:contactId/tags$' "$T/reqs")" 1 \
	"replaying again does not resend the failed write"
check "no replay request reached another route" \
	sh -c "! grep -v -E '^[A-Z]+ /contacts/\.\.%2F\.\.%2Fcontacts(/[a-z]+)? [A-Z]+ /contacts/:contactId(/[a-z]+)?$' '$T/reqs'"
for eid in $(jq_py '" ".join(str(o["id"]) for o in j if o["contactId"] == "'"$HID"'")' <"$T/ob.json"); do
	g --offline outbox discard "$eid" >/dev/null 2>&1
done
db "DELETE FROM contacts WHERE id = '$HID'"
check "cache integrity_check ok after the replay" integrity_ok

# ---- (b) hostile tags and note bodies round-trip exactly ----
LONG=$("$PYTHON3" -c 'print("L" + "x%" * 499 + "_")')
TAB=$(printf 'tab\there')
"$PYTHON3" - "$T/values" "$LONG" <<'EOF'
import sys
vals = ["it's \"quoted\"", "100%", "%", "under_score", "a/b", "..", "x;--",
        "' OR 1=1 --", "line1\nline2", "tab\there", sys.argv[2],
        "emoji \U0001F600 clef \U0001D11E ok", "nul-free \u00e9\u4e2d"]
open(sys.argv[1], "w").write("".join(v.replace("\n", "\\n") + "\n" for v in vals))
EOF
# Arguments, one per value (the file escapes the newline).
set --
while IFS= read -r v; do
	v=$(printf '%s' "$v" | sed 's/\\n/\
/g')
	set -- "$@" "$v"
done <"$T/values"
nvals=$#
is "$nvals" 13 "13 hostile values"
g tag add "$ID" "$@" >"$T/out" 2>"$T/err"
is "$?" 0 "tag add with every hostile tag, replayed to the sandbox"
for v in "$@"; do
	g note add "$ID" "$v" >>"$T/noteids" 2>"$T/err" ||
		{ ok 1 "note add"; diag "$T/err"; }
done
printf '%s\n' "$LONG" | g note add "$ID" - >>"$T/noteids" 2>"$T/err"
is "$?" 0 "a 1,000-char note from standard input"
is "$(g outbox --json | jq_py 'len([o for o in j if o["status"] != "done"])')" 0 \
	"every write reached the server"
http GET "/contacts/$ID" >"$T/server.json"
http GET "/contacts/$ID/notes" >"$T/notes.json"
g show "$ID" --json >"$T/show.json"
"$PYTHON3" - "$T/values" "$T/server.json" "$T/notes.json" "$T/show.json" "$LONG" <<'EOF' >"$T/cmp"
import json, sys
vals = [v.replace("\\n", "\n") for v in open(sys.argv[1]).read().split("\n")]
server = json.load(open(sys.argv[2]))["contact"]
notes = [n["body"] for n in json.load(open(sys.argv[3]))["notes"]]
show = json.load(open(sys.argv[4]))
for v in vals:
    print("server-tag", v in server["tags"])
    print("show-tag", v in show["contact"]["tags"])
    print("server-note", v in notes)
    print("show-note", v in [n["body"] for n in show["notes"]])
print("stdin-note", sys.argv[5] in notes and sys.argv[5] in [n["body"] for n in show["notes"]])
EOF
for k in server-tag show-tag server-note show-note; do
	is "$(grep -c "^$k True" "$T/cmp")" "$nvals" "$k: all $nvals values byte-identical"
done
check "stdin note byte-identical (trailing newline dropped)" grep -q '^stdin-note True' "$T/cmp"

# json_ids DIR: for each DIR/N.json (a list --json output), "N: ids".
json_ids() {
	"$PYTHON3" - "$1" <<'EOF'
import json, os, sys
d = sys.argv[1]
for f in sorted(os.listdir(d), key=lambda f: int(f.split(".")[0])):
    if f.endswith(".json"):
        try:
            ids = " ".join(c["id"] for c in json.load(open(os.path.join(d, f))))
        except ValueError as e:
            ids = "INVALID JSON: %s" % e
        print("%s: %s" % (f.split(".")[0], ids))
EOF
}

# list --tag: exact tag matches only, never LIKE patterns or SQL.
mkdir "$T/tag" "$T/notag" "$T/q" "$T/qname"
i=0
errs=0
for v in "$@"; do
	i=$((i + 1))
	g list --json --tag "$v" >"$T/tag/$i.json" 2>"$T/err" && [ ! -s "$T/err" ] ||
		{ errs=$((errs + 1)); diag "$T/err"; }
done
is "$errs" 0 "list --tag with each hostile tag: exit 0, nothing on stderr"
is "$(json_ids "$T/tag" | grep -c ": $ID\$")" "$nvals" \
	"list --tag finds the contact by each hostile tag, and only it"
i=0
for v in 'under%' 'under?score' '10_%' "' OR '1'='1" '%%' '_' '"' "it's" \
	'*' 'line1'; do
	i=$((i + 1))
	g list --json --tag "$v" >"$T/notag/$i.json" 2>"$T/err" && [ ! -s "$T/err" ] ||
		{ errs=$((errs + 1)); diag "$T/err"; }
done
is "$errs" 0 "list --tag with wildcard and SQL look-alikes: exit 0, quiet"
is "$(json_ids "$T/notag" | grep -v -c ': $')" 0 \
	"list --tag with wildcard and SQL look-alikes matches nothing"

# list --search: FTS5 syntax is inert; the right rows or none, never an error.
NAME=$(g show "$ID" --json | jq_py 'j["contact"].get("firstName") or ""')
i=0
errs=0
for q in '"' '*' '(' ')' 'NEAR' 'NEAR(' '-' ':' "' OR 1=1 --" 'a:b' \
	'AND OR NOT' '^' '{x}' '"unbalanced' 'x*y' '-x' '+' '%' '_' ';--' \
	"$(printf 'a\tb')" "$NL" 'tag:"' 'tag:' '""' "''"; do
	i=$((i + 1))
	g list --json --search "$q" >"$T/q/$i.json" 2>"$T/err" && [ ! -s "$T/err" ] ||
		{ errs=$((errs + 1)); echo "# --search [$q]"; diag "$T/err"; }
	[ $i -le 6 ] || continue	# human output: the same query
	g list --search "$q" >"$T/out" 2>"$T/err" && [ ! -s "$T/err" ] ||
		{ errs=$((errs + 1)); echo "# --search [$q] (human)"; diag "$T/err"; }
done
is "$errs" 0 "list --search with FTS syntax: exit 0, nothing on stderr"
is "$(json_ids "$T/q" | grep -c 'INVALID')" 0 "list --search with FTS syntax: valid JSON"
i=0
for q in "\"$NAME" "$NAME*" "($NAME)" "-$NAME" "$NAME:" "$NAME\"" "^$NAME" \
	'x;--' "under_score"; do
	i=$((i + 1))
	g list --json --search "$q" >"$T/qname/$i.json" 2>/dev/null
done
is "$(json_ids "$T/qname" | grep -c ": .*$ID")" 9 \
	"FTS syntax around a name ($NAME) or a hostile tag still finds the contact"
check "cache integrity_check ok after (b)" integrity_ok

# ---- (c) NUL in a JSON body (from a stub: the sandbox cuts at NUL) ----
"$PYTHON3" - "$T/stub.port" <<'EOF' >"$T/stub.log" 2>&1 &
import http.server, sys
C = ('{"contact":{"id":"nulcontact0000000001","locationId":"SandboxLocation00001",'
     '"firstName":"Ev\\u0000il","lastName":"After\\u0000Nul","email":"nul@example.test",'
     '"tags":["a\\u0000b","plain"],"dateUpdated":"2026-11-29T10:00:00.000Z"}}')
N = ('{"notes":[{"id":"nulnote1","contactId":"nulcontact0000000001",'
     '"body":"before\\u0000after\\nline two","dateAdded":"2026-11-29T10:00:00.000Z"}]}')
BODIES = {"": C, "/tasks": '{"tasks":[]}', "/notes": N, "/appointments": '{"events":[]}'}
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        p = self.path.split("?")[0]
        pre = "/contacts/nulcontact0000000001"
        b = BODIES.get(p[len(pre):]) if p.startswith(pre) else None
        st = 200 if b is not None else 404
        b = (b or '{"message":"not here"}').encode()
        self.send_response(st)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write(str(s.server_address[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.serve_forever()
EOF
STUB=$!
i=0
while [ ! -s "$T/stub.port" ] && [ $i -lt 250 ]; do sleep 0.02; i=$((i + 1)); done
SPORT=$(cat "$T/stub.port" 2>/dev/null)
GHL_TOKEN=sandbox-token "$GHLTERM" --base-url "http://127.0.0.1:$SPORT" \
	--location "$LOC" --cache "$CACHE" sync nulcontact0000000001 >"$T/out" 2>"$T/err"
is "$?" 0 "sync of a contact whose JSON has \\u0000 in a name, tag and note"
g show nulcontact0000000001 --json >"$T/nul.json"
"$PYTHON3" - "$T/nul.json" <<'EOF' >"$T/nulcmp"
import json, sys
j = json.load(open(sys.argv[1]))
c = j["contact"]
print(c["firstName"] == "Ev\ufffdil", c["lastName"] == "After\ufffdNul",
      c["email"] == "nul@example.test", c["tags"] == ["a\ufffdb", "plain"],
      j["notes"][0]["body"] == "before\ufffdafter\nline two")
EOF
is "$(cat "$T/nulcmp")" "True True True True True" \
	"NUL became U+FFFD in name, tag and note; the rest of each kept"
g show nulcontact0000000001 >"$T/out" 2>"$T/err"
is "$?" 0 "show (human) of it works"
check "the human view shows U+FFFD and the text after it" grep -q 'Ev�il After�Nul' "$T/out"
# raw is stored packed (a zstd blob, where 0 bytes are normal): its text
# is what show --json printed above, checked there.
is "$(db "SELECT count(*) FROM contacts WHERE (typeof(raw) = 'text' AND
    instr(raw, char(0)) > 0) OR instr(first_name, char(0)) > 0 OR
    instr(last_name, char(0)) > 0")" 0 \
	"no cached string holds a NUL"
kill "$STUB" 2>/dev/null
wait "$STUB" 2>/dev/null

# ---- (d) limits ----
before=$(counts)
BIG=$(http POST /contacts/ '{"locationId":"'$LOC'","firstName":"Manytags","tags":['"$("$PYTHON3" -c 'print(",".join("\"t%d\"" % i for i in range(2000)))')"']}' | jq_py 'j["contact"]["id"]')
check "sandbox holds a contact with 2,000 tags" test -n "$BIG"
g sync "$BIG" >"$T/out" 2>"$T/err"
is "$?" 1 "sync of the 2,000-tag contact fails"
check "one line naming the endpoint, contact and field" \
	one_err "$T/err" "sync $BIG: GET /contacts/$BIG: contact $BIG: tags: 2000 tags, over the limit of 1000"
is "$(counts)" "$before" "nothing of it was cached"
http POST /contacts/ '{"locationId":"'$LOC'","firstName":"Afterbig","lastName":"Zz"}' >/dev/null
g sync --all >"$T/out" 2>"$T/err"
is "$?" 1 "sync --all fails, naming the contact it left out"
check "sync --all: one line naming the search page and the contact" \
	one_err "$T/err" "sync --all: 1 contact left out: POST /contacts/search: contact $BIG: tags: 2000 tags"
check "cache integrity_check ok after the refused contact" integrity_ok
is "$(g list --json | jq_py 'len([c for c in j if c["id"] == "'"$BIG"'"])')" 0 \
	"the refused contact is not in the cache"
is "$(g list --json | jq_py 'len([c for c in j if c["firstName"] == "Afterbig"])')" 1 \
	"the rest of the walk went on: a contact created after it is cached"
check "the left-out contact is in the failure log" \
	sh -c "GHL_TOKEN=sandbox-token '$GHLTERM' --offline --cache '$CACHE' log --failed | grep -q 'contact $BIG: tags: 2000 tags'"
http DELETE "/contacts/$BIG" >/dev/null
g sync --all >"$T/out" 2>"$T/err"
is "$?" 0 "with it gone, sync --all works again"

# The body is too big for an argument: posted from Python.
NOTE2M=$("$PYTHON3" - "$URL" "$ID" <<'EOF'
import json, sys, urllib.request
url, cid = sys.argv[1:3]
req = urllib.request.Request(url + "/contacts/" + cid + "/notes",
    method="POST", data=json.dumps({"body": "n" * (2 * 1024 * 1024)}).encode())
for k, v in (("Authorization", "Bearer sandbox-token"),
             ("Version", "2021-07-28"), ("Content-Type", "application/json")):
    req.add_header(k, v)
print(json.load(urllib.request.urlopen(req, timeout=30))["note"]["id"])
EOF
)
check "sandbox holds a 2 MB note" test -n "$NOTE2M"
before=$(counts)
notes_before=$(g show "$ID" --json | jq_py 'len(j["notes"])')
g sync "$ID" >"$T/out" 2>"$T/err"
is "$?" 1 "sync of the contact with a 2 MB note fails"
check "one line naming the note and the limit" \
	one_err "$T/err" "GET /contacts/$ID: note $NOTE2M: body: 2097152 bytes, over the limit of 1048576"
is "$(counts)" "$before" "the cache keeps what it had"
is "$(g show "$ID" --json | jq_py 'len(j["notes"])')" "$notes_before" "the cached notes are unchanged"
# The same limits hold for local writes: refused before anything is queued.
before=$(counts)
LONGTAG=$(head -c 5000 /dev/zero | tr '\0' t)
g --offline tag add "$ID" "$LONGTAG" >"$T/out" 2>"$T/err"
is "$?" 1 "tag add of a 5,000-byte tag is refused"
check "one line naming the tag and the limit" \
	one_err "$T/err" "tags[0]: 5000 bytes, over the limit of 4096"
g --offline contact edit "$ID" --first "$LONGTAG" >"$T/out" 2>"$T/err"
is "$?" 1 "contact edit with a 5,000-byte first name is refused"
check "one line naming the contact and the field" \
	one_err "$T/err" "contact $ID: firstName: 5000 bytes, over the limit of 4096"
is "$(counts)" "$before" "nothing was queued or changed"
check "cache integrity_check ok at the end" integrity_ok
done_testing
