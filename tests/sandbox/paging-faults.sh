#!/bin/sh
# tests/sandbox/paging-faults.sh: the paging faults of ghlterm-sandbox
# --fault do what ghlterm-sandbox(1) says: cursor-repeat answers with the
# request's cursor (or the one before it), cursor-endless never ends
# (full pages, recycled contacts, cursors never seen before) until the
# fault is turned off, page-oversize sends more than pageLimit; each is
# counted in /_sandbox/stats and named in the request log, the same seed
# gives the same faults, and the transport faults do not move.
if [ -z "${PYTHON3:-}" ] || ! "$PYTHON3" -c 'import json' 2>/dev/null; then
	echo "1..0 # SKIP python3 not found"
	exit 77
fi
: "${GHLTERM_SANDBOX:?GHLTERM_SANDBOX is not set}"
: "${TESTS_DIR:?TESTS_DIR is not set}"
SB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sbpf.XXXXXX")
trap 'rm -rf "$SB_TMP"' EXIT
SB_TMP=$SB_TMP "$PYTHON3" - <<'EOF'
import json, os, subprocess, sys
sys.path.insert(0, os.path.join(os.environ["TESTS_DIR"], "sandbox"))
from sbtest import LOC, Sandbox, Tap, q  # noqa: E402

t = Tap()
N, LIM = 30, 5
LOG = os.path.join(os.environ["SB_TMP"], "sb.log")


def search(sb, after=None, limit=LIM):
    body = {"locationId": LOC, "pageLimit": limit,
            "sort": [{"field": "dateAdded", "direction": "asc"}]}
    if after is not None:
        body["searchAfter"] = after
    st, js, _ = sb.call("POST", "/contacts/search", body)
    if st != 200:
        raise AssertionError("search -> %d %r" % (st, js))
    return js


def faults(sb, spec):
    st, _, data = sb.raw("POST", "/_sandbox/faults?spec=" + q(spec), b"")
    if st != 200:
        raise AssertionError("faults %s -> %d %r" % (spec, st, data))


def reset(sb):
    sb.raw("POST", "/_sandbox/reset-stats", b"")


def walk(sb, maxpages=100, limit=LIM):
    """Pages of a cursor walk: [(request cursor, page)], at most maxpages."""
    out, after = [], None
    while len(out) < maxpages:
        js = search(sb, after, limit)
        out.append((after, js))
        if not js["contacts"]:
            break
        after = js["contacts"][-1]["searchAfter"]
    return out


def ids(js):
    return [c["id"] for c in js["contacts"]]


# Parsing: a paging kind alone is a flag; shares are checked per family.
def parses(spec):
    r = subprocess.run([os.environ["GHLTERM_SANDBOX"], "--listen",
                        "127.0.0.1:0", "--contacts", "1", "--fault", spec],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=20, text=True)
    return r.returncode, r.stderr


with Sandbox("--listen", "127.0.0.1:0", "--contacts", 1, "--fault",
             "cursor-endless,5xx=0.9,cursor-repeat=0") as sb:
    t.ok(True, "--fault cursor-endless (a flag) with 5xx=0.9 is accepted")
rc, err = parses("cursor-repeat=1.5")
t.ok(rc != 0 and "0 to 1" in err, "cursor-repeat=1.5 is refused", err)
rc, err = parses("cursor-repeat=0.6,page-oversize=0.6")
t.ok(rc != 0 and "more than 1" in err, "paging shares over 1 are refused",
     err)
rc, err = parses("nosuch=0.1")
t.ok(rc != 0 and "page-oversize" in err,
     "an unknown kind lists the paging kinds too", err)
rc, err = parses("5xx")
t.ok(rc != 0, "a transport kind alone is refused", err)

