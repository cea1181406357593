#!/bin/sh
# 003-sync: sync --all of 1,000 contacts gets each exactly once, and
# show --json matches the sandbox's own GET bodies (UTF-8 included).
. "$TESTS_DIR/cli/lib.sh"

start_sandbox --contacts 1000 --seed 7

g sync --all >"$T/out" 2>"$T/err"
rc=$?
is "$rc" 0 "sync --all exits 0"
[ $rc -eq 0 ] || diag "$T/err"
check "summary line names contacts, requests and seconds" \
    grep -Eq '^synced 1000 contacts in [0-9.]+ s \([0-9]+ requests, 0 rate-limited\)' "$T/out"
check "no progress bar when stderr is not a terminal" test ! -s "$T/err"

g list --json >"$T/list.json"
searches=$(route_count "POST /contacts/search")
gets=$(route_count "GET /contacts/:contactId")
"$PYTHON3" - "$T/list.json" >"$T/checks" <<'PY'
import json, sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
keys = ["id", "firstName", "lastName", "name", "email", "phone",
        "companyName", "tags", "dateAdded", "dateUpdated"]
print(len(j))
print(len(set(c["id"] for c in j)))
print(all(all(k in c for k in keys) for c in j))
print(any(ord(ch) > 127 for c in j for ch in json.dumps(c, ensure_ascii=False)))
for i in (0, 1, 500, 999):
    print(j[i]["id"])
PY
is "$(sed -n 1p "$T/checks")" 1000 "list --json has 1000 contacts"
is "$(sed -n 2p "$T/checks")" 1000 "ids are unique"
is "$(sed -n 3p "$T/checks")" True "every contact has the DESIGN §4 keys"
is "$(sed -n 4p "$T/checks")" True \
    "list --json carries non-ASCII text as UTF-8"
check "sandbox served $searches search pages for 1000 contacts (2..3)" \
    test "$searches" -le 3 -a "$searches" -ge 2
is "$gets" 0 "no per-contact GETs"
is "$(g list --limit 7 | wc -l | tr -d ' ')" 7 "list --limit 7 prints 7 rows"

# A second sync --all changes nothing.
g sync --all >/dev/null 2>&1
is "$(g list --json | jq_py 'len(j)')" 1000 "second sync: still 1000"

# show --json against the sandbox's GET bodies, for a few contacts.
ids=$(sed -n '5,8p' "$T/checks")
for id in $ids; do
	g sync "$id" >/dev/null 2>"$T/err" || diag "$T/err"
	g show --json "$id" >"$T/show-$id.json"
done
"$PYTHON3" - "$URL" "$T" $ids >"$T/cmp" 2>&1 <<'PY'
import json, sys, urllib.request
url, t, ids = sys.argv[1], sys.argv[2], sys.argv[3:]
def get(path, key):
    req = urllib.request.Request(url + path)
    req.add_header("Authorization", "Bearer sandbox-token")
    req.add_header("Version", "2021-07-28")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read().decode("utf-8"))[key]
for cid in ids:
    show = json.load(open("%s/show-%s.json" % (t, cid), encoding="utf-8"))
    bad = []
    if show["contact"] != get("/contacts/" + cid, "contact"):
        bad.append("contact")
    for k, path, key in (("tasks", "/tasks", "tasks"),
                         ("notes", "/notes", "notes"),
                         ("appointments", "/appointments", "events")):
        want = get("/contacts/" + cid + path, key)
        if sorted(show[k], key=lambda o: o["id"]) != \
                sorted(want, key=lambda o: o["id"]):
            bad.append(k)
    if show["pending"] != []:
        bad.append("pending")
    print(cid, " ".join(bad) or "same")
PY
for id in $ids; do
	is "$(grep "^$id " "$T/cmp" | cut -d' ' -f2-)" same \
	    "show --json $id equals the sandbox's GET bodies"
done

# Human output: aligned, sanitised (no escape byte reaches the terminal).
g list >"$T/human"
check "human list has no control characters" \
    sh -c '! LC_ALL=C grep -q "[[:cntrl:]]" "$1"' sh "$T/human"

done_testing
