#!/bin/sh
# tests/faults/005-writes.sh: every write acknowledged to the user reaches
# the server exactly once.  About 65 writes queued offline across 10
# contacts (tags added and removed, notes, tasks created offline and then
# completed, an existing task completed, contact fields) are replayed with
# `ghlterm sync --outbox` against ghlterm-sandbox --fault 5xx=0.1,429=0.1,
# drop=0.05,dropafter=0.05 (dropafter: the server applied the write, the
# client saw the connection drop) until the outbox is empty (at most
# ROUNDS runs).  Then the server's own state, read through its API, must
# hold each note and task exactly once, the right tags, the completions
# and the fields; no write may have failed; and after a clean `sync --all
# --deep` the cache equals the server.  GHLTERM_FAULT_SEEDS="1 2 3 ..."
# runs more seeds.  One python process drives it all: python starts
# slowly on a loaded machine.
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
import atexit, contextlib, io, json, os, shutil, sqlite3, subprocess, sys
import tempfile, time, urllib.parse, urllib.request
TESTS = os.environ["TESTS_DIR"]
sys.path.insert(0, os.path.join(TESTS, "sandbox"))
sys.path.insert(0, os.path.join(TESTS, "crash"))
from sbtest import LOC, Sandbox, Tap  # noqa: E402
import state  # noqa: E402

GHLTERM = os.environ["GHLTERM"]
SEEDS = os.environ.get("GHLTERM_FAULT_SEEDS", "5").split()
MIX = "5xx=0.1,429=0.1,drop=0.05,dropafter=0.05"
ROUNDS = 8      # sync --outbox runs allowed to empty the outbox

T = tempfile.mkdtemp(prefix="ghlwrites.")
atexit.register(shutil.rmtree, T, True)
for k in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "HOME"):
    os.environ[k] = os.path.join(T, k.lower())
    os.makedirs(os.environ[k])
for k in ("GHL_API_BASE", "GHL_TOKEN", "GHL_LOCATION_ID", "GHLTERM_CACHE",
          "GHLTERM_CONFIG"):
    os.environ.pop(k, None)
CACHE = os.path.join(T, "cache.db")
t = Tap()
# A short rate window: a 429 without Retry-After waits one window.
sb = Sandbox("--listen", "127.0.0.1:0", "--contacts", 10, "--seed", 7,
             "--rate-limit", "1000000/100", "--log", os.path.join(T, "sb.log"))
atexit.register(sb.stop)
URL = sb.url
ENV = dict(os.environ, GHL_TOKEN="sandbox-token")


def g(*args, check=False):
    """ghlterm ARGS: (exit status, stdout, stderr)."""
    r = subprocess.run([GHLTERM, "--base-url", URL, "--location", LOC,
                        "--cache", CACHE, *args], env=ENV,
                       capture_output=True, timeout=120)
    if check and r.returncode != 0:
        raise AssertionError("ghlterm %s: %s" % (" ".join(args),
                                                 r.stderr.decode()))
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def api(method, path, body=None):
    req = urllib.request.Request(URL + path, method=method,
                                 data=json.dumps(body).encode()
                                 if body is not None else
                                 (b"" if method == "POST" else None))
    req.add_header("Authorization", "Bearer sandbox-token")
    req.add_header("Version", "2021-07-28")
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def faults(spec):
    api("POST", "/_sandbox/faults?spec=" + urllib.parse.quote(spec, safe=""))


def outbox(*status):
    return [x for x in json.loads(g("outbox", "--json", check=True)[1])
            if x["status"] in status]


def queue(seed):
    """A fresh cache from a clean sync, then the writes, offline.  Returns
    the plan: (contact id, key of its writes, open server task or None)."""
    for s in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(CACHE + s)
    faults("")
    g("sync", "--all", "--deep", check=True)
    plan = []
    ids = sorted(c["id"] for c in json.loads(g("list", "--json",
                                                check=True)[1]))
    for n, c in enumerate(ids):
        k = "s%s-c%d" % (seed, n)
        tasks = json.loads(g("show", c, "--json", check=True)[1])["tasks"]
        open_ = [x["id"] for x in tasks if not x.get("completed")]
        w = lambda *a: g("--offline", *a, check=True)[1].strip()  # noqa
        w("tag", "add", c, "keep-" + k, "drop-" + k)
        w("note", "add", c, "note " + k)
        tid = w("task", "add", c, "--title", "call back " + k, "--due",
                "2027-01-15")
        w("tag", "remove", c, "drop-" + k)
        w("task", "complete", c, tid)
        w("contact", "edit", c, "--company", "Company " + k)
        if open_:       # an open task the server already had
            w("task", "complete", c, open_[0])
        plan.append((c, k, open_[0] if open_ else None))
    return plan