with Sandbox("--listen", "127.0.0.1:0", "--contacts", N, "--seed", 3,
             "--rate-limit", "1000000/1000", "--log", LOG) as sb:
    healthy = walk(sb)
    pages = [js for _, js in healthy if js["contacts"]]
    cur = [js["contacts"][-1]["searchAfter"] for js in pages]
    t.eq(sum(len(js["contacts"]) for js in pages), N,
         "healthy: %d pages of %d visit all %d contacts" % (len(pages), LIM, N))
    allids = set(i for js in pages for i in ids(js))

    # cursor-repeat: each page after the first carries the request's
    # cursor (same page) or the previous request's (the page before).
    faults(sb, "cursor-repeat=1,seed=4")
    reset(sb)
    seen, bad = set(), []
    for k in range(1, len(pages)):
        js = search(sb, cur[k - 1])
        got = js["contacts"][-1]["searchAfter"]
        if got == cur[k - 1] and ids(js) == ids(pages[k]):
            seen.add("same")
        elif k >= 2 and got == cur[k - 2] and ids(js) == ids(pages[k - 2]):
            seen.add("back")
        else:
            bad.append((k, got, ids(js)))
    t.ok(not bad, "cursor-repeat=1: every cursor repeats the request's or "
         "the previous one's", bad)
    t.eq(sorted(seen), ["back", "same"], "cursor-repeat: both variants occur")
    st = sb.stats()
    t.eq(st["faults"]["cursor-repeat"], len(pages) - 1,
         "cursor-repeat: counted once per faulty page")
    first = search(sb)
    t.eq(ids(first), ids(pages[0]),
         "cursor-repeat: a first page (no cursor) is left alone")
    # Same seed, same faults.
    faults(sb, "cursor-repeat=1,seed=4")
    again = [search(sb, cur[k - 1])["contacts"][-1]["searchAfter"]
             for k in range(1, len(pages))]
    faults(sb, "cursor-repeat=1,seed=4")
    again2 = [search(sb, cur[k - 1])["contacts"][-1]["searchAfter"]
              for k in range(1, len(pages))]
    t.eq(again, again2, "cursor-repeat: the same seed gives the same faults")
    faults(sb, "cursor-repeat=0.5,seed=9")
    reset(sb)
    n = 0
    for k in range(40):
        js = search(sb, cur[0])
        n += js["contacts"][-1]["searchAfter"] != cur[1]
    c = sb.stats()["faults"]["cursor-repeat"]
    t.ok(n == c and 8 <= n <= 32,
         "cursor-repeat=0.5: %d of 40 pages faulty, as counted (%d)" % (n, c))

    # cursor-endless: full pages for ever, cursors never seen before,
    # contacts recycled from the location's own.
    faults(sb, "cursor-endless")
    reset(sb)
    W = 57
    w = walk(sb, maxpages=W)
    full = all(len(js["contacts"]) == LIM for _, js in w)
    curs = [json.dumps(js["contacts"][-1]["searchAfter"]) for _, js in w
            if js["contacts"]]
    t.ok(len(w) == W and full, "cursor-endless: %d full pages and no end" % W)
    t.eq(len(set(curs)), len(curs), "cursor-endless: no cursor comes back")
    t.ok(all(js["total"] == N for _, js in w),
         "cursor-endless: total stays %d" % N)
    t.ok(set(i for _, js in w for i in ids(js)) == allids,
         "cursor-endless: the contacts are the location's own, recycled")
    st = sb.stats()["faults"]["cursor-endless"]
    t.eq(st, W - (len(pages) - 1),
         "cursor-endless: counted on every page past the real ones")
    # Turned off, a lapped cursor is an ordinary one: the walk ends.
    lapped = w[-1][1]["contacts"][-1]["searchAfter"]
    faults(sb, "")
    tail, after = [], lapped
    for _ in range(20):
        js = search(sb, after)
        if not js["contacts"]:
            break
        tail += ids(js)
        after = js["contacts"][-1]["searchAfter"]
    t.ok(0 < len(tail) < N and set(tail) <= allids and not js["contacts"],
         "cursor-endless off: a lapped cursor goes on to the end (%d more)"
         % len(tail))

    # page-oversize: more than pageLimit, total unchanged.
    faults(sb, "page-oversize=1")
    reset(sb)
    sizes = [len(search(sb, cur[k - 1] if k else None)["contacts"])
             for k in range(len(pages))]
    t.ok(all(s > LIM for s in sizes),
         "page-oversize=1: pages of %s for pageLimit %d" % (sizes, LIM))
    t.eq(sb.stats()["faults"]["page-oversize"], len(pages),
         "page-oversize: counted")

    # Writes and reads other than the search never get a paging fault.
    faults(sb, "page-oversize=1,cursor-repeat=0")
    reset(sb)
    st, js, _ = sb.call("GET", "/contacts/" + pages[0]["contacts"][0]["id"])
    t.ok(st == 200 and sb.stats()["faults"]["page-oversize"] == 0,
         "page-oversize: GET /contacts/:id is left alone")

    # Paging faults do not move the transport faults of a seed.
    def transport(spec):
        faults(sb, spec)
        out = []
        for _ in range(40):
            st, _, _ = sb.call("POST", "/contacts/search",
                               {"locationId": LOC, "pageLimit": LIM})
            out.append(st)
        return out
    a = transport("5xx=0.3,seed=11")
    b = transport("5xx=0.3,cursor-repeat=0.5,page-oversize=0.4,seed=11")
    t.ok(a == b and a.count(200) < 40,
         "transport faults of a seed are the same with paging faults on")

# The request log names the paging faults.
names = set()
with open(LOG) as f:
    for line in f:
        names.add(json.loads(line).get("fault"))
t.ok({"cursor-repeat", "cursor-endless", "page-oversize"} <= names,
     "the request log names each paging fault", sorted(map(str, names)))
t.done()
EOF
