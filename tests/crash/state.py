#!/usr/bin/env python3
"""tests/crash/state.py: compare the ghlterm cache with the sandbox.

Usage:
  state.py integrity CACHE            -> prints "ok" or the problems
  state.py compare URL CACHE GHLTERM [--deep] [--sample N]
      compares the contacts the cache lists with every contact the sandbox
      has, and (with --deep) each sampled contact's tasks, notes and
      appointments as `ghlterm show --json` prints them with what the
      sandbox serves.  Prints one line per difference; exit 1 if any.
  state.py count URL CONTACT_ID KIND FIELD VALUE
      how many tasks/notes of the contact have FIELD == VALUE on the server.
"""
import json
import os
import random
import sqlite3
import subprocess
import sys
import urllib.request

LOC = "SandboxLocation00001"


def api(url, method, path, body=None):
    req = urllib.request.Request(url + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Authorization", "Bearer sandbox-token")
    req.add_header("Version", "2021-07-28")
    req.add_header("Accept", "application/json")
    if body is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read().decode())


def server_contacts(url):
    out, after = {}, None
    while True:
        body = {"locationId": LOC, "pageLimit": 500,
                "sort": [{"field": "dateAdded", "direction": "asc"}]}
        if after is not None:
            body["searchAfter"] = after
        page = api(url, "POST", "/contacts/search", body)
        items = page.get("contacts") or []
        if not items:
            return out
        for c in items:
            out[c["id"]] = c
        after = items[-1]["searchAfter"]


def ghl(ghlterm, url, cache, *args):
    env = dict(os.environ, GHL_TOKEN="sandbox-token")
    r = subprocess.run([ghlterm, "--base-url", url, "--location", LOC,
                        "--cache", cache, *args], env=env,
                       capture_output=True, timeout=120)
    if r.returncode != 0:
        raise SystemExit("ghlterm %s failed: %s" % (" ".join(args), r.stderr.decode().strip()))
    return json.loads(r.stdout.decode())


def ids(items):
    return sorted(i["id"] for i in items)


def compare(url, cache, ghlterm, deep, sample):
    problems = []
    srv = server_contacts(url)
    mine = {c["id"]: c for c in ghl(ghlterm, url, cache, "list", "--json")}
    missing = set(srv) - set(mine)
    extra = set(mine) - set(srv)
    if missing:
        problems.append("%d contacts missing from the cache, e.g. %s" % (len(missing), sorted(missing)[:3]))
    if extra:
        problems.append("%d contacts in the cache but not on the server, e.g. %s" % (len(extra), sorted(extra)[:3]))
    for cid in set(srv) & set(mine):
        for f in ("firstName", "lastName", "email", "phone"):
            if srv[cid].get(f) != mine[cid].get(f):
                problems.append("%s.%s: cache %r server %r" % (cid, f, mine[cid].get(f), srv[cid].get(f)))
        if sorted(srv[cid].get("tags") or []) != sorted(mine[cid].get("tags") or []):
            problems.append("%s.tags: cache %r server %r" % (cid, mine[cid].get("tags"), srv[cid].get("tags")))
    if deep:
        pick = sorted(set(srv) & set(mine))
        random.seed(len(pick))
        if sample and len(pick) > sample:
            pick = random.sample(pick, sample)
        for cid in pick:
            shown = ghl(ghlterm, url, cache, "show", cid, "--json")
            for kind, key, path in (("tasks", "tasks", "/tasks"), ("notes", "notes", "/notes"),
                                    ("appointments", "events", "/appointments")):
                want = api(url, "GET", "/contacts/%s%s" % (cid, path))[key]
                if ids(shown[kind]) != ids(want):
                    problems.append("%s %s: cache %s server %s" % (cid, kind, ids(shown[kind]), ids(want)))
                    continue
                byid = {x["id"]: x for x in want}
                for x in shown[kind]:
                    if x != byid[x["id"]]:
                        problems.append("%s %s %s differs" % (cid, kind, x["id"]))
    for p in problems[:20]:
        print(p)
    return 1 if problems else 0


def main():
    cmd = sys.argv[1]
    if cmd == "integrity":
        db = sqlite3.connect(sys.argv[2])
        res = [r[0] for r in db.execute("PRAGMA integrity_check")]
        print(" ".join(res))
        return 0 if res == ["ok"] else 1
    if cmd == "compare":
        deep = "--deep" in sys.argv
        sample = 0
        if "--sample" in sys.argv:
            sample = int(sys.argv[sys.argv.index("--sample") + 1])
        return compare(sys.argv[2], sys.argv[3], sys.argv[4], deep, sample)
    if cmd == "count":
        url, cid, kind, field, value = sys.argv[2:7]
        key = {"tasks": "tasks", "notes": "notes"}[kind]
        items = api(url, "GET", "/contacts/%s/%s" % (cid, kind))[key]
        print(sum(1 for x in items if str(x.get(field)) == value))
        return 0
    raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    sys.exit(main())
