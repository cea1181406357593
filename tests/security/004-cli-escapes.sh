#!/bin/sh
# Terminal escapes in API text through the CLI's human output.  A hostile
# server (a small stub: the sandbox cannot hold an appointment title, a raw
# 0x9b byte or a chosen error message) serves a contact whose id, names,
# tags, note, task title and appointment title carry the sequences of the
# git, less and kubectl advisories: OSC 0/2 title set, OSC 52 clipboard,
# OSC 8 links, CSI clear/home/cursor moves/alternate screen, DCS, C1 CSI
# and OSC as U+009B/U+009D and as a raw 0x9b byte, bidi overrides and
# isolates, zero-width joiners, CR and backspaces, and answers writes with
# such a message.  show, list, log, outbox, doctor and usage print no ESC,
# no C0/C1 control but newline, and no bidi control on stdout or stderr;
# --json carries the text exactly (JSON-escaped); export --format csv is
# data for programs and carries it exactly too (as NDJSON does).
. "$TESTS_DIR/cli/lib.sh"

cat >"$T/stub.py" <<'EOF'
import http.server, json, os, sys, urllib.parse

E = "\x1b"
SEQ = {
    "osc0": E + "]0;PWNED-TITLE\x07",
    "osc2": E + "]2;TITLE2" + E + "\\",
    "osc52": E + "]52;c;cm0gLXJmIH4K\x07",
    "osc8": E + "]8;;http://evil.example/" + E + "\\link" + E + "]8;;" + E + "\\",
    "csi": E + "[2J" + E + "[H" + E + "[5;5H" + E + "[1A" + E + "[2K" + E + "[?1049h",
    "dcs": E + "P+q544e" + E + "\\",
    "c1": "\u009b31m" + "\u009d0;C1TITLE\x07",
    "bidi": "\u202eevil\u202c \u2066iso\u2069 \u2067r\u2069 \u2068f\u2069 \u202a\u202b\u202d",
    "zwj": "a\u200db\u200cc",
    "crbs": "safe\rEVIL" + "xyz\b\b\b" + "\x7f",
}
ALL = "".join(SEQ.values())
RAW9B = "@@RAW9B@@"          # replaced by a raw 0x9b byte in the body
CID = "evil" + E + "[2Jid"
CONTACT = {
    "id": CID, "locationId": "SandboxLocation00001",
    "firstName": "Ev" + SEQ["osc0"] + "il", "lastName": "Zz" + SEQ["csi"] + SEQ["c1"],
    "email": "x" + SEQ["osc8"] + "@example.test", "phone": "+1" + SEQ["crbs"],
    "companyName": SEQ["osc2"] + "Corp" + RAW9B + "31m",
    "tags": [SEQ["osc52"] + "clip", "bidi" + SEQ["bidi"], "zw" + SEQ["zwj"], SEQ["dcs"] + "dcs"],
    "dateAdded": "2026-11-29T10:00:00.000Z", "dateUpdated": "2026-11-29T10:00:00.000Z",
}
TASK = {"id": "task" + E + "[2J1", "contactId": CID, "title": "Call" + SEQ["osc0"] + SEQ["c1"],
        "body": "line one" + SEQ["csi"] + "\nline two" + SEQ["crbs"],
        "dueDate": "2026-12-01T10:00:00.000Z", "completed": False}
NOTE = {"id": "note1", "contactId": CID, "body": "note" + ALL + RAW9B + "[2J end",
        "dateAdded": "2026-11-29T10:00:00.000Z"}
APPT = {"id": "appt1", "contactId": CID, "calendarId": "cal1",
        "title": "Meet" + SEQ["osc2"] + SEQ["bidi"], "appointmentStatus": "confirmed" + SEQ["osc0"],
        "startTime": "2026-12-02T10:00:00.000Z", "endTime": "2026-12-02T11:00:00.000Z"}
MSG = "refused" + SEQ["osc0"] + SEQ["csi"] + SEQ["bidi"] + "\u009b2J" + "\r\nsecond line"

def body(o):
    return json.dumps(o).encode().replace(RAW9B.encode(), b"\x9b")