def server_check(plan):
    """What the server holds, read through its API, against the plan."""
    bad = []
    for cid, k, open_task in plan:
        c = api("GET", "/contacts/%s" % cid)["contact"]
        tags = c.get("tags") or []
        if ("keep-" + k) not in tags or ("drop-" + k) in tags:
            bad.append("%s tags %r" % (cid, tags))
        if c.get("companyName") != "Company " + k:
            bad.append("%s companyName %r" % (cid, c.get("companyName")))
        notes = [x["body"] for x in api("GET", "/contacts/%s/notes" % cid)
                 ["notes"]]
        if notes.count("note " + k) != 1:
            bad.append("%s: note %r %d times" % (cid, k,
                                                 notes.count("note " + k)))
        tasks = api("GET", "/contacts/%s/tasks" % cid)["tasks"]
        mine = [x for x in tasks if x["title"] == "call back " + k]
        if len(mine) != 1:
            bad.append("%s: task %r %d times" % (cid, k, len(mine)))
        elif not mine[0].get("completed"):
            bad.append("%s: task %s not completed" % (cid, mine[0]["id"]))
        if open_task is not None:
            x = [x for x in tasks if x["id"] == open_task]
            if len(x) != 1 or not x[0].get("completed"):
                bad.append("%s: task %s not completed" % (cid, open_task))
    return bad


for seed in SEEDS:
    t0 = time.monotonic()
    plan = queue(seed)
    nw = len(outbox("pending"))
    t.ok(nw >= 60, "seed %s: %d writes queued offline in %.0f s"
         % (seed, nw, time.monotonic() - t0))
    api("POST", "/_sandbox/reset-stats")
    faults("%s,seed=%s" % (MIX, seed))
    t0 = time.monotonic()
    runs, errs = 0, []
    while runs < ROUNDS:
        runs += 1
        st, out, err = g("sync", "--outbox")
        if err.strip():
            errs.append(err.strip().splitlines()[-1])
        if not outbox("pending", "inflight"):
            break
    left = len(outbox("pending", "inflight"))
    print("# seed %s: %d sync --outbox run(s), %.1f s" % (seed, runs,
          time.monotonic() - t0))
    for e in errs[:5]:
        print("#   " + e)
    t.ok(left == 0, "seed %s: %d writes replayed under %s (outbox empty)"
         % (seed, nw, MIX))
    failed = outbox("failed")
    t.ok(not failed, "seed %s: no write failed for good" % seed,
         json.dumps(failed)[:1000])
    st = json.loads(urllib.request.urlopen(URL + "/_sandbox/stats",
                                           timeout=30).read())
    hit = sum(st["faults"][k] for k in ("5xx", "429", "drop", "dropafter"))
    t.ok(st["faults"]["dropafter"] > 0,
         "seed %s: the replay met %d faults, %d of them dropafter"
         % (seed, hit, st["faults"]["dropafter"]))
    faults("")
    bad = server_check(plan)
    t.ok(not bad, "seed %s: on the server every note and task once, tags, "
         "completions and fields right" % seed, "\n".join(bad[:20]))
    st, out, err = g("sync", "--all", "--deep")
    db = sqlite3.connect(CACHE)
    res = [r[0] for r in db.execute("PRAGMA integrity_check")]
    db.close()
    t.ok(st == 0 and res == ["ok"], "seed %s: a clean sync --all --deep; "
         "cache passes integrity_check" % seed, err + " ".join(res))
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = state.compare(URL, CACHE, GHLTERM, True, 10)
    t.ok(rc == 0, "seed %s: the cache equals the server" % seed,
         buf.getvalue())
t.done()
EOF
