#!/bin/sh
# tests/faults/004-paging.sh: a server that pages wrongly is stopped.
# Against ghlterm-sandbox --fault cursor-repeat, page-oversize and
# cursor-endless, `ghlterm sync --all` (exit 1) and one round of `sync
# --watch` (the poll, which then waits for its next round) end with one
# line naming POST /contacts/search and the problem, within a bounded
# number of search requests (counted in the sandbox's request log) and a
# bounded time.  The cache passes integrity_check and holds only whole
# pages (a full sync commits a prefix of the server's order, a multiple of
# the page size); then a sync against the healthy sandbox completes and
# the cache equals the server.  One python process drives it all: python
# starts slowly on a loaded machine.
if [ -z "${GHLTERM:-}" ] || [ ! -x "$GHLTERM" ] ||
    [ -z "${GHLTERM_SANDBOX:-}" ] || [ ! -x "$GHLTERM_SANDBOX" ]; then
	echo "1..0 # SKIP ghlterm or ghlterm-sandbox not built"
	exit 77
fi
PYTHON3=${PYTHON3:-python3}
if ! "$PYTHON3" -c 'import sqlite3' 2>/dev/null; then
	echo "1..0 # SKIP python3 with sqlite3 not found"
	exit 77
fi
exec "$PYTHON3" - <<'EOF'
import atexit, contextlib, io, json, os, shutil, sqlite3, subprocess, sys, tempfile
import time, urllib.parse, urllib.request
TESTS = os.environ["TESTS_DIR"]
sys.path.insert(0, os.path.join(TESTS, "sandbox"))
sys.path.insert(0, os.path.join(TESTS, "crash"))
from sbtest import LOC, Sandbox, Tap  # noqa: E402
import state  # noqa: E402

GHLTERM = os.environ["GHLTERM"]
N, L = 23, 5            # contacts (4 full pages and a short one), page size
# A healthy walk takes N/L+1 pages; the client gives up after twice that
# and ten more (src/sync.c), and may have two pages prefetched.
MAXREQ = 2 * (N // L + 1) + 10 + 3
MAXMS = 15000

T = tempfile.mkdtemp(prefix="ghlpaging.")
for k in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "HOME"):
    os.environ[k] = os.path.join(T, k.lower())
    os.makedirs(os.environ[k])
for k in ("GHL_API_BASE", "GHL_TOKEN", "GHL_LOCATION_ID", "GHLTERM_CACHE",
          "GHLTERM_CONFIG"):
    os.environ.pop(k, None)
os.environ["GHLTERM_TEST_PAGE_LIMIT"] = str(L)
CACHE = os.path.join(T, "cache.db")
LOG = os.path.join(T, "sb.log")
t = Tap()
sb = Sandbox("--listen", "127.0.0.1:0", "--contacts", N, "--seed", 5,
             "--rate-limit", "1000000/1000", "--log", LOG)
atexit.register(shutil.rmtree, T, True)
atexit.register(sb.stop)
URL = sb.url


def argv(*args):
    return [GHLTERM, "--base-url", URL, "--location", LOC, "--cache", CACHE,
            *args]


ENV = dict(os.environ, GHL_TOKEN="sandbox-token")


def g(*args):
    """ghlterm ARGS: (exit status, stdout, stderr, milliseconds)."""
    t0 = time.monotonic()
    r = subprocess.run(argv(*args), env=ENV, capture_output=True, timeout=60)
    return (r.returncode, r.stdout.decode(), r.stderr.decode(),
            int((time.monotonic() - t0) * 1000))


def api(method, path, body=None):
    req = urllib.request.Request(URL + path, method=method,
                                 data=json.dumps(body).encode()
                                 if body is not None else b"")
    req.add_header("Authorization", "Bearer sandbox-token")
    req.add_header("Version", "2021-07-28")
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def faults(spec):
    api("POST", "/_sandbox/faults?spec=" + urllib.parse.quote(spec, safe=""))


def log_lines():
    with open(LOG) as f:
        return sum(1 for _ in f)


def searches(skip):
    """POST /contacts/search requests logged after line skip."""
    with open(LOG) as f:
        rows = [json.loads(x) for x in f.readlines()[skip:]]
    return sum(1 for r in rows if r.get("route") == "POST /contacts/search")


def fresh():
    for s in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(CACHE + s)


def integrity():
    db = sqlite3.connect(CACHE)
    try:
        return [r[0] for r in db.execute("PRAGMA integrity_check")] == ["ok"]
    finally:
        db.close()