class H(http.server.BaseHTTPRequestHandler):
    def reply(self, st, o):
        b = body(o)
        self.send_response(st)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        for k, v in (("X-RateLimit-Max", "100"), ("X-RateLimit-Remaining", "99"),
                     ("X-RateLimit-Interval-Milliseconds", "10000"),
                     ("X-RateLimit-Limit-Daily", "200000"),
                     ("X-RateLimit-Daily-Remaining", "199999")):
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(b)
    def route(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        p = urllib.parse.unquote(self.path.split("?")[0])
        pre = "/contacts/" + CID
        if self.command == "GET" and p == pre:
            return self.reply(200, {"contact": CONTACT})
        if self.command == "GET" and p == pre + "/tasks":
            return self.reply(200, {"tasks": [TASK]})
        if self.command == "GET" and p == pre + "/notes":
            return self.reply(200, {"notes": [NOTE]})
        if self.command == "GET" and p == pre + "/appointments":
            return self.reply(200, {"events": [APPT]})
        if self.command == "POST" and p == "/contacts/search":
            return self.reply(200, {"contacts": [dict(CONTACT, searchAfter=[1, CID])],
                                    "total": 1})
        if self.command == "GET" and p == "/":
            return self.reply(200, {"status": "ok"})
        if self.command in ("POST", "PUT", "DELETE") and p.startswith("/contacts/doctor-probe"):
            return self.reply(401, {"message": MSG})
        if self.command in ("POST", "PUT", "DELETE"):
            return self.reply(422, {"message": [MSG, "two" + SEQ["osc52"]]})
        return self.reply(404, {"message": MSG})
    do_GET = do_POST = do_PUT = do_DELETE = route
    def log_message(self, *a):
        pass

if sys.argv[1] == "dump":
    # The expected texts, for the checker.
    json.dump({"contact": CONTACT, "task": TASK, "note": NOTE, "appt": APPT,
               "msg": MSG, "cid": CID, "raw9b": RAW9B}, sys.stdout)
    sys.exit(0)
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write(str(s.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.serve_forever()
EOF

"$PYTHON3" "$T/stub.py" "$T/port" >"$T/stub.log" 2>&1 &
STUB=$!
stop_stub() { kill "$STUB" 2>/dev/null; wait "$STUB" 2>/dev/null; }
trap 'stop_stub; cleanup' EXIT
i=0
while [ ! -s "$T/port" ] && [ $i -lt 500 ]; do	# 10 s deadline
	kill -0 "$STUB" 2>/dev/null || break
	sleep 0.02
	i=$((i + 1))
done
[ -s "$T/port" ] || { echo "Bail out! stub server did not start"; diag "$T/stub.log"; exit 1; }
URL="http://127.0.0.1:$(cat "$T/port")"
CID=$(printf 'evil\033[2Jid')
H="$T/h"
mkdir "$H"

# Fill the cache: the contact with its task, note and appointment; a write
# the server refuses with a hostile message (outbox, log); a write queued
# offline whose tag the user typed with escapes.
g sync "$CID" >"$H/sync.out" 2>"$H/sync.err"
is "$?" 0 "sync of the hostile contact"
g sync --all >"$H/syncall.out" 2>"$H/syncall.err"
is "$?" 0 "sync --all with the hostile contact"
g tag add "$CID" newtag >"$H/tag.out" 2>"$H/tag.err"
is "$?" 1 "a write the server refuses fails"
g --offline tag add "$CID" "$(printf 'typed\033]0;T\007\302\233J\342\200\256')" \
	>"$H/tagoff.out" 2>"$H/tagoff.err"
is "$?" 0 "a write queued offline with a hostile tag typed by the user"
g show "$CID" >"$H/show.out" 2>"$H/show.err"
is "$?" 0 "show"
g list >"$H/list.out" 2>"$H/list.err"
is "$?" 0 "list"
g list --search evil >"$H/search.out" 2>"$H/search.err"
g log >"$H/log.out" 2>"$H/log.err"
is "$?" 0 "log"
g log --failed >"$H/logf.out" 2>"$H/logf.err"
g outbox >"$H/outbox.out" 2>"$H/outbox.err"
is "$?" 0 "outbox"
g doctor >"$H/doctor.out" 2>"$H/doctor.err"
g usage >"$H/usage.out" 2>"$H/usage.err"
is "$?" 0 "usage"
g sync "$CID$(printf '\033]0;typed\007')" >"$H/syncbad.out" 2>"$H/syncbad.err"
is "$?" 1 "sync of a typed id with escapes fails"
g show "$(printf 'nope\033[2J\r\n')" >"$H/shownope.out" 2>"$H/shownope.err"
is "$?" 1 "show of a typed id with escapes fails"
g show "$CID" --json >"$T/show.json" 2>"$T/json.err"
g list --json >"$T/list.json" 2>>"$T/json.err"
g outbox --json >"$T/outbox.json" 2>>"$T/json.err"
g log --json >"$T/log.json" 2>>"$T/json.err"
g export --format csv >"$T/export.csv" 2>"$T/export.err"
is "$?" 0 "export --format csv"
g export --format ndjson >"$T/export.ndjson" 2>>"$T/export.err"

"$PYTHON3" "$T/stub.py" dump >"$T/want.json"
"$PYTHON3" - "$T" <<'EOF' >"$T/results"
import csv, io, json, os, re, sys

T = sys.argv[1]
H = os.path.join(T, "h")
want = json.load(open(os.path.join(T, "want.json")))
FFFD = "\ufffd"

def fix(s):
    # The raw 0x9b byte is invalid UTF-8: the codec makes it U+FFFD.
    return s.replace(want["raw9b"], FFFD)

bad_re = re.compile("[\x00-\x09\x0b-\x1f\x7f\x80-\x9f\u202a-\u202e\u2066-\u2069\u061c]")
def res(ok, what):
    print("%s %s" % ("PASS" if ok else "FAIL", what))

# Human output: valid UTF-8, no ESC, C0 (but newline), DEL, C1 or bidi.
for f in sorted(os.listdir(H)):
    b = open(os.path.join(H, f), "rb").read()
    try:
        s = b.decode("utf-8")
        bad = sorted(set("U+%04X" % ord(c) for c in bad_re.findall(s)))
    except UnicodeDecodeError as e:
        bad = ["invalid UTF-8: %s" % e]
    res(not bad, "%s: no control, C1 or bidi character %s" % (f, " ".join(bad)))

def has(f, text):
    return text in open(os.path.join(H, f), encoding="utf-8").read()
res(has("show.out", "Ev^[]0;PWNED-TITLE^Gil"), "show: OSC 0 in the name is visible text")
res(has("show.out", "^[[2J^[[H^[[5;5H"), "show: CSI clear and cursor moves visible")
res(has("show.out", "^[]2;TITLE2^[\\Corp" + FFFD + "31m"), "show: OSC 2 and the raw 0x9b byte visible")
res(has("show.out", "^[]52;c;cm0gLXJmIH4K^Gclip"), "show: OSC 52 in a tag visible")
res(has("show.out", "^[]8;;http://evil.example/^[\\link"), "show: OSC 8 link visible")
res(has("show.out", "^[P+q544e^[\\dcs"), "show: DCS visible")
res(has("show.out", "^[[31m^[]0;C1TITLE^G"), "show: C1 CSI/OSC shown as their 7-bit form")
res(has("show.out", "safe^MEVILxyz^H^H^H^?"), "show: CR, backspaces and DEL visible")
res(has("show.out", "a\u200db\u200cc"), "show: zero-width joiners are kept (harmless)")
res(has("show.out", "Call^[]0;PWNED-TITLE^G"), "show: task title inert")
res(has("show.out", "Meet^[]2;TITLE2^[\\"), "show: appointment title inert")
res(has("show.out", "note^[]0;PWNED-TITLE^G"), "show: note body inert")
res(has("list.out", "Ev^[]0;PWNED-TITLE^Gil"), "list: the name is visible text")
res(has("outbox.out", "refused^[]0;PWNED-TITLE^G"), "outbox: the server's message inert")
res(has("log.out", "refused^[]0;PWNED-TITLE^G"), "log: the server's message inert")
res(has("tag.err", "refused^[]0;PWNED-TITLE^G"), "the write's error line is inert")
res(has("tagoff.out", "typed^[]0;T^G^[[J"), "the typed tag is echoed inert")
res(has("syncbad.err", "evil^[[2Jid^[]0;typed^G"), "a typed id with escapes is echoed inert")
res(has("doctor.out", "refused^[]0;PWNED-TITLE^G"), "doctor: the server's message inert")
for f in ("tag.err", "syncbad.err", "shownope.err"):
    n = open(os.path.join(H, f), "rb").read().count(b"\n")
    res(n == 1, "%s: the error is one line (%d)" % (f, n))

# --json: valid, and the text exactly as the server sent it.
c = {k: fix(v) if isinstance(v, str) else v for k, v in want["contact"].items()}
c["tags"] = [fix(t) for t in c["tags"]]
show = json.load(open(os.path.join(T, "show.json")))
for k in ("id", "firstName", "lastName", "email", "phone", "companyName"):
    res(show["contact"][k] == c[k], "show --json: %s exactly as sent" % k)
res(c["tags"][0] in show["contact"]["tags"] and c["tags"][1] in show["contact"]["tags"],
    "show --json: tags exactly as sent")
res(show["tasks"][0]["title"] == want["task"]["title"] and
    show["tasks"][0]["body"] == want["task"]["body"], "show --json: task exactly as sent")
res(show["notes"][0]["body"] == fix(want["note"]["body"]), "show --json: note exactly as sent")
res(show["appointments"][0]["title"] == want["appt"]["title"], "show --json: appointment exactly as sent")
lst = json.load(open(os.path.join(T, "list.json")))
res([x["firstName"] for x in lst] == [c["firstName"]], "list --json: name exactly as sent")
ob = json.load(open(os.path.join(T, "outbox.json")))
res(any(want["msg"] in (o["error"] or "") for o in ob), "outbox --json: the server's message exactly")
lg = json.load(open(os.path.join(T, "log.json")))
res(any(want["msg"] in (l["message"] or "") for l in lg), "log --json: the server's message exactly")
res(os.path.getsize(os.path.join(T, "json.err")) == 0, "--json: nothing on stderr")

# Export is data: CSV (RFC 4180) and NDJSON carry the text as-is.
rows = list(csv.DictReader(io.open(os.path.join(T, "export.csv"), newline="", encoding="utf-8")))
res(len(rows) == 1, "export csv: one row")
res(rows and rows[0]["firstName"] == c["firstName"] and rows[0]["lastName"] == c["lastName"]
    and rows[0]["phone"] == c["phone"] and rows[0]["id"] == c["id"],
    "export csv: fields exactly as sent (data, not sanitised)")
res(rows and rows[0]["tags"].startswith(";".join(c["tags"])), "export csv: tags as sent")
nd = [json.loads(l) for l in open(os.path.join(T, "export.ndjson"), encoding="utf-8")]
res(nd and nd[0]["firstName"] == c["firstName"], "export ndjson: exactly as sent")
res(os.path.getsize(os.path.join(T, "export.err")) == 0, "export: nothing on stderr")
EOF
while read -r st what; do
	[ "$st" = PASS ]
	ok $? "$what"
done <"$T/results"
is "$(grep -c . "$T/results")" 69 "every check ran"

# What the user typed comes back in usage errors: inert there too.
"$GHLTERM" "--bogus$(printf '\033]0;PWNED\007')" >/dev/null 2>"$T/u1"
is "$?" 2 "unknown option: usage error"
"$GHLTERM" "$(printf 'nope\033[2J\302\233')" >/dev/null 2>"$T/u2"
is "$?" 2 "unknown command: usage error"
check "usage errors carry no ESC or C1 byte" \
	sh -c "! LC_ALL=C grep -q \"\$(printf '[\033\302]')\" '$T/u1' '$T/u2'"
check "and show them visibly" grep -q '\^\[\]0;PWNED' "$T/u1"
done_testing