def server_order():
    js = api("POST", "/contacts/search", {
        "locationId": LOC, "pageLimit": 500,
        "sort": [{"field": "dateAdded", "direction": "asc"}]})
    return [c["id"] for c in js["contacts"]]


def cached_ids():
    db = sqlite3.connect(CACHE)
    try:
        return set(r[0] for r in db.execute("SELECT id FROM contacts"))
    finally:
        db.close()


def matches():
    """With faults off, the cache equals the server (tests/crash/state.py)."""
    faults("")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            rc = state.compare(URL, CACHE, GHLTERM, False, 0)
        except SystemExit as e:
            print(e)
            rc = 1
    return rc == 0, out.getvalue()


def one_line(err, kw):
    lines = err.splitlines()
    return (len(lines) == 1 and lines[0].startswith("ghlterm: ") and
            "POST /contacts/search" in lines[0] and kw in lines[0])


def bounded(name, n, ms):
    t.ok(n <= MAXREQ, "%s: stopped after %d search requests (at most %d)"
         % (name, n, MAXREQ))
    t.ok(ms <= MAXMS, "%s: stopped within %d ms (at most %d)"
         % (name, ms, MAXMS))
    t.ok(integrity(), "%s: cache passes integrity_check" % name)


# ---- sync --all ----
for spec, kw in (("cursor-repeat=0.4,seed=3", "repeated cursor"),
                 ("page-oversize=0.3,seed=2", "pageLimit"),
                 ("cursor-endless", "does not end")):
    name = "sync --all, " + spec
    fresh()
    faults(spec)
    skip = log_lines()
    st, out, err, ms = g("sync", "--all")
    t.eq(st, 1, name + ": exits 1")
    t.ok(one_line(err, kw), "%s: one line naming the endpoint and '%s': %s"
         % (name, kw, err.strip()[:150]), err)
    bounded(name, searches(skip), ms)
    faults("")
    order, mine = server_order(), cached_ids()
    t.ok((len(mine) % L == 0 or len(mine) == len(order)) and
         mine == set(order[:len(mine)]),
         "%s: only whole pages cached, in order (%d contacts)"
         % (name, len(mine)))
    st, out, err, ms = g("sync", "--all")
    good, diff = matches()
    t.ok(st == 0 and good, name + ": a healthy sync --all then equals the "
         "server", err + diff)

# ---- the poll (sync --watch): its pages are the contacts changed ----


def change(tag):
    """12 contacts changed after the last sync: poll pages of 5, 5, 2."""
    faults("")
    js = api("POST", "/contacts/search", {"locationId": LOC, "pageLimit": 12})
    for c in js["contacts"]:
        api("PUT", "/contacts/" + c["id"], {"lastName": "Changed " + tag})


def watch(interval, until, deadline=30):
    """sync --watch until until(out, err) holds (or the deadline); then
    stop it.  Returns (stdout, stderr, milliseconds)."""
    o, e = os.path.join(T, "watch.out"), os.path.join(T, "watch.err")
    t0 = time.monotonic()
    with open(o, "w") as fo, open(e, "w") as fe:
        p = subprocess.Popen(argv("sync", "--watch", "--interval",
                                  str(interval)), env=ENV, stdout=fo,
                             stderr=fe)
        try:
            while time.monotonic() - t0 < deadline and p.poll() is None:
                if until(open(o).read(), open(e).read()):
                    break
                time.sleep(0.05)
            ms = int((time.monotonic() - t0) * 1000)
        finally:
            p.terminate()
            p.wait(timeout=15)
    return open(o).read(), open(e).read(), ms


fresh()
g("sync", "--all")
for n, (spec, kw) in enumerate((("cursor-repeat=1,seed=1", "repeated cursor"),
                                ("page-oversize=1", "pageLimit"),
                                ("cursor-endless", "does not end"))):
    name = "sync --watch, " + spec
    change("poll%d" % n)
    faults(spec)
    skip = log_lines()
    # --interval 60: no second round before it is stopped.
    out, err, ms = watch(60, lambda o, e: e.endswith("\n"))
    t.ok(one_line(err, kw) and "will try again" in err,
         "%s: the round ends with one line naming the endpoint and '%s': %s"
         % (name, kw, err.strip()[:150]), err)
    bounded(name, searches(skip), ms)
    faults("")
    out, err, ms = watch(1, lambda o, e: "polled" in o)
    t.ok("polled" in out, name + ": a healthy poll round then completes", err)
    good, diff = matches()
    t.ok(good, name + ": the cache then equals the server", diff)

t.done()
EOF
